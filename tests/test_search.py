"""Nearest-neighbour search: exact for small samples, clustered (approximate) for large ones."""

from __future__ import annotations

import numpy as np
import pytest

from smotegen.search import _clustered_search, nearest_rows


def reference_neighbours(features: np.ndarray, k: int) -> np.ndarray:
    """Return each row's k nearest other rows by sorting every squared distance (ties by index)."""
    differences = features[:, None, :].astype(np.float64) - features[None, :, :]
    distances = (differences**2).sum(axis=2)
    np.fill_diagonal(distances, np.inf)
    return np.argsort(distances, axis=1, kind="stable")[:, :k]


def distances_to(features: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    differences = features[neighbours].astype(np.float64) - features[:, None, :]
    return (differences**2).sum(axis=2)


@pytest.mark.parametrize(("rows", "columns", "k"), [(2, 1, 1), (40, 3, 5), (700, 12, 7), (1500, 30, 5)])
def test_exact_search_matches_reference(rows, columns, k):
    features = np.random.default_rng(rows).normal(size=(rows, columns)).astype(np.float32)
    assert np.array_equal(nearest_rows(features, k), reference_neighbours(features, k))


def test_row_never_its_own_neighbour():
    features = np.random.default_rng(1).normal(size=(300, 4)).astype(np.float32)
    found = nearest_rows(features, 5)
    assert not (found == np.arange(300)[:, None]).any()


def test_duplicates_are_nearest_neighbours():
    points = np.random.default_rng(2).normal(size=(20, 3))
    features = np.repeat(points, 3, axis=0).astype(np.float32)  # rows 3i, 3i+1, 3i+2 are equal
    found = nearest_rows(features, 2)
    for row in range(len(features)):
        copies = {3 * (row // 3) + offset for offset in range(3)} - {row}
        assert set(found[row]) == copies


def test_ties_broken_by_row_index():
    features = np.array([[0.0], [1.0], [-1.0], [2.0], [-2.0]], dtype=np.float32)
    found = nearest_rows(features, 4)
    assert found[0].tolist() == [1, 2, 3, 4]


def test_clustered_search_exact_on_separated_blobs():
    random = np.random.default_rng(3)
    centres = random.normal(scale=100.0, size=(40, 6))
    features = (np.repeat(centres, 60, axis=0) + random.normal(size=(2400, 6))).astype(np.float32)
    found = _clustered_search(features, 5, clusters=40)
    exact = reference_neighbours(features, 5)
    # The clustered search computes in float32, so two neighbours whose
    # distances differ by about 1e-4 may swap. Compare distances, not indexes.
    assert np.allclose(distances_to(features, found), distances_to(features, exact), rtol=1e-3)


def test_clustered_search_close_to_exact():
    random = np.random.default_rng(4)
    latent = random.normal(size=(3000, 3))
    features = (latent @ random.normal(size=(3, 10)) + 0.2 * random.normal(size=(3000, 10))).astype(np.float32)
    found = _clustered_search(features, 5, clusters=30)
    exact = reference_neighbours(features, 5)
    recall = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(found, exact)])
    assert recall >= 0.95
    assert not (found == np.arange(3000)[:, None]).any()
    assert np.array_equal(_clustered_search(features, 5, clusters=30), found)
