"""``--fail-if`` thresholds: conditions on summary metrics that fail a comparison."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from smotegen.compare.report import SUMMARY_NAMES
from smotegen.errors import UsageError

OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}

_PATTERN = re.compile(r"\s*([a-z_0-9]+)\s*(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*")

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

    def __str__(self) -> str:
        return f"{self.metric}{self.comparison}{self.limit:g}"

    def holds(self, value: float) -> bool:
        return OPERATORS[self.comparison](value, self.limit)


def parse_threshold(text: str) -> Threshold:
    """Parse ``METRIC>VALUE`` (or ``>=``, ``<``, ``<=``), raising a UsageError for an unknown metric."""
    match = _PATTERN.fullmatch(text)
    if not match:
        raise UsageError(f"--fail-if {text!r}: write a metric, an operator and a number, for example ks_max>0.03")
    metric, comparison, limit = match.groups()
    if metric not in SUMMARY_NAMES:
        raise UsageError(f"--fail-if {text!r}: unknown metric {metric!r}; use one of {', '.join(SUMMARY_NAMES)}")
    return Threshold(metric, comparison, float(limit))


def failed_thresholds(thresholds: list[Threshold], summary: dict[str, float | None]) -> list[str]:
    """Return one message per threshold whose condition holds, such as ``ks_max>0.03 (ks_max is 0.041)``.

    Raises a UsageError when a threshold's metric has no value in this comparison.
    """
    failures = []
    for threshold in thresholds:
        value = summary.get(threshold.metric)
        if value is None:
            needs = next((need for prefix, need in _REQUIREMENTS.items() if prefix in threshold.metric), None)
            hint = f"; it needs {needs}" if needs else ""
            raise UsageError(f"--fail-if {threshold}: {threshold.metric} has no value in this comparison{hint}")
        if threshold.holds(value):
            failures.append(f"{threshold} ({threshold.metric} is {value:.4g})")
    return failures
