"""Turn text columns that hold numbers, booleans or dates into those types.

CSV readers leave a column as text when a single cell does not parse: a blank
in a column of charges, ``TRUE``/``FALSE`` with a gap, ISO dates, numbers with
thousands separators (``1,234.50``). This module recognises such columns from
their values and converts them, reporting each conversion that drops cells or
reads separators as a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

_BOOLEAN_TEXT = {"true": True, "false": False}
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A number with a comma between each group of three digits and an optional decimal point.
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass
class Normalised:
    """A sample after conversion, with what was converted."""

    frame: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    date_columns: set[str] = field(default_factory=set)


def normalise(df: pd.DataFrame, whole_floats_to_integers: bool = False) -> Normalised:
    """Convert text columns of numbers, booleans and ISO dates to typed columns.

    With ``whole_floats_to_integers`` (set for CSV input), a float column of
    whole numbers with missing values becomes pandas ``Int64``: a CSV reader
    reads such a column as float only because of its blanks.
    """
    result = Normalised(df.copy())
    for name in df.columns:
        series = df[name]
        if _is_text(series):
            converted = _convert_text(series, name, result)
            if converted is not None:
                result.frame[name] = converted
        elif whole_floats_to_integers and _is_whole_float_with_gaps(series):
            result.frame[name] = series.astype("Int64")
    return result


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series) or series.dtype == object


def _is_whole_float_with_gaps(series: pd.Series) -> bool:
    if not pd.api.types.is_float_dtype(series) or not series.isna().any():
        return False
    present = series.dropna().to_numpy()
    finite = np.isfinite(present).all() and (np.abs(present) < 2**53).all()
    return bool(len(present) and finite and np.all(present == np.round(present)))


def _convert_text(series: pd.Series, name: str, result: Normalised) -> pd.Series | None:
    values = series.dropna()
    if len(values) and all(isinstance(v, (bool, np.bool_)) for v in values):
        return series.astype("boolean")
    if len(values) == 0:
        return None
    # A string dtype guarantees text cells; an object column must be checked cell by cell.
    if not isinstance(series.dtype, pd.StringDtype) and not all(isinstance(v, str) for v in values):
        return None
    stripped = values.str.strip()
    blank = stripped == ""
    filled = stripped[~blank]
    if len(filled) == 0:
        return None

    lowered = filled.str.lower()
    if lowered.isin(list(_BOOLEAN_TEXT)).all():
        return _to_boolean(series, name, blank, result)
    if filled.str.match(_ISO_DATETIME).all():
        return _to_datetime(series, name, filled, blank, result)
    numbers = pd.to_numeric(filled, errors="coerce")
    if blank.any() and numbers.notna().all():
        result.warnings.append(
            f"column {name!r}: {int(blank.sum())} blank cell(s) in a column of numbers; "
            "read as a numeric column with missing values"
        )
        return _to_numbers(series.where(series.str.strip() != ""), numbers)
    separated = filled.str.match(_THOUSANDS)
    if separated.any() and (separated | filled.str.match(_PLAIN_NUMBER)).all():
        return _from_thousands(series, name, filled[separated].iloc[0], blank, result)
    return None


def _to_numbers(text: pd.Series, parsed: pd.Series) -> pd.Series:
    """Convert a text column to numbers of the type of ``parsed``, its non-blank cells parsed.

    Missing cells in ``text`` stay missing, so an integer column becomes nullable ``Int64``.
    """
    converted = pd.to_numeric(text, errors="coerce")
    if pd.api.types.is_integer_dtype(parsed):
        return converted.astype("Int64") if converted.isna().any() else converted.astype("int64")
    return converted.astype("float64")


def _from_thousands(
    series: pd.Series, name: str, example: str, blank: pd.Series, result: Normalised
) -> pd.Series:
    result.warnings.append(
        f"column {name!r}: numbers written with thousands separators, for example {example!r}; read as numbers"
    )
    _warn_blanks(name, blank, "numbers", result)
    text = series.str.strip().str.replace(",", "", regex=False)
    text = text.where(text != "")
    return _to_numbers(text, pd.to_numeric(text.dropna()))


def _to_boolean(series: pd.Series, name: str, blank: pd.Series, result: Normalised) -> pd.Series:
    _warn_blanks(name, blank, "booleans", result)
    mapped = series.str.strip().str.lower().map(_BOOLEAN_TEXT)
    if mapped.isna().any():
        return mapped.astype("boolean")
    return mapped.astype(bool)


def _to_datetime(
    series: pd.Series, name: str, filled: pd.Series, blank: pd.Series, result: Normalised
) -> pd.Series | None:
    text = series.where(series.str.strip() != "").str.strip()
    try:
        parsed = pd.to_datetime(text, format="ISO8601", utc=filled.str.match(r".*(Z|[+-]\d{2}:?\d{2})$").any())
    except (ValueError, OverflowError):
        return None
    _warn_blanks(name, blank, "dates", result)
    if filled.str.match(_ISO_DATE).all():
        result.date_columns.add(name)
    return parsed


def _warn_blanks(name: str, blank: pd.Series, what: str, result: Normalised) -> None:
    if blank.any():
        result.warnings.append(
            f"column {name!r}: {int(blank.sum())} blank cell(s) in a column of {what}; read as missing values"
        )
