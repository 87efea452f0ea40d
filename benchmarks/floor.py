"""The floor of the expand job: numpy gathers and pyarrow writes, nothing else.

Run as a child process by ``benchmarks/run.py``::

    python benchmarks/floor.py SAMPLE.csv OUTPUT.parquet|OUTPUT.csv ROWS

It reads the sample's numeric columns, finds each row's 5 nearest neighbours
by brute force on standardised values, and streams ``x_i + u (x_j - x_i)``
with ``u`` uniform in [0, 1] as float64 columns, 131,072 rows at a time. There
is no column typing, rounding, clipping, discrete or key column, statistics
or report: any time smotegen spends above this is the price of those.
"""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

NEIGHBOURS = 5
CHUNK_ROWS = 131_072


def read_numeric(path: str) -> tuple[list[str], np.ndarray]:
    """Return the names and the float64 matrix of the sample's numeric columns."""
    table = pa_csv.read_csv(path)
    names = [f.name for f in table.schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)]
    matrix = np.column_stack([table.column(n).to_numpy().astype(np.float64) for n in names])
    return names, matrix


def nearest(matrix: np.ndarray, k: int) -> np.ndarray:
    """Return the indexes (rows x k) of each row's k nearest other rows, by brute force."""
    std = matrix.std(axis=0)
    scaled = (matrix - matrix.mean(axis=0)) / np.where(std > 0, std, 1.0)
    squares = (scaled**2).sum(axis=1)
    distances = squares[:, None] + squares[None, :] - 2.0 * scaled @ scaled.T
    np.fill_diagonal(distances, np.inf)
    return np.argpartition(distances, k, axis=1)[:, :k]


def main(sample: str, output: str, rows: int) -> None:
    names, matrix = read_numeric(sample)
    neighbours = nearest(matrix, NEIGHBOURS)
    schema = pa.schema([pa.field(n, pa.float64()) for n in names])
    rng = np.random.default_rng(1)
    if output.endswith(".csv"):
        writer = pa_csv.CSVWriter(output, schema)
    else:
        writer = pq.ParquetWriter(output, schema, compression="snappy")
    with writer:
        for start in range(0, rows, CHUNK_ROWS):
            count = min(CHUNK_ROWS, rows - start)
            base = rng.integers(0, len(matrix), count)
            other = neighbours[base, rng.integers(0, NEIGHBOURS, count)]
            origin = matrix[base]
            values = origin + rng.random(count)[:, None] * (matrix[other] - origin)
            writer.write_table(pa.table([values[:, i] for i in range(len(names))], schema=schema))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
