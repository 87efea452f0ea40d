"""The k nearest neighbours of every sample row, on comparable scales.

Distances are computed on standardised numeric columns (so no column decides
every distance by its units alone) and on one-hot indicators of the discrete
columns, each scaled so that a different level adds 1 to the squared
distance, as one standard deviation of a numeric column does. Missing numeric
values sit at the column's mean and missing levels have no indicator, so
missing values neither break the search nor pull rows together.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

# Discrete columns with more levels than this are left out of the distance:
# their one-hot block would cost memory in proportion to rows x levels.
MAX_ONE_HOT_LEVELS = 64


def distance_features(numeric: np.ndarray, codes: np.ndarray, level_counts: list[int]) -> np.ndarray:
    """Return the float32 feature matrix (rows x features) that distances are measured on.

    ``numeric`` is rows x numeric columns with NaN for missing values; ``codes``
    is rows x discrete columns of level indexes with -1 for missing values.
    """
    blocks = []
    if numeric.shape[1]:
        mean = np.nanmean(numeric, axis=0) if len(numeric) else np.zeros(numeric.shape[1])
        std = np.nanstd(numeric, axis=0)
        mean = np.nan_to_num(mean)
        std = np.where(np.isfinite(std) & (std > 0), std, 1.0)
        blocks.append(np.nan_to_num((numeric - mean) / std, nan=0.0))
    scale = np.float32(np.sqrt(0.5))
    for column, levels in enumerate(level_counts):
        if levels < 2 or levels > MAX_ONE_HOT_LEVELS:
            continue
        indicators = np.zeros((len(codes), levels), dtype=np.float32)
        present = codes[:, column] >= 0
        indicators[np.flatnonzero(present), codes[present, column]] = scale
        blocks.append(indicators)
    if not blocks:
        return np.zeros((len(numeric), 1), dtype=np.float32)
    return np.hstack([b.astype(np.float32, copy=False) for b in blocks])


def nearest_neighbours(features: np.ndarray, k: int) -> np.ndarray:
    """Return the indexes (rows x k) of each row's k nearest other rows.

    A row is never its own neighbour. Exact duplicates of a row are allowed as
    neighbours: they are different sample rows at distance zero.
    """
    rows = len(features)
    search = NearestNeighbors(n_neighbors=min(k + 1, rows), n_jobs=-1).fit(features)
    found = search.kneighbors(features, return_distance=False)
    own = found == np.arange(rows)[:, None]
    # Where duplicates tie with the row itself, the row may not be listed at
    # all: then drop the last (farthest) candidate instead.
    missing_self = ~own.any(axis=1)
    own[missing_self, -1] = True
    return found[~own].reshape(rows, found.shape[1] - 1)[:, :k]
