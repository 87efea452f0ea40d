"""Compare table files: read the real and held-out tables, stream the synthetic one in batches.

The real and held-out tables are read whole into memory, as samples are. The
synthetic table is read in batches of bounded size, so it may be far larger
than memory. Its counts, means, standard deviations, ranges, level counts and
exact copies of real rows are exact, and a uniform sample of its rows (at
most ``CompareSettings.sample_rows``) feeds the quantiles, correlations and
classifiers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from smotegen.columns import TypingOptions, infer_specs
from smotegen.compare.build import ComparedTable, CompareOptions, build_report
from smotegen.compare.classifiers import check_target
from smotegen.compare.group_report import add_groups
from smotegen.compare.grouping import SyntheticGroups, split_tables
from smotegen.compare.privacy import copy_mask, row_hashes
from smotegen.compare.report import MISSING_FROM_SYNTHETIC, ComparisonReport
from smotegen.compare.selection import ColumnSelection, comparison_schema, select_columns
from smotegen.errors import SmotegenError, UsageError
from smotegen.normalise import normalise
from smotegen.reading import INPUT_FORMATS, format_of, read_table
from smotegen.stats import RESERVOIR_ROWS, TableStats

BATCH_ROWS = 65_536
CSV_BLOCK_BYTES = 8 << 20

ONLY_IN_SYNTHETIC = "only in the synthetic table"

ProgressCallback = Callable[[int], None]


@dataclass
class CompareSettings:
    """The files of a comparison and how to read and measure them."""

    real: Path
    synthetic: Path
    holdout: Path | None = None
    target: str | None = None
    keys: tuple[str, ...] = ()
    # Columns whose groups of equal values are also compared one by one.
    by: tuple[str, ...] = ()
    sample_rows: int = RESERVOIR_ROWS
    seed: int = 0
    delimiter: str | None = None
    encoding: str | None = None

    def validate(self) -> None:
        """Check the options and file names before any file is read."""
        if self.target and not self.holdout:
            raise UsageError(f"--target {self.target!r} needs --holdout: the models are scored on held-out rows")
        if self.sample_rows < 1:
            raise UsageError(f"--sample-rows {self.sample_rows}: must be 1 or more")
        repeated = next((name for name in self.by if self.by.count(name) > 1), None)
        if repeated is not None:
            raise UsageError(f"--by {repeated!r} is given more than once; name each column once")
        format_of(self.real, INPUT_FORMATS, "real")
        format_of(self.synthetic, INPUT_FORMATS, "synthetic")
        if self.holdout:
            format_of(self.holdout, INPUT_FORMATS, "held-out")


@dataclass
class Comparison:
    """A finished comparison: the report and the statistics it was computed from (for plots)."""

    report: ComparisonReport
    selection: ColumnSelection
    real: TableStats
    synthetic: TableStats
    warnings: list[str] = field(default_factory=list)


def compare_files(settings: CompareSettings, progress: ProgressCallback | None = None) -> Comparison:
    """Compare the synthetic file with the real one (and the held-out one) and return the report."""
    settings.validate()
    real_frame, warnings = _read_frame(settings.real, settings, "real")
    specs = infer_specs(real_frame, TypingOptions(keys=settings.keys))
    real_schema = _arrow_schema(real_frame, settings.real)
    selection = select_columns(specs, real_schema)
    synthetic_names = synthetic_columns(settings.synthetic, settings)
    _drop_missing_columns(selection, synthetic_names)
    schema = comparison_schema(real_schema, selection.names)

    real = _frame_stats(real_frame, schema, settings.real, "real")
    holdout = None
    if settings.holdout:
        holdout_frame, holdout_warnings = _read_frame(settings.holdout, settings, "held-out")
        warnings += holdout_warnings
        holdout = _frame_stats(holdout_frame, schema, settings.holdout, "held-out")
    if settings.target:
        check_target(real.row_sample, selection, settings.target)
    groups = None
    if settings.by:
        groups = split_tables(settings.by, selection, real_schema, real, holdout, settings.sample_rows)

    real_hashes = np.unique(row_hashes(real.row_sample, selection.names))
    synthetic, exact_copies = scan_synthetic(
        settings, schema, real_hashes, progress, groups.synthetic if groups is not None else None
    )
    options = CompareOptions(target=settings.target, seed=settings.seed, exact_copies=exact_copies)
    report = build_report(
        ComparedTable(str(settings.real), real),
        ComparedTable(str(settings.synthetic), synthetic),
        selection,
        ComparedTable(str(settings.holdout), holdout) if holdout else None,
        options,
    )
    for name in synthetic_names:
        if name not in real_schema.names:
            report.skipped[name] = ONLY_IN_SYNTHETIC
    if groups is not None:
        add_groups(report, groups, selection, options)
    return Comparison(report, selection, real, synthetic, warnings)


def _read_frame(path: Path, settings: CompareSettings, role: str) -> tuple[pd.DataFrame, list[str]]:
    frame = read_table(path, settings.delimiter, settings.encoding)
    if frame.empty:
        raise SmotegenError(f"{role} file {str(path)!r} has no rows; it needs a header row and data rows")
    normalised = normalise(frame, whole_floats_to_integers=path.suffix != ".parquet")
    return normalised.frame, [f"{role} table: {warning}" for warning in normalised.warnings]


def _arrow_schema(frame: pd.DataFrame, path: Path) -> pa.Schema:
    try:
        return pa.Schema.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise SmotegenError(f"cannot read {str(path)!r}: {_first_line(error)}") from error


def _drop_missing_columns(selection: ColumnSelection, synthetic_names: list[str]) -> None:
    present = set(synthetic_names)
    for name in [n for n in selection.names if n not in present]:
        selection.skipped[name] = MISSING_FROM_SYNTHETIC
        for names in (selection.names, selection.numeric, selection.discrete, selection.boolean):
            if name in names:
                names.remove(name)
    if not selection.names:
        raise SmotegenError(
            "the synthetic table has none of the real table's compared columns; check that both files "
            "have the same header"
        )


def _frame_stats(frame: pd.DataFrame, schema: pa.Schema, path: Path, role: str) -> TableStats:
    """Return the statistics of a whole table held in memory, its row sample being every row."""
    missing = [name for name in schema.names if name not in frame.columns]
    if missing:
        raise SmotegenError(
            f"{role} file {str(path)!r} is missing the column(s) {', '.join(map(repr, missing))}; "
            "it needs every column of the real table"
        )
    table = pa.Table.from_pandas(frame[schema.names], preserve_index=False)
    stats = TableStats(schema, reservoir_rows=max(len(frame), 1))
    stats.update(cast_table(table, schema, path, role), 0)
    return stats


def cast_table(table: pa.Table, schema: pa.Schema, path: Path, role: str) -> pa.Table:
    """Cast every column to its comparison type, naming the column whose values do not convert."""
    columns = []
    for target in schema:
        column = table.column(target.name)
        try:
            columns.append(column.cast(target.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
            raise SmotegenError(
                f"column {target.name!r} of the {role} file {str(path)!r} cannot be compared as "
                f"{target.type} like the real table's: {_first_line(error)}"
            ) from error
    return pa.Table.from_arrays(columns, schema=schema)


def synthetic_columns(path: Path, settings: CompareSettings) -> list[str]:
    """Return the column names of the synthetic file, reading only its header or metadata."""
    _check_file(path, "synthetic")
    try:
        if format_of(path, INPUT_FORMATS, "synthetic") == "parquet":
            return pq.ParquetFile(path).schema_arrow.names
        with pa_csv.open_csv(path, read_options=_csv_read_options(settings), parse_options=_csv_parse(settings)) as r:
            return r.schema.names
    except (pa.ArrowInvalid, OSError) as error:
        raise SmotegenError(f"cannot read synthetic file {str(path)!r}: {_first_line(error)}") from error


def scan_synthetic(
    settings: CompareSettings,
    schema: pa.Schema,
    real_hashes: np.ndarray,
    progress: ProgressCallback | None,
    groups: SyntheticGroups | None = None,
) -> tuple[TableStats, int]:
    """Stream the synthetic file in batches: return its statistics and its exact copies of real rows.

    ``groups``, when given, is updated with the same batches, split by group.
    """
    # NOTE: level counts of text columns grow with the distinct values the synthetic table contains.
    # Key columns are left out, but a text column of mostly unique values from another generator is
    # counted in full and can use memory in proportion to its rows.
    stats = TableStats(schema, reservoir_rows=settings.sample_rows)
    copies = 0
    try:
        for batch in _batches(settings, schema):
            table = cast_table(pa.Table.from_batches([batch]).select(schema.names), schema, settings.synthetic,
                               "synthetic")
            is_copy = copy_mask(row_hashes(table, schema.names), real_hashes)
            copies += int(is_copy.sum())
            stats.update(table, stats.rows)
            if groups is not None:
                groups.update(table, is_copy)
            if progress:
                progress(table.num_rows)
    except (pa.ArrowInvalid, OSError) as error:
        reason = _conversion_error(error, settings)
        raise SmotegenError(f"cannot read synthetic file {str(settings.synthetic)!r}: {reason}") from error
    if not stats.rows:
        raise SmotegenError(f"synthetic file {str(settings.synthetic)!r} has no rows; there is nothing to compare")
    return stats, copies


def _conversion_error(error: Exception, settings: CompareSettings) -> str:
    """Name the column of a CSV conversion error, which pyarrow gives only by position."""
    message = _first_line(error)
    match = re.search(r"CSV column #(\d+)", message)
    if not match:
        return message
    names = synthetic_columns(settings.synthetic, settings)
    position = int(match.group(1))
    name = names[position] if position < len(names) else f"#{position}"
    return (
        f"column {name!r} does not fit the real table's type for it ({message.split(': ', 1)[-1]}); "
        "check that both files are the same table"
    )


def _batches(settings: CompareSettings, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    path = settings.synthetic
    if format_of(path, INPUT_FORMATS, "synthetic") == "parquet":
        yield from pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS, columns=schema.names)
        return
    convert = pa_csv.ConvertOptions(
        column_types={f.name: f.type for f in schema}, include_columns=schema.names, strings_can_be_null=True
    )
    with pa_csv.open_csv(path, _csv_read_options(settings), _csv_parse(settings), convert) as reader:
        yield from reader


def synthetic_rows(path: Path) -> int | None:
    """Return the row count of a Parquet file from its metadata, or None for CSV (known only once read)."""
    if format_of(path, INPUT_FORMATS, "synthetic") != "parquet" or not path.is_file():
        return None
    return pq.ParquetFile(path).metadata.num_rows


def _csv_read_options(settings: CompareSettings) -> pa_csv.ReadOptions:
    return pa_csv.ReadOptions(block_size=CSV_BLOCK_BYTES, encoding=settings.encoding or "utf8")


def _csv_parse(settings: CompareSettings) -> pa_csv.ParseOptions:
    return pa_csv.ParseOptions(delimiter=settings.delimiter or ",")


def _check_file(path: Path, role: str) -> None:
    if not path.exists():
        raise SmotegenError(f"{role} file {str(path)!r} not found; check the path")
    if path.is_dir():
        raise SmotegenError(f"{role} {str(path)!r} is a folder; pass a .csv or .parquet file")


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
