"""Interruptions and write failures: a real smotegen process, real signals, real files.

Every case must end with a one-line error and the right exit code, nothing at
the target (or the old output unchanged) and no temporary file left behind. A
dataset run may keep a staging folder of finished parts for --resume, but
never a cut-off part.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from smotegen.writing import write_error_message

ROOT = Path(__file__).resolve().parents[1]
SMOTEGEN = [sys.executable, "-m", "smotegen"]

# Far more rows than any test waits for: the run is always interrupted mid-write.
ENDLESS_ROWS = "50_000_000"
# The temporary output must contain this many bytes before the signal, so it is sent mid-write.
WRITTEN_BYTES = 100_000
WAIT_SECONDS = 60

OLD_CONTENT = {".csv": b"old,output\n1,2\n", ".parquet": b"PAR1 old output PAR1"}


@pytest.fixture(scope="module")
def sample_csv(tmp_path_factory) -> Path:
    rng = np.random.default_rng(8)
    rows = 200
    frame = pd.DataFrame(
        {
            "plan": rng.choice(["Basic", "Plus", "Max"], rows),
            "minutes": rng.gamma(2, 50, rows).round(1),
            "calls": rng.poisson(30, rows),
            "churn": rng.random(rows) < 0.15,
        }
    )
    path = tmp_path_factory.mktemp("sample") / "sample.csv"
    frame.to_csv(path, index=False)
    return path


def default_sigint() -> None:
    # A child of a shell that ignores SIGINT inherits that, so Python would never raise KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(sample: Path, output: str, *options: str) -> subprocess.Popen:
    command = [*SMOTEGEN, "expand", str(sample), output, "-n", ENDLESS_ROWS, "--seed", "1", "--quiet", *options]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, preexec_fn=default_sigint
    )


def temporary_paths(folder: Path) -> list[Path]:
    """Return the temporary files and folders (``.NAME....partial``) anywhere below ``folder``."""
    return sorted(p for p in folder.rglob(".*") if p.name.endswith(".partial"))


def written_bytes(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def wait_until_writing(process: subprocess.Popen, folder: Path) -> None:
    """Wait until a temporary output below ``folder`` contains WRITTEN_BYTES bytes."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"smotegen exited with {process.returncode} before the signal: {process.stderr.read()}")
        try:
            if any(written_bytes(p) >= WRITTEN_BYTES for p in temporary_paths(folder)):
                return
        except FileNotFoundError:
            pass  # a part file was renamed while being measured
        time.sleep(0.02)
    process.kill()
    process.communicate()
    pytest.fail(f"no temporary output of {WRITTEN_BYTES} bytes appeared in {WAIT_SECONDS} s")


def interrupt(process: subprocess.Popen, signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"smotegen did not stop within {WAIT_SECONDS} s of signal {signum}")
    return process.returncode, stderr


SIGNALS = [
    pytest.param(signal.SIGINT, 130, "smotegen: error: interrupted; no output was written\n", id="SIGINT"),
    pytest.param(signal.SIGTERM, 143, "smotegen: error: terminated; no output was written\n", id="SIGTERM"),
]


@pytest.mark.parametrize("signum,exit_code,message", SIGNALS)
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_signal_leaves_no_file(sample_csv, tmp_path, signum, exit_code, message, suffix):
    target = tmp_path / f"out{suffix}"
    process = start(sample_csv, str(target))
    wait_until_writing(process, tmp_path)
    returncode, stderr = interrupt(process, signum)
    assert returncode == exit_code
    assert stderr == message
    assert not target.exists()
    assert temporary_paths(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signum,exit_code,message", SIGNALS)
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_signal_keeps_old_file_with_overwrite(sample_csv, tmp_path, signum, exit_code, message, suffix):
    target = tmp_path / f"out{suffix}"
    target.write_bytes(OLD_CONTENT[suffix])
    process = start(sample_csv, str(target), "--overwrite", "--jobs", "2")
    wait_until_writing(process, tmp_path)
    returncode, stderr = interrupt(process, signum)
    assert returncode == exit_code
    assert stderr == message
    assert target.read_bytes() == OLD_CONTENT[suffix]
    assert temporary_paths(tmp_path) == []
    assert list(tmp_path.iterdir()) == [target]


def write_old_dataset(folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    pd.DataFrame({"old": [1, 2, 3]}).to_parquet(folder / "part-00000.parquet")
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("signum,exit_code,message", SIGNALS)
def test_signal_keeps_old_dataset_with_overwrite(sample_csv, tmp_path, signum, exit_code, message):
    target = tmp_path / "out"
    old = write_old_dataset(target)
    # One part of every row, so no part is finished when the signal arrives.
    process = start(sample_csv, f"{target}/", "--overwrite", "--part-rows", ENDLESS_ROWS)
    wait_until_writing(process, tmp_path)
    returncode, stderr = interrupt(process, signum)
    assert returncode == exit_code
    assert stderr == message
    assert {p.name: p.read_bytes() for p in target.iterdir()} == old
    assert temporary_paths(tmp_path) == []
    assert list(tmp_path.iterdir()) == [target]


def test_signal_during_single_part_keeps_folder(sample_csv, tmp_path):
    target = tmp_path / "out"
    old = write_old_dataset(target)
    process = start(sample_csv, f"{target}/", "--part", "1", "--part-rows", "20_000_000")
    wait_until_writing(process, tmp_path)
    returncode, stderr = interrupt(process, signal.SIGTERM)
    assert returncode == 143
    assert stderr == "smotegen: error: terminated; no output was written\n"
    assert {p.name: p.read_bytes() for p in target.iterdir()} == old
    assert temporary_paths(tmp_path) == []


def test_signal_keeps_only_whole_parts(sample_csv, tmp_path):
    target = tmp_path / "out"
    process = start(sample_csv, f"{target}/", "--part-rows", "50_000")
    wait_until_writing(process, tmp_path)
    time.sleep(0.5)  # let several parts finish
    returncode, stderr = interrupt(process, signal.SIGINT)
    assert returncode == 130
    assert stderr.count("\n") == 1
    assert stderr.startswith("smotegen: error: interrupted")
    assert not target.exists()
    # A folder kept for --resume may contain finished parts, but never a cut-off one.
    for kept in temporary_paths(tmp_path):
        assert kept.is_dir(), f"temporary file {kept} left behind"
        for part in kept.glob("part-*.parquet"):
            assert pq.ParquetFile(part).metadata.num_rows == 50_000, f"{part.name} is incomplete"
        assert not [p for p in kept.iterdir() if p.name.startswith(".")], "a temporary part was left"


def limit_file_size() -> None:
    # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG, as on a full disk.
    resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))


@pytest.mark.parametrize("name", ["out.csv", "out.parquet", "out/"])
def test_full_disk_is_one_line_error(sample_csv, tmp_path, name):
    target = tmp_path / name.rstrip("/")
    command = [*SMOTEGEN, "expand", str(sample_csv), f"{tmp_path}/{name}", "-n", "1_000_000", "--seed", "1"]
    completed = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, preexec_fn=limit_file_size, timeout=WAIT_SECONDS
    )
    assert completed.returncode == 1
    assert completed.stderr.count("\n") == 1, completed.stderr
    assert completed.stderr.startswith(f"smotegen: error: failed to write {str(target)!r}: File too large; ")
    assert "ulimit -f" in completed.stderr
    assert list(tmp_path.iterdir()) == []


def test_full_disk_keeps_old_file(sample_csv, tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(OLD_CONTENT[".csv"])
    command = [*SMOTEGEN, "expand", str(sample_csv), str(target), "-n", "1_000_000", "--overwrite", "--quiet"]
    completed = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, preexec_fn=limit_file_size, timeout=WAIT_SECONDS
    )
    assert completed.returncode == 1
    assert "File too large" in completed.stderr
    assert list(tmp_path.iterdir()) == [target]
    assert target.read_bytes() == OLD_CONTENT[".csv"]


def read_only_command(folder: Path, command: list[str]) -> list[str]:
    """Return ``command`` run with ``folder`` read-only: by permissions, or for root by a read-only bind mount."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return command
    # Permissions do not stop root. A bind mount in a private mount namespace
    # goes away with the process, so nothing needs unmounting.
    unshare, mount = shutil.which("unshare"), shutil.which("mount")
    if not unshare or not mount:
        pytest.skip("root needs unshare and mount to make a read-only folder")
    probe = subprocess.run(
        [unshare, "--mount", mount, "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True, text=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only bind mount here: {probe.stderr.strip()}")
    script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
    return [unshare, "--mount", "sh", "-c", script, "sh", str(folder), *command]


@pytest.mark.parametrize("name", ["out.parquet", "out/"])
def test_unwritable_folder_is_one_line_error(sample_csv, tmp_path, name):
    folder = tmp_path / "locked"
    folder.mkdir()
    old = folder / "out.parquet"
    old.write_bytes(OLD_CONTENT[".parquet"])
    output = f"{folder}/{name}"
    command = [*SMOTEGEN, "expand", str(sample_csv), output, "-n", "1000", "--overwrite"]
    try:
        completed = subprocess.run(
            read_only_command(folder, command), capture_output=True, text=True, cwd=ROOT, timeout=WAIT_SECONDS
        )
    finally:
        folder.chmod(0o755)
    assert completed.returncode == 1
    assert completed.stderr.count("\n") == 1, completed.stderr
    assert f"smotegen: error: failed to write {output.rstrip('/')!r}: " in completed.stderr
    assert ("Read-only file system" in completed.stderr) or ("Permission denied" in completed.stderr)
    assert "choose" in completed.stderr
    assert list(folder.iterdir()) == [old]
    assert old.read_bytes() == OLD_CONTENT[".parquet"]


@pytest.mark.parametrize(
    "error,expected",
    [
        (OSError(28, "No space left on device"), "No space left on device; free disk space or write to another disk"),
        (OSError(27, "Error writing bytes to file. Detail: [errno 27] File too large"), "File too large; the file"),
        (OSError(13, "Permission denied"), "Permission denied; choose an output folder you can write to"),
        (OSError(5, "Input/output error"), "Input/output error; check the output folder"),
    ],
)
def test_write_error_message_gives_advice(error, expected):
    message = write_error_message("out.csv", error)
    assert message.startswith(f"failed to write 'out.csv': {expected}")
    assert "\n" not in message
