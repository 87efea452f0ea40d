"""Shared helpers: run the real command on real files and check the invariants every column kind must meet."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from smotegen.cli import main

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_table(name: str) -> Path:
    """Return the path of a public table in ../shared/data, or skip the test when it is absent."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


@dataclass
class Run:
    result: Result
    output: Path

    @property
    def frame(self) -> pd.DataFrame:
        if self.output.suffix == ".parquet":
            return pq.read_table(self.output).to_pandas()
        return pd.read_csv(self.output)


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def expand_frame(sample: pd.DataFrame, tmp_path: Path, rows: int, *options: str, suffix: str = ".parquet") -> Run:
    """Write ``sample`` to a file, expand it with the real CLI and return the run."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    source = folder / f"sample{suffix}"
    if suffix == ".parquet":
        sample.to_parquet(source, index=False)
    else:
        sample.to_csv(source, index=False)
    output = folder / f"synthetic{suffix}"
    result = run_cli("expand", source, output, "-n", rows, "--seed", 7, "--quiet", *options)
    return Run(result, output)


def assert_invariants(sample: pd.DataFrame, synthetic: pd.DataFrame, rows: int, keys: tuple[str, ...] = ()) -> None:
    """Check what every synthetic table must satisfy, column by column."""
    assert len(synthetic) == rows
    assert list(synthetic.columns) == list(sample.columns)
    for name in sample.columns:
        real, fake = sample[name], synthetic[name]
        if real.isna().all():
            assert fake.isna().all(), f"{name}: an all-missing column must stay all-missing"
            continue
        if name in keys:
            assert fake.dropna().is_unique, f"{name}: keys must be unique"
            assert not set(fake.dropna()) & set(real.dropna()), f"{name}: keys must not repeat sample values"
            continue
        if pd.api.types.is_numeric_dtype(real) and not pd.api.types.is_bool_dtype(real):
            values = fake.dropna().to_numpy(dtype=float)
            assert values.min() >= real.min(), f"{name}: below the sample's minimum"
            assert values.max() <= real.max(), f"{name}: above the sample's maximum"
            if pd.api.types.is_integer_dtype(real):
                assert pd.api.types.is_integer_dtype(fake), f"{name}: integer column became {fake.dtype}"
                assert np.all(values == np.round(values))
        elif not pd.api.types.is_datetime64_any_dtype(real):
            unseen = set(fake.dropna().astype(str)) - set(real.dropna().astype(str))
            assert not unseen, f"{name}: levels never seen in the sample: {sorted(unseen)[:5]}"
