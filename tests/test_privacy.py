"""Privacy guards: no synthetic row copies a sample row; the optional distance guard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smotegen import ModelSettings, SmoteModel
from smotegen.privacy import PrivacySettings
from tests.conftest import expand_frame


@pytest.fixture(scope="module")
def dense() -> pd.DataFrame:
    """A dense low-dimensional table: small steps often round back to the base row's values."""
    rng = np.random.default_rng(12)
    rows = 2_000
    calls = rng.poisson(20, rows)
    return pd.DataFrame({"calls": calls, "minutes": (calls * rng.uniform(2, 3, rows)).round(2), "vip": calls > 30})


def copies_of_sample(sample: pd.DataFrame, synthetic: pd.DataFrame) -> int:
    known = set(map(tuple, sample.to_numpy().tolist()))
    return sum(row in known for row in map(tuple, synthetic.to_numpy().tolist()))


def test_copies_happen_without_guard(dense):
    settings = ModelSettings(privacy=PrivacySettings(allow_copies=True))
    frame = SmoteModel(settings).fit(dense).generate_frame(50_000, seed=1)
    assert copies_of_sample(dense, frame) > 1_000


def test_guard_removes_every_copy(dense):
    model = SmoteModel().fit(dense)
    frame = model.generate_frame(50_000, seed=1)
    assert copies_of_sample(dense, frame) == 0
    summary = model.guard.summary()
    assert summary["exact_copies_redrawn"] > 1_000
    assert summary["rejected_rows_kept"] == 0


def test_guard_keeps_distributions(dense):
    frame = SmoteModel().fit(dense).generate_frame(100_000, seed=2)
    assert frame["calls"].mean() == pytest.approx(dense["calls"].mean(), rel=0.01)
    assert frame["calls"].std() == pytest.approx(dense["calls"].std(), rel=0.03)
    assert frame["vip"].mean() == pytest.approx(dense["vip"].mean(), abs=0.01)


def test_rows_without_new_neighbours_are_counted(tmp_path):
    rng = np.random.default_rng(13)
    calls = rng.poisson(20, 2_000)
    sample = pd.DataFrame({"calls": calls, "minutes": (calls * rng.uniform(2, 3, 2_000)).round(0)})
    run = expand_frame(sample, tmp_path, 20_000)
    assert run.result.exit_code == 0, run.result.output
    assert "still equal a sample row after 20 redraws" in run.result.output


def test_saturated_columns_warn_instead(tmp_path):
    sample = pd.DataFrame({"a": ["yes", "no", "yes", "no"] * 3, "b": ["yes", "yes", "no", "no"] * 3})
    run = expand_frame(sample, tmp_path, 1_000, "-k", "2")
    assert run.result.exit_code == 0, run.result.output
    assert "every combination of the sample's column values already occurs in the sample" in run.result.output


def test_min_distance_redraws_close_rows(tmp_path):
    sample = pd.DataFrame(np.random.default_rng(14).normal(size=(300, 4)).round(3), columns=list("abcd"))
    run = expand_frame(sample, tmp_path, 20_000, "--min-distance", "0.05")
    assert run.result.exit_code == 0, run.result.output
    assert "median distance to the closest sample row" in run.result.output

    settings = ModelSettings(privacy=PrivacySettings(min_distance=0.05))
    model = SmoteModel(settings).fit(sample)
    model.generate_frame(20_000, seed=3)
    summary = model.guard.summary()
    assert summary["share_rejected"] > 0
    assert summary["too_close_redrawn"] > 0
    assert summary["median_distance_to_closest_sample_row"] > 0


@pytest.mark.parametrize("value", ["0", "1", "1.5", "-0.1"])
def test_min_distance_must_be_quantile(dense, tmp_path, value):
    run = expand_frame(dense, tmp_path, 100, "--min-distance", value)
    assert run.result.exit_code == 2
    assert "--min-distance" in run.result.output
