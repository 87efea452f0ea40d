"""imbalanced-learn's SMOTENC on the same job, for comparison.

Run as a child process by ``benchmarks/run.py``::

    python benchmarks/smotenc.py SAMPLE.csv OUTPUT.parquet ROWS LABEL_COLUMN

SMOTENC over-samples classes, so the label column (the churn flag) is the
class and each class is grown to its share of ``ROWS``. Text and boolean
columns and integer columns with at most 10 distinct values are passed as
categorical features. The result is written as Parquet, like smotegen's.
"""

from __future__ import annotations

import sys

import pandas as pd
from imblearn.over_sampling import SMOTENC

NEIGHBOURS = 5
MAX_CODE_LEVELS = 10


def main(sample: str, output: str, rows: int, label: str) -> None:
    frame = pd.read_csv(sample)
    features = frame.drop(columns=[label])
    categorical = [
        name
        for name in features.columns
        if not pd.api.types.is_numeric_dtype(features[name])
        or pd.api.types.is_bool_dtype(features[name])
        or features[name].nunique() <= MAX_CODE_LEVELS
    ]
    counts = frame[label].value_counts()
    targets = {level: max(int(round(count / len(frame) * rows)), int(count)) for level, count in counts.items()}
    sampler = SMOTENC(
        categorical_features=categorical, sampling_strategy=targets, k_neighbors=NEIGHBOURS, random_state=1
    )
    resampled, labels = sampler.fit_resample(features, frame[label])
    resampled[label] = labels
    resampled.to_parquet(output, index=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
