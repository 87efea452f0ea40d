"""Privacy metrics: how close synthetic rows come to real ones, and how many copy one exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.neighbors import NearestNeighbors

from smotegen.compare.classifiers import level_codes, subsample
from smotegen.compare.marginals import float_column
from smotegen.compare.report import PrivacyMetrics
from smotegen.compare.selection import ColumnSelection
from smotegen.neighbours import MAX_ONE_HOT_LEVELS

# Synthetic (and baseline) rows whose closest real row is searched, at most.
DISTANCE_ROWS = 5_000


def row_hashes(table: pa.Table, names: list[str]) -> np.ndarray:
    """Return a 64-bit hash of each row's values in ``names``: equal rows get equal hashes.

    Both tables must have the same column types, because a number and its
    text form hash differently.
    """
    if not names:
        return np.zeros(table.num_rows, dtype=np.uint64)
    frame = table.select(names).to_pandas()
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def copy_mask(hashes: np.ndarray, real_hashes: np.ndarray) -> np.ndarray:
    """Return whether each of ``hashes`` is also the hash of a real row (``real_hashes`` sorted and unique)."""
    return np.isin(hashes, real_hashes, assume_unique=False)


def count_copies(hashes: np.ndarray, real_hashes: np.ndarray) -> int:
    """Return how many of ``hashes`` are also the hash of a real row (``real_hashes`` sorted and unique)."""
    return int(copy_mask(hashes, real_hashes).sum())


def distance_features(tables: list[pa.Table], selection: ColumnSelection) -> list[np.ndarray]:
    """Return each table's rows as points, scaled by the first table (the real one).

    Numeric columns are standardised by the real mean and standard deviation,
    and a missing value sits at the mean. Each discrete column with at most
    ``MAX_ONE_HOT_LEVELS`` levels becomes indicators scaled so that a
    differing level adds 1 to the squared distance, as the neighbour search
    of the model does. Columns with more levels are left out.
    """
    blocks: list[list[np.ndarray]] = [[] for _ in tables]
    for name in selection.numeric:
        values = [float_column(table, name) for table in tables]
        reference = values[0]
        mean = np.nanmean(reference) if np.isfinite(reference).any() else 0.0
        std = np.nanstd(reference) if np.isfinite(reference).any() else 0.0
        std = std if std > 0 else 1.0
        for i, column in enumerate(values):
            blocks[i].append(np.nan_to_num((column - mean) / std, nan=0.0)[:, None])
    for name in selection.discrete:
        codes, levels = level_codes([table.column(name) for table in tables])
        if levels == 0 or levels > MAX_ONE_HOT_LEVELS:
            continue  # An all-missing column has no levels, and its zero-width block would leave no features.
        for i, column in enumerate(codes):
            indicators = np.zeros((len(column), levels))
            present = ~np.isnan(column)
            indicators[np.flatnonzero(present), column[present].astype(np.int64)] = np.sqrt(0.5)
            blocks[i].append(indicators)
    return [np.hstack(b) if b else np.zeros((t.num_rows, 1)) for b, t in zip(blocks, tables)]


def privacy_metrics(
    real: pa.Table,
    synthetic: pa.Table,
    holdout: pa.Table | None,
    selection: ColumnSelection,
    copies: tuple[int, bool],
    synthetic_rows: int,
    seed: int,
) -> PrivacyMetrics | None:
    """Measure the distance from synthetic rows to their closest real row against a baseline.

    ``copies`` is the count of synthetic rows equal to a real row and whether
    that count is an estimate. Returns None when either table has no rows.
    """
    if not real.num_rows or not synthetic.num_rows:
        return None
    generator = np.random.default_rng(seed)
    queries = subsample(synthetic, DISTANCE_ROWS, generator)
    baseline_rows = subsample(holdout if holdout is not None else real, DISTANCE_ROWS, generator)
    real_points, query_points, baseline_points = distance_features([real, queries, baseline_rows], selection)

    search = NearestNeighbors(n_neighbors=1).fit(real_points)
    synthetic_distances = search.kneighbors(query_points)[0][:, 0]
    if holdout is not None:
        baseline_distances = search.kneighbors(baseline_points)[0][:, 0]
        baseline = "held-out rows"
    elif real.num_rows > 1:
        # The closest row to a real row is itself: take the second closest.
        baseline_distances = search.kneighbors(baseline_points, n_neighbors=2)[0][:, 1]
        baseline = "real rows to their closest other real row"
    else:
        baseline_distances = np.array([np.nan])
        baseline = "no baseline: the real table has one row"

    exact_copies, estimated = copies
    return PrivacyMetrics(
        synthetic_median=float(np.median(synthetic_distances)),
        baseline_median=float(np.median(baseline_distances)),
        synthetic_p05=float(np.quantile(synthetic_distances, 0.05)),
        baseline_p05=float(np.quantile(baseline_distances, 0.05)),
        baseline=baseline,
        distance_rows=queries.num_rows,
        exact_copies=exact_copies,
        exact_copy_share=exact_copies / synthetic_rows if synthetic_rows else 0.0,
        exact_copies_estimated=estimated,
    )


def estimate_copies(real: pa.Table, synthetic_sample: pa.Table, names: list[str], synthetic_rows: int) -> int:
    """Estimate the exact copies of real rows in a table of ``synthetic_rows`` rows from a uniform row sample."""
    if not synthetic_sample.num_rows:
        return 0
    real_hashes = np.unique(row_hashes(real, names))
    in_sample = count_copies(row_hashes(synthetic_sample, names), real_hashes)
    return round(in_sample * synthetic_rows / synthetic_sample.num_rows)
