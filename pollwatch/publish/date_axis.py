"""A chart's time axis: the days it frames, and tick labels that say which day, month and year
they are. matplotlib's own ticks repeated a month's last day and its 1st side by side and, on a
chart of several years, named no year before the first January.
"""

from __future__ import annotations

import re

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

# Of a chart's span of days, the room left of its first day and right of its last: enough for
# the largest dot (13.5 points across) and a sparse series' dodged polls and margins' caps.
EDGE = 0.025


def frame_dates(ax, first: pd.Timestamp, last: pd.Timestamp) -> None:
    """The days drawn and EDGE of their span on each side, so that a first or last poll's dot
    is whole; a series of a few days gets a fortnight to `last`, so its dots do not sit on the
    frame and its latest value's label hangs past the plot's edge, as every chart's does."""
    span = days_spanned(first, last)
    ax.set_xlim(min(first, last - span) - span * EDGE, last + span * EDGE)


def days_spanned(first: pd.Timestamp, last: pd.Timestamp) -> pd.Timedelta:
    """The days a chart of `first` to `last` spans, a fortnight at least (frame_dates)."""
    return max(last - first, pd.Timedelta(days=14))


# A day's leading nought ("05 Mar"): strftime's %-d, which drops it, is not in every C library.
_DAY_PADDING = re.compile(r"^0(?=\d )")


class _YearsOffset(mdates.ConciseDateFormatter):
    """Concise dates whose day ticks carry their month (3 Mar, not 3) and whose offset, where
    the ticks give no year, names the years the chart spans: matplotlib's named the last tick's
    month ("2024-Mar" under a chart of January and February), and a chart of 2022-2025 whose
    first year has no January tick never said 2022. A month's 1st among day ticks is "1 Mar":
    matplotlib's "Mar" there, between "27 Feb" and "3 Mar", read as the whole month."""

    def __init__(self, locator):
        days = "%d %b"
        super().__init__(
            locator,
            formats=["%Y", "%b", days, "%H:%M", "%H:%M", "%S.%f"],
            zero_formats=["", "%Y", days, days, "%H:%M", "%H:%M"],
        )
        self.years = ""

    def format_ticks(self, values):
        labels = [_DAY_PADDING.sub("", label) for label in super().format_ticks(values)]
        first, last = mdates.num2date(min(values)), mdates.num2date(max(values))
        self.years = f"{first:%Y}" if first.year == last.year else f"{first:%Y}–{last:%Y}"
        # Ticks over several years name a year only at each January: a chart from May 2022
        # read "Jul, 2023, Jul, ...", and 2022 was nowhere. Its first tick carries its year.
        if labels and not super().get_offset() and not labels[0].isdigit():
            labels[0] = f"{labels[0]} {mdates.num2date(values[0]):%Y}"
        return labels

    def get_offset(self) -> str:
        return self.years if super().get_offset() else ""


class _EvenDates(mdates.AutoDateLocator):
    """matplotlib's date ticks, less one that the next tick follows within two thirds of the
    ticks' usual spacing: day ticks start again on each month's 1st (..., 29, 31, then 1), and
    538's favorability polls of 15-28 February 2024 read "29 FebMar" wherever the legend made
    the plot narrow. The month's own tick is the one kept."""

    def tick_values(self, vmin, vmax):
        return _evenly(super().tick_values(vmin, vmax))

    def __call__(self):
        return _evenly(super().__call__())


def _evenly(ticks):
    ticks = np.asarray(ticks)
    if len(ticks) < 3:
        return ticks
    gaps = np.diff(ticks)
    return ticks[np.r_[gaps >= np.median(gaps) * 2 / 3, True]]


def tick_dates(ax) -> None:
    locator = _EvenDates(minticks=4, maxticks=10)

    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(_YearsOffset(locator))
