"""Split the CPU time of one expand run into its steps, in a single thread.

    python benchmarks/profile.py SAMPLE.csv [ROWS] [parquet|csv]

Runs the steps of ``smotegen expand`` one after the other in this process:
importing the CLI, reading the sample, fitting, generating the rows, writing
them, the report's statistics and building the report. Each step is timed
with ``time.process_time``, in CPU seconds, because other processes on a
shared machine inflate those less than wall time. ``--jobs`` spreads
generation and CSV formatting over threads, so a real run's wall time is
lower than the sum.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

CHUNK_ROWS = 16_384


def main(sample: Path, rows: int, kind: str) -> None:
    started = time.process_time()
    import smotegen.cli  # noqa: F401 - the imports of a command-line run
    from smotegen.expand import _key_columns, sample_table
    from smotegen.model import ModelSettings, SmoteModel
    from smotegen.reading import read_sample
    from smotegen.report import build_column_reports
    from smotegen.stats import TableStats
    from smotegen.writing import ChunkWriter, csv_text

    seconds = {"import": time.process_time() - started}

    def timed(step: str, function, *args):
        step_started = time.process_time()
        result = function(*args)
        seconds[step] = seconds.get(step, 0.0) + time.process_time() - step_started
        return result

    frame = timed("read", lambda: read_sample(sample).frame)
    csv_sample = sample.suffix != ".parquet"
    model = timed("fit", lambda: SmoteModel(ModelSettings()).fit(frame, whole_floats_to_integers=csv_sample))
    model.prepare(rows)
    sample_stats = TableStats(model.schema)
    timed("statistics", sample_stats.update, sample_table(model), 0)
    synthetic_stats = TableStats(model.schema, uncounted=_key_columns(model))
    folder = tempfile.TemporaryDirectory()
    with folder, ChunkWriter(Path(folder.name) / f"out.{kind}", kind, model.schema) as writer:
        for start in range(0, rows, CHUNK_ROWS):
            table = timed("generate", model.generate, start, min(start + CHUNK_ROWS, rows), 1)
            text = timed("format CSV", csv_text, table) if kind == "csv" else None
            timed("write", writer.write, table, text)
            timed("statistics", synthetic_stats.update, table, start)
        timed("write", writer.close)
    timed("report", build_column_reports, model.specs, sample_stats, synthetic_stats)

    total = sum(seconds.values())
    print(f"{sample.name} -> {rows:,} rows, {kind}: {total:.2f} s of CPU in one thread")
    for step, value in seconds.items():
        print(f"  {step:<12}{value:>6.2f} s  {value / total:>4.0%}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(Path(arguments[0]), int(float(arguments[1])) if len(arguments) > 1 else 1_000_000,
         arguments[2] if len(arguments) > 2 else "parquet")
