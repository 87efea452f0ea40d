"""``smotegen compare --by``: metrics within each group of equal values, on tiny tables with known results."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from smotegen.compare.grouping import GroupColumns, group_rows, group_sample_rows
from smotegen.groups import _split
from tests.conftest import run_cli
from tests.test_compare import write


def plans(rows_per_group: int = 40, seed: int = 4) -> pd.DataFrame:
    """Three groups of a plan column, each with its own numeric distributions, a flag and a region."""
    rng = np.random.default_rng(seed)
    frames = []
    for offset, plan in enumerate(["Basic", "Max", "Plus"]):
        minutes = rng.normal(100 + 40 * offset, 20, rows_per_group).round(1)
        frames.append(
            pd.DataFrame(
                {
                    "plan": plan,
                    "minutes": minutes,
                    "charge": (minutes * 0.2 + rng.normal(0, 2, rows_per_group)).round(2),
                    "calls": rng.poisson(5 + offset, rows_per_group),
                    "region": rng.choice(["north", "south"], rows_per_group),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def compare_json(real: Path, synthetic: Path, *options: str) -> dict:
    result = run_cli("compare", real, synthetic, "--json", "-", "-q", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def groups_by_label(report: dict) -> dict[str, dict]:
    return {group["label"]: group for group in report["groups"]}


def column(report: dict, family: str, name: str) -> dict:
    return next(item for item in report[family] if item["name"] == name)


# Group names


def test_group_names_match_expand():
    frame = pd.DataFrame(
        {
            "code": pd.array([415, 408, None, 415], dtype="Int64"),
            "flag": pd.array([True, False, True, None], dtype="boolean"),
            "plan": ["a", None, "b", "a"],
        }
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for by in [("code",), ("flag",), ("plan",), ("code", "flag", "plan")]:
        columns = GroupColumns(by, tuple(table.schema.field(name).type for name in by))
        names = sorted(group_rows(table, columns, "real"))

        assert names == _split(frame, by)[0], by


def test_float_synthetic_values_named_as_integers(tmp_path):
    real = pd.DataFrame({"area": [415, 408] * 15, "minutes": np.arange(30.0)})
    synthetic = real.assign(area=real["area"].astype(float))
    real_path = write(real, tmp_path / "real.csv")
    synthetic_path = write(synthetic, tmp_path / "synthetic.parquet")
    report = compare_json(real_path, synthetic_path, "--by", "area")

    assert [group["label"] for group in report["groups"]] == ["408", "415"]
    assert all(group["synthetic_rows"] == 15 for group in report["groups"])


# Known answers


def test_identical_tables_give_zero_in_every_group(tmp_path):
    real = write(plans(), tmp_path / "real.csv")
    synthetic = write(plans(), tmp_path / "synthetic.parquet")
    report = compare_json(real, synthetic, "--by", "plan")
    groups = groups_by_label(report)

    assert report["by"] == ["plan"]
    assert list(groups) == ["Basic", "Max", "Plus"]
    for label, group in groups.items():
        assert group["summary"]["ks_max"] == 0.0, label
        assert group["summary"]["tv_max"] == 0.0, label
        assert group["summary"]["share_diff"] == 0.0, label
        assert group["real_share"] == pytest.approx(1 / 3), label
        assert group["synthetic_rows"] == 40, label
        assert group["report"]["skipped"]["plan"].startswith("--by column")


def test_two_by_columns_join_names(tmp_path):
    real = write(plans(), tmp_path / "real.csv")
    synthetic = write(plans(), tmp_path / "synthetic.parquet")
    groups = groups_by_label(compare_json(real, synthetic, "--by", "plan", "--by", "region"))

    assert sorted(groups) == [f"{plan}/{region}" for plan in ("Basic", "Max", "Plus") for region in ("north", "south")]
    assert sum(group["real_rows"] for group in groups.values()) == 120
    for label, group in groups.items():
        assert group["summary"]["ks_max"] == 0.0, label


def test_shift_shows_only_in_its_group(tmp_path):
    frame = plans()
    shifted = frame.copy()
    in_max = shifted["plan"] == "Max"
    std = frame.loc[in_max, "minutes"].std()
    shifted.loc[in_max, "minutes"] += 0.5 * std
    real = write(frame, tmp_path / "real.csv")
    synthetic = write(shifted, tmp_path / "synthetic.parquet")
    groups = groups_by_label(compare_json(real, synthetic, "--by", "plan"))

    minutes = column(groups["Max"]["report"], "numeric", "minutes")
    assert minutes["mean_shift"] == pytest.approx(0.5)
    assert minutes["ks"] > 0.1
    assert column(groups["Max"]["report"], "numeric", "charge")["ks"] == 0.0
    for label in ("Basic", "Plus"):
        assert column(groups[label]["report"], "numeric", "minutes")["ks"] == 0.0, label
        assert column(groups[label]["report"], "numeric", "minutes")["mean_shift"] == pytest.approx(0.0), label


def test_group_missing_from_synthetic_reported(tmp_path):
    frame = plans()
    real = write(frame, tmp_path / "real.csv")
    synthetic = write(frame[frame["plan"] != "Plus"], tmp_path / "synthetic.parquet")
    json_path = tmp_path / "report.json"
    result = run_cli("compare", real, synthetic, "--by", "plan", "--json", json_path, "-q")
    assert result.exit_code == 0, result.output

    assert "Groups of plan (shares of all rows of each table)" in result.output
    assert "Not computed: metrics: the group is missing from the synthetic table" in result.output
    assert "Summary by group (metric names for --fail-if group:METRIC)" in result.output
    groups = groups_by_label(json.loads(json_path.read_text()))
    assert groups["Plus"]["synthetic_rows"] == 0
    assert groups["Plus"]["report"] is None
    assert groups["Plus"]["summary"]["share_diff"] == pytest.approx(1 / 3)
    assert groups["Basic"]["synthetic_share"] == pytest.approx(0.5)


def test_group_only_in_synthetic_reported(tmp_path):
    frame = plans()
    extra = frame[frame["plan"] == "Basic"].assign(plan="Gold")
    real = write(frame, tmp_path / "real.csv")
    synthetic = write(pd.concat([frame, extra], ignore_index=True), tmp_path / "synthetic.csv")
    groups = groups_by_label(compare_json(real, synthetic, "--by", "plan"))

    assert list(groups) == ["Basic", "Max", "Plus", "Gold"]
    assert groups["Gold"]["real_rows"] == 0
    assert groups["Gold"]["synthetic_rows"] == 40
    assert groups["Gold"]["not_computed"] == {"metrics": "the group is not in the real table"}
    assert groups["Gold"]["synthetic_share"] == pytest.approx(0.25)


def test_small_group_says_what_it_lacks(tmp_path):
    frame = pd.concat([plans(40)[["plan", "minutes"]], pd.DataFrame({"plan": ["Tiny"] * 3, "minutes": [1.0, 2, 3]})])
    real = write(frame, tmp_path / "real.csv")
    synthetic = write(frame, tmp_path / "synthetic.parquet")
    tiny = groups_by_label(compare_json(real, synthetic, "--by", "plan"))["Tiny"]

    assert tiny["report"]["detection"] is None
    assert tiny["not_computed"]["detection"].startswith("needs at least 10 rows on each side")
    assert tiny["not_computed"]["correlations"].startswith("needs 2 or more numeric or boolean columns")
    assert tiny["summary"]["ks_max"] == 0.0


def test_utility_per_group_needs_two_classes(tmp_path):
    frame = plans(60)
    above_median = frame["minutes"] > frame.groupby("plan")["minutes"].transform("median")
    frame["churn"] = np.where(frame["plan"] == "Plus", False, above_median)
    real = write(frame.iloc[::2], tmp_path / "real.csv")
    holdout = write(frame.iloc[1::2], tmp_path / "holdout.csv")
    synthetic = write(frame.iloc[::2], tmp_path / "synthetic.parquet")
    groups = groups_by_label(
        compare_json(real, synthetic, "--by", "plan", "--holdout", holdout, "--target", "churn")
    )

    assert "churn" in groups["Plus"]["not_computed"]["utility"]
    assert groups["Basic"]["report"]["utility"]["test_rows"] == 30
    assert groups["Basic"]["holdout_rows"] == 30


def test_csv_in_small_blocks_matches_parquet(tmp_path, monkeypatch):
    from smotegen.compare import files

    frame = plans()
    real = write(frame, tmp_path / "real.csv")
    synthetic = pd.concat([frame] * 5, ignore_index=True)
    parquet = compare_json(real, write(synthetic, tmp_path / "synthetic.parquet"), "--by", "plan")
    monkeypatch.setattr(files, "CSV_BLOCK_BYTES", 4096)
    csv = compare_json(real, write(synthetic, tmp_path / "synthetic.csv"), "--by", "plan", "--sample-rows", "100")

    for label, group in groups_by_label(csv).items():
        expected = groups_by_label(parquet)[label]
        assert group["synthetic_rows"] == expected["synthetic_rows"] == 200, label
        assert group["report"]["synthetic"]["sampled_rows"] == 100, label
        assert group["summary"]["tv_max"] == pytest.approx(expected["summary"]["tv_max"]), label
        assert group["summary"]["std_ratio_min"] == pytest.approx(expected["summary"]["std_ratio_min"]), label


def test_group_sample_rows_bounded():
    assert group_sample_rows(100_000, 2) == 50_000
    assert group_sample_rows(100_000, 50) == 2_000
    assert group_sample_rows(100_000, 200) == 2_000
    assert group_sample_rows(100, 3) == 100


def test_report_without_by_has_no_groups(tmp_path):
    real = write(plans(), tmp_path / "real.csv")
    report = compare_json(real, write(plans(), tmp_path / "synthetic.parquet"))

    assert "by" not in report
    assert "groups" not in report


# Errors and --fail-if


@pytest.fixture()
def plan_files(tmp_path) -> tuple[Path, Path]:
    frame = plans()
    return write(frame, tmp_path / "real.csv"), write(frame, tmp_path / "synthetic.parquet")


def test_unknown_by_column_exits_2(plan_files):
    result = run_cli("compare", *plan_files, "--by", "tier", "-q")

    assert result.exit_code == 2
    assert "--by 'tier': no such column; the real table's columns are 'plan', 'minutes'" in result.output


def test_too_many_groups_exits_2(tmp_path):
    frame = plans().assign(minutes=np.arange(120) * 1.5)
    real = write(frame, tmp_path / "real.csv")
    result = run_cli("compare", real, write(frame, tmp_path / "synthetic.parquet"), "--by", "minutes", "-q")

    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith(
        "smotegen: error: --by 'minutes': 120 groups in the real table, more than the 50 a comparison allows"
    )


def test_by_column_missing_from_synthetic_exits_1(plan_files, tmp_path):
    synthetic = write(plans().drop(columns=["plan"]), tmp_path / "no-plan.csv")
    result = run_cli("compare", plan_files[0], synthetic, "--by", "plan", "-q")

    assert result.exit_code == 1
    assert "--by 'plan': the synthetic table has no column 'plan'" in result.output


def test_by_column_given_twice_exits_2(plan_files):
    result = run_cli("compare", *plan_files, "--by", "plan", "--by", "plan", "-q")

    assert result.exit_code == 2
    assert "--by 'plan' is given more than once" in result.output


def test_fail_if_group_names_failing_group(plan_files, tmp_path):
    shifted = plans()
    shifted.loc[shifted["plan"] == "Plus", "calls"] += 1_000
    synthetic = write(shifted, tmp_path / "shifted.parquet")
    result = run_cli("compare", plan_files[0], synthetic, "--by", "plan", "-q", "--fail-if", "group:ks_max>0.1")

    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "smotegen: error: --fail-if: group:ks_max>0.1 (ks_max is 1 in group 'Plus')"
    )


def test_fail_if_group_met_exits_0(plan_files):
    result = run_cli("compare", *plan_files, "--by", "plan", "-q", "--fail-if", "group:ks_max>0",
                     "--fail-if", "group:share_diff>0.01")

    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("group:ks_max>0.03", "--fail-if group:ks_max>0.03 needs --by COLUMN"),
        ("share_diff>0.01", "share_diff is measured per group; write group:share_diff>0.01"),
    ],
)
def test_fail_if_group_usage_errors_exit_2(plan_files, condition, message):
    result = run_cli("compare", *plan_files, "-q", "--fail-if", condition)

    assert result.exit_code == 2
    assert message in result.output
