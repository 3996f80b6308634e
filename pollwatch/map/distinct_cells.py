"""Reading a column once per distinct text, and the result every column reader gives.

Poll files repeat themselves: a million rows hold a few pollsters, a few thousand dates, a few
hundred shares. So each column is dictionary-encoded once, every distinct text is read once by a
plain Python function, and the results are spread back by code. That is fast for a 50-row drop
(no per-column pandas machinery) and for a million rows (a few thousand parses, then a take).
Only free text that is mostly distinct (ids, notes) is cleaned by vectorised string operations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

BAD = object()  # what a scalar parser returns for text it cannot read


@dataclass
class Parsed:
    """A typed column and the cells (True in `bad`) whose text did not parse."""

    values: pd.Series
    bad: pd.Series
    rule: str


def mostly_distinct(column: pd.Series, sample: int = 20_000) -> bool:
    """Judged on a sample: a column of ids or notes (nine in ten sampled cells distinct) gains
    nothing from dictionary work. A column of 12,000 dates over a million rows shows about half
    its sampled cells distinct, and gains a lot."""
    if len(column) <= sample:
        return False
    return column.iloc[:sample].nunique(dropna=False) > 0.9 * sample


def by_value(read: Callable[[object], object], column: pd.Series, dtype: str, rule: str) -> Parsed:
    """Apply `read` to each distinct cell; BAD marks a cell that does not parse."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    results = [read(value) for value in uniques]
    bad = pd.Series([result is BAD for result in results], dtype=bool)
    clean = pd.Series([None if r is BAD else r for r in results], dtype=object)
    values = clean.astype(dtype) if dtype != "object" else clean
    return Parsed(
        values.take(codes).set_axis(column.index), bad.take(codes).set_axis(column.index), rule
    )


def per_unique(func: Callable[[pd.Series], pd.Series], column: pd.Series) -> pd.Series:
    """`func` (cell by cell in effect) applied once per distinct cell, then spread back."""
    if mostly_distinct(column):
        return func(column)
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return func(pd.Series(uniques, dtype=column.dtype)).take(codes).set_axis(column.index)
