"""Samples that are large in one direction: many columns, huge cells, many levels."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tests.conftest import assert_invariants, run_cli

ROOT = Path(__file__).resolve().parents[1]


def test_thousand_columns_keep_schema(tmp_path):
    rng = np.random.default_rng(31)
    rows = 60
    columns = {}
    for i in range(400):
        columns[f"amount_{i}"] = rng.normal(100, 20, rows).round(2)
    for i in range(300):
        columns[f"count_{i}"] = rng.poisson(40, rows)
    for i in range(300):
        columns[f"plan_{i}"] = rng.choice(["A", "B", "C"], rows)
    sample = pd.DataFrame(columns)
    source = tmp_path / "wide.csv"
    sample.to_csv(source, index=False)
    output = tmp_path / "wide.parquet"
    result = run_cli("expand", source, output, "-n", "3000", "--seed", "2", "--quiet")
    assert result.exit_code == 0, result.output
    synthetic = pq.read_table(output).to_pandas()
    assert synthetic.shape == (3000, 1000)
    assert_invariants(sample, synthetic, 3000)
    assert (synthetic.dtypes.astype(str).to_numpy() == sample.dtypes.astype(str).to_numpy()).all()


def test_million_character_cells_copied_whole(tmp_path):
    cells = ["a" * 1_000_000, "b, quoted \"part\" and\na line break" * 30_000, "c" * 999_999 + "é"]
    sample = pd.DataFrame({"document": [cells[i % 3] for i in range(12)], "size": np.arange(12) * 1.5})
    source = tmp_path / "documents.csv"
    sample.to_csv(source, index=False)
    output = tmp_path / "documents.csv.out.csv"
    result = run_cli("expand", source, output, "-n", "30", "--seed", "4", "--quiet", "-k", "3")
    assert result.exit_code == 0, result.output
    synthetic = pd.read_csv(output)
    assert len(synthetic) == 30
    assert set(synthetic["document"]) <= set(cells)
    assert synthetic["document"].str.len().min() >= 960_000


def test_categorical_with_500k_categories(tmp_path):
    rng = np.random.default_rng(32)
    categories = [f"street {i:06d}" for i in range(500_000)]
    used = rng.choice(500_000, 20_000, replace=False)
    rows = 25_000
    streets = pd.Categorical.from_codes(rng.choice(used, rows), categories=categories)
    sample = pd.DataFrame({"street": streets, "rent": rng.gamma(3, 300, rows).round(2)})
    source = tmp_path / "streets.parquet"
    sample.to_parquet(source, index=False)
    output = tmp_path / "synthetic.parquet"
    command = [sys.executable, "-m", "smotegen", "expand", str(source), str(output), "-n", "20000", "--seed", "5"]
    # A linear search for each of the 20,000 levels in the 500,000 categories took about 80 s.
    # A hash lookup takes a fraction of a second.
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert completed.returncode == 0, completed.stderr
    street = pq.read_table(output).column("street")
    assert pa.types.is_dictionary(street.type)
    assert len(street.chunk(0).dictionary) == 500_000
    assert set(street.to_pylist()) <= set(sample["street"])
