"""Poll averages with uncertainty, for one leader and one measure at a time.

The reference method is a local-level state-space model on a daily grid: the true share drifts as
a random walk, and each poll sees it through sampling noise, an extra survey error and its
pollster's steady lean (house effect). A Kalman filter and smoother give each day's estimate with
a 95% band. Polls are weighted by their effective sample size; house effects are estimated from
the data and shrunk toward zero (a pollster with few polls gets little of its own lean). The
survey error is Student-t rather than normal (fitted by reweighting, as an EM algorithm does), so
a poll far off the trend has its variance inflated and one outlier cannot drag the line; how heavy
its tails are is fitted to each series, so that polls of a real move are not taken for outliers
where no poll goes wild. A
tracking poll's releases share most of their interviews and so their errors; only its
non-overlapping releases (the latest and, going back, each whose fieldwork ended before the last
kept one began) enter the fit, so the fit sees independent polls. The 95% band carries
each poll's expected variance under the fitted tails and the uncertainty of the house effects
and population offsets taken off the polls. The hyperparameters
(day-to-day drift, extra survey error) are those under which the smoother best predicts each
poll from the others (leave-one-out cross-validation) under weak priors, so a series of three
polls still gets a sensible, wide band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pollwatch.model.band import Z95, estimated_offsets_variance, share_band
from pollwatch.model.house_effects import house_effects, reference_pollsters
from pollwatch.model.measures import measure_unit, measured, no_measure_line
from pollwatch.model.polls import effective_sample_sizes, non_overlapping_releases
from pollwatch.model.populations import (
    ALL_POPULATIONS,
    REFERENCE_POPULATION,
    Apart,
    offsets,
    pair_gaps,
    population_effects,
    reference_population,
)
from pollwatch.model.smoother import (
    PRIOR_LOG_DRIFT,
    PRIOR_LOG_EXTRA,
    degrees_of_freedom,
    fit_hyperparameters,
    smooth,
    without_each,
)
from schemas.columns import DEFAULTS

OUTLIER_Z = 3.0  # a poll this many standard deviations off the trend is reported as an outlier
ROUNDS = 6
# A day further than this from any poll is the line's guess between polls, not a measurement:
# charts dash it, and `trend` says where such days are.
FAR_DAYS = 45


@dataclass
class Trend:
    leader: str
    metric: str
    population: str
    # date; estimate, lower, upper: the smoothed average with its 95% band, from all polls
    daily: pd.DataFrame
    house_effects: pd.DataFrame  # pollster, effect, lower, upper, polls
    # the polls used, with their day, value (of the measure), weight and whether outliers
    polls: pd.DataFrame
    drift_sd: float  # fitted day-to-day movement of the true share, points
    extra_sd: float  # fitted survey error beyond sampling, points
    measure: str = "positive"  # positive, negative (disapprove, distrust...) or net (the two's gap)
    # population, effect, lower, upper, pairs, apart, pollsters (how many polls report it beside
    # adults, how many of it were compared with their pollster's polls of adults, and by how many
    # pollsters): each population's offset from adults, taken off its polls in a line mixing
    # populations (none in a line of one population)
    population_effects: pd.DataFrame | None = None
    # date, estimate: what the tracker would have published on those days, each refitted on
    # the polls public then (realtime_line.realtime_line); a report adds it to its lines
    realtime: pd.DataFrame | None = None
    # the fitted Student-t degrees of freedom of the survey error: low, heavy tails (wild polls
    # seen); in the hundreds, a normal
    dof: float | None = None
    # the population the line reads as (reference_population; a line of one population, its own)
    reference: str = REFERENCE_POPULATION

    @property
    def latest(self) -> pd.Series:
        return self.daily.iloc[-1]

    def change(self, days: int) -> float | None:
        """Movement of the estimate over the last `days` days of the series."""
        if len(self.daily) <= days:
            return None
        return float(self.daily["estimate"].iloc[-1] - self.daily["estimate"].iloc[-1 - days])

    def far_from_polls(self) -> np.ndarray:
        """The days further than FAR_DAYS from any poll: there the line between two polls
        months apart is a guess, and is drawn and said as one, however many polls a series has
        (538's Trump polls to January 2021 and a few of 2025 drew four years of nothing as a
        solid line under a filled band)."""
        return self.days_from_poll() > FAR_DAYS

    def far_stretches(self) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """The first and last day of each run of days far_from_polls."""
        far = self.far_from_polls().astype("int8")
        edges = np.diff(np.concatenate([[0], far, [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
        dates = self.daily["date"]
        return [(dates.iloc[a], dates.iloc[b]) for a, b in zip(starts, ends, strict=True)]

    def days_from_poll(self) -> np.ndarray:
        """How far each day of `daily` is from the nearest poll's day (its fieldwork's middle,
        where its dot is drawn). The grid runs unbroken from the first poll to the last, so a
        series that pauses for years has a line through those years that no poll saw; this
        says where, whatever the series' number of polls (a dense series drew four years
        without polls as data). Sorted search, not a days-by-polls table: 538's polls are tens
        of thousands over years of days."""
        polls = np.unique(self.polls["day"].to_numpy(dtype="datetime64[D]").astype("int64"))
        days = self.daily["date"].to_numpy(dtype="datetime64[D]").astype("int64")
        after = np.searchsorted(polls, days).clip(1, len(polls) - 1) if len(polls) > 1 else 0
        before = np.maximum(after - 1, 0)
        return np.minimum(np.abs(days - polls[before]), np.abs(polls[after] - days))


def fit_trend(
    polls: pd.DataFrame,
    leader: str,
    metric: str,
    population: str = ALL_POPULATIONS,
    measure: str = "positive",
    until: pd.Timestamp | None = None,
    others: pd.DataFrame | None = None,
) -> Trend:
    """Fit the model to one series' polls (canonical rows, one version per poll), for one
    measure of them (`measured`); with `until`, the days after the last poll up to that day too
    (an as-of average ends on its day, unless its newest poll is FAR_DAYS older). A line of several
    populations takes each one's offset from adults (population_effects, from `others`, the
    polls' other versions) off its polls, so that it reads as a line of adults would (of the
    reference_population, where none of its polls is of adults)."""
    if "negative_pct" not in polls:
        polls = polls.assign(negative_pct=np.nan)
    # The polls that give the measure: a population none of them is of has no offset to take
    # off (a disapproval line listed registered voters' offset where no such poll gave one).
    polls = measured(polls, measure)
    effects = None
    reference = population
    if population == ALL_POPULATIONS:
        reference = reference_population(polls)
        if polls["population"].nunique() > 1:
            gaps = pair_gaps(polls, others, measure, reference)
            effects = population_effects(polls, others, measure, reference, gaps=gaps)
    line = polls
    polls = polls.assign(population_offset=offsets(polls, effects))
    if polls.empty:
        of = "" if population == ALL_POPULATIONS else f" ({population.replace('_', ' ')})"
        raise no_measure_line(f"{leader} / {metric}{of}", measure, 0, 0)
    low, high = (-100, 100) if measure == "net" else (0, 100)
    everything = polls.sort_values("fieldwork_end").reset_index(drop=True)
    independent = non_overlapping_releases(everything)
    polls = everything[independent].reset_index(drop=True)
    start = polls["fieldwork_start"].min()
    last = polls["fieldwork_end"].max()
    # An as-of line ends on its day, unless its newest poll is further from it than FAR_DAYS:
    # it then ends where its polls end, as today's line of a series no longer polled does
    # (538's Trump approval as of June 2022 was 39.1%, "28.9-49.2", 500 days past its last
    # poll, beside the quality panel's "the latest estimate describes 2021-01-19").
    if until is not None and pd.Timestamp(until) - last <= pd.Timedelta(days=FAR_DAYS):
        last = max(last, pd.Timestamp(until))
    days = int((last - start).days) + 1
    length = polls["fieldwork_end"] - polls["fieldwork_start"]
    day = ((polls["fieldwork_start"] + length / 2 - start).dt.days).to_numpy()
    value = polls["value"].to_numpy(dtype="float64")
    y = value - polls["population_offset"].to_numpy(dtype="float64")
    sampling_var = polls["spread"].to_numpy() / effective_sample_sizes(polls).to_numpy() * 1e4
    codes, pollsters = pd.factorize(polls["pollster"])
    asked_apart = Apart.of(polls) if effects is not None else None
    # Read as the reference's: its own polls and those not saying theirs. Not those of a
    # population whose gap from it nothing measured (taken off as none): a firm polling only
    # likely voters then counted in the average pollster of adults, and 20 adults' polls beside
    # a likely-voter firm 6.5 points higher drew a line 1.6 points above the adults' own.
    as_reference = {reference, DEFAULTS["population"]}
    centre = reference_pollsters(codes, len(pollsters), polls["population"], as_reference)
    house = np.zeros(len(pollsters))
    scale = np.ones(len(y))  # each poll's variance multiplier (the Student-t reweighting)
    surprise = np.zeros(len(y))
    dof = None
    before = (None, None)
    # A net's priors twice as wide (NET_SCALE; four times the variance): held to a share's, a
    # three-poll net line drew a band 0.7 times the width its shares' give it, and two
    # pollsters' single polls got leans of +-4.9 that neither share showed.
    shift = np.log(measure_unit(measure) ** 2)
    prior = (PRIOR_LOG_DRIFT + shift, PRIOR_LOG_EXTRA + shift)
    log_drift, log_extra = prior
    for _ in range(ROUNDS):
        adjusted = y - house[codes]
        found = fit_hyperparameters(
            adjusted,
            sampling_var,
            scale,
            day,
            days,
            (log_drift, log_extra),
            prior,
            before[0] is None,
        )
        state = (adjusted, scale)
        if found == (log_drift, log_extra) and all(map(np.array_equal, state, before)):
            break  # a fixed point: every round after would repeat this one to the last bit
        (log_drift, log_extra), before = found, state
        obs_var = (sampling_var + np.exp(log_extra)) * scale
        level, level_var = smooth(adjusted, obs_var, day, days, np.exp(log_drift))
        if effects is not None:  # measured again, now with the line to measure polls against
            # Against the line the other polls draw, and weighed without the Student-t's
            # reweighting: against a line drawn through the poll too, or weighed by how near
            # the offset taken off it puts it, a pollster's polls read nearer the common offset
            # than they are (its gap 0.83 of its distance from it), and with each pollster's
            # gap straying by 1 point both offsets' 95% intervals held in 65-85% of seeds.
            line_mean, line_var = without_each(adjusted, obs_var, level[day], level_var[day])
            apart = asked_apart.with_line(
                value - house[codes] - line_mean, 1 / (obs_var / scale + line_var)
            )
            effects = population_effects(line, others, measure, reference, apart, gaps)
            y = value - offsets(polls, effects).to_numpy(dtype="float64")
        house, house_se, kept = house_effects(y - level[day], obs_var, codes, centre)
        surprise = (y - house[codes] - level[day]) ** 2 / (
            sampling_var + np.exp(log_extra) + level_var[day]
        )
        # E-step of the Student-t as a scale mixture of normals: the expected precision
        # multiplier of a poll given how far off it is, under the tails the polls show.
        dof = degrees_of_freedom(surprise)
        scale = (dof + surprise) / (dof + 1)
    adjusted = y - house[codes]
    polls = polls.assign(population_offset=value - y)
    everything = everything.assign(population_offset=offsets(everything, effects))
    dates = pd.date_range(start, periods=days, freq="D")
    drift = np.exp(log_drift)
    # The band: the level's variance with each poll's expected variance under the fitted
    # Student-t, given how far off the line it is ((dof + d) / (dof - 1) times its normal
    # variance, for squared standardised distance d), not the inverse of its expected
    # precision, which the line's estimate weighs it by ((dof + d) / (dof + 1)): that counts a
    # poll near the line as more precise than any poll is (1.2 times, at dof 5). The two agree
    # as the tails go normal.
    expected = (sampling_var + np.exp(log_extra)) * scale * (dof + 1) / (dof - 1)
    level_var = smooth(adjusted, expected, day, days, drift)[1]
    offset_sd = {}
    if effects is not None:
        # Only of offsets something measured and took off: a population no pollster asks beside
        # adults is taken as polled, its gap kept in its pollsters' leans, whose uncertainty the
        # band carries already. Its prior's 3 points (+-5.9) widened the band of every day resting
        # on it: Rasmussen's year of likely voters' polls, 2.8 points wide alone, 12.2 once a
        # month of other firms' polls of adults came beside it.
        taken = effects[(effects["pairs"] + effects["apart"]) > 0]
        sd = (taken["upper"] - taken["lower"]) / (2 * Z95)
        offset_sd = dict(zip(taken["population"], sd, strict=True))
    level_var = level_var + estimated_offsets_variance(
        codes,
        house_se,
        kept,
        centre,
        polls["population"].to_numpy(),
        offset_sd,
        obs_var,
        day,
        days,
        drift,
    )
    lower, upper = share_band(level, level_var, low, high)
    daily = pd.DataFrame(
        {
            "date": dates,
            "estimate": np.clip(level, lower, upper),  # a level past 100 is drawn at the edge
            "lower": lower,
            "upper": upper,
        }
    )
    leans = pd.DataFrame(
        {
            "pollster": pollsters,
            "effect": house,
            "lower": house - Z95 * house_se,
            "upper": house + Z95 * house_se,
            "polls": np.bincount(codes, minlength=len(pollsters)),
        }
    ).sort_values("effect", ascending=False, ignore_index=True)
    used = polls.assign(
        day=dates[day], weight=1 / obs_var, outlier=surprise > OUTLIER_Z**2, adjusted=adjusted
    )
    # Overlapping tracking releases left out of the fit are listed with no weight.
    left_out = everything[~independent]
    if not left_out.empty:
        middle = (
            left_out["fieldwork_start"]
            + (left_out["fieldwork_end"] - left_out["fieldwork_start"]) / 2
        )
        left_out = left_out.assign(
            day=middle.dt.floor("D"),
            weight=0.0,
            outlier=False,
            adjusted=(left_out["value"] - left_out["population_offset"]).to_numpy(dtype="float64")
            - house[pd.Index(pollsters).get_indexer(left_out["pollster"])],
        )
        used = pd.concat([used, left_out]).sort_values("fieldwork_end", ignore_index=True)
    return Trend(
        leader,
        metric,
        population,
        daily,
        leans,
        used,
        float(np.exp(log_drift / 2)),
        float(np.exp(log_extra / 2)),
        measure,
        effects,
        dof=dof,
        reference=reference,
    )
