"""The report's real-time lines: on each headline chart (a leader's measure, all populations,
the positive share), what the tracker would have published week after week
(model.realtime_line.realtime_line).

Each day's figure is a refit, so they are remembered between reports (Cache.realtime) under a
key naming everything the figure came from: a report after a one-file ingest refits only the
days that file changed, usually the last. Disapproval and net charts have none: each would cost
as many refits again (a first report of 538's and the French files took 90 s more per measure).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import pandas as pd

from pollwatch.model.populations import ALL_POPULATIONS
from pollwatch.model.realtime_line import realtime_days, realtime_line
from pollwatch.model.trends import Trend
from pollwatch.publish.cache import Cache
from pollwatch.publish.parallel import run_all

progress = logging.getLogger("pollwatch.progress")


@dataclass
class RealtimeJob:
    versions: pd.DataFrame  # every version of the series' polls
    leader: str
    metric: str
    measure: str
    days: list[tuple[pd.Timestamp, str]]  # the line's days and their keys (realtime_days)
    known: dict[str, float]
    stop_at: float  # a time.time(): no refit starts after it


def line_of(job: RealtimeJob) -> pd.DataFrame:
    return realtime_line(
        job.versions, job.leader, job.metric, job.measure, job.days, job.known, job.stop_at
    )


def with_realtime(
    trends: list[Trend],
    versions: pd.DataFrame,
    cache: Cache,
    seconds: float,
    until: pd.Timestamp | None = None,
) -> list[Trend]:
    """The trends, the headline ones charted with a line (all populations, the positive share,
    more than one poll) carrying their real-time line; how many of the lines' days were left
    for later goes to the cache (Cache.realtime_unfinished). Refits run on every core when
    there are enough polls to pay, and none starts after `seconds` (POLLWATCH_REALTIME_SECONDS):
    a first report of a long history would take minutes (20 series of 5,000 polls: 260 s), so
    it draws the newest days of each line and the next reports, which remember them, draw the
    rest."""
    known = cache.realtime()
    stop_at = time.time() + seconds
    charted = [
        t
        for t in trends
        if t.population == ALL_POPULATIONS and t.measure == "positive" and len(t.polls) > 1
    ]
    by_series = {name: found for name, found in versions.groupby(["leader", "metric"], sort=False)}
    jobs = []
    for t in charted:
        mine = by_series[(t.leader, t.metric)]
        days = realtime_days(mine, t.measure, until)  # `until`: a report as it stood that day
        jobs.append(RealtimeJob(mine, t.leader, t.metric, t.measure, days, known, stop_at))
    # The work is a fit of the series' polls for each day not known: worth a pool when many.
    refits = [sum(key not in known for _, key in j.days) for j in jobs]
    if sum(refits) >= 100:  # a first report of a long history: tens of seconds
        progress.info(
            "real-time lines: refitting up to %d past days of %d series for %.0f s"
            " (later reports reuse them, and refit what is left)",
            sum(refits),
            sum(n > 0 for n in refits),
            seconds,
        )
    lines = run_all(
        line_of, jobs, polls=sum(len(j.versions) * n for j, n in zip(jobs, refits, strict=True))
    )
    done = {}
    for trend, line in zip(charted, lines, strict=True):
        cache.keep_realtime(line)
        done[id(trend)] = replace(trend, realtime=line[["date", "estimate"]])
    cache.realtime_unfinished = sum(line.attrs.get("unfinished", 0) for line in lines)
    return [done.get(id(t), t) for t in trends]
