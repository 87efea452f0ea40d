"""Properties of expand on random small tables of every column kind, with random options.

Whatever the table and the options, expand does one of two things. It writes
exactly the rows asked for, with the sample's columns, kinds, ranges, levels
and missing shares, and the same bytes again for the same seed. Or it stops
with a one-line error and exit code 1 or 2.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli

KINDS = ("integer", "decimal", "text", "boolean", "category", "datetime")
# Text levels with a comma, a quote, a space and a non-ASCII letter, but none
# that a reader would take for a number, a boolean, a date or a missing value.
TEXT_LEVELS = ("red", "green", "blue", "x y", "a,b", 'q"t', "grün")
CATEGORY_LEVELS = ("low", "mid", "high")
EPOCH = pd.Timestamp("2020-01-01")
# With this many rows, each missing share is within MISSING_TOLERANCE of the sample's at 5 standard deviations.
MISSING_CHECK_ROWS = 1500
MISSING_TOLERANCE = 0.07


@dataclass
class Case:
    sample: pd.DataFrame
    rows: int
    neighbors: int
    method: str
    seed: int
    chunk_size: int
    input_suffix: str
    output_suffix: str
    # Parquet only: keep pandas' schema metadata, as pandas writes it, or drop it, as Spark or DuckDB would.
    pandas_metadata: bool = True


@st.composite
def columns(draw, kind: str, rows: int) -> pd.Series:
    missing_share = draw(st.sampled_from([0.0, 0.0, 0.3, 1.0]))
    missing = draw(st.lists(st.booleans(), min_size=rows, max_size=rows)) if missing_share else [False] * rows
    if missing_share == 1.0:
        missing = [True] * rows
    if kind == "integer":
        values = draw(st.lists(st.integers(-1000, 1000), min_size=rows, max_size=rows))
        series = pd.Series(values, dtype="Int64")
    elif kind == "decimal":
        decimals = draw(st.integers(1, 3))
        values = draw(st.lists(st.integers(-10**5, 10**5), min_size=rows, max_size=rows))
        series = pd.Series(np.array(values) / 10**decimals)
    elif kind == "text":
        series = pd.Series(draw(st.lists(st.sampled_from(TEXT_LEVELS), min_size=rows, max_size=rows)), dtype=object)
    elif kind == "boolean":
        series = pd.Series(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)), dtype="boolean")
    elif kind == "category":
        values = draw(st.lists(st.sampled_from(CATEGORY_LEVELS), min_size=rows, max_size=rows))
        series = pd.Series(pd.Categorical(values, categories=list(CATEGORY_LEVELS)))
    else:
        step = draw(st.sampled_from(["D", "s"]))
        offsets = draw(st.lists(st.integers(0, 86_400 * 400), min_size=rows, max_size=rows))
        seconds = np.array(offsets) if step == "s" else np.array(offsets) // 86_400 * 86_400
        series = pd.Series(EPOCH + pd.to_timedelta(seconds, unit="s"))
    return series.mask(pd.Series(missing))


@st.composite
def cases(draw) -> Case:
    rows = draw(st.integers(2, 40))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=5))
    sample = pd.DataFrame({f"{kind}_{i}": draw(columns(kind, rows)) for i, kind in enumerate(kinds)})
    return Case(
        sample=sample,
        rows=draw(st.sampled_from([1, 17, MISSING_CHECK_ROWS])),
        neighbors=draw(st.integers(1, 6)),
        method=draw(st.sampled_from(["spread", "classic"])),
        seed=draw(st.integers(0, 2**64)),
        chunk_size=draw(st.sampled_from([7, 97, 4096])),
        input_suffix=draw(st.sampled_from([".csv", ".parquet"])),
        output_suffix=draw(st.sampled_from([".csv", ".parquet"])),
        pandas_metadata=draw(st.booleans()),
    )


def write_sample(case: Case, folder: Path) -> Path:
    source = folder / f"sample{case.input_suffix}"
    if case.input_suffix == ".parquet" and case.pandas_metadata:
        case.sample.to_parquet(source, index=False)
    elif case.input_suffix == ".parquet":
        table = pa.Table.from_pandas(case.sample, preserve_index=False)
        pq.write_table(table.replace_schema_metadata(None), source)
    else:
        case.sample.to_csv(source, index=False)
    return source


def expand(case: Case, source: Path, output: Path, chunk_size: int, *extra: str):
    return run_cli(
        "expand", source, output, "-n", case.rows, "-k", case.neighbors, "--method", case.method,
        "--seed", case.seed, "--chunk-size", chunk_size, "--quiet", *extra,
    )  # fmt: skip


def read_output(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pandas()
    # A row of one missing value is an empty line, which pandas skips by default.
    return pd.read_csv(path, keep_default_na=False, na_values=[""], skip_blank_lines=False)


def check_refusal(result) -> None:
    assert result.exit_code in (1, 2), result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("smotegen: error: ")
    assert "unexpected" not in result.stderr, result.stderr


def check_column(name: str, real: pd.Series, fake: pd.Series, kind: str, case: Case) -> None:
    """Check one synthetic column against the sample column it was made from."""
    present = real.dropna()
    if kind == "key":
        assert fake.dropna().is_unique, f"{name}: keys must be unique"
    elif len(present) == 0:
        assert fake.isna().all(), f"{name}: an all-missing column must stay all-missing"
    elif fake.isna().all():
        pass  # every base row drawn had a missing value, so there is nothing to check
    elif real.dtype.kind == "M":
        times = pd.to_datetime(fake.dropna())
        assert times.min() >= present.min(), f"{name}: before the sample's first date"
        assert times.max() <= present.max(), f"{name}: after the sample's last date"
    elif pd.api.types.is_numeric_dtype(real) and not pd.api.types.is_bool_dtype(real):
        values = fake.dropna().to_numpy(dtype=float)
        assert values.min() >= present.min(), f"{name}: below the sample's minimum"
        assert values.max() <= present.max(), f"{name}: above the sample's maximum"
        if pd.api.types.is_integer_dtype(real):
            assert np.all(values == np.round(values)), f"{name}: integers became fractions"
        else:
            decimals = int(name.startswith("decimal")) and 3
            assert np.allclose(values, np.round(values, decimals), rtol=0, atol=1e-9), f"{name}: extra decimals"
    else:
        unseen = set(fake.dropna().astype(str)) - set(present.astype(str))
        assert not unseen, f"{name}: levels never seen in the sample: {sorted(unseen)}"
    if case.rows >= MISSING_CHECK_ROWS:
        real_share, fake_share = real.isna().mean(), fake.isna().mean()
        assert abs(real_share - fake_share) < MISSING_TOLERANCE, f"{name}: missing {real_share:.2f} -> {fake_share:.2f}"


def check_types(case: Case, source: Path, output: Path) -> None:
    """Check that Parquet in and Parquet out keep every column's Arrow type."""
    if case.input_suffix != ".parquet" or case.output_suffix != ".parquet":
        return
    before, after = pq.read_schema(source), pq.read_schema(output)
    for field in before:
        if case.sample[field.name].isna().all():
            continue  # an all-missing column has no values to infer a type from
        old, new = plain_type(field.type), plain_type(after.field(field.name).type)
        assert new == old, f"{field.name}: {field.type} -> {after.field(field.name).type}"


def plain_type(data_type: pa.DataType) -> pa.DataType:
    """Return the type with large_string as string: Parquet stores both as the same UTF-8 column."""
    if pa.types.is_dictionary(data_type):
        return pa.dictionary(data_type.index_type, plain_type(data_type.value_type))
    return pa.string() if pa.types.is_large_string(data_type) else data_type


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=cases())
def test_expand_properties(case: Case):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        source = write_sample(case, folder)
        output = folder / f"synthetic{case.output_suffix}"
        report_path = folder / "report.json"
        result = expand(case, source, output, case.chunk_size, "--report-json", report_path)
        if result.exit_code != 0:
            check_refusal(result)
            assert not output.exists()
            return
        assert "unexpected" not in result.output

        synthetic = read_output(output)
        assert len(synthetic) == case.rows
        assert list(synthetic.columns) == list(case.sample.columns)
        kinds = {column["name"]: column["kind"] for column in json.loads(report_path.read_text())["columns"]}
        for name in case.sample.columns:
            check_column(name, case.sample[name], synthetic[name], kinds[name], case)
        check_types(case, source, output)

        again = folder / f"again{case.output_suffix}"
        other_chunks = 4096 if case.chunk_size != 4096 else 7
        assert expand(case, source, again, other_chunks, "--jobs", "2").exit_code == 0
        assert again.read_bytes() == output.read_bytes()


def test_refusals_are_one_line(tmp_path):
    sample = pd.DataFrame({"a": [1.5, 2.5, 3.5]})
    source = tmp_path / "sample.csv"
    sample.to_csv(source, index=False)
    result = run_cli("expand", source, tmp_path / "out.csv", "-n", "10", "-k", "3")
    check_refusal(result)
    assert result.exit_code == 2


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_same_seed_same_bytes_on_mixed_table(tmp_path, suffix):
    rng = np.random.default_rng(40)
    rows = 30
    sample = pd.DataFrame(
        {
            "count": pd.array(rng.integers(0, 50, rows), dtype="Int64"),
            "price": rng.uniform(0, 10, rows).round(2),
            "colour": rng.choice(TEXT_LEVELS, rows),
            "flag": rng.random(rows) < 0.5,
            "day": EPOCH + pd.to_timedelta(rng.integers(0, 300, rows), unit="D"),
        }
    )
    sample.loc[::7, "count"] = pd.NA
    case = Case(sample, 5_000, 3, "spread", 11, 97, suffix, suffix)
    source = write_sample(case, tmp_path)
    first, second = tmp_path / f"first{suffix}", tmp_path / f"second{suffix}"
    assert expand(case, source, first, 97).exit_code == 0
    assert expand(case, source, second, 4096, "--jobs", "2").exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_all_missing_category_with_report_json(tmp_path):
    # Found by test_expand_properties: the comparison's distance search got zero features and raised.
    sample = pd.DataFrame({"grade": pd.Categorical([None] * 35, categories=list(CATEGORY_LEVELS))})
    source = tmp_path / "sample.parquet"
    sample.to_parquet(source, index=False)
    report_path = tmp_path / "report.json"
    result = run_cli("expand", source, tmp_path / "out.csv", "-n", "1", "-k", "1", "--report-json", report_path)
    assert result.exit_code == 0, result.output
    assert json.loads(report_path.read_text())["comparison"]["privacy"]["exact_copies"] == 1


def test_sparse_numeric_column_with_report_json(tmp_path):
    # Found by test_expand_properties: a numeric column with one present value
    # left a detection fold without present values, and the classifier raised.
    source = tmp_path / "sample.csv"
    source.write_text(
        "amount,colour,count,empty\n"
        "0.43,grün,,\n-42.234,green,-104,\n0.709,,,\n-19.98,\"a,b\",,\n99.999,\"a,b\",,\n"
        "-99.999,,,\n-5.343,,,\n11.592,,,\n0.13,,,\n0.624,red,,\n-1.992,,,\n"
    )
    report_path = tmp_path / "report.json"
    result = run_cli(
        "expand", source, tmp_path / "out.csv", "-n", "1500", "-k", "3", "--seed", "1144", "--report-json", report_path
    )
    assert result.exit_code == 0, result.output
    assert json.loads(report_path.read_text())["comparison"]["detection"]["auc"] is not None


@pytest.mark.parametrize("seed", ["4294967294", str(2**40)])
def test_large_seed_with_report_json(tmp_path, seed):
    # Found by test_expand_properties: scikit-learn takes seeds below 2**32, and
    # the comparison's folds used the seed plus the draw number.
    rng = np.random.default_rng(41)
    sample = pd.DataFrame({"amount": rng.uniform(0, 9, 40).round(2), "colour": rng.choice(TEXT_LEVELS, 40)})
    source = tmp_path / "sample.csv"
    sample.to_csv(source, index=False)
    report_path = tmp_path / "report.json"
    result = run_cli("expand", source, tmp_path / "out.csv", "-n", "500", "--seed", seed, "--report-json", report_path)
    assert result.exit_code == 0, result.output
    assert json.loads(report_path.read_text())["comparison"]["detection"]["auc"] is not None
