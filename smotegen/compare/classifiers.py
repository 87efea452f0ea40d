"""Classifier metrics: telling synthetic rows from real ones, and training on synthetic rows.

Both use scikit-learn's HistGradientBoostingClassifier, which handles missing
values and categorical columns natively and fits a few thousand rows in
about a second.

Fits run on one OpenMP thread. On a 2-core machine with other processes
running, 5-fold detection on 5,322 rows took 1.3 s on one thread and 8 to 16 s
on the default two, whose threads spin while they wait for a busy core.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from threadpoolctl import threadpool_limits

from smotegen.compare.marginals import float_column
from smotegen.compare.report import DetectionMetrics, UtilityMetrics
from smotegen.compare.selection import ColumnSelection
from smotegen.errors import UsageError

FOLDS = 5

# Rows of each side used to train and score the detection classifier, at most.
# At an AUC of 0.5 the standard error of the AUC is then about 0.004.
DETECTION_ROWS = 10_000

# Draws of the compared rows, each cross-validated on its own folds. With 667
# held-out churn rows, one draw's AUC ranged from 0.525 to 0.629 between seeds,
# because the rows drawn and the folds change with the seed.
DETECTION_REPEATS = 3

# HistGradientBoostingClassifier accepts categorical columns of at most this
# many levels (its max_bins). Columns with more levels enter as level indexes.
MAX_CATEGORICAL_LEVELS = 255

MAX_TARGET_CLASSES = 100

# scikit-learn's random_state takes seeds below 2**32, and --seed takes any size.
RANDOM_STATES = 2**32


def encode_features(
    tables: list[pa.Table], selection: ColumnSelection, exclude: tuple[str, ...] = ()
) -> tuple[list[np.ndarray], np.ndarray]:
    """Return one float64 feature matrix per table and the mask of categorical features.

    Numeric and boolean columns enter as numbers. Text levels get the same
    index in every table (a level seen in only one table still gets its own),
    and missing values are NaN. Columns missing in every row are left out,
    because they carry nothing and the classifier cannot bin them.
    """
    columns: list[list[np.ndarray]] = [[] for _ in tables]
    categorical = []
    for name in selection.names:
        if name in exclude:
            continue
        if name in selection.numeric or name in selection.boolean:
            values = [float_column(table, name) for table in tables]
            is_categorical = False
        else:
            values, levels = level_codes([table.column(name) for table in tables])
            is_categorical = levels <= MAX_CATEGORICAL_LEVELS
        if all(np.isnan(column).all() for column in values):
            continue
        for i, column in enumerate(values):
            columns[i].append(column)
        categorical.append(is_categorical)
    matrices = [np.column_stack(c) if c else np.zeros((t.num_rows, 0)) for c, t in zip(columns, tables)]
    return matrices, np.array(categorical, dtype=bool)


def level_codes(columns: list[pa.ChunkedArray]) -> tuple[list[np.ndarray], int]:
    """Return each column's level indexes (float64, NaN for missing) over their shared levels, and the level count."""
    chunks = [chunk for column in columns for chunk in pc.cast(column, pa.large_string()).chunks]
    encoded = pc.dictionary_encode(pa.concat_arrays(chunks) if chunks else pa.array([], pa.large_string()))
    indices = pc.cast(encoded.indices, pa.float64()).to_numpy(zero_copy_only=False)
    levels = len(encoded.dictionary)
    bounds = np.cumsum([0, *(len(column) for column in columns)])
    return [indices[start:stop] for start, stop in zip(bounds[:-1], bounds[1:])], levels


def detection_metrics(
    real: pa.Table, synthetic: pa.Table, selection: ColumnSelection, reference: str, seed: int
) -> DetectionMetrics | None:
    """Return the cross-validated AUC of a classifier telling synthetic rows from real ones.

    Both sides get the same number of rows, so 0.5 means the classifier does
    no better than chance. The AUC is the mean over ``DETECTION_REPEATS``
    draws of those rows, each with its own folds. Returns None when there are
    too few rows or no usable columns.
    """
    rows = min(real.num_rows, synthetic.num_rows, DETECTION_ROWS)
    if rows < 2 * FOLDS:
        return None
    (real_features, synthetic_features), categorical = encode_features([real, synthetic], selection)
    if not real_features.shape[1]:
        return None

    generator = np.random.default_rng(seed)
    labels = np.r_[np.zeros(rows), np.ones(rows)]
    draws = []
    for repeat in range(DETECTION_REPEATS):
        real_rows = _choose(real.num_rows, rows, generator)
        synthetic_rows = _choose(synthetic.num_rows, rows, generator)
        features = np.vstack([real_features[real_rows], synthetic_features[synthetic_rows]])
        # A training set lacks only one fold, so more present values than a fold's rows reach every one.
        fill_sparse_numeric([features], categorical, [features], -(-len(features) // FOLDS) + 1)
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=(seed + repeat) % RANDOM_STATES)
        with threadpool_limits(limits=1, user_api="openmp"):
            scores = cross_val_score(
                _classifier(categorical, seed), features, labels, cv=folds, scoring="roc_auc", error_score="raise"
            )
        draws.append(float(scores.mean()))
    return DetectionMetrics(float(np.mean(draws)), reference, rows, rows, FOLDS, min(draws), max(draws), len(draws))


def fill_sparse_numeric(
    matrices: list[np.ndarray], categorical: np.ndarray, training: list[np.ndarray], min_present: int
) -> None:
    """Give missing values one value below the feature's minimum where training rows may have no present value.

    scikit-learn 1.9's HistGradientBoostingClassifier raises "window shape
    cannot be larger than input array shape" when a numeric feature has no
    present value in its training rows. Each numeric feature with fewer than
    ``min_present`` present values in one of the ``training`` matrices gets
    the replacement, in place, in every one of ``matrices``. Trees still tell
    missing rows apart, because they sit below every present value.
    """
    for column in np.flatnonzero(~categorical):
        if all(np.isfinite(matrix[:, column]).sum() >= min_present for matrix in training):
            continue
        present = np.concatenate([matrix[np.isfinite(matrix[:, column]), column] for matrix in matrices])
        replacement = present.min() - 1.0 if len(present) else 0.0
        for matrix in matrices:
            matrix[np.isnan(matrix[:, column]), column] = replacement


def _choose(total: int, rows: int, generator: np.random.Generator) -> np.ndarray:
    return np.sort(generator.choice(total, rows, replace=False)) if rows < total else np.arange(total)


def check_target(real: pa.Table, selection: ColumnSelection, target: str) -> None:
    """Raise a UsageError unless ``target`` is a compared column with 2 to ``MAX_TARGET_CLASSES`` classes."""
    if target not in selection.names:
        reason = selection.skipped.get(target)
        if reason:
            raise UsageError(f"--target {target!r}: the column is not compared ({reason}); choose another column")
        raise UsageError(
            f"--target {target!r}: no such column; the real table's columns are "
            + ", ".join(repr(name) for name in [*selection.names, *selection.skipped])
        )
    classes = class_count(real, target)
    if not 2 <= classes <= MAX_TARGET_CLASSES:
        raise UsageError(
            f"--target {target!r} has {classes} distinct values in the real table; "
            f"utility needs a class column with 2 to {MAX_TARGET_CLASSES} classes"
        )


def class_count(table: pa.Table, target: str) -> int:
    """Return the number of distinct present values of ``target`` in ``table``."""
    return len(_class_labels(table.column(target)).drop_null().unique())


def utility_metrics(
    real: pa.Table, synthetic: pa.Table, holdout: pa.Table, selection: ColumnSelection, target: str, seed: int
) -> UtilityMetrics:
    """Train one classifier on the real rows and one on as many synthetic rows, and score both on held-out rows.

    The AUC is the mean one-vs-rest AUC over the classes (for two classes,
    the usual AUC). Rows with a missing target are left out.
    """
    real = real.filter(pc.is_valid(real.column(target)))
    synthetic = synthetic.filter(pc.is_valid(synthetic.column(target)))
    holdout = holdout.filter(pc.is_valid(holdout.column(target)))
    synthetic = subsample(synthetic, min(real.num_rows, synthetic.num_rows), np.random.default_rng(seed))
    classes = sorted(_class_labels(real.column(target)).unique().to_pylist())

    (real_x, synthetic_x, holdout_x), categorical = encode_features([real, synthetic, holdout], selection, (target,))
    real_y, synthetic_y, holdout_y = (_class_indexes(t.column(target), classes) for t in (real, synthetic, holdout))
    fill_sparse_numeric([real_x, synthetic_x, holdout_x], categorical, [real_x, synthetic_x], 1)
    known = holdout_y >= 0  # held-out rows of a class the real table lacks cannot be scored
    scores = []
    for train_x, train_y in ((synthetic_x, synthetic_y), (real_x, real_y)):
        probabilities = _fit_probabilities(train_x, train_y, holdout_x[known], categorical, len(classes), seed)
        scores.append(_mean_one_vs_rest_auc(holdout_y[known], probabilities))
    return UtilityMetrics(
        target=target,
        classes=len(classes),
        auc_synthetic=scores[0],
        auc_real=scores[1],
        synthetic_train_rows=synthetic.num_rows,
        real_train_rows=real.num_rows,
        test_rows=int(known.sum()),
    )


def _class_labels(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.cast(column, pa.large_string())


def _class_indexes(column: pa.ChunkedArray, classes: list[str]) -> np.ndarray:
    lookup = {label: index for index, label in enumerate(classes)}
    return np.array([lookup.get(label, -1) for label in _class_labels(column).to_pylist()], dtype=np.int64)


def _fit_probabilities(
    train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, categorical: np.ndarray, classes: int, seed: int
) -> np.ndarray:
    """Return test rows x classes probabilities; a class missing from the training rows gets 0.

    With one class or no feature column there is nothing to learn: every row gets the same scores.
    """
    probabilities = np.zeros((len(test_x), classes))
    present = np.unique(train_y[train_y >= 0])
    if len(present) < 2 or not train_x.shape[1]:
        probabilities[:, present] = 1.0  # the same score for every row, an AUC of 0.5
        return probabilities
    keep = train_y >= 0
    with threadpool_limits(limits=1, user_api="openmp"):
        model = _classifier(categorical, seed).fit(train_x[keep], train_y[keep])
        probabilities[:, model.classes_] = model.predict_proba(test_x)
    return probabilities


def _mean_one_vs_rest_auc(labels: np.ndarray, probabilities: np.ndarray) -> float:
    scores = []
    for index in range(probabilities.shape[1]):
        positive = labels == index
        if positive.any() and not positive.all():
            scores.append(roc_auc_score(positive, probabilities[:, index]))
    return float(np.mean(scores)) if scores else float("nan")


def _classifier(categorical: np.ndarray, seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        categorical_features=categorical if categorical.any() else None, random_state=seed % RANDOM_STATES
    )


def subsample(table: pa.Table, rows: int, generator: np.random.Generator) -> pa.Table:
    """Return ``rows`` rows of ``table`` drawn uniformly without replacement, in table order."""
    if rows >= table.num_rows:
        return table
    return table.take(pa.array(np.sort(generator.choice(table.num_rows, rows, replace=False))))
