"""k-nearest-neighbour search in numpy: exact for small samples, clustered for large ones.

Squared Euclidean distances come from one matrix product per batch of query
rows, ``|q|^2 - 2 q.c + |c|^2`` (the ``|q|^2`` term is the same for every
candidate of a row, so it is left out of the ranking).

The exact search compares every pair of rows: ``rows^2 x features``
multiply-adds. On 2 cores, 100,000 rows x 134 features took 37 s with
scikit-learn 1.9's brute-force search, the one it picks for that many
features. Larger samples are therefore split into clusters of about
``CLUSTER_ROWS`` rows by a few rounds of k-means. Each row is then compared
only with the rows of the ``PROBED_CLUSTERS`` clusters whose centres are
nearest its own cluster's centre (an inverted-file search). That search is
approximate. A true neighbour in a cluster that is not probed is missed, and
the next closest row takes its place.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

# Above this many multiply-adds (rows^2 x features), the clustered search is used.
EXACT_SEARCH_LIMIT = 2e10

CLUSTER_ROWS = 1000
PROBED_CLUSTERS = 10
KMEANS_ROUNDS = 5
# k-means places the centres using at most this many rows per centre, drawn at random.
KMEANS_ROWS_PER_CLUSTER = 128

# Distances computed at once per batch of query rows, bounding the batch's memory (8 bytes each).
BATCH_DISTANCES = 1_000_000

# Rows are split into this many interleaved groups to find the k smallest
# distances of a row: the k smallest values lie in the k groups with the
# smallest minima, so only those groups are searched in full.
SELECTION_GROUPS = 32


def nearest_rows(features: np.ndarray, k: int) -> np.ndarray:
    """Return the indexes (rows x k) of each row's k nearest other rows, nearest first.

    A row is never its own neighbour, but its exact duplicates can be, because
    they are other sample rows at distance zero. Ties are broken by row index.
    ``k`` must be below the number of rows.
    """
    rows, columns = features.shape
    clusters = rows // CLUSTER_ROWS
    if rows * rows * columns > EXACT_SEARCH_LIMIT and clusters > 2 * PROBED_CLUSTERS:
        return _clustered_search(features.astype(np.float32), k, clusters)

    features = features.astype(np.float64)
    origin = features.mean(axis=0)
    everything = np.arange(rows)
    found = np.empty((rows, k), dtype=np.int64)

    def search_slice(queries: np.ndarray) -> None:
        found[queries] = _search(features, queries, everything, queries, k, origin)

    _run_in_threads([lambda q=queries: search_slice(q) for queries in np.array_split(everything, _thread_count())])
    return found


def _thread_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _run_in_threads(tasks: list[Callable[[], None]]) -> None:
    """Run tasks on one thread per core, each with a single-threaded BLAS.

    Threads over independent tasks keep every core busy when the machine is
    shared. BLAS's own threads synchronise at every small matrix product and
    spin while they wait, which tripled the CPU time of the clustered search
    on a 2-core machine busy with other work.
    """
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(max_workers=_thread_count()) as pool:
        for future in [pool.submit(task) for task in tasks]:
            future.result()


def _search(
    features: np.ndarray,
    queries: np.ndarray,
    candidates: np.ndarray,
    positions: np.ndarray,
    k: int,
    origin: np.ndarray,
) -> np.ndarray:
    """Return each query row's k nearest rows among ``candidates`` (row indexes), excluding itself.

    ``positions`` gives each query's own position in ``candidates``. Rows are
    measured from ``origin``, a point near them, because the rounding error
    of ``|c|^2 - 2 q.c`` grows with the distance of ``q`` and ``c`` from it.
    """
    # One matrix product gives the distances: [q, 1] . [-2 c, |c|^2] = |c|^2 - 2 q.c
    data = features[candidates] - origin
    augmented = np.empty((len(candidates), data.shape[1] + 1), dtype=data.dtype)
    np.multiply(data, -2.0, out=augmented[:, :-1])
    augmented[:, -1] = np.einsum("ij,ij->i", data, data)
    augmented = augmented.T.copy()
    batch = max(1, BATCH_DISTANCES // len(candidates))
    found = np.empty((len(queries), k), dtype=np.int64)
    for first in range(0, len(queries), batch):
        rows = queries[first : first + batch]
        query_rows = np.ones((len(rows), data.shape[1] + 1), dtype=data.dtype)
        query_rows[:, :-1] = features[rows] - origin
        distances = query_rows @ augmented
        distances[np.arange(len(rows)), positions[first : first + batch]] = np.inf
        found[first : first + batch] = candidates[_smallest(distances, k)]
    return found


def _smallest(distances: np.ndarray, k: int) -> np.ndarray:
    """Return the column indexes of each row's k smallest values, smallest first, ties by index."""
    width = distances.shape[1]
    if width >= 4 * SELECTION_GROUPS * k:
        chosen = _smallest_by_groups(distances, k)
    else:
        chosen = np.argpartition(distances, k - 1, axis=1)[:, :k]
    chosen.sort(axis=1)
    order = np.argsort(np.take_along_axis(distances, chosen, axis=1), axis=1, kind="stable")
    return np.take_along_axis(chosen, order, axis=1)


def _smallest_by_groups(distances: np.ndarray, k: int) -> np.ndarray:
    # Group g of a row contains columns g, g + width, g + 2 width and so on.
    # The minimum of every group is then an elementwise minimum of contiguous
    # rows, which is much faster than a partial sort of every row.
    rows, columns = distances.shape
    padding = -columns % SELECTION_GROUPS
    if padding:
        distances = np.concatenate([distances, np.full((rows, padding), np.inf, distances.dtype)], axis=1)
    width = distances.shape[1] // SELECTION_GROUPS
    grouped = distances.reshape(rows, SELECTION_GROUPS, width)
    best_groups = np.argpartition(grouped.min(axis=1), k - 1, axis=1)[:, :k]
    values = np.take_along_axis(grouped, best_groups[:, None, :], axis=2).reshape(rows, -1)
    picked = np.argpartition(values, k - 1, axis=1)[:, :k]
    return (picked // k) * width + np.take_along_axis(best_groups, picked % k, axis=1)


def _clustered_search(features: np.ndarray, k: int, clusters: int) -> np.ndarray:
    """Search each cluster's rows among the rows of the clusters nearest to it (approximate)."""
    centres, assignment = _kmeans(features, clusters)
    order = np.argsort(assignment, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(assignment, minlength=clusters))])
    members = [order[bounds[c] : bounds[c + 1]] for c in range(clusters)]

    centre_distances = _squared_distances(centres, centres)
    np.fill_diagonal(centre_distances, -np.inf)  # a cluster always searches itself first
    probes = np.argsort(centre_distances, axis=1, kind="stable")[:, :PROBED_CLUSTERS]

    found = np.empty((len(features), k), dtype=np.int64)
    everything = np.arange(len(features))

    def search_cluster(cluster: int) -> None:
        queries = members[cluster]
        # The cluster's own rows come first, so a query's position is its place among them.
        candidates = np.concatenate([members[c] for c in probes[cluster]])
        positions = np.arange(len(queries))
        if len(candidates) <= k:
            candidates, positions = everything, queries
        found[queries] = _search(features, queries, candidates, positions, k, centres[cluster])

    _run_in_threads([lambda c=c: search_cluster(c) for c in range(clusters) if len(members[c])])
    return found


def _kmeans(features: np.ndarray, clusters: int) -> tuple[np.ndarray, np.ndarray]:
    """Return cluster centres (clusters x features) and each row's closest centre.

    The centres come from a few Lloyd rounds on a random subset of the rows.
    The subset and the starting centres are drawn with a fixed seed, so the
    clusters, and with them the neighbours, are the same on every run.
    """
    random = np.random.default_rng(0)
    subset_rows = min(len(features), clusters * KMEANS_ROWS_PER_CLUSTER)
    subset = features[np.sort(random.choice(len(features), subset_rows, replace=False))]
    centres = subset[np.sort(random.choice(subset_rows, clusters, replace=False))].copy()
    for _ in range(KMEANS_ROUNDS):
        assignment = _closest_centre(subset, centres)
        order = np.argsort(assignment, kind="stable")
        counts = np.bincount(assignment, minlength=clusters)
        used = counts > 0
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[used]
        sums = np.add.reduceat(subset[order], starts, axis=0, dtype=np.float64)
        centres[used] = sums / counts[used, None]
    return centres, _closest_centre(features, centres)


def _closest_centre(features: np.ndarray, centres: np.ndarray) -> np.ndarray:
    batch = max(1, BATCH_DISTANCES // len(centres))
    return np.concatenate(
        [_squared_distances(features[first : first + batch], centres).argmin(axis=1)
         for first in range(0, len(features), batch)]
    )


def _squared_distances(rows: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Return squared distances from each row to each other row, up to a per-row constant."""
    distances = rows @ others.T
    distances *= -2.0
    distances += np.einsum("ij,ij->i", others, others)
    return distances
