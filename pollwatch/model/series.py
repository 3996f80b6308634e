"""The series a person or the report asks for, and their averages: one leader, metric, measure and
population (or all populations), with their polls, one version each.

A leader is found as people type the name (without accents, by a surname), and a series that has
no line is refused with the series there are, so `trend`, the report and the as-of lines select
series one way.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pollwatch.config import ConfigError
from pollwatch.map.folding import fold_name
from pollwatch.model.measures import giving, has_measure_line, no_measure_line, polls_giving
from pollwatch.model.polls import POPULATION_PRIORITY, one_version_per_poll, other_versions
from pollwatch.model.populations import ALL_POPULATIONS
from pollwatch.model.trends import Trend, fit_trend


def _stored_leader(stored: pd.Series, leader: str) -> str:
    """The one stored leader whose name folds as `leader` does, or else who goes by it
    (_goes_by: "Starmer" is Keir Starmer), else `leader` (two that do, stored apart, are left
    for the person to choose: "Bush")."""
    names, wanted = stored.unique(), fold_name(leader)
    for alike in (
        [name for name in names if fold_name(name) == wanted],
        [name for name in names if _goes_by(name, leader)],
    ):
        if alike:
            return alike[0] if len(alike) == 1 else leader
    return leader


def _goes_by(name: str, surname: str) -> bool:
    """Whether `surname` is a stored leader's name past its first word, or a run of words of
    it, as names fold: a compound surname is asked for by its first part ("Giscard" is Valéry
    Giscard d'Estaing, "Lula" Luiz Inácio Lula da Silva), not only by its last."""
    words, wanted = name.split(), fold_name(surname)
    return any(
        fold_name(" ".join(words[i:j])) == wanted
        for i in range(1, len(words))
        for j in range(i + 1, len(words) + 1)
    )


def select_series(
    polls: pd.DataFrame,
    leader: str,
    metric: str,
    population: str = ALL_POPULATIONS,
    measure: str = "positive",
    until: pd.Timestamp | None = None,
) -> Series:
    """One series, or a ConfigError that lists the series there are. The leader is the stored
    one its name folds to where none is stored as given: `elisabeth borne` is Élisabeth Borne."""
    named = polls["leader"] == leader
    if not named.any():  # the report's own names are stored ones: only a person's may not be
        leader = _stored_leader(polls["leader"], leader)
        named = polls["leader"] == leader
    series = polls[named & (polls["metric"] == metric)]
    chosen = series
    if population != ALL_POPULATIONS:
        chosen = series[series["population"] == population]
    if chosen.empty:
        if population != ALL_POPULATIONS and not series.empty:  # the series, not that population
            found = sorted(set(series["population"]), key=lambda name: POPULATION_PRIORITY[name])
            raise ConfigError(
                f"no polls of {leader} / {metric} / {population}; its polls are of"
                f" {', '.join(found)} (or --population all)"
            )
        ends = sorted(n for n in polls["leader"].unique() if _goes_by(n, leader))
        if not named.any() and len(ends) > 1:  # a surname two stored leaders share
            raise ConfigError(
                f"{leader} could be {', '.join(ends[:-1])} or {ends[-1]}: name one"
                f' (--leader "{ends[0]}")'
            )
        available = polls.groupby(["leader", "metric"]).size().reset_index()
        listed = "; ".join(f"{r.leader} / {r.metric}" for r in available.itertuples())
        raise ConfigError(
            f"no polls of {leader} / {metric}"
            + (f" / {population}" if population != ALL_POPULATIONS else "")
            + f"; stored series: {listed or 'none'}"
        )
    if not has_measure_line(chosen, measure):
        of = "" if population == ALL_POPULATIONS else f" ({population.replace('_', ' ')})"
        raise no_measure_line(f"{leader} / {metric}{of}", measure, *polls_giving(chosen, measure))
    chosen = giving(chosen, measure)
    return Series(
        leader,
        metric,
        population,
        one_version_per_poll(chosen),
        measure,
        until,
        other_versions(chosen) if population == ALL_POPULATIONS else None,
    )


@dataclass(frozen=True)
class Series:
    """One leader and measure (and population, or all of them): the polls its average is fitted
    to, one version per poll."""

    leader: str
    metric: str
    population: str
    polls: pd.DataFrame
    measure: str = "positive"
    until: pd.Timestamp | None = None  # the day an as-of average ends on
    others: pd.DataFrame | None = None  # the polls' other population versions (other_versions)


def all_series(polls: pd.DataFrame, until: pd.Timestamp | None = None) -> list[Series]:
    """A series per leader and measure over all populations, and one per population where a
    leader has several; over all populations, the negative share and the net too, where the
    series has their line (has_measure_line). Measures are never averaged together."""
    found = []
    for (leader, metric), polled in polls.groupby(["leader", "metric"], sort=True):
        every, others = one_version_per_poll(polled), other_versions(polled)
        found.append(Series(leader, metric, ALL_POPULATIONS, every, until=until, others=others))
        if has_measure_line(polled, "negative"):
            given = giving(polled, "negative")
            polls_given, others_given = one_version_per_poll(given), other_versions(given)
            for measure in ("negative", "net"):
                found.append(
                    Series(
                        leader, metric, ALL_POPULATIONS, polls_given, measure, until, others_given
                    )
                )
        populations = polled["population"].unique()
        if len(populations) > 1:
            for population in sorted(populations, key=POPULATION_PRIORITY.get):
                subset = one_version_per_poll(polled[polled["population"] == population])
                found.append(Series(leader, metric, population, subset, until=until))
    return found


def fit_series(series: Series) -> Trend:
    return fit_trend(
        series.polls,
        series.leader,
        series.metric,
        series.population,
        series.measure,
        series.until,
        series.others,
    )


def series_trends(polls: pd.DataFrame) -> list[Trend]:
    """Every series' average (all_series), fitted one after another."""
    return [fit_series(series) for series in all_series(polls)]
