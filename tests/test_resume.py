"""The manifest of a folder output, and --resume after an interrupted or failed run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smotegen import ExpandSettings, SmotegenError, expand_file
from smotegen.manifest import JOURNAL_NAME, MANIFEST_NAME, file_sha256
from tests.conftest import run_cli

ROWS = 40_000
PART_ROWS = 15_000  # parts of 15,000, 15,000 and 10,000 rows
CHUNK_ROWS = 5_000


@pytest.fixture(scope="module")
def sample_csv() -> Path:
    return Path(__file__).resolve().parents[1] / "sample_data" / "telecom_usage.csv"


def expand(sample: Path, output: Path, *options: str):
    return run_cli(
        "expand", sample, f"{output}/", "-n", ROWS, "--part-rows", PART_ROWS, "--chunk-size", CHUNK_ROWS,
        "--quiet", *options,
    )


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def staging_of(output: Path) -> Path:
    return output.parent / f".{output.name}.partial"


def stop_after_chunks(count: int, error: BaseException):
    """Return a progress callback that raises ``error`` at its ``count``-th call."""
    calls = []

    def progress(rows: int) -> None:
        calls.append(rows)
        if len(calls) == count:
            raise error

    return progress


def interrupted_run(sample: Path, output: Path, seed: int = 3) -> None:
    """Run expand and interrupt it while it writes part 1, once part 0 is finished."""
    settings = ExpandSettings(rows=ROWS, part_rows=PART_ROWS, chunk_size=CHUNK_ROWS, seed=seed)
    # Part 0 is three chunks; the fourth chunk opens part 1 and so closes part 0.
    with pytest.raises(KeyboardInterrupt):
        expand_file(sample, f"{output}/", settings, progress=stop_after_chunks(4, KeyboardInterrupt()))


@pytest.fixture(scope="module")
def uninterrupted(sample_csv, tmp_path_factory) -> dict[str, bytes]:
    output = tmp_path_factory.mktemp("whole") / "out"
    result = expand(sample_csv, output, "--seed", "3")
    assert result.exit_code == 0, result.output
    return folder_bytes(output)


def test_manifest_lists_parts_and_settings(sample_csv, tmp_path, uninterrupted):
    output = tmp_path / "out"
    expand(sample_csv, output, "--seed", "3")
    manifest = json.loads((output / MANIFEST_NAME).read_text())

    assert manifest["format"] == "smotegen-dataset/1"
    assert manifest["settings"]["seed"] == 3
    assert manifest["settings"]["rows"] == ROWS
    assert manifest["settings"]["part_rows"] == PART_ROWS
    assert manifest["settings"]["sample_sha256"] == file_sha256(sample_csv)[0]
    assert [part["rows"] for part in manifest["parts"]] == [15_000, 15_000, 10_000]
    for part in manifest["parts"]:
        assert (part["sha256"], part["bytes"]) == file_sha256(output / part["name"])
    assert sorted(p.name for p in output.iterdir()) == [MANIFEST_NAME] + [p["name"] for p in manifest["parts"]]


def test_interrupted_run_keeps_finished_parts(sample_csv, tmp_path):
    output = tmp_path / "out"
    interrupted_run(sample_csv, output)

    staging = staging_of(output)
    assert not output.exists()
    lines = [json.loads(line) for line in (staging / JOURNAL_NAME).read_text().splitlines()]
    assert lines[0]["settings"]["seed"] == 3
    assert [line["part"]["name"] for line in lines[1:]] == ["part-00000.parquet"]


def test_resume_gives_same_bytes(sample_csv, tmp_path, uninterrupted):
    output = tmp_path / "out"
    interrupted_run(sample_csv, output)
    finished_part = staging_of(output) / "part-00000.parquet"
    inode = finished_part.stat().st_ino

    result = expand(sample_csv, output, "--resume")  # the seed comes from the journal
    assert result.exit_code == 0, result.output
    assert "--resume: 1 of 3 parts were already complete and were kept" in result.output
    assert "25,000 rows written now" in result.output
    assert folder_bytes(output) == uninterrupted
    assert (output / "part-00000.parquet").stat().st_ino == inode
    assert not staging_of(output).exists()


def test_resume_after_failure_gives_same_bytes(sample_csv, tmp_path, uninterrupted):
    output = tmp_path / "out"
    settings = ExpandSettings(rows=ROWS, part_rows=PART_ROWS, chunk_size=CHUNK_ROWS, seed=3)
    full_disk = OSError(28, "No space left on device")
    with pytest.raises(SmotegenError, match=r"2 finished part\(s\) are kept in .*rerun with --resume"):
        expand_file(sample_csv, f"{output}/", settings, progress=stop_after_chunks(7, full_disk))

    result = expand(sample_csv, output, "--resume", "--seed", "3", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert folder_bytes(output) == uninterrupted


def test_resume_rewrites_changed_part(sample_csv, tmp_path, uninterrupted):
    output = tmp_path / "out"
    interrupted_run(sample_csv, output)
    part = staging_of(output) / "part-00000.parquet"
    part.write_bytes(part.read_bytes()[:1000])

    result = expand(sample_csv, output, "--resume")
    assert result.exit_code == 0, result.output
    assert "--resume" not in result.output
    assert folder_bytes(output) == uninterrupted


def test_resume_accepts_journal_cut_short(sample_csv, tmp_path, uninterrupted):
    output = tmp_path / "out"
    interrupted_run(sample_csv, output)
    with open(staging_of(output) / JOURNAL_NAME, "a") as journal:
        journal.write('{"part": {"index": 1, "na')

    result = expand(sample_csv, output, "--resume")
    assert result.exit_code == 0, result.output
    assert folder_bytes(output) == uninterrupted


def test_resume_with_other_seed_is_usage_error(sample_csv, tmp_path):
    output = tmp_path / "out"
    interrupted_run(sample_csv, output)
    result = expand(sample_csv, output, "--resume", "--seed", "4")
    assert result.exit_code == 2
    assert "were made with other --seed; pass the same input and options" in result.output
    assert (staging_of(output) / "part-00000.parquet").exists()


def test_resume_with_other_rows_is_usage_error(sample_csv, tmp_path):
    output = tmp_path / "out"
    interrupted_run(sample_csv, output)
    result = run_cli("expand", sample_csv, f"{output}/", "-n", ROWS + 1, "--part-rows", PART_ROWS, "--resume")
    assert result.exit_code == 2
    assert "were made with other -n;" in result.output


def test_leftover_parts_need_resume_or_overwrite(sample_csv, tmp_path, uninterrupted):
    output = tmp_path / "out"
    interrupted_run(sample_csv, output, seed=5)

    result = expand(sample_csv, output, "--seed", "3")
    assert result.exit_code == 2
    assert "contains the parts of an interrupted run; pass --resume to continue it, or --overwrite" in result.output

    result = expand(sample_csv, output, "--seed", "3", "--overwrite")
    assert result.exit_code == 0, result.output
    assert folder_bytes(output) == uninterrupted
    assert not staging_of(output).exists()


def test_resume_of_complete_dataset_writes_nothing(sample_csv, tmp_path, uninterrupted):
    output = tmp_path / "out"
    expand(sample_csv, output, "--seed", "3")
    modified = {path.name: path.stat().st_mtime_ns for path in output.iterdir()}

    result = expand(sample_csv, output, "--resume")
    assert result.exit_code == 0, result.output
    assert "--resume: 3 of 3 parts were already complete" in result.output
    assert {path.name: path.stat().st_mtime_ns for path in output.iterdir()} == modified


def test_failed_fit_leaves_no_staging_folder(tmp_path):
    source = tmp_path / "inf.csv"
    source.write_text("a,b\n1,2\n3,inf\n5,6\n")
    result = run_cli("expand", source, f"{tmp_path}/out/", "-n", "100", "-k", "1")
    assert result.exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inf.csv"]


@pytest.mark.parametrize(
    ("output", "options", "message"),
    [
        ("out.parquet", ["--resume"], "--resume applies only to a folder OUTPUT"),
        ("out/", ["--resume", "--part", "0"], "--resume continues a whole dataset, and --part writes one part"),
        ("out/", ["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler applies only to --engine dask"),
        ("out.parquet", ["--engine", "dask"], "--engine dask writes a folder of part files; end OUTPUT with /"),
        ("out/", ["--engine", "dask", "--part", "0"], "--part writes one part on this machine"),
        ("out/", ["--engine", "dask", "--scheduler", "tcp://127.0.0.1:8786", "--jobs", "2"],
         "--jobs sets the workers of a LocalCluster, and --scheduler uses a running cluster's"),
    ],
)
def test_conflicting_options_are_usage_errors(sample_csv, tmp_path, output, options, message):
    result = run_cli("expand", sample_csv, f"{tmp_path}/{output}", "-n", "100", *options)
    assert result.exit_code == 2
    assert message in result.output
    assert list(tmp_path.iterdir()) == []
