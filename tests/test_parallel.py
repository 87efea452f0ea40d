"""--jobs and folder output: identical files for any number of threads, parts that regenerate alone."""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from smotegen.parallel import ordered_map
from tests.conftest import run_cli

ROWS = 40_000
PART_ROWS = "15000"  # 40,000 rows make parts of 15,000, 15,000 and 10,000 rows


@pytest.fixture(scope="module")
def sample_csv() -> Path:
    """The bundled 5,000-row usage sample: a key, text with gaps, counts, minutes and charges, a flag."""
    return Path(__file__).resolve().parents[1] / "sample_data" / "telecom_usage.csv"


def expand(sample: Path, output: Path | str, *options: str) -> None:
    result = run_cli("expand", sample, output, "-n", ROWS, "--seed", "3", "--quiet", *options)
    assert result.exit_code == 0, result.output


def part_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("part-*.parquet"))}


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_jobs_give_identical_bytes(sample_csv, tmp_path, suffix):
    outputs = []
    for jobs in ("1", "2", "3"):
        output = tmp_path / f"jobs-{jobs}{suffix}"
        expand(sample_csv, output, "--jobs", jobs, "--chunk-size", "3000")
        outputs.append(output.read_bytes())
    assert outputs[1] == outputs[0]
    assert outputs[2] == outputs[0]


def test_dataset_identical_for_any_jobs_and_chunks(sample_csv, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    expand(sample_csv, f"{first}/", "--part-rows", PART_ROWS, "--jobs", "1")
    expand(sample_csv, f"{second}/", "--part-rows", PART_ROWS, "--jobs", "2", "--chunk-size", "4096")
    files = part_files(first)
    assert list(files) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert part_files(second) == files
    assert (second / "_manifest.json").read_bytes() == (first / "_manifest.json").read_bytes()


def test_part_regenerated_alone_matches_full_run(sample_csv, tmp_path):
    full, alone = tmp_path / "full", tmp_path / "alone"
    expand(sample_csv, f"{full}/", "--part-rows", PART_ROWS, "--jobs", "2")
    expand(sample_csv, f"{alone}/", "--part-rows", PART_ROWS, "--part", "1", "--chunk-size", "1000")
    assert [p.name for p in alone.iterdir()] == ["part-00001.parquet"]
    assert (alone / "part-00001.parquet").read_bytes() == (full / "part-00001.parquet").read_bytes()


def test_dataset_reads_back_as_the_single_file(sample_csv, tmp_path):
    folder, single = tmp_path / "dataset", tmp_path / "single.parquet"
    expand(sample_csv, f"{folder}/", "--part-rows", PART_ROWS)
    expand(sample_csv, single)
    dataset = pq.read_table(folder)
    assert dataset.num_rows == ROWS
    assert [pq.ParquetFile(p).metadata.num_rows for p in sorted(folder.glob("*.parquet"))] == [15_000, 15_000, 10_000]
    assert dataset.equals(pq.read_table(single))


def test_parts_fill_an_existing_folder_one_by_one(sample_csv, tmp_path):
    full, assembled = tmp_path / "full", tmp_path / "assembled"
    assembled.mkdir()
    expand(sample_csv, f"{full}/", "--part-rows", PART_ROWS)
    for index in ("2", "0", "1"):
        expand(sample_csv, assembled, "--part-rows", PART_ROWS, "--part", index)
    assert part_files(assembled) == part_files(full)


def test_existing_empty_folder_is_a_dataset_output(sample_csv, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    expand(sample_csv, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["_manifest.json", "part-00000.parquet"]
    assert pq.read_table(folder).num_rows == ROWS


def test_non_empty_folder_kept_without_overwrite(sample_csv, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "notes.txt").write_text("precious\n")
    result = run_cli("expand", sample_csv, f"{folder}/", "-n", "100")
    assert result.exit_code == 2
    assert "is not empty; pass --overwrite" in result.output
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]

    expand(sample_csv, f"{folder}/", "--overwrite")
    assert sorted(p.name for p in folder.iterdir()) == ["_manifest.json", "part-00000.parquet"]
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


def test_existing_part_kept_without_overwrite(sample_csv, tmp_path):
    folder = tmp_path / "parts"
    expand(sample_csv, f"{folder}/", "--part-rows", PART_ROWS, "--part", "0")
    before = (folder / "part-00000.parquet").read_bytes()
    result = run_cli("expand", sample_csv, f"{folder}/", "-n", ROWS, "--part-rows", PART_ROWS, "--part", "0")
    assert result.exit_code == 2
    assert "part-00000.parquet' already exists; pass --overwrite" in result.output
    assert (folder / "part-00000.parquet").read_bytes() == before


def test_part_beyond_last_is_usage_error(sample_csv, tmp_path):
    result = run_cli("expand", sample_csv, f"{tmp_path}/out/", "-n", ROWS, "--part-rows", PART_ROWS, "--part", "3")
    assert result.exit_code == 2
    assert "makes 3 part(s), numbered 0 to 2" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("option", [["--part", "0"], ["--part-rows", "10"]])
def test_part_options_need_folder_output(sample_csv, tmp_path, option):
    output = tmp_path / "out.parquet"
    result = run_cli("expand", sample_csv, output, "-n", "100", *option)
    assert result.exit_code == 2
    assert f"{option[0]} applies only to a folder OUTPUT" in result.output
    assert not output.exists()


def test_file_in_place_of_folder_is_usage_error(sample_csv, tmp_path):
    output = tmp_path / "out"
    output.write_text("a file\n")
    result = run_cli("expand", sample_csv, f"{output}/", "-n", "100", "--overwrite")
    assert result.exit_code == 2
    assert "is a file; name a folder" in result.output
    assert output.read_text() == "a file\n"


def test_input_inside_output_folder_is_usage_error(sample_csv, tmp_path):
    folder = tmp_path / "inside"
    folder.mkdir()
    source = folder / "sample.csv"
    source.write_bytes(sample_csv.read_bytes())
    result = run_cli("expand", source, folder, "-n", "100", "--overwrite")
    assert result.exit_code == 2
    assert "is inside the output folder" in result.output
    assert source.exists()


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_bad_jobs_are_usage_errors(sample_csv, tmp_path, jobs):
    result = run_cli("expand", sample_csv, tmp_path / "out.csv", "-n", "10", "--jobs", jobs)
    assert result.exit_code == 2
    assert "--jobs" in result.output


def test_ordered_map_keeps_order():
    delays = [0.03, 0.0, 0.02, 0.0, 0.01]

    def slow_square(index: int) -> int:
        time.sleep(delays[index])
        return index * index

    assert list(ordered_map(slow_square, range(5), jobs=3)) == [0, 1, 4, 9, 16]


def test_ordered_map_raises_at_failing_item():
    def fail_on_two(index: int) -> int:
        if index == 2:
            raise ValueError("item 2")
        return index

    results = ordered_map(fail_on_two, range(5), jobs=2)
    assert next(results) == 0
    assert next(results) == 1
    with pytest.raises(ValueError, match="item 2"):
        next(results)
