"""Expand a sample file into a synthetic table file: read, fit, stream, report."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from smotegen.compare.build import ComparedTable, compare_run
from smotegen.errors import SmotegenError, UsageError
from smotegen.model import BLOCK_ROWS, ModelSettings, SmoteModel
from smotegen.reading import INPUT_FORMATS, format_of, read_table
from smotegen.report import Report, build_column_reports
from smotegen.stats import TableStats
from smotegen.writing import ChunkWriter, atomic_output, check_output_path

# Rows generated and written per step. Measured on the churn sample (20
# columns): 131,072 rows keep numpy and Arrow overheads below 5% of the run
# while a chunk stays near 40 MiB.
DEFAULT_CHUNK_ROWS = 16 * BLOCK_ROWS


@dataclass
class ExpandSettings:
    """Everything an expand run needs besides the input and output paths."""

    rows: int
    chunk_size: int = DEFAULT_CHUNK_ROWS
    seed: int | None = None
    overwrite: bool = False
    delimiter: str | None = None
    encoding: str | None = None
    model: ModelSettings = field(default_factory=ModelSettings)
    # Add the comparison metrics of the output against the sample to the report.
    compare: bool = False

    def validate(self) -> None:
        if self.rows < 1:
            raise UsageError(f"-n {self.rows}: the number of rows must be 1 or more")
        if self.chunk_size < 1:
            raise UsageError(f"--chunk-size {self.chunk_size}: must be 1 or more")
        self.model.validate()


ProgressCallback = Callable[[int], None]


def expand_file(
    source: Path, output: Path, settings: ExpandSettings, progress: ProgressCallback | None = None
) -> Report:
    """Write ``settings.rows`` synthetic rows fitted on ``source`` to ``output`` and return the report."""
    started = time.perf_counter()
    settings.validate()
    format_of(source, INPUT_FORMATS, "input")
    kind = check_output_path(output, settings.overwrite, [source])
    seed = settings.seed if settings.seed is not None else secrets.randbits(32)

    sample = read_table(source, settings.delimiter, settings.encoding)
    model = SmoteModel(settings.model).fit(sample, whole_floats_to_integers=source.suffix != ".parquet")
    model.prepare(settings.rows)
    sample_stats = TableStats(model.schema)
    sample_stats.update(sample_table(model), 0)

    synthetic_stats = TableStats(model.schema)
    with atomic_output(output) as temporary:
        try:
            with ChunkWriter(temporary, kind, model.schema) as writer:
                for start in range(0, settings.rows, settings.chunk_size):
                    stop = min(start + settings.chunk_size, settings.rows)
                    table = model.generate(start, stop, seed)
                    writer.write(table)
                    synthetic_stats.update(table, start)
                    if progress:
                        progress(stop - start)
        except OSError as error:
            raise SmotegenError(f"failed to write {str(output)!r}: {error.strerror or error}") from error

    report = Report(
        input=str(source),
        output=str(output),
        sample_rows=model.sample_rows,
        synthetic_rows=settings.rows,
        seed=seed,
        method=settings.model.method,
        neighbors=settings.model.neighbors,
        seconds=time.perf_counter() - started,
        columns=build_column_reports(model.specs, sample_stats, synthetic_stats),
        warnings=list(model.warnings),
        quantile_rows=synthetic_stats.row_sample.num_rows,
    )
    if settings.compare:
        sample_side = ComparedTable(report.input, sample_stats)
        synthetic_side = ComparedTable(report.output, synthetic_stats)
        report.comparison = compare_run(model.specs, sample_side, synthetic_side, seed)
    return report


def sample_table(model: SmoteModel) -> pa.Table:
    """Return the fitted (normalised) sample as an Arrow table of the output schema."""
    table = pa.Table.from_pandas(model.sample_frame, preserve_index=False)
    return table.cast(model.schema)
