"""The compare metrics on tiny tables with known results, and the compare command on real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from smotegen.columns import infer_specs
from smotegen.compare.build import ComparedTable, CompareOptions, build_report, marginal_report
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


def sides(real: pd.DataFrame, *others: pd.DataFrame | None) -> tuple:
    """Return the column selection and one ComparedTable per frame, typed the way the command types them."""
    selection = select_columns(infer_specs(real), pa.Schema.from_pandas(real, preserve_index=False))
    schema = comparison_schema(pa.Schema.from_pandas(real, preserve_index=False), selection.names)
    tables = [ComparedTable(f"table {i}", stats_of(f, schema)) if f is not None else None for i, f in
              enumerate([real, *others])]
    return selection, tables


def compare_frames(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None = None, **options):
    """Compare two in-memory tables the way the command does, and return the whole report."""
    selection, (real_side, synthetic_side, holdout_side) = sides(real, synthetic, holdout)
    return build_report(real_side, synthetic_side, selection, holdout_side, CompareOptions(**options))


def compare_marginals(real: pd.DataFrame, synthetic: pd.DataFrame):
    """Return a report with only the column and correlation metrics, which need no classifier."""
    selection, (real_side, synthetic_side) = sides(real, synthetic)
    report = marginal_report(real_side, synthetic_side, selection)
    report.skipped = selection.skipped
    return report


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
    report = compare_marginals(usage, usage.copy())
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
    report = compare_marginals(usage, shifted)
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
    minutes = by_name(compare_marginals(usage, scaled).numeric, "minutes")

    assert minutes.std_ratio == pytest.approx(0.8)
    assert minutes.mean_shift == pytest.approx(0.0, abs=1e-12)


def test_unseen_level_counted(usage):
    synthetic = usage.copy()
    synthetic.loc[:9, "plan"] = "Gold"
    plan = by_name(compare_marginals(usage, synthetic).discrete, "plan")

    assert plan.unseen_levels == 1
    assert plan.unseen_examples == ["Gold"]
    assert plan.unseen_share == pytest.approx(10 / len(usage))
    assert plan.total_variation == pytest.approx(10 / len(usage))


def test_total_variation_of_swapped_flags(usage):
    synthetic = usage.copy()
    synthetic["churn"] = ~usage["churn"]
    share = usage["churn"].mean()
    churn = by_name(compare_marginals(usage, synthetic).discrete, "churn")

    assert churn.total_variation == pytest.approx(abs(1 - 2 * share))


def test_missing_share_difference(usage):
    synthetic = usage.copy()
    synthetic.loc[:39, "minutes"] = np.nan
    synthetic.loc[:19, "plan"] = None
    report = compare_marginals(usage, synthetic)

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
    correlations = compare_marginals(usage, synthetic).correlations

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


# Detection, utility and privacy


def normal_table(rows: int, shift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, rows)
    return pd.DataFrame({"x": x, "y": x + rng.normal(0, 0.5, rows), "label": np.where(x > shift, "high", "low")})


def test_detection_separates_shifted_rows():
    real = normal_table(600, 0.0, 1)
    synthetic = normal_table(600, 3.0, 2)

    assert compare_frames(real, synthetic).detection.auc > 0.95


def test_detection_near_half_on_same_distribution():
    real = normal_table(800, 0.0, 1)
    synthetic = normal_table(800, 0.0, 2)
    holdout = normal_table(800, 0.0, 3)
    detection = compare_frames(real, synthetic, holdout).detection

    assert detection.reference == "held-out rows"
    assert abs(detection.auc - 0.5) < 0.07


def test_utility_matches_when_synthetic_is_real():
    real = normal_table(600, 0.0, 1)
    synthetic = normal_table(600, 0.0, 2)
    holdout = normal_table(300, 0.0, 3)
    utility = compare_frames(real, synthetic, holdout, target="label").utility

    assert utility.classes == 2
    assert utility.auc_real > 0.95
    assert utility.auc_synthetic > 0.95
    assert utility.ratio == pytest.approx(1.0, abs=0.03)
    assert utility.test_rows == 300


def test_utility_drops_with_shuffled_target():
    real = normal_table(600, 0.0, 1)
    synthetic = normal_table(600, 0.0, 2)
    synthetic["label"] = np.random.default_rng(4).permutation(synthetic["label"].to_numpy())
    holdout = normal_table(300, 0.0, 3)
    utility = compare_frames(real, synthetic, holdout, target="label").utility

    assert utility.auc_synthetic < 0.65
    assert utility.ratio < 0.7


def test_utility_with_column_missing_in_synthetic():
    real = normal_table(600, 0.0, 1)
    real["sparse"] = np.where(np.arange(600) % 30 == 0, 1.5, np.nan)
    synthetic = normal_table(600, 0.0, 2)
    synthetic["sparse"] = np.nan
    holdout = normal_table(300, 0.0, 3)
    holdout["sparse"] = np.nan
    utility = compare_frames(real, synthetic, holdout, target="label").utility

    assert utility.auc_synthetic > 0.95
    assert utility.auc_real > 0.95


def test_privacy_baseline_uses_holdout():
    real = normal_table(500, 0.0, 1)
    holdout = normal_table(200, 0.0, 3)
    synthetic = pd.concat([real.iloc[:50], normal_table(450, 0.0, 2)], ignore_index=True)
    privacy = compare_frames(real, synthetic, holdout).privacy

    assert privacy.baseline == "held-out rows"
    # Without a streamed count the copies are estimated from the row sample, which here holds every row.
    assert privacy.exact_copies == 50
    assert privacy.exact_copies_estimated is True
    assert privacy.baseline_median > 0.0


def test_key_column_not_compared(usage):
    real = usage.assign(customer=[f"C-{n:05d}" for n in range(len(usage))])
    synthetic = usage.assign(customer=[f"C-{n:05d}" for n in range(10_000, 10_000 + len(usage))])
    report = compare_marginals(real, synthetic)

    assert "customer" in report.skipped
    assert report.summary()["unseen_levels"] == 0


# The compare command


@pytest.fixture()
def churn_files(tmp_path, usage) -> dict[str, Path]:
    """A real table, a held-out table and a synthetic table made by expand, as CSV and Parquet files."""
    real = usage.iloc[:300]
    holdout = usage.iloc[300:]
    paths = {"real": write(real, tmp_path / "real.csv"), "holdout": write(holdout, tmp_path / "holdout.csv")}
    result = run_cli("expand", paths["real"], tmp_path / "synthetic.parquet", "-n", "5000", "--seed", "2", "-q")
    assert result.exit_code == 0, result.output
    paths["synthetic"] = tmp_path / "synthetic.parquet"
    return paths


def test_compare_prints_report_and_json(churn_files, tmp_path):
    json_path = tmp_path / "comparison.json"
    result = run_cli(
        "compare", churn_files["real"], churn_files["synthetic"], "--holdout", churn_files["holdout"],
        "--target", "churn", "--json", json_path, "-q",
    )
    assert result.exit_code == 0, result.output

    assert "Numeric columns" in result.output
    assert "Text and boolean columns" in result.output
    assert "Detection: AUC" in result.output
    assert "Utility for 'churn'" in result.output
    assert "(5,000 rows)" in result.output
    report = json.loads(json_path.read_text())
    assert set(report["summary"]) == set(SUMMARY_NAMES)
    assert report["synthetic"] == {"label": str(churn_files["synthetic"]), "rows": 5000, "sampled_rows": 5000}
    assert report["utility"]["target"] == "churn"
    assert report["privacy"]["exact_copies_estimated"] is False
    assert report["holdout_summary"]["ks_max"] > 0


def test_compare_json_to_stdout(churn_files):
    result = run_cli("compare", churn_files["real"], churn_files["synthetic"], "--json", "-", "-q")
    assert result.exit_code == 0, result.output

    assert json.loads(result.output)["real"]["rows"] == 300


def test_compare_csv_synthetic_in_small_blocks(churn_files, tmp_path, monkeypatch):
    from smotegen.compare import files

    synthetic_csv = tmp_path / "synthetic.csv"
    pd.read_parquet(churn_files["synthetic"]).to_csv(synthetic_csv, index=False)
    monkeypatch.setattr(files, "CSV_BLOCK_BYTES", 4096)
    from_csv = run_cli("compare", churn_files["real"], synthetic_csv, "--json", "-", "-q", "--sample-rows", "1000")
    from_parquet = run_cli("compare", churn_files["real"], churn_files["synthetic"], "--json", "-", "-q")
    assert from_csv.exit_code == 0, from_csv.output
    assert from_parquet.exit_code == 0, from_parquet.output

    csv_report = json.loads(from_csv.output)
    parquet_report = json.loads(from_parquet.output)
    assert csv_report["synthetic"]["rows"] == 5000
    assert csv_report["synthetic"]["sampled_rows"] == 1000
    for name in ("std_ratio_min", "std_ratio_max", "mean_shift_max", "tv_max", "exact_copies"):
        assert csv_report["summary"][name] == pytest.approx(parquet_report["summary"][name]), name


def test_fail_if_violated_exits_1(churn_files):
    result = run_cli("compare", churn_files["real"], churn_files["synthetic"], "-q", "--fail-if", "ks_max>0",
                     "--fail-if", "unseen_levels>0")

    assert result.exit_code == 1
    assert "ks_max>0 (ks_max is" in result.output
    assert "unseen_levels" not in result.output.splitlines()[-1]


def test_fail_if_met_exits_0(churn_files):
    result = run_cli("compare", churn_files["real"], churn_files["synthetic"], "-q", "--fail-if", "ks_max>0.5",
                     "--fail-if", "std_ratio_min<0.5")

    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("ks_max=0.03", "write a metric, an operator and a number"),
        ("ks_biggest>0.03", "unknown metric 'ks_biggest'"),
        ("utility_ratio<0.98", "it needs --holdout and --target"),
    ],
)
def test_fail_if_usage_errors_exit_2(churn_files, condition, message):
    result = run_cli("compare", churn_files["real"], churn_files["synthetic"], "-q", "--fail-if", condition)

    assert result.exit_code == 2
    assert message in result.output


def test_target_needs_holdout(churn_files):
    result = run_cli("compare", churn_files["real"], churn_files["synthetic"], "--target", "churn")

    assert result.exit_code == 2
    assert "--target 'churn' needs --holdout" in result.output


def test_target_unknown_column(churn_files):
    result = run_cli("compare", churn_files["real"], churn_files["synthetic"], "--holdout", churn_files["holdout"],
                     "--target", "churned", "-q")

    assert result.exit_code == 2
    assert "--target 'churned': no such column" in result.output


def test_target_numeric_column_rejected(churn_files):
    result = run_cli("compare", churn_files["real"], churn_files["synthetic"], "--holdout", churn_files["holdout"],
                     "--target", "minutes", "-q")

    assert result.exit_code == 2
    assert "utility needs a class column" in result.output


def test_synthetic_missing_column_reported(churn_files, tmp_path):
    partial = write(pd.read_parquet(churn_files["synthetic"]).drop(columns=["plan"]), tmp_path / "partial.csv")
    result = run_cli("compare", churn_files["real"], partial, "--json", "-", "-q")
    assert result.exit_code == 0, result.output

    report = json.loads(result.output)
    assert report["skipped"] == {"plan": "missing from the synthetic table"}
    assert report["summary"]["missing_columns"] == 1


def test_synthetic_text_in_numeric_column(churn_files, tmp_path):
    broken = pd.read_parquet(churn_files["synthetic"])
    broken["minutes"] = broken["minutes"].astype(str)
    broken.loc[3, "minutes"] = "n/a minutes"
    path = write(broken, tmp_path / "broken.parquet")
    result = run_cli("compare", churn_files["real"], path, "-q")

    assert result.exit_code == 1
    assert "column 'minutes' of the synthetic file" in result.output


def test_synthetic_not_found(churn_files, tmp_path):
    result = run_cli("compare", churn_files["real"], tmp_path / "none.parquet", "-q")

    assert result.exit_code == 1
    assert "synthetic file" in result.output
    assert "not found" in result.output


def test_datetime_and_key_columns(tmp_path):
    rng = np.random.default_rng(8)
    rows = 200
    frame = pd.DataFrame(
        {
            "account": [f"AC{n:06d}" for n in rng.choice(900_000, rows, replace=False)],
            "opened": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, rows), unit="D"),
            "spend": rng.gamma(2, 30, rows).round(2),
        }
    )
    real = write(frame, tmp_path / "real.csv")
    synthetic = tmp_path / "synthetic.csv"
    assert run_cli("expand", real, synthetic, "-n", "3000", "--seed", "1", "-q").exit_code == 0
    result = run_cli("compare", real, synthetic, "--json", "-", "-q")
    assert result.exit_code == 0, result.output

    report = json.loads(result.output)
    assert [c["name"] for c in report["numeric"]] == ["opened", "spend"]
    assert report["skipped"]["account"].startswith("key column")
    assert report["summary"]["ks_max"] < 0.1


def test_plots_written(churn_files, tmp_path):
    pytest.importorskip("matplotlib")
    folder = tmp_path / "plots"
    result = run_cli("compare", churn_files["real"], churn_files["synthetic"], "--plots", folder, "-q")
    assert result.exit_code == 0, result.output

    names = sorted(path.name for path in folder.iterdir())
    assert "correlations.png" in names
    assert "histogram-01-minutes.png" in names
    assert "histogram-04-plan.png" in names
    assert "scatter-minutes-charge.png" in names
    assert all((folder / name).stat().st_size > 1000 for name in names)


def test_plots_without_matplotlib(churn_files, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "matplotlib.py").write_text("raise ImportError('No module named matplotlib')\n")
    environment = {**os.environ, "PYTHONPATH": str(blocker)}
    command = [sys.executable, "-m", "smotegen", "compare", churn_files["real"], churn_files["synthetic"],
               "--plots", tmp_path / "plots"]
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "smotegen: error: --plots needs matplotlib; install it with: pip install smotegen[plots]"
    )
    assert not (tmp_path / "plots").exists()


def test_synthetic_without_rows(churn_files, tmp_path):
    empty = write(pd.read_csv(churn_files["real"]).iloc[:0], tmp_path / "empty.csv")
    result = run_cli("compare", churn_files["real"], empty, "-q")

    assert result.exit_code == 1
    assert "has no rows" in result.output


def test_all_missing_and_constant_columns(tmp_path):
    rng = np.random.default_rng(3)
    rows = 120
    frame = pd.DataFrame(
        {
            "amount": rng.normal(50, 10, rows).round(2),
            "unused": [np.nan] * rows,
            "currency": ["EUR"] * rows,
            "flag": rng.random(rows) < 0.4,
        }
    )
    real = write(frame.iloc[:80], tmp_path / "real.csv")
    holdout = write(frame.iloc[80:], tmp_path / "holdout.csv")
    synthetic = write(frame.sample(400, replace=True, random_state=1), tmp_path / "synthetic.csv.gz")
    result = run_cli("compare", real, synthetic, "--holdout", holdout, "--target", "flag", "--json", "-", "-q")
    assert result.exit_code == 0, result.output

    report = json.loads(result.output)
    assert by_name_dict(report["numeric"], "unused")["ks"] is None
    assert by_name_dict(report["discrete"], "currency")["total_variation"] == 0.0
    assert report["detection"]["real_rows"] == 40
    assert report["utility"]["test_rows"] == 40


def by_name_dict(columns: list[dict], name: str) -> dict:
    return next(column for column in columns if column["name"] == name)


def test_key_option_leaves_column_out(churn_files):
    result = run_cli("compare", churn_files["real"], churn_files["synthetic"], "--key", "plan", "--json", "-", "-q")
    assert result.exit_code == 0, result.output

    report = json.loads(result.output)
    assert report["skipped"]["plan"].startswith("key column")
    assert "plan" not in [column["name"] for column in report["discrete"]]


def test_mismatched_csv_column_is_named(tmp_path):
    real = tmp_path / "real.csv"
    synthetic = tmp_path / "synthetic.csv"
    pd.DataFrame({"x": [1.5, 2.5, 3.5, 4.5], "flag": [True, False, True, False]}).to_csv(real, index=False)
    pd.DataFrame({"x": [1.5, 2.5, 3.5, 4.5], "flag": ["Yes", "No", "Yes", "No"]}).to_csv(synthetic, index=False)
    result = run_cli("compare", real, synthetic)
    assert result.exit_code == 1
    assert "column 'flag' does not fit the real table's type" in result.output
