"""How close the trend model comes to the truth, printed beside the plain alternatives.

(a) 538's Biden approval polls (tests/fixtures/real): mean absolute difference from 538's own
    published average, 2021-02-01 to 2023-01-31, for the smoothed estimate (all polls) and the
    real-time line the report draws (realtime_line.realtime_line: each Monday, refitted on the polls
    public then). Target: at most 0.45 each (issue 12). Then the same for 538's Trump polls of
    2019-09 to 2021-01 against its Trump average (no target of its own): a second president and
    period, so that the model is not fitted to one file; and against 538's line of adults for
    Trump, which 538 published beside its "All polls" one: our line reads as adults.
(b) Simulated polls from a known curve (bench.simulation), 40 seeds each: the model's mean
    absolute error against the truth beside a plain 14-day moving average's (target: at most
    half), and how often the 95% band holds the truth (target: 93-97% of days), on a dense
    simulation (a dozen pollsters and a daily tracker) and a sparse one (two pollsters a month,
    near 80%).
(c) Simulated polls of three populations with known offsets from adults (registered voters
    +1.5, likely voters +3.5), 100 seeds, a seed's line printed where an interval missed: how
    often each estimated offset's 95% interval holds the truth (target: both, in at least 90%
    of seeds), and the line's error against the adults' truth
    beside the same polls averaged unadjusted; with every pollster's gap the population's, and
    with each pollster's own gap straying from it by 1 point (sd), as on 538's Biden file; with
    40% of voters' polls reporting adults too, as 538's do, and with none (each poll asks one
    population, each pollster asks them in turn), as most published polls are.

Run: .venv/bin/python bench/accuracy.py   (or make bench)
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bench.simulation import moving_average, simulate_polls
from pollwatch.config import load_settings
from pollwatch.ingest.run import run_ingest
from pollwatch.model.polls import one_version_per_poll
from pollwatch.model.realtime_line import realtime_line
from pollwatch.model.series import fit_series, select_series
from pollwatch.model.trends import fit_trend
from pollwatch.store import open_store

REAL = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "real"
# The simulations' targets are shares of days and of seeds, and 10 seeds cannot tell them: a
# seed's band holds the truth on 88-100% of its days, and where both offsets' intervals hold in
# 94% of seeds, 8 of 10 or fewer happens once in 8 runs (seeds 1-10 gave 8; 1-40 gave 35, 88%;
# 1-100, 94). A share of seeds is told to +-2.4 points by 100 of them, a share of days by 40.
SEEDS = range(1, 41)
OFFSET_SEEDS = range(1, 101)


@dataclass(frozen=True)
class Published:
    """One of 538's published approval averages and the poll file it was drawn from."""

    leader: str
    polls: str  # the poll file, in tests/fixtures/real
    read: Callable[[str], pd.DataFrame]  # the published line of a measure: date, pct_estimate
    window: tuple[str, str]  # the days compared
    target: bool  # the target is set on this one
    # 538's line of adults' approval alone, where it published one: what a line read as adults
    # is like for like with (its "All polls" line is not: it sits 1.1 points above its adults')
    adults: Callable[[str], pd.DataFrame] | None = None


def _biden(measure: str) -> pd.DataFrame:
    published = pd.read_csv(
        REAL / "fte_joe_biden_approval_average_old_model.csv", parse_dates=["date"]
    )
    answer = {"positive": "Approve", "negative": "Disapprove"}[measure]
    return published[published["answer"] == answer][["date", "pct_estimate"]]


def _trump(measure: str, subgroup: str = "All polls") -> pd.DataFrame:
    published = pd.read_csv(REAL / "fte_trump_approval_topline_2019-09_2021-01.csv")
    published = published[published["subgroup"] == subgroup]
    return pd.DataFrame(
        {
            "date": pd.to_datetime(published["modeldate"], format="%m/%d/%Y"),
            "pct_estimate": published[
                f"{'approve' if measure == 'positive' else 'disapprove'}_estimate"
            ],
        }
    )


PUBLISHED = (
    Published(
        "Joe Biden",
        "fte_president_approval_polls_biden_2023-01.csv",
        _biden,
        ("2021-02-01", "2023-01-31"),
        True,
    ),
    # The Trump poll file is the newest 3,000 rows of 538's (fieldwork from 2019-09-17): the
    # comparison starts six weeks in, once the line no longer rests on its first few polls.
    Published(
        "Donald Trump",
        "fte_president_approval_polls_2021-01_head3000.csv",
        _trump,
        ("2019-11-01", "2021-01-19"),
        False,
        lambda measure: _trump(measure, "Adults"),
    ),
)


def against_538(published: Published) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=tmp, settle_seconds=0)
        run_ingest([REAL / published.polls], settings)
        store = open_store(settings, read_only=True)
        polls, versions = store.polls(), store.versions()
    leader = published.leader
    polls = polls[polls["leader"] == leader]
    approve = published.read("positive")
    target = "(target <= 0.45)" if published.target else "(no target of its own)"
    started = time.perf_counter()
    series = select_series(polls, leader, "approval")
    trend = fit_series(series)
    seconds = time.perf_counter() - started
    gap = _gap(trend.daily, approve, published.window)
    smoothed = float(gap.abs().mean())
    both = trend.daily.merge(approve, on="date")
    both = both[(both["date"] >= published.window[0]) & (both["date"] <= published.window[1])]
    inside = both["pct_estimate"].between(both["lower"], both["upper"]).mean()
    width = (both["upper"] - both["lower"]).mean()
    print(
        f"(a) 538 {leader} approval, {len(polls)} poll rows, {len(gap)} days"
        f" ({published.window[0]} to {published.window[1]}), fit {seconds:.2f} s"
    )
    print(
        f"    smoothed (every poll): mean |ours - 538| {smoothed:.3f}, signed "
        f"{gap.mean():+.3f} {target}; " + _level_and_shape(trend.daily, approve, published.window)
    )
    print(
        f"    538's line inside our 95% band on {inside:.0%} of days (our band {width:.2f} points"
        " wide on average; it is the band of the adults' approval, not of 538's estimate)"
    )
    started = time.perf_counter()
    line = realtime_line(versions, leader, "approval")
    seconds = time.perf_counter() - started
    gap = _gap(line, approve, published.window)
    realtime = float(gap.abs().mean())
    print(
        f"    real time (the report's line: refitted each Monday on the polls public then, each"
        f" public from the day 538 entered it, its file's created_at;"
        f" {len(line)} refits, {seconds:.1f} s): mean |ours - 538| {realtime:.3f}, signed "
        f"{gap.mean():+.3f} {target}; " + _level_and_shape(line, approve, published.window)
    )
    if published.adults is not None:
        adults = published.adults("positive")
        smoothed_gap = _gap(trend.daily, adults, published.window)
        gap = _gap(line, adults, published.window)
        above = -_gap(
            adults.rename(columns={"pct_estimate": "estimate"}), approve, published.window
        )
        print(
            f"    against 538's line of adults (like for like: ours reads as adults): smoothed"
            f" {smoothed_gap.abs().mean():.3f}, signed {smoothed_gap.mean():+.3f}; real time"
            f" {gap.abs().mean():.3f}, signed {gap.mean():+.3f}; 538's line of all polls sits"
            f" {above.mean():+.2f} from its adults'"
        )
    unadjusted = fit_trend(series.polls.assign(population="adults"), leader, "approval")
    gap = _gap(unadjusted.daily, approve, published.window)
    effects = ", ".join(
        f"{row.population} {row.effect:+.2f}" for row in trend.population_effects.itertuples()
    )
    print(
        f"    populations taken to adults ({effects}); the same polls unadjusted: smoothed "
        f"{gap.abs().mean():.3f}, signed {gap.mean():+.3f}"
    )
    disapprove = fit_series(select_series(polls, leader, "approval", measure="negative"))
    gap = _gap(disapprove.daily, published.read("negative"), published.window)
    print(
        f"    disapproval, smoothed: mean |ours - 538| {gap.abs().mean():.3f}, signed"
        f" {gap.mean():+.3f}"
    )
    return smoothed, realtime


def _gap(
    line: pd.DataFrame, published: pd.DataFrame, window: tuple[str, str], later: int = 0
) -> pd.Series:
    """Ours minus 538's on each day of the window both have; ours drawn `later` days later."""
    both = line.assign(date=line["date"] + pd.Timedelta(days=later)).merge(published, on="date")
    both = both[(both["date"] >= window[0]) & (both["date"] <= window[1])]
    return both["estimate"] - both["pct_estimate"]


def _level_and_shape(line: pd.DataFrame, published: pd.DataFrame, window: tuple[str, str]) -> str:
    """The distance split in two: the level (the mean gap) and the shape (the mean distance once
    the level is taken off), and the shape again with our line drawn k days later, at the k of
    0-14 that fits best. A line of every poll anticipates a turn that a line published day by
    day, from the polls out by then, can only follow: the delay says how much of the distance
    is that."""

    def shape(days: int) -> float:
        gap = _gap(line, published, window, days)
        return float((gap - gap.mean()).abs().mean())

    best = min(range(15), key=shape)
    return f"shape {shape(0):.3f}, drawn {best} days later {shape(best):.3f}"


# Dense: a dozen pollsters every 5-24 days and a daily tracker. Sparse: two pollsters a month,
# as Levada's and FOM's series are, near 80%, where a band can reach 100.
# The error ratio's target is the dense simulation's: with two polls a month the 14-day moving
# average is empty on many days and scored only where it has a poll, so the ratio is not like for
# like there.
RATIO_TARGETS = {"dense": "target <= 0.50", "sparse": "no target of its own"}
SIMULATIONS = {
    "dense": {},
    "sparse": {"pollsters": 2, "every": (28, 32), "tracker": False, "level": 80, "days": 720},
}


def against_truth(kind: str) -> tuple[float, float]:
    ratios, coverages, widths = [], [], []
    print(f"(b) simulated polls, {kind}, seed: model MAE, 14-day MA MAE, ratio, 95% band coverage")
    for seed in SEEDS:
        sim = simulate_polls(seed, **SIMULATIONS[kind])
        trend = fit_trend(one_version_per_poll(sim.polls), "Simulated Leader", "approval")
        daily = trend.daily.set_index("date")
        truth = sim.truth.reindex(daily.index)
        model = (daily["estimate"] - truth).abs().mean()
        plain = (moving_average(sim.polls, daily.index) - truth).abs().mean()
        covered = ((truth >= daily["lower"]) & (truth <= daily["upper"])).mean()
        ratios.append(model / plain)
        coverages.append(covered)
        widths.append((daily["upper"] - daily["lower"]).mean())
        print(
            f"    {seed:>2}: {model:.3f}  {plain:.3f}  {model / plain:.2f}  {covered:.1%}"
            f"  (band {widths[-1]:.1f} points wide, {len(sim.polls)} polls)"
        )
    ratio, coverage = float(np.nanmean(ratios)), float(np.mean(coverages))
    print(
        f"    mean ratio {ratio:.2f} ({RATIO_TARGETS[kind]}), mean coverage {coverage:.1%}"
        " (target 93-97%)"
    )
    return ratio, coverage


TRUE_OFFSETS = {"adults": 0.0, "registered_voters": 1.5, "likely_voters": 3.5}


def population_offsets(spread: float, paired: float = 0.4) -> float:
    print(
        f"(c) simulated polls of three populations, pollsters' own gaps straying by {spread:g}"
        f" (sd), {paired:.0%} of voters' polls reporting adults too, seeds that missed: estimated"
        " offsets from adults (95% interval, polls reporting both, polls asked apart), line error"
        " against adults' truth, unadjusted"
    )
    held = []
    errors, plains = [], []
    for seed in OFFSET_SEEDS:
        sim = simulate_polls(
            seed, populations=TRUE_OFFSETS, paired=paired, population_spread=spread
        )
        series = select_series(sim.polls, "Simulated Leader", "approval")
        trend = fit_series(series)
        unadjusted = fit_trend(
            series.polls.assign(population="adults"), "Simulated Leader", "approval"
        )
        effects = trend.population_effects.set_index("population")
        inside = all(
            effects.loc[name, "lower"] <= offset <= effects.loc[name, "upper"]
            for name, offset in TRUE_OFFSETS.items()
            if offset
        )
        held.append(inside)
        truth = sim.truth.reindex(trend.daily["date"]).to_numpy()
        error = np.abs(trend.daily["estimate"].to_numpy() - truth).mean()
        plain = np.abs(unadjusted.daily["estimate"].to_numpy() - truth).mean()
        shown = ", ".join(
            f"{name} {row.effect:+.2f} ({row.lower:+.2f} to {row.upper:+.2f}, {row.pairs:.0f},"
            f" {row.apart:.0f})"
            for name, row in effects.iterrows()
        )
        errors.append(error)
        plains.append(plain)
        if not inside:
            print(f"    {seed:>2}: {shown}  MISSED  {error:.2f}  {plain:.2f}")
    share = float(np.mean(held))
    print(
        f"    both offsets inside their 95% interval in {sum(held)} of {len(held)} seeds,"
        f" {share:.0%} (target >= 90%); line error against adults' truth"
        f" {min(errors):.2f}-{max(errors):.2f}, unadjusted {min(plains):.2f}-{max(plains):.2f}"
    )
    return share


if __name__ == "__main__":
    smoothed, realtime = next(against_538(one) for one in PUBLISHED if one.target)
    for other in PUBLISHED:
        if not other.target:
            against_538(other)
    ratio, coverage = against_truth("dense")
    _, sparse_coverage = against_truth("sparse")
    # As 538's files have them (some polls report adults beside their voters), and as most
    # published polls are (each asks one population; pollsters ask each in turn).
    offsets_held = min(
        population_offsets(spread, paired) for paired in (0.4, 0.0) for spread in (0.0, 1.0)
    )
    met = (
        offsets_held >= 0.9
        and max(smoothed, realtime) <= 0.45
        and ratio <= 0.5
        and all(0.93 <= c <= 0.97 for c in (coverage, sparse_coverage))
    )
    print("targets met" if met else "targets NOT all met")
    sys.exit(0)
