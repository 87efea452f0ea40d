"""Assemble a comparison report from the statistics of the real, synthetic and held-out tables."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from smotegen.columns import ColumnSpec
from smotegen.compare.classifiers import check_target, detection_metrics, utility_metrics
from smotegen.compare.marginals import correlation_metrics, discrete_column_metrics, numeric_column_metrics
from smotegen.compare.privacy import estimate_copies, privacy_metrics
from smotegen.compare.report import ComparisonReport, TableInfo, marginal_summary
from smotegen.compare.selection import ColumnSelection, select_columns
from smotegen.stats import TableStats


@dataclass
class ComparedTable:
    """One table of a comparison: a label for the report and its streamed statistics."""

    label: str
    stats: TableStats

    @property
    def info(self) -> TableInfo:
        return TableInfo(self.label, self.stats.rows, self.stats.row_sample.num_rows)


@dataclass
class CompareOptions:
    """Options of a comparison beyond the column metrics."""

    target: str | None = None
    seed: int = 0
    # The exact count of synthetic rows equal to a real row, when the caller
    # counted it while streaming; None estimates it from the row sample.
    exact_copies: int | None = None


def build_report(
    real: ComparedTable,
    synthetic: ComparedTable,
    selection: ColumnSelection,
    holdout: ComparedTable | None = None,
    options: CompareOptions | None = None,
) -> ComparisonReport:
    """Compute every metric of ``synthetic`` against ``real`` (and ``holdout``) over the selected columns.

    Detection uses the held-out rows as the real side when given. Utility
    needs ``options.target`` and the held-out rows.
    """
    options = options or CompareOptions()
    report = marginal_report(real, synthetic, selection)
    report.skipped = dict(selection.skipped)
    real_rows = real.stats.row_sample
    synthetic_rows = synthetic.stats.row_sample
    holdout_rows = holdout.stats.row_sample if holdout else None

    if holdout:
        report.holdout = holdout.info
        report.holdout_summary = marginal_summary(marginal_report(real, holdout, selection))
        report.detection = detection_metrics(holdout_rows, synthetic_rows, selection, "held-out rows", options.seed)
    else:
        report.detection = detection_metrics(real_rows, synthetic_rows, selection, "real rows", options.seed)
        report.notes.append(
            "detection used the real rows the synthetic table was made from: an AUC below 0.5 means "
            "synthetic rows sit close to real ones; pass held-out rows for an unbiased AUC"
        )
    if options.target and holdout_rows is not None:
        check_target(real_rows, selection, options.target)
        report.utility = utility_metrics(
            real_rows, synthetic_rows, holdout_rows, selection, options.target, options.seed
        )

    copies = _copies(real_rows, synthetic, selection, options.exact_copies)
    report.privacy = privacy_metrics(
        real_rows, synthetic_rows, holdout_rows, selection, copies, synthetic.stats.rows, options.seed
    )
    return report


def marginal_report(real: ComparedTable, synthetic: ComparedTable, selection: ColumnSelection) -> ComparisonReport:
    """Return a report with only the per-column and correlation metrics filled in."""
    return ComparisonReport(
        real=real.info,
        synthetic=synthetic.info,
        numeric=[numeric_column_metrics(name, real.stats, synthetic.stats) for name in selection.numeric],
        discrete=[discrete_column_metrics(name, real.stats, synthetic.stats) for name in selection.discrete],
        correlations=correlation_metrics(
            real.stats.row_sample, synthetic.stats.row_sample, selection.correlated
        ),
    )


def _copies(
    real_rows: pa.Table, synthetic: ComparedTable, selection: ColumnSelection, exact: int | None
) -> tuple[int, bool]:
    if exact is not None:
        return exact, False
    estimate = estimate_copies(real_rows, synthetic.stats.row_sample, selection.names, synthetic.stats.rows)
    return estimate, True


def compare_run(specs: list[ColumnSpec], sample: ComparedTable, synthetic: ComparedTable, seed: int) -> dict:
    """Return the comparison of an expand run's output with its sample, as a JSON-ready dict.

    It reads only the streamed statistics and row samples, never the output file.
    """
    selection = select_columns(specs, sample.stats.schema)
    return build_report(sample, synthetic, selection, options=CompareOptions(seed=seed)).to_dict()
