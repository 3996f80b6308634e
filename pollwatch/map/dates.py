"""A cell's date, or the first and last days of the period it names.

A month stands for its whole span, a period written in one cell gives a fieldwork's start and
end, and a year said once serves both ends: a date read a month off stores a poll a month from
when it was taken, silently, so what cannot be read is BAD, to be rejected as not_a_date.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta

from pollwatch.map.cell_text import FOOTNOTE_MARKS, clean
from pollwatch.map.date_spellings import (
    AUTO_DATE_PATTERNS,
    DATE_WORDS,
    DAY_FIRST_PATTERNS,
    DAY_MONTH_OF_DOTTED_DATE,
    DAY_SPAN,
    DAYS_OF_DOTTED_DATE,
    ISO_DAY,
    MONTH_NUMBER,
    SLASHED_THEN_YEAR,
    SPELLED,
    SPELLED_DASHED,
    SPELLED_MONTH_FIRST,
    SPELLED_SHORT_YEAR,
    SPELLED_YEAR_FIRST,
    TIME_OF_DAY,
    TWO_DATES,
    YEAR,
    YEAR_MONTH_DAY_MARKED,
)
from pollwatch.map.distinct_cells import BAD

# The longest fieldwork a period whose start is put in the year before its end's (or its end
# in the year after its start's) may have: "28 déc. – 3 janv. 2025" is a week; "Feb 5-Jan 30,
# 2017", a slip for Jan 30-Feb 5, was stored as a poll of 360 days.
ROLLED_OVER_DAYS = 92


def read_date(
    value: object, period_end: bool = False, formats: tuple[str, ...] = (), day_first: bool = False
) -> datetime | None | object:
    """A date; a month stands for its whole span: `period_end` gives its last day. `day_first`:
    a date with the year last puts the day first (14/03/2023, 14-03-2023), not the month."""
    found = _period(value, formats, day_first)
    if found is None or found is BAD:
        return found
    return found[1] if period_end else found[0]


@functools.lru_cache(maxsize=1 << 16)
def _period(value: object, formats: tuple[str, ...], day_first: bool = False):
    """The first and last day a cell names: one day, a month, or a period written in one cell
    (DAY_SPAN, TWO_DATES), whose first day is a fieldwork's start and last day its end; every
    row of a table writing its fieldwork so was not_a_date."""
    found = _date_and_span(value, formats, day_first)
    if found is BAD and (text := clean(value)) is not None:
        text = FOOTNOTE_MARKS.sub("", text)
        return _written_period(DATE_WORDS.sub("", text.lower()), formats, day_first)
    if found is None or found is BAD:
        return found
    day, is_month = found
    return day, _month_end(day) if is_month else day


def _written_period(text: str, formats: tuple[str, ...], day_first: bool):
    """A period written in one cell, its two ends read as dates are (BAD if it is none). Where
    the year is said once, the other end takes it; and where the period would then end before
    it starts, it is read across the year's end instead, if that makes it a fieldwork's length
    ("28 déc. – 3 janv. 2025", Gallup's "2024 Dec 16-Jan 5")."""
    days = DAY_SPAN.search(text)
    across = None  # the ends read across the year's end
    if days and any(char.isalpha() for char in text):  # days of a month named in words
        start, end = (text[: days.start()] + day + text[days.end() :] for day in days.groups())
    elif dotted := DAYS_OF_DOTTED_DATE.fullmatch(text):  # "10-14.01.2025"
        start, end = (day + dotted.group(3) for day in dotted.groups()[:2])
    elif dotted := DAY_MONTH_OF_DOTTED_DATE.fullmatch(text):  # "30.12-05.01.2025"
        day, end, year = dotted.group(1), f"{dotted.group(2)}.{dotted.group(3)}", dotted.group(3)
        start, across = _with_year(day, int(year)), (_with_year(day, int(year) - 1), end)
    elif two := TWO_DATES.fullmatch(text):
        start, end = two.groups()
        end = SLASHED_THEN_YEAR.sub(r"\1/\2", end)  # RealClearPolitics' "3/20 - 3/24, 2019"
        years = YEAR.findall(end)
        if not YEAR.search(start) and years:  # "28 fév. – 3 mars 2024": the year is said once
            year = int(years[-1])
            start, across = _with_year(start, year), (_with_year(start, year - 1), end)
        elif (first_year := YEAR.match(start)) and not years:  # Gallup's "2017 Jan 30-Feb 5"
            year = int(first_year.group())
            end, across = f"{year} {end}", (start, f"{year + 1} {end}")
    else:
        return BAD
    first, last = (_date_and_span(t, formats, day_first) for t in (start, end))
    if BAD in (first, last) or None in (first, last):
        return BAD
    if across is not None and first[0] > last[0]:
        first, last = (_date_and_span(t, formats, day_first) for t in across)
        if BAD in (first, last) or None in (first, last):
            return BAD
        if (last[0] - first[0]).days > ROLLED_OVER_DAYS:
            return BAD
    return first[0], _month_end(last[0]) if last[1] else last[0]


def _with_year(start: str, year: int) -> str:
    """A period's start given its year: after a space ("28 déc. 2024"), or as a dotted or
    slashed date's ("30.12.2024", "3/20/2019")."""
    for mark in ".", "/":
        if re.fullmatch(rf"\d{{1,2}}\{mark}\d{{1,2}}", start):
            return f"{start}{mark}{year}"
    return f"{start} {year}"


def is_month(value: object, formats: tuple[str, ...] = (), day_first: bool = False) -> bool:
    found = _date_and_span(value, formats, day_first)
    return found is not None and found is not BAD and found[1]


@functools.lru_cache(maxsize=1 << 16)
def _date_and_span(value: object, formats: tuple[str, ...], day_first: bool = False):
    """The day a cell names and whether it names a whole month. Cached: each end of a fieldwork
    period is read twice (as a start and as an end), and drops repeat their dates."""
    text = clean(value)
    if text is None:
        return None
    text = FOOTNOTE_MARKS.sub("", text)
    bare = TIME_OF_DAY.sub("", text)
    if formats:
        # The cell as written first: a layout's format may read the time itself.
        for fmt in formats:
            parsed = _strptime(text, fmt) or (_strptime(bare, fmt) if bare != text else None)
            if parsed is not None:
                # A day, as every date is stored: a time kept made a poll that ended at 9:00
                # on the day it began at 17:00 end before it began (and a zone, %z, stopped the
                # run).
                return datetime(parsed.year, parsed.month, parsed.day), "%d" not in fmt
        if any(fmt.startswith("%Y-%d") for fmt in formats):
            return BAD  # the layout writes its dashed dates year first, day second
    text = bare
    # ISO days are read whatever other formats a layout gives: they cannot be misread, and a
    # publisher's export re-saved by a spreadsheet or a script writes them (538's m/d/yy files
    # re-saved as 2023-01-27 lost every row).
    if iso := ISO_DAY.fullmatch(text):
        try:
            return datetime(*map(int, iso.groups())), False
        except ValueError:
            return BAD
    if written := YEAR_MONTH_DAY_MARKED.fullmatch(text):  # "2009年1月10日", "2017년 5월 10일"
        year, month, day = (int(part) if part else None for part in written.groups())
        try:
            return datetime(year, month, day or 1), day is None
        except ValueError:
            return BAD
    if formats:
        return BAD
    lowered, month, year = DATE_WORDS.sub("", text.lower()), None, None
    if (spelled := SPELLED.fullmatch(lowered)) and spelled.group(2) in MONTH_NUMBER:
        day, month, year = spelled.groups()
    elif american := SPELLED_MONTH_FIRST.fullmatch(lowered):
        month, day, year = american.groups()
    elif year_first := SPELLED_YEAR_FIRST.fullmatch(lowered):
        year, month, day = year_first.groups()
    elif dashed := SPELLED_DASHED.fullmatch(lowered):
        day, month, year = dashed.groups()
    elif short := SPELLED_SHORT_YEAR.fullmatch(lowered):
        month, year, day = *short.groups(), None
    if year is not None and len(year) == 2:
        year = str(_strptime(year, "%y").year)
    if month in MONTH_NUMBER:
        number = MONTH_NUMBER[month]
        if day is None:
            return datetime(int(year), number, 1), True
        parsed = _strptime(f"{year}-{number}-{day}", "%Y-%m-%d")
        return (parsed, False) if parsed is not None else BAD
    for pattern, fmt, month_only in DAY_FIRST_PATTERNS if day_first else AUTO_DATE_PATTERNS:
        if pattern.fullmatch(text):
            parsed = _strptime(text, fmt)
            return (parsed, month_only) if parsed is not None else BAD
    return BAD


def _strptime(text: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return None


def _month_end(day: datetime) -> datetime:
    following = day.replace(day=28) + timedelta(days=4)
    return following - timedelta(days=following.day)
