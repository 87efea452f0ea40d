"""Class-aware expansion: groups of sample rows, their output shares, and row assignment.

With ``--by COLUMN`` the sample is split into groups of equal values in the
named columns. Neighbours are searched within a group only, so a synthetic row
never mixes two classes, and the output keeps each group's share exactly (to
the nearest row), or equal shares (``--balance``), or shares given by the user.
Without ``--by`` the whole sample is one group.

Output rows are assigned through a seeded permutation of ``[0, rows)``: row
``r`` belongs to the group whose range of positions contains ``r``'s image.
So groups are interleaved and their counts are exact. Any chunk or part of
the output can be assigned without knowing the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smotegen.errors import SmotegenError, UsageError
from smotegen.hashing import cycle_walk

SMALL_GROUP_RULES = ("error", "copy", "drop")
MISSING_LABEL = "<missing>"


@dataclass
class GroupSettings:
    """Group settings: the ``by`` columns and each group's share of the output."""

    by: tuple[str, ...] = ()
    balance: bool = False
    shares: dict[str, float] | None = None
    small_groups: str = "error"

    def validate(self) -> None:
        if (self.balance or self.shares) and not self.by:
            option = "--balance" if self.balance else "--shares"
            raise UsageError(f"{option} needs --by COLUMN to name the column of the groups")
        if self.balance and self.shares:
            raise UsageError("--balance and --shares both set the group shares; keep one")
        if self.small_groups not in SMALL_GROUP_RULES:
            raise UsageError(f"--small-groups {self.small_groups!r}: must be one of {', '.join(SMALL_GROUP_RULES)}")


@dataclass
class GroupPlan:
    """The sample's groups, each group's neighbour count and its share of the output."""

    labels: list[str]
    members: list[np.ndarray]  # sample row indexes of each group
    neighbors: list[int]  # k used within each group
    shares: np.ndarray  # share of the output rows of each group
    notes: list[str] = field(default_factory=list)
    counts: np.ndarray | None = None  # output rows of each group, set by ``allocate``
    total_rows: int = 0

    @property
    def sample_shares(self) -> np.ndarray:
        sizes = np.array([len(m) for m in self.members], dtype=float)
        return sizes / sizes.sum()

    def allocate(self, rows: int) -> None:
        """Split ``rows`` output rows over the groups by the largest-remainder method."""
        ideal = self.shares * rows
        counts = np.floor(ideal).astype(np.int64)
        remainder = rows - counts.sum()
        order = np.argsort(-(ideal - counts), kind="stable")
        counts[order[:remainder]] += 1
        self.counts = counts
        self.total_rows = rows

    def assign(self, rows: np.ndarray, seed: int) -> np.ndarray:
        """Return the group index of each output row number in ``rows``."""
        if len(self.labels) == 1:
            return np.zeros(len(rows), dtype=np.int64)
        positions = _permute(rows.astype(np.uint64), self.total_rows, seed)
        return np.searchsorted(np.cumsum(self.counts), positions, side="right").astype(np.int64)


def plan_groups(frame: pd.DataFrame, settings: GroupSettings, neighbors: int) -> GroupPlan:
    """Split the sample into groups and decide each group's k and output share."""
    if not settings.by:
        return GroupPlan(["all rows"], [np.arange(len(frame))], [neighbors], np.array([1.0]))
    for name in settings.by:
        if name not in frame.columns:
            columns = ", ".join(map(repr, frame.columns))
            same_but_case = [c for c in frame.columns if str(c).lower() == name.lower()]
            if same_but_case:
                raise UsageError(f"--by {name!r}: no such column; did you mean {same_but_case[0]!r}?")
            raise UsageError(f"--by {name!r}: no such column; the sample's columns are {columns}")

    labels, members = _split(frame, settings.by)
    plan = GroupPlan(labels, members, [], np.zeros(len(labels)))
    _apply_small_group_rule(plan, settings, neighbors)
    plan.shares = _shares(plan, settings)
    return plan


def group_labels(frame: pd.DataFrame, by: tuple[str, ...]) -> pd.Series:
    """Return each row's group name: its values in ``by`` as text, joined with "/", missing as ``MISSING_LABEL``."""
    keys = frame[list(by)].astype(object).where(frame[list(by)].notna(), MISSING_LABEL).astype(str)
    labels = keys.iloc[:, 0]
    if len(by) > 1:
        labels = labels.str.cat([keys.iloc[:, i] for i in range(1, len(by))], sep="/")
    return labels


def _split(frame: pd.DataFrame, by: tuple[str, ...]) -> tuple[list[str], list[np.ndarray]]:
    label_of_row = group_labels(frame, by)
    groups = pd.Series(np.arange(len(frame))).groupby(label_of_row.to_numpy(), sort=True)
    labels = [str(label) for label in groups.groups]
    members = [np.asarray(groups.get_group(label)) for label in groups.groups]
    return labels, members


def _apply_small_group_rule(plan: GroupPlan, settings: GroupSettings, neighbors: int) -> None:
    keep = []
    for label, rows in zip(plan.labels, plan.members):
        size = len(rows)
        if size == 1:
            if settings.small_groups == "error":
                raise SmotegenError(
                    f"group {label!r} of {'/'.join(settings.by)} has 1 row, so its synthetic rows could only "
                    "copy it; pass --small-groups copy or --small-groups drop"
                )
            if settings.small_groups == "drop":
                plan.notes.append(f"group {label!r} has 1 row and was dropped (--small-groups drop)")
                continue
            plan.notes.append(f"group {label!r} has 1 row; its synthetic rows copy it (--small-groups copy)")
            keep.append((label, rows, 0))
            continue
        k = min(neighbors, size - 1)
        if k < neighbors:
            plan.notes.append(f"group {label!r} has {size} rows, so it uses k={k} instead of {neighbors}")
        keep.append((label, rows, k))
    if not keep:
        raise SmotegenError("every group was dropped; no rows are left to generate from")
    plan.labels = [label for label, _, _ in keep]
    plan.members = [rows for _, rows, _ in keep]
    plan.neighbors = [k for _, _, k in keep]


def _shares(plan: GroupPlan, settings: GroupSettings) -> np.ndarray:
    if settings.balance:
        return np.full(len(plan.labels), 1.0 / len(plan.labels))
    if settings.shares is None:
        return plan.sample_shares
    unknown = [level for level in settings.shares if level not in plan.labels]
    if unknown:
        raise UsageError(
            f"--shares names level {unknown[0]!r}, which is not a group of {'/'.join(settings.by)}; "
            f"the groups are {', '.join(map(repr, plan.labels))}"
        )
    missing = [label for label in plan.labels if label not in settings.shares]
    if missing:
        raise UsageError(f"--shares gives no share for level {missing[0]!r}; give every level a share (0 drops it)")
    shares = np.array([settings.shares[label] for label in plan.labels], dtype=float)
    if (shares < 0).any():
        raise UsageError(f"--shares: level {plan.labels[int(np.argmin(shares))]!r} has a negative share")
    if abs(shares.sum() - 1.0) > 1e-6:
        raise UsageError(f"--shares add up to {shares.sum():g}; they must add up to 1")
    return shares


def parse_shares(text: str) -> dict[str, float]:
    """Parse ``"True=0.3,False=0.7"`` into a mapping of level to share."""
    shares = {}
    for item in text.split(","):
        level, separator, value = item.rpartition("=")
        level = level.strip()
        try:
            share = float(value)
        except ValueError:
            share = None
        if not separator or not level or share is None:
            raise UsageError(f"--shares item {item.strip()!r} is not LEVEL=SHARE; write e.g. True=0.3,False=0.7")
        shares[level] = share
    return shares


def _permute(rows: np.ndarray, total: int, seed: int) -> np.ndarray:
    """Map row numbers through a seeded permutation of [0, total) (Feistel with cycle walking)."""
    keys = np.random.default_rng([seed, 0x6A09E667]).integers(0, 2**63, size=4, dtype=np.uint64)
    return cycle_walk(rows, keys, total, lambda values: values >= np.uint64(total))
