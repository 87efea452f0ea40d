"""PNG plots of a comparison: histograms per column, correlation heat maps and the most correlated pair.

Plotting needs matplotlib, an optional extra: ``pip install smotegen[plots]``.
Every plot is drawn from the row samples of the comparison.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smotegen.compare.marginals import float_column, present_values
from smotegen.compare.selection import ColumnSelection
from smotegen.errors import SmotegenError

HISTOGRAM_BINS = 40
TOP_LEVELS = 20
SCATTER_POINTS = 5_000
REAL_COLOUR = "tab:blue"
SYNTHETIC_COLOUR = "tab:orange"


def require_matplotlib() -> None:
    """Raise a SmotegenError that explains how to install matplotlib when it is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise SmotegenError("--plots needs matplotlib; install it with: pip install smotegen[plots]") from error


def write_plots(folder: Path, real: pa.Table, synthetic: pa.Table, selection: ColumnSelection) -> list[Path]:
    """Write the comparison's PNG files into ``folder`` (created if missing) and return their paths."""
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for index, name in enumerate(selection.names, start=1):
            figure, axes = plt.subplots(figsize=(6, 4))
            if name in selection.numeric:
                _histogram(axes, present_values(real, name), present_values(synthetic, name))
            else:
                _level_bars(axes, real.column(name), synthetic.column(name))
            axes.set_title(name)
            written.append(_save(plt, figure, folder / f"histogram-{index:02d}-{_slug(name)}.png"))
        if len(selection.correlated) >= 2:
            written.append(_correlation_maps(plt, folder, real, synthetic, selection.correlated))
            pair = most_correlated_pair(real, selection.numeric)
            if pair:
                written.append(_scatter(plt, folder, real, synthetic, pair))
    except OSError as error:
        raise SmotegenError(f"failed to write plots to {str(folder)!r}: {error.strerror or error}") from error
    return written


def _histogram(axes, real: np.ndarray, synthetic: np.ndarray) -> None:
    values = real if len(real) else synthetic
    if not len(values):
        axes.text(0.5, 0.5, "no values", ha="center", transform=axes.transAxes)
        return
    low = min(values.min(), synthetic.min()) if len(synthetic) else values.min()
    high = max(values.max(), synthetic.max()) if len(synthetic) else values.max()
    bins = np.linspace(low, high, HISTOGRAM_BINS + 1) if high > low else HISTOGRAM_BINS
    axes.hist(real, bins=bins, density=True, color=REAL_COLOUR, alpha=0.5, label=f"real ({len(real):,})")
    axes.hist(synthetic, bins=bins, density=True, histtype="step", linewidth=1.5, color=SYNTHETIC_COLOUR,
              label=f"synthetic ({len(synthetic):,} sampled)")
    axes.set_ylabel("density")
    axes.legend()


def _level_bars(axes, real: pa.ChunkedArray, synthetic: pa.ChunkedArray) -> None:
    real_shares = _shares(real)
    synthetic_shares = _shares(synthetic)
    levels = list(real_shares.index[:TOP_LEVELS])
    positions = np.arange(len(levels))
    axes.bar(positions - 0.2, real_shares.reindex(levels).to_numpy(), width=0.4, color=REAL_COLOUR, label="real")
    axes.bar(positions + 0.2, synthetic_shares.reindex(levels, fill_value=0).to_numpy(), width=0.4,
             color=SYNTHETIC_COLOUR, label="synthetic")
    axes.set_xticks(positions, [str(level)[:15] for level in levels], rotation=60, ha="right", fontsize=8)
    axes.set_ylabel("share of rows")
    axes.legend()


def _shares(column: pa.ChunkedArray) -> pd.Series:
    counts = pc.value_counts(pc.cast(column, pa.large_string())).to_pylist()
    series = pd.Series({item["values"]: item["counts"] for item in counts if item["values"] is not None}, dtype=float)
    return (series / len(column)).sort_values(ascending=False) if len(column) else series


def _correlation_maps(plt, folder: Path, real: pa.Table, synthetic: pa.Table, names: list[str]) -> Path:
    real_matrix, synthetic_matrix = (_float_frame(table, names).corr().to_numpy() for table in (real, synthetic))
    difference = synthetic_matrix - real_matrix
    # The difference gets its own colour scale: on the [-1, 1] scale of the correlations it would look blank.
    limit = max(float(np.nanmax(np.abs(difference))) if np.isfinite(difference).any() else 0.0, 0.01)
    size = max(4.0, 0.3 * len(names) + 2)
    figure, axes = plt.subplots(1, 3, figsize=(3 * size + 2, size + 1), layout="constrained")
    panels = (
        (real_matrix, "real", 1.0),
        (synthetic_matrix, "synthetic", 1.0),
        (difference, f"synthetic - real (scale ±{limit:.2g})", limit),
    )
    labels = [name[:18] for name in names]
    for axis, (matrix, title, scale) in zip(axes, panels):
        image = axis.imshow(matrix, vmin=-scale, vmax=scale, cmap="coolwarm")
        axis.set_title(title)
        axis.set_xticks(range(len(names)), labels, rotation=90, fontsize=7)
        axis.set_yticks(range(len(names)), labels, fontsize=7)
        figure.colorbar(image, ax=axis, shrink=0.7)
    return _save(plt, figure, folder / "correlations.png", tight=False)


def most_correlated_pair(table: pa.Table, names: list[str]) -> tuple[str, str] | None:
    """Return the two numeric columns with the largest absolute correlation in ``table``, or None."""
    if len(names) < 2:
        return None
    matrix = np.abs(_float_frame(table, names).corr().to_numpy())
    np.fill_diagonal(matrix, np.nan)
    if np.isnan(matrix).all():
        return None
    first, second = np.unravel_index(np.nanargmax(matrix), matrix.shape)
    return names[first], names[second]


def _scatter(plt, folder: Path, real: pa.Table, synthetic: pa.Table, pair: tuple[str, str]) -> Path:
    figure, axes = plt.subplots(1, 2, figsize=(11, 5), sharex=True, sharey=True)
    generator = np.random.default_rng(0)
    for axis, table, title, colour in ((axes[0], real, "real", REAL_COLOUR),
                                       (axes[1], synthetic, "synthetic", SYNTHETIC_COLOUR)):
        rows = np.sort(generator.choice(table.num_rows, min(SCATTER_POINTS, table.num_rows), replace=False))
        x = float_column(table, pair[0])[rows]
        y = float_column(table, pair[1])[rows]
        axis.scatter(x, y, s=4, alpha=0.4, color=colour)
        axis.set_title(f"{title} ({len(rows):,} rows)")
        axis.set_xlabel(pair[0])
    axes[0].set_ylabel(pair[1])
    return _save(plt, figure, folder / f"scatter-{_slug(pair[0])}-{_slug(pair[1])}.png")


def _float_frame(table: pa.Table, names: list[str]) -> pd.DataFrame:
    return pd.DataFrame({name: float_column(table, name) for name in names})


def _save(plt, figure, path: Path, tight: bool = True) -> Path:
    if tight:
        figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:60] or "column"
