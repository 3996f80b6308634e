"""What the tracker would have shown on a past day: only the polls public by then
(publication.public_by), in the values stored then (stood_on: later corrections rolled back
through the store's versions). The real-time line, these day after day, is realtime_line's.
"""

from __future__ import annotations

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
from pollwatch.model.publication import first_public, public_by, public_days, public_from
from pollwatch.model.series import fit_series, select_series
from pollwatch.model.trends import Trend
from schemas.columns import POLL_NAME


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
