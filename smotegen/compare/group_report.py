"""Compare each group of equal ``--by`` values: the synthetic group's report against the real group's.

Each group present in both tables gets the same metrics as the whole tables,
over every compared column but the ``--by`` columns. A metric that the group
has too few rows or columns for is left out and named in ``not_computed``
with the reason, so a small group never stops the comparison.
"""

from __future__ import annotations

from smotegen.compare.build import ComparedTable, CompareOptions, build_report
from smotegen.compare.classifiers import FOLDS, class_count
from smotegen.compare.grouping import GroupColumns, GroupedTables, group_selection
from smotegen.compare.report import ComparisonReport, GroupComparison
from smotegen.compare.selection import ColumnSelection
from smotegen.stats import TableStats

NOT_IN_REAL = "the group is not in the real table"
MISSING_FROM_SYNTHETIC = "the group is missing from the synthetic table"


def add_groups(
    report: ComparisonReport, tables: GroupedTables, selection: ColumnSelection, options: CompareOptions
) -> None:
    """Fill in ``report.by`` and ``report.groups``: the real table's groups in order, then the synthetic-only ones."""
    selection = group_selection(selection, tables.by)
    labels = list(tables.real) + sorted(tables.synthetic.other_rows)
    report.by = list(tables.by.names)
    report.groups = [_compare_group(label, report, tables, selection, options) for label in labels]
    holdout_only = sorted(set(tables.holdout or {}) - set(tables.real))
    if holdout_only:
        report.notes.append(
            f"held-out rows of {len(holdout_only)} group(s) not in the real table, such as {holdout_only[0]!r}, "
            "are left out of the group comparisons"
        )


def _compare_group(
    label: str, report: ComparisonReport, tables: GroupedTables, selection: ColumnSelection, options: CompareOptions
) -> GroupComparison:
    real = tables.real.get(label)
    synthetic = tables.synthetic.stats.get(label)
    holdout = tables.holdout.get(label) if tables.holdout is not None else None
    real_rows = real.rows if real else 0
    synthetic_rows = tables.synthetic.row_count(label)
    holdout_rows = None
    if tables.holdout is not None:
        holdout_rows = holdout.rows if holdout else 0
    group = GroupComparison(
        label=label,
        real_rows=real_rows,
        synthetic_rows=synthetic_rows,
        real_share=_share(real_rows, report.real.rows),
        synthetic_share=_share(synthetic_rows, report.synthetic.rows),
        holdout_rows=holdout_rows,
    )
    if not real_rows:
        group.not_computed["metrics"] = NOT_IN_REAL
        return group
    if not synthetic_rows or synthetic is None:
        group.not_computed["metrics"] = MISSING_FROM_SYNTHETIC
        return group

    target, utility_reason = _group_target(real, holdout, options.target, tables.by)
    if tables.holdout is not None and holdout is None:
        group.not_computed["held-out rows"] = "the held-out table has no rows in this group; detection used real rows"
    group.report = build_report(
        ComparedTable(report.real.label, real),
        ComparedTable(report.synthetic.label, synthetic),
        selection,
        ComparedTable(report.holdout.label, holdout) if holdout and report.holdout else None,
        CompareOptions(target=target, seed=options.seed, exact_copies=tables.synthetic.copies[label]),
    )
    if utility_reason:
        group.not_computed["utility"] = utility_reason
    group.not_computed.update(_missing_metrics(group.report))
    return group


def _group_target(
    real: TableStats, holdout: TableStats | None, target: str | None, by: GroupColumns
) -> tuple[str | None, str | None]:
    """Return the utility target to use in a group, or None and the reason it cannot be used."""
    if not target:
        return None, None
    if target in by.names:
        return None, f"the target {target!r} is a --by column, so each group has one class"
    if holdout is None:
        return None, "the held-out table has no rows in this group"
    classes = class_count(real.row_sample, target)
    if classes < 2:
        return None, f"the group's real rows have {classes} class(es) of {target!r}; training needs 2 or more"
    return target, None


def _missing_metrics(report: ComparisonReport) -> dict[str, str]:
    """Return the reason for each pairwise or row metric that a group's report lacks."""
    missing = {}
    correlations = report.correlations
    if correlations.columns < 2:
        missing["correlations"] = (
            f"needs 2 or more numeric or boolean columns besides the --by columns; {correlations.columns} compared"
        )
    elif correlations.max_abs_diff is None:
        missing["correlations"] = "no pair of numeric or boolean columns varies in both tables"
    if report.detection is None:
        reference = report.holdout if report.holdout else report.real
        role = "held-out" if report.holdout else "real"
        rows = min(reference.rows, report.synthetic.sampled_rows)
        if rows < 2 * FOLDS:
            missing["detection"] = (
                f"needs at least {2 * FOLDS} rows on each side; the group has {reference.rows:,} {role} rows "
                f"and {report.synthetic.sampled_rows:,} sampled synthetic rows"
            )
        else:
            missing["detection"] = "no compared column has values to classify on"
    if report.privacy is None:
        missing["privacy"] = "needs rows in both tables"
    return missing


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0
