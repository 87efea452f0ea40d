"""Streaming statistics of a table, updated chunk by chunk in bounded memory.

Counts, means, standard deviations, minima and maxima are exact (means and
variances merged with Chan et al.'s parallel update). Quantiles come from a
bounded uniform sample of rows. Each row gets a priority from a hash of its
row number, and the rows with the smallest priorities are kept. So the sample
does not depend on how the table was split into chunks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from smotegen.hashing import mix64

RESERVOIR_ROWS = 100_000


def is_numeric_type(data_type: pa.DataType) -> bool:
    return (
        pa.types.is_integer(data_type)
        or pa.types.is_floating(data_type)
        or pa.types.is_timestamp(data_type)
        or pa.types.is_date(data_type)
    )


def column_as_float(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Return a numeric, date or timestamp column as float64, NaN for missing values."""
    data_type = column.type
    if pa.types.is_timestamp(data_type):
        column = pc.cast(column, pa.int64())
    elif pa.types.is_date32(data_type):
        column = pc.cast(column, pa.int32())
    elif pa.types.is_date64(data_type):
        column = pc.cast(column, pa.int64())
    return np.asarray(pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def sampling_priority_limit(total_rows: int, reservoir_rows: int = RESERVOIR_ROWS) -> int | None:
    """Return the priority bound for statistics of parts of a ``total_rows``-row table, or None for no bound.

    The whole table's sampled rows are the ``reservoir_rows`` rows of smallest
    priority. Priorities are hashes spread uniformly over 64 bits, so about
    1.25 x ``reservoir_rows`` rows fall below this bound. Parts that sample only
    those rows send back 25% more rows than needed. Merging them gives exactly
    the whole table's sample as long as at least ``reservoir_rows`` rows fall
    below the bound. For 100,000 sampled rows, the expected 125,000 are 70
    standard deviations above that.
    """
    limit = (5 * reservoir_rows << 64) // (4 * total_rows)
    return limit if limit < 2**64 else None


@dataclass
class NumericSummary:
    """Exact running moments and range of one numeric column."""

    count: int = 0
    missing: int = 0
    mean: float = 0.0
    m2: float = 0.0
    minimum: float = np.inf
    maximum: float = -np.inf

    def update(self, values: np.ndarray) -> None:
        present = values[~np.isnan(values)]
        self.missing += len(values) - len(present)
        if not len(present):
            return
        mean = float(present.mean())
        m2 = float(((present - mean) ** 2).sum())
        self.merge(NumericSummary(len(present), 0, mean, m2, float(present.min()), float(present.max())))

    def merge(self, other: NumericSummary) -> None:
        """Add the values summarised by ``other``."""
        self.missing += other.missing
        if not other.count:
            return
        total = self.count + other.count
        delta = other.mean - self.mean
        self.mean += delta * other.count / total
        self.m2 += other.m2 + delta**2 * self.count * other.count / total
        self.count = total
        self.minimum = min(self.minimum, other.minimum)
        self.maximum = max(self.maximum, other.maximum)

    @property
    def std(self) -> float:
        return float(np.sqrt(self.m2 / (self.count - 1))) if self.count > 1 else float("nan")


@dataclass
class TableStats:
    """Running statistics of every column and a bounded row sample of a streamed table."""

    schema: pa.Schema
    reservoir_rows: int = RESERVOIR_ROWS
    # Rows whose priority is at or above this bound are never sampled (see sampling_priority_limit).
    priority_limit: int | None = None
    # Text columns whose levels are not counted, only their missing values: key
    # columns, whose counts would grow with the rows and which the report skips.
    uncounted: frozenset[str] = frozenset()
    rows: int = 0
    numeric: dict[str, NumericSummary] = field(default_factory=dict)
    counts: dict[str, Counter] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    # Candidate rows for the sample, in row order, and their priorities. Chunks
    # are appended and cut back to the ``reservoir_rows`` smallest priorities
    # only when they pass twice that, because cutting copies the rows.
    _candidates: list[pa.Table] = field(default_factory=list)
    _priorities: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    # Only priorities below this can still enter the sample: the reservoir_rows-th smallest at the last cut.
    _bound: np.uint64 | None = None
    _cut: bool = False

    def __post_init__(self) -> None:
        for column in self.schema:
            if is_numeric_type(column.type):
                self.numeric[column.name] = NumericSummary()
            else:
                self.counts[column.name] = Counter()
                self.missing[column.name] = 0

    def update(self, table: pa.Table, first_row: int, count_levels: bool = True) -> None:
        """Add a chunk whose first row is row ``first_row`` of the whole table."""
        for name, summary in self.numeric.items():
            summary.update(column_as_float(table.column(name)))
        if count_levels:
            for name, counter in self.counts.items():
                if name in self.uncounted:
                    self.missing[name] += table.column(name).null_count
                else:
                    self._count_levels(name, counter, table.column(name))
        self._sample_rows(table, first_row)
        self.rows += table.num_rows

    def _count_levels(self, name: str, counter: Counter, column: pa.ChunkedArray) -> None:
        self.missing[name] += column.null_count
        if pa.types.is_dictionary(column.type):
            column = pc.cast(column, column.type.value_type)
        for item in pc.value_counts(column).to_pylist():
            if item["values"] is not None:
                counter[item["values"]] += item["counts"]

    def merge(self, other: TableStats) -> None:
        """Add the statistics of ``other``, a table whose rows all come after this table's rows."""
        for name, summary in self.numeric.items():
            summary.merge(other.numeric[name])
        for name, counter in self.counts.items():
            counter.update(other.counts[name])
            self.missing[name] += other.missing[name]
        for table in other._candidates:
            self._candidates.append(table)
        self._add_candidates(other._priorities)
        self.rows += other.rows

    def _sample_rows(self, table: pa.Table, first_row: int) -> None:
        rows = np.arange(first_row, first_row + table.num_rows, dtype=np.uint64)
        priorities = mix64(rows ^ np.uint64(0x5DEECE66D))
        bound = None if self.priority_limit is None else np.uint64(self.priority_limit)
        if self._bound is not None:
            bound = self._bound if bound is None else min(bound, self._bound)
        if bound is not None:
            keep = priorities < bound
            if not keep.any():
                return
            table = table.filter(pa.array(keep))
            priorities = priorities[keep]
        self._candidates.append(table)
        self._add_candidates(priorities)

    def _add_candidates(self, priorities: np.ndarray) -> None:
        # Rows stay in row order: the new rows come after the earlier candidates.
        self._priorities = np.concatenate([self._priorities, priorities])
        self._cut = False
        if len(self._priorities) > 2 * self.reservoir_rows:
            self._cut_candidates()

    def _cut_candidates(self) -> None:
        """Keep only the candidates with the ``reservoir_rows`` smallest priorities, in row order."""
        combined = pa.concat_tables(self._candidates) if self._candidates else self.schema.empty_table()
        if len(self._priorities) > self.reservoir_rows:
            chosen = np.sort(np.argpartition(self._priorities, self.reservoir_rows)[: self.reservoir_rows])
            combined = combined.take(pa.array(chosen))
            self._priorities = self._priorities[chosen]
            self._bound = self._priorities.max()
        self._candidates = [combined.combine_chunks()]
        self._cut = True

    @property
    def row_sample(self) -> pa.Table:
        """The bounded uniform sample of rows (all rows when the table is small)."""
        if not self._cut:
            self._cut_candidates()
        return self._candidates[0]

    def quantiles(self, name: str, levels: tuple[float, ...]) -> list[float]:
        values = column_as_float(self.row_sample.column(name))
        values = values[~np.isnan(values)]
        if not len(values):
            return [float("nan")] * len(levels)
        return [float(v) for v in np.quantile(values, levels)]
