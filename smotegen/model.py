"""Fit a SMOTE-family model on a sample and generate synthetic rows from it.

Each synthetic row starts from a sample row ``i`` (the base, drawn uniformly)
and one of its ``k`` nearest neighbours ``j`` (SMOTE, Chawla et al., 2002):

    x = x_i + u * (x_j - x_i)        one weight u per row, shared by all
                                      interpolated columns

``--method classic`` draws ``u`` from [0, 1], as SMOTE does. That shrinks
spread and trims tails: a convex combination of two rows varies less than a
row, and rows near the centre are the neighbours of many rows. The default
``--method spread`` draws ``u`` from [0, 0.5], so each synthetic row stays
nearer its base row. It then maps each interpolated column to
``sample mean + scale * (x - generated mean)``. The generated mean and
variance are computed exactly from the neighbour lists at fit time, so every
column keeps the sample's mean and variance, as a smoothed bootstrap with
variance correction does. Columns in an exact
linear relation (charge = rate x minutes) get the same shift and scale, so
the relation still holds.

Spikes are kept exactly. A spike is a point mass such as the zeros of a
zero-inflated count (see ``columns.find_spikes``). A base row at a spike keeps
its value, and no step leads from or to a spike. So the spike's share is the
sample's, and interpolation does not smear it into small non-zero values.

Discrete columns take the neighbour's value with probability ``max(u, 0)``,
drawn independently per column, else the base row's. Only mutual neighbours
(each in the other's list) swap levels: a pair is then drawn as often from
either end, so swaps cancel out and a rare class keeps its share. Missing values follow
the base row in every column, so columns missing together stay so.
Interpolated values are rounded to the column's precision and clipped to the
sample's range.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from smotegen.columns import ColumnSpec, Kind, TypingOptions, datetime_nanoseconds, infer_specs
from smotegen.errors import SmotegenError, UsageError
from smotegen.groups import GroupPlan, GroupSettings, plan_groups
from smotegen.neighbours import FeatureScaler, nearest_neighbours
from smotegen.normalise import normalise
from smotegen.privacy import PrivacyGuard, PrivacySettings
from smotegen.spread import MomentCorrection, fit_correction

# Random numbers are drawn in blocks of this many rows, each block from its
# own stream (seed, block index), so any chunking of the output draws the same
# numbers for the same rows.
BLOCK_ROWS = 8192

METHODS = ("spread", "classic")

# The spread method's weights are uniform in [0, SPREAD_MAX_WEIGHT]: a synthetic
# row stays nearer its base row than its neighbour, and never extrapolates, so
# the rounding error of exact linear relations in the sample is not amplified.
SPREAD_MAX_WEIGHT = 0.5
SPREAD_WEIGHT_MOMENTS = (SPREAD_MAX_WEIGHT / 2, SPREAD_MAX_WEIGHT**2 / 3)  # E[u], E[u^2]


@dataclass
class ModelSettings:
    """Model settings: neighbours, interpolation method, column overrides, groups and privacy guards."""

    neighbors: int = 5
    method: str = "spread"
    typing: TypingOptions = field(default_factory=TypingOptions)
    groups: GroupSettings = field(default_factory=GroupSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)

    def validate(self) -> None:
        if self.neighbors < 1:
            raise UsageError(f"--neighbors {self.neighbors}: must be 1 or more")
        if self.method not in METHODS:
            raise UsageError(f"--method {self.method!r}: must be one of {', '.join(METHODS)}")
        self.groups.validate()
        self.privacy.validate()


@dataclass
class _Draws:
    base: np.ndarray  # uniform in [0, 1): which row of the group is the base
    slot: np.ndarray  # uniform in [0, 1): which of the base row's neighbours
    weight: np.ndarray
    coins: np.ndarray
    group: np.ndarray | None = None


@dataclass
class RowBatch:
    """Generated rows before conversion to Arrow: finished numeric values, level codes and base rows."""

    values: np.ndarray
    codes: np.ndarray
    base: np.ndarray

    def replace(self, mask: np.ndarray, other: RowBatch) -> None:
        self.values[mask] = other.values
        self.codes[mask] = other.codes
        self.base[mask] = other.base


class SmoteModel:
    """A fitted generator: ``SmoteModel(settings).fit(frame)``, then ``generate``."""

    def __init__(self, settings: ModelSettings | None = None) -> None:
        self.settings = settings or ModelSettings()
        self.settings.validate()
        self.specs: list[ColumnSpec] = []
        self.schema: pa.Schema | None = None
        self.warnings: list[str] = []
        self.sample_rows = 0

    # Fitting

    def fit(self, sample: pd.DataFrame, whole_floats_to_integers: bool = False) -> SmoteModel:
        """Infer column kinds, encode the sample and find every row's neighbours."""
        _check_sample_shape(sample, self.settings.neighbors)
        normalised = normalise(sample, whole_floats_to_integers)
        frame = normalised.frame.reset_index(drop=True)
        self.warnings = normalised.warnings
        self.specs = infer_specs(frame, self.settings.typing)
        self.schema = _output_schema(frame, normalised.date_columns)
        self.sample_rows = len(frame)
        self.sample_frame = frame

        self._numeric_specs = [s for s in self.specs if s.interpolated]
        self._discrete_specs = [s for s in self.specs if not s.interpolated and s.kind != Kind.KEY]
        self._key_specs = [s for s in self.specs if s.kind == Kind.KEY]
        self._key_missing = {s.name: frame[s.name].isna().to_numpy() for s in self._key_specs}
        self._numeric = _numeric_matrix(frame, self._numeric_specs)
        self._spike = _spike_matrix(self._numeric, self._numeric_specs)
        self._codes = _code_matrix(frame, self._discrete_specs)
        self._levels = [_level_array(s, self.schema.field(s.name).type, frame[s.name]) for s in self._discrete_specs]

        level_counts = [len(s.levels) for s in self._discrete_specs]
        self.scaler = FeatureScaler(self._numeric, level_counts)
        features = self.scaler.transform(self._numeric, self._codes)
        self.groups = plan_groups(frame, self.settings.groups, self.settings.neighbors)
        self.neighbours, self._neighbour_counts = _group_neighbours(features, self.groups)
        self._members = np.concatenate(self.groups.members)
        self._group_offsets = np.cumsum([0] + [len(m) for m in self.groups.members])[:-1]
        self._group_sizes = np.array([len(m) for m in self.groups.members])
        valid = np.arange(self.neighbours.shape[1]) < self._neighbour_counts[:, None]
        is_neighbour_of = self.neighbours[self.neighbours] == np.arange(self.sample_rows)[:, None, None]
        self._mutual = (is_neighbour_of & valid[self.neighbours]).any(axis=2)
        self._correction = self._fit_correction(valid)
        guard = PrivacyGuard(self.settings.privacy, self._numeric, self._codes, self.scaler.transform, level_counts)
        self.guard = guard if guard.active else None
        self.guard_notes = guard.notes
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a group may have only missing values in a column
            self._group_minimum = np.stack([np.nanmin(self._numeric[m], axis=0) for m in self.groups.members])
            self._group_maximum = np.stack([np.nanmax(self._numeric[m], axis=0) for m in self.groups.members])
        return self

    def _fit_correction(self, valid: np.ndarray) -> MomentCorrection:
        """Fit one moment correction per group, so each group keeps its own mean and variance."""
        columns = self._numeric.shape[1]
        if self.settings.method != "spread":
            return MomentCorrection.stack([MomentCorrection.identity(columns)] * len(self.groups.members))
        return MomentCorrection.stack(
            [
                fit_correction(self._numeric, self._spike, m, self.neighbours[m], valid[m], SPREAD_WEIGHT_MOMENTS)
                for m in self.groups.members
            ]
        )

    def group_summary(self) -> list[dict]:
        """Return each group's size, k and share in the sample and in the planned output."""
        if not self.settings.groups.by:
            return []
        counts = self.groups.counts if self.groups.counts is not None else np.zeros(len(self.groups.labels))
        total = max(int(counts.sum()), 1)
        return [
            {
                "group": label,
                "sample_rows": len(members),
                "sample_share": len(members) / self.sample_rows,
                "synthetic_rows": int(count),
                "synthetic_share": int(count) / total,
                "neighbors": k,
            }
            for label, members, count, k in zip(self.groups.labels, self.groups.members, counts, self.groups.neighbors)
        ]

    def run_warnings(self) -> list[str]:
        """Return what the run should tell the user: conversions, group rules and guard results."""
        messages = list(self.warnings) + list(self.groups.notes)
        if self.guard is not None:
            messages += self.guard.warnings()
        else:
            messages += self.guard_notes
        return messages

    def prepare(self, rows: int) -> None:
        """Plan an output of ``rows`` rows: group counts and room for unique keys."""
        self.groups.allocate(rows)
        if self.guard is not None:
            self.guard.plan(rows)
        for spec in self._key_specs:
            spec.key_pattern = spec.key_pattern.widened_for(rows)

    # Generation

    def generate(self, start: int, stop: int, seed: int) -> pa.Table:
        """Return synthetic rows ``start`` to ``stop - 1`` of the output for ``seed``.

        The rows depend only on the fitted sample, the settings, the seed and
        the row numbers, never on how the output is split into chunks.
        """
        if self.groups.total_rows < stop:
            self.prepare(stop)
        rows = np.arange(start, stop, dtype=np.int64)
        batch = self._generate_rows(rows, attempt=0, seed=seed)
        if self.guard is not None:
            self.guard.enforce(batch, rows, partial(self._generate_rows, seed=seed))
        arrays = {}
        for i, spec in enumerate(self._numeric_specs):
            arrays[spec.name] = _numeric_array(spec, batch.values[:, i], self.schema.field(spec.name).type)
        for i, spec in enumerate(self._discrete_specs):
            arrays[spec.name] = _take_levels(self._levels[i], batch.codes[:, i])
        for spec in self._key_specs:
            arrays[spec.name] = self._key_array(spec, rows, batch.base, seed)
        return pa.table([arrays[f.name] for f in self.schema], schema=self.schema)

    def generate_frame(self, rows: int, seed: int = 0) -> pd.DataFrame:
        """Return ``rows`` synthetic rows as a DataFrame (held in memory)."""
        self.prepare(rows)
        return self.generate(0, rows, seed).to_pandas()

    def _generate_rows(
        self, rows: np.ndarray, attempt: int, base: np.ndarray | None = None, *, seed: int
    ) -> RowBatch:
        """Generate rows; a redraw (``base`` given) keeps each row's base row and draws a new step."""
        draws = self._draw(rows, seed, attempt)
        group = self.groups.assign(rows, seed)
        if base is None:
            local = (draws.base * self._group_sizes[group]).astype(np.int64)
            base = self._members[self._group_offsets[group] + local]
        draws.base = base
        draws.group = group
        draws.slot = (draws.slot * self._neighbour_counts[draws.base]).astype(np.int64)
        neighbour = self.neighbours[draws.base, draws.slot]
        draws.coins[~self._mutual[draws.base, draws.slot]] = 1.0  # no level swaps with one-way neighbours
        return RowBatch(self._numeric_values(draws, neighbour), self._discrete_codes(draws, neighbour), draws.base)

    def _draw(self, rows: np.ndarray, seed: int, attempt: int) -> _Draws:
        """Draw the random numbers of output rows ``rows``, block by block.

        Attempt 0 is the first draw of each row; rows that a privacy guard
        rejects are drawn again from the streams of later attempts.
        """
        blocks, inverse = np.unique(rows // BLOCK_ROWS, return_inverse=True)
        spawn = [(int(b),) if attempt == 0 else (int(b), attempt) for b in blocks]
        parts = [_draw_block(seed, key, len(self._discrete_specs)) for key in spawn]
        index = inverse * BLOCK_ROWS + rows % BLOCK_ROWS
        base, slot, uniform, coins = (np.concatenate(p)[index] for p in zip(*parts))
        weight = uniform * SPREAD_MAX_WEIGHT if self.settings.method == "spread" else uniform
        return _Draws(base, slot, weight, coins)

    def _numeric_values(self, draws: _Draws, neighbour: np.ndarray) -> np.ndarray:
        """Return the finished numeric values (rows x interpolated columns), rounded and clipped.

        Works column by column on a column-major result: the temporaries are
        one column long, and the columns come out contiguous for Arrow.
        """
        values = np.empty((len(neighbour), len(self._numeric_specs)), order="F")
        grouped = len(self.groups.members) > 1
        group = draws.group if grouped else 0  # with one group, its corrections are scalars
        correction = self._correction
        for i, spec in enumerate(self._numeric_specs):
            column = self._numeric[:, i]
            origin = column[draws.base]
            step = np.nan_to_num(column[neighbour] - origin, copy=False)  # a missing neighbour value: no step
            spike = self._spike[:, i]
            base_spike = spike[draws.base]
            step[base_spike | spike[neighbour]] = 0.0  # spikes are neither left nor reached by a step
            interpolated = origin + draws.weight * step
            interpolated = correction.target_mean[group, i] + correction.scale[group, i] * (
                interpolated - correction.generated_mean[group, i]
            )
            interpolated[base_spike] = origin[base_spike]
            if grouped:
                interpolated = np.clip(interpolated, self._group_minimum[group, i], self._group_maximum[group, i])
            values[:, i] = np.clip(_round(spec, interpolated), spec.minimum, spec.maximum)
        return values

    def _discrete_codes(self, draws: _Draws, neighbour: np.ndarray) -> np.ndarray:
        own = self._codes[draws.base]
        other = self._codes[neighbour]
        take_other = (draws.coins < draws.weight[:, None]) & (other >= 0) & (own >= 0)
        return np.where(take_other, other, own)

    def _key_array(self, spec: ColumnSpec, rows: np.ndarray, base: np.ndarray, seed: int) -> pa.Array:
        field_type = self.schema.field(spec.name).type
        missing = self._key_missing[spec.name][base]
        values = spec.key_pattern.generate(rows, seed)
        return pa.array(values, mask=missing if missing.any() else None).cast(field_type)



def _check_sample_shape(sample: pd.DataFrame, neighbors: int) -> None:
    duplicated = sorted({str(c) for c in sample.columns[sample.columns.duplicated()]})
    if duplicated:
        raise SmotegenError(
            f"duplicate column name(s) {', '.join(map(repr, duplicated))}; rename them so each is unique"
        )
    if sample.shape[1] == 0:
        raise SmotegenError("the sample has no columns")
    rows = len(sample)
    if rows == 0:
        raise SmotegenError("the sample has no rows")
    if rows == 1:
        raise SmotegenError("the sample has 1 row; SMOTE needs at least 2 rows to interpolate between")
    if neighbors > rows - 1:
        raise UsageError(
            f"the sample has {rows} rows; --neighbors {neighbors} needs at least {neighbors + 1} "
            f"(use --neighbors {rows - 1} or fewer)"
        )


def _draw_block(seed: int, spawn_key: tuple[int, ...], discrete: int) -> tuple[np.ndarray, ...]:
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=spawn_key)))
    base = rng.random(BLOCK_ROWS)
    slot = rng.random(BLOCK_ROWS)
    uniform = rng.random(BLOCK_ROWS)
    coins = rng.random((BLOCK_ROWS, discrete))
    return base, slot, uniform, coins


def _group_neighbours(features: np.ndarray, plan: GroupPlan) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's neighbours within its group (rows x max k) and how many slots are in use.

    Unused slots hold the row itself. A group with k = 0 (a single row that
    ``--small-groups copy`` keeps) gets the row itself as its one neighbour.
    """
    rows = len(features)
    width = max(max(plan.neighbors), 1)
    neighbours = np.repeat(np.arange(rows)[:, None], width, axis=1)
    counts = np.ones(rows, dtype=np.int64)
    for members, k in zip(plan.members, plan.neighbors):
        if k == 0:
            continue
        local = nearest_neighbours(features[members], k)
        neighbours[members, :k] = members[local]
        counts[members] = k
    return neighbours, counts


def _output_schema(frame: pd.DataFrame, date_columns: set[str]) -> pa.Schema:
    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    for name in date_columns:
        index = schema.get_field_index(name)
        schema = schema.set(index, pa.field(name, pa.date32()))
    return schema


def _numeric_matrix(frame: pd.DataFrame, specs: list[ColumnSpec]) -> np.ndarray:
    matrix = np.empty((len(frame), len(specs)), dtype=np.float64)
    for i, spec in enumerate(specs):
        matrix[:, i] = to_float(frame[spec.name], spec)
    return matrix


def to_float(series: pd.Series, spec: ColumnSpec) -> np.ndarray:
    """Return a column as float64 in the units generation works in (NaN for missing)."""
    if spec.kind == Kind.DATETIME:
        values = (datetime_nanoseconds(series) - spec.levels[0]).astype(np.float64)
        values[series.isna().to_numpy()] = np.nan
        return values
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _spike_matrix(numeric: np.ndarray, specs: list[ColumnSpec]) -> np.ndarray:
    """Mark the sample values (rows x numeric columns) that are spikes of their column."""
    spike = np.zeros(numeric.shape, dtype=bool)
    for i, spec in enumerate(specs):
        if spec.spikes:
            spike[:, i] = np.isin(numeric[:, i], spec.spikes)
    return spike


def _code_matrix(frame: pd.DataFrame, specs: list[ColumnSpec]) -> np.ndarray:
    codes = np.full((len(frame), len(specs)), -1, dtype=np.int32)
    for i, spec in enumerate(specs):
        if spec.levels:
            # A hash lookup per value: the levels are unique under pandas' equality, as
            # pd.unique found them, and missing values are not levels, so they get -1.
            values = frame[spec.name].to_numpy(dtype=object)
            codes[:, i] = pd.Index(spec.levels, dtype=object).get_indexer(values)
    return codes


def _level_array(spec: ColumnSpec, field_type: pa.DataType, series: pd.Series) -> pa.Array:
    if pa.types.is_dictionary(field_type):
        categories = series.cat.categories
        positions = categories.get_indexer(spec.levels)
        dictionary = pa.array(categories, type=field_type.value_type)
        return pa.DictionaryArray.from_arrays(pa.array(positions, type=field_type.index_type), dictionary)
    if not spec.levels:
        return pa.nulls(0, type=field_type)
    return pa.array(spec.levels, type=field_type, from_pandas=True)


def _take_levels(levels: pa.Array, codes: np.ndarray) -> pa.Array:
    missing = codes < 0
    if len(levels) == 0:
        return pa.nulls(len(codes), type=levels.type)
    indices = pa.array(np.where(missing, 0, codes), mask=missing if missing.any() else None)
    return levels.take(indices)


def _numeric_array(spec: ColumnSpec, values: np.ndarray, field_type: pa.DataType) -> pa.Array:
    missing = np.isnan(values)
    mask = missing if missing.any() else None
    if spec.kind == Kind.INTEGER:
        return pa.array(np.where(missing, 0, values).astype(np.int64), mask=mask).cast(field_type)
    if spec.kind == Kind.DATETIME:
        nanoseconds = np.where(missing, 0, values).astype(np.int64) + spec.levels[0]
        unit_type = pa.timestamp("ns", tz=getattr(field_type, "tz", None))
        return pa.array(nanoseconds, type=unit_type, mask=mask).cast(field_type)
    return pa.array(values, mask=mask).cast(field_type)


def _round(spec: ColumnSpec, values: np.ndarray) -> np.ndarray:
    if spec.kind == Kind.INTEGER:
        return np.rint(values)
    if spec.kind == Kind.DATETIME:
        return np.rint(values / spec.resolution_ns) * spec.resolution_ns
    if spec.decimals is not None:
        return np.round(values, spec.decimals)
    return values
