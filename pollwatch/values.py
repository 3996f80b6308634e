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
    return text.where(~text.str.lower().isin(MISSING_TOKENS)).astype("str")


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
    normal = text.str.replace(r"\s*%$", "", regex=True).str.replace(SPACES, "", regex=True)
    decimal_comma = normal.str.fullmatch(r"[+-]?\d+,\d+", na=False)
    normal = normal.where(~decimal_comma, normal.str.replace(",", ".", regex=False))
    numbers = pd.to_numeric(normal, errors="coerce").astype("float64")
    numbers = numbers.where(np.isfinite(numbers))
    return Parsed(numbers, text.notna() & numbers.isna(), "not_a_number")


def parse_whole_number(raw: pd.Series) -> Parsed:
    """Read counts, with thousands separators ('1,600', '1 600') allowed."""
    text = clean_text(raw).str.replace(SPACES, "", regex=True)
    grouped = text.str.fullmatch(r"\d{1,3}(,\d{3})+", na=False)
    number = parse_number(text.where(~grouped, text.str.replace(",", "", regex=False)))
    fractional = number.values.notna() & (number.values % 1 != 0)
    whole = number.values.where(~fractional).round().astype("Int64")
    return Parsed(whole, number.bad | fractional, "not_a_whole_number")


def parse_bool(raw: pd.Series, default: bool = False) -> Parsed:
    """Read the usual spellings of true and false; an empty cell means `default`."""
    text = clean_text(raw).str.lower()
    values = text.isin(TRUE_TOKENS) | (text.isna() & default)
    bad = text.notna() & ~text.isin(TRUE_TOKENS | FALSE_TOKENS)
    return Parsed(values.astype(bool), bad, "not_true_or_false")


def parse_date(raw: pd.Series, period_end: bool = False, formats: tuple[str, ...] = ()) -> Parsed:
    """Read dates in the given strptime `formats`, or else in any of the usual spellings.

    Without formats: 2022-03-24, 2022/03/24, 24.03.2022, 3/24/2022 and 3/24/22 (slashes are
    month first, as in American files), and the months 2022-03, 03.2022, March 2022, mars 2022,
    март 2022. A time of day after the date is ignored. A month stands for its whole span:
    `period_end` picks its last day instead of its first.
    """
    text = clean_text(raw).str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2})?$", "", regex=True)
    spelled = _spelled_months(text)
    text = spelled.fillna(text)
    patterns = [(None, fmt, "%d" not in fmt) for fmt in formats] or AUTO_DATE_PATTERNS
    dates = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for pattern, fmt, is_month in patterns:
        todo = dates.isna() & text.notna()
        if pattern is not None:
            todo &= text.str.fullmatch(pattern, na=False)
        if not todo.any():
            continue
        found = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        if is_month and period_end:
            found = found + pd.offsets.MonthEnd(0)
        dates[todo] = found.astype("datetime64[us]")
    return Parsed(dates, text.notna() & dates.isna(), "not_a_date")


def is_month_only(raw: pd.Series) -> pd.Series:
    """Cells that name a month and no day, whose span the other end of a period can borrow."""
    text = clean_text(raw)
    text = _spelled_months(text).fillna(text)
    month_patterns = [pattern for pattern, _, is_month in AUTO_DATE_PATTERNS if is_month]
    return text.str.fullmatch("|".join(month_patterns), na=False)


def _spelled_months(text: pd.Series) -> pd.Series:
    """'March 2022', '24 марта 2022' as '2022-03' and '2022-03-24'; other cells as missing."""
    parts = text.str.lower().str.extract(r"^(?:(\d{1,2})\s+)?([^\W\d_]+)\.?,?\s+(\d{4})$")
    month = parts[1].map(MONTH_TEXT)
    iso = parts[2] + "-" + month
    with_day = iso + "-" + parts[0].str.zfill(2)
    return with_day.where(parts[0].notna(), iso).where(month.notna())


SPACES = r"[\s\u00a0\u202f]"
AUTO_DATE_PATTERNS = [
    (r"\d{4}-\d{1,2}-\d{1,2}", "%Y-%m-%d", False),
    (r"\d{4}/\d{1,2}/\d{1,2}", "%Y/%m/%d", False),
    (r"\d{1,2}\.\d{1,2}\.\d{4}", "%d.%m.%Y", False),
    (r"\d{1,2}/\d{1,2}/\d{4}", "%m/%d/%Y", False),
    (r"\d{1,2}/\d{1,2}/\d{2}", "%m/%d/%y", False),
    (r"\d{4}-\d{1,2}", "%Y-%m", True),
    (r"\d{1,2}\.\d{4}", "%m.%Y", True),
]
# Month names in English, French, Russian and Ukrainian, in the nominative and genitive.
MONTH_NAMES = {
    1: "january jan janvier janv январь января янв січень січня",
    2: "february feb février fevrier févr fevr февраль февраля фев лютий лютого",
    3: "march mar mars март марта березень березня",
    4: "april apr avril апрель апреля апр квітень квітня",
    5: "may mai май мая травень травня",
    6: "june jun juin июнь июня червень червня",
    7: "july jul juillet juil июль июля липень липня",
    8: "august aug août aout август августа авг серпень серпня",
    9: "september sep sept septembre сентябрь сентября сен вересень вересня",
    10: "october oct octobre октябрь октября окт жовтень жовтня",
    11: "november nov novembre ноябрь ноября ноя листопад листопада",
    12: "december dec décembre decembre déc декабрь декабря дек грудень грудня",
}
MONTH_TEXT = {
    name: f"{number:02d}" for number, names in MONTH_NAMES.items() for name in names.split()
}
