"""What the tracker would have shown on a past day: only the polls public by then.

A poll is public from its publication date; where a file does not give one, from the end of its
fieldwork plus its pollster's typical delay (the median gap between the two among that pollster's
polls published by then; else every pollster's; else DEFAULT_DELAY_DAYS). Values are those stored
then: the store rolls later corrections back (Store.polls(as_of)).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from pollwatch.config import ConfigError
from pollwatch.model.trends import ALL_POPULATIONS, Trend, fit_series, select_series

DEFAULT_DELAY_DAYS = 3


def series_trend(
    stored: pd.DataFrame,
    leader: str,
    metric: str,
    population: str = ALL_POPULATIONS,
    measure: str = "positive",
    as_of: date | None = None,
) -> Trend:
    """One series' average from the stored polls (with `as_of`, those the store gives for that
    day): today's, or the one the tracker would have published that day, ending on it."""
    polls = stored if as_of is None else public_by(stored, as_of)
    until = None if as_of is None else pd.Timestamp(as_of)
    try:
        chosen = select_series(polls, leader, metric, population, measure, until)
    except ConfigError:
        if as_of is None:
            raise
        select_series(stored, leader, metric, population)  # no such series at all: says so
        raise ConfigError(
            f"no polls of {leader} / {metric} were public by {as_of:%Y-%m-%d}"
        ) from None
    return fit_series(chosen)


def public_by(polls: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The polls whose fieldwork had ended and which had been published by the end of `as_of`."""
    day = pd.Timestamp(as_of)
    published = pd.to_datetime(polls["published"])
    ended = pd.to_datetime(polls["fieldwork_end"])
    known = published.notna() & (published <= day)
    gap = (published - ended).dt.days.where(known)
    overall = gap.median()
    delay = polls["pollster"].map(gap.groupby(polls["pollster"]).median())
    delay = delay.fillna(DEFAULT_DELAY_DAYS if pd.isna(overall) else overall)
    public = published.fillna(ended + pd.to_timedelta(delay, unit="D"))
    return polls[(public <= day) & (ended <= day)]
