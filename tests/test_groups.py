"""Class-aware expansion: neighbours within a group, exact shares, balance and small groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smotegen import ModelSettings, SmotegenError, SmoteModel, UsageError
from smotegen.groups import GroupSettings, parse_shares


def fit(sample: pd.DataFrame, **groups) -> SmoteModel:
    settings = ModelSettings(neighbors=groups.pop("neighbors", 3), groups=GroupSettings(**groups))
    return SmoteModel(settings).fit(sample)


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    rows = 400
    churn = np.arange(rows) < 60
    return pd.DataFrame(
        {
            "usage": np.where(churn, rng.normal(300, 20, rows), rng.normal(100, 20, rows)).round(1),
            "calls": rng.poisson(np.where(churn, 8, 2)),
            # "premium" only ever occurs among churners.
            "tier": np.where(churn, rng.choice(["premium", "basic"], rows), "basic"),
            "churn": churn,
        }
    )


def test_group_shares_exact_to_one_row(labelled):
    frame = fit(labelled, by=("churn",)).generate_frame(100_003, seed=1)
    expected = 100_003 * 60 / 400
    assert abs((frame["churn"]).sum() - expected) <= 1


def test_balance_gives_equal_groups(labelled):
    frame = fit(labelled, by=("churn",), balance=True).generate_frame(10_000, seed=2)
    assert frame["churn"].sum() == 5_000


def test_explicit_shares(labelled):
    model = fit(labelled, by=("churn",), shares=parse_shares("True=0.3,False=0.7"))
    frame = model.generate_frame(10_000, seed=3)
    assert frame["churn"].sum() == 3_000


def test_level_of_one_class_never_reaches_other(labelled):
    frame = fit(labelled, by=("churn",)).generate_frame(50_000, seed=4)
    assert not ((frame["tier"] == "premium") & ~frame["churn"]).any()
    assert frame.loc[~frame["churn"], "usage"].max() < labelled.loc[~labelled["churn"], "usage"].max() + 1e-9


def test_groups_interleave_in_output(labelled):
    frame = fit(labelled, by=("churn",)).generate_frame(1_000, seed=5)
    first_half = frame["churn"].iloc[:500].sum()
    assert 0 < first_half < frame["churn"].sum()


def test_chunks_agree_with_whole_output(labelled):
    model = fit(labelled, by=("churn",))
    model.prepare(20_000)
    whole = model.generate(0, 20_000, seed=6).to_pandas()
    parts = pd.concat([model.generate(a, min(a + 3_000, 20_000), seed=6).to_pandas() for a in range(0, 20_000, 3_000)])
    pd.testing.assert_frame_equal(whole, parts.reset_index(drop=True))


def test_small_group_uses_smaller_k():
    sample = pd.DataFrame({"x": np.arange(12) * 1.5, "g": ["a"] * 9 + ["b"] * 3})
    model = fit(sample, by=("g",), neighbors=5)
    assert model.groups.neighbors == [5, 2]
    assert "group 'b' has 3 rows, so it uses k=2 instead of 5" in model.groups.notes


def test_single_row_group_needs_a_rule():
    sample = pd.DataFrame({"x": np.arange(10) * 1.5, "g": ["a"] * 9 + ["b"]})
    with pytest.raises(SmotegenError, match="group 'b' of g has 1 row.*--small-groups copy"):
        fit(sample, by=("g",))

    copied = fit(sample, by=("g",), small_groups="copy").generate_frame(1_000, seed=1)
    assert (copied.loc[copied["g"] == "b", "x"] == 13.5).all()
    assert (copied["g"] == "b").sum() == 100

    dropped = fit(sample, by=("g",), small_groups="drop").generate_frame(1_000, seed=1)
    assert (dropped["g"] == "a").all()


@pytest.mark.parametrize(
    "groups,message",
    [
        ({"by": ("nope",)}, "--by 'nope': no such column"),
        ({"by": ("churn",), "shares": {"True": 0.5, "False": 0.4}}, "add up to 0.9"),
        ({"by": ("churn",), "shares": {"True": 0.5, "Maybe": 0.5}}, "level 'Maybe'"),
        ({"by": ("churn",), "shares": {"True": 1.0}}, "no share for level 'False'"),
        ({"balance": True}, "--balance needs --by"),
        ({"by": ("churn",), "balance": True, "shares": {"True": 1.0}}, "keep one"),
    ],
)
def test_group_setting_errors(labelled, groups, message):
    with pytest.raises(UsageError, match=message):
        fit(labelled, **groups)


def test_shares_text_must_be_level_equals_share():
    assert parse_shares("True=0.3, False=0.7") == {"True": 0.3, "False": 0.7}
    with pytest.raises(UsageError, match="'True:0.3' is not LEVEL=SHARE"):
        parse_shares("True:0.3")


def test_two_group_columns(labelled):
    sample = labelled.assign(region=np.where(np.arange(400) % 2 == 0, "north", "south"))
    model = fit(sample, by=("churn", "region"))
    assert model.groups.labels == ["False/north", "False/south", "True/north", "True/south"]
    frame = model.generate_frame(40_000, seed=9)
    counts = frame.groupby(["churn", "region"]).size()
    assert counts[(True, "north")] == 3_000


def test_cli_by_reports_groups(labelled, tmp_path):
    from tests.conftest import expand_frame

    run = expand_frame(labelled, tmp_path, 10_000, "--by", "churn", "--balance")
    assert run.result.exit_code == 0, run.result.output
    assert run.frame["churn"].sum() == 5_000
    assert "Groups by churn: share in sample -> synthetic" in run.result.output
    assert "True: 15.00% (60 rows, k=5) -> 50.00% (5,000 rows)" in run.result.output


@pytest.mark.parametrize(
    "options,message",
    [
        (("--balance",), "--balance needs --by"),
        (("--by", "churn", "--shares", "True=0.2,False=0.7"), "add up to 0.9"),
        (("--by", "churn", "--shares", "yes"), "is not LEVEL=SHARE"),
        (("--by", "nope"), "--by 'nope': no such column"),
    ],
)
def test_cli_group_errors_are_usage_errors(labelled, tmp_path, options, message):
    from tests.conftest import expand_frame

    run = expand_frame(labelled, tmp_path, 100, *options)
    assert run.result.exit_code == 2
    assert message in run.result.output
    assert not run.output.exists()
