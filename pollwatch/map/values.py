"""Turn the text of CSV cells into typed values, column at a time.

Each parser returns the typed column and a mask of cells whose text could not be read, so the
caller can reject exactly those cells with the original text beside the rule they broke. The
reading of one cell is its kind's own module (dates.py, number_text.py, categories.py,
cell_text.py); each column is read once per distinct text (distinct_cells.py).
"""

from __future__ import annotations

import re

import pandas as pd

from pollwatch.map.categories import read_category, read_country, read_mode, read_population
from pollwatch.map.cell_text import clean_text, read_bool, without_inert_mark
from pollwatch.map.dates import is_month, read_date
from pollwatch.map.distinct_cells import Parsed, by_value
from pollwatch.map.number_text import read_number, read_sample_size


def parse_text(raw: pd.Series) -> Parsed:
    return Parsed(without_inert_mark(clean_text(raw)), pd.Series(False, index=raw.index), "text")


# A name given as a link, as a web table exported with its markup writes it (Silver Bulletin's
# Datawrapper table: <a href='...pollster-ratings...'>Trafalgar Group</a>): the link's text.
# Each poll's link differed, so each poll was a pollster of its own, with a lean of its own.
LINKED_NAME = re.compile(r"<a\b[^>]*>([^<]*)</a>", re.IGNORECASE)


def parse_name(raw: pd.Series) -> Parsed:
    """A name (pollster, sponsor, leader): text, a link's text where the cell is one link."""
    text = without_inert_mark(clean_text(raw))
    linked = text.str.fullmatch(LINKED_NAME.pattern, case=False).fillna(False).astype(bool)
    if linked.any():
        text = text.copy()
        text[linked] = text[linked].str.extract(LINKED_NAME.pattern, flags=re.IGNORECASE)[0]
        text = clean_text(text)
    return Parsed(text, pd.Series(False, index=raw.index), "text")


def parse_category(raw: pd.Series) -> Parsed:
    return by_value(read_category, raw, "str", "category")


def parse_mode(raw: pd.Series) -> Parsed:
    return by_value(read_mode, raw, "str", "category")


def parse_population(raw: pd.Series) -> Parsed:
    return by_value(read_population, raw, "str", "category")


def parse_country(raw: pd.Series) -> Parsed:
    return by_value(read_country, raw, "str", "country")


def parse_number(raw: pd.Series) -> Parsed:
    return by_value(read_number, raw, "float64", "not_a_number")


def parse_sample_size(raw: pd.Series) -> Parsed:
    return by_value(read_sample_size, raw, "float64", "not_a_number")


def parse_bool(raw: pd.Series, default: bool = False) -> Parsed:
    return by_value(lambda v: read_bool(v, default), raw, "bool", "not_true_or_false")


def parse_date(
    raw: pd.Series, period_end: bool = False, formats: tuple[str, ...] = (), day_first: bool = False
) -> Parsed:
    """Dates in the given strptime `formats`, or else in any of the usual spellings."""
    return by_value(
        lambda v: read_date(v, period_end, formats, day_first), raw, "datetime64[us]", "not_a_date"
    )


def is_month_only(
    raw: pd.Series, formats: tuple[str, ...] = (), day_first: bool = False
) -> pd.Series:
    """Cells that name a month and no day, whose span the other end of a period can borrow."""
    return by_value(lambda v: is_month(v, formats, day_first), raw, "bool", "month").values
