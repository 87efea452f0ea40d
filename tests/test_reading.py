"""Reading awkward but valid samples: delimiters, quoting, encodings, number text and nested Parquet."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import assert_invariants, run_cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    rows = 120
    return pd.DataFrame(
        {
            "plan": rng.choice(["Basic", "Plus", "Max"], rows),
            "minutes": rng.gamma(2, 50, rows).round(1),
            "calls": rng.poisson(30, rows),
        }
    )


def expand_csv(source: Path, *options: str, rows: int = 2_000):
    output = source.with_name("synthetic.csv")
    result = run_cli("expand", source, output, "-n", rows, "--seed", 3, "--quiet", *options)
    return result, output


@pytest.mark.parametrize("delimiter,name", [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_delimiter_detected_and_reported(sample, tmp_path, delimiter, name):
    source = tmp_path / "sample.csv"
    sample.to_csv(source, index=False, sep=delimiter)
    result, output = expand_csv(source)
    assert result.exit_code == 0, result.output
    note = f"warning: input file {str(source)!r}: detected {name} ({delimiter!r}) as the field delimiter"
    assert note in result.output
    assert_invariants(sample, pd.read_csv(output), 2_000)


def test_comma_detected_silently(sample, tmp_path):
    source = tmp_path / "sample.csv"
    sample.to_csv(source, index=False)
    result, _ = expand_csv(source)
    assert result.exit_code == 0, result.output
    assert "delimiter" not in result.output


def test_semicolon_with_decimal_commas_detected(tmp_path):
    source = tmp_path / "sample.csv"
    lines = ["plan;rate;calls"] + [f"{'AB'[i % 2]};{i % 7},{i % 10}5;{i * 3 % 11}" for i in range(40)]
    source.write_text("\n".join(lines) + "\n")
    result, output = expand_csv(source, rows=500)
    assert result.exit_code == 0, result.output
    assert "detected semicolon" in result.output
    assert list(pd.read_csv(output).columns) == ["plan", "rate", "calls"]


def test_gzip_semicolon_file_detected(sample, tmp_path):
    source = tmp_path / "sample.csv.gz"
    with gzip.open(source, "wt") as handle:
        sample.to_csv(handle, index=False, sep=";")
    result, output = expand_csv(source)
    assert result.exit_code == 0, result.output
    assert "detected semicolon" in result.output
    assert list(pd.read_csv(output).columns) == list(sample.columns)


@pytest.mark.parametrize("typed", [";", "\\t", "tab"])
def test_given_delimiter_is_used_without_note(sample, tmp_path, typed):
    source = tmp_path / "sample.csv"
    sample.to_csv(source, index=False, sep=";" if typed == ";" else "\t")
    result, output = expand_csv(source, "--delimiter", typed)
    assert result.exit_code == 0, result.output
    assert "detected" not in result.output
    assert list(pd.read_csv(output).columns) == list(sample.columns)


@pytest.mark.parametrize("typed", [";;", "", '"', "\n"])
def test_bad_delimiter_is_usage_error(sample, tmp_path, typed):
    source = tmp_path / "sample.csv"
    sample.to_csv(source, index=False)
    result, output = expand_csv(source, "--delimiter", typed)
    assert result.exit_code == 2
    assert "--delimiter" in result.output
    assert "must be one character" in result.output
    assert not output.exists()


def test_quoted_newlines_and_commas_round_trip(tmp_path):
    notes = ['first line\nsecond line, with a comma', 'says "hi", twice', "plain", 'semi;colon\r\nand CRLF']
    rng = np.random.default_rng(4)
    sample = pd.DataFrame({"note": rng.choice(notes, 60), "amount": rng.uniform(1, 9, 60).round(2)})
    source = tmp_path / "sample.csv"
    sample.to_csv(source, index=False)
    result, output = expand_csv(source)
    assert result.exit_code == 0, result.output
    assert "detected" not in result.output
    synthetic = pd.read_csv(output, keep_default_na=False)
    assert len(synthetic) == 2_000
    assert set(synthetic["note"]) <= set(notes)
    assert len(set(synthetic["note"])) == len(notes)


def latin1_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    sample = pd.DataFrame({"city": rng.choice(["Zürich", "Malmö", "Besançon", "Oslo"], 50), "v": np.arange(50) * 0.5})
    source = tmp_path / "latin1.csv"
    sample.to_csv(source, index=False, encoding="latin-1")
    return source


def test_latin1_without_encoding_suggests_it(tmp_path):
    source = latin1_file(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-m", "smotegen", "expand", str(source), str(tmp_path / "o.csv"), "-n", "10"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert completed.returncode == 1
    assert completed.stderr.count("\n") == 1, completed.stderr
    data = source.read_bytes()
    first_bad = next(i for i, value in enumerate(data) if value >= 0x80)
    line = data[:first_bad].count(b"\n") + 1
    assert f"is not valid utf-8 text: byte 0x{data[first_bad]:02x}" in completed.stderr
    assert f"at line {line} (byte offset {first_bad})" in completed.stderr
    assert "--encoding latin-1" in completed.stderr
    assert not (tmp_path / "o.csv").exists()


def test_latin1_with_encoding_reads_accents(tmp_path):
    source = latin1_file(tmp_path)
    result, output = expand_csv(source, "--encoding", "latin-1")
    assert result.exit_code == 0, result.output
    cities = set(pd.read_csv(output, encoding="utf-8")["city"])
    assert cities == {"Zürich", "Malmö", "Besançon", "Oslo"}


def test_unknown_encoding_is_usage_error(sample, tmp_path):
    source = tmp_path / "sample.csv"
    sample.to_csv(source, index=False)
    result, output = expand_csv(source, "--encoding", "latin-9000")
    assert result.exit_code == 2
    assert "--encoding 'latin-9000': unknown encoding" in result.output
    assert not output.exists()


def test_utf8_byte_order_mark_is_not_in_header(sample, tmp_path):
    source = tmp_path / "bom.csv"
    sample.to_csv(source, index=False, encoding="utf-8-sig")
    result, output = expand_csv(source)
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(output).columns) == list(sample.columns)


def test_thousands_separators_read_as_numbers(tmp_path):
    rng = np.random.default_rng(6)
    amounts = rng.uniform(50, 25_000, 80).round(2)
    counts = rng.integers(900, 40_000, 80)
    sample = pd.DataFrame(
        {
            "balance": [f"{v:,.2f}" for v in amounts],
            "visits": [f"{v:,}" for v in counts],
            "plan": rng.choice(["A", "B"], 80),
        }
    )
    sample.loc[3, "balance"] = ""
    source = tmp_path / "sample.csv"
    sample.to_csv(source, index=False)
    result, output = expand_csv(source, rows=5_000)
    assert result.exit_code == 0, result.output
    assert "column 'balance': numbers written with thousands separators, for example" in result.output
    assert "column 'visits': numbers written with thousands separators" in result.output
    synthetic = pd.read_csv(output)
    assert synthetic["balance"].dtype == np.float64
    assert synthetic["visits"].dtype == np.int64
    present = np.delete(amounts, 3)
    assert synthetic["balance"].min() >= present.min()
    assert synthetic["balance"].max() <= present.max()
    assert synthetic["visits"].between(counts.min(), counts.max()).all()
    assert synthetic["balance"].isna().any()


def test_comma_lists_stay_text(tmp_path):
    sample = pd.DataFrame({"pair": ["1,2", "3,45", "10,200", "7,8"] * 5, "v": np.arange(20) * 0.25})
    source = tmp_path / "sample.csv"
    sample.to_csv(source, index=False)
    result, output = expand_csv(source, rows=200)
    assert result.exit_code == 0, result.output
    assert "thousands" not in result.output
    assert set(pd.read_csv(output)["pair"]) <= set(sample["pair"])


@pytest.mark.parametrize(
    "column,type_prefix",
    [
        (pa.array([[1, 2], [3], [], None] * 5, type=pa.list_(pa.int64())), "list<"),
        (pa.array([{"city": "Oslo", "zip": 1}, {"city": "Rome", "zip": 2}] * 10), "struct<"),
        (pa.array([[("a", 1)], [("b", 2)]] * 10, type=pa.map_(pa.string(), pa.int64())), "map<"),
    ],
)
def test_nested_parquet_column_rejected(tmp_path, column, type_prefix):
    source = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"v": np.arange(20) * 1.5, "nested": column}), source)
    output = tmp_path / "out.parquet"
    result = run_cli("expand", source, output, "-n", "100")
    assert result.exit_code == 1
    assert f"nested column(s) 'nested' ({type_prefix}" in result.output
    assert "flatten them into plain columns or drop them first" in result.output
    assert not output.exists()


def test_parquet_integers_with_nulls_stay_integers(tmp_path):
    # Written by pyarrow without pandas' metadata, as Spark or DuckDB write Parquet.
    counts = pa.array([3, None, 7, 12, 5, None, 9, 4, 6, 8, 10, 11], type=pa.int32())
    source = tmp_path / "sample.parquet"
    pq.write_table(pa.table({"count": counts, "rate": np.arange(12) * 0.5}), source)
    output = tmp_path / "out.parquet"
    result = run_cli("expand", source, output, "-n", "2000", "-k", "2", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "count  integer" in result.output
    column = pq.read_table(output).column("count")
    assert column.type == pa.int32()
    assert 0 < column.null_count < 2000
