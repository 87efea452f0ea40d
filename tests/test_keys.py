"""New key values: unique, never a sample value, same shape, independent of chunking."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd

from smotegen.keys import KeyPattern, _unique_positions


def test_text_pattern_keeps_literals_and_classes():
    pattern = KeyPattern.learn(pd.Series(["7590-VHVEG", "5575-GNVDE", "3668-QPYBK"]), "id")
    assert pattern.describe() == "9999-AAAAA"
    keys = pattern.generate(np.arange(1_000), seed=1)
    assert pd.Series(keys).str.fullmatch(r"\d{4}-[A-Z]{5}").all()


def test_ten_million_positions_unique_and_new():
    sample = pd.Series([f"C{n:07d}" for n in range(0, 10_000_000, 97)])
    pattern = KeyPattern.learn(sample, "id")
    rows = 10_000_000
    pattern = pattern.widened_for(rows)
    positions = _unique_positions(np.arange(rows, dtype=np.uint64), pattern.capacity, pattern.taken, seed=5)
    assert len(np.unique(positions)) == rows
    assert not np.isin(positions, pattern.taken).any()
    assert positions.max() < pattern.capacity


def test_keys_do_not_depend_on_chunks():
    pattern = KeyPattern.learn(pd.Series([f"AB{n:04d}x" for n in range(500)]), "id").widened_for(3_000)
    whole = pattern.generate(np.arange(3_000), seed=9)
    parts = np.concatenate([pattern.generate(np.arange(0, 1_234), 9), pattern.generate(np.arange(1_234, 3_000), 9)])
    assert (whole == parts).all()
    assert not set(whole) & {f"AB{n:04d}x" for n in range(500)}


def test_small_key_space_is_widened():
    sample = pd.Series([f"K{n:02d}" for n in range(60)])
    pattern = KeyPattern.learn(sample, "id").widened_for(1_000)
    keys = pattern.generate(np.arange(1_000), seed=2)
    assert len(set(keys)) == 1_000
    assert all(k.startswith("K") for k in keys)
    assert not set(keys) & set(sample)


def test_long_keys_hash_leading_positions():
    rng = np.random.default_rng(0)
    alphabet = np.array(list(string.hexdigits[:16]))
    sample = pd.Series(["".join(rng.choice(alphabet, 32)) for _ in range(100)])
    pattern = KeyPattern.learn(sample, "id")
    keys = pattern.generate(np.arange(100_000), seed=3)
    assert len(set(keys)) == 100_000
    assert all(len(k) == 32 for k in keys[:100])


def test_integer_keys_continue_after_maximum():
    pattern = KeyPattern.learn(pd.Series([3, 17, 5, 11], dtype="int64"), "id")
    assert list(pattern.generate(np.arange(4), seed=0)) == [18, 19, 20, 21]
