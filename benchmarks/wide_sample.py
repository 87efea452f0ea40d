"""Generate the wide benchmark sample: 100,000 customers x 50 columns of telecom usage.

The table is made up and written to a temporary folder by the benchmark, never
into the repository. Its columns have the shapes of a wide usage table:

* a unique customer id (a key column);
* 8 text columns (plan, region, device, contract, payment method, gender,
  a 51-level state and a 5-level satisfaction rating) and a churn flag;
* a 3-value area code, tenure in months and customer service calls;
* 12 months of minutes (2 decimals), calls (whole numbers) and charges
  (minutes x the plan's rate, 2 decimals), each customer's months scattered
  around that customer's own level, and a monthly fee.

Run it alone to write the CSV: ``python benchmarks/wide_sample.py OUT.csv``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROWS = 100_000
SEED = 20261205
MONTHS = 12
PLANS = {"Basic": 0.12, "Plus": 0.09, "Unlimited": 0.05}  # charge per minute
STATES = [f"S{i:02d}" for i in range(51)]


def make_wide_sample(rows: int = ROWS, seed: int = SEED) -> pd.DataFrame:
    """Return the made-up wide usage table: ``rows`` rows x 50 columns."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(list(PLANS), size=rows, p=[0.5, 0.35, 0.15])
    rate = np.array([PLANS[p] for p in plan])
    columns: dict[str, object] = {
        "customer_id": [f"C{n:07d}" for n in rng.permutation(10_000_000)[:rows]],
        "plan": plan,
        "region": rng.choice(["North", "South", "East", "West", "Central"], size=rows),
        "device": rng.choice([f"model-{i}" for i in range(8)], size=rows),
        "contract": rng.choice(["monthly", "one year", "two years"], size=rows, p=[0.6, 0.25, 0.15]),
        "payment": rng.choice(["card", "transfer", "check", "wallet"], size=rows),
        "gender": rng.choice(["F", "M"], size=rows),
        "state": rng.choice(STATES, size=rows),
        "satisfaction": rng.choice(["very low", "low", "medium", "high", "very high"], size=rows),
        "area_code": rng.choice([408, 415, 510], size=rows),
        "tenure_months": np.minimum(rng.geometric(1 / 30, size=rows), 120),
        "service_calls": np.minimum(rng.poisson(1.5, size=rows), 9),
    }

    level_minutes = rng.gamma(4.0, 50.0, size=rows)
    level_calls = rng.gamma(6.0, 15.0, size=rows)
    for month in range(1, MONTHS + 1):
        minutes = np.round(level_minutes * rng.lognormal(0.0, 0.25, size=rows), 2)
        columns[f"minutes_m{month:02d}"] = minutes
        columns[f"calls_m{month:02d}"] = rng.poisson(level_calls)
        columns[f"charge_m{month:02d}"] = np.round(minutes * rate, 2)

    columns["monthly_fee"] = np.round(rng.normal(30.0, 8.0, size=rows).clip(5.0, None), 2)
    churn_odds = 0.1 + 0.05 * columns["service_calls"] - 0.0008 * columns["tenure_months"]
    columns["churn"] = rng.random(rows) < churn_odds.clip(0.02, 0.9)
    return pd.DataFrame(columns)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python benchmarks/wide_sample.py OUT.csv")
    make_wide_sample().to_csv(Path(sys.argv[1]), index=False)
