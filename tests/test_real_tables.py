"""Acceptance runs on the public telecom tables; skipped where those tables are absent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import assert_invariants, run_cli, shared_table

ROWS = 1_000_000


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    source = shared_table("telecom-churn-sample.csv")
    output = tmp_path_factory.mktemp("churn") / "churn.parquet"
    result = run_cli("expand", source, output, "-n", ROWS, "--seed", 1, "--quiet")
    assert result.exit_code == 0, result.output
    return pd.read_csv(source), pq.read_table(output).to_pandas(), result.output


@pytest.fixture(scope="module")
def telco(tmp_path_factory):
    source = shared_table("telco-customers.csv")
    output = tmp_path_factory.mktemp("telco") / "telco.parquet"
    result = run_cli("expand", source, output, "-n", ROWS, "--seed", 2, "--quiet")
    assert result.exit_code == 0, result.output
    return pd.read_csv(source), pq.read_table(output).to_pandas(), result.output


def test_churn_columns_and_types(churn):
    sample, synthetic, _ = churn
    assert list(synthetic.columns) == list(sample.columns)
    assert len(synthetic) == ROWS
    for name in sample.columns:
        if sample[name].dtype == np.int64:
            assert synthetic[name].dtype == np.int64, name
    assert synthetic["Churn"].dtype == bool
    assert set(synthetic["State"]) == set(sample["State"])
    assert set(synthetic["Area code"]) == {408, 415, 510}
    assert_invariants(sample, synthetic, ROWS)


def test_churn_precision_and_linear_relation(churn):
    sample, synthetic, _ = churn
    for name in sample.columns:
        if name.endswith("charge"):
            assert np.allclose(synthetic[name], synthetic[name].round(2), rtol=0, atol=1e-9), name
        if name.endswith("minutes"):
            assert np.allclose(synthetic[name], synthetic[name].round(1), rtol=0, atol=1e-9), name
    sample_gap = (sample["Total day charge"] - 0.17 * sample["Total day minutes"]).abs().max()
    synthetic_gap = (synthetic["Total day charge"] - 0.17 * synthetic["Total day minutes"]).abs().max()
    assert sample_gap <= 0.005 + 1e-9
    assert synthetic_gap <= 0.02 + 1e-9


def test_churn_report_printed(churn):
    _, _, output = churn
    assert "1,000,000 synthetic rows from 2,661 sample rows" in output
    assert "Area code               code        code, 3 distinct values" in output
    assert "Churn (2 levels -> 2): False 85.5% ->" in output


def test_telco_keys_and_blank_charges(telco):
    sample, synthetic, output = telco
    keys = synthetic["customerID"]
    assert keys.is_unique
    assert not set(keys) & set(sample["customerID"])
    assert keys.str.fullmatch(r"\d{4}-[A-Z]{5}").all()

    assert synthetic["TotalCharges"].dtype == np.float64
    assert synthetic["TotalCharges"].isna().mean() == pytest.approx(11 / 7043, abs=0.001)
    assert "column 'TotalCharges': 11 blank cell(s)" in output

    assert set(synthetic["SeniorCitizen"]) == {0, 1}
    for name in sample.columns:
        if sample[name].dtype != np.int64 and name not in ("customerID", "TotalCharges", "MonthlyCharges"):
            assert set(synthetic[name]) <= set(sample[name]), name


def test_churn_by_class_keeps_share_to_one_row(tmp_path):
    source = shared_table("telecom-churn-sample.csv")
    sample = pd.read_csv(source)
    output = tmp_path / "by.parquet"
    result = run_cli("expand", source, output, "-n", ROWS, "--by", "Churn", "--seed", 3, "--quiet")
    assert result.exit_code == 0, result.output
    churned = pq.read_table(output, columns=["Churn"]).column("Churn").to_numpy().sum()
    assert abs(churned - ROWS * sample["Churn"].mean()) <= 1

    balanced = tmp_path / "balanced.parquet"
    result = run_cli("expand", source, balanced, "-n", ROWS, "--by", "Churn", "--balance", "--seed", 3, "--quiet")
    assert result.exit_code == 0, result.output
    assert pq.read_table(balanced, columns=["Churn"]).column("Churn").to_numpy().sum() == ROWS // 2
