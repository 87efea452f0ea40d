"""Privacy guards: find synthetic rows that copy a sample row or sit too close to one.

``CopyGuard`` finds synthetic rows whose non-key values all equal those of a
sample row. Rows are hashed (a weighted sum of each value's bits, then the
splitmix64 finaliser) and every hash match is confirmed value by value, so a
collision never rejects a new row.

``DistanceGuard`` finds rows closer to their closest sample row than the
``q``-quantile of the sample's own nearest-neighbour distances, measured in
the same scaled space as the neighbour search.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field

import numpy as np

from smotegen.errors import UsageError
from smotegen.hashing import mix64

_NAN_BITS = np.float64("nan").view(np.uint64)


def row_hashes(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Hash each row of numeric values (NaN for missing) and level codes (-1 for missing)."""
    rows = len(values)
    weights = np.random.default_rng(0x5EED).integers(1, 2**63, size=values.shape[1] + codes.shape[1], dtype=np.uint64)
    weights |= np.uint64(1)
    total = np.zeros(rows, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(values.shape[1]):
            data = values[:, column] + 0.0  # turns -0.0 into 0.0
            bits = data.view(np.uint64).copy()
            bits[np.isnan(data)] = _NAN_BITS
            total += mix64(bits) * weights[column]
        for column in range(codes.shape[1]):
            total += mix64(codes[:, column].astype(np.int64).view(np.uint64)) * weights[values.shape[1] + column]
    return mix64(total)


@dataclass
class CopyGuard:
    """The sample's rows, hashed, to find synthetic rows that copy one of them."""

    values: np.ndarray
    codes: np.ndarray
    hashes: np.ndarray = field(init=False)
    order: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        hashes = row_hashes(self.values, self.codes)
        self.order = np.argsort(hashes, kind="stable")
        self.hashes = hashes[self.order]

    def copies(self, values: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Return a mask of the rows that equal some sample row on every column."""
        copies = np.zeros(len(values), dtype=bool)
        if not len(self.hashes):
            return copies
        hashes = row_hashes(values, codes)
        slots = np.searchsorted(self.hashes, hashes).clip(0, len(self.hashes) - 1)
        found = np.flatnonzero(self.hashes[slots] == hashes)
        # Rows with equal hashes are compared value by value with the first
        # sample row of that hash: distinct rows sharing a 64-bit hash are
        # astronomically rare, and identical sample rows hash alike.
        sample_rows = self.order[slots[found]]
        same_values = (
            (self.values[sample_rows] == values[found]) | (np.isnan(self.values[sample_rows]) & np.isnan(values[found]))
        ).all(axis=1)
        same_codes = (self.codes[sample_rows] == codes[found]).all(axis=1)
        copies[found] = same_values & same_codes
        return copies

    def allows_new_rows(self, level_counts: list[int], interpolated_columns: int) -> bool:
        """Tell whether any row outside the sample can be made from these columns' values."""
        if interpolated_columns:
            return True
        combinations = 1
        for count in level_counts:
            combinations *= max(count, 1)
        distinct_rows = len(np.unique(self.hashes))
        return combinations > distinct_rows


class DistanceGuard:
    """Find synthetic rows closer to the sample than the sample's own rows are to each other."""

    def __init__(self, features: np.ndarray, quantile: float) -> None:
        # Imported here because only this opt-in guard needs scikit-learn, whose
        # import takes longer than generating a million rows.
        from sklearn.neighbors import NearestNeighbors

        self.search = NearestNeighbors(n_neighbors=2).fit(features)
        own, _ = self.search.kneighbors(features)
        self.baseline = own[:, 1]  # each sample row's distance to its closest other row
        self.threshold = float(np.quantile(self.baseline, quantile))
        self.quantile = quantile

    def closest_distances(self, features: np.ndarray) -> np.ndarray:
        distances, _ = self.search.kneighbors(features, n_neighbors=1)
        return distances[:, 0]

    def too_close(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the mask of rows below the threshold and every row's distance."""
        distances = self.closest_distances(features)
        return distances < self.threshold, distances


# Rows still rejected after this many fresh draws are kept and counted. The
# distance check costs a neighbour query per attempt, so it gets fewer.
MAX_COPY_ATTEMPTS = 20
MAX_DISTANCE_ATTEMPTS = 5

# Distances to the closest sample row are kept for every n-th row, n chosen so
# that about this many are kept, for the medians in the report.
DISTANCE_SAMPLE_ROWS = 100_000


@dataclass
class PrivacySettings:
    """Privacy settings: whether copies of sample rows are allowed, and the minimum distance quantile."""

    allow_copies: bool = False
    min_distance: float | None = None

    def validate(self) -> None:
        if self.min_distance is not None and not 0 < self.min_distance < 1:
            raise UsageError(
                f"--min-distance {self.min_distance:g}: must be a quantile between 0 and 1, for example 0.05"
            )


@dataclass
class GuardCounts:
    """Counts of the rows the guards checked, rejected and kept over a run."""

    rows: int = 0
    copies: int = 0
    too_close: int = 0
    rejected: int = 0
    kept_after_retries: int = 0
    distances: list = field(default_factory=list)

    def merge(self, other: GuardCounts) -> None:
        """Add the counts of ``other``, whose rows come after the rows counted here."""
        self.rows += other.rows
        self.copies += other.copies
        self.too_close += other.too_close
        self.rejected += other.rejected
        self.kept_after_retries += other.kept_after_retries
        self.distances.extend(other.distances)


class PrivacyGuard:
    """Reject generated rows that copy or nearly copy a sample row, and redraw them."""

    def __init__(
        self,
        settings: PrivacySettings,
        values: np.ndarray,
        codes: np.ndarray,
        transform,
        level_counts: list[int],
    ) -> None:
        self.notes: list[str] = []
        self.transform = transform
        self.copy_guard = None if settings.allow_copies else CopyGuard(values, codes)
        if self.copy_guard is not None and not self.copy_guard.allows_new_rows(level_counts, values.shape[1]):
            self.notes.append(
                "every combination of the sample's column values already occurs in the sample, "
                "so synthetic rows can only repeat sample rows; the copy check is off"
            )
            self.copy_guard = None
        self.distance_guard = None
        if settings.min_distance is not None:
            self.distance_guard = DistanceGuard(transform(values, codes), settings.min_distance)
        self.counts = GuardCounts()
        self.distance_stride = 1
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        # A lock cannot be pickled: a copy sent to another process gets its own.
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def with_new_counts(self) -> PrivacyGuard:
        """Return a copy that shares the guards but counts its rows from zero."""
        guard = copy.copy(self)
        guard.counts = GuardCounts()
        return guard

    @property
    def active(self) -> bool:
        return self.copy_guard is not None or self.distance_guard is not None

    def plan(self, rows: int) -> None:
        self.distance_stride = max(1, rows // DISTANCE_SAMPLE_ROWS)

    def enforce(self, batch, rows: np.ndarray, regenerate) -> None:
        """Redraw the rejected rows of ``batch`` (in place) until none is rejected or attempts run out.

        A redrawn row keeps its base row and gets a new neighbour and weight,
        so rejections do not change how often each sample row is a base.
        """
        rejected, copies, close, distances = self._check(batch.values, batch.codes)
        first_rejected = int(rejected.sum())
        attempt = 1
        attempts = MAX_DISTANCE_ATTEMPTS if self.distance_guard is not None else MAX_COPY_ATTEMPTS
        while rejected.any() and attempt <= attempts:
            retry_rows = np.flatnonzero(rejected)
            retry = regenerate(rows[retry_rows], attempt, batch.base[retry_rows])
            batch.replace(rejected, retry)
            still, _, _, retry_distances = self._check(retry.values, retry.codes)
            if distances is not None:
                distances[retry_rows] = retry_distances
            rejected[retry_rows] = still
            attempt += 1
        with self._lock:
            self.counts.rows += len(rows)
            self.counts.copies += int(copies.sum())
            self.counts.too_close += int(close.sum())
            self.counts.rejected += first_rejected
            self.counts.kept_after_retries += int(rejected.sum())
            if distances is not None:
                self.counts.distances.append(distances[rows % self.distance_stride == 0])

    def _check(self, values: np.ndarray, codes: np.ndarray):
        copies = np.zeros(len(values), dtype=bool)
        close = np.zeros(len(values), dtype=bool)
        distances = None
        if self.copy_guard is not None:
            copies = self.copy_guard.copies(values, codes)
        if self.distance_guard is not None:
            close, distances = self.distance_guard.too_close(self.transform(values, codes))
        return copies | close, copies, close, distances

    def warnings(self) -> list[str]:
        """Return a warning for each guard that left many rows unchanged."""
        counts = self.counts
        messages = list(self.notes)
        if self.distance_guard is not None and counts.rows and counts.kept_after_retries / counts.rows > 0.01:
            messages.append(
                f"--min-distance {self.distance_guard.quantile:g}: {counts.kept_after_retries / counts.rows:.1%} "
                f"of synthetic rows are still closer to a sample row than {self.distance_guard.threshold:.3g} "
                f"after {MAX_DISTANCE_ATTEMPTS} redraws, because interpolated rows lie between neighbouring "
                "sample rows; use a smaller quantile"
            )
        elif counts.kept_after_retries:
            messages.append(
                f"{counts.kept_after_retries:,} synthetic rows ({counts.kept_after_retries / counts.rows:.2%}) "
                f"still equal a sample row after {MAX_COPY_ATTEMPTS} redraws: their base rows' neighbours differ "
                "by less than the columns' precision, so no new row lies between them"
            )
        return messages

    def summary(self) -> dict:
        """Return the guards' figures for the report."""
        counts = self.counts
        summary = {
            "copy_check": self.copy_guard is not None,
            "rows": counts.rows,
            "exact_copies_redrawn": counts.copies,
            "share_rejected": counts.rejected / counts.rows if counts.rows else 0.0,
            "rejected_rows_kept": counts.kept_after_retries,
            "notes": list(self.notes),
        }
        if self.distance_guard is not None:
            distances = np.concatenate(counts.distances) if counts.distances else np.zeros(0)
            summary.update(
                {
                    "min_distance_quantile": self.distance_guard.quantile,
                    "distance_threshold": self.distance_guard.threshold,
                    "too_close_redrawn": counts.too_close,
                    "median_distance_to_closest_sample_row": float(np.median(distances)) if len(distances) else None,
                    "sample_median_distance_to_closest_other_row": float(np.median(self.distance_guard.baseline)),
                }
            )
        return summary
