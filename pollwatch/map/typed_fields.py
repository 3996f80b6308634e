"""Each canonical field's text as its type, with the cells that do not parse kept as rejects.

The parser each field is read by, and the steps that need a row's fields together: a month
standing for a fieldwork's first or last day, a series' date stamp made a period, and whether
a publication date is a day or a month's last (which `--as-of` needs to know).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pollwatch.map import values
from pollwatch.map.cell_text import clean_text
from pollwatch.map.distinct_cells import Parsed
from pollwatch.map.layout import MONTH_PRECISION, Layout
from schemas.columns import (
    CANONICAL_COLUMNS,
    CATEGORY_COLUMNS,
    DATE_COLUMNS,
    REJECT_COLUMNS,
    SHARE_COLUMNS,
    TEXT_COLUMNS,
)

# A proportion times 100, rounded past float noise (0.57 * 100 is 56.99999999999999).
PROPORTION_DIGITS = 9
NAME_COLUMNS = ("pollster", "sponsor", "leader")
PARSERS: dict[str, Callable[[pd.Series], Parsed]] = {
    **{name: values.parse_text for name in TEXT_COLUMNS},
    **{name: values.parse_name for name in NAME_COLUMNS},
    **{name: values.parse_category for name in CATEGORY_COLUMNS},
    "mode": values.parse_mode,
    "population": values.parse_population,
    **{name: values.parse_number for name in SHARE_COLUMNS},
    "country": values.parse_country,
    "sample_size": values.parse_sample_size,
    "tracking": values.parse_bool,
}


def said_months(cells: pd.DataFrame, layout: Layout) -> pd.Series:
    """Which rows' publication date the file says stands for its month alone, in the layout's
    published_precision_column (pollwatch's export: 31 March, 'month')."""
    column = layout.published_precision_column
    if column is None or column not in cells:
        return pd.Series(False, index=cells.index)
    said = clean_text(cells[column]).str.lower()
    return said.eq(MONTH_PRECISION).fillna(False).astype(bool)


def parse_fields(
    text: pd.DataFrame, cells: pd.DataFrame, layout: Layout, said_month: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    polls = pd.DataFrame(index=text.index)
    rejects = []
    for name in CANONICAL_COLUMNS:
        parsed = parse_column(name, text[name], layout)
        polls[name] = parsed.values
        if parsed.bad.any():
            bad = cells.loc[parsed.bad, name]
            rejects.append(
                pd.DataFrame(
                    {
                        "line_number": bad.index,
                        "column": name,
                        "rule": parsed.rule,
                        "value": bad.to_numpy(),
                    }
                )
            )
    _settle_fieldwork_periods(polls, text, layout)
    # A month reads as its last day, a day as itself: a cell is a month when its first day differs.
    first_day = parse_column("published", text["published"], layout, other_end=True).values
    polls["published_precision"] = pd.Series("day", polls.index, dtype="str").mask(
        (first_day != polls["published"]) | said_month, "month"
    )
    polls.loc[said_month, "published"] = month_end(polls.loc[said_month, "published"])
    if layout.published_is_entry:
        entered_early = polls["published"] < polls["fieldwork_end"]
        polls.loc[entered_early, "published"] = polls.loc[entered_early, "fieldwork_end"]
        polls.loc[entered_early, "published_precision"] = "day"
    polls.loc[polls["published"].isna(), "published_precision"] = pd.NA
    frame = (
        pd.concat(rejects, ignore_index=True)
        if rejects
        else pd.DataFrame(columns=list(REJECT_COLUMNS))
    )
    return polls, frame


def parse_column(name: str, text: pd.Series, layout: Layout, other_end: bool = False) -> Parsed:
    """A field's text as its type; `other_end` reads a date as the other end of the
    period would (a month is its first day at the start, its last at the end)."""
    if name in DATE_COLUMNS:
        period_end = (name != "fieldwork_start") != other_end
        return values.parse_date(
            text, period_end, layout.date_formats, day_first=bool(layout.day_first)
        )
    parsed = PARSERS[name](text)
    if name in SHARE_COLUMNS and layout.proportions:  # above 1, not a proportion (share_scale)
        over = parsed.values > 1
        scaled = (parsed.values * 100).round(PROPORTION_DIGITS).mask(over)
        return Parsed(scaled, parsed.bad | over, "not_a_proportion")
    return parsed


def month_end(days: pd.Series) -> pd.Series:
    """Each day's month, as its last day."""
    return days.dt.to_period("M").dt.end_time.dt.normalize().astype("datetime64[us]")


def _settle_fieldwork_periods(polls: pd.DataFrame, text: pd.DataFrame, layout: Layout) -> None:
    """Turn a series' date stamps into fieldwork periods, and let a month fill an empty end."""
    start, end = polls["fieldwork_start"], polls["fieldwork_end"]
    # A month reads as its first day at the start and its last day at the end; a day reads the
    # same either way. So a start cell is a month exactly when its two readings differ.
    start_as_end = parse_column("fieldwork_start", text["fieldwork_start"], layout, True).values
    end_as_start = parse_column("fieldwork_end", text["fieldwork_end"], layout, True).values
    fill_end = end.isna() & start_as_end.notna() & (start_as_end != start)
    fill_start = start.isna() & end_as_start.notna() & (end_as_start != end)
    if layout.date_precision == "month":
        polls["fieldwork_start"] = start.dt.to_period("M").dt.start_time.astype("datetime64[us]")
        polls["fieldwork_end"] = month_end(end)
    elif layout.date_precision == "week_ending":
        polls["fieldwork_start"] = end - pd.Timedelta(days=6)
    polls.loc[fill_end, "fieldwork_end"] = start_as_end
    polls.loc[fill_start, "fieldwork_start"] = end_as_start
