"""Render a comparison report as the plain text that ``smotegen compare`` prints."""

from __future__ import annotations

import math

from smotegen.compare.report import (
    GROUP_SUMMARY_NAMES,
    ComparisonReport,
    DiscreteColumnMetrics,
    GroupComparison,
    NumericColumnMetrics,
    TableInfo,
)

HOLDOUT_SUMMARY_NAMES = ("ks_max", "ks_mean", "std_ratio_min", "std_ratio_max", "tv_max", "corr_diff_max")


def render_text(report: ComparisonReport) -> str:
    """Render every section of the report, ending with the summary under the names ``--fail-if`` takes.

    With ``--by``, the groups' sections and their summaries come before the summary of the whole tables.
    """
    lines = _render_tables(report) + _render_metrics(report)
    if report.skipped:
        lines += ["", "Not compared"]
        lines += [f"  {name}: {reason}" for name, reason in report.skipped.items()]
    for note in report.notes:
        lines += ["", f"Note: {note}"]
    if report.by:
        lines += _render_groups(report)
    lines += ["", "Summary (metric names for --fail-if)"]
    summary = report.summary()
    width = max(len(name) for name in summary)
    lines += [f"  {name:<{width}}  {_number(value)}" for name, value in summary.items()]
    return "\n".join(lines)


def _render_metrics(report: ComparisonReport) -> list[str]:
    lines = []
    if report.numeric:
        lines += ["", "Numeric columns (shifts in standard deviations of the real column)"]
        lines += _render_numeric(report.numeric)
    if report.discrete:
        lines += ["", "Text and boolean columns"]
        lines += _render_discrete(report.discrete)
    return lines + [""] + _render_pairs_and_rows(report)


def _render_groups(report: ComparisonReport) -> list[str]:
    """Render the groups' rows and shares, each group's metrics, and a summary table with one column per group."""
    by = " and ".join(report.by)
    lines = ["", f"Groups of {by} (shares of all rows of each table)"]
    lines += _render_group_rows(report.groups)
    for group in report.groups:
        lines += ["", f"Group {group.label!r} of {by}"]
        if group.report:
            lines.append(
                f"  KS, quantiles, correlations, classifiers and distances use {group.report.synthetic.sampled_rows:,} "
                "sampled synthetic rows"
            )
            lines += _render_metrics(group.report)
        lines += [f"  Not computed: {metric}: {reason}" for metric, reason in group.not_computed.items()]
    lines += ["", "Summary by group (metric names for --fail-if group:METRIC)"]
    return lines + _render_group_summaries(report.groups)


def _render_group_rows(groups: list[GroupComparison]) -> list[str]:
    width = max(len("group"), *(len(group.label) for group in groups))
    holdout = any(group.holdout_rows is not None for group in groups)
    header = (
        f"  {'group':<{width}}  {'real rows':>10}  {'real share':>10}  {'synthetic rows':>14}  "
        f"{'synthetic share':>15}"
    )
    lines = [header + (f"  {'held-out rows':>13}" if holdout else "")]
    for group in groups:
        line = (
            f"  {group.label:<{width}}  {group.real_rows:>10,}  {group.real_share:>10.2%}  "
            f"{group.synthetic_rows:>14,}  {group.synthetic_share:>15.2%}"
        )
        if holdout:
            line += f"  {group.holdout_rows or 0:>13,}"
        lines.append(line)
    return lines


def _render_group_summaries(groups: list[GroupComparison]) -> list[str]:
    columns = [[group.label] + [_number(group.summary()[name]) for name in GROUP_SUMMARY_NAMES] for group in groups]
    widths = [max(len(text) for text in column) for column in columns]
    name_width = max(len(name) for name in GROUP_SUMMARY_NAMES)
    lines = []
    for row, name in enumerate(["group", *GROUP_SUMMARY_NAMES]):
        values = "  ".join(f"{column[row]:>{width}}" for column, width in zip(columns, widths))
        lines.append(f"  {name:<{name_width}}  {values}")
    return lines


def _render_tables(report: ComparisonReport) -> list[str]:
    lines = [
        _table_line("Real", report.real, sampled=False),
        _table_line("Synthetic", report.synthetic, sampled=True),
    ]
    if report.holdout:
        lines.append(_table_line("Held-out", report.holdout, sampled=False))
    return lines


def _table_line(role: str, table: TableInfo, sampled: bool) -> str:
    line = f"{role + ':':<11}{table.label} ({table.rows:,} rows)"
    if sampled:
        line += (
            f"; KS, quantiles and correlations use {table.sampled_rows:,} sampled rows, "
            "classifiers and distances fewer, as stated with each"
        )
    return line


def _render_numeric(columns: list[NumericColumnMetrics]) -> list[str]:
    width = max(len("column"), *(len(c.name) for c in columns))
    header = (
        f"  {'column':<{width}}  {'KS':>6}  {'std ratio':>9}  {'mean shift':>10}  "
        f"{'max quantile shift':>18}  {'missing diff':>12}  {'outside range':>13}"
    )
    lines = [header]
    for column in columns:
        worst = _worst_quantile_shift(column)
        lines.append(
            f"  {column.name:<{width}}  {_number(column.ks, '.4f'):>6}  {_number(column.std_ratio, '.3f'):>9}  "
            f"{_number(column.mean_shift, '+.3f'):>10}  {worst:>18}  {column.missing_share_diff:>+12.1%}  "
            f"{_percent(column.outside_range_share):>13}"
        )
    return lines


def _worst_quantile_shift(column: NumericColumnMetrics) -> str:
    shifts = {level: shift for level, shift in column.quantile_shifts.items() if shift is not None}
    if not shifts:
        return "-"
    level = max(shifts, key=lambda key: abs(shifts[key]))
    return f"{shifts[level]:+.3f} at {level}"


def _render_discrete(columns: list[DiscreteColumnMetrics]) -> list[str]:
    width = max(len("column"), *(len(c.name) for c in columns))
    lines = [f"  {'column':<{width}}  {'TV':>6}  {'missing diff':>12}  unseen levels"]
    for column in columns:
        unseen = "0"
        if column.unseen_levels:
            examples = ", ".join(repr(level) for level in column.unseen_examples)
            unseen = f"{column.unseen_levels} in {column.unseen_share:.2%} of rows ({examples})"
        lines.append(
            f"  {column.name:<{width}}  {_number(column.total_variation, '.4f'):>6}  "
            f"{column.missing_share_diff:>+12.1%}  {unseen}"
        )
    return lines


def _render_pairs_and_rows(report: ComparisonReport) -> list[str]:
    lines = []
    correlations = report.correlations
    if correlations.max_abs_diff is not None:
        pair = " and ".join(correlations.worst_pair)
        lines.append(
            f"Correlations of {correlations.columns} numeric and boolean columns: largest difference "
            f"{correlations.max_abs_diff:.4f} ({pair}), mean {correlations.mean_abs_diff:.4f}"
        )
    detection = report.detection
    if detection:
        lines.append(
            f"Detection: AUC {detection.auc:.3f} telling {detection.synthetic_rows:,} synthetic rows from "
            f"{detection.real_rows:,} {detection.reference} (mean of {detection.draws} draws, "
            f"{detection.auc_min:.3f} to {detection.auc_max:.3f}, each by {detection.folds}-fold cross-validation; "
            "0.5 = indistinguishable)"
        )
    utility = report.utility
    if utility:
        lines.append(
            f"Utility for {utility.target!r} on {utility.test_rows:,} held-out rows: "
            f"AUC {_number(utility.auc_synthetic, '.3f')} trained on {utility.synthetic_train_rows:,} synthetic rows, "
            f"{_number(utility.auc_real, '.3f')} trained on "
            f"{utility.real_train_rows:,} real rows (ratio {_number(utility.ratio, '.3f')})"
        )
    privacy = report.privacy
    if privacy:
        copies = f"{privacy.exact_copies:,} ({privacy.exact_copy_share:.3%})"
        if privacy.exact_copies_estimated:
            copies = f"about {copies}, estimated from the row sample"
        baseline = privacy.baseline
        if math.isfinite(privacy.baseline_median):
            baseline = f"{privacy.baseline_median:.3f} for {baseline}"
        lines.append(
            f"Privacy: median distance to the closest real row {privacy.synthetic_median:.3f} for "
            f"{privacy.distance_rows:,} synthetic rows, {baseline}; exact copies of real rows: {copies}"
        )
    if report.holdout_summary:
        figures = ", ".join(
            f"{name} {_number(report.holdout_summary.get(name))}" for name in HOLDOUT_SUMMARY_NAMES
        )
        lines.append(f"Held-out rows against real rows, the sampling noise at these sizes: {figures}")
    return lines


def _number(value: float | None, spec: str = ".4g") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return format(value, spec)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"
