"""What the tracker would have shown on a past day: only the polls public by then.

A poll is public from its publication date; where a file does not give one, from the end of its
fieldwork plus its pollster's typical delay (the median gap between the two among that pollster's
polls of the series published by then; else the series' pollsters'; else DEFAULT_DELAY_DAYS).
Values are those stored then (stood_on: later corrections rolled back through the store's
versions).

The real-time line is what the tracker would have published day after day: series_trend as of
each day of a grid, each fit on the polls of its day alone. A refit costs a fit, so the grid is
weekly (Mondays, and the line's last day), every few weeks for a series so long that weekly
would mean more than MOST_REFITS refits; a day on which the polls are those of the day before
it reuses its figure, since the same polls give the same latest estimate.
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
from pollwatch.map.categories import read_category, read_population
from pollwatch.model.measures import (
    MEASURED_POLLS,
    NoMeasureLine,
    count_said,
    has_measure_line,
    polls_giving,
    read_measure,
)
from pollwatch.model.populations import ALL_POPULATIONS
from pollwatch.model.series import fit_series, select_series
from pollwatch.model.trends import Trend
from schemas.columns import POLL_NAME

DEFAULT_DELAY_DAYS = 3
# A real-time line refits at most this many days: two years of Mondays and a few weeks. Longer
# series are refitted every few weeks, so a 25-year series costs ~100 fits, not 1,300.
MOST_REFITS = 110
# Mondays are counted from this one, so that a thinned grid keeps the same days report after
# report (and the figures of those days can be reused).
FIRST_MONDAY = pd.Timestamp("1970-01-05")


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
    # Named as a file may name them ("rv", "All adults", "Approval", "Net"): each is read as
    # the stored category, as a file's cell is; --population rv was "no polls of ... / rv".
    population, metric = read_population(population), read_category(metric)
    measure = read_measure(measure)
    for option, given in (("population", population), ("metric", metric), ("measure", measure)):
        if not given:
            raise ConfigError(f"--{option} is empty: name one, or leave the option out")
    if population == "all_polls":  # 538's name for its line of every population
        population = ALL_POPULATIONS
    polls = stored if as_of is None else public_by(stored, as_of)
    until = None if as_of is None else pd.Timestamp(as_of)
    try:
        # Fitted here too: of a measure, the polls public then may give none ("no polls give
        # a negative share", where one was public a week later).
        return fit_series(select_series(polls, leader, metric, population, measure, until))
    except ConfigError:
        if as_of is None:
            raise
        series = select_series(stored, leader, metric, population)  # none at all: says so
        mine = stored[(stored["leader"] == series.leader) & (stored["metric"] == series.metric)]
        # The polls the line takes: of its population.
        counted = pd.Series(True, index=mine.index)
        if population != ALL_POPULATIONS:
            counted &= mine["population"] == population
        which = f"{series.leader} / {series.metric}"
        if population != ALL_POPULATIONS:
            which += f" of {population.replace('_', ' ')}"
        if measure != "positive":
            raise _no_line_yet(mine, counted, which, measure, as_of) from None
        raise ConfigError(
            f"no polls of {which} were public by {as_of.isoformat()}: {first_public(mine, counted)}"
        ) from None


def _no_line_yet(
    mine: pd.DataFrame, counted: pd.Series, which: str, measure: str, as_of: date
) -> NoMeasureLine:
    """Why a series had no disapproval or net line on `as_of` (too few polls public then gave
    the negative, has_measure_line), and the day its line begins: "no polls ... were public",
    of a day when two approval polls were and none gave disapproval, sent a person to the day
    the first giving it was, when the line was still missing."""
    public = public_from(mine)
    then = public_by(mine, as_of, public)
    given, total = polls_giving(then[counted[then.index]], measure)
    begins = line_from(mine[counted], measure, as_of, public[counted])
    why = "none of its polls was public then"
    if total:
        why = (
            f"{count_said(given, total, ' public then')}, and a line needs {MEASURED_POLLS} that do"
        )
    return NoMeasureLine(
        f"no {measure} line of {which} as of {as_of.isoformat()}: {why}; "
        + (
            f"it begins on {begins:%Y-%m-%d}"
            if begins is not None
            else "nor has it since (the report and its averages.csv have none either)"
        )
    )


def line_from(
    polls: pd.DataFrame, measure: str, after: date, public: pd.Series | None = None
) -> pd.Timestamp | None:
    """The first day after `after` on which the polls public then have a line of `measure`
    (has_measure_line), or None if none does. `polls`: one series' (of one population);
    `public`: their public_from, found within the whole series."""
    public = public_from(polls) if public is None else public
    reached = public_days(polls, public).dropna().dt.normalize()
    for day in sorted(set(reached[reached > pd.Timestamp(after)])):
        if has_measure_line(public_by(polls, day.date(), public), measure):
            return day
    return None


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


def ever_corrected(versions: pd.DataFrame) -> bool:
    """Whether any poll of `versions` has more than one version. A poll never corrected has
    one, which stands on every day: without corrections, the versions are the polls."""
    return bool(versions.duplicated(list(POLL_NAME)).any())


def stood_on(versions: pd.DataFrame, day: date) -> pd.DataFrame:
    """Each poll in the version that stood at the end of `day`, from every version of it
    (Store.versions()): the latest stored by then; a poll first stored later (a backfill) as it
    was first stored, before any correction. Versions stored in one run (one `ingested_at`) are
    told apart by when each was replaced (`replaced_at`): the one never replaced is the last."""
    stored = versions["ingested_at"].astype("datetime64[ns]")
    by_then = stored < pd.Timestamp(day) + pd.Timedelta(days=1)
    ticks = stored.to_numpy().astype("int64")
    replaced = pd.Series(versions.get("replaced_at"), index=versions.index, dtype="datetime64[ns]")
    later = replaced.to_numpy().astype("int64")
    later = np.where(replaced.isna(), np.iinfo("int64").max, later)
    ranked = versions.assign(
        _by_then=by_then,
        _order=np.where(by_then, ticks, -ticks),
        _then=np.where(by_then, later, -later),
    ).sort_values(["_by_then", "_order", "_then"], ascending=False, kind="stable")
    picked = ranked.drop_duplicates(list(POLL_NAME), keep="first").drop(
        columns=["_by_then", "_order", "_then", "replaced_at"], errors="ignore"
    )
    if "published_precision" in picked:
        # When a poll was public is a fact of the poll, not a value a correction replaces: a
        # version giving the month alone (the day a guess inside it) takes the day another
        # version gives, the earliest if several do.
        exact = versions["published"].where(versions["published_precision"].ne("month"))
        known = exact.groupby([versions[c] for c in POLL_NAME]).transform("min")[picked.index]
        guessed = picked["published_precision"].eq("month") & known.notna()
        picked.loc[guessed, "published"] = known[guessed]
        picked.loc[guessed, "published_precision"] = "day"
    return picked.sort_index().reset_index(drop=True)


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
