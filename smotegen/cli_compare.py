"""The ``smotegen compare`` command: a quality report of a synthetic table against a real one."""

from __future__ import annotations

from pathlib import Path

import click

from smotegen.compare.files import CompareSettings, compare_files, synthetic_rows
from smotegen.compare.grouping import MAX_GROUPS
from smotegen.compare.plots import require_matplotlib, write_plots
from smotegen.compare.render import render_text
from smotegen.compare.thresholds import check_group_thresholds, failed_thresholds, parse_threshold
from smotegen.errors import SmotegenError, UsageError
from smotegen.stats import RESERVOIR_ROWS


@click.command()
@click.argument("real_path", metavar="REAL", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("synthetic_path", metavar="SYNTH", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--holdout", type=click.Path(path_type=Path, dir_okay=False),
              help="Real rows the generator never saw: the real side of detection, the test rows of utility "
                   "and the privacy baseline.")
@click.option("--target", metavar="COLUMN",
              help="Class column for utility: train on synthetic rows and on REAL, score both on --holdout.")
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="Write the report as JSON to this file; '-' prints it in place of the text report.")
@click.option("--plots", "plots_folder", type=click.Path(path_type=Path, file_okay=False),
              help="Write PNG histograms, correlation heat maps and a scatter plot to this folder "
                   "(needs pip install smotegen[plots]).")
@click.option("--by", multiple=True, metavar="COLUMN",
              help="Also compare each group of equal values of this column, as expand --by makes them; "
                   f"repeatable, at most {MAX_GROUPS} groups.")
@click.option("--fail-if", "fail_if", multiple=True, metavar="METRIC>VALUE",
              help="Exit 1 when the condition is true, for example ks_max>0.03 or utility_ratio<0.98 "
                   "(also >=, <=); repeatable. With --by, group:ks_max>0.03 fails when it is true in any group. "
                   "The summary lists the metric names.")
@click.option("--key", "keys", multiple=True, metavar="COLUMN",
              help="Leave a key column out of the comparison (keys are also detected from their values).")
@click.option("--sample-rows", type=click.IntRange(min=100), default=RESERVOIR_ROWS, show_default=True,
              help="Synthetic rows sampled uniformly for quantiles, KS and correlations; "
                   "classifiers and distances draw fewer rows from them.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the row samples, cross-validation folds and classifiers.")
@click.option("--delimiter", help="CSV field delimiter (default: comma).")
@click.option("--encoding", help="CSV text encoding (default: utf-8), for example latin-1.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of errors.")
def compare(real_path: Path, synthetic_path: Path, holdout: Path | None, target: str | None,
            json_path: Path | None, plots_folder: Path | None, by: tuple[str, ...], fail_if: tuple[str, ...],
            keys: tuple[str, ...], sample_rows: int, seed: int, delimiter: str | None, encoding: str | None,
            quiet: bool, verbose: bool) -> None:
    """Report how closely SYNTH matches REAL (.csv, .csv.gz, .parquet): columns, pairs, detection, privacy.

    SYNTH is read in batches and may be larger than memory; REAL and --holdout are read whole.
    """
    # Imported here because smotegen.cli imports this module at its end to register the command.
    from smotegen.cli import _write_text, progress_bar, user_errors

    settings = CompareSettings(
        real=real_path,
        synthetic=synthetic_path,
        holdout=holdout,
        target=target,
        keys=keys,
        by=by,
        sample_rows=sample_rows,
        seed=seed,
        delimiter=delimiter,
        encoding=encoding,
    )
    with user_errors(verbose):
        thresholds = [parse_threshold(text) for text in fail_if]
        check_group_thresholds(thresholds, by)
        settings.validate()
        _check_outputs(json_path, plots_folder)

    with user_errors(verbose), progress_bar(synthetic_rows(synthetic_path), quiet) as advance:
        comparison = compare_files(settings, progress=advance)
    for warning in comparison.warnings:
        click.echo(f"smotegen: warning: {warning}", err=True)

    report = comparison.report
    with user_errors(verbose):
        if json_path == Path("-"):
            click.echo(report.to_json())
        else:
            click.echo(render_text(report))
            if json_path:
                _write_text(json_path, report.to_json() + "\n")
        if plots_folder:
            written = write_plots(plots_folder, comparison.real.row_sample, comparison.synthetic.row_sample,
                                  comparison.selection)
            click.echo(f"smotegen: wrote {len(written)} plots to {plots_folder}", err=True)
        group_summaries = {group.label: group.summary() for group in report.groups}
        failures = failed_thresholds(thresholds, report.summary(), group_summaries)
        if failures:
            raise SmotegenError("--fail-if: " + "; ".join(failures))


def _check_outputs(json_path: Path | None, plots_folder: Path | None) -> None:
    """Reject output paths that cannot be written, before the comparison runs."""
    if json_path and json_path != Path("-") and not json_path.parent.exists():
        raise UsageError(f"--json {str(json_path)!r}: folder {str(json_path.parent)!r} does not exist; create it first")
    if plots_folder:
        require_matplotlib()
        if plots_folder.exists() and not plots_folder.is_dir():
            raise UsageError(f"--plots {str(plots_folder)!r} is a file; name a folder")
