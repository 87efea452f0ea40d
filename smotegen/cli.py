"""The ``smotegen`` command line: a thin layer over the silent core.

Exit codes: 0 success, 1 data or runtime error, 2 usage error, 130 interrupted
by SIGINT (Ctrl-C), 143 terminated by SIGTERM.
"""

from __future__ import annotations

import re
import signal
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from smotegen.columns import TypingOptions
from smotegen.errors import SmotegenError
from smotegen.expand import DEFAULT_CHUNK_ROWS, ExpandSettings, expand_file
from smotegen.model import METHODS, ModelSettings
from smotegen.parts import PART_ROWS
from smotegen.report import render_text


class Terminated(BaseException):
    """Raised in the main thread when the process receives SIGTERM."""


class RowCount(click.ParamType):
    """A positive row count written as 1000000, 1_000_000, 1,000,000 or 1e6."""

    name = "ROWS"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            number = value
        else:
            text = str(value).strip().replace("_", "").replace(",", "")
            if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
                self.fail(f"{value!r} is not a number of rows; write it as 1000000, 1_000_000 or 1e6", param, ctx)
            as_float = float(text)
            if as_float != int(as_float):
                self.fail(f"{value!r} is not a whole number of rows", param, ctx)
            number = int(as_float)
        if number < 1:
            self.fail(f"{value!r}: the number of rows must be 1 or more", param, ctx)
        return number


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smotegen")
def main() -> None:
    """Make large synthetic tables that look like a small sample."""


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("output_path", metavar="OUTPUT", type=click.Path(path_type=str))
@click.option("-n", "--rows", type=RowCount(), required=True, help="Number of synthetic rows to write (1e6 works).")
@click.option("-k", "--neighbors", type=click.IntRange(min=1), default=5, show_default=True,
              help="Nearest neighbours searched per sample row.")
@click.option("--method", type=click.Choice(METHODS), default="spread", show_default=True,
              help="spread: weights centred on the sample row, keeps each column's spread; "
                   "classic: SMOTE's weights in [0, 1].")
@click.option("--seed", type=click.IntRange(min=0), help="Random seed; the same seed gives the same file. "
              "Without it a random seed is chosen and printed.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=DEFAULT_CHUNK_ROWS, show_default=True,
              help="Rows generated and written per step; bounds memory, never changes the output.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Chunks generated at the same time, in threads; never changes the output.")
@click.option("--part-rows", type=click.IntRange(min=1), metavar="ROWS",
              help=f"Folder OUTPUT only: rows per Parquet part file  [default: {PART_ROWS:,}].")
@click.option("--part", type=click.IntRange(min=0), metavar="INDEX",
              help="Folder OUTPUT only: write only part INDEX (from 0), the same file that a full run writes.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists, once the new file is complete.")
@click.option("--categorical", multiple=True, metavar="COLUMN", help="Treat a numeric column as categories.")
@click.option("--numeric", multiple=True, metavar="COLUMN", help="Interpolate a column of few distinct numbers.")
@click.option("--key", "keys", multiple=True, metavar="COLUMN", help="Treat a column as a unique key.")
@click.option("--delimiter", help="CSV field delimiter (default: comma).")
@click.option("--encoding", help="CSV text encoding (default: utf-8), for example latin-1.")
@click.option("--report-json", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the report as JSON to this file, with the metrics of `smotegen compare` "
                   "against the sample.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of errors.")
def expand(input_path: Path, output_path: str, rows: int, neighbors: int, method: str, seed: int | None,
           chunk_size: int, jobs: int, part_rows: int | None, part: int | None, overwrite: bool,
           categorical: tuple[str, ...], numeric: tuple[str, ...], keys: tuple[str, ...], delimiter: str | None,
           encoding: str | None, report_json: Path | None, quiet: bool, verbose: bool) -> None:
    """Write ROWS synthetic rows that look like INPUT (.csv, .csv.gz, .parquet) to OUTPUT.

    OUTPUT is a .csv or .parquet file, or a folder (a path ending with /) that
    receives a Parquet dataset: part files of --part-rows rows each.
    """
    settings = ExpandSettings(
        rows=rows,
        chunk_size=chunk_size,
        jobs=jobs,
        part_rows=part_rows,
        part=part,
        seed=seed,
        overwrite=overwrite,
        delimiter=delimiter,
        encoding=encoding,
        model=ModelSettings(neighbors, method, TypingOptions(categorical, numeric, keys)),
        compare=report_json is not None,
    )
    with user_errors(verbose), progress_bar(rows, quiet) as advance:
        report = expand_file(input_path, output_path, settings, progress=advance)
    for warning in report.warnings:
        click.echo(f"smotegen: warning: {warning}", err=True)
    click.echo(render_text(report))
    if report_json:
        with user_errors(verbose):
            _write_text(report_json, report.to_json() + "\n")


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise SmotegenError(f"failed to write {str(path)!r}: {error.strerror or error}") from error


@contextmanager
def progress_bar(total: int, quiet: bool) -> Iterator:
    """Yield a callback that advances a tqdm bar on stderr, or does nothing."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="rows", unit_scale=True, file=sys.stderr, leave=False) as bar:
        yield bar.update


@contextmanager
def user_errors(verbose: bool) -> Iterator[None]:
    """Turn core errors and signals into one-line messages and exit codes."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    except SmotegenError as error:
        _fail(str(error), error.exit_code, verbose)
    except KeyboardInterrupt:
        _fail("interrupted; no output was written", 130, verbose)
    except Terminated:
        _fail("terminated; no output was written", 143, verbose)
    except MemoryError:
        _fail("out of memory; lower --chunk-size or use a smaller sample", 1, verbose)
    except Exception as error:  # noqa: BLE001 - the last resort that keeps tracebacks behind --verbose
        _fail(f"unexpected {type(error).__name__}: {error}; rerun with --verbose for the traceback", 1, verbose)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def _fail(message: str, exit_code: int, verbose: bool) -> None:
    if verbose:
        traceback.print_exc()
    click.echo(f"smotegen: error: {message}", err=True)
    sys.exit(exit_code)


from smotegen.cli_compare import compare  # noqa: E402

main.add_command(compare)
