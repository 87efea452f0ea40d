"""The before/after report of an expand run: built once as data, then rendered."""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field

import numpy as np
import pyarrow as pa

from smotegen.columns import ColumnSpec, Kind
from smotegen.stats import TableStats

QUARTILES = (0.25, 0.5, 0.75)
DESCRIBE_ROWS = ("count", "mean", "std", "min", "25%", "50%", "75%", "max")
TOP_LEVELS = 5
MAX_SHARES = 100  # levels whose shares are kept per column, most common first


@dataclass
class ColumnReport:
    """One column: its kind, why, and its statistics in the sample and the synthetic table."""

    name: str
    kind: str
    reason: str
    data_type: str
    sample: dict = field(default_factory=dict)
    synthetic: dict = field(default_factory=dict)


@dataclass
class Report:
    """The record of an expand run: its settings, each column's kind and statistics, groups and privacy figures."""

    input: str
    output: str
    sample_rows: int
    synthetic_rows: int
    seed: int
    method: str
    neighbors: int
    seconds: float
    columns: list[ColumnReport]
    warnings: list[str] = field(default_factory=list)
    quantile_rows: int = 0
    # The output against the sample, as ``smotegen compare`` reports it (with --report-json only).
    comparison: dict | None = None
    # With --by: each group's rows, k and share in the sample and the output.
    groups: list[dict] = field(default_factory=list)
    group_columns: list[str] = field(default_factory=list)
    # What the privacy guards rejected and redrew.
    privacy: dict | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=_json_default, allow_nan=False)


def _json_default(value: object) -> object:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return str(value)


def build_column_reports(specs: list[ColumnSpec], sample: TableStats, synthetic: TableStats) -> list[ColumnReport]:
    """Summarise every column of the sample and the synthetic table side by side."""
    reports = []
    for spec in specs:
        data_type = str(synthetic.schema.field(spec.name).type)
        report = ColumnReport(spec.name, spec.kind.value, spec.reason, data_type)
        if spec.kind != Kind.KEY:
            report.sample = _column_summary(sample, spec.name)
            report.synthetic = _column_summary(synthetic, spec.name)
        reports.append(report)
    return reports


def _column_summary(stats: TableStats, name: str) -> dict:
    total = max(stats.rows, 1)
    if name in stats.numeric:
        summary = stats.numeric[name]
        quartiles = stats.quantiles(name, QUARTILES)
        values = [summary.count, summary.mean, summary.std, summary.minimum, *quartiles, summary.maximum]
        if not summary.count:
            values = [0] + [float("nan")] * 7
        describe = {label: _finite_or_none(v) for label, v in zip(DESCRIBE_ROWS, values)}
        describe["missing share"] = summary.missing / total
        return describe
    counter = stats.counts[name]
    top = counter.most_common(TOP_LEVELS)
    return {
        "levels": len(counter),
        "top": [[_plain(level), count / total] for level, count in top],
        "shares": {str(level): count / total for level, count in counter.most_common(MAX_SHARES)},
        "missing share": stats.missing[name] / total,
    }


def _finite_or_none(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else value


def _plain(value: object) -> object:
    return value if isinstance(value, (str, bool, int, float)) else str(value)


def render_text(report: Report) -> str:
    """Render the report as the plain-text tables printed after a run."""
    lines = [
        f"smotegen: {report.synthetic_rows:,} synthetic rows from {report.sample_rows:,} sample rows "
        f"in {report.seconds:.1f} s (method {report.method}, k={report.neighbors}, seed {report.seed})",
        f"  {report.input} -> {report.output}",
        "",
        "Columns",
    ]
    width = max(len(c.name) for c in report.columns)
    for column in report.columns:
        lines.append(f"  {column.name:<{width}}  {column.kind:<10}  {column.reason}")

    numeric = [c for c in report.columns if c.sample and "mean" in c.sample]
    if numeric:
        lines += ["", f"Numeric columns (quartiles of the synthetic table from {report.quantile_rows:,} sampled rows)"]
        lines += _render_numeric(numeric)
    discrete = [c for c in report.columns if c.sample and "top" in c.sample]
    if discrete:
        lines += ["", "Text and boolean columns: top levels, share in sample -> synthetic"]
        lines += _render_discrete(discrete)
    if report.groups:
        lines += ["", f"Groups by {', '.join(report.group_columns)}: share in sample -> synthetic"]
        lines += [
            f"  {g['group']}: {g['sample_share']:.2%} ({g['sample_rows']:,} rows, k={g['neighbors']}) -> "
            f"{g['synthetic_share']:.2%} ({g['synthetic_rows']:,} rows)"
            for g in report.groups
        ]
    if report.privacy:
        lines += ["", _render_privacy(report.privacy)]
    return "\n".join(lines)


def _share(value: float) -> str:
    """Format a share with two decimals below 1%, so 0.16% and 0.15% do not both print as 0.2%."""
    return f"{value:.2%}" if 0 < value < 0.01 else f"{value:.1%}"


def _render_privacy(privacy: dict) -> str:
    text = (
        f"Privacy: {privacy['share_rejected']:.2%} of rows were redrawn before writing "
        f"({privacy['exact_copies_redrawn']:,} drawn as exact copies of sample rows"
    )
    if "min_distance_quantile" in privacy:
        text += f", {privacy['too_close_redrawn']:,} closer than {privacy['distance_threshold']:.3g}"
    text += f"); {privacy['rejected_rows_kept']:,} written rows are still rejected"
    if "min_distance_quantile" in privacy:
        text += (
            f"\n  median distance to the closest sample row: {privacy['median_distance_to_closest_sample_row']:.3g} "
            f"(sample rows to their closest other row: {privacy['sample_median_distance_to_closest_other_row']:.3g})"
        )
    return text


def _render_numeric(columns: list[ColumnReport]) -> list[str]:
    width = max(len(c.name) for c in columns)
    header = f"  {'':<{width}}  {'':<9}" + "".join(f"{label:>12}" for label in DESCRIBE_ROWS) + f"{'missing':>9}"
    lines = [header]
    for column in columns:
        data_type = _parse_type(column.data_type)
        for side, describe in (("sample", column.sample), ("synthetic", column.synthetic)):
            name = column.name if side == "sample" else ""
            cells = "".join(f"{_format_value(describe[label], label, data_type):>12}" for label in DESCRIBE_ROWS)
            lines.append(f"  {name:<{width}}  {side:<9}{cells}{_share(describe['missing share']):>9}")
    return lines


def _format_value(value: float | None, label: str, data_type: pa.DataType) -> str:
    if value is None:
        return "-"
    if label == "count":
        return f"{int(value):,}"
    if pa.types.is_timestamp(data_type) or pa.types.is_date(data_type):
        if label == "std":
            return f"{value / _units_per_day(data_type):.1f} d"
        unit = "D" if pa.types.is_date32(data_type) else getattr(data_type, "unit", "ms")
        return str(np.datetime64(int(round(value)), unit))[:16]
    if pa.types.is_integer(data_type) and label not in ("mean", "std"):
        return f"{int(value):,}"
    magnitude = abs(value)
    if magnitude != 0 and (magnitude >= 1e7 or magnitude < 1e-3):
        return f"{value:.4g}"
    return f"{value:,.2f}" if magnitude < 1e5 else f"{value:,.0f}"


def _parse_type(name: str) -> pa.DataType:
    """Return the Arrow type named by ``str(data_type)`` for the types the report formats specially."""
    match = re.fullmatch(r"timestamp\[(\w+)(?:, tz=.*)?\]", name)
    if match:
        return pa.timestamp(match.group(1))
    if name.startswith("date32"):
        return pa.date32()
    if name.startswith(("int", "uint")):
        return pa.int64()
    return pa.float64()


def _units_per_day(data_type: pa.DataType) -> float:
    if pa.types.is_date32(data_type):
        return 1.0
    per_second = {"s": 1, "ms": 1e3, "us": 1e6, "ns": 1e9}[getattr(data_type, "unit", "ms")]
    return 86_400 * per_second


def _render_discrete(columns: list[ColumnReport]) -> list[str]:
    lines = []
    for column in columns:
        shares = column.synthetic.get("shares", {})
        cells = [
            f"{str(level)[:20]} {share:.1%} -> {shares.get(str(level), 0.0):.1%}"
            for level, share in column.sample["top"]
        ]
        more = column.sample["levels"] - len(cells)
        suffix = f", ... {more} more" if more > 0 else ""
        missing = column.sample["missing share"]
        if missing or column.synthetic.get("missing share"):
            suffix += f"; missing {_share(missing)} -> {_share(column.synthetic['missing share'])}"
        levels = f"{column.sample['levels']} levels -> {column.synthetic.get('levels', 0)}"
        lines.append(f"  {column.name} ({levels}): " + ", ".join(cells) + suffix)
    return lines
