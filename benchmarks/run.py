"""Benchmark smotegen expand against the floor of the job and imbalanced-learn's SMOTENC.

Run it with ``make bench`` (or ``python benchmarks/run.py``). Every tool runs
as a child process, so each figure covers the whole process: interpreter
start, imports, reading, fitting, generating, writing and, for smotegen, the
report. Wall time is measured around the child; peak RSS is the child's
``ru_maxrss`` from ``os.wait4``. Absolute times drift on shared machines, so
the ratios between tools measured in the same invocation are what to compare.

Cases (the churn cases are skipped when the public churn sample is absent):

* churn sample (2,661 rows x 20 columns) -> 1M rows, Parquet: smotegen with
  --jobs 1 and --jobs (cores, at least 2), the floor, SMOTENC (when imbalanced-learn is installed);
* churn sample -> 10M rows, Parquet: smotegen, the floor;
* churn sample -> 1M rows, CSV: smotegen, the floor;
* a generated 100,000-row x 50-column sample -> 1M rows, Parquet: smotegen,
  and the time to read the sample and fit the model, in a separate process.

Outputs go to a temporary folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
CHURN_SAMPLE = "telecom-churn-sample.csv"
CHURN_LABEL = "Churn"
MIB = 1024 * 1024
JOBS = max(2, os.cpu_count() or 1)
PARALLEL = f"smotegen --jobs {JOBS}"


@dataclass
class Run:
    """One tool's run of one case."""

    tool: str
    rows: int
    seconds: float
    peak_rss_bytes: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def measure(command: list[str], repeat: int) -> tuple[float, int]:
    """Run ``command`` ``repeat`` times; return the best wall time and the largest peak RSS in bytes."""
    best_seconds = float("inf")
    peak_rss = 0
    for _ in range(repeat):
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stderr = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            message = stderr.decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}): {message[-1] if message else ''}")
        best_seconds = min(best_seconds, seconds)
        peak_rss = max(peak_rss, usage.ru_maxrss * 1024)  # ru_maxrss is in KiB on Linux
    return best_seconds, peak_rss


def smotegen_command(sample: Path, output: Path, rows: int, jobs: int) -> list[str]:
    return [
        sys.executable, "-m", "smotegen", "expand", str(sample), str(output),
        "-n", str(rows), "--seed", "1", "--jobs", str(jobs), "--overwrite", "--quiet",
    ]


def floor_command(sample: Path, output: Path, rows: int) -> list[str]:
    return [sys.executable, str(BENCHMARKS / "floor.py"), str(sample), str(output), str(rows)]


def smotenc_command(sample: Path, output: Path, rows: int) -> list[str]:
    return [sys.executable, str(BENCHMARKS / "smotenc.py"), str(sample), str(output), str(rows), CHURN_LABEL]


def run_case(title: str, commands: dict[str, list[str]], rows: int, repeat: int) -> dict[str, Run]:
    """Measure each tool on one case and print a table row per tool."""
    print(f"\n{title}")
    print(f"  {'tool':<18}{'wall s':>9}{'rows/s':>13}{'peak RSS MiB':>15}")
    runs = {}
    for tool, command in commands.items():
        seconds, rss = measure(command, repeat)
        run = Run(tool, rows, seconds, rss)
        runs[tool] = run
        print(f"  {tool:<18}{seconds:>9.2f}{run.rows_per_second:>13,.0f}{rss / MIB:>15,.0f}", flush=True)
    return runs


def fit_seconds(sample: Path) -> dict[str, float]:
    """Return the read, fit and neighbour-search seconds of a fresh process on ``sample``."""
    command = [sys.executable, str(BENCHMARKS / "fit_time.py"), str(sample)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def write_wide_sample(folder: Path) -> Path:
    sys.path.insert(0, str(BENCHMARKS))
    from wide_sample import make_wide_sample

    path = folder / "wide-sample.csv"
    make_wide_sample().to_csv(path, index=False)
    return path


def print_machine() -> None:
    import numpy  # noqa: F401 - loads the BLAS that threadpool_info describes
    from threadpoolctl import threadpool_info

    blas = ", ".join(f"{i['internal_api']} {i['version']} {i.get('architecture', '')}" for i in threadpool_info())
    overrides = {name: os.environ[name] for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if name in os.environ}
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, BLAS {blas}")
    if overrides:
        print(f"  set in the environment: {overrides} (they slow numpy; the ratios are still fair)")


class Targets:
    """Collect target checks and print them together at the end."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def check(self, name: str, value: str, met: bool) -> None:
        self.lines.append(f"  {'met' if met else 'MISSED':<8}{name}: {value}")

    def print(self) -> None:
        print("\nTargets")
        print("\n".join(self.lines) if self.lines else "  none checked")


def bench_churn(sample: Path, folder: Path, args: argparse.Namespace, targets: Targets) -> None:
    one_million = 1_000_000
    commands = {
        "smotegen": smotegen_command(sample, folder / "smotegen.parquet", one_million, 1),
        PARALLEL: smotegen_command(sample, folder / "smotegen.parquet", one_million, JOBS),
        "floor": floor_command(sample, folder / "floor.parquet", one_million),
    }
    smotenc_installed = find_spec("imblearn") is not None
    if smotenc_installed and not args.no_smotenc:
        commands["SMOTENC"] = smotenc_command(sample, folder / "smotenc.parquet", one_million)
    runs = run_case("churn sample -> 1M rows, Parquet", commands, one_million, args.repeat)
    if not smotenc_installed:
        print("  SMOTENC            not installed (pip install -e '.[bench]')")

    best = min(runs["smotegen"], runs[PARALLEL], key=lambda r: r.seconds)
    ratio = best.seconds / runs["floor"].seconds
    print(f"  {best.tool} / floor: {ratio:.2f} x wall, {best.peak_rss_bytes / runs['floor'].peak_rss_bytes:.2f} x RSS")
    targets.check("1M rows wall <= 1.5 x floor", f"{ratio:.2f} x ({best.tool})", ratio <= 1.5)
    if "SMOTENC" in runs:
        speedup = runs["SMOTENC"].seconds / best.seconds
        print(f"  SMOTENC / {best.tool}: {speedup:.1f} x wall, "
              f"{runs['SMOTENC'].peak_rss_bytes / best.peak_rss_bytes:.1f} x RSS")
        targets.check("1M rows >= 15 x faster than SMOTENC", f"{speedup:.1f} x", speedup >= 15)
    rss_1m = max(runs["smotegen"].peak_rss_bytes, runs[PARALLEL].peak_rss_bytes)
    targets.check("peak RSS <= 400 MiB at 1M rows", f"{rss_1m / MIB:.0f} MiB", rss_1m <= 400 * MIB)

    if not args.no_10m:
        ten_million = 10_000_000
        commands = {
            PARALLEL: smotegen_command(sample, folder / "smotegen.parquet", ten_million, JOBS),
            "floor": floor_command(sample, folder / "floor.parquet", ten_million),
        }
        runs_10m = run_case("churn sample -> 10M rows, Parquet", commands, ten_million, args.repeat)
        growth = runs_10m[PARALLEL].peak_rss_bytes / rss_1m
        ratio = runs_10m[PARALLEL].seconds / runs_10m["floor"].seconds
        print(f"  smotegen / floor: {ratio:.2f} x wall; smotegen RSS at 10M / at 1M: {growth:.2f}")
        targets.check("peak RSS at 10M rows <= 1.1 x the 1M figure", f"{growth:.2f} x", growth <= 1.1)

    commands = {
        PARALLEL: smotegen_command(sample, folder / "smotegen.csv", one_million, JOBS),
        "floor": floor_command(sample, folder / "floor.csv", one_million),
    }
    runs_csv = run_case("churn sample -> 1M rows, CSV", commands, one_million, args.repeat)
    speed = runs_csv[PARALLEL].rows_per_second
    targets.check("CSV output >= 500k rows/s", f"{speed:,.0f} rows/s", speed >= 500_000)


def bench_wide(folder: Path, args: argparse.Namespace, targets: Targets) -> None:
    sample = write_wide_sample(folder)
    one_million = 1_000_000
    phases = fit_seconds(sample)
    print(f"\nwide sample (100,000 rows x 50 columns): read {phases['read']:.2f} s, "
          f"fit {phases['fit']:.2f} s (neighbour search {phases['search']:.2f} s)")
    print(f"  neighbours of 1,000 rows vs exact: {phases['recall']:.1%} found, "
          f"{phases['distance_ratio']:.4f} x the exact mean distance")
    targets.check("100k x 50 sample: fit <= 10 s", f"{phases['fit']:.2f} s", phases["fit"] <= 10)

    commands = {PARALLEL: smotegen_command(sample, folder / "wide.parquet", one_million, JOBS)}
    runs = run_case("wide sample -> 1M rows, Parquet", commands, one_million, args.repeat)
    rss = runs[PARALLEL].peak_rss_bytes
    targets.check("100k x 50 sample -> 1M rows: peak RSS < 1 GiB", f"{rss / MIB:.0f} MiB", rss < 1024 * MIB)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of the public churn sample")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool and case; the best time is kept")
    parser.add_argument("--no-smotenc", action="store_true", help="skip SMOTENC (about 45 s and 5 GB)")
    parser.add_argument("--no-10m", action="store_true", help="skip the 10M-row case")
    args = parser.parse_args()

    print_machine()
    targets = Targets()
    with tempfile.TemporaryDirectory(prefix="smotegen-bench-") as temporary:
        folder = Path(temporary)
        churn = args.data / CHURN_SAMPLE
        if churn.exists():
            bench_churn(churn, folder, args, targets)
        else:
            print(f"\nchurn sample not found at {churn}: churn cases skipped")
        bench_wide(folder, args, targets)
    targets.print()


if __name__ == "__main__":
    main()
