"""The manifest of a dataset output, and the staging folder that lets an interrupted run resume.

A whole dataset is written into a staging folder beside the target,
``.NAME.partial``, which takes the target's name once every part is complete.
The staging folder contains a journal, ``_journal.jsonl``. Its first line
contains the run's settings: everything that decides the parts' bytes (the sample
file's SHA-256, the reading and model options, ``-n``, the part size, the seed
and the smotegen version). Each further line records a finished part: its
rows, its size in bytes and its SHA-256. The last file written before the
rename is the manifest, ``_manifest.json``, with the settings and every part's
record in part order, so a dataset folder is complete when it contains a manifest.

A run that fails or is interrupted keeps its staging folder if a part was
finished. ``--resume`` skips the parts that the journal lists and whose files
still have the recorded size, and writes the others. A part's bytes depend
only on the settings and its index, so the resumed folder, manifest included,
is byte-identical to that of an uninterrupted run.

Readers such as ``pyarrow.dataset``, pandas and Spark skip names that start
with ``_`` or ``.``, so they see only the part files.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from smotegen.errors import SmotegenError, UsageError
from smotegen.parts import Part, check_output_folder, replace_folder
from smotegen.writing import atomic_output

if TYPE_CHECKING:
    from smotegen.expand import ExpandSettings

MANIFEST_NAME = "_manifest.json"
JOURNAL_NAME = "_journal.jsonl"
MANIFEST_FORMAT = "smotegen-dataset/1"

HASH_BLOCK_BYTES = 1 << 20

# The options behind each setting, for messages about a run that cannot be resumed.
SETTING_OPTIONS = {
    "smotegen": "smotegen version",
    "sample_sha256": "INPUT contents",
    "delimiter": "--delimiter",
    "encoding": "--encoding",
    "model": "model options (-k, --method, --categorical, --numeric, --key, --by, --balance, --shares, "
    "--small-groups, --allow-copies, --min-distance)",
    "rows": "-n",
    "part_rows": "--part-rows",
    "seed": "--seed",
}


@dataclass(frozen=True)
class PartRecord:
    """A finished part file: its index, name, rows, size in bytes and SHA-256."""

    index: int
    name: str
    rows: int
    bytes: int
    sha256: str


def file_sha256(path: Path) -> tuple[str, int]:
    """Return the SHA-256 of a file, in hexadecimal, and its size in bytes."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as file:
        while block := file.read(HASH_BLOCK_BYTES):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def record_part(part: Part, folder: Path) -> PartRecord:
    """Return the record of the finished file of ``part`` in ``folder`` (reads the file once)."""
    sha256, size = file_sha256(folder / part.name)
    return PartRecord(part.index, part.name, part.stop - part.start, size, sha256)


def dataset_settings(source: Path, settings: ExpandSettings, part_rows: int, seed: int) -> dict:
    """Return the settings that decide the parts' bytes, as they appear in the manifest."""
    try:
        version = importlib.metadata.version("smotegen")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    values = {
        "smotegen": version,
        "sample_sha256": file_sha256(source)[0],
        "delimiter": settings.delimiter,
        "encoding": settings.encoding,
        "model": asdict(settings.model),
        "rows": settings.rows,
        "part_rows": part_rows,
        "seed": seed,
    }
    # Through JSON and back, so that tuples become lists as in a journal read back.
    return json.loads(json.dumps(values))


@dataclass
class StagedDataset:
    """A whole dataset output: its settings and the parts already finished in its staging folder."""

    output: Path
    settings: dict
    finished: dict[int, PartRecord] = field(default_factory=dict)
    # The output folder already contains this dataset, complete, so there is nothing to write.
    complete: bool = False

    @property
    def folder(self) -> Path:
        return self.output.parent / f".{self.output.name}.partial"


def previous_seed(output: Path) -> int | None:
    """Return the seed of the run staged for ``output``, or of the complete dataset in it, if any."""
    staging = StagedDataset(output, {}).folder
    with contextlib.suppress(UsageError):
        if staging.exists():
            return read_journal(staging)[0].get("seed")
        manifest = read_manifest(output)
        if manifest is not None:
            return manifest[0].get("seed")
    return None


def plan_staging(output: Path, settings: dict, resume: bool, overwrite: bool, inputs: list[Path]) -> StagedDataset:
    """Check a whole-dataset output before any file is written and return it with the parts to skip."""
    staged = StagedDataset(output, settings)
    folder = staged.folder

    if resume and not folder.exists():
        manifest = read_manifest(output)
        if manifest is not None and manifest[0] == settings:
            staged.finished = {record.index: record for record in manifest[1]}
            staged.complete = True
            return staged
    check_output_folder(output, overwrite, inputs, None)
    if not folder.exists():
        return staged

    if not resume:
        if not overwrite:
            raise UsageError(
                f"{str(folder)!r} contains the parts of an interrupted run; "
                "pass --resume to continue it, or --overwrite to start over"
            )
        return staged

    previous, records = read_journal(folder)
    changed = [SETTING_OPTIONS.get(key, key) for key in settings if previous.get(key) != settings[key]]
    if changed:
        raise UsageError(
            f"--resume: the parts in {str(folder)!r} were made with other {', '.join(changed)}; "
            "pass the same input and options to continue, or drop --resume and pass --overwrite to start over"
        )
    for record in records:
        path = folder / record.name
        if path.is_file() and path.stat().st_size == record.bytes:
            staged.finished[record.index] = record
    return staged


def read_journal(folder: Path) -> tuple[dict, list[PartRecord]]:
    """Return the settings and the part records of the journal in a staging folder."""
    path = folder / JOURNAL_NAME
    fix = "pass --overwrite without --resume to start over"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise UsageError(f"cannot read the journal {str(path)!r}: {error.strerror or error}; {fix}") from error
    entries = []
    for number, line in enumerate(lines, start=1):
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError as error:
            if number == len(lines):
                break  # the last line of a run stopped while writing it
            raise UsageError(f"line {number} of the journal {str(path)!r} is not valid JSON; {fix}") from error
    if not entries or "settings" not in entries[0]:
        raise UsageError(f"the journal {str(path)!r} does not start with the run's settings; {fix}")
    try:
        records = [PartRecord(**entry["part"]) for entry in entries[1:]]
    except (KeyError, TypeError) as error:
        raise UsageError(f"the journal {str(path)!r} has a line that is not a part record; {fix}") from error
    return entries[0]["settings"], records


def read_manifest(folder: Path) -> tuple[dict, list[PartRecord]] | None:
    """Return the settings and the part records of a complete dataset folder, or None without a valid manifest."""
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        return manifest["settings"], [PartRecord(**record) for record in manifest["parts"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


class Journal:
    """The journal of a staging folder, open for appending the records of finished parts."""

    def __init__(self, staged: StagedDataset) -> None:
        self.staged = staged
        self.folder = staged.folder
        self._file = open(self.folder / JOURNAL_NAME, "a", encoding="utf-8")

    def add(self, record: PartRecord) -> None:
        self._file.write(json.dumps({"part": asdict(record)}) + "\n")
        self._file.flush()
        self.staged.finished[record.index] = record

    def add_part(self, part: Part) -> None:
        """Record the finished file of ``part``, written into the staging folder here."""
        self.add(record_part(part, self.folder))

    def close(self) -> None:
        self._file.close()


@contextlib.contextmanager
def staged_writing(staged: StagedDataset) -> Iterator[Journal]:
    """Yield the journal of the staging folder; on success, write the manifest and give the folder the output's name.

    A failed or interrupted run keeps the staging folder if a part is
    finished, for ``--resume``, and removes it otherwise.
    """
    folder = staged.folder
    if not staged.finished:
        shutil.rmtree(folder, ignore_errors=True)  # a stopped run's parts, discarded with --overwrite
        folder.mkdir()
    # Written afresh, without records of parts whose files changed or a line cut short.
    lines = [{"settings": staged.settings}] + [{"part": asdict(r)} for r in _in_order(staged.finished)]
    with atomic_output(folder / JOURNAL_NAME) as temporary:
        temporary.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    journal = Journal(staged)
    try:
        yield journal
    except BaseException:
        journal.close()
        if not staged.finished:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    journal.close()
    _finish(staged)


def _finish(staged: StagedDataset) -> None:
    folder = staged.folder
    # NOTE: a writer killed mid-part leaves a temporary file. A task that a
    # --scheduler cluster still runs after a stopped run can leave one later,
    # so resume once such tasks have ended.
    for leftover in folder.glob(".*.partial"):
        leftover.unlink(missing_ok=True)
    settings = staged.settings
    expected = -(-settings["rows"] // settings["part_rows"])
    missing = sorted(set(range(expected)) - set(staged.finished))
    if missing:
        raise SmotegenError(f"part(s) {', '.join(map(str, missing[:5]))} were not written; rerun with --resume")
    for record in staged.finished.values():
        size = (folder / record.name).stat().st_size
        if size != record.bytes:
            raise SmotegenError(
                f"part file {str(folder / record.name)!r} has {size:,} bytes, not the {record.bytes:,} recorded "
                "when it was written; check that no other run writes into the same output, then rerun with --resume"
            )
    manifest = {
        "format": MANIFEST_FORMAT,
        "settings": settings,
        "parts": [asdict(record) for record in _in_order(staged.finished)],
    }
    with atomic_output(folder / MANIFEST_NAME) as temporary:
        temporary.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (folder / JOURNAL_NAME).unlink()
    replace_folder(folder, staged.output)


def _in_order(records: dict[int, PartRecord]) -> list[PartRecord]:
    return [records[index] for index in sorted(records)]
