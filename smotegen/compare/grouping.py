"""Split compared tables into groups of equal ``--by`` values, and keep each group's statistics.

Groups are named as ``smotegen expand --by`` names them (``smotegen.groups.group_labels``).
Before naming, each ``--by`` column is cast back from its comparison type to
the real table's type, so a synthetic 415.0 in an integer column is named
"415" like the real table's 415.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from smotegen.compare.report import MISSING_FROM_SYNTHETIC
from smotegen.compare.selection import ColumnSelection
from smotegen.errors import SmotegenError, UsageError
from smotegen.groups import group_labels
from smotegen.stats import TableStats

# Groups a comparison accepts, at most. Each group gets its own classifiers and
# distance search, so this bounds the run time as well as the memory.
MAX_GROUPS = 50

# Synthetic rows sampled per group, at least, unless --sample-rows is smaller.
# The groups share --sample-rows, so without this floor a small --sample-rows
# over many groups would leave each group a few dozen rows.
MIN_GROUP_SAMPLE_ROWS = 2_000

BY_COLUMN = "--by column: one value in each group"


@dataclass(frozen=True)
class GroupColumns:
    """The ``--by`` columns and the real table's type of each, which groups are named in."""

    names: tuple[str, ...]
    types: tuple[pa.DataType, ...]

    def describe(self) -> str:
        """Return the column names quoted and joined with "and", for messages."""
        return " and ".join(repr(name) for name in self.names)


def check_by_columns(by: tuple[str, ...], selection: ColumnSelection, real_schema: pa.Schema) -> GroupColumns:
    """Raise unless every ``--by`` column is compared, and return the columns with their real types.

    A column missing from the real table or left out of the comparison is a
    UsageError. A column missing only from the synthetic table is a data error.
    """
    for name in by:
        if name in selection.names:
            continue
        reason = selection.skipped.get(name)
        if reason == MISSING_FROM_SYNTHETIC:
            raise SmotegenError(
                f"--by {name!r}: the synthetic table has no column {name!r}; compare without --by {name!r}"
            )
        if reason:
            raise UsageError(f"--by {name!r}: the column is not compared ({reason}); choose another column")
        columns = ", ".join(repr(column) for column in [*selection.names, *selection.skipped])
        raise UsageError(f"--by {name!r}: no such column; the real table's columns are {columns}")
    types = []
    for name in by:
        data_type = real_schema.field(name).type
        types.append(data_type.value_type if pa.types.is_dictionary(data_type) else data_type)
    return GroupColumns(tuple(by), tuple(types))


def group_selection(selection: ColumnSelection, by: GroupColumns) -> ColumnSelection:
    """Return the columns compared within a group: all but the ``--by`` columns, which are constant there."""
    within_group = ColumnSelection(
        names=[name for name in selection.names if name not in by.names],
        numeric=[name for name in selection.numeric if name not in by.names],
        discrete=[name for name in selection.discrete if name not in by.names],
        boolean=[name for name in selection.boolean if name not in by.names],
        skipped=dict(selection.skipped),
    )
    for name in by.names:
        within_group.skipped[name] = BY_COLUMN
    return within_group


def group_rows(table: pa.Table, by: GroupColumns, role: str) -> dict[str, np.ndarray]:
    """Return the indexes of each group's rows in ``table`` (columns in their comparison types), by group name."""
    columns = {}
    for name, data_type in zip(by.names, by.types):
        try:
            columns[name] = table.column(name).cast(data_type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
            raise SmotegenError(
                f"--by {name!r}: values of the {role} table cannot be named as {data_type} like the real "
                f"table's: {str(error).strip().splitlines()[0]}"
            ) from error
    frame = pa.table(columns).to_pandas(types_mapper=pd.ArrowDtype)
    codes, labels = pd.factorize(group_labels(frame, by.names).to_numpy())
    return {str(label): np.flatnonzero(codes == index) for index, label in enumerate(labels)}


def whole_table_groups(table: pa.Table, by: GroupColumns, role: str) -> dict[str, TableStats]:
    """Return the statistics of each group of a table held in memory, every row of a group being sampled.

    Groups are in the order of their names. Raises when there are more than ``MAX_GROUPS``.
    """
    rows_of_groups = group_rows(table, by, role)
    check_group_count(by, len(rows_of_groups), role)
    groups = {}
    for label, indexes in sorted(rows_of_groups.items()):
        stats = TableStats(table.schema, reservoir_rows=max(len(indexes), 1))
        stats.update(table.take(pa.array(indexes)), 0)
        groups[label] = stats
    return groups


def check_group_count(by: GroupColumns, groups: int, table: str) -> None:
    """Raise when ``groups`` exceeds ``MAX_GROUPS``: the error names the columns and the count."""
    if groups > MAX_GROUPS:
        error = UsageError if table == "real" else SmotegenError
        raise error(
            f"--by {by.describe()}: {groups} groups in the {table} table, more than the {MAX_GROUPS} "
            "a comparison allows; choose a column with fewer values"
        )


def group_sample_rows(sample_rows: int, groups: int) -> int:
    """Return the synthetic rows sampled per group: an equal part of ``sample_rows``, but not below the floor.

    All groups together then sample at most max(sample_rows, MAX_GROUPS x MIN_GROUP_SAMPLE_ROWS) rows.
    """
    return max(min(sample_rows, MIN_GROUP_SAMPLE_ROWS), sample_rows // max(groups, 1))


@dataclass
class SyntheticGroups:
    """Statistics of each group of the synthetic table, updated batch by batch.

    Groups of the real table get a ``TableStats`` with a bounded row sample.
    Rows of other groups are only counted, because no metric compares them.
    """

    by: GroupColumns
    stats: dict[str, TableStats]
    other_rows: Counter = field(default_factory=Counter)
    copies: Counter = field(default_factory=Counter)

    @classmethod
    def of_real_groups(
        cls, by: GroupColumns, schema: pa.Schema, labels: list[str], sample_rows: int
    ) -> SyntheticGroups:
        reservoir_rows = group_sample_rows(sample_rows, len(labels))
        return cls(by, {label: TableStats(schema, reservoir_rows=reservoir_rows) for label in labels})

    def update(self, table: pa.Table, is_copy: np.ndarray) -> None:
        """Add a batch of synthetic rows; ``is_copy`` marks the rows equal to a real row."""
        for label, indexes in group_rows(table, self.by, "synthetic").items():
            stats = self.stats.get(label)
            if stats is None:
                self.other_rows[label] += len(indexes)
                check_group_count(self.by, len(self.stats) + len(self.other_rows), "synthetic")
                continue
            stats.update(table.take(pa.array(indexes)), stats.rows)
            self.copies[label] += int(is_copy[indexes].sum())

    def row_count(self, label: str) -> int:
        stats = self.stats.get(label)
        return stats.rows if stats is not None else self.other_rows[label]


@dataclass
class GroupedTables:
    """The statistics of every group in each compared table."""

    by: GroupColumns
    real: dict[str, TableStats]
    synthetic: SyntheticGroups
    holdout: dict[str, TableStats] | None = None


def split_tables(
    by: tuple[str, ...],
    selection: ColumnSelection,
    real_schema: pa.Schema,
    real: TableStats,
    holdout: TableStats | None,
    sample_rows: int,
) -> GroupedTables:
    """Check the ``--by`` columns, split the real and held-out tables, and prepare the synthetic groups.

    ``real`` and ``holdout`` hold every row of their tables as their row sample.
    """
    columns = check_by_columns(by, selection, real_schema)
    real_groups = whole_table_groups(real.row_sample, columns, "real")
    holdout_groups = whole_table_groups(holdout.row_sample, columns, "held-out") if holdout else None
    synthetic = SyntheticGroups.of_real_groups(columns, real.schema, list(real_groups), sample_rows)
    return GroupedTables(columns, real_groups, synthetic, holdout_groups)
