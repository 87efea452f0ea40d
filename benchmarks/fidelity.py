"""Fidelity benchmark: expand each public table with both methods and compare it with real rows.

For each public table in the data folder beside the repository (``DATA``, or
``--data``) and each method, the script fits smotegen on the training rows,
writes ``--rows`` synthetic rows as Parquet to a temporary folder and runs the
same comparison as ``smotegen compare TRAIN SYNTH --holdout HELD_OUT --target COLUMN``:

* ``telecom-churn-sample.csv``: held-out rows from ``telecom-churn-holdout.csv``;
* ``telco-customers.csv`` and ``power-plant.csv``: a fixed random 30% of the
  rows is held out, written with the other 70% to the temporary folder.

Column and correlation metrics compare the synthetic table with the training
rows it was fitted on. Detection, utility and the privacy baseline use the
held-out rows. It prints one table of the metrics against their targets, and
skips (exit 0) when the data folder is absent.

    python benchmarks/fidelity.py [--rows 1000000] [--method spread] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import operator
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from smotegen.compare.files import CompareSettings, compare_files
from smotegen.expand import ExpandSettings, expand_file
from smotegen.model import METHODS, ModelSettings

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
HOLDOUT_SHARE = 0.3
SPLIT_SEED = 20_240_601
GENERATION_SEED = 1


@dataclass(frozen=True)
class Case:
    """One public table: its file, where its held-out rows come from and its class column."""

    name: str
    file: str
    holdout_file: str | None
    target: str | None


CASES = (
    Case("churn", "telecom-churn-sample.csv", "telecom-churn-holdout.csv", "Churn"),
    Case("telco", "telco-customers.csv", None, "Churn"),
    Case("power plant", "power-plant.csv", None, None),
)

# Each target: a summary metric, the comparison its value must meet, and the limit.
TARGETS = (
    ("ks_max", "<=", 0.02),
    ("ks_mean", "<=", 0.01),
    ("std_ratio_min", ">=", 0.98),
    ("std_ratio_max", "<=", 1.02),
    ("outside_range_share_max", "<=", 0.0),
    ("tv_max", "<=", 0.01),
    ("unseen_levels", "<=", 0),
    ("corr_diff_max", "<=", 0.02),
    ("detection_auc", "<=", 0.55),
    ("utility_ratio", ">=", 0.98),
)
# The tails: the largest shift of the 1% and 99% quantiles, in real standard deviations.
TAIL_LEVELS = ("1%", "99%")
CONTEXT = ("utility_auc_synthetic", "utility_auc_real", "dcr_median_synthetic", "dcr_median_baseline", "exact_copies")
NOISE = ("ks_max", "tv_max", "corr_diff_max")
_MEETS = {"<=": operator.le, ">=": operator.ge}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic rows per table and method")
    parser.add_argument("--method", choices=METHODS, action="append", help="method to run (default: both)")
    parser.add_argument("--data", type=Path, default=DATA, help="folder with the public tables")
    parser.add_argument("--json", type=Path, help="also write every summary to this JSON file")
    arguments = parser.parse_args()
    if not arguments.data.is_dir():
        print(f"fidelity: {arguments.data} not found; skipping the benchmark")
        return 0

    results = {}
    with tempfile.TemporaryDirectory(prefix="smotegen-fidelity-") as folder:
        for case in CASES:
            if not (arguments.data / case.file).exists():
                print(f"fidelity: {case.file} not found in {arguments.data}; skipping it")
                continue
            train, holdout = split(case, arguments.data, Path(folder))
            for method in arguments.method or METHODS:
                results[f"{case.name}, {method}"] = run(case, train, holdout, method, arguments.rows, Path(folder))
                print(f"fidelity: {case.name}, {method} done", file=sys.stderr)

    print(render(results, arguments.rows))
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def split(case: Case, data: Path, folder: Path) -> tuple[Path, Path]:
    """Return the training and held-out files of a case, writing a fixed 70/30 split when it has no held-out file."""
    if case.holdout_file:
        return data / case.file, data / case.holdout_file
    frame = pd.read_csv(data / case.file, dtype=str, keep_default_na=False)  # written back cell for cell
    held_out = np.random.default_rng(SPLIT_SEED).random(len(frame)) < HOLDOUT_SHARE
    stem = Path(case.file).stem
    train, holdout = folder / f"{stem}-train.csv", folder / f"{stem}-holdout.csv"
    frame[~held_out].to_csv(train, index=False)
    frame[held_out].to_csv(holdout, index=False)
    return train, holdout


def run(case: Case, train: Path, holdout: Path, method: str, rows: int, folder: Path) -> dict:
    """Expand ``train`` with ``method``, compare the output and return the summary with timings."""
    output = folder / f"{Path(case.file).stem}-{method}.parquet"
    settings = ExpandSettings(rows=rows, seed=GENERATION_SEED, overwrite=True, model=ModelSettings(method=method))
    started = time.perf_counter()
    expand_file(train, output, settings)
    expand_seconds = time.perf_counter() - started

    started = time.perf_counter()
    comparison = compare_files(CompareSettings(real=train, synthetic=output, holdout=holdout, target=case.target))
    report = comparison.report
    output.unlink()
    tails = [abs(c.quantile_shifts[level] or 0.0) for c in report.numeric for level in TAIL_LEVELS]
    return {
        "summary": report.summary(),
        "tail_shift_max": max(tails) if tails else None,
        "holdout_noise": report.holdout_summary,
        "train_rows": report.real.rows,
        "holdout_rows": report.holdout.rows if report.holdout else 0,
        "expand_seconds": expand_seconds,
        "compare_seconds": time.perf_counter() - started,
    }


def render(results: dict, rows: int) -> str:
    """Render the results as a Markdown table: one row per metric, one column per table and method."""
    names = list(results)
    lines = [
        f"{rows:,} synthetic rows per table and method, seed {GENERATION_SEED}; "
        "a mark after a value says whether it meets the target.",
        "",
        "| metric | target | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for metric, comparison, limit in TARGETS:
        cells = [_cell(results[name]["summary"].get(metric), comparison, limit) for name in names]
        lines.append(f"| {metric} | {comparison} {limit:g} | " + " | ".join(cells) + " |")
    lines.append("| tail_shift_max (1% and 99% quantiles) | | "
                 + " | ".join(_number(results[name]["tail_shift_max"]) for name in names) + " |")
    for metric in CONTEXT:
        cells = [_number(results[name]["summary"].get(metric)) for name in names]
        lines.append(f"| {metric} | | " + " | ".join(cells) + " |")
    for metric in NOISE:
        cells = [_number((results[name]["holdout_noise"] or {}).get(metric)) for name in names]
        lines.append(f"| held-out vs training {metric} | | " + " | ".join(cells) + " |")
    for label, key in (("training / held-out rows", None), ("expand s", "expand_seconds"),
                       ("compare s", "compare_seconds")):
        if key is None:
            cells = [f"{results[n]['train_rows']:,} / {results[n]['holdout_rows']:,}" for n in names]
        else:
            cells = [f"{results[n][key]:.1f}" for n in names]
        lines.append(f"| {label} | | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: float | None, comparison: str, limit: float) -> str:
    if value is None:
        return "-"
    mark = "yes" if _MEETS[comparison](value, limit) else "**no**"
    return f"{_number(value)} {mark}"


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.3f}" if abs(value) >= 0.01 else f"{value:.4f}"


if __name__ == "__main__":
    sys.exit(main())
