"""smotegen: large synthetic tables that look like a small sample, by SMOTE-style interpolation.

The Python API, for notebooks and pipelines::

    import pandas as pd
    from smotegen import ModelSettings, SmoteModel

    model = SmoteModel(ModelSettings(neighbors=5)).fit(pd.read_csv("sample.csv"))
    frame = model.generate_frame(10_000, seed=1)      # a DataFrame in memory
    table = model.generate(0, 1_000_000, seed=1)      # rows 0..999,999 as a pyarrow.Table

``expand_file`` runs the whole command-line job: read, fit, stream to a file, report.
"""

from smotegen.columns import ColumnSpec, Kind, TypingOptions
from smotegen.errors import SmotegenError, UsageError
from smotegen.expand import ExpandSettings, expand_file
from smotegen.model import ModelSettings, SmoteModel

__all__ = [
    "ColumnSpec",
    "ExpandSettings",
    "Kind",
    "ModelSettings",
    "SmoteModel",
    "SmotegenError",
    "TypingOptions",
    "UsageError",
    "expand_file",
]
