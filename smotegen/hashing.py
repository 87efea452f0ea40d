"""Counter-based hashing and permutations of row numbers, shared by keys, groups, sampling and privacy.

Everything here is a pure function of its inputs, so any chunk or part of an
output can compute its rows' values without knowing the others.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix64(x: np.ndarray) -> np.ndarray:
    """Return the splitmix64 finaliser of ``x``: a fast hash with full avalanche."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return (x ^ (x >> np.uint64(31))) & _MASK64


def feistel(values: np.ndarray, keys: np.ndarray, half_bits: int) -> np.ndarray:
    """Apply a balanced Feistel permutation of [0, 2**(2 * half_bits))."""
    mask = np.uint64((1 << half_bits) - 1)
    shift = np.uint64(half_bits)
    left = values >> shift
    right = values & mask
    for key in keys:
        left, right = right, left ^ (mix64(right ^ key) & mask)
    return (left << shift) | right


def cycle_walk(
    values: np.ndarray, keys: np.ndarray, capacity: int, outside: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Permute ``values`` within the set of positions below ``capacity`` that ``outside`` does not mark.

    A Feistel permutation of the smallest power-of-four domain that covers
    ``capacity`` is applied again to every result that falls outside the set
    (cycle walking), which keeps it a permutation of the set.
    """
    half_bits = max(1, (int(capacity - 1).bit_length() + 1) // 2)
    scrambled = feistel(values, keys, half_bits)
    pending = outside(scrambled)
    while pending.any():
        scrambled[pending] = feistel(scrambled[pending], keys, half_bits)
        pending[pending] = outside(scrambled[pending])
    return scrambled
