"""--engine dask on a real LocalCluster of 2 worker processes on loopback: same bytes as the local engine."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pandas as pd
import pytest

from smotegen import ExpandSettings, SmotegenError, SmoteModel, expand_file
from smotegen.manifest import MANIFEST_NAME
from smotegen.parts import plan_parts
from tests.conftest import run_cli

distributed = pytest.importorskip("distributed")

from smotegen import dask_engine  # noqa: E402

ROWS = 120_000
PART_ROWS = 15_000  # 8 parts


@pytest.fixture(scope="module")
def sample_csv() -> Path:
    return Path(__file__).resolve().parents[1] / "sample_data" / "telecom_usage.csv"


@pytest.fixture
def cluster():
    """A LocalCluster of 2 one-thread worker processes on loopback, closed after the test."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as local_cluster:
        yield local_cluster


@pytest.fixture(scope="module")
def local_output(sample_csv, tmp_path_factory) -> dict[str, bytes]:
    """The files of the local engine's dataset for seed 3."""
    output = tmp_path_factory.mktemp("local") / "out"
    result = expand(sample_csv, output, "--seed", "3")
    assert result.exit_code == 0, result.output
    return folder_bytes(output)


def expand(sample: Path, output: Path, *options: str):
    return run_cli("expand", sample, f"{output}/", "-n", ROWS, "--part-rows", PART_ROWS, "--quiet", *options)


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def dask_settings(scheduler: str | None, seed: int | None = 3, resume: bool = False) -> ExpandSettings:
    return ExpandSettings(
        rows=ROWS, part_rows=PART_ROWS, seed=seed, engine="dask", scheduler=scheduler, jobs=2, resume=resume
    )


def test_parts_equal_local_parts(sample_csv, tmp_path, cluster, local_output):
    output = tmp_path / "out"
    result = expand(sample_csv, output, "--seed", "3", "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 0, result.output

    files = folder_bytes(output)
    assert list(files) == [MANIFEST_NAME] + [f"part-{index:05d}.parquet" for index in range(8)]
    for name, content in local_output.items():
        assert files[name] == content, f"{name} differs from the local engine's"
    assert "120,000 synthetic rows" in result.output


def test_report_matches_local_report(sample_csv, tmp_path, cluster):
    local = expand_file(sample_csv, f"{tmp_path}/local/", ExpandSettings(rows=ROWS, part_rows=PART_ROWS, seed=3))
    remote = expand_file(sample_csv, f"{tmp_path}/dask/", dask_settings(cluster.scheduler_address))

    assert remote.synthetic_rows == local.synthetic_rows
    assert remote.quantile_rows == local.quantile_rows
    assert remote.privacy == local.privacy
    for ours, theirs in zip(remote.columns, local.columns):
        assert ours.synthetic.keys() == theirs.synthetic.keys()
        for key, value in theirs.synthetic.items():
            # Means and variances are merged part by part, so they may differ in the last bits.
            expected = pytest.approx(value, rel=1e-9, nan_ok=True) if isinstance(value, float) else value
            assert ours.synthetic[key] == expected, f"{ours.name} {key}"


def test_killed_worker_task_is_retried(sample_csv, tmp_path, cluster, local_output):
    killed = []
    with distributed.Client(cluster) as client:
        pids = client.run(os.getpid)

        def kill_a_busy_worker(rows: int) -> None:
            if killed:
                return
            busy = [worker for worker, keys in client.processing().items() if keys]
            killed.append(pids[busy[0]])
            os.kill(pids[busy[0]], signal.SIGKILL)

        output = tmp_path / "out"
        report = expand_file(sample_csv, f"{output}/", dask_settings(cluster.scheduler_address), kill_a_busy_worker)

    assert killed and killed[0] not in cluster_pids(cluster)
    assert report.synthetic_rows == ROWS
    assert folder_bytes(output) == local_output


def cluster_pids(cluster) -> set[int]:
    with distributed.Client(cluster) as client:
        client.wait_for_workers(1)
        return set(client.run(os.getpid).values())


def test_resume_after_interrupted_run(sample_csv, tmp_path, cluster, local_output):
    output = tmp_path / "out"
    finished = []

    def interrupt_after_two_parts(rows: int) -> None:
        finished.append(rows)
        if len(finished) == 2:
            raise KeyboardInterrupt

    # The interrupted run starts its own LocalCluster, which it closes on the way out.
    with pytest.raises(KeyboardInterrupt):
        expand_file(sample_csv, f"{output}/", dask_settings(None), interrupt_after_two_parts)
    staging = tmp_path / ".out.partial"
    assert len(list(staging.glob("part-*.parquet"))) >= 2
    assert not output.exists()

    result = expand(sample_csv, output, "--resume", "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 0, result.output
    assert "parts were already complete and were kept" in result.output
    assert folder_bytes(output) == local_output
    assert not staging.exists()


def test_failed_task_names_its_part(sample_csv, tmp_path, cluster):
    model = SmoteModel().fit(pd.read_csv(sample_csv))
    model.prepare(ROWS)
    parts = plan_parts(ROWS, PART_ROWS)
    (tmp_path / parts[2].name).mkdir()  # the part file cannot replace a folder

    with distributed.Client(cluster) as client, pytest.raises(SmotegenError) as error:
        settings = dask_engine.PartTaskSettings(3, str(tmp_path), 5_000, None, frozenset())
        dask_engine.run_part_tasks(client, model, parts, settings, lambda result: None)
    assert str(error.value).startswith("part 2 (part-00002.parquet) failed: IsADirectoryError")


def test_unreachable_scheduler_names_option(sample_csv, tmp_path, monkeypatch):
    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT_SECONDS", 1)
    result = expand(sample_csv, tmp_path / "out", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 1
    assert "--scheduler tcp://127.0.0.1:9: failed to connect" in result.output
    assert list(tmp_path.iterdir()) == []


def test_missing_dask_says_how_to_install(sample_csv, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = expand(sample_csv, tmp_path / "out", "--engine", "dask")
    assert result.exit_code == 1
    assert "--engine dask needs Dask distributed; install it with: pip install smotegen[dask]" in result.output
    assert list(tmp_path.iterdir()) == []
