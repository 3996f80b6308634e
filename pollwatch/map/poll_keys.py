"""The natural key of a poll: the source's own id where it has one, else a hash.

The same poll in two files is one row, and a later file with another value for it a correction:
both rest on two readings of a poll giving the same key.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from pollwatch.map.cell_text import key_part
from pollwatch.map.layout import Layout

# The fields that make two rows the same poll when a source has no id of its own.
POLL_KEY_FIELDS = ("pollster", "leader", "metric", "population", "fieldwork_start", "fieldwork_end")


def source_poll_keys(cells: pd.DataFrame, layout: Layout) -> pd.Series:
    """`<prefix>-<id>-<id>...` from the source's own id columns, where it has them all."""
    if not layout.poll_key_columns:
        return pd.Series(pd.NA, index=cells.index, dtype="str")
    parts = [key_part(cells[c]) for c in layout.poll_key_columns]
    key = parts[0].str.cat(parts[1:], sep="-")
    return (layout.poll_key_prefix + "-" + key) if layout.poll_key_prefix else key


def derive_poll_keys(polls: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.Series:
    """A stable key for sources without poll ids: a hash of what makes a poll the same poll."""
    fields = [key_text(polls[name]) for name in POLL_KEY_FIELDS + extra]
    joined = fields[0].str.cat(fields[1:], sep="|")
    return joined.map(lambda text: "pw-" + hashlib.sha256(text.encode()).hexdigest()[:20])


def key_text(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").fillna("")
    return column.astype("str").str.lower().fillna("")
