"""New key values (customer ids and the like) that look like the sample's.

A key is never interpolated or copied. Output row ``r`` gets a value that is a
pure function of ``r`` and the seed, so chunks and part files made
independently never collide:

* integer keys continue after the sample's maximum: ``max + 1 + r``;
* text keys keep the shape of the sample's most common length: each position
  is either a literal that every sample value shares (a prefix, a dash) or a
  character class (digits, upper case, lower case letters). Row ``r`` is
  mapped to a position in that space by a keyed Feistel permutation with
  cycle walking, which skips the sample's own values, so the keys are unique,
  scrambled and never equal to a sample value.
"""

from __future__ import annotations

import string
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from smotegen.errors import SmotegenError
from smotegen.hashing import cycle_walk, mix64

_CLASSES = (string.digits, string.ascii_uppercase, string.ascii_lowercase)

# The positions that make keys unique span at most this many values, so that
# their index fits a uint64 with room for the Feistel domain. Positions before
# them (in long keys such as UUIDs) are filled from a hash of the row number.
_MAX_UNIQUE_SPACE = 2**60


@dataclass
class KeyPattern:
    """The shape of a key column and the sample values that new keys must avoid."""

    name: str
    integer: bool
    start: int = 0
    # Text keys: one entry per character, a single literal or an alphabet.
    alphabets: tuple[str, ...] = ()
    taken: np.ndarray | None = None  # sorted indexes of sample values in the key space

    @classmethod
    def learn(cls, present: pd.Series, name: str) -> KeyPattern:
        if pd.api.types.is_integer_dtype(present) or (
            pd.api.types.is_float_dtype(present) and np.all(present == np.round(present))
        ):
            start = int(present.max()) + 1 if len(present) else 0
            return cls(name, integer=True, start=start)

        values = [str(v) for v in present]
        if not values:
            return cls(name, integer=False, alphabets=tuple(_CLASSES[0] for _ in range(8)))
        length = Counter(len(v) for v in values).most_common(1)[0][0]
        same_length = [v for v in values if len(v) == length]
        # NOTE: learning and generating take a Python step per character position, so keys of
        # 1,000,000 characters took about 15 s to learn from 25 values and 10 s to generate 50.
        alphabets = tuple(_position_alphabet({v[i] for v in same_length}) for i in range(length))
        if all(len(a) == 1 for a in alphabets):
            alphabets = alphabets + (string.digits,) * 4  # identical values: give the keys room
        pattern = cls(name, integer=False, alphabets=alphabets)
        pattern.taken = np.unique(pattern._indexes_of([v for v in same_length if pattern._fits(v)]))
        return pattern

    @property
    def unique_from(self) -> int:
        """Index of the first position of the part that makes keys unique."""
        size = 1
        for i in range(len(self.alphabets) - 1, -1, -1):
            size *= len(self.alphabets[i])
            if size > _MAX_UNIQUE_SPACE:
                return i + 1
        return 0

    @property
    def capacity(self) -> int:
        size = 1
        for alphabet in self.alphabets[self.unique_from :]:
            size *= len(alphabet)
        return size

    def describe(self) -> str:
        if self.integer:
            return f"new integers from {self.start}"
        return "".join(a if len(a) == 1 else _class_symbol(a) for a in self.alphabets)

    def widened_for(self, rows: int) -> KeyPattern:
        """Return a pattern with room for ``rows`` new keys, adding positions if needed."""
        if self.integer:
            return self
        pattern = KeyPattern(self.name, False, alphabets=self.alphabets, taken=self.taken)
        variable = [i for i, a in enumerate(pattern.alphabets) if len(a) > 1]
        last = variable[-1] if variable else len(pattern.alphabets) - 1
        extra = pattern.alphabets[last] if variable else string.digits
        while pattern.capacity - len(pattern.taken) < rows:
            alphabets = list(pattern.alphabets)
            alphabets.insert(last + 1, extra)
            pattern.alphabets = tuple(alphabets)
        if pattern.alphabets != self.alphabets:
            # Longer values cannot equal any sample value of the original length.
            pattern.taken = np.zeros(0, dtype=np.uint64)
        return pattern

    def generate(self, rows: np.ndarray, seed: int) -> np.ndarray:
        """Return the keys of output rows ``rows`` (global row numbers)."""
        if self.integer:
            return self.start + rows.astype(np.int64)
        positions = _unique_positions(rows.astype(np.uint64), self.capacity, self.taken, seed)
        return self._strings_at(positions, rows.astype(np.uint64), seed)

    def _fits(self, value: str) -> bool:
        return len(value) == len(self.alphabets) and all(c in a for c, a in zip(value, self.alphabets))

    def _indexes_of(self, values: list[str]) -> np.ndarray:
        indexes = np.zeros(len(values), dtype=np.uint64)
        start = self.unique_from
        columns = list(zip(*values))[start:] if values else []
        for alphabet, column in zip(self.alphabets[start:], columns):
            if len(alphabet) == 1:
                continue
            lookup = {c: i for i, c in enumerate(alphabet)}
            digits = np.array([lookup[c] for c in column], dtype=np.uint64)
            indexes = indexes * np.uint64(len(alphabet)) + digits
        return indexes

    def _strings_at(self, positions: np.ndarray, rows: np.ndarray, seed: int) -> np.ndarray:
        chars = np.empty((len(positions), len(self.alphabets)), dtype="U1")
        remaining = positions.copy()
        start = self.unique_from
        for i in range(len(self.alphabets) - 1, -1, -1):
            alphabet = self.alphabets[i]
            if len(alphabet) == 1:
                chars[:, i] = alphabet
                continue
            base = np.uint64(len(alphabet))
            if i >= start:
                digits = remaining % base
                remaining //= base
            else:
                salt = np.uint64((seed * 1_000_003 + i) % 2**64)
                digits = mix64(rows ^ salt) % base
            chars[:, i] = np.array(list(alphabet), dtype="U1")[digits.astype(np.intp)]
        return chars.view(f"U{len(self.alphabets)}").ravel()


def _position_alphabet(chars: set[str]) -> str:
    if len(chars) == 1:
        return next(iter(chars))
    alphabet = "".join(c for c in _CLASSES if chars & set(c))
    others = "".join(sorted(c for c in chars if c not in alphabet))
    return alphabet + others


def _class_symbol(alphabet: str) -> str:
    if alphabet == string.digits:
        return "9"
    if alphabet == string.ascii_uppercase:
        return "A"
    if alphabet == string.ascii_lowercase:
        return "a"
    return "*"


def _unique_positions(rows: np.ndarray, capacity: int, taken: np.ndarray, seed: int) -> np.ndarray:
    """Map distinct row numbers to distinct positions in [0, capacity) outside ``taken``."""
    free = capacity - len(taken)
    if len(rows) and int(rows.max()) >= free:
        raise SmotegenError(f"key space of {capacity} values is too small for row {int(rows.max())}")

    # The r-th free position in natural order: a bijection from [0, free) to the free set.
    positions = rows.copy()
    while True:
        shifted = rows + np.searchsorted(taken, positions, side="right").astype(np.uint64)
        if np.array_equal(shifted, positions):
            break
        positions = shifted

    # Scramble within the free set.
    keys = np.random.default_rng(seed).integers(0, 2**63, size=4, dtype=np.uint64)
    return cycle_walk(positions, keys, capacity, lambda values: _outside_free_set(values, capacity, taken))


def _outside_free_set(values: np.ndarray, capacity: int, taken: np.ndarray) -> np.ndarray:
    outside = values >= np.uint64(capacity)
    if len(taken):
        slots = np.searchsorted(taken, values).clip(0, len(taken) - 1)
        outside |= taken[slots] == values
    return outside
