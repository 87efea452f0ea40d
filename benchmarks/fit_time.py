"""Time reading a sample and fitting smotegen's model on it, in a fresh process.

Run as a child process by ``benchmarks/run.py``::

    python benchmarks/fit_time.py SAMPLE.csv

Prints one line of JSON: seconds spent reading, fitting (column typing, the
neighbour search and the rest of the fit) and in the neighbour search alone.
It also says how close the neighbours of 1,000 random rows are to exact
ones: the share of exact neighbours found, and the mean distance to the
found neighbours over the mean distance to the exact ones. For that it reads
the model's private arrays, so it may need updating when the model changes.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from smotegen import ModelSettings, SmoteModel
from smotegen import model as model_module
from smotegen.reading import read_table
from smotegen.search import _search

CHECKED_ROWS = 1000


def neighbour_quality(model: SmoteModel) -> dict[str, float]:
    """Compare the model's neighbours of some rows with exact ones."""
    features = model.scaler.transform(model._numeric, model._codes).astype(np.float64)
    found = model.neighbours
    k = found.shape[1]
    rows = np.sort(np.random.default_rng(0).choice(len(features), min(CHECKED_ROWS, len(features)), replace=False))
    everything = np.arange(len(features))
    exact = _search(features, rows, everything, rows, k, features.mean(axis=0))

    def mean_distance(neighbours: np.ndarray) -> np.ndarray:
        return np.sqrt(((features[neighbours] - features[rows][:, None, :]) ** 2).sum(axis=2)).mean(axis=1)

    shared = [len(set(a) & set(b)) / k for a, b in zip(found[rows], exact)]
    ratio = mean_distance(found[rows]) / mean_distance(exact)
    return {"recall": float(np.mean(shared)), "distance_ratio": float(np.mean(ratio))}


def main(sample: Path) -> None:
    started = time.perf_counter()
    frame = read_table(sample)
    read = time.perf_counter()

    search_seconds = []
    search = model_module.nearest_neighbours

    def timed_search(*args, **kwargs):
        search_started = time.perf_counter()
        found = search(*args, **kwargs)
        search_seconds.append(time.perf_counter() - search_started)
        return found

    model_module.nearest_neighbours = timed_search
    model = SmoteModel(ModelSettings()).fit(frame, whole_floats_to_integers=True)
    fitted = time.perf_counter()
    result = {"read": read - started, "fit": fitted - read, "search": sum(search_seconds)}
    print(json.dumps(result | neighbour_quality(model)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
