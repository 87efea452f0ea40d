"""The columns a comparison covers, and the Arrow types both tables are read as."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from smotegen.columns import ColumnSpec, Kind
from smotegen.stats import is_numeric_type

KEY_COLUMN = "key column: new values by design"


@dataclass
class ColumnSelection:
    """The compared columns in table order, split by metric family, and the columns left out with why."""

    names: list[str] = field(default_factory=list)
    numeric: list[str] = field(default_factory=list)
    discrete: list[str] = field(default_factory=list)
    boolean: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def correlated(self) -> list[str]:
        """The columns whose pairwise correlations are compared: numeric ones, then booleans as 0 and 1."""
        return self.numeric + self.boolean


def select_columns(specs: list[ColumnSpec], schema: pa.Schema) -> ColumnSelection:
    """Choose the compared columns of the real table: all but keys and types no metric covers."""
    selection = ColumnSelection()
    for spec in specs:
        data_type = comparison_type(schema.field(spec.name).type)
        if spec.kind == Kind.KEY:
            selection.skipped[spec.name] = KEY_COLUMN
        elif data_type is None:
            selection.skipped[spec.name] = f"type {schema.field(spec.name).type} is not compared"
        else:
            selection.names.append(spec.name)
            if is_numeric_type(data_type):
                selection.numeric.append(spec.name)
            else:
                selection.discrete.append(spec.name)
                if pa.types.is_boolean(data_type):
                    selection.boolean.append(spec.name)
    return selection


def comparison_type(data_type: pa.DataType) -> pa.DataType | None:
    """Return the type a real column of ``data_type`` is compared as, or None when no metric covers it.

    Numbers become float64 (so a synthetic integer column written as 12.0
    still compares), categories become their value type, and text becomes
    large_string (the type pandas 3 strings convert to).
    """
    if pa.types.is_dictionary(data_type):
        data_type = data_type.value_type
    if pa.types.is_integer(data_type) or pa.types.is_floating(data_type) or pa.types.is_decimal(data_type):
        return pa.float64()
    if pa.types.is_timestamp(data_type):
        return data_type
    if pa.types.is_date(data_type):
        return pa.date32()
    if pa.types.is_boolean(data_type):
        return data_type
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type) or pa.types.is_null(data_type):
        return pa.large_string()
    return None


def comparison_schema(schema: pa.Schema, names: list[str]) -> pa.Schema:
    """Return the schema of the compared columns, each in its comparison type."""
    return pa.schema([pa.field(name, comparison_type(schema.field(name).type)) for name in names])
