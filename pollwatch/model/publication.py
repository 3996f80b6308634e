"""When a poll became public, which is what decides whether an average of a past day may count it.

A poll is public from its publication date; where a file does not give one, from the end of its
fieldwork plus its pollster's typical delay (the median gap between the two among that pollster's
polls of the series published by then; else the series' pollsters'; else DEFAULT_DELAY_DAYS).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

DEFAULT_DELAY_DAYS = 3


def first_public(polls: pd.DataFrame, counted: pd.Series | None = None) -> str:
    """When the first of `polls` (of those `counted`, a mask: one population's) was public, said
    for a day before it: the day to ask for, as `public_by` finds it."""
    counted = pd.Series(True, index=polls.index) if counted is None else counted
    ended = pd.to_datetime(polls["fieldwork_end"])
    public = public_from(polls)
    day = public_days(polls, public)[counted].min()
    if pd.isna(day):
        return "none is public yet"
    day = day.normalize()
    fieldwork = ended[counted & (public <= day) & (ended <= day)].min()
    return f"the first was public on {day:%Y-%m-%d} (fieldwork ended {fieldwork:%Y-%m-%d})"


def public_days(polls: pd.DataFrame, public: pd.Series) -> pd.Series:
    """The day from which each poll counts as public: the later of `public` (public_from) and
    the end of its fieldwork (a poll published before its fieldwork ended, as a dating slip
    says, is not a finished poll yet). The one statement of the rule that public_by applies."""
    ended = pd.to_datetime(polls["fieldwork_end"])
    return public.where(public > ended, ended)


def public_by(polls: pd.DataFrame, as_of: date, public: pd.Series | None = None) -> pd.DataFrame:
    """The polls public by the end of `as_of` (public_days). `public`: public_from(polls), given
    by a caller asking of many days, as it does not depend on the day asked (a real-time line
    spent half its time finding it again each day)."""
    public = public_from(polls) if public is None else public
    return polls[public_days(polls, public) <= pd.Timestamp(as_of)]


def public_from(polls: pd.DataFrame) -> pd.Series:
    """The day each poll was (or is expected to be) public: its publication date, else the end
    of its fieldwork plus its pollster's usual delay (in whole days) in its series (leader and
    metric), among its polls published by the end of that fieldwork, else the series'
    pollsters'; where a source gives only the month of publication (`published_precision`),
    that day kept inside the month. Within a series, so that a series' figures are the same
    whatever else is stored: the report's real-time line, fitted on one series, and `--as-of` on
    the whole store agree, and 538's one-day entry delays do not move a French series. Known
    when the fieldwork ended, not on the day asked: learned from the polls published by the day
    asked, a delay grew when two late polls came out, and a poll public on 7 February was not on
    the 8th and was again on the 9th. A tracker does not take back a poll it has counted."""
    published = pd.to_datetime(polls["published"])
    ended = pd.to_datetime(polls["fieldwork_end"])
    # Polls with no leader or metric column are one series.
    series = [polls[c] for c in ("leader", "metric") if c in polls] or [pd.Series(0, polls.index)]
    in_month = polls.get("published_precision", pd.Series(None, polls.index)).eq("month")
    day = published.mask(in_month)
    missing = day.isna() & ended.notna()
    if not missing.any():
        return published
    by_pollster = _delay_known_by(day, ended, missing, [*series, polls["pollster"]])
    overall = _delay_known_by(day, ended, missing, series)
    # Whole days, rounded up: a median of 5 and 6 days made a poll public from noon, after the
    # midnight a day's figure stands at, so the real-time line's last day left its newest poll out.
    delay = np.ceil(by_pollster.fillna(overall).fillna(DEFAULT_DELAY_DAYS))
    expected = ended + pd.to_timedelta(delay, unit="D")
    # A month of publication (stored as its last day) bounds the expected day.
    month = published[in_month]
    expected[in_month] = expected[in_month].clip(month.dt.to_period("M").dt.start_time, month)
    return day.fillna(expected)


def _delay_known_by(
    published: pd.Series, ended: pd.Series, missing: pd.Series, groups: list[pd.Series]
) -> pd.Series:
    """For each poll `missing` its publication day, the median delay (days from fieldwork's end
    to publication) of the polls of its group published by the end of its fieldwork (NaN where
    none was)."""
    delay = pd.Series(np.nan, index=published.index)
    keys = pd.MultiIndex.from_arrays([g.astype(str).to_numpy() for g in groups])
    codes = pd.factorize(keys)[0]
    day, end, lacking = published.to_numpy(), ended.to_numpy(), missing.to_numpy()
    known = published.notna().to_numpy()
    # A month's poll reported inside its month (its fieldwork's end is the month's last day)
    # was published no earlier than its fieldwork ended, not before it.
    gap = (published - ended).dt.days.clip(lower=0).to_numpy(dtype="float64")
    for code in np.unique(codes[lacking]):
        mine = codes == code
        shown = (known & mine).nonzero()[0]
        if not len(shown):
            continue
        shown = shown[np.argsort(day[shown])]  # in order of publication
        asked = (lacking & mine).nonzero()[0]
        counts = np.searchsorted(day[shown], end[asked], side="right")
        medians = {k: float(np.median(gap[shown[:k]])) for k in np.unique(counts) if k}
        delay.iloc[asked] = [medians.get(k, np.nan) for k in counts]
    return delay
