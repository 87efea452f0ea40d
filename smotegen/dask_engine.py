"""Run the part files of a dataset output as Dask tasks, on a running cluster or on a LocalCluster here.

Each part is one task, ``write_part_task``: a pure function of the fitted
model, the seed, the part and the chunk size, which writes the part's file
through a temporary file and returns its record and the statistics of its
rows. A part's bytes depend only on the model, the settings, the seed and its
index. So the files equal the local engine's, whichever worker writes them,
and a task that Dask runs again after its worker died writes the same file.
The fitted model is scattered to every worker once, and every task takes it
as a dependency, so it is not sent with each task.

The output folder must be on storage that this machine and every worker mount
at the same path, such as a network file system: the workers write the parts,
and this machine writes the journal and the manifest (see
``smotegen.manifest``).

Dask distributed is an optional extra: ``pip install smotegen[dask]``.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.metadata
import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from smotegen.errors import SmotegenError
from smotegen.manifest import JOURNAL_NAME, Journal, PartRecord, record_part
from smotegen.parallel import plan_chunks
from smotegen.parts import DatasetWriter, Part
from smotegen.privacy import GuardCounts
from smotegen.stats import TableStats, sampling_priority_limit

if TYPE_CHECKING:
    from distributed import Client, Future

    from smotegen.expand import ExpandSettings
    from smotegen.model import SmoteModel

INSTALL_COMMAND = "pip install smotegen[dask]"

# Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which stops
# glibc from raising its mmap threshold, so every large numpy temporary is a
# fresh mmap. A 1,048,576-row part of the bundled sample then took 2.55 s of
# CPU instead of 1.55 s (write_part_task in one process, 2-core x86-64
# machine). The LocalCluster that smotegen starts leaves the variable unset.
WORKER_TRIM_SETTING = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"

# How long to try to reach a --scheduler address, and then to wait for its first worker.
CONNECT_TIMEOUT_SECONDS = 20
WORKER_TIMEOUT_SECONDS = 60


@dataclass
class PartResult:
    """The result of a part task: its file's record, its rows' statistics and its privacy guard counts."""

    record: PartRecord
    stats: TableStats
    guard_counts: GuardCounts | None


def require_distributed() -> None:
    """Raise a SmotegenError with the install command when Dask distributed is missing."""
    try:
        import distributed  # noqa: F401
    except ImportError as error:
        raise SmotegenError(f"--engine dask needs Dask distributed; install it with: {INSTALL_COMMAND}") from error


@dataclass(frozen=True)
class PartTaskSettings:
    """The inputs that every part task of a run shares, besides the fitted model."""

    seed: int
    # The staging folder, as an absolute path that every worker can open.
    folder: str
    chunk_rows: int
    # The statistics' row sample bound (stats.sampling_priority_limit) and the columns whose levels are not counted.
    priority_limit: int | None
    uncounted: frozenset[str]


def write_part_task(model: SmoteModel, part: Part, settings: PartTaskSettings) -> PartResult:
    """Generate the rows of ``part``, write its file into the staging folder and return its record and statistics.

    ``model`` must be prepared for the whole output (``SmoteModel.prepare``),
    so that generating does not change it.
    """
    if model.guard is not None:
        # Tasks on one worker share the scattered model: count this part's rows on their own.
        model = copy.copy(model)
        model.guard = model.guard.with_new_counts()
    folder = Path(settings.folder)
    stats = TableStats(model.schema, priority_limit=settings.priority_limit, uncounted=settings.uncounted)
    with DatasetWriter(folder, model.schema, atomic_parts=True) as writer:
        for chunk in plan_chunks(part.start, part.stop, settings.chunk_rows, part):
            table = model.generate(chunk.start, chunk.stop, settings.seed)
            writer.write(part, table)
            stats.update(table, chunk.start)
    guard_counts = model.guard.counts if model.guard is not None else None
    return PartResult(record_part(part, folder), stats, guard_counts)


def write_parts_on_dask(
    model: SmoteModel,
    parts: list[Part],
    seed: int,
    journal: Journal,
    settings: ExpandSettings,
    stats: TableStats,
    progress: Callable[[int], None] | None,
) -> None:
    """Write ``parts`` into the journal's staging folder as Dask tasks, and add their statistics to ``stats``.

    Each finished part is recorded in the journal and reported to ``progress``
    with its row count as soon as its task ends. The statistics and privacy
    guard counts are added in part order once every task has ended.
    """

    def finished(result: PartResult) -> None:
        journal.add(result.record)
        if progress:
            progress(result.record.rows)

    with connect(settings.scheduler, settings.jobs) as client:
        folder = journal.folder.resolve()
        check_workers(client, folder)
        task_settings = PartTaskSettings(
            seed, str(folder), settings.chunk_size, sampling_priority_limit(settings.rows), stats.uncounted
        )
        results = run_part_tasks(client, model, parts, task_settings, finished)
    for result in results:
        stats.merge(result.stats)
        if model.guard is not None:
            model.guard.counts.merge(result.guard_counts)


@contextlib.contextmanager
def connect(scheduler: str | None, workers: int) -> Iterator[Client]:
    """Yield a client of the scheduler at ``scheduler``, or of a LocalCluster of ``workers`` workers on loopback."""
    require_distributed()
    import dask
    from distributed import Client, LocalCluster

    if scheduler is None:
        with warnings.catch_warnings(), dask.config.set({WORKER_TRIM_SETTING: None}):
            # The scheduler's HTTP server (health and metrics routes, no
            # dashboard) moves to a free port when 8787 is taken, and warns.
            warnings.filterwarnings("ignore", message="Port 8787 is already in use", category=UserWarning)
            # --jobs processes of one thread each, so that --jobs counts the
            # cores used, as it does for the local engine.
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
        with cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_SECONDS)
    except (OSError, TimeoutError, ValueError) as error:
        raise SmotegenError(
            f"--scheduler {scheduler}: failed to connect ({error}); check the address and that the scheduler is running"
        ) from error
    with client:
        yield client


def check_workers(client: Client, folder: Path) -> None:
    """Raise a SmotegenError unless workers have joined, run this smotegen version and see ``folder``."""
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT_SECONDS)
    except TimeoutError as error:
        raise SmotegenError(
            f"no worker joined the scheduler {client.scheduler.address} within {WORKER_TIMEOUT_SECONDS} s; "
            f"start workers with: dask worker {client.scheduler.address}"
        ) from error
    local_version = importlib.metadata.version("smotegen")
    versions = client.run(importlib.metadata.version, "smotegen", on_error="return")
    for worker, version in sorted(versions.items()):
        if version != local_version:
            found = f"smotegen {version}" if isinstance(version, str) else "no smotegen"
            raise SmotegenError(
                f"worker {worker} has {found} and this machine {local_version}; "
                f"install smotegen[dask]=={local_version} on every worker"
            )
    # The driver wrote the journal: a worker that cannot see it cannot write parts beside it.
    seen = client.run(os.path.exists, str(folder / JOURNAL_NAME))
    blind = sorted(worker for worker, exists in seen.items() if not exists)
    if blind:
        raise SmotegenError(
            f"worker {blind[0]} ({len(blind)} of {len(seen)}) cannot see the output's staging folder "
            f"{str(folder)!r}; put OUTPUT on storage that every worker mounts at the same path"
        )


def run_part_tasks(
    client: Client,
    model: SmoteModel,
    parts: list[Part],
    settings: PartTaskSettings,
    finished: Callable[[PartResult], None],
) -> list[PartResult]:
    """Run one task per part and return their results in part order.

    ``finished`` is called with each result as its task ends. The first task
    that fails raises a SmotegenError naming its part, and the others are
    cancelled. Dask itself runs a task again when its worker dies, up to the
    scheduler's ``allowed-failures`` setting (3 by default).
    """
    from distributed import as_completed

    model_future = client.scatter(model, broadcast=True, hash=False)
    run = uuid.uuid4().hex[:8]
    futures: dict[Future, Part] = {}
    for part in parts:
        key = f"smotegen-part-{run}-{part.index}"
        future = client.submit(write_part_task, model_future, part, settings, key=key, pure=False)
        futures[future] = part
    results = []
    try:
        for future in as_completed(futures):
            part = futures[future]
            if future.status == "cancelled":
                raise SmotegenError(f"the task of part {part.index} ({part.name}) was cancelled by the scheduler")
            if future.status != "finished":
                error = future.exception()
                raise SmotegenError(f"part {part.index} ({part.name}) failed: {type(error).__name__}: {error}")
            result = future.result()
            future.release()
            finished(result)
            results.append(result)
    finally:
        # NOTE: cancelling stops queued tasks, but a task already running on a
        # worker of a --scheduler cluster runs to its end.
        client.cancel([*futures, model_future])
    return sorted(results, key=lambda result: result.record.index)
