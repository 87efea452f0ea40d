"""Generate sample_data/telecom_usage.csv, the bundled telecom usage sample.

The table is made up: 5,000 customers of a mobile operator with the shapes
that real usage tables have: a unique customer id, plan and region text
columns, tenure in months, heavy-tailed call/SMS/data counts with many zeros,
minutes and charges with 2 decimals where the charge is the plan's rate times
the minutes, a churn flag, and a few missing values. Run it from the project
root; a fixed seed makes the file identical on every run:

    python sample_data/make_sample.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROWS = 5_000
SEED = 20261204
PLANS = {"Basic": 0.12, "Plus": 0.09, "Unlimited": 0.05}  # charge per minute
REGIONS = ["North", "South", "East", "West", "Central"]


def make_sample(rows: int = ROWS, seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    plan = rng.choice(list(PLANS), size=rows, p=[0.5, 0.35, 0.15])
    region = rng.choice(REGIONS, size=rows, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    tenure = np.minimum(rng.geometric(1 / 30, size=rows), 120)

    # Counts: zero-inflated negative binomials, heavier for the bigger plans.
    heavy = np.select([plan == "Unlimited", plan == "Plus"], [3.0, 1.8], 1.0)
    calls = np.where(rng.random(rows) < 0.08, 0, rng.negative_binomial(2, 2 / (2 + 60 * heavy)))
    sms = np.where(rng.random(rows) < 0.35, 0, rng.negative_binomial(1, 1 / (1 + 40 * heavy)))
    data_mb = np.where(rng.random(rows) < 0.2, 0, np.round(rng.lognormal(6.5, 1.2, rows) * heavy))

    minutes = np.round(calls * rng.gamma(2.0, 1.6, rows), 2)
    rate = np.array([PLANS[p] for p in plan])
    charge = np.round(minutes * rate, 2)

    churn_odds = np.exp(-2.2 + 0.9 * (plan == "Basic") - tenure / 40 + 0.004 * minutes)
    churned = rng.random(rows) < churn_odds / (1 + churn_odds)

    frame = pd.DataFrame(
        {
            "customer_id": [f"CU-{n:06d}" for n in rng.choice(900_000, size=rows, replace=False) + 100_000],
            "plan": plan,
            "region": region,
            "tenure_months": tenure,
            "calls": calls,
            "sms": sms,
            "data_mb": data_mb.astype(np.int64),
            "minutes": minutes,
            "charge": charge,
            "churned": churned,
        }
    )
    # A few missing values: unknown regions and unrecorded data usage.
    frame["region"] = frame["region"].mask(rng.random(rows) < 0.01)
    frame["data_mb"] = frame["data_mb"].astype("Int64").mask(rng.random(rows) < 0.02)
    return frame


if __name__ == "__main__":
    target = Path(__file__).with_name("telecom_usage.csv")
    make_sample().to_csv(target, index=False)
    print(f"wrote {target}")
