"""The comparison report: metrics of a synthetic table against a real one, as data.

Every metric is computed once into these dataclasses. ``summary`` flattens the
headline figures into one dict whose keys are the names that ``--fail-if``
thresholds and machines use; renderers only read the report.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields

QUANTILE_LEVELS = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


@dataclass
class TableInfo:
    """One compared table: where it came from, how many rows it has and how many were sampled."""

    label: str
    rows: int
    sampled_rows: int


@dataclass
class NumericColumnMetrics:
    """A numeric (or date and time) column of the synthetic table against the real one.

    Shifts are in units of the real column's standard deviation. ``ks`` and
    the quantile shifts use the row samples. ``outside_range_share`` is exactly
    0 when the synthetic minimum and maximum lie within the real range, and
    otherwise an estimate from the synthetic row sample.
    """

    name: str
    ks: float | None
    std_ratio: float | None
    mean_shift: float | None
    quantile_shifts: dict[str, float | None]
    missing_share_diff: float
    outside_range_share: float | None


@dataclass
class DiscreteColumnMetrics:
    """A text, boolean or category column of the synthetic table against the real one.

    ``total_variation`` is half the sum of absolute differences between the
    level shares of present values. Unseen levels are synthetic levels that
    the real table never contains.
    """

    name: str
    total_variation: float | None
    unseen_levels: int
    unseen_share: float
    unseen_examples: list[str]
    missing_share_diff: float


@dataclass
class CorrelationMetrics:
    """Differences between the Pearson correlation matrices of the numeric and boolean columns."""

    columns: int
    max_abs_diff: float | None = None
    mean_abs_diff: float | None = None
    worst_pair: list[str] = field(default_factory=list)


@dataclass
class DetectionMetrics:
    """Cross-validated AUC of a classifier telling synthetic rows from real ones (0.5: indistinguishable)."""

    auc: float
    reference: str
    real_rows: int
    synthetic_rows: int
    folds: int
    # The lowest and highest AUC over the draws of compared rows whose mean ``auc`` is.
    auc_min: float
    auc_max: float
    draws: int


@dataclass
class UtilityMetrics:
    """AUC on held-out rows of a model trained on synthetic rows, next to one trained on the real rows."""

    target: str
    classes: int
    auc_synthetic: float
    auc_real: float
    synthetic_train_rows: int
    real_train_rows: int
    test_rows: int

    @property
    def ratio(self) -> float | None:
        """The synthetic AUC over the real one, None when the held-out rows cannot be scored."""
        if not (math.isfinite(self.auc_synthetic) and math.isfinite(self.auc_real)) or self.auc_real <= 0:
            return None
        return self.auc_synthetic / self.auc_real


@dataclass
class PrivacyMetrics:
    """Distances to the closest real row and exact copies of real rows.

    Distances are Euclidean on numeric columns standardised by the real
    standard deviation, plus 1 in squared distance per differing level of a
    discrete column. The baseline is the same distance for held-out rows, or,
    without them, from each real row to its closest other real row.
    """

    synthetic_median: float
    baseline_median: float
    synthetic_p05: float
    baseline_p05: float
    baseline: str
    distance_rows: int
    exact_copies: int
    exact_copy_share: float
    exact_copies_estimated: bool


@dataclass
class ComparisonReport:
    """Every metric of one comparison, with the tables it came from."""

    real: TableInfo
    synthetic: TableInfo
    holdout: TableInfo | None = None
    numeric: list[NumericColumnMetrics] = field(default_factory=list)
    discrete: list[DiscreteColumnMetrics] = field(default_factory=list)
    correlations: CorrelationMetrics = field(default_factory=lambda: CorrelationMetrics(0))
    detection: DetectionMetrics | None = None
    utility: UtilityMetrics | None = None
    privacy: PrivacyMetrics | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    # The marginal and correlation summary of the held-out rows against the
    # real rows: how far two real samples of these sizes differ.
    holdout_summary: dict[str, float | None] | None = None
    notes: list[str] = field(default_factory=list)
    # The --by columns and the comparison within each group of their values; empty without --by.
    by: list[str] = field(default_factory=list)
    groups: list[GroupComparison] = field(default_factory=list)

    def summary(self) -> dict[str, float | None]:
        """Return the headline figures by the names ``--fail-if`` accepts."""
        values = marginal_summary(self)
        detection, utility, privacy = self.detection, self.utility, self.privacy
        values["detection_auc"] = detection.auc if detection else None
        values["utility_auc_synthetic"] = utility.auc_synthetic if utility else None
        values["utility_auc_real"] = utility.auc_real if utility else None
        values["utility_ratio"] = utility.ratio if utility else None
        values["dcr_median_synthetic"] = privacy.synthetic_median if privacy else None
        values["dcr_median_baseline"] = privacy.baseline_median if privacy else None
        values["exact_copies"] = privacy.exact_copies if privacy else None
        values["exact_copy_share"] = privacy.exact_copy_share if privacy else None
        return _finite(values)

    def to_dict(self) -> dict:
        data = asdict(self)
        del data["by"], data["groups"]
        if self.utility:
            data["utility"]["ratio"] = self.utility.ratio
        data["summary"] = self.summary()
        if self.by:
            data["by"] = list(self.by)
            data["groups"] = [group.to_dict() for group in self.groups]
        return _finite(data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)


@dataclass
class GroupComparison:
    """One group of equal ``--by`` values: its rows and shares in each table, and its metrics.

    Shares are of all rows of each table. ``report`` is None when the group
    has no rows in the real or the synthetic table. ``not_computed`` maps each
    metric the group has too few rows or columns for to the reason.
    """

    label: str
    real_rows: int
    synthetic_rows: int
    real_share: float
    synthetic_share: float
    holdout_rows: int | None = None
    report: ComparisonReport | None = None
    not_computed: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, float | None]:
        """Return the group's headline figures by the names ``--fail-if group:METRIC`` accepts."""
        values = self.report.summary() if self.report else dict.fromkeys(SUMMARY_NAMES)
        values["share_diff"] = abs(self.synthetic_share - self.real_share)
        return values

    def to_dict(self) -> dict:
        data = {item.name: getattr(self, item.name) for item in fields(self) if item.name != "report"}
        data["summary"] = self.summary()
        report = self.report.to_dict() if self.report else None
        if report:
            del report["summary"]  # the group's summary above repeats it, with the share difference
        data["report"] = report
        return _finite(data)


SUMMARY_NAMES = (
    "ks_max",
    "ks_mean",
    "std_ratio_min",
    "std_ratio_max",
    "mean_shift_max",
    "quantile_shift_max",
    "outside_range_share_max",
    "missing_share_diff_max",
    "tv_max",
    "tv_mean",
    "unseen_levels",
    "corr_diff_max",
    "corr_diff_mean",
    "missing_columns",
    "detection_auc",
    "utility_auc_synthetic",
    "utility_auc_real",
    "utility_ratio",
    "dcr_median_synthetic",
    "dcr_median_baseline",
    "exact_copies",
    "exact_copy_share",
)


def marginal_summary(report: ComparisonReport) -> dict[str, float | None]:
    """Return the column and correlation figures of ``summary``: maxima, minima and means over columns."""
    ks = [c.ks for c in report.numeric]
    std_ratios = [c.std_ratio for c in report.numeric]
    quantile_shifts = [abs(v) for c in report.numeric for v in c.quantile_shifts.values() if v is not None]
    missing = [abs(c.missing_share_diff) for c in [*report.numeric, *report.discrete]]
    total_variations = [c.total_variation for c in report.discrete]
    return {
        "ks_max": _max(ks),
        "ks_mean": _mean(ks),
        "std_ratio_min": _min(std_ratios),
        "std_ratio_max": _max(std_ratios),
        "mean_shift_max": _max([abs(c.mean_shift) if c.mean_shift is not None else None for c in report.numeric]),
        "quantile_shift_max": _max(quantile_shifts),
        "outside_range_share_max": _max([c.outside_range_share for c in report.numeric]),
        "missing_share_diff_max": _max(missing),
        "tv_max": _max(total_variations),
        "tv_mean": _mean(total_variations),
        "unseen_levels": sum(c.unseen_levels for c in report.discrete) if report.discrete else None,
        "corr_diff_max": report.correlations.max_abs_diff,
        "corr_diff_mean": report.correlations.mean_abs_diff,
        "missing_columns": sum(1 for reason in report.skipped.values() if reason == MISSING_FROM_SYNTHETIC),
    }


# The names of a group's summary: the table's, and the absolute difference of its shares in the two tables.
GROUP_SUMMARY_NAMES = (*SUMMARY_NAMES, "share_diff")

MISSING_FROM_SYNTHETIC = "missing from the synthetic table"


def _present(values: list[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _max(values: list[float | None]) -> float | None:
    present = _present(values)
    return max(present) if present else None


def _min(values: list[float | None]) -> float | None:
    present = _present(values)
    return min(present) if present else None


def _mean(values: list[float | None]) -> float | None:
    present = _present(values)
    return sum(present) / len(present) if present else None


def _finite(value: object) -> object:
    """Replace NaN and infinities by None, recursively, so the JSON is standard."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
