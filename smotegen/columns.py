"""Column kinds: what each column of the sample is, inferred from its values.

A column's kind decides how synthetic values are made for it:

* ``continuous``, ``integer`` and ``datetime`` columns are interpolated between
  two sample rows (then rounded to the sample's precision and clipped to its range);
* ``code``, ``boolean``, ``text``, ``category``, ``constant`` and ``empty``
  columns are discrete: each synthetic value is copied from one of the two rows;
* ``key`` columns get new unique values of the same shape (see ``keys.py``).

Kinds are inferred from values only, never from column names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import pandas as pd

from smotegen.errors import SmotegenError, UsageError
from smotegen.keys import KeyPattern

# A numeric column of whole numbers with at most this many distinct values is
# a code (an area code, a rating): only its observed values are generated.
MAX_CODE_LEVELS = 10

# Automatic key detection needs this many rows, so that a tiny table of
# distinct words is not taken for a table of identifiers.
MIN_ROWS_FOR_KEY = 20

# A column is a key when at least this share of its non-missing values is distinct.
KEY_DISTINCT_SHARE = 0.99

# An integer key column spans at most this many times its row count, so that
# unique measurements (byte counts, say) are not taken for identifiers.
MAX_INTEGER_KEY_SPAN = 10

MAX_DECIMALS = 6

# A value is a spike (the zero of a zero-inflated count) when it has at least
# SPIKE_MIN_SHARE of a column's values and SPIKE_RATIO times the share of each
# adjacent observed value. Synthetic rows keep spike values exactly.
SPIKE_MIN_SHARE = 0.05
SPIKE_RATIO = 3.0


class Kind(str, Enum):
    CONTINUOUS = "continuous"
    INTEGER = "integer"
    DATETIME = "datetime"
    CODE = "code"
    BOOLEAN = "boolean"
    TEXT = "text"
    CATEGORY = "category"
    CONSTANT = "constant"
    EMPTY = "empty"
    KEY = "key"


INTERPOLATED_KINDS = (Kind.CONTINUOUS, Kind.INTEGER, Kind.DATETIME)


@dataclass
class ColumnSpec:
    """A column's kind, the reason for it, and the facts about it that generation needs."""

    name: str
    kind: Kind
    reason: str
    missing_share: float = 0.0
    # Interpolated kinds: the sample's range, in the units of ``to_float``.
    minimum: float = 0.0
    maximum: float = 0.0
    # Continuous kind: values are rounded to this many decimals (None: no rounding).
    decimals: int | None = None
    # Datetime kind: values are rounded to this many nanoseconds.
    resolution_ns: int = 1
    # Continuous and integer kinds: values with a point mass that are kept exactly.
    spikes: list[float] = field(default_factory=list)
    # Discrete kinds: the observed values, in a stable order.
    levels: list = field(default_factory=list)
    key_pattern: KeyPattern | None = None

    @property
    def interpolated(self) -> bool:
        return self.kind in INTERPOLATED_KINDS


@dataclass
class TypingOptions:
    """Per-column overrides of the inferred kinds, as named by the user."""

    categorical: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


def infer_specs(df: pd.DataFrame, options: TypingOptions | None = None) -> list[ColumnSpec]:
    """Infer a ``ColumnSpec`` for every column of a normalised sample."""
    options = options or TypingOptions()
    _check_overrides(df, options)
    return [_infer_column(df[name], name, options) for name in df.columns]


def _check_overrides(df: pd.DataFrame, options: TypingOptions) -> None:
    named = {"--categorical": options.categorical, "--numeric": options.numeric, "--key": options.keys}
    for option, names in named.items():
        for name in names:
            if name not in df.columns:
                raise UsageError(
                    f"{option} {name!r}: no such column; the sample's columns are "
                    + ", ".join(repr(c) for c in df.columns)
                )
    clash = set(options.categorical) & set(options.numeric)
    if clash:
        raise UsageError(f"column {sorted(clash)[0]!r} is named by both --categorical and --numeric; keep one")
    for name in options.numeric:
        if not _is_number_dtype(df[name]):
            raise UsageError(f"--numeric {name!r}: the column contains text, not numbers; drop the option")


def _is_number_dtype(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _infer_column(series: pd.Series, name: str, options: TypingOptions) -> ColumnSpec:
    present = series.dropna()
    missing_share = 1.0 - len(present) / len(series) if len(series) else 0.0

    spec = _infer_kind(series, present, name, options)
    spec.missing_share = missing_share
    return spec


def _infer_kind(series: pd.Series, present: pd.Series, name: str, options: TypingOptions) -> ColumnSpec:
    if name in options.keys:
        return _key_spec(present, name, "named by --key")
    if len(present) == 0:
        return ColumnSpec(name, Kind.EMPTY, "every value is missing")

    distinct = present.nunique()
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _discrete_spec(present, name, Kind.CATEGORY, f"category dtype, {distinct} levels")
    if name in options.categorical:
        return _discrete_spec(present, name, Kind.CODE, f"named by --categorical, {distinct} distinct values")
    if distinct == 1:
        return _discrete_spec(present, name, Kind.CONSTANT, f"a single value, {present.iloc[0]!r}")
    if pd.api.types.is_bool_dtype(series):
        return _discrete_spec(present, name, Kind.BOOLEAN, "true/false values")
    if pd.api.types.is_datetime64_any_dtype(series):
        return _datetime_spec(present, name)
    if _is_number_dtype(series):
        return _numeric_spec(series, present, name, distinct, forced=name in options.numeric)
    return _text_spec(present, name, distinct)


def _numeric_spec(series: pd.Series, present: pd.Series, name: str, distinct: int, forced: bool) -> ColumnSpec:
    values = present.to_numpy(dtype="float64")
    infinite = int(np.isinf(values).sum())
    if infinite:
        raise SmotegenError(
            f"column {name!r} contains {infinite} infinite value(s); replace them with a number or a blank"
        )

    whole = bool(np.all(values == np.round(values)))
    if not forced and whole and distinct <= MAX_CODE_LEVELS and distinct < len(present):
        return _discrete_spec(present, name, Kind.CODE, f"code, {distinct} distinct values")
    if not forced and whole and pd.api.types.is_integer_dtype(series) and _looks_like_integer_key(values):
        return _key_spec(present, name, f"{distinct} distinct values in {len(present)} rows")

    spec = ColumnSpec(name, Kind.CONTINUOUS, "", minimum=float(values.min()), maximum=float(values.max()))
    spec.spikes = find_spikes(values)
    if pd.api.types.is_integer_dtype(series):
        spec.kind = Kind.INTEGER
        spec.reason = f"whole numbers, {distinct} distinct values"
    else:
        spec.decimals = count_decimals(values)
        detail = "no fixed precision" if spec.decimals is None else _plural(spec.decimals, "decimal")
        spec.reason = f"numbers with {detail}"
    if spec.spikes:
        shares = ", ".join(f"{v:g} in {np.mean(values == v):.0%}" for v in spec.spikes)
        spec.reason += f", kept exactly: {shares}"
    return spec


def find_spikes(values: np.ndarray) -> list[float]:
    """Return the values that hold a point mass much larger than their adjacent values'."""
    levels, counts = np.unique(values, return_counts=True)
    shares = counts / len(values)
    spikes = []
    for i in np.flatnonzero(shares >= SPIKE_MIN_SHARE):
        adjacent = [shares[j] for j in (i - 1, i + 1) if 0 <= j < len(levels)]
        if adjacent and all(shares[i] >= SPIKE_RATIO * a for a in adjacent):
            spikes.append(float(levels[i]))
    return spikes


def _looks_like_integer_key(values: np.ndarray) -> bool:
    if len(values) < MIN_ROWS_FOR_KEY or len(np.unique(values)) != len(values):
        return False
    span = values.max() - values.min() + 1
    return bool(span <= MAX_INTEGER_KEY_SPAN * len(values))


def count_decimals(values: np.ndarray) -> int | None:
    """Return the fewest decimals that represent every value, or None above ``MAX_DECIMALS``."""
    for decimals in range(MAX_DECIMALS + 1):
        scaled = values * 10.0**decimals
        tolerance = 1e-6 * np.maximum(1.0, np.abs(scaled))
        if np.all(np.abs(scaled - np.round(scaled)) <= tolerance):
            return decimals
    return None


def _datetime_spec(present: pd.Series, name: str) -> ColumnSpec:
    values = datetime_nanoseconds(present)
    resolution = _datetime_resolution(values)
    spec = ColumnSpec(
        name,
        Kind.DATETIME,
        f"dates and times, resolution {_resolution_name(resolution)}",
        minimum=0.0,
        maximum=float(values.max() - values.min()),
        resolution_ns=resolution,
    )
    spec.levels = [int(values.min())]  # the origin that ``to_float`` subtracts
    return spec


def datetime_nanoseconds(series: pd.Series) -> np.ndarray:
    """Return a datetime column as int64 nanoseconds since the epoch (UTC for aware columns)."""
    if series.dt.tz is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.astype("datetime64[ns]").to_numpy().view(np.int64)


_RESOLUTIONS = [
    (86_400 * 10**9, "1 day"),
    (3_600 * 10**9, "1 hour"),
    (60 * 10**9, "1 minute"),
    (10**9, "1 second"),
    (10**6, "1 millisecond"),
    (10**3, "1 microsecond"),
    (1, "1 nanosecond"),
]


def _datetime_resolution(values: np.ndarray) -> int:
    for step, _ in _RESOLUTIONS:
        if np.all(values % step == 0):
            return step
    return 1


def _resolution_name(step: int) -> str:
    return dict(_RESOLUTIONS)[step]


def _text_spec(present: pd.Series, name: str, distinct: int) -> ColumnSpec:
    if len(present) >= MIN_ROWS_FOR_KEY and distinct >= KEY_DISTINCT_SHARE * len(present):
        return _key_spec(present, name, f"{distinct} distinct values in {len(present)} rows")
    return _discrete_spec(present, name, Kind.TEXT, f"text, {distinct} levels")


def _discrete_spec(present: pd.Series, name: str, kind: Kind, reason: str) -> ColumnSpec:
    levels = pd.unique(present.to_numpy(dtype=object))
    try:
        levels = sorted(levels)
    except TypeError:
        levels = list(levels)
    return ColumnSpec(name, kind, reason, levels=list(levels))


def _key_spec(present: pd.Series, name: str, reason: str) -> ColumnSpec:
    return ColumnSpec(name, Kind.KEY, f"key, {reason}", key_pattern=KeyPattern.learn(present, name))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
