"""Writing synthetic tables chunk by chunk, atomically.

Output goes to a temporary file beside the target, which replaces the target
only once every chunk is written, so an error or an interruption never leaves
a partial file or clobbers an old one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from smotegen.errors import UsageError
from smotegen.reading import format_of

OUTPUT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}

# Rows per Parquet row group. Fixed rather than tied to the chunk size, so
# the output file is byte-identical whatever chunk size generated it.
ROW_GROUP_ROWS = 131_072


def is_folder_output(output: str | os.PathLike) -> bool:
    """Return whether ``output`` names a folder: it ends with a slash or is an existing folder."""
    text = os.fspath(output)
    return text.endswith(("/", os.sep)) or Path(text).is_dir()


# The advice that follows a failed write, by errno.
_WRITE_ERROR_HINTS = {
    errno.ENOSPC: "free disk space or write to another disk",
    errno.EFBIG: "the file reached the size limit of the file system or of the process (ulimit -f); "
    "write to another disk or raise the limit",
    errno.EDQUOT: "free space within your disk quota or write to another disk",
    errno.EACCES: "choose an output folder you can write to, or change its permissions",
    errno.EPERM: "choose an output folder you can write to, or change its permissions",
    errno.EROFS: "choose an output folder on a writable file system",
    errno.ENOENT: "the output folder was removed or does not accept new files; choose another folder",
}


def write_error_message(path: str | os.PathLike, error: OSError) -> str:
    """Return the one-line message for a failed write of ``path``: the reason and what to do."""
    number = error.errno
    reason = error.strerror or str(error)
    # Arrow's writers wrap the system error: "Error writing bytes to file. Detail: [errno 27] File too large".
    found = re.search(r"\[errno (\d+)\] (.+)$", str(error))
    if found:
        number, reason = int(found.group(1)), found.group(2)
    hint = _WRITE_ERROR_HINTS.get(number, "check the output folder")
    return f"failed to write {os.fspath(path)!r}: {reason}; {hint}"


def check_output_path(output: Path, overwrite: bool, inputs: list[Path]) -> str:
    """Validate the output file path before any work starts and return its format."""
    kind = format_of(output, OUTPUT_FORMATS, "output")
    if not output.parent.exists():
        raise UsageError(f"output folder {str(output.parent)!r} does not exist; create it first")
    for source in inputs:
        if source.exists() and output.exists() and os.path.samefile(source, output):
            raise UsageError(f"output {str(output)!r} is the input file; choose another output path")
    if output.exists() and not overwrite:
        raise UsageError(f"output file {str(output)!r} already exists; pass --overwrite to replace it")
    return kind


@contextlib.contextmanager
def atomic_output(output: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``output`` that replaces it only on success."""
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        os.chmod(temporary_path, 0o666 & ~current_umask())
        os.replace(temporary_path, output)
    except BaseException:
        temporary_path.unlink(missing_ok=True)
        raise


def current_umask() -> int:
    """Return the process umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def csv_text(table: pa.Table) -> pa.Buffer:
    """Return a chunk's CSV rows without the header, as ``ChunkWriter`` writes them.

    Formatting CSV costs more than generating the rows, so worker threads call
    this while the writer's thread writes earlier chunks.
    """
    buffer = pa.BufferOutputStream()
    pa_csv.write_csv(_to_csv_types(table), buffer, write_options=pa_csv.WriteOptions(include_header=False))
    return buffer.getvalue()


class ChunkWriter:
    """Write tables of one schema to a CSV or Parquet file, a chunk at a time."""

    def __init__(self, path: Path, kind: str, schema: pa.Schema) -> None:
        self.kind = kind
        self.schema = schema
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        if kind == "parquet":
            self._writer = pq.ParquetWriter(path, schema, compression="snappy")
        else:
            # The header once, then each chunk's rows: the same bytes as pyarrow's CSVWriter.
            self._writer = pa.OSFile(str(path), "wb")
            pa_csv.write_csv(_csv_schema(schema).empty_table(), self._writer)

    def write(self, table: pa.Table, text: pa.Buffer | None = None) -> None:
        """Write a chunk. For CSV, ``text`` may carry its rows already formatted by ``csv_text``."""
        if self.kind == "csv":
            self._writer.write(text if text is not None else csv_text(table))
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        while self._pending_rows >= ROW_GROUP_ROWS:
            self._flush(ROW_GROUP_ROWS)

    def close(self) -> None:
        if self._pending_rows:
            self._flush(self._pending_rows)
        self._writer.close()

    def _flush(self, rows: int) -> None:
        combined = pa.concat_tables(self._pending)
        self._writer.write_table(combined.slice(0, rows), row_group_size=rows)
        rest = combined.slice(rows)
        self._pending = [rest] if rest.num_rows else []
        self._pending_rows = rest.num_rows

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is None:
            self.close()
        else:
            with contextlib.suppress(Exception):
                self._writer.close()


def _csv_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, _csv_type(f.type)) for f in schema])


def _csv_type(data_type: pa.DataType) -> pa.DataType:
    # The CSV writer cannot write dictionary columns: write their values.
    return data_type.value_type if pa.types.is_dictionary(data_type) else data_type


def _to_csv_types(table: pa.Table) -> pa.Table:
    if not any(pa.types.is_dictionary(f.type) for f in table.schema):
        return table
    return table.cast(_csv_schema(table.schema))
