"""Every kind of column comes back as the kind of value it went in as."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from smotegen import Kind, ModelSettings, SmotegenError, SmoteModel, TypingOptions, UsageError
from tests.conftest import assert_invariants, expand_frame, run_cli


def kinds_of(frame: pd.DataFrame, **typing: tuple[str, ...]) -> dict[str, Kind]:
    model = SmoteModel(ModelSettings(neighbors=1, typing=TypingOptions(**typing))).fit(frame)
    return {spec.name: spec.kind for spec in model.specs}


def test_one_row_sample_is_rejected(tmp_path):
    run = expand_frame(pd.DataFrame({"a": [1.5], "b": ["x"]}), tmp_path, 10)
    assert run.result.exit_code == 1
    assert "the sample has 1 row" in run.result.output
    assert not run.output.exists()


def test_three_rows_with_five_neighbours_names_largest_k(tmp_path):
    run = expand_frame(pd.DataFrame({"a": [1.0, 2.0, 3.5]}), tmp_path, 10, "-k", "5")
    assert run.result.exit_code == 2
    assert "--neighbors 5 needs at least 6" in run.result.output
    assert "use --neighbors 2 or fewer" in run.result.output


def test_text_only_table_keeps_levels_and_shares(tmp_path):
    sample = pd.DataFrame(
        {"colour": ["red", "blue", "red", "blue", "red", "red"], "size": ["S", "M", "L", "S", "M", "L"]}
    )
    run = expand_frame(sample, tmp_path, 60_000, "-k", "2")
    assert run.result.exit_code == 0, run.result.output
    synthetic = run.frame
    assert_invariants(sample, synthetic, 60_000)
    for name in sample.columns:
        real = sample[name].value_counts(normalize=True)
        fake = synthetic[name].value_counts(normalize=True)
        assert (real - fake).abs().max() < 0.03, name


def test_infinite_value_is_error_naming_column(tmp_path):
    sample = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0, np.nan, 6.0, 7.5, 8.0], "b": [1.0] * 7 + [np.inf]})
    run = expand_frame(sample, tmp_path, 100, "-k", "2")
    assert run.result.exit_code == 1
    assert "column 'b' contains 1 infinite value(s)" in run.result.output


def test_missing_share_kept_without_infinite_column(tmp_path):
    sample = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0, np.nan, 6.0, 7.5, 8.25]})
    run = expand_frame(sample, tmp_path, 100_000, "-k", "2")
    assert run.result.exit_code == 0, run.result.output
    assert run.frame["a"].isna().mean() == pytest.approx(0.25, abs=0.01)


def test_category_float_and_bool_keep_their_types(tmp_path):
    rng = np.random.default_rng(1)
    sample = pd.DataFrame(
        {
            "grade": pd.Categorical(rng.choice(["a", "b", "c"], 24), categories=["a", "b", "c"]),
            "weight": rng.normal(70, 10, 24).round(1),
            "active": rng.random(24) < 0.5,
        }
    )
    run = expand_frame(sample, tmp_path, 5_000)
    assert run.result.exit_code == 0, run.result.output
    synthetic = run.frame
    assert isinstance(synthetic["grade"].dtype, pd.CategoricalDtype)
    assert list(synthetic["grade"].cat.categories) == ["a", "b", "c"]
    assert synthetic["weight"].dtype == np.float64
    assert synthetic["active"].dtype == bool
    assert_invariants(sample, synthetic, 5_000)


def test_nullable_integer_stays_nullable_integer(tmp_path):
    sample = pd.DataFrame(
        {
            "age": pd.array([25, 30, None, 40, 45], dtype="Int64"),
            "city": ["a", "b", "a", "b", "a"],
            "score": [1.5, 2.25, 3.0, 4.75, 5.5],
        }
    )
    run = expand_frame(sample, tmp_path, 50_000, "-k", "2", "--numeric", "age")
    assert run.result.exit_code == 0, run.result.output
    age = run.frame["age"]
    assert age.dtype == "Int64"
    assert age.min() >= 25
    assert age.max() <= 45
    assert age.isna().mean() == pytest.approx(0.2, abs=0.01)


def test_few_distinct_numbers_are_codes(tmp_path):
    sample = pd.DataFrame({"rating": [1, 2, 3, 4, 5, 1, 2, 3, 4, 5], "step": [0, 4, 8, 12, 16, 16, 12, 8, 4, 0]})
    assert kinds_of(sample) == {"rating": Kind.CODE, "step": Kind.CODE}
    run = expand_frame(sample, tmp_path, 10_000, "-k", "3")
    assert run.result.exit_code == 0, run.result.output
    synthetic = run.frame
    assert set(synthetic["rating"]) <= {1, 2, 3, 4, 5}
    assert set(synthetic["step"]) <= {0, 4, 8, 12, 16}
    assert synthetic["step"].dtype == np.int64


def test_integer_column_keeps_range_at_a_million_rows(tmp_path):
    sample = pd.DataFrame({"digit": np.arange(10)})
    run = expand_frame(sample, tmp_path, 1_000_000, "-k", "3")
    assert run.result.exit_code == 0, run.result.output
    digit = run.frame["digit"]
    assert digit.dtype == np.int64
    assert digit.min() == 0
    assert digit.max() == 9


def test_constant_columns_come_back_exactly(tmp_path):
    sample = pd.DataFrame({"one": [1] * 12, "x": np.linspace(0, 1, 12)})
    run = expand_frame(sample, tmp_path, 1_000, "-k", "3")
    assert run.result.exit_code == 0, run.result.output
    assert (run.frame["one"] == 1).all()
    assert run.frame["x"].notna().all()

    all_constant = pd.DataFrame({"one": [1] * 5, "name": ["NL"] * 5, "flag": [True] * 5, "f": [2.5] * 5})
    run = expand_frame(all_constant, tmp_path, 1_000, "-k", "2")
    assert run.result.exit_code == 0, run.result.output
    assert (run.frame["one"] == 1).all()
    assert (run.frame["name"] == "NL").all()
    assert run.frame["flag"].all()
    assert (run.frame["f"] == 2.5).all()


def test_single_level_text_repeats(tmp_path):
    sample = pd.DataFrame({"country": ["NL"] * 8, "v": np.arange(8.0) / 3})
    run = expand_frame(sample, tmp_path, 5_000, "-k", "2")
    assert run.result.exit_code == 0, run.result.output
    assert (run.frame["country"] == "NL").all()


def test_key_column_gets_new_unique_values(tmp_path):
    rng = np.random.default_rng(3)
    rows = 10_000
    sample = pd.DataFrame(
        {
            "customer_id": [f"C{n:07d}" for n in rng.choice(9_000_000, rows, replace=False)],
            "usage": rng.gamma(2, 10, rows).round(2),
            "calls": rng.poisson(20, rows),
            "plan": rng.choice(["A", "B", "C"], rows),
        }
    )
    assert kinds_of(sample)["customer_id"] == Kind.KEY
    run = expand_frame(sample, tmp_path, 200_000)
    assert run.result.exit_code == 0, run.result.output
    keys = run.frame["customer_id"]
    assert keys.is_unique
    assert not set(keys) & set(sample["customer_id"])
    assert keys.str.fullmatch(r"C\d{7}").all()
    assert_invariants(sample, run.frame, 200_000, keys=("customer_id",))


def test_blank_cells_in_number_column_warn(tmp_path):
    values = [f"{v:.2f}" for v in np.linspace(10, 50, 20)]
    for i in (3, 9, 15):
        values[i] = " "
    source = tmp_path / "sample.csv"
    pd.DataFrame({"charge": values, "n": range(20)}).to_csv(source, index=False)
    model = SmoteModel().fit(pd.read_csv(source), whole_floats_to_integers=True)
    assert model.warnings == [
        "column 'charge': 3 blank cell(s) in a column of numbers; read as a numeric column with missing values"
    ]
    table = model.generate(0, 100_000, seed=1)
    assert pa.types.is_floating(table.schema.field("charge").type)
    assert table.column("charge").null_count / 100_000 == pytest.approx(0.15, abs=0.01)


def test_duplicate_parquet_columns_rejected(tmp_path):
    source = tmp_path / "sample.parquet"
    pq.write_table(pa.table([pa.array([1, 2, 3]), pa.array([4, 5, 6])], names=["a", "a"]), source)

    result = run_cli("expand", source, tmp_path / "out.parquet", "-n", "10")
    assert result.exit_code == 1
    assert "duplicate column name(s) 'a'" in result.output


def test_duplicate_rows_do_not_break_search(tmp_path):
    sample = pd.DataFrame({"a": [1.0, 1.0, 1.0, 1.0, 2.0, 3.0], "b": ["x", "x", "x", "x", "y", "z"]})
    run = expand_frame(sample, tmp_path, 1_000, "-k", "3")
    assert run.result.exit_code == 0, run.result.output
    assert_invariants(sample, run.frame, 1_000)


def test_missing_shares_kept_per_column(tmp_path):
    rng = np.random.default_rng(5)
    rows = 100
    sample = pd.DataFrame(
        {
            "a": np.where(np.arange(rows) % 10 == 0, np.nan, rng.normal(size=rows).round(3)),
            "b": np.where(np.arange(rows) % 10 != 0, np.nan, rng.normal(size=rows).round(3)),
            "c": np.full(rows, np.nan),
            "d": np.where(np.arange(rows) % 20 == 0, None, rng.choice(["p", "q", "r"], rows)),
            "e": rng.normal(size=rows).round(3),
        }
    )
    run = expand_frame(sample, tmp_path, 1_000_000)
    assert run.result.exit_code == 0, run.result.output
    synthetic = run.frame
    for name, share in {"a": 0.1, "b": 0.9, "c": 1.0, "d": 0.05, "e": 0.0}.items():
        assert synthetic[name].isna().mean() == pytest.approx(share, abs=0.01), name
    assert synthetic["e"].notna().all()


def test_columns_missing_together_stay_together():
    rows = 200
    gap = np.arange(rows) % 5 == 0
    sample = pd.DataFrame(
        {
            "x": np.where(gap, np.nan, np.arange(rows) * 1.5),
            "y": np.where(gap, None, "v" + pd.Series(range(rows)).astype(str).str[-1]),
        }
    )
    frame = SmoteModel().fit(sample).generate_frame(20_000, seed=2)
    assert (frame["x"].isna() == frame["y"].isna()).all()


def test_decimals_follow_sample_precision():
    rng = np.random.default_rng(2)
    sample = pd.DataFrame({"charge": rng.uniform(0, 50, 300).round(2), "minutes": rng.uniform(0, 300, 300).round(1)})
    frame = SmoteModel().fit(sample).generate_frame(50_000, seed=3)
    assert np.allclose(frame["charge"], frame["charge"].round(2), atol=1e-9, rtol=0)
    assert np.allclose(frame["minutes"], frame["minutes"].round(1), atol=1e-9, rtol=0)
    assert (frame["minutes"] * 10 % 1).round(6).isin([0.0, 1.0]).all()


def test_integers_are_rounded_not_truncated():
    sample = pd.DataFrame({"count": [0, 10] * 20, "other": np.arange(40) * 0.0 + np.tile([0.0, 1.0], 20)})
    frame = (
        SmoteModel(ModelSettings(method="classic", typing=TypingOptions(numeric=("count",))))
        .fit(sample)
        .generate_frame(50_000)
    )
    # With weights uniform in [0, 1], truncation would make 9 much rarer than 1..8; rounding makes them equally common.
    shares = frame["count"].value_counts(normalize=True)
    assert shares.get(9, 0) == pytest.approx(shares.get(5, 0), rel=0.3)


def test_datetimes_keep_type_and_resolution(tmp_path):
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    sample = pd.DataFrame(
        {
            "day": days,
            "moment": (days + pd.to_timedelta(np.arange(40) * 3_671, unit="s")).tz_localize("Europe/Amsterdam"),
            "v": np.arange(40) * 0.5,
        }
    )
    run = expand_frame(sample, tmp_path, 10_000)
    assert run.result.exit_code == 0, run.result.output
    synthetic = run.frame
    assert str(synthetic["moment"].dt.tz) == "Europe/Amsterdam"
    assert synthetic["day"].min() >= days.min()
    assert synthetic["day"].max() <= days.max()
    assert (synthetic["day"] == synthetic["day"].dt.normalize()).all()
    assert (synthetic["moment"].dt.microsecond == 0).all()


def test_iso_date_text_in_csv_stays_dates(tmp_path):
    days = pd.date_range("2023-05-01", periods=30, freq="D").strftime("%Y-%m-%d")
    sample = pd.DataFrame({"signup": days, "spend": np.arange(30) * 1.25})
    run = expand_frame(sample, tmp_path, 2_000, suffix=".csv")
    assert run.result.exit_code == 0, run.result.output
    text = run.frame["signup"]
    assert text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert text.min() >= "2023-05-01"
    assert text.max() <= "2023-05-30"


def test_boolean_text_becomes_boolean(tmp_path):
    sample = pd.DataFrame({"flag": ["TRUE", "FALSE", "TRUE", "", "FALSE", "TRUE"], "v": [1.5, 2.5, 3.5, 4.5, 5.5, 6.5]})
    source = tmp_path / "flags.csv"
    sample.to_csv(source, index=False)
    model = SmoteModel(ModelSettings(neighbors=2)).fit(pd.read_csv(source))
    assert {s.name: s.kind for s in model.specs}["flag"] == Kind.BOOLEAN
    table = model.generate(0, 1_000, seed=1)
    assert pa.types.is_boolean(table.schema.field("flag").type)


def test_all_missing_column_keeps_type(tmp_path):
    sample = pd.DataFrame({"gone": pd.array([None] * 10, dtype="Float64"), "v": np.arange(10) * 1.5})
    run = expand_frame(sample, tmp_path, 1_000, "-k", "3")
    assert run.result.exit_code == 0, run.result.output
    assert run.frame["gone"].isna().all()
    assert pa.types.is_floating(pq.read_schema(run.output).field("gone").type)


def test_override_conflicts_are_usage_errors():
    sample = pd.DataFrame({"a": [1, 2, 3, 4], "b": ["x", "y", "x", "y"]})
    with pytest.raises(UsageError, match="--categorical 'zz': no such column"):
        SmoteModel(ModelSettings(neighbors=1, typing=TypingOptions(categorical=("zz",)))).fit(sample)
    with pytest.raises(UsageError, match="--numeric 'b': the column contains text"):
        SmoteModel(ModelSettings(neighbors=1, typing=TypingOptions(numeric=("b",)))).fit(sample)
    with pytest.raises(SmotegenError):
        SmoteModel(ModelSettings(neighbors=1, typing=TypingOptions(categorical=("a",), numeric=("a",)))).fit(sample)


def test_sparse_column_in_all_missing_chunks(tmp_path):
    values = np.full(1_000, np.nan)
    values[0] = 3.25
    sample = pd.DataFrame({"rare": values, "v": np.arange(1_000) * 0.5, "t": ["x", "y"] * 500})
    run = expand_frame(sample, tmp_path, 5_000, "--chunk-size", "7")
    assert run.result.exit_code == 0, run.result.output
    assert pa.types.is_floating(pq.read_schema(run.output).field("rare").type)
    assert run.frame["rare"].isna().mean() > 0.99


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_outputs_read_back_with_same_kinds(tmp_path, suffix):
    rng = np.random.default_rng(21)
    rows = 200
    sample = pd.DataFrame(
        {
            "id": [f"AC-{n:05d}" for n in rng.choice(90_000, rows, replace=False)],
            "amount": rng.gamma(2, 10, rows).round(2),
            "count": rng.poisson(30, rows),
            "area": rng.choice([408, 415, 510], rows),
            "flag": rng.random(rows) < 0.3,
            "plan": rng.choice(["a", "b", "c"], rows),
            "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, rows), unit="D"),
            "gappy": pd.array(np.where(rng.random(rows) < 0.1, None, rng.integers(0, 500, rows)), dtype="Int64"),
        }
    )
    source = tmp_path / f"sample{suffix}"
    if suffix == ".csv":
        sample.assign(day=sample["day"].dt.strftime("%Y-%m-%d")).to_csv(source, index=False)
    else:
        sample.to_parquet(source, index=False)
    output = tmp_path / f"out{suffix}"
    assert run_cli("expand", source, output, "-n", "3000", "--seed", "1").exit_code == 0

    def kinds(path):
        frame = pq.read_table(path).to_pandas() if path.suffix == ".parquet" else pd.read_csv(path)
        return {s.name: s.kind for s in SmoteModel().fit(frame, whole_floats_to_integers=path.suffix == ".csv").specs}

    assert kinds(output) == kinds(source)
