"""The Python API: fit on a DataFrame, generate any row range, methods and their spread."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from smotegen import ModelSettings, SmoteModel, UsageError
from smotegen.privacy import PrivacySettings


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    rows = 2_000
    minutes = rng.gamma(3, 40, rows).round(1)
    return pd.DataFrame(
        {
            "minutes": minutes,
            "charge": (minutes * 0.17).round(2),
            "calls": rng.poisson(minutes / 3),
            "plan": rng.choice(["a", "b"], rows, p=[0.9, 0.1]),
            "churn": rng.random(rows) < 0.12,
        }
    )


def test_row_ranges_match_one_big_range(sample):
    model = SmoteModel().fit(sample)
    whole = model.generate(0, 30_000, seed=5)
    pieces = [model.generate(start, min(start + 7_777, 30_000), seed=5) for start in range(0, 30_000, 7_777)]
    assert pa.concat_tables(pieces).equals(whole)


def test_generate_frame_keeps_dtypes(sample):
    frame = SmoteModel().fit(sample).generate_frame(5_000, seed=1)
    assert frame.dtypes.to_dict() == sample.dtypes.to_dict()


def test_spread_method_keeps_std_classic_shrinks():
    # Ten independent columns: neighbours are far apart, so interpolation visibly shrinks spread.
    wide = pd.DataFrame(np.random.default_rng(6).normal(size=(500, 10)), columns=[f"x{i}" for i in range(10)])
    for method, low, high in (("spread", 0.98, 1.02), ("classic", 0.0, 0.95)):
        frame = SmoteModel(ModelSettings(method=method)).fit(wide).generate_frame(200_000, seed=2)
        ratios = frame.std() / wide.std()
        assert ratios.min() >= low, method
        assert ratios.max() <= high, method


def test_rare_levels_keep_their_share(sample):
    frame = SmoteModel().fit(sample).generate_frame(200_000, seed=3)
    assert frame["churn"].mean() == pytest.approx(sample["churn"].mean(), abs=0.005)
    assert (frame["plan"] == "b").mean() == pytest.approx((sample["plan"] == "b").mean(), abs=0.005)


def test_one_weight_per_row_keeps_linear_relation(sample):
    frame = SmoteModel().fit(sample).generate_frame(100_000, seed=4)
    gap = (frame["charge"] - 0.17 * frame["minutes"]).abs().max()
    assert gap <= 0.005 + 0.005 + 0.17 * 0.05 + 1e-9


def test_invalid_settings_rejected():
    with pytest.raises(UsageError, match="--method 'fancy'"):
        SmoteModel(ModelSettings(method="fancy"))
    with pytest.raises(UsageError, match="--neighbors 0"):
        SmoteModel(ModelSettings(neighbors=0))


def test_zero_inflated_count_keeps_zero_share():
    rng = np.random.default_rng(7)
    rows = 3_000
    sample = pd.DataFrame(
        {
            "sms": np.where(rng.random(rows) < 0.35, 0, rng.negative_binomial(1, 1 / 40, rows) + 1),
            "calls": rng.poisson(50, rows),
            "minutes": rng.gamma(2, 30, rows).round(1),
        }
    )
    model = SmoteModel().fit(sample)
    assert model.specs[0].spikes == [0.0]
    frame = model.generate_frame(200_000, seed=8)
    assert (frame["sms"] == 0).mean() == pytest.approx((sample["sms"] == 0).mean(), abs=0.01)
    assert frame["sms"].std() / sample["sms"].std() == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize("privacy", [PrivacySettings(), PrivacySettings(min_distance=0.05)])
def test_pickled_model_generates_same_rows(sample, privacy):
    model = SmoteModel(ModelSettings(privacy=privacy)).fit(sample)
    model.prepare(20_000)
    copy = pickle.loads(pickle.dumps(model))
    assert copy.generate(5_000, 20_000, seed=2).equals(model.generate(5_000, 20_000, seed=2))
    assert copy.guard.counts.rows == model.guard.counts.rows
