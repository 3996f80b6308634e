"""What counts as one poll, and how much it weighs, before any line is fitted.

A poll may arrive as several rows (its populations, its questions), and a tracker releases waves
that share their interviews; every line is fitted to each poll once, weighted by the interviews it
adds. The series, the measures and the fit all count polls the one way kept here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.columns import POPULATIONS

# 538's order: a poll that reports several populations counts once, as its first of these.
POPULATION_PRIORITY = {name: rank for rank, name in enumerate(POPULATIONS)}
DEFAULT_SAMPLE_SIZE = 1000
POLL_IDENTITY = ["pollster", "leader", "metric", "fieldwork_start", "fieldwork_end"]


def one_version_per_poll(polls: pd.DataFrame) -> pd.DataFrame:
    """One row per poll: its first population in 538's order, its questions averaged."""
    return _versions(polls, first=True)


def other_versions(polls: pd.DataFrame) -> pd.DataFrame:
    """The versions one_version_per_poll leaves out: a poll's other populations (registered
    voters beside its adults), each with its questions averaged. They tell how populations
    differ when the same poll asks both."""
    return _versions(polls, first=False)


def _versions(polls: pd.DataFrame, first: bool) -> pd.DataFrame:
    """The aggregation is spelled out in numpy: a report's real-time lines select each series
    again for every day they refit, and pandas' named aggregations took three times longer."""
    rank = polls["population"].map(POPULATION_PRIORITY).fillna(99).to_numpy()
    poll = polls.groupby(POLL_IDENTITY, dropna=False, sort=False).ngroup().to_numpy()
    lowest = np.full(poll.max() + 1 if len(poll) else 0, np.inf)
    np.minimum.at(lowest, poll, rank)
    kept = polls[(rank == lowest[poll]) == first]
    version = kept.groupby([*POLL_IDENTITY, "population"], dropna=False).ngroup().to_numpy()
    count = version.max() + 1 if len(version) else 0
    row = np.full(count, len(kept))
    np.minimum.at(row, version, np.arange(len(kept)))
    found = kept.iloc[row][[*POLL_IDENTITY, "population"]].reset_index(drop=True)

    def mean(column: str) -> np.ndarray:
        if column not in kept:
            return np.full(count, np.nan)
        values = kept[column].to_numpy(dtype="float64")
        given = ~np.isnan(values)
        total = np.bincount(version, np.where(given, values, 0), count)
        with np.errstate(invalid="ignore", divide="ignore"):
            return total / np.bincount(version, given, count)

    largest = np.full(count, -np.inf)
    np.fmax.at(largest, version, kept["sample_size"].to_numpy(dtype="float64"))
    return found.assign(
        positive_pct=mean("positive_pct"),
        negative_pct=mean("negative_pct"),
        sample_size=np.where(np.isneginf(largest), np.nan, largest),
        tracking=np.bincount(version, kept["tracking"].to_numpy(dtype="float64"), count) > 0,
        questions=np.bincount(version, minlength=count),
    )


def effective_sample_sizes(polls: pd.DataFrame) -> pd.Series:
    """Sample sizes to weight by: a missing size is the pollster's median, else the overall one;
    a tracking poll counts only the days its window adds since the pollster's last release."""
    reported = polls["sample_size"].astype("float64")
    overall = reported.median()
    sizes = reported.fillna(reported.groupby(polls["pollster"]).transform("median"))

    sizes = sizes.fillna(DEFAULT_SAMPLE_SIZE if pd.isna(overall) else overall)
    window = (polls["fieldwork_end"] - polls["fieldwork_start"]).dt.days + 1
    previous_end = (
        polls.sort_values("fieldwork_end")
        .groupby(["pollster", "population"])["fieldwork_end"]
        .shift()
    )
    gap = (polls["fieldwork_end"] - previous_end.reindex(polls.index)).dt.days
    fresh = (gap / window).clip(upper=1).fillna(1).where(polls["tracking"].astype(bool), 1)
    return sizes * fresh.clip(lower=1 / window.clip(lower=1))


def non_overlapping_releases(polls: pd.DataFrame) -> np.ndarray:
    """Which polls to fit: every non-tracking poll, and of each tracking series (pollster and
    population) the latest release and, going back, each release whose fieldwork ended before the
    last kept one's began. Overlapping releases share interviews, so counting them all as
    separate polls would overstate what is known and understate the survey error."""
    keep = np.ones(len(polls), dtype=bool)
    tracking = polls["tracking"].astype(bool).to_numpy()
    if not tracking.any():
        return keep
    releases = polls[tracking].sort_values("fieldwork_end", ascending=False)
    for _, series in releases.groupby(["pollster", "population"], dropna=False, sort=False):
        boundary = None
        for index, begun, ended in zip(
            series.index, series["fieldwork_start"], series["fieldwork_end"], strict=True
        ):
            if boundary is not None and ended >= boundary:
                keep[index] = False
            else:
                boundary = begun
    return keep
