"""Turn the text of CSV cells into typed values, column at a time.

Each parser returns the typed column and a mask of cells whose text could not be read, so the
caller can reject exactly those cells with the original text beside the rule they broke. Parsing
is vectorised: a million-row drop must not cost a Python call per cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "—"})
TRUE_TOKENS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_TOKENS = frozenset({"false", "f", "no", "n", "0"})


@dataclass
class Parsed:
    """A typed column and the cells (True in `bad`) whose text did not parse."""

    values: pd.Series
    bad: pd.Series
    rule: str


def clean_text(raw: pd.Series) -> pd.Series:
    """Trim whitespace and treat the usual spellings of 'no value' as missing."""
    text = raw.astype("str").str.strip()
    return text.where(~text.str.lower().isin(MISSING_TOKENS))


def parse_text(raw: pd.Series) -> Parsed:
    text = clean_text(raw)
    return Parsed(text, pd.Series(False, index=raw.index), "text")


def parse_category(raw: pd.Series) -> Parsed:
    """Lower-case and join words with underscores: 'Face-to-face' and 'face to face' agree."""
    text = clean_text(raw).str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    return Parsed(text, pd.Series(False, index=raw.index), "category")


def parse_country(raw: pd.Series) -> Parsed:
    text = clean_text(raw).str.upper()
    return Parsed(text, pd.Series(False, index=raw.index), "country")


def parse_number(raw: pd.Series) -> Parsed:
    """Read '71', '71.5', '71,5' and '71%' as numbers; keep track of text that is none of them."""
    text = clean_text(raw)
    normal = text.str.replace(r"\s*%$", "", regex=True).str.replace(" ", "", regex=False)
    decimal_comma = normal.str.fullmatch(r"[+-]?\d+,\d+", na=False)
    normal = normal.where(~decimal_comma, normal.str.replace(",", ".", regex=False))
    numbers = pd.to_numeric(normal, errors="coerce").astype("float64")
    numbers = numbers.where(np.isfinite(numbers))
    return Parsed(numbers, text.notna() & numbers.isna(), "not_a_number")


def parse_whole_number(raw: pd.Series) -> Parsed:
    number = parse_number(raw)
    fractional = number.values.notna() & (number.values % 1 != 0)
    whole = number.values.where(~fractional).round().astype("Int64")
    return Parsed(whole, number.bad | fractional, "not_a_whole_number")


def parse_bool(raw: pd.Series, default: bool = False) -> Parsed:
    """Read the usual spellings of true and false; an empty cell means `default`."""
    text = clean_text(raw).str.lower()
    values = text.isin(TRUE_TOKENS) | (text.isna() & default)
    bad = text.notna() & ~text.isin(TRUE_TOKENS | FALSE_TOKENS)
    return Parsed(values.astype(bool), bad, "not_true_or_false")


def parse_date(raw: pd.Series, period_end: bool = False) -> Parsed:
    """Read ISO dates (2022-03-24) and months (2022-03).

    A month stands for its whole span: `period_end` picks its last day instead of its first, so a
    month-only fieldwork runs from the 1st to the last day, as the data contract says.
    """
    text = clean_text(raw)
    days = pd.to_datetime(
        text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}", na=False)),
        format="%Y-%m-%d",
        errors="coerce",
    )
    is_month = text.str.fullmatch(r"\d{4}-\d{2}", na=False)
    months = pd.to_datetime(text.where(is_month), format="%Y-%m", errors="coerce")
    if period_end:
        months = months + pd.offsets.MonthEnd(0)
    dates = days.fillna(months).astype("datetime64[us]")
    return Parsed(dates, text.notna() & dates.isna(), "not_a_date")


def is_month_only(raw: pd.Series) -> pd.Series:
    """Cells that name a month and no day, whose span the other end of a period can borrow."""
    return clean_text(raw).str.fullmatch(r"\d{4}-\d{2}", na=False)
