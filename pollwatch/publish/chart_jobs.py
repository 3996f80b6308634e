"""Which charts a report draws, each with a key naming everything it shows, so that a chart
whose key the last report drew is copied rather than drawn again; and the drawing of the rest,
on every core when it is worth it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from pollwatch.model.populations import ALL_POPULATIONS
from pollwatch.model.trends import Trend
from pollwatch.publish import charts
from pollwatch.publish.cache import Cache, chart_key, frame_digest
from pollwatch.publish.parallel import run_all
from pollwatch.publish.series_view import polls_asked
from pollwatch.read.echo import counted

log = logging.getLogger("pollwatch.publish")

COMPARISON_YEARS = 5
COMPARISON_MIN_POLLS = 3
COMPARISON_MOST = 8
# A chart takes about as long to draw as 5,000 polls to fit (0.9 s, laid out and saved twice):
# Ipsos' 41 politicians, 126 polls in all, drew 124 charts on one core in 110 s.
CHART_WORTH = 5_000


def draw_charts(jobs: list[tuple[charts.ChartJob, str]], cache: Cache, before: Path) -> list[str]:
    """Copy each chart that the last report drew from the same things; draw the others (on every
    core when it is worth it). Returns the charts drawn."""
    todo = [(job, key) for job, key in jobs if not cache.chart(job.stem, key, before, job.out_dir)]
    weight = sum(len(t.polls) for job, _ in todo for t in job.trends) + CHART_WORTH * len(todo)
    drawn = run_all(charts.draw, [job for job, _ in todo], polls=weight)
    if boxed := sorted({name for files in drawn for name in files.boxed}):
        log.warning(
            "charts: no installed font has every letter of %s, drawn as boxes in the charts"
            " (the pages' text shows them): install one that has them, such as Debian's"
            " fonts-noto-cjk, and report again",
            ", ".join(boxed),
        )
    for job, key in todo:
        cache.keep_chart(job.stem, key)
    return [job.stem for job, _ in todo]


def _chart_credit(polls: pd.DataFrame, as_of: date | None = None) -> str:
    """What a chart says of its data; nothing that changes when the data does not, so an
    unchanged chart is the same file. An as-of chart says its day: a PNG is shared alone."""
    return (
        f"pollwatch · {counted(polls_asked(polls), 'poll')} by"
        f" {counted(polls['pollster'].nunique(), 'pollster')} · "
        f"fieldwork to {polls['fieldwork_end'].max():%Y-%m-%d}"
        + ("" if as_of is None else f" · as it stood on {as_of.isoformat()}")
    )


def series_job(
    trend: Trend,
    stem: str,
    fit_key: str,
    rows: pd.DataFrame,
    events: pd.DataFrame,
    countries: set[str],
    staging: Path,
    as_of: date | None = None,
) -> tuple[charts.ChartJob, str]:
    """A series' chart job and its key: the fit it draws (`fit_key`), its credit from the
    stored `rows` it is read from, the events and countries it marks and its real-time line."""
    credit = _chart_credit(rows, as_of)
    job = charts.ChartJob(stem, [trend], events, countries, staging / "charts", credit)
    drawn = (*_drawn_with(events, countries), _realtime_digest(trend))
    return job, chart_key(stem, fit_key, credit, *drawn)


def _realtime_digest(trend: Trend) -> str:
    """The real-time line a chart draws, and whether days of it are left for later (its
    legend says so)."""
    if trend.realtime is None:
        return ""
    return frame_digest(trend.realtime) + str(trend.realtime.attrs.get("unfinished", 0) > 0)


def comparison_job(
    fitted: list[tuple[Trend, str]],
    events: pd.DataFrame,
    polls: pd.DataFrame,
    staging: Path,
    as_of: date | None = None,
) -> tuple[tuple[charts.ChartJob, str], str] | None:
    """The comparison chart's job and key, and what its caption says of the years it spans and
    the lines it leaves out: Obama's line of 2015-16, out of the five years before Abe's last
    poll, was left out without a word, and Abe's drawn from mid-2016, where his polls start in
    January."""
    lines = [
        (t, key) for t, key in fitted if t.population == ALL_POPULATIONS and t.measure == "positive"
    ]
    chosen = [(t, key) for t, key in lines if len(t.polls) >= COMPARISON_MIN_POLLS]
    # A line of two polls has a chart of its own but too little to compare: it is named, not
    # left out without a word (the samples' Zelensky support); one poll is a card, not a line.
    few = [t for t, _ in lines if 1 < len(t.polls) < COMPARISON_MIN_POLLS]
    shown = [t for t, _ in chosen]
    if len(shown) < 2:
        return None
    end = max(t.daily["date"].iloc[-1] for t in shown)
    start = end - pd.DateOffset(years=COMPARISON_YEARS)
    in_window = [(t, key) for t, key in chosen if (t.daily["date"] >= start).any()]
    # Lines of other years leave a comparison of one (pollsposition's presidents of 1978-2022
    # drew Macron's alone under "Leaders compared"): none then.
    if len(in_window) < 2:
        return None
    # Past eight lines (the palette's colours), a chart of Ipsos' 41 French politicians shrank
    # its plot to a strip and cut its legend off after 26 names: the most polled in the window
    # are drawn, the others named in the caption.
    polled = {id(t): int((t.polls["day"] >= start).sum()) for t, _ in in_window}
    ranked = sorted(in_window, key=lambda pair: -polled[id(pair[0])])
    in_window, crowded = ranked[:COMPARISON_MOST], [t for t, _ in ranked[COMPARISON_MOST:]]
    windowed = [
        replace(trend, daily=trend.daily[trend.daily["date"] >= start]) for trend, _ in in_window
    ]
    # The credit counts the polls drawn, not the store's (those of the lines, in the window),
    # and the events marked are those of the lines' countries.
    drawn = polls.set_index(["leader", "metric"]).index.isin(
        [(t.leader, t.metric) for t in windowed]
    ) & (polls["fieldwork_end"] >= start)
    credit, countries = _chart_credit(polls[drawn], as_of), set(polls.loc[drawn, "country"])
    job = charts.ChartJob(
        "comparison", windowed, events, countries, staging / "charts", credit, comparison=True
    )
    drawn_from = [key for _, key in in_window]
    charted = {id(trend) for trend, _ in in_window} | {id(trend) for trend in crowded}  # or named
    left = [t for t in shown if id(t) not in charted]
    first = min(t.daily["date"].iloc[0] for t in windowed)
    window = f"From {first:%Y-%m-%d} to {end:%Y-%m-%d}, at most {COMPARISON_YEARS} years" + (
        "; not drawn, all of whose polls are older: "
        + ", ".join(
            f"{t.leader} ({t.metric}, to {t.daily['date'].iloc[-1]:%Y-%m-%d})" for t in left
        )
        if left
        else ""
    )
    # Older than the window too: a line of three such polls is named above, and one of two
    # was left out without a word.
    if few:
        window += f"; not drawn, of fewer than {COMPARISON_MIN_POLLS} polls: " + ", ".join(
            f"{t.leader} ({t.metric}, {counted(len(t.polls), 'poll')})" for t in few
        )
    if crowded:
        window += (
            f"; not drawn, past the {COMPARISON_MOST} lines with the most polls: "
            + ", ".join(
                f"{t.leader} ({t.metric}, {counted(polled[id(t)], 'poll')})" for t in crowded
            )
        )
    key = chart_key("comparison", credit, *drawn_from, *_drawn_with(events, countries))
    return (job, key), window


def _drawn_with(events: pd.DataFrame, countries: set[str]) -> tuple[str, str]:
    """What else a chart shows: the events file, and the countries it marks events for."""
    return frame_digest(events), ",".join(sorted(countries))
