"""Per-column and pairwise metrics, from streamed statistics and bounded row samples.

Means, standard deviations, ranges, missing counts and level counts come
from ``TableStats`` and are exact. The Kolmogorov-Smirnov statistic,
quantiles and correlations use the row samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from smotegen.compare.report import (
    QUANTILE_LEVELS,
    CorrelationMetrics,
    DiscreteColumnMetrics,
    NumericColumnMetrics,
)
from smotegen.stats import TableStats, column_as_float

UNSEEN_EXAMPLES = 5


def ks_statistic(first: np.ndarray, second: np.ndarray) -> float:
    """Return the two-sample Kolmogorov-Smirnov statistic: the largest gap between the two empirical CDFs."""
    first = np.sort(first)
    second = np.sort(second)
    points = np.concatenate([first, second])
    first_cdf = np.searchsorted(first, points, side="right") / len(first)
    second_cdf = np.searchsorted(second, points, side="right") / len(second)
    return float(np.abs(first_cdf - second_cdf).max())


def present_values(table: pa.Table, name: str) -> np.ndarray:
    """Return the non-missing values of a numeric, date or timestamp column as float64."""
    values = column_as_float(table.column(name))
    return values[~np.isnan(values)]


def numeric_column_metrics(name: str, real: TableStats, synthetic: TableStats) -> NumericColumnMetrics:
    """Compare one numeric column of the synthetic table with the real one."""
    real_summary = real.numeric[name]
    synthetic_summary = synthetic.numeric[name]
    real_values = present_values(real.row_sample, name)
    synthetic_values = present_values(synthetic.row_sample, name)
    std = real_summary.std
    has_spread = bool(np.isfinite(std) and std > 0)
    both = len(real_values) > 0 and len(synthetic_values) > 0

    ks = ks_statistic(real_values, synthetic_values) if both else None
    std_ratio = synthetic_summary.std / std if has_spread and synthetic_summary.count > 1 else None
    mean_shift = (synthetic_summary.mean - real_summary.mean) / std if has_spread and synthetic_summary.count else None
    shifts: dict[str, float | None] = {_percent(level): None for level in QUANTILE_LEVELS}
    if has_spread and both:
        real_quantiles = np.quantile(real_values, QUANTILE_LEVELS)
        synthetic_quantiles = np.quantile(synthetic_values, QUANTILE_LEVELS)
        for level, shift in zip(QUANTILE_LEVELS, (synthetic_quantiles - real_quantiles) / std):
            shifts[_percent(level)] = float(shift)

    return NumericColumnMetrics(
        name=name,
        ks=ks,
        std_ratio=std_ratio,
        mean_shift=mean_shift,
        quantile_shifts=shifts,
        missing_share_diff=_share(synthetic_summary.missing, synthetic.rows) - _share(real_summary.missing, real.rows),
        outside_range_share=_outside_range_share(real, synthetic, name, synthetic_values),
    )


def _outside_range_share(real: TableStats, synthetic: TableStats, name: str, values: np.ndarray) -> float | None:
    low, high = real.numeric[name].minimum, real.numeric[name].maximum
    summary = synthetic.numeric[name]
    if not summary.count:
        return 0.0
    if not real.numeric[name].count:
        return None
    if summary.minimum >= low and summary.maximum <= high:
        return 0.0
    # The exact extremes show values outside the range: estimate their share from the sample.
    return float(np.mean((values < low) | (values > high))) if len(values) else None


def discrete_column_metrics(name: str, real: TableStats, synthetic: TableStats) -> DiscreteColumnMetrics:
    """Compare one text, boolean or category column of the synthetic table with the real one."""
    real_counts = real.counts[name]
    synthetic_counts = synthetic.counts[name]
    real_present = sum(real_counts.values())
    synthetic_present = sum(synthetic_counts.values())

    total_variation = None
    if real_present and synthetic_present:
        # Summed in a fixed order so the result does not depend on the string hash seed.
        levels = sorted(set(real_counts) | set(synthetic_counts), key=lambda level: (type(level).__name__, str(level)))
        total_variation = 0.5 * sum(
            abs(real_counts[level] / real_present - synthetic_counts[level] / synthetic_present) for level in levels
        )
    unseen = [level for level, _ in synthetic_counts.most_common() if level not in real_counts]
    unseen_rows = sum(synthetic_counts[level] for level in unseen)

    return DiscreteColumnMetrics(
        name=name,
        total_variation=total_variation,
        unseen_levels=len(unseen),
        unseen_share=_share(unseen_rows, synthetic.rows),
        unseen_examples=[str(level) for level in unseen[:UNSEEN_EXAMPLES]],
        missing_share_diff=_share(synthetic.missing[name], synthetic.rows) - _share(real.missing[name], real.rows),
    )


def correlation_metrics(real_sample: pa.Table, synthetic_sample: pa.Table, names: list[str]) -> CorrelationMetrics:
    """Compare the Pearson correlations of every pair of ``names`` (numeric or boolean columns).

    Each correlation uses the rows where both columns are present. Pairs with
    a constant column in either table have no correlation and are left out.
    """
    metrics = CorrelationMetrics(columns=len(names))
    if len(names) < 2:
        return metrics
    real = _float_frame(real_sample, names).corr().to_numpy()
    synthetic = _float_frame(synthetic_sample, names).corr().to_numpy()
    upper = np.triu_indices(len(names), k=1)
    differences = np.abs(real - synthetic)[upper]
    valid = np.isfinite(differences)
    if not valid.any():
        return metrics
    worst = int(np.nanargmax(np.where(valid, differences, np.nan)))
    metrics.max_abs_diff = float(differences[worst])
    metrics.mean_abs_diff = float(differences[valid].mean())
    metrics.worst_pair = [names[upper[0][worst]], names[upper[1][worst]]]
    return metrics


def _float_frame(table: pa.Table, names: list[str]) -> pd.DataFrame:
    return pd.DataFrame({name: float_column(table, name) for name in names})


def float_column(table: pa.Table, name: str) -> np.ndarray:
    """Return a numeric, temporal or boolean column as float64 (booleans as 0 and 1, NaN for missing)."""
    column = table.column(name)
    if pa.types.is_boolean(column.type):
        column = column.cast(pa.int8())
    return column_as_float(column)


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def _percent(level: float) -> str:
    return f"{level * 100:g}%"
