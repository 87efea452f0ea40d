"""The compare metrics on tiny tables with known results, and the compare command on real files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from smotegen.columns import infer_specs
from smotegen.compare.build import ComparedTable, CompareOptions, build_report
from smotegen.compare.marginals import ks_statistic
from smotegen.compare.report import SUMMARY_NAMES
from smotegen.compare.selection import comparison_schema, select_columns
from smotegen.stats import TableStats
from tests.conftest import run_cli


def stats_of(frame: pd.DataFrame, schema: pa.Schema, reservoir_rows: int = 100_000) -> TableStats:
    table = pa.Table.from_pandas(frame[schema.names], preserve_index=False).cast(schema)
    stats = TableStats(schema, reservoir_rows=reservoir_rows)
    stats.update(table, 0)
    return stats


def compare_frames(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None = None, **options):
    """Compare two in-memory tables the way the command does, and return the report."""
    selection = select_columns(infer_specs(real), pa.Schema.from_pandas(real, preserve_index=False))
    schema = comparison_schema(pa.Schema.from_pandas(real, preserve_index=False), selection.names)
    real_side = ComparedTable("real", stats_of(real, schema))
    synthetic_side = ComparedTable("synthetic", stats_of(synthetic, schema))
    holdout_side = ComparedTable("holdout", stats_of(holdout, schema)) if holdout is not None else None
    return build_report(real_side, synthetic_side, selection, holdout_side, CompareOptions(**options))


@pytest.fixture(scope="module")
def usage() -> pd.DataFrame:
    """A 400-row table: two linked numeric columns, a count, a plan level and a flag."""
    rng = np.random.default_rng(5)
    rows = 400
    minutes = rng.gamma(3, 40, rows).round(1)
    return pd.DataFrame(
        {
            "minutes": minutes,
            "charge": (minutes * 0.17).round(2),
            "calls": rng.poisson(20, rows),
            "plan": rng.choice(["Basic", "Plus", "Max"], rows, p=[0.6, 0.3, 0.1]),
            "churn": rng.random(rows) < 0.2,
        }
    )


def by_name(columns: list, name: str):
    return next(column for column in columns if column.name == name)


# Known answers


def test_ks_statistic_known_values():
    assert ks_statistic(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])) == 0.0
    assert ks_statistic(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 1.0
    assert ks_statistic(np.array([1.0, 2.0, 3.0, 4.0]), np.array([3.0, 4.0, 5.0, 6.0])) == 0.5


def test_identical_tables_give_zero(usage):
    report = compare_frames(usage, usage.copy())
    summary = report.summary()

    assert summary["ks_max"] == 0.0
    assert summary["tv_max"] == 0.0
    assert summary["std_ratio_min"] == pytest.approx(1.0)
    assert summary["std_ratio_max"] == pytest.approx(1.0)
    assert summary["mean_shift_max"] == pytest.approx(0.0, abs=1e-12)
    assert summary["quantile_shift_max"] == pytest.approx(0.0, abs=1e-12)
    assert summary["corr_diff_max"] == pytest.approx(0.0, abs=1e-12)
    assert summary["unseen_levels"] == 0
    assert summary["outside_range_share_max"] == 0.0
    assert summary["missing_share_diff_max"] == 0.0


def test_shifted_copy_gives_shift_in_std_units(usage):
    shifted = usage.copy()
    std = usage["minutes"].std()
    shifted["minutes"] = usage["minutes"] + 0.5 * std
    report = compare_frames(usage, shifted)
    minutes = by_name(report.numeric, "minutes")

    assert minutes.mean_shift == pytest.approx(0.5)
    for level, shift in minutes.quantile_shifts.items():
        assert shift == pytest.approx(0.5), level
    assert minutes.std_ratio == pytest.approx(1.0)
    assert minutes.ks > 0.1
    assert minutes.outside_range_share > 0.0
    assert by_name(report.numeric, "charge").ks == 0.0


def test_scaled_copy_gives_std_ratio(usage):
    scaled = usage.copy()
    mean = usage["minutes"].mean()
    scaled["minutes"] = mean + 0.8 * (usage["minutes"] - mean)
    minutes = by_name(compare_frames(usage, scaled).numeric, "minutes")

    assert minutes.std_ratio == pytest.approx(0.8)
    assert minutes.mean_shift == pytest.approx(0.0, abs=1e-12)


def test_unseen_level_counted(usage):
    synthetic = usage.copy()
    synthetic.loc[:9, "plan"] = "Gold"
    plan = by_name(compare_frames(usage, synthetic).discrete, "plan")

    assert plan.unseen_levels == 1
    assert plan.unseen_examples == ["Gold"]
    assert plan.unseen_share == pytest.approx(10 / len(usage))
    assert plan.total_variation == pytest.approx(10 / len(usage))


def test_total_variation_of_swapped_flags(usage):
    synthetic = usage.copy()
    synthetic["churn"] = ~usage["churn"]
    share = usage["churn"].mean()
    churn = by_name(compare_frames(usage, synthetic).discrete, "churn")

    assert churn.total_variation == pytest.approx(abs(1 - 2 * share))


def test_missing_share_difference(usage):
    synthetic = usage.copy()
    synthetic.loc[:39, "minutes"] = np.nan
    synthetic.loc[:19, "plan"] = None
    report = compare_frames(usage, synthetic)

    assert by_name(report.numeric, "minutes").missing_share_diff == pytest.approx(0.1)
    assert by_name(report.discrete, "plan").missing_share_diff == pytest.approx(0.05)


def test_exact_copies_counted(usage):
    report = compare_frames(usage, usage.copy())

    assert report.privacy.exact_copies == len(usage)
    assert report.privacy.exact_copy_share == 1.0
    assert report.privacy.synthetic_median == 0.0


def test_correlation_difference_names_pair(usage):
    synthetic = usage.copy()
    synthetic["charge"] = np.random.default_rng(1).permutation(usage["charge"].to_numpy())
    correlations = compare_frames(usage, synthetic).correlations

    assert correlations.max_abs_diff > 0.9
    assert "charge" in correlations.worst_pair


def test_summary_names_match(usage):
    assert set(compare_frames(usage, usage.copy()).summary()) == set(SUMMARY_NAMES)


# expand --report-json


def test_expand_report_json_has_comparison(tmp_path, usage):
    sample = tmp_path / "usage.csv"
    usage.to_csv(sample, index=False)
    report_path = tmp_path / "report.json"
    result = run_cli(
        "expand", sample, tmp_path / "out.parquet", "-n", "20000", "--seed", "3", "-q", "--report-json", report_path
    )
    assert result.exit_code == 0, result.output

    comparison = json.loads(report_path.read_text())["comparison"]
    assert comparison["synthetic"]["rows"] == 20_000
    assert comparison["real"]["rows"] == len(usage)
    assert set(comparison["summary"]) == set(SUMMARY_NAMES)
    assert comparison["summary"]["ks_max"] < 0.1
    assert comparison["summary"]["unseen_levels"] == 0
    assert comparison["privacy"]["exact_copies_estimated"] is True
    assert comparison["detection"]["reference"] == "real rows"


def write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path
