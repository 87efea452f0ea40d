"""The ``smotegen`` command line: a thin layer over the silent core.

Exit codes: 0 success, 1 data or runtime error, 2 usage error, 130 interrupted
by SIGINT (Ctrl-C), 143 terminated by SIGTERM.
"""

from __future__ import annotations

import importlib
import re
import signal
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from smotegen.columns import TypingOptions
from smotegen.errors import SmotegenError, UsageError
from smotegen.expand import DEFAULT_CHUNK_ROWS, ENGINES, ExpandSettings, expand_file
from smotegen.groups import GroupSettings, parse_shares
from smotegen.model import METHODS, ModelSettings
from smotegen.parts import PART_ROWS
from smotegen.privacy import PrivacySettings
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


class LazyGroup(click.Group):
    """A command group that imports a command's module only when that command is looked up.

    ``compare`` needs scikit-learn, whose import takes longer than expanding a
    sample to a million rows, so ``expand`` runs without importing it.
    """

    lazy_commands = {"compare": "smotegen.cli_compare:compare"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_commands])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.lazy_commands:
            return super().get_command(ctx, name)
        module, attribute = self.lazy_commands[name].split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
              help="spread: weights in [0, 0.5] with each column's mean and variance matched to the sample's; "
                   "classic: SMOTE's weights in [0, 1], which shrink spread.")
@click.option("--seed", type=click.IntRange(min=0), help="Random seed; the same seed gives the same file. "
              "Without it a random seed is chosen and printed.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=DEFAULT_CHUNK_ROWS, show_default=True,
              help="Rows generated and written per step; bounds memory, never changes the output.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Chunks generated at the same time, in threads; with --engine dask and no --scheduler, "
                   "the worker processes of the LocalCluster. Never changes the output.")
@click.option("--part-rows", type=RowCount(), metavar="ROWS",
              help=f"Folder OUTPUT only: rows per Parquet part file  [default: {PART_ROWS:,}].")
@click.option("--part", type=click.IntRange(min=0), metavar="INDEX",
              help="Folder OUTPUT only: write only part INDEX (from 0), the same file that a full run writes.")
@click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
              help="Folder OUTPUT only: generate the parts here in threads (local), or as one Dask task per part "
                   "(dask, needs pip install smotegen[dask]). Never changes the output.")
@click.option("--scheduler", metavar="ADDRESS",
              help="With --engine dask: the address of a running Dask scheduler, for example tcp://10.0.0.5:8786; "
                   "OUTPUT must be on storage every worker mounts at the same path. "
                   "Without it, a LocalCluster of --jobs workers runs on this machine.")
@click.option("--resume", is_flag=True,
              help="Folder OUTPUT only: continue an interrupted run, keeping the parts it finished; "
                   "the result has the same bytes as an uninterrupted run.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists, once the new file is complete.")
@click.option("--categorical", multiple=True, metavar="COLUMN", help="Treat a numeric column as categories.")
@click.option("--numeric", multiple=True, metavar="COLUMN", help="Interpolate a column of few distinct numbers.")
@click.option("--key", "keys", multiple=True, metavar="COLUMN", help="Treat a column as a unique key.")
@click.option("--by", multiple=True, metavar="COLUMN",
              help="Class column: neighbours only within each group of its values, whose shares are kept exactly. "
                   "Repeat for several columns.")
@click.option("--balance", is_flag=True, help="With --by: give every group the same share of the output.")
@click.option("--shares", metavar="LEVEL=SHARE,...",
              help='With --by: the share of each group, adding up to 1, for example "True=0.3,False=0.7"; '
                   'with several --by columns, name a group as "a/b".')
@click.option("--small-groups", type=click.Choice(["error", "copy", "drop"]), default="error", show_default=True,
              help="With --by, for a group of one row: stop with an error, copy the row, or drop the group.")
@click.option("--allow-copies", is_flag=True,
              help="Keep synthetic rows that equal a sample row on every non-key column (redrawn by default).")
@click.option("--min-distance", type=click.FloatRange(0, 1, min_open=True, max_open=True), metavar="QUANTILE",
              help="Redraw rows closer to the sample than this quantile of the sample's own nearest-row "
                   "distances, for example 0.05.")
@click.option("--delimiter", help="CSV field delimiter (default: comma).")
@click.option("--encoding", help="CSV text encoding (default: utf-8), for example latin-1.")
@click.option("--report-json", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the report as JSON to this file, with the metrics of `smotegen compare` "
                   "against the sample.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of errors.")
def expand(input_path: Path, output_path: str, quiet: bool, verbose: bool, report_json: Path | None,
           **options: object) -> None:
    """Write ROWS synthetic rows that look like INPUT (.csv, .csv.gz, .parquet) to OUTPUT.

    OUTPUT is a .csv or .parquet file, or a folder (a path ending with /) that
    receives a Parquet dataset: part files of --part-rows rows each, and
    _manifest.json, written last, that lists them.
    """
    with user_errors(verbose):
        settings = _expand_settings(options, compare=report_json is not None)
    with user_errors(verbose), progress_bar(settings.rows, quiet) as advance:
        report = expand_file(input_path, output_path, settings, progress=advance)
    for warning in report.warnings:
        click.echo(f"smotegen: warning: {warning}", err=True)
    click.echo(render_text(report))
    if report_json:
        with user_errors(verbose):
            _write_text(report_json, report.to_json() + "\n")


def _expand_settings(options: dict, compare: bool) -> ExpandSettings:
    """Group the expand command's options into the core's settings objects."""
    jobs_source = click.get_current_context().get_parameter_source("jobs")
    if options["scheduler"] and jobs_source is not click.core.ParameterSource.DEFAULT:
        raise UsageError("--jobs sets the workers of a LocalCluster, and --scheduler uses a running cluster's; "
                         "drop one of them")
    model = ModelSettings(
        neighbors=options["neighbors"],
        method=options["method"],
        typing=TypingOptions(options["categorical"], options["numeric"], options["keys"]),
        groups=GroupSettings(
            by=options["by"],
            balance=options["balance"],
            shares=parse_shares(options["shares"]) if options["shares"] else None,
            small_groups=options["small_groups"],
        ),
        privacy=PrivacySettings(allow_copies=options["allow_copies"], min_distance=options["min_distance"]),
    )
    return ExpandSettings(
        rows=options["rows"],
        chunk_size=options["chunk_size"],
        jobs=options["jobs"],
        part_rows=options["part_rows"],
        part=options["part"],
        seed=options["seed"],
        overwrite=options["overwrite"],
        delimiter=options["delimiter"],
        encoding=options["encoding"],
        model=model,
        compare=compare,
        engine=options["engine"],
        scheduler=options["scheduler"],
        resume=options["resume"],
    )


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

