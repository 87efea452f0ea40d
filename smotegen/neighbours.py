"""The k nearest neighbours of every sample row, on comparable scales.

Distances are computed on standardised numeric columns (so no column decides
every distance by its units alone) and on one-hot indicators of the discrete
columns, each scaled so that a different level adds 1 to the squared
distance, as one standard deviation of a numeric column does. Missing numeric
values sit at the column's mean and missing levels have no indicator, so
missing values neither break the search nor pull rows together.
"""

from __future__ import annotations

import warnings

import numpy as np

from smotegen.search import nearest_rows

# Discrete columns with more levels than this are left out of the distance:
# their one-hot block would cost memory in proportion to rows x levels.
MAX_ONE_HOT_LEVELS = 64


class FeatureScaler:
    """Map encoded rows to the float32 space that distances are measured in.

    Fitted on the sample's numeric matrix (rows x columns, NaN for missing)
    and level codes (rows x discrete columns, -1 for missing), it maps any
    rows encoded the same way, so synthetic rows can be measured against the
    sample's.
    """

    def __init__(self, numeric: np.ndarray, level_counts: list[int]) -> None:
        self.mean = np.zeros(numeric.shape[1])
        self.std = np.ones(numeric.shape[1])
        if numeric.shape[1] and len(numeric):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns
                std = np.nanstd(numeric, axis=0)
                self.mean = np.nan_to_num(np.nanmean(numeric, axis=0))
            self.std = np.where(np.isfinite(std) & (std > 0), std, 1.0)
        self.one_hot = [(i, levels) for i, levels in enumerate(level_counts) if 2 <= levels <= MAX_ONE_HOT_LEVELS]

    def transform(self, numeric: np.ndarray, codes: np.ndarray) -> np.ndarray:
        blocks = []
        if numeric.shape[1]:
            blocks.append(np.nan_to_num((numeric - self.mean) / self.std, nan=0.0).astype(np.float32))
        scale = np.float32(np.sqrt(0.5))
        for column, levels in self.one_hot:
            indicators = np.zeros((len(codes), levels), dtype=np.float32)
            present = codes[:, column] >= 0
            indicators[np.flatnonzero(present), codes[present, column]] = scale
            blocks.append(indicators)
        if not blocks:
            return np.zeros((len(numeric), 1), dtype=np.float32)
        return np.hstack(blocks)


def distance_features(numeric: np.ndarray, codes: np.ndarray, level_counts: list[int]) -> np.ndarray:
    """Return the float32 feature matrix (rows x features) of the sample itself."""
    return FeatureScaler(numeric, level_counts).transform(numeric, codes)


def nearest_neighbours(features: np.ndarray, k: int) -> np.ndarray:
    """Return the indexes (rows x min(k, rows - 1)) of each row's nearest other rows, nearest first.

    A row is never its own neighbour. Exact duplicates of a row are allowed as
    neighbours: they are different sample rows at distance zero. Samples too
    large for an exact search get approximate neighbours (see ``search.py``).
    """
    return nearest_rows(features, min(k, len(features) - 1))
