"""The real-time line: what the tracker would have published day after day, each day's figure
from the polls public then (publication.public_by) in the versions stored then (as_of.stood_on).

It is series' fits as of each day of a grid, each on the polls of its day alone. A refit costs a
fit, so the grid is weekly (Mondays, and the line's last day), every few weeks for a series so
long that weekly would mean more than MOST_REFITS refits; a day on which the polls are those of
the day before it reuses its figure, since the same polls give the same latest estimate.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from pollwatch.config import ConfigError
from pollwatch.model.as_of import ever_corrected, stood_on
from pollwatch.model.populations import ALL_POPULATIONS
from pollwatch.model.publication import public_by, public_from
from pollwatch.model.series import fit_series, select_series
from schemas.columns import POLL_NAME

# A real-time line refits at most this many days: two years of Mondays and a few weeks. Longer
# series are refitted every few weeks, so a 25-year series costs ~100 fits, not 1,300.
MOST_REFITS = 110
# Mondays are counted from this one, so that a thinned grid keeps the same days report after
# report (and the figures of those days can be reused).
FIRST_MONDAY = pd.Timestamp("1970-01-05")


def realtime_grid(first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
    """The days a real-time line is refitted on: Mondays from `first` (every few, so there are
    at most MOST_REFITS), and `last`."""
    mondays = pd.date_range(first.normalize(), last, freq="W-MON")
    step = max(1, math.ceil(len(mondays) / MOST_REFITS))
    weeks = (mondays - FIRST_MONDAY).days // 7
    chosen = mondays[weeks % step == 0]
    return chosen if last in chosen else chosen.append(pd.DatetimeIndex([last.normalize()]))


def realtime_line(
    versions: pd.DataFrame,
    leader: str,
    metric: str,
    measure: str = "positive",
    days: list[tuple[pd.Timestamp, str]] | None = None,
    known: Mapping[str, float] | None = None,
    stop_at: float | None = None,
) -> pd.DataFrame:
    """date, estimate, key: what the tracker would have published on each of `days` (with their
    keys, realtime_days; default: those up to the day its newest poll was public), each refitted
    on the polls public then, in the versions stored then. `versions`: every version of the
    leader's polls (Store.versions()). `key` names everything a day's figure was computed from;
    `known` gives the figures of keys computed before (a report remembers its last report's),
    which are not computed again. With `stop_at` (a time.time()), no refit starts after it: the
    newest days are done first, and `attrs["unfinished"]` counts the days left for later."""
    known = known or {}
    mine = versions[(versions["leader"] == leader) & (versions["metric"] == metric)]
    corrected = ever_corrected(mine)
    single = mine.reset_index(drop=True)
    public = None if corrected else public_from(single)
    rows, before, figure, unfinished = [], None, None, 0
    if days is None:
        days = realtime_days(mine, measure)
    for day, key in reversed(days):
        if key in known:
            rows.append((day, known[key], key))
            continue
        if stop_at is not None and time.time() > stop_at:
            unfinished += 1
            continue
        if corrected:
            polls = public_by(stood_on(mine, day.date()), day.date())
        else:
            polls = public_by(single, day.date(), public)
        if polls.empty:
            continue
        if before is None or not polls.equals(before):
            try:
                series = select_series(polls, leader, metric, ALL_POPULATIONS, measure, day)
                figure = float(fit_series(series).latest["estimate"])
            except ConfigError:  # too few polls public by then give this measure
                continue
            before = polls
        rows.append((day, figure, key))
    line = pd.DataFrame(rows[::-1], columns=["date", "estimate", "key"])
    line = line.astype({"estimate": "float64"})
    line.attrs["unfinished"] = unfinished
    return line


def realtime_days(
    versions: pd.DataFrame, measure: str, last: pd.Timestamp | None = None
) -> list[tuple[pd.Timestamp, str]]:
    """The days of one series' real-time line (realtime_grid up to `last`, default the day its
    newest poll was public), each with its key (day_keys). `versions`: that series' alone."""
    if versions.empty:
        return []
    ends = pd.to_datetime(versions["fieldwork_end"])
    if last is None:  # not past today: a publication date ahead is not yet what was published
        today = pd.Timestamp(date.today())
        last = max(min(public_from(versions).max(), today), ends.max())
    grid = realtime_grid(ends.min(), pd.Timestamp(last))
    return list(zip(grid, day_keys(versions, measure, grid), strict=True))


def day_keys(versions: pd.DataFrame, measure: str, days: pd.DatetimeIndex) -> list[str]:
    """For each day, a name of everything its as-of figure is computed from: the series and
    measure, the day, and every version of a poll that had ended or been published by then (a
    set hash of their rows, so a day's key is one addition, not a hash of thousands of rows).
    A poll counts from the first day any of its versions had ended or been published, with all
    its versions: a correction of its dates decides which of them stood."""
    ended = pd.to_datetime(versions["fieldwork_end"])
    published = pd.to_datetime(versions["published"]).fillna(ended)
    reached = ended.where(ended <= published, published)
    reached = reached.groupby([versions[c] for c in POLL_NAME]).transform("min")
    order = np.argsort(reached.to_numpy(), kind="stable")
    rows = pd.util.hash_pandas_object(versions, index=False).to_numpy()[order]
    total = np.cumsum(rows, dtype="uint64")  # wraps at 2**64, as a set hash may
    counts = np.searchsorted(reached.to_numpy()[order], days.to_numpy(), side="right")
    series = "|".join(map(str, versions[["leader", "metric"]].drop_duplicates().to_numpy().ravel()))
    return [
        hashlib.sha256(
            f"{series}|{measure}|{day:%Y-%m-%d}|{count}|{total[count - 1] if count else 0}".encode()
        ).hexdigest()[:32]
        for day, count in zip(days, counts, strict=True)
    ]
