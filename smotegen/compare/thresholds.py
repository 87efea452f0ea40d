"""``--fail-if`` thresholds: conditions on summary metrics that fail a comparison.

``METRIC>VALUE`` is checked on the whole tables. ``group:METRIC>VALUE`` needs
``--by`` and is checked in every group that has a value for the metric. It
fails when the condition is true in any of those groups.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from smotegen.compare.report import GROUP_SUMMARY_NAMES, SUMMARY_NAMES
from smotegen.errors import UsageError

OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}

GROUP_PREFIX = "group:"

_PATTERN = re.compile(r"\s*(group:)?([a-z_0-9]+)\s*(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*")

# The input each family of metrics needs to have a value, named when a threshold's metric has none.
_REQUIREMENTS = {
    "utility": "--holdout and --target",
    "detection": "at least 10 rows in each table",
    "ks_": "a numeric column",
    "std_ratio": "a numeric column with spread",
    "mean_shift": "a numeric column with spread",
    "quantile_shift": "a numeric column with spread",
    "outside_range": "a numeric column",
    "tv_": "a text or boolean column",
    "unseen": "a text or boolean column",
    "corr_": "two numeric or boolean columns that vary",
}


@dataclass(frozen=True)
class Threshold:
    """A failing condition such as ``ks_max>0.03``: the comparison fails when it holds."""

    metric: str
    comparison: str
    limit: float
    per_group: bool = False

    def __str__(self) -> str:
        prefix = GROUP_PREFIX if self.per_group else ""
        return f"{prefix}{self.metric}{self.comparison}{self.limit:g}"

    def holds(self, value: float) -> bool:
        return OPERATORS[self.comparison](value, self.limit)


def parse_threshold(text: str) -> Threshold:
    """Parse ``METRIC>VALUE`` or ``group:METRIC>VALUE`` (or ``>=``, ``<``, ``<=``).

    Raises a UsageError for an unknown metric.
    """
    match = _PATTERN.fullmatch(text)
    if not match:
        raise UsageError(f"--fail-if {text!r}: write a metric, an operator and a number, for example ks_max>0.03")
    prefix, metric, comparison, limit = match.groups()
    names = GROUP_SUMMARY_NAMES if prefix else SUMMARY_NAMES
    if metric in GROUP_SUMMARY_NAMES and metric not in names:
        raise UsageError(f"--fail-if {text!r}: {metric} is measured per group; write {GROUP_PREFIX}{text.strip()}")
    if metric not in names:
        raise UsageError(f"--fail-if {text!r}: unknown metric {metric!r}; use one of {', '.join(names)}")
    return Threshold(metric, comparison, float(limit), per_group=bool(prefix))


def check_group_thresholds(thresholds: list[Threshold], by: tuple[str, ...]) -> None:
    """Raise a UsageError when a ``group:`` threshold is given without ``--by``."""
    for threshold in thresholds:
        if threshold.per_group and not by:
            raise UsageError(f"--fail-if {threshold} needs --by COLUMN to name the groups")


def failed_thresholds(
    thresholds: list[Threshold],
    summary: dict[str, float | None],
    group_summaries: dict[str, dict[str, float | None]] | None = None,
) -> list[str]:
    """Return one message per threshold whose condition holds, such as ``ks_max>0.03 (ks_max is 0.041)``.

    ``group_summaries`` maps each group's name to its summary. Groups without
    a value for a ``group:`` threshold's metric are skipped. Raises a
    UsageError when a threshold's metric has no value in this comparison, or
    in none of the groups.
    """
    failures = []
    for threshold in thresholds:
        if threshold.per_group:
            failure = _failed_in_groups(threshold, group_summaries or {})
            if failure:
                failures.append(failure)
            continue
        value = summary.get(threshold.metric)
        if value is None:
            raise UsageError(
                f"--fail-if {threshold}: {threshold.metric} has no value in this comparison{_hint(threshold)}"
            )
        if threshold.holds(value):
            failures.append(f"{threshold} ({threshold.metric} is {value:.4g})")
    return failures


def _failed_in_groups(threshold: Threshold, group_summaries: dict[str, dict[str, float | None]]) -> str | None:
    values = {label: summary.get(threshold.metric) for label, summary in group_summaries.items()}
    values = {label: value for label, value in values.items() if value is not None}
    if not values:
        raise UsageError(f"--fail-if {threshold}: {threshold.metric} has no value in any group{_hint(threshold)}")
    failing = [f"{value:.4g} in group {label!r}" for label, value in values.items() if threshold.holds(value)]
    if not failing:
        return None
    return f"{threshold} ({threshold.metric} is {', '.join(failing)})"


def _hint(threshold: Threshold) -> str:
    needs = next((need for prefix, need in _REQUIREMENTS.items() if prefix in threshold.metric), None)
    return f"; it needs {needs}" if needs else ""
