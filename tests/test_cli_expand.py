"""The expand command: output files, reproducibility, the report, exit codes and messages."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import click
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import assert_invariants, run_cli

ROOT = Path(__file__).resolve().parents[1]
SMOTEGEN = [sys.executable, "-m", "smotegen"]


@pytest.fixture(scope="module")
def usage_csv(tmp_path_factory) -> Path:
    """A 300-row telecom-like sample with every common column kind."""
    rng = np.random.default_rng(11)
    rows = 300
    minutes = rng.gamma(2, 50, rows).round(1)
    frame = pd.DataFrame(
        {
            "customer": [f"CU-{n:05d}" for n in rng.choice(90_000, rows, replace=False) + 10_000],
            "plan": rng.choice(["Basic", "Plus", "Max"], rows, p=[0.6, 0.3, 0.1]),
            "area": rng.choice([408, 415, 510], rows),
            "calls": rng.poisson(30, rows),
            "minutes": minutes,
            "charge": (minutes * 0.17).round(2),
            "churn": rng.random(rows) < 0.15,
        }
    )
    frame.loc[rng.choice(rows, 6, replace=False), "plan"] = None
    path = tmp_path_factory.mktemp("usage") / "usage.csv"
    frame.to_csv(path, index=False)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_expand_writes_typed_rows(usage_csv, tmp_path, suffix):
    output = tmp_path / f"out{suffix}"
    result = run_cli("expand", usage_csv, output, "-n", "25_000", "--seed", "1")
    assert result.exit_code == 0, result.output
    synthetic = pq.read_table(output).to_pandas() if suffix == ".parquet" else pd.read_csv(output)
    sample = pd.read_csv(usage_csv)
    assert_invariants(sample, synthetic, 25_000, keys=("customer",))
    assert synthetic["calls"].dtype == np.int64
    assert synthetic["churn"].dtype == bool
    assert set(synthetic["area"]) <= {408, 415, 510}


def test_parquet_row_groups_are_fixed_size(usage_csv, tmp_path):
    output = tmp_path / "out.parquet"
    assert run_cli("expand", usage_csv, output, "-n", "300000", "--seed", "1").exit_code == 0
    metadata = pq.ParquetFile(output).metadata
    assert metadata.num_rows == 300_000
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [131_072, 131_072, 37_856]


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_same_seed_same_bytes_any_chunk_size(usage_csv, tmp_path, suffix):
    digests = set()
    for chunk_size in ("1000", "8192", "50000", "131072"):
        output = tmp_path / f"out-{chunk_size}{suffix}"
        result = run_cli("expand", usage_csv, output, "-n", "40000", "--seed", "9", "--chunk-size", chunk_size)
        assert result.exit_code == 0, result.output
        digests.add(digest(output))
    assert len(digests) == 1


def test_other_seed_other_file(usage_csv, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run_cli("expand", usage_csv, first, "-n", "1000", "--seed", "1").exit_code == 0
    assert run_cli("expand", usage_csv, second, "-n", "1000", "--seed", "2").exit_code == 0
    assert digest(first) != digest(second)


def test_fewer_rows_than_sample(usage_csv, tmp_path):
    output = tmp_path / "few.csv"
    assert run_cli("expand", usage_csv, output, "-n", "7").exit_code == 0
    assert len(pd.read_csv(output)) == 7


@pytest.mark.parametrize("written", ["2500", "2_500", "2,500", "2.5e3", "2.5E3"])
def test_row_count_spellings(usage_csv, tmp_path, written):
    output = tmp_path / "rows.csv"
    assert run_cli("expand", usage_csv, output, "-n", written).exit_code == 0
    assert len(pd.read_csv(output)) == 2500


@pytest.mark.parametrize("written", ["0", "-5", "ten", "1.5", "1e-3", ""])
def test_bad_row_counts_are_usage_errors(usage_csv, tmp_path, written):
    result = run_cli("expand", usage_csv, tmp_path / "x.csv", "-n", written)
    assert result.exit_code == 2
    assert "-n" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_report_shows_both_tables(usage_csv, tmp_path):
    result = run_cli("expand", usage_csv, tmp_path / "r.parquet", "-n", "5000", "--seed", "3")
    assert result.exit_code == 0
    out = result.output
    assert "smotegen: 5,000 synthetic rows from 300 sample rows" in out
    assert "seed 3" in out
    assert "area    code" in out.replace("  ", "  ") or "code, 3 distinct values" in out
    assert "minutes  sample" in out
    assert "synthetic" in out
    assert "plan (3 levels -> 3): Basic" in out
    assert "missing 2.0% ->" in out


def test_report_json_written(usage_csv, tmp_path):
    report_path = tmp_path / "report.json"
    result = run_cli("expand", usage_csv, tmp_path / "r.csv", "-n", "2000", "--seed", "4", "--report-json", report_path)
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    assert report["synthetic_rows"] == 2000
    assert report["seed"] == 4
    columns = {c["name"]: c for c in report["columns"]}
    assert columns["calls"]["synthetic"]["count"] == 2000
    assert columns["customer"]["kind"] == "key"


def test_seed_is_chosen_and_printed_when_absent(usage_csv, tmp_path):
    result = run_cli("expand", usage_csv, tmp_path / "s.csv", "-n", "100")
    assert result.exit_code == 0
    seed = int(result.output.split("seed ")[1].split(")")[0])
    again = run_cli("expand", usage_csv, tmp_path / "t.csv", "-n", "100", "--seed", seed)
    assert again.exit_code == 0
    assert digest(tmp_path / "s.csv") == digest(tmp_path / "t.csv")


def test_missing_input_is_error(tmp_path):
    result = run_cli("expand", tmp_path / "nope.csv", tmp_path / "out.csv", "-n", "10")
    assert result.exit_code == 1
    assert "input file" in result.output
    assert "not found" in result.output


def test_empty_input_is_error(tmp_path):
    source = tmp_path / "empty.csv"
    source.write_text("")
    result = run_cli("expand", source, tmp_path / "out.csv", "-n", "10")
    assert result.exit_code == 1
    assert "is empty" in result.output


def test_header_only_input_is_error(tmp_path):
    source = tmp_path / "header.csv"
    source.write_text("a,b\n")
    result = run_cli("expand", source, tmp_path / "out.csv", "-n", "10")
    assert result.exit_code == 1
    assert "the sample has no rows" in result.output


def test_unreadable_input_is_error(usage_csv, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their permissions")
    source = tmp_path / "locked.csv"
    source.write_bytes(usage_csv.read_bytes())
    source.chmod(0)
    result = run_cli("expand", source, tmp_path / "out.csv", "-n", "10")
    assert result.exit_code == 1
    assert "permission denied" in result.output


def test_corrupt_parquet_input_is_error(tmp_path):
    source = tmp_path / "broken.parquet"
    source.write_bytes(b"PAR1 this is not parquet")
    result = run_cli("expand", source, tmp_path / "out.csv", "-n", "10")
    assert result.exit_code == 1
    assert "cannot read input file" in result.output


@pytest.mark.parametrize("name,role", [("in.xlsx", "input"), ("out.json", "output")])
def test_unknown_extension_lists_supported(usage_csv, tmp_path, name, role):
    source = tmp_path / name if role == "input" else usage_csv
    output = tmp_path / name if role == "output" else tmp_path / "out.csv"
    result = run_cli("expand", source, output, "-n", "10")
    assert result.exit_code == 2
    assert f"{role} file" in result.output
    assert ".csv" in result.output
    assert ".parquet" in result.output


def test_existing_output_kept_without_overwrite(usage_csv, tmp_path):
    output = tmp_path / "keep.csv"
    output.write_text("precious\n")
    result = run_cli("expand", usage_csv, output, "-n", "10")
    assert result.exit_code == 2
    assert "already exists; pass --overwrite" in result.output
    assert output.read_text() == "precious\n"

    assert run_cli("expand", usage_csv, output, "-n", "10", "--overwrite").exit_code == 0
    assert len(pd.read_csv(output)) == 10


def test_missing_output_folder_is_error(usage_csv, tmp_path):
    result = run_cli("expand", usage_csv, tmp_path / "no" / "such" / "out.csv", "-n", "10")
    assert result.exit_code == 2
    assert "does not exist; create it first" in result.output


def test_output_equal_to_input_is_refused(usage_csv, tmp_path):
    copy = tmp_path / "same.csv"
    copy.write_bytes(usage_csv.read_bytes())
    result = run_cli("expand", copy, copy, "-n", "10", "--overwrite")
    assert result.exit_code == 2
    assert "is the input file" in result.output
    assert copy.read_bytes() == usage_csv.read_bytes()


def test_too_many_neighbours_names_largest(usage_csv, tmp_path):
    result = run_cli("expand", usage_csv, tmp_path / "k.csv", "-n", "10", "-k", "300")
    assert result.exit_code == 2
    assert "use --neighbors 299 or fewer" in result.output


def test_failed_run_leaves_no_file(tmp_path):
    source = tmp_path / "inf.csv"
    source.write_text("a,b\n1,2\n3,inf\n5,6\n")
    output = tmp_path / "out.parquet"
    result = run_cli("expand", source, output, "-n", "100", "-k", "1")
    assert result.exit_code == 1
    assert list(tmp_path.iterdir()) == [source]


def test_errors_are_one_line_without_traceback(tmp_path):
    completed = subprocess.run(
        [*SMOTEGEN, "expand", str(tmp_path / "missing.csv"), str(tmp_path / "o.csv"), "-n", "5"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert completed.returncode == 1
    assert completed.stderr.count("\n") == 1
    assert "Traceback" not in completed.stderr
    verbose = subprocess.run(
        [*SMOTEGEN, "expand", str(tmp_path / "missing.csv"), str(tmp_path / "o.csv"), "-n", "5", "--verbose"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert "Traceback" in verbose.stderr


def terminal_pair() -> tuple[int, int]:
    """Open a pseudo-terminal of 120 x 40 characters (a new one has size 0 x 0, and tqdm draws nothing)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    return leader, follower


def test_progress_bar_only_on_terminal(usage_csv, tmp_path):
    command = [*SMOTEGEN, "expand", str(usage_csv), str(tmp_path / "p.csv"), "-n", "300000", "--seed", "1"]
    piped = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert piped.returncode == 0
    assert piped.stderr == ""

    leader, follower = terminal_pair()
    process = subprocess.Popen(command + ["--overwrite"], stdout=subprocess.DEVNULL, stderr=follower, cwd=ROOT)
    os.close(follower)
    terminal = b""
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        terminal += data
    process.wait()
    os.close(leader)
    assert process.returncode == 0
    assert b"rows" in terminal
    assert b"%" in terminal

    quiet = command + ["--overwrite", "--quiet"]
    leader, follower = terminal_pair()
    process = subprocess.run(quiet, stdout=subprocess.DEVNULL, stderr=follower, cwd=ROOT)
    os.close(follower)
    os.set_blocking(leader, False)
    try:
        silent = os.read(leader, 4096)
    except (BlockingIOError, OSError):
        silent = b""
    os.close(leader)
    assert silent == b""


def test_python_module_entry_point(usage_csv, tmp_path):
    completed = subprocess.run([*SMOTEGEN, "--help"], capture_output=True, text=True, cwd=ROOT)
    assert completed.returncode == 0
    assert "expand" in completed.stdout


def test_every_command_and_option_has_help():
    from smotegen.cli import main

    context = click.Context(main)
    for name in main.list_commands(context):
        command = main.get_command(context, name)
        assert command.help, f"{name} has no help text"
        for parameter in command.params:
            if parameter.param_type_name == "option":
                assert parameter.help, f"{name} {parameter.opts[0]} has no help text"
