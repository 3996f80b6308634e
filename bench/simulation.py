"""Polls simulated from a known true curve, to measure how well the trend model recovers it.

The simulation has what makes real averaging hard: pollsters with steady leans, samples of
different sizes, survey error beyond sampling, a daily tracking poll whose releases overlap, and
a few wild outliers. Tests and the accuracy benchmark both use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

START = pd.Timestamp("2022-01-01")


@dataclass
class Simulated:
    polls: pd.DataFrame  # canonical columns the trend model reads
    truth: pd.Series  # the true share by date
    house_effects: pd.Series  # each pollster's true lean (they average zero over pollsters)


def simulate_polls(
    seed: int = 1,
    days: int = 400,
    pollsters: int = 12,
    extra_sd: float = 1.5,
    house_sd: float = 2.0,
    outlier_share: float = 0.02,
    every: tuple[int, int] = (5, 24),
    tracker: bool = True,
    level: float = 45,
    populations: dict[str, float] | None = None,
    paired: float = 0.4,
    population_spread: float = 0.0,
    swing: float = 6.0,
) -> Simulated:
    """`every`: the least and most days between one pollster's polls ((28, 32) is a monthly series,
    as Levada's); `tracker`: add a daily tracking poll; `level`: the truth's mean share (of all
    adults). `populations`: each population's true offset from adults (adults 0); each poll then
    asks one of them at random, and a share `paired` of those not of adults reports its adults
    too, from the same interviews (the voters a subsample), as many real polls do.
    `swing`: the amplitude of the truth's slow swing (a 240-day sine) beside its random walk.
    `population_spread`: how far one pollster's gap between a population and adults strays from
    that population's offset (sd, points). Pollsters screen voters differently: on 538's Biden
    file the registered voters' gap is +0.5 in Morning Consult's polls and +2.4 in YouGov's."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    walk = np.cumsum(rng.normal(0, 0.15, days))
    truth = level + swing * np.sin(2 * np.pi * t / 240) + walk - walk.mean()
    names = [f"Pollster {chr(65 + i)}" for i in range(pollsters)]
    leans = rng.normal(0, house_sd, pollsters + 1)  # the last, the tracker's (drawn either way)
    # The average pollster of those polling is right: that is what an average can know. Centred
    # over the tracker too when there is none, the two pollsters of the sparse simulation leaned
    # 0.8 points (rms) off the truth together, an error no band can see.
    polling = leans if tracker else leans[:-1]
    leans -= polling.mean()
    # Drawn only when asked for, so that every other simulation's random stream is unchanged.
    strays = np.zeros((pollsters, len(populations or {})))
    if population_spread:
        strays = rng.normal(0, population_spread, strays.shape)
    rows = []
    for index, name in enumerate(names):
        gap = int(rng.integers(every[0], every[1] + 1))
        for end in range(int(rng.integers(0, gap)), days, gap):
            length = int(rng.integers(2, 6))
            start = max(0, end - length + 1)
            size = int(rng.integers(500, 2000))
            rows.append(_poll(rng, truth, name, leans[index], start, end, size, extra_sd, False))
            if populations:
                gaps = {
                    population: offset + stray if offset else 0.0
                    for (population, offset), stray in zip(
                        populations.items(), strays[index], strict=True
                    )
                }
                rows += _population_versions(rng, rows.pop(), gaps, paired)
    if tracker:
        rows += _tracking_releases(rng, truth, "Daily Tracker", leans[-1], extra_sd)
    polls = pd.DataFrame(rows)
    wild = rng.random(len(polls)) < outlier_share
    polls.loc[wild, "positive_pct"] += rng.choice([-12.0, 12.0], wild.sum())
    dates = pd.date_range(START, periods=days, freq="D")
    house = pd.Series(leans, index=[*names, "Daily Tracker"])[: len(polling)]
    return Simulated(polls, pd.Series(truth, index=dates), house)


def _record(pollster: str, start: int, end: int, size: int, share: float, tracking: bool) -> dict:
    """One simulated poll as the canonical columns the trend model reads."""
    return {
        "pollster": pollster,
        "leader": "Simulated Leader",
        "metric": "approval",
        "population": "adults",
        "fieldwork_start": START + pd.Timedelta(days=start),
        "fieldwork_end": START + pd.Timedelta(days=end),
        "sample_size": size,
        "positive_pct": share,
        "tracking": tracking,
    }


def _poll(rng, truth, pollster, lean, start, end, size, extra_sd, tracking) -> dict:
    true_share = truth[start : end + 1].mean() + lean
    sampling_sd = np.sqrt(true_share * (100 - true_share) / size)
    measured = true_share + rng.normal(0, sampling_sd) + rng.normal(0, extra_sd)
    return _record(pollster, start, end, size, measured, tracking)


def _population_versions(
    rng, poll: dict, populations: dict[str, float], paired: float
) -> list[dict]:
    """The poll as asked of one population (its pollster's offset for it added), and, for a
    share `paired` of those not of adults, the same poll's adults: the voters are three quarters
    of its sample, so the two differ by the offset and the sampling error of the difference
    only."""
    names = list(populations)
    population = names[int(rng.integers(0, len(names)))]
    offset = populations[population]
    asked = poll | {"population": population, "positive_pct": poll["positive_pct"] + offset}
    versions = [asked]
    if populations[population] != 0 and rng.random() < paired:
        p = np.clip(poll["positive_pct"], 1, 99) / 100
        size = poll["sample_size"]
        spread = 100 * np.sqrt(p * (1 - p) * (1 / (0.75 * size) - 1 / size))
        adults = poll["positive_pct"] + rng.normal(0, np.hypot(spread, 0.5))
        versions.append(poll | {"population": "adults", "positive_pct": adults})
        asked["sample_size"] = int(0.75 * size)
    return versions


def _tracking_releases(rng, truth, pollster, lean, extra_sd, window=3, daily_size=500):
    """A tracker interviews daily_size people a day and releases the last `window` days' mean
    every day, so consecutive releases share most of their interviews (and their errors)."""
    days = len(truth)
    sampling_sd = np.sqrt(truth * (100 - truth) / daily_size)
    daily = truth + lean + rng.normal(0, sampling_sd) + rng.normal(0, extra_sd, days)
    return [
        _record(
            pollster,
            end - window + 1,
            end,
            daily_size * window,
            daily[end - window + 1 : end + 1].mean(),
            True,
        )
        for end in range(window - 1, days)
    ]


def moving_average(polls: pd.DataFrame, dates: pd.DatetimeIndex, days: int = 14) -> pd.Series:
    """The plain average people compute by hand: every poll whose fieldwork ended in the last
    `days` days, unweighted."""
    ends = polls["fieldwork_end"].to_numpy()
    values = polls["positive_pct"].to_numpy()
    out = []
    for date in dates:
        recent = (ends <= date.to_datetime64()) & (
            ends > (date - pd.Timedelta(days=days)).to_datetime64()
        )
        out.append(values[recent].mean() if recent.any() else np.nan)
    return pd.Series(out, index=dates)
