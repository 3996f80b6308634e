"""Publisher spellings to the stored ones: the layout's value maps, then the alias tables.

A pollster, a leader or a category spelled two ways is two of them, each with a page, a line
or a house effect of its own; the frame path (mapping.py) and the SQL path (sql.py) translate
through these same tables.
"""

from __future__ import annotations

import pandas as pd

from pollwatch.map import values
from pollwatch.map.aliases import ALIASED
from pollwatch.map.cell_text import FOOTNOTE_MARKS, clean_text
from pollwatch.map.distinct_cells import per_unique
from pollwatch.map.folding import fold_series
from pollwatch.map.layout import Layout
from pollwatch.map.sample_words import split_samples
from pollwatch.read.echo import line_numbers


def populations_disagree(lines: list[int], first: tuple[str, str]) -> str:
    """The warning for rows whose sample's letters ('1000 RV') and population cell ('adults')
    name different populations; `first` is the first such row's two readings."""
    return (
        f"{len(lines)} row(s) whose sample cell names another population than the population"
        f" column (line {lines[0]}: {first[0]} by the sample, {first[1]} by the column);"
        f" the column's was kept: line(s) {line_numbers(lines)}"
    )


def translate_cells(
    cells: pd.DataFrame, layout: Layout, aliases: dict[str, dict[str, str]], warnings: list[str]
) -> pd.DataFrame:
    """Publisher spellings to canonical ones: the layout's value maps, then the alias tables; a
    sample written with its population ('1,500 LV') split into the two fields."""
    text = cells.copy()
    for name in {*layout.values, *ALIASED}:
        text[name] = translate(name, text[name], layout, aliases)
    text["sample_size"], text["population"], disagree = split_samples(
        text["sample_size"], text["population"]
    )
    if disagree:
        warnings.append(populations_disagree(*disagree))
    if layout.month_only_published_is_fieldwork:
        undated = (
            clean_text(text["fieldwork_start"]).isna()
            & clean_text(text["fieldwork_end"]).isna()
            & values.is_month_only(text["published"], layout.date_formats, bool(layout.day_first))
        )
        text.loc[undated, "fieldwork_start"] = text.loc[undated, "published"]
        text.loc[undated, "published"] = ""
    return text


def translations(
    name: str, layout: Layout, aliases: dict[str, dict[str, str]]
) -> list[dict[str, str]]:
    """The tables a field's text goes through, in order: the layout's value map, then the
    alias table."""
    return [
        *([layout.values[name]] if name in layout.values else []),
        *([aliases.get(name, {})] if name in ALIASED else []),
    ]


def translate(
    name: str, column: pd.Series, layout: Layout, aliases: dict[str, dict[str, str]]
) -> pd.Series:
    for table in translations(name, layout, aliases):
        column = per_unique(lambda c, t=table: _spelled_as(c, t), column)
    return column


def _spelled_as(column: pd.Series, table: dict[str, str]) -> pd.Series:
    """Each cell as the table spells it (compared folded), or, where the table does not know
    it, as its first spelling in the column: a French table's "Gabriel ATTAL" beside "Gabriel
    Attal" made two leaders, each with a page and a line of its own."""
    column = clean_text(column).str.replace(FOOTNOTE_MARKS, "", regex=True)
    folded = fold_series(column)
    first = column.groupby(folded, sort=False).transform("first")
    return folded.map(table).fillna(first).fillna(column).astype("str")
