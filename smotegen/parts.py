"""Partitioned output: a folder of Parquet part files that together hold the synthetic table.

Part ``i`` contains output rows ``i * part_rows`` to ``(i + 1) * part_rows - 1``
(the last part may be shorter) and is named ``part-00000.parquet``,
``part-00001.parquet`` and so on, so that name order is row order. Rows are a
pure function of the seed and their row numbers, so a part's file depends only
on the sample, the settings, the seed, ``-n``, the part size and its index:
it can be regenerated alone (``--part i``) with the same bytes. That needs the
same software versions and kind of CPU, because the neighbour search's
floating-point sums may round differently on another CPU.

A whole dataset is written into a staging folder beside the target, which
takes the target's name only once every part is complete and the manifest is
written (see ``smotegen.manifest``). A single part is written to a temporary
file in the target folder and renamed when complete. Readers such as
``pyarrow.dataset`` skip names that start with a dot, so they never see either
kind of temporary output.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from smotegen.errors import UsageError
from smotegen.writing import ChunkWriter, atomic_output

# Rows per part file by default: 8 Parquet row groups of 131,072 rows, so that
# 10M rows make 10 parts, each large enough to read efficiently.
PART_ROWS = 8 * 131_072

MIN_NAME_DIGITS = 5


@dataclass(frozen=True)
class Part:
    """One part file: its index, its rows ``start`` to ``stop - 1`` and its file name."""

    index: int
    start: int
    stop: int
    name: str


def plan_parts(rows: int, part_rows: int) -> list[Part]:
    """Split ``rows`` output rows into parts of ``part_rows`` rows (the last may be shorter)."""
    count = -(-rows // part_rows)
    digits = max(MIN_NAME_DIGITS, len(str(count - 1)))
    return [
        Part(index, start, min(start + part_rows, rows), f"part-{index:0{digits}d}.parquet")
        for index, start in enumerate(range(0, rows, part_rows))
    ]


def check_part_index(part: int, rows: int, part_rows: int) -> None:
    """Raise a usage error unless ``part`` is the index of one of the parts."""
    count = -(-rows // part_rows)
    if part >= count:
        raise UsageError(
            f"--part {part}: -n {rows:,} with --part-rows {part_rows:,} makes {count:,} part(s), "
            f"numbered 0 to {count - 1:,}; pass one of those"
        )


def check_output_folder(output: Path, overwrite: bool, inputs: list[Path], part: Part | None) -> None:
    """Validate a folder output before any work starts.

    A whole dataset needs a missing or empty folder, or ``overwrite``. A single
    part may go into a folder that contains other parts, but does not replace its
    own file without ``overwrite``.
    """
    if not output.parent.exists():
        raise UsageError(f"output folder {str(output.parent)!r} does not exist; create it first")
    if output.exists() and not output.is_dir():
        raise UsageError(f"output {str(output)!r} is a file; name a folder, or drop the trailing slash")
    for source in inputs:
        if output.exists() and source.exists() and output.resolve() in source.resolve().parents:
            raise UsageError(f"input {str(source)!r} is inside the output folder; choose another output folder")
    if part is not None:
        if (output / part.name).exists() and not overwrite:
            raise UsageError(f"part file {str(output / part.name)!r} already exists; pass --overwrite to replace it")
        return
    if output.exists() and any(output.iterdir()) and not overwrite:
        raise UsageError(f"output folder {str(output)!r} is not empty; pass --overwrite to replace it")


def replace_folder(new: Path, target: Path) -> None:
    """Give folder ``new`` the name ``target``, replacing a folder of that name."""
    # rename(2) replaces a missing or empty folder in one step. A folder with
    # files is first moved aside, so the target name never shows a mix of old
    # and new parts. The name is missing only between the two renames.
    if not target.exists() or not any(target.iterdir()):
        os.replace(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


class DatasetWriter:
    """Write chunks of a partitioned output in row order, one Parquet file per part.

    Chunks must not straddle parts; ``write`` opens a part's file at its
    first chunk and closes the previous part's file. ``on_part_closed`` is
    called with each part once its file is complete.
    """

    def __init__(
        self,
        folder: Path,
        schema: pa.Schema,
        atomic_parts: bool,
        on_part_closed: Callable[[Part], None] | None = None,
    ) -> None:
        self.folder = folder
        self.schema = schema
        self.atomic_parts = atomic_parts
        self.on_part_closed = on_part_closed
        self._part: Part | None = None
        self._stack = contextlib.ExitStack()
        self._writer: ChunkWriter | None = None

    def write(self, part: Part, table: pa.Table) -> None:
        if part != self._part:
            self._close_part()
            self._open_part(part)
        self._writer.write(table)

    def _open_part(self, part: Part) -> None:
        path = self.folder / part.name
        if self.atomic_parts:
            path = self._stack.enter_context(atomic_output(path))
        self._writer = self._stack.enter_context(ChunkWriter(path, "parquet", self.schema))
        self._part = part

    def _close_part(self) -> None:
        self._stack.close()
        self._stack = contextlib.ExitStack()
        self._writer = None
        if self._part is not None and self.on_part_closed is not None:
            self.on_part_closed(self._part)

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is None:
            self._close_part()
            return
        # On error, the exit stack removes a temporary part file and closes the writer.
        self._stack.__exit__(*exc_info)
