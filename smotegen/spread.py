"""The spread method's correction: give each interpolated column the sample's mean and variance.

Over all (base ``i``, neighbour ``j``) pairs and weights ``u``, generated
values ``x_i + u d`` (``d = x_j - x_i``) have mean ``E[x_i] + E[u] E[d]`` and
second moment ``E[x_i^2] + 2 E[u] E[x_i d] + E[u^2] E[d^2]``. Both are computed
here exactly from the neighbour lists, and generation maps values to
``target mean + scale * (x - generated mean)`` with
``scale = sqrt(target variance / generated variance)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


@dataclass
class MomentCorrection:
    """Per-column shift and scale applied to interpolated values."""

    target_mean: np.ndarray
    generated_mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def identity(cls, columns: int) -> MomentCorrection:
        return cls(np.zeros(columns), np.zeros(columns), np.ones(columns))

    def apply(self, values: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
        """Map values (rows x columns); with ``group``, row ``r`` uses the correction of ``group[r]``."""
        if group is None:
            return self.target_mean + self.scale * (values - self.generated_mean)
        return self.target_mean[group] + self.scale[group] * (values - self.generated_mean[group])

    @classmethod
    def stack(cls, corrections: list[MomentCorrection]) -> MomentCorrection:
        """Combine one correction per group into arrays of groups x columns."""
        return cls(
            np.stack([c.target_mean for c in corrections]),
            np.stack([c.generated_mean for c in corrections]),
            np.stack([c.scale for c in corrections]),
        )


def fit_correction(
    numeric: np.ndarray,
    fixed: np.ndarray,
    base_rows: np.ndarray,
    neighbours: np.ndarray,
    valid: np.ndarray,
    weight_moments: tuple[float, float],
) -> MomentCorrection:
    """Fit the correction for base rows ``base_rows``, each drawn equally often.

    ``numeric`` is sample rows x columns (NaN for missing) and ``fixed`` marks
    the values that generation keeps exactly (spikes): they take no steps, no
    step leads to them, and the correction matches the moments of the other
    values. ``neighbours`` and ``valid`` (the neighbour slots in use) are
    base rows x k; ``weight_moments`` is ``(E[u], E[u^2])`` of the weight.
    """
    columns = numeric.shape[1]
    if not columns or not len(base_rows):
        return MomentCorrection.identity(columns)
    mean_weight, mean_square_weight = weight_moments
    sample = numeric[base_rows]
    free = ~np.isnan(sample) & ~fixed[base_rows]
    pair_shares = valid / valid.sum(axis=1)[:, None]  # base rows x k, each row's slots sum to 1
    row_weights_2d = free.astype(float)
    generated_mean = np.empty(columns)
    second_moment = np.empty(columns)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns give NaN, handled below
        # One column at a time, so temporaries are base rows x k rather than x columns as well.
        for i in range(columns):
            origin = sample[:, i, None]
            steps = np.nan_to_num(numeric[neighbours, i] - origin)  # a missing neighbour value: no step
            steps[fixed[neighbours, i]] = 0.0
            pair_weights = np.where(free[:, i, None], pair_shares, 0.0)
            origin = np.nan_to_num(origin)
            total = pair_weights.sum()
            generated_mean[i] = (pair_weights * (origin + mean_weight * steps)).sum() / total
            second_moment[i] = (
                pair_weights * (origin**2 + 2 * mean_weight * origin * steps + mean_square_weight * steps**2)
            ).sum() / total
        filled = np.nan_to_num(sample)
        target_mean = (row_weights_2d * filled).sum(axis=0) / row_weights_2d.sum(axis=0)
        target_variance = (row_weights_2d * (filled - target_mean) ** 2).sum(axis=0) / row_weights_2d.sum(axis=0)
        scale = np.sqrt(target_variance / (second_moment - generated_mean**2))

    usable = np.isfinite(scale) & (target_variance > 0) & np.isfinite(generated_mean) & np.isfinite(target_mean)
    return MomentCorrection(
        target_mean=np.where(usable, target_mean, 0.0),
        generated_mean=np.where(usable, generated_mean, 0.0),
        scale=np.where(usable, scale, 1.0),
    )
