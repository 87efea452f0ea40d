"""Reading samples: CSV (optionally gzip-compressed) and Parquet, chosen by extension."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from smotegen.errors import SmotegenError, UsageError

INPUT_FORMATS = {".csv": "csv", ".csv.gz": "csv", ".parquet": "parquet", ".pq": "parquet"}


def format_of(path: Path, formats: dict[str, str], role: str) -> str:
    """Return the format of ``path`` from its extension, or raise naming the supported ones."""
    name = path.name.lower()
    for extension in sorted(formats, key=len, reverse=True):
        if name.endswith(extension):
            return formats[extension]
    supported = ", ".join(formats)
    raise UsageError(f"{role} file {str(path)!r} has an unsupported extension; use one of: {supported}")


def read_table(path: Path, delimiter: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV (optionally gzip-compressed) or Parquet sample into a DataFrame."""
    kind = format_of(path, INPUT_FORMATS, "input")
    if not path.exists():
        raise SmotegenError(f"input file {str(path)!r} not found; check the path")
    if path.is_dir():
        raise SmotegenError(f"input {str(path)!r} is a folder; pass a .csv or .parquet file")
    try:
        if kind == "parquet":
            return _read_parquet(path)
        return pd.read_csv(path, sep=delimiter or ",", encoding=encoding or "utf-8", low_memory=False)
    except PermissionError as error:
        raise SmotegenError(f"cannot read input file {str(path)!r}: permission denied") from error
    except UnicodeDecodeError as error:
        raise SmotegenError(
            f"input file {str(path)!r} is not valid {encoding or 'utf-8'} text at byte {error.start}; "
            "pass its encoding, for example --encoding latin-1"
        ) from error
    except pd.errors.EmptyDataError as error:
        raise SmotegenError(f"input file {str(path)!r} is empty; it needs a header row and data rows") from error
    except (pd.errors.ParserError, pa.ArrowInvalid, OSError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SmotegenError(f"cannot read input file {str(path)!r}: {first_line}") from error


def _read_parquet(path: Path) -> pd.DataFrame:
    names = pq.read_schema(path).names
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise SmotegenError(
            f"duplicate column name(s) {', '.join(map(repr, duplicated))} in {str(path)!r}; "
            "rename them so each is unique"
        )
    return pq.read_table(path).to_pandas()


