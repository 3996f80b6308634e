"""A layout's [rows]: which of a file's rows are the polls it wants.

538 repeats each poll once per subgroup, of which a tracker wants one ([rows] keep and drop, on
the file's own columns, read and applied here), and a series marks a period without a poll by
a row with no shares ([rows] skip_without_shares). Every row skipped is said in a warning.
"""

from __future__ import annotations

import re

import pandas as pd

from pollwatch.map.cell_text import clean_text
from pollwatch.map.folding import fold_value, fold_values
from pollwatch.map.layout import Layout, as_list
from pollwatch.read.echo import line_numbers
from pollwatch.read.header import normalise_header
from schemas.columns import SHARE_COLUMNS


def row_filter(spec: dict[str, str | int | list[str | int]]) -> dict[str, frozenset[str]]:
    """Column -> the values it is filtered on, as the layout writes them (cells are compared
    with them folded); a whole number (`wave = 3`, as TOML reads it unquoted) as the file
    writes it."""
    return {
        normalise_header(column): frozenset(str(v) for v in as_list(wanted))
        for column, wanted in spec.items()
    }


# A whole number as a row filter compares it: its digits, and a decimal part of zeros.
WHOLE = r"([+-]?)0*([0-9]+)(?:\.0+)?"


def filter_rows(
    cells: pd.DataFrame, layout: Layout, warnings: list[str]
) -> tuple[pd.DataFrame, int]:
    """The rows the layout keeps ([rows] keep and drop, on the file's own columns): 538 repeats
    each poll once per subgroup, of which a tracker wants one."""
    if not (layout.keep_rows or layout.drop_rows):
        return cells, 0
    keep = pd.Series(True, index=cells.index)
    for column, wanted in layout.keep_rows.items():
        keep &= among(cells[column], wanted)
    for column, unwanted in layout.drop_rows.items():
        keep &= ~among(cells[column], unwanted)
    skipped = int((~keep).sum())
    if skipped:
        rules = [f"{c} is {_either(v)}" for c, v in layout.keep_rows.items()]
        rules += [f"{c} is not {_either(v)}" for c, v in layout.drop_rows.items()]
        warnings.append(
            f"skipped {skipped} row(s) the {layout.name} layout does not keep "
            f"(it keeps rows where {' and '.join(rules)})"
        )
    return cells[keep], skipped


def among(cells: pd.Series, wanted: frozenset[str]) -> pd.Series:
    """Which cells are one of a row filter's values, as fold_values compares them; a whole
    number however written ("01" and "1.0" are a filter's 1, as a spreadsheet writes it). Only
    a whole one, and digit by digit: "2022.10", October's wave, is not "2022.1"."""
    found = fold_values(cells.fillna("")).isin({fold_value(value) for value in wanted})
    numbers = {_whole(value) for value in wanted} - {None}
    if numbers:
        found |= cells.fillna("").map(_whole).isin(numbers)
    return found


def _whole(text: str) -> str | None:
    """A whole number's digits with its sign ("-7" for "-007.0"; "0" for "-0"), else None."""
    number = re.fullmatch(WHOLE, text.strip())
    if number is None:
        return None
    sign, digits = number.groups()
    return digits if sign != "-" or digits == "0" else f"-{digits}"


def _either(values: frozenset[str]) -> str:
    """A filter's values as its warning says them: spaced as they are compared (fold_value),
    "  SEVASTOPOL " as SEVASTOPOL; an empty one is "empty" ('keep = { state = "" }' read
    "keeps rows where state is ", with nothing after it)."""
    said = sorted({" ".join(value.split()) for value in values}, key=fold_value)
    return " or ".join(value or "empty" for value in said)


def skip_placeholders(
    cells: pd.DataFrame, layout: Layout, warnings: list[str]
) -> tuple[pd.DataFrame, int]:
    """Drop rows a series uses to mark a period without a poll (all shares NA)."""
    if not layout.skip_rows_without_shares:
        return cells, 0
    empty = pd.concat([clean_text(cells[s]).isna() for s in SHARE_COLUMNS], axis=1).all(axis=1)
    if empty.any():
        lines = list(cells.index[empty])
        named = line_numbers(lines)
        warnings.append(
            f"skipped {len(lines)} row(s) with no shares at all, the series' mark "
            f"for a period without a poll: line(s) {named}"
        )
    return cells[~empty], int(empty.sum())
