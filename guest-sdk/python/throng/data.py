"""Data sets from the plan (`[data.<name>]`), shared by every VU.

Rows come as dicts from column name to string value.
"""

from typing import Dict, Optional

from componentize_py_types import Err
from wit_world.imports import data as _data


class DataError(Exception):
    """`next` gave no row: `kind` is `unknown-set` or `exhausted`."""

    def __init__(self, kind: str, set_name: str) -> None:
        self.kind = kind
        self.set = set_name
        why = "the plan declares no data set" if kind == "unknown-set" else "every row was used once"
        super().__init__(f"data set {set_name!r}: {why}")


def _row(row: "_data.Row") -> Dict[str, str]:
    return dict(zip(row.columns, row.values))


def next(set: str) -> Dict[str, str]:  # noqa: A001 - Locust/k6 users know `next`
    """The next row of `set` by the plan's strategy; raises `DataError`."""
    try:
        return _row(_data.next(set))
    except Err as e:
        kind = "exhausted" if isinstance(e.value, _data.DataError_Exhausted) else "unknown-set"
        raise DataError(kind, e.value.value) from None


def len(set: str) -> Optional[int]:  # noqa: A001
    """How many rows `set` has; None when the plan has no such set."""
    return _data.len(set)


def row_at(set: str, index: int) -> Optional[Dict[str, str]]:
    """The row of `set` at `index`, whatever the strategy; None when absent."""
    row = _data.row_at(set, index)
    return None if row is None else _row(row)
