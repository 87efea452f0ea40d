"""Streaming statistics of a table, updated chunk by chunk in bounded memory.

Counts, means, standard deviations, minima and maxima are exact (means and
variances merged with Chan et al.'s parallel update). Quantiles come from a
bounded uniform sample of rows: each row gets a priority from a hash of its
row number, and the rows with the smallest priorities are kept, so the sample
does not depend on how the table was split into chunks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from smotegen.keys import _mix

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
        count = len(present)
        mean = float(present.mean())
        m2 = float(((present - mean) ** 2).sum())
        total = self.count + count
        delta = mean - self.mean
        self.mean += delta * count / total
        self.m2 += m2 + delta**2 * self.count * count / total
        self.count = total
        self.minimum = min(self.minimum, float(present.min()))
        self.maximum = max(self.maximum, float(present.max()))

    @property
    def std(self) -> float:
        return float(np.sqrt(self.m2 / (self.count - 1))) if self.count > 1 else float("nan")


@dataclass
class TableStats:
    """Running statistics of every column and a bounded row sample of a streamed table."""

    schema: pa.Schema
    reservoir_rows: int = RESERVOIR_ROWS
    rows: int = 0
    numeric: dict[str, NumericSummary] = field(default_factory=dict)
    counts: dict[str, Counter] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    _reservoir: pa.Table | None = None
    _priorities: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))

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

    def _sample_rows(self, table: pa.Table, first_row: int) -> None:
        rows = np.arange(first_row, first_row + table.num_rows, dtype=np.uint64)
        priorities = _mix(rows ^ np.uint64(0x5DEECE66D))
        if self._reservoir is not None and len(self._priorities) >= self.reservoir_rows:
            keep = priorities < self._priorities.max()
            if not keep.any():
                return
            table = table.filter(pa.array(keep))
            priorities = priorities[keep]
        combined = table if self._reservoir is None else pa.concat_tables([self._reservoir, table])
        priorities = np.concatenate([self._priorities, priorities])
        if len(priorities) > self.reservoir_rows:
            chosen = np.sort(np.argpartition(priorities, self.reservoir_rows)[: self.reservoir_rows])
            combined = combined.take(pa.array(chosen))
            priorities = priorities[chosen]
        self._reservoir = combined.combine_chunks()
        self._priorities = priorities

    @property
    def row_sample(self) -> pa.Table:
        """The bounded uniform sample of rows (all rows when the table is small)."""
        return self._reservoir if self._reservoir is not None else self.schema.empty_table()

    def quantiles(self, name: str, levels: tuple[float, ...]) -> list[float]:
        values = column_as_float(self.row_sample.column(name))
        values = values[~np.isnan(values)]
        if not len(values):
            return [float("nan")] * len(levels)
        return [float(v) for v in np.quantile(values, levels)]
