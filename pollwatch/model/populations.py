"""A line mixing populations (adults, registered voters, likely voters) read as one of them.

Populations answer differently, and pollsters screen them differently: each population's offset
from the reference population is measured within pollsters, from polls reporting both and from
pollsters asking each apart, pooled over pollsters, and taken off its polls. Apart from the fit,
since it is a meta-analysis of its own over the line's polls, measured again each round.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from pollwatch.model.band import Z95
from pollwatch.model.measures import measure_unit, measured
from pollwatch.model.polls import POLL_IDENTITY, POPULATION_PRIORITY
from pollwatch.read.echo import counted
from schemas.columns import POPULATIONS

ALL_POPULATIONS = "all"
# The population a line mixing populations is made comparable to, where any of its polls is of it
# (reference_population).
REFERENCE_POPULATION = "adults"
# How far apart a population and adults are believed to be before the polls say (sd, points):
# registered and likely voters differ from adults by a few points, rarely by ten.
POPULATION_PRIOR_SD = 3.0
# The spread of one poll's gap between two of its populations, when no pollster gives two such
# polls, and the least it is taken to be (pairs of rounded shares can agree to the point).
ONE_GAP_SD, MIN_GAP_SD = 3.0, 0.5
# How far one pollster's gap between a population and adults strays from the next pollster's,
# until three pollsters measure it: about what 538's Biden file shows (sd 1.2 points).
POLLSTER_GAP_SD = 1.0


def reference_population(polls: pd.DataFrame) -> str:
    """The population a line of several reads as: adults where any of its polls is of adults
    (538's reference, and the issue's), else the first of POPULATIONS its polls have. A line of
    registered and likely voters alone cannot be read as adults, since no poll of it measures
    the gap; read as registered voters, its likely voters' gap is measured where a poll reports
    both."""
    present = set(polls["population"].dropna())
    if REFERENCE_POPULATION in present or not present:
        return REFERENCE_POPULATION
    return min(present, key=lambda name: POPULATION_PRIORITY.get(name, len(POPULATIONS)))


def population_effects(
    polls: pd.DataFrame,
    others: pd.DataFrame | None,
    measure: str = "positive",
    reference: str = REFERENCE_POPULATION,
    apart: Apart | None = None,
    gaps: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> pd.DataFrame:
    """How far each population of a line's polls reads from the reference population (adults,
    reference_population), measured within pollsters, where the pollster's own lean cancels out.

    Where a poll reports both, the gap is read off that poll, as 538 does (the same interviews,
    so dates and wording cancel out too). A pollster that asks the population and adults in
    separate polls measures it too, by how far its polls of the population sit above its polls
    of adults, each against the line on its day (`apart`: the line's fitted polls, with each
    one's residual from the line and its precision). Read from pairs alone, a series whose
    pollsters polled each population in turn, never both at once, had no offset measured at
    all: 0 +- 5.9, and its line sat at the polls' mix (1.17 points off the adults' truth in the
    simulation, against 0.37 where 40% of polls are paired). A pollster's pairs, where it has
    them, are its measure: they are the closer one.

    Pollsters screen voters differently, so the gap is a pollster's before it is a population's
    (on 538's Biden file, registered voters read +0.5 above adults in Morning Consult's polls and
    +2.4 in YouGov's). The offset taken off a poll of registered voters from any pollster is
    therefore the mean over pollsters, each pollster's mean gap weighted by its precision with
    the spread between pollsters added (random effects, DerSimonian and Laird): one pollster's
    hundred pairs tell little about the next pollster. Its interval carries that spread, and the
    prior of POPULATION_PRIOR_SD shrinks a population measured by few pollsters toward zero. A
    population no pollster asks beside the reference keeps none: nothing measures it apart from
    its pollsters' leans. `polls`: the line's polls, one version each (adults first); `others`:
    their other versions; `gaps`: their pair_gaps, where measured already (a fit measures the
    offsets again each round, the pairs once)."""
    populations = sorted(
        set(polls["population"].dropna()) - {reference},
        key=lambda name: POPULATION_PRIORITY.get(name, len(POPULATIONS)),
    )
    if gaps is None:
        gaps = pair_gaps(polls, others, measure, reference)
    rows = []
    dispersion = _dispersion(apart)
    # A net's offset is its shares' two offsets apart: held to a share's priors, it was shrunk
    # twice as hard (RealClearPolitics' Trump polls: +2.54 where the shares gave +5.2).
    unit = measure_unit(measure)
    for population in populations:
        gap, pollster = gaps.get(population, (np.zeros(0), np.zeros(0, dtype=object)))
        paired = set(pollster)
        separate = _separate_gaps(apart, population, reference, paired)
        separate["variance"] *= dispersion
        mean, precision = _mean_over_pollsters(gap, pollster, separate, unit)
        posterior = precision + 1 / (unit * POPULATION_PRIOR_SD) ** 2
        effect, sd = mean * precision / posterior, math.sqrt(1 / posterior)
        rows.append(
            (
                population,
                effect,
                effect - Z95 * sd,
                effect + Z95 * sd,
                len(gap),
                int(separate["polls"].sum()),
                len(paired) + len(separate),
            )
        )
    return pd.DataFrame(
        rows,
        columns=["population", "effect", "lower", "upper", "pairs", "apart", "pollsters"],
    )


def pair_gaps(
    polls: pd.DataFrame, others: pd.DataFrame | None, measure: str, reference: str
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each other population's gaps from `reference` in the polls that report both (`polls`, one
    version each, the reference's first; `others`, their other versions), with their pollsters:
    population: (gaps, pollsters)."""
    if others is None or others.empty:
        return {}
    identity = [*POLL_IDENTITY]
    base = measured(polls[polls["population"] == reference], measure)
    beside = measured(others, measure)
    pairs = beside[[*identity, "population", "value"]].merge(
        base[[*identity, "value"]], on=identity, suffixes=("", "_reference")
    )
    gap = (pairs["value"] - pairs["value_reference"]).to_numpy(dtype="float64")
    pollster = pairs["pollster"].to_numpy(dtype=object)
    population = pairs["population"].to_numpy(dtype=object)
    return {
        name: (gap[population == name], pollster[population == name]) for name in set(population)
    }


@dataclass(frozen=True)
class Apart:
    """A line's fitted polls as the offsets of populations asked apart read them: each one's
    pollster (codes into `names`), population, pollster-and-population group (codes), and, once
    there is a line, its residual from it and its precision (with_line)."""

    pollster: np.ndarray
    names: np.ndarray
    population: np.ndarray
    group: np.ndarray
    groups: int
    residual: np.ndarray | None = None
    precision: np.ndarray | None = None

    @classmethod
    def of(cls, polls: pd.DataFrame) -> Apart:
        pollster, names = pd.factorize(polls["pollster"])
        population = polls["population"].fillna("").to_numpy(dtype=object)
        group, groups = pd.factorize(pd.Series(pollster.astype(str)) + "|" + population)
        return cls(pollster, np.asarray(names, dtype=object), population, group, len(groups))

    def with_line(self, residual: np.ndarray, precision: np.ndarray) -> Apart:
        return dataclasses.replace(self, residual=residual, precision=precision)


def measured_by(effect) -> str:
    """What measured a population's offset (a row of population_effects), in words: '343 polls
    reporting both and 12 asked apart, by 16 pollsters'."""
    parts = []
    if effect.pairs:
        parts.append(f"{counted(effect.pairs, 'poll')} reporting both")
    if effect.apart:
        parts.append(f"{counted(effect.apart, 'poll')} asked apart")
    return f"{' and '.join(parts)}, by {counted(effect.pollsters, 'pollster')}"


def _separate_gaps(
    apart: Apart | None, population: str, reference: str, paired: set[str]
) -> pd.DataFrame:
    """pollster, gap, variance, polls: for each pollster with polls of both `population` and
    `reference` among the line's fitted polls (`apart`) and no poll reporting both, the mean
    residual of its polls of the one less that of the other (precision-weighted; its lean is in
    both, and cancels), with that difference's variance, and how many of its polls of the
    population it rests on."""
    if apart is None or apart.residual is None or not len(apart.pollster):
        return pd.DataFrame(columns=["pollster", "gap", "variance", "polls"])
    codes, count = apart.pollster, len(apart.names)
    weighted = apart.residual * apart.precision
    mine = ~np.isin(apart.names, list(paired))[codes]
    sums = []
    for name in (population, reference):
        side = mine & (apart.population == name)
        sums.append(
            [
                np.bincount(codes[side], weights=values[side], minlength=count)
                for values in (weighted, apart.precision, np.ones(len(codes)))
            ]
        )
    (asked, asked_precision, polls), (base, base_precision, _) = sums
    both = (asked_precision > 0) & (base_precision > 0)
    return pd.DataFrame(
        {
            "pollster": apart.names[both],
            "gap": asked[both] / asked_precision[both] - base[both] / base_precision[both],
            "variance": 1 / asked_precision[both] + 1 / base_precision[both],
            "polls": polls[both].astype("int64"),
        }
    )


def _dispersion(apart: Apart | None) -> float:
    """How much further the line's polls stray from their pollster's mean for their population
    than their variances say (at least 1), which a separate gap's variance is scaled by: it is
    read off the polls' fitted variances, and those can be short (on the simulation, whose
    tracker averages its extra error over three days, the fitted extra error is 1.0-1.2 points
    for a true 1.5). The pairs' spread is measured from the pairs themselves; this is the same
    for separate polls. With no poll reporting both, 40 seeds: both offsets held in 85-90% of
    seeds without it, 90-95% with it."""
    if apart is None or apart.residual is None:
        return 1.0
    freedom = len(apart.group) - apart.groups
    if freedom <= 0:
        return 1.0
    codes, precision, residual = apart.group, apart.precision, apart.residual
    mean = np.bincount(codes, weights=residual * precision) / np.bincount(codes, weights=precision)
    shown = float((precision * (residual - mean[codes]) ** 2).sum() / freedom)
    return max(shown, 1.0)


def _mean_over_pollsters(
    gap: np.ndarray, pollster: np.ndarray, separate: pd.DataFrame, unit: float = 1.0
) -> tuple[float, float]:
    """The random-effects mean of the gaps over pollsters, and its precision (0 for no gap).
    `gap`, `pollster`: the pairs' gaps, one per poll reporting both; `separate`: the mean gap
    and its variance of each pollster measuring it in separate polls (_separate_gaps). The
    spread of one pair's gap within a pollster is pooled over pollsters; where no pollster
    gives two, the gaps' own spread stands for it (within and between pollsters at once), and
    ONE_GAP_SD for a single gap. The spread between pollsters is estimated once three pollsters
    give gaps, and taken as POLLSTER_GAP_SD before, when two cannot tell it (each in a share's
    points, `unit` times as wide in the measure's)."""
    means, variance = np.zeros(0), np.zeros(0)
    if len(gap):
        codes, names = pd.factorize(pollster)
        count = np.bincount(codes).astype("float64")
        means = np.bincount(codes, gap) / count
        freedom = len(gap) - len(names)
        if freedom:
            within = float(((gap - means[codes]) ** 2).sum() / freedom)
        elif len(gap) >= 2:
            within = float(np.var(gap, ddof=1))
        else:
            within = (unit * ONE_GAP_SD) ** 2
        variance = max(within, (unit * MIN_GAP_SD) ** 2) / count  # of each pollster's mean gap
    means = np.concatenate([means, separate["gap"].to_numpy(dtype="float64")])
    variance = np.concatenate([variance, separate["variance"].to_numpy(dtype="float64")])
    if not len(means):
        return 0.0, 0.0
    between = (unit * POLLSTER_GAP_SD) ** 2
    if len(means) >= 3:
        weight = 1 / variance
        fixed = (weight * means).sum() / weight.sum()
        q = (weight * (means - fixed) ** 2).sum()
        between = max(
            (q - (len(means) - 1)) / (weight.sum() - (weight**2).sum() / weight.sum()), 0.0
        )
    weight = 1 / (variance + between)
    mean, error = (weight * means).sum() / weight.sum(), 1 / weight.sum()
    if len(means) >= 3:
        # Knapp and Hartung: the spread the pollsters' means actually show, if wider, and a t
        # quantile for k - 1 degrees of freedom in place of the normal's, since the spread
        # between a dozen pollsters is itself barely known (with pollsters' gaps straying by 1
        # point, the normal's intervals held both offsets in 83% of 30 simulations; these, 90%).
        shown = (weight * (means - mean) ** 2).sum() / ((len(means) - 1) * weight.sum())
        error = max(error, shown) * (stdtrit(len(means) - 1, 0.975) / Z95) ** 2
    return float(mean), float(1 / error)


def offsets(polls: pd.DataFrame, effects: pd.DataFrame | None) -> pd.Series:
    """What is taken off each poll's value for its population (0 for adults, and in a line of
    one population); the value itself stays as published."""
    if effects is None:
        return pd.Series(0.0, index=polls.index)
    return polls["population"].map(effects.set_index("population")["effect"]).fillna(0.0)
