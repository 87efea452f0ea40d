"""Reading samples: CSV (optionally gzip-compressed) and Parquet, chosen by extension.

When no delimiter is given, a CSV file's delimiter is detected from its first
rows: comma when every row splits into the same number of fields (more than
one) on commas, else whichever of semicolon, tab and pipe does so, with the
most fields. The detected delimiter is reported in ``Sample.notes`` unless it
is the comma.

Nested Parquet columns (lists, structs, maps) are rejected. Each of their
values belongs to one real row, so copying them into synthetic rows would
repeat sample data verbatim, and they cannot be interpolated or counted as
levels.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from smotegen.errors import SmotegenError, UsageError

INPUT_FORMATS = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet", ".pq": "parquet"}

DEFAULT_DELIMITER = ","
# Candidates for delimiter detection, in order of preference, with their names for messages.
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Delimiter detection reads at most this many bytes and rows from the start of the file.
SNIFF_BYTES = 64 * 1024
SNIFF_ROWS = 50

# pandas' nullable integer types, for Parquet integer columns with nulls.
_NULLABLE_INTEGERS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}

# Bytes decoded per step when looking for the first byte that an encoding rejects.
DECODE_BLOCK_BYTES = 1 << 20


@dataclass
class Sample:
    """A sample as read from its file, and notes for the user about how it was read."""

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def format_of(path: Path, formats: dict[str, str], role: str) -> str:
    """Return the format of ``path`` from its extension, or raise naming the supported ones."""
    name = path.name.lower()
    for extension in sorted(formats, key=len, reverse=True):
        if name.endswith(extension):
            return formats[extension]
    supported = ", ".join(formats)
    if role == "output":
        supported += ", or a path ending with / for a folder of Parquet part files"
    raise UsageError(f"{role} file {str(path)!r} has an unsupported extension; use one of: {supported}")


def read_table(path: Path, delimiter: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV (optionally gzip-compressed) or Parquet sample into a DataFrame."""
    return read_sample(path, delimiter, encoding).frame


def read_sample(path: Path, delimiter: str | None = None, encoding: str | None = None) -> Sample:
    """Read a CSV (optionally gzip-compressed) or Parquet sample, detecting a CSV delimiter when none is given."""
    kind = format_of(path, INPUT_FORMATS, "input")
    delimiter = check_delimiter(delimiter)
    encoding = check_encoding(encoding)
    if not path.exists():
        raise SmotegenError(f"input file {str(path)!r} not found; check the path")
    if path.is_dir():
        raise SmotegenError(f"input {str(path)!r} is a folder; pass a .csv or .parquet file")
    notes = []
    try:
        if kind == "parquet":
            return Sample(_read_parquet(path))
        if delimiter is None:
            delimiter = detect_delimiter(path, encoding)
            if delimiter != DEFAULT_DELIMITER:
                notes.append(
                    f"input file {str(path)!r}: detected {DELIMITER_NAMES[delimiter]} ({delimiter!r}) as the "
                    "field delimiter; pass --delimiter to set another"
                )
        frame = pd.read_csv(path, sep=delimiter, encoding=encoding, low_memory=False)
        return Sample(frame, notes)
    except PermissionError as error:
        raise SmotegenError(f"cannot read input file {str(path)!r}: permission denied") from error
    except UnicodeDecodeError as error:
        raise SmotegenError(_decode_error_message(path, encoding)) from error
    except pd.errors.EmptyDataError as error:
        raise SmotegenError(f"input file {str(path)!r} is empty; it needs a header row and data rows") from error
    except (pd.errors.ParserError, pa.ArrowInvalid, OSError, EOFError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SmotegenError(f"cannot read input file {str(path)!r}: {first_line}") from error


def check_delimiter(delimiter: str | None) -> str | None:
    """Return the delimiter as one character (``\\t`` typed as two characters is a tab), or raise."""
    if delimiter is None:
        return None
    if delimiter in ("\\t", "tab"):
        return "\t"
    if len(delimiter) != 1 or delimiter in '\r\n"':
        raise UsageError(
            f"--delimiter {delimiter!r}: must be one character other than a quote or line break, "
            "for example ';' or '\\t'"
        )
    return delimiter


def check_encoding(encoding: str | None) -> str:
    """Return the encoding name (utf-8 when none is given), or raise when Python does not know it."""
    if encoding is None:
        return "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError as error:
        raise UsageError(
            f"--encoding {encoding!r}: unknown encoding; use a name such as utf-8, latin-1 or cp1252"
        ) from error
    return encoding


def detect_delimiter(path: Path, encoding: str) -> str:
    """Return the delimiter that splits the first rows of a CSV file into equal numbers of fields."""
    with _open_binary(path) as handle:
        head = handle.read(SNIFF_BYTES)
        truncated = bool(handle.read(1))
    text = head.decode(encoding, errors="replace")
    widths = {}
    for candidate in DELIMITER_NAMES:
        width = _consistent_width(text, candidate, truncated)
        if width > 1:
            widths[candidate] = width
    if not widths or DEFAULT_DELIMITER in widths:
        return DEFAULT_DELIMITER
    # max returns the first of equal widths, so the order of DELIMITER_NAMES breaks ties.
    return max(widths, key=widths.get)


def _consistent_width(text: str, delimiter: str, truncated: bool) -> int:
    """Return the number of fields of every row of ``text`` split on ``delimiter``, or 0 if rows differ."""
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if row]
    except csv.Error:
        return 0
    if truncated:
        rows = rows[:-1]  # the last row may be cut off
    widths = {len(row) for row in rows[:SNIFF_ROWS]}
    return widths.pop() if len(widths) == 1 else 0


def _open_binary(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _decode_error_message(path: Path, encoding: str) -> str:
    """Describe where ``path`` first fails to decode as ``encoding``, and suggest --encoding."""
    where = ""
    position = _first_undecodable_byte(path, encoding)
    if position is not None:
        offset, line, value = position
        where = f": byte 0x{value:02x} at line {line:,} (byte offset {offset:,}) is invalid"
    suggestion = "latin-1" if codecs.lookup(encoding).name != "iso8859-1" else "utf-8 or cp1252"
    return (
        f"input file {str(path)!r} is not valid {encoding} text{where}; "
        f"pass its encoding, for example --encoding {suggestion}"
    )


def _first_undecodable_byte(path: Path, encoding: str) -> tuple[int, int, int] | None:
    """Return the offset, line number and value of the first byte ``encoding`` rejects, or None."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    lines = 1
    try:
        with _open_binary(path) as handle:
            while block := handle.read(DECODE_BLOCK_BYTES):
                pending = decoder.getstate()[0]
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as error:
                    # error.start counts from the bytes the decoder held back from the previous block.
                    start = error.start - len(pending)
                    lines += block[: max(start, 0)].count(b"\n")
                    return offset + start, lines, (pending + block)[error.start]
                lines += block.count(b"\n")
                offset += len(block)
    except (OSError, EOFError):
        return None
    return None


def _read_parquet(path: Path) -> pd.DataFrame:
    schema = pq.read_schema(path)
    names = schema.names
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise SmotegenError(
            f"duplicate column name(s) {', '.join(map(repr, duplicated))} in {str(path)!r}; "
            "rename them so each is unique"
        )
    nested = [f for f in schema if pa.types.is_nested(_value_type(f.type))]
    if nested:
        listed = ", ".join(f"{f.name!r} ({f.type})" for f in nested)
        raise SmotegenError(
            f"input file {str(path)!r} has nested column(s) {listed}; smotegen reads flat columns only: "
            "flatten them into plain columns or drop them first"
        )
    table = pq.read_table(path)
    frame = table.to_pandas()
    for name in table.column_names:
        column = table.column(name)
        # Without pandas' metadata (files from Spark, DuckDB or Polars), pyarrow turns an
        # integer column with nulls into float64, so the column would lose its kind.
        if pa.types.is_integer(column.type) and column.null_count and frame[name].dtype.kind == "f":
            frame[name] = _nullable_integers(column)
    return frame


def _nullable_integers(column: pa.ChunkedArray) -> pd.Series:
    table = pa.table([column], names=["values"])
    return table.to_pandas(types_mapper=_NULLABLE_INTEGERS.get)["values"]


def _value_type(data_type: pa.DataType) -> pa.DataType:
    return data_type.value_type if pa.types.is_dictionary(data_type) else data_type
