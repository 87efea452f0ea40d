"""Expand a sample file into a synthetic table file: read, fit, stream, report."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from smotegen.columns import Kind
from smotegen.errors import SmotegenError, UsageError
from smotegen.manifest import Journal, StagedDataset, dataset_settings, plan_staging, previous_seed, staged_writing
from smotegen.model import BLOCK_ROWS, ModelSettings, SmoteModel
from smotegen.parallel import Chunk, generate_in_order, plan_chunks
from smotegen.parts import PART_ROWS, DatasetWriter, check_output_folder, check_part_index, plan_parts
from smotegen.reading import INPUT_FORMATS, format_of, read_sample
from smotegen.report import Report, build_column_reports
from smotegen.stats import TableStats
from smotegen.writing import (
    ChunkWriter,
    atomic_output,
    check_output_path,
    csv_text,
    is_folder_output,
    write_error_message,
)

# Rows generated and written per step. Expanding the 2,661-row x 20-column
# churn sample to 1M rows of Parquet with --jobs 2 on a 2-core x86-64 machine
# took 1.73-1.80 s of CPU for chunks of 16,384 to 131,072 rows (8,192: 1.84 s),
# while peak RSS grew from 272 MiB at 16,384 rows to 368 MiB at 131,072, so the
# default is the smallest chunk before per-chunk overheads show.
DEFAULT_CHUNK_ROWS = 2 * BLOCK_ROWS

# Engines that generate the parts of a folder output: threads here, or Dask tasks.
ENGINES = ("local", "dask")


@dataclass
class ExpandSettings:
    """Everything an expand run needs besides the input and output paths."""

    rows: int
    chunk_size: int = DEFAULT_CHUNK_ROWS
    # Chunks generated at the same time, in worker threads; the output does not depend on it.
    jobs: int = 1
    # Folder output only: rows per part file (None: PART_ROWS), and the one part to write (None: all).
    part_rows: int | None = None
    part: int | None = None
    seed: int | None = None
    overwrite: bool = False
    delimiter: str | None = None
    encoding: str | None = None
    model: ModelSettings = field(default_factory=ModelSettings)
    # Add the comparison metrics of the output against the sample to the report.
    compare: bool = False
    # Folder output only: the engine, the Dask scheduler's address (None: a LocalCluster
    # of ``jobs`` workers), and whether to continue an interrupted run.
    engine: str = "local"
    scheduler: str | None = None
    resume: bool = False

    def validate(self) -> None:
        if self.rows < 1:
            raise UsageError(f"-n {self.rows}: the number of rows must be 1 or more")
        if self.chunk_size < 1:
            raise UsageError(f"--chunk-size {self.chunk_size}: must be 1 or more")
        if self.jobs < 1:
            raise UsageError(f"--jobs {self.jobs}: must be 1 or more")
        if self.part_rows is not None and self.part_rows < 1:
            raise UsageError(f"--part-rows {self.part_rows}: must be 1 or more")
        if self.part is not None:
            if self.part < 0:
                raise UsageError(f"--part {self.part}: must be 0 or more")
            check_part_index(self.part, self.rows, self.part_rows or PART_ROWS)
        self.model.validate()

    def check_output_kind(self, folder: bool) -> None:
        """Reject the part options when the output is a single file."""
        if folder:
            return
        for option, value in (("--part", self.part), ("--part-rows", self.part_rows)):
            if value is not None:
                raise UsageError(f"{option} applies only to a folder OUTPUT; end OUTPUT with / to write parts")

    def check_engine(self, folder: bool) -> None:
        """Reject --engine, --scheduler and --resume where they do not apply."""
        if self.engine not in ENGINES:
            raise UsageError(f"--engine {self.engine!r}: must be one of {', '.join(ENGINES)}")
        if self.scheduler is not None and self.engine != "dask":
            raise UsageError("--scheduler applies only to --engine dask; add --engine dask")
        if self.engine == "dask" and not folder:
            raise UsageError("--engine dask writes a folder of part files; end OUTPUT with /")
        if self.engine == "dask" and self.part is not None:
            raise UsageError("--part writes one part on this machine; drop --engine dask, or drop --part")
        if self.resume and not folder:
            raise UsageError("--resume applies only to a folder OUTPUT; end OUTPUT with / to write parts")
        if self.resume and self.part is not None:
            raise UsageError("--resume continues a whole dataset, and --part writes one part file; drop one of them")
        if self.engine == "dask":
            from smotegen.dask_engine import require_distributed

            require_distributed()


ProgressCallback = Callable[[int], None]


def expand_file(
    source: Path, output: str | os.PathLike, settings: ExpandSettings, progress: ProgressCallback | None = None
) -> Report:
    """Write ``settings.rows`` synthetic rows fitted on ``source`` to ``output`` and return the report.

    ``output`` is a .csv or .parquet file, or a folder (a path that ends with
    a slash or an existing folder) that receives Parquet part files.
    """
    started = time.perf_counter()
    settings.validate()
    format_of(source, INPUT_FORMATS, "input")
    folder = is_folder_output(output)
    settings.check_output_kind(folder)
    settings.check_engine(folder)
    output = Path(output)
    parts = plan_parts(settings.rows, settings.part_rows or PART_ROWS) if folder else []
    selected = parts if settings.part is None else [parts[settings.part]]
    kind = "parquet"
    if not folder:
        kind = check_output_path(output, settings.overwrite, [source])
    elif settings.part is not None:
        check_output_folder(output, settings.overwrite, [source], selected[0])
    seed = settings.seed
    if seed is None and settings.resume:
        seed = previous_seed(output)
    if seed is None:
        seed = secrets.randbits(32)

    sample = read_sample(source, settings.delimiter, settings.encoding)
    staged = None
    if folder and settings.part is None:
        # A whole dataset is checked here, once the sample's checksum is known.
        run = dataset_settings(source, settings, settings.part_rows or PART_ROWS, seed)
        staged = plan_staging(output, run, settings.resume, settings.overwrite, [source])
        selected = [part for part in parts if part.index not in staged.finished]
    model = SmoteModel(settings.model).fit(sample.frame, whole_floats_to_integers=source.suffix != ".parquet")
    model.prepare(settings.rows)
    sample_stats = TableStats(model.schema)
    sample_stats.update(sample_table(model), 0)

    if folder:
        chunks = [c for part in selected for c in plan_chunks(part.start, part.stop, settings.chunk_size, part)]
        written = output / selected[0].name if settings.part is not None else output
    else:
        chunks = plan_chunks(0, settings.rows, settings.chunk_size)
        written = output
    synthetic_stats = TableStats(model.schema, uncounted=_key_columns(model))
    try:
        if settings.engine == "dask" and selected:
            from smotegen.dask_engine import write_parts_on_dask

            with staged_writing(staged) as journal:
                write_parts_on_dask(model, selected, seed, journal, settings, synthetic_stats, progress)
        elif staged is None or not staged.complete:
            with _open_output(output, kind, folder, settings.part is not None, model.schema, staged) as write:
                encode = csv_text if kind == "csv" else None
                tables = generate_in_order(model, chunks, seed, settings.jobs, encode)
                with contextlib.closing(tables):
                    for chunk, table, encoded in tables:
                        write(chunk, table, encoded)
                        synthetic_stats.update(table, chunk.start)
                        if progress:
                            progress(table.num_rows)
    except (OSError, SmotegenError) as error:
        raise _write_error(error, written, staged) from error
    warnings = sample.notes + model.run_warnings()
    if staged is not None and len(selected) < len(parts):
        warnings.append(
            f"--resume: {len(parts) - len(selected):,} of {len(parts):,} parts were already complete and were kept; "
            f"the synthetic statistics cover only the {synthetic_stats.rows:,} rows written now"
        )

    report = Report(
        input=str(source),
        output=str(written),
        sample_rows=model.sample_rows,
        synthetic_rows=synthetic_stats.rows,
        seed=seed,
        method=settings.model.method,
        neighbors=settings.model.neighbors,
        seconds=time.perf_counter() - started,
        columns=build_column_reports(model.specs, sample_stats, synthetic_stats),
        warnings=warnings,
        quantile_rows=synthetic_stats.row_sample.num_rows,
        groups=model.group_summary(),
        group_columns=list(settings.model.groups.by),
        privacy=model.guard.summary() if model.guard is not None else None,
    )
    if settings.compare:
        # Imported here because the comparison needs scikit-learn, whose import
        # takes longer than generating a million rows.
        from smotegen.compare.build import ComparedTable, compare_run

        sample_side = ComparedTable(report.input, sample_stats)
        synthetic_side = ComparedTable(report.output, synthetic_stats)
        report.comparison = compare_run(model.specs, sample_side, synthetic_side, seed)
    return report


def _key_columns(model: SmoteModel) -> frozenset[str]:
    """Return the names of the key columns: their values are unique, so their level counts grow with the rows."""
    return frozenset(spec.name for spec in model.specs if spec.kind == Kind.KEY)


def _write_error(error: OSError | SmotegenError, written: Path, staged: StagedDataset | None) -> SmotegenError:
    """Return the error to report for a failed write, saying where finished parts are kept."""
    message = write_error_message(written, error) if isinstance(error, OSError) else str(error)
    if staged is not None and staged.finished and staged.folder.exists():
        message += (
            f"; {len(staged.finished):,} finished part(s) are kept in {str(staged.folder)!r}: "
            "rerun with --resume to continue"
        )
    return type(error)(message) if isinstance(error, SmotegenError) else SmotegenError(message)


# Writes a chunk, given its table and, for CSV, its already formatted rows.
ChunkSink = Callable[[Chunk, pa.Table, pa.Buffer | None], None]


@contextlib.contextmanager
def _open_output(
    output: Path, kind: str, folder: bool, single_part: bool, schema: pa.Schema, staged: StagedDataset | None
) -> Iterator[ChunkSink]:
    """Yield a function that writes chunks in order to ``output``, which appears only once complete."""
    if not folder:
        with atomic_output(output) as temporary, ChunkWriter(temporary, kind, schema) as writer:
            yield lambda chunk, table, text: writer.write(table, text)
    elif single_part:
        output.mkdir(exist_ok=True)
        with DatasetWriter(output, schema, atomic_parts=True) as writer:
            yield lambda chunk, table, text: writer.write(chunk.part, table)
    else:
        with staged_writing(staged) as journal, _journaled_writer(journal, schema) as writer:
            yield lambda chunk, table, text: writer.write(chunk.part, table)


def _journaled_writer(journal: Journal, schema: pa.Schema) -> DatasetWriter:
    """Return a writer of part files into the staging folder that records each finished part.

    Each part goes through a temporary file, so a part file kept for
    ``--resume`` after an interruption is never cut short.
    """
    return DatasetWriter(journal.folder, schema, atomic_parts=True, on_part_closed=journal.add_part)


def sample_table(model: SmoteModel) -> pa.Table:
    """Return the fitted (normalised) sample as an Arrow table of the output schema."""
    table = pa.Table.from_pandas(model.sample_frame, preserve_index=False)
    return table.cast(model.schema)
