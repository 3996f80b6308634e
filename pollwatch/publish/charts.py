"""Trend charts a data journalist could publish: every poll as a dot, the average and its band,
the latest value labelled, dated events marked, a source credit. PNG for the page, SVG for print.
The x axis is the middle day of each poll's fieldwork.

Figures are made with matplotlib's object API, not pyplot: no global figure registry to leak
into, no GUI backend to choose, and half a second less to import. This module puts a chart
together; its look, its marks, the text around its plot, its date axis and its events are each
decided in a module of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from pollwatch.model.trends import FAR_DAYS, Trend
from pollwatch.publish.chart_labels import (
    keep_in_frame,
    label_latest,
    laid_out_once,
    legend_name,
    legend_past,
)
from pollwatch.publish.chart_marks import (
    GUESS_DASH,
    band_near_polls,
    dodged_days,
    draw_average,
    draw_margins,
    draw_realtime,
    reaching,
)
from pollwatch.publish.chart_style import OKABE_ITO, OTHER, drawing
from pollwatch.publish.date_axis import frame_dates, tick_dates
from pollwatch.publish.dated_events import events_for, mark_events
from pollwatch.publish.wording import axis_label, measure_label

DENSE_DOTS = 1500
# A series of fewer polls than this is drawn as a sparse one: each poll with its own margin of
# error. On days further than FAR_DAYS from any poll, in any series, the average is dashed and its
# band only outlined (dashed), not filled: a band months wide would be the loudest thing on the
# chart and say the least, and a solid line would pass years without polls off as data.
SPARSE_POLLS = 40
# From this many polls the dots cover the band: they are drawn fainter and the band's edges are
# drawn too (on 538's Biden polls, 2,656 dots hid a band 1.4 points wide whose legend said it was
# there).
CROWDED_POLLS = 300
# The comparison's lines past the seventh colour, none a dash like GUESS_DASH: a dashed line there
# read as "no poll near" all the way.
LINE_STYLES = ["-", ":", "-."]


@dataclass
class ChartFiles:
    png: Path
    svg: Path
    # The names on the chart with letters no font of chart_style.FONTS has: drawn as boxes.
    boxed: tuple[str, ...] = ()


@dataclass
class ChartJob:
    """One chart to draw: a series' trend chart, or the comparison of several (`comparison`)."""

    stem: str
    trends: list[Trend]
    events: pd.DataFrame
    countries: set[str]
    out_dir: Path
    credit: str
    comparison: bool = False


def draw(job: ChartJob) -> ChartFiles:
    """Draw a chart as PNG and SVG: a plain function of its job, so a process pool can run it."""
    if job.comparison:
        return comparison_chart(
            job.trends, job.events, job.countries, job.out_dir, job.stem, job.credit
        )
    [trend] = job.trends
    return trend_chart(trend, job.events, job.countries, job.out_dir, job.stem, job.credit)


def pollster_colours(polls: pd.DataFrame) -> dict[str, str]:
    """The most prolific pollsters get the palette's colours; everyone else is grey."""
    ranked = polls["pollster"].value_counts().index.tolist()
    return {name: OKABE_ITO[i] if i < len(OKABE_ITO) else OTHER for i, name in enumerate(ranked)}


def trend_chart(
    trend: Trend, events: pd.DataFrame, countries: set[str], out_dir: Path, stem: str, credit: str
) -> ChartFiles:
    with drawing(_names([trend], events)) as boxed:
        files = _save(trend_figure(trend, events, countries, credit), out_dir, stem)
    return replace(files, boxed=tuple(boxed))


def trend_figure(trend: Trend, events: pd.DataFrame, countries: set[str], credit: str) -> Figure:
    """One series' chart, laid out, not yet saved (drawn under chart_style.STYLE, as trend_chart
    draws it)."""
    fig = _figure()
    ax = fig.subplots()
    polls = trend.polls
    colours = pollster_colours(polls)
    sizes = 12 + 38 * np.sqrt(polls["sample_size"].fillna(1000).clip(100, 20000) / 1000)
    # Thousands of dots as SVG paths make a file of megabytes that takes seconds to write and
    # to open; past DENSE_DOTS they go into the SVG as one 200 dpi image, under vector lines,
    # bands and text (the PNG is a raster anyway).
    dense = len(polls) > DENSE_DOTS
    crowded = len(polls) >= CROWDED_POLLS
    sparse = len(polls) < SPARSE_POLLS
    daily = trend.daily
    end = daily["date"].iloc[-1]
    if trend.realtime is not None and len(trend.realtime) > 1:  # it ends as the newest was public
        # ... up to FAR_DAYS on: a poll published three years after its fieldwork drew three
        # empty years of a flat step, and squeezed every poll into a tenth of the chart.
        end = max(end, min(trend.realtime["date"].iloc[-1], end + pd.Timedelta(days=FAR_DAYS)))
    drawn_on = dodged_days(polls, daily["date"].iloc[0], end) if sparse else polls["day"]
    for pollster, colour in colours.items():
        mine = polls["pollster"] == pollster
        label = legend_name(pollster) if colour != OTHER else None
        ax.scatter(
            drawn_on[mine],
            polls.loc[mine, "value"],
            s=sizes[mine],
            color=colour,
            alpha=0.35 if crowded else 0.55,
            linewidths=0,
            label=label,
            zorder=2,
            rasterized=dense,
        )
    if OTHER in colours.values():
        others = sum(c == OTHER for c in colours.values())
        ax.scatter([], [], s=30, color=OTHER, label=f"{others} other pollsters")
    far = trend.far_from_polls()
    if sparse:
        draw_margins(ax, trend, drawn_on)
    draw_average(ax, daily, far, crowded)
    draw_realtime(ax, trend.realtime)
    frame_dates(ax, daily["date"].iloc[0], end)
    latest = label_latest(ax, trend)
    mark_events(ax, events_for(events, countries, daily["date"].iloc[0], daily["date"].iloc[-1]))
    population = "" if trend.population == "all" else f", {trend.population.replace('_', ' ')}"
    ax.set_title(
        f"{trend.leader}: {measure_label(trend.metric, trend.measure)}{population}",
        loc="left",
        fontsize=14,
        fontweight="bold",
    )
    ax.set_ylabel(axis_label(trend.metric, trend.measure))
    tick_dates(ax)
    low = -100 if trend.measure == "net" else 0
    # Room of 2% beyond 0 and 100, so that a poll of 100% is a whole dot, not half of one.
    pad = 0.02 * (100 - low)
    ax.set_ylim(max(low - pad, ax.get_ylim()[0]), min(100 + pad, ax.get_ylim()[1]))
    keep_in_frame(ax, latest, trend.latest["estimate"])
    if trend.measure == "net":
        ax.axhline(0, color="#7a7a7a", linewidth=0.8, zorder=1)

    legend_past(ax, latest)
    fig.text(0.01, 0.005, credit, fontsize=7.5, color="#555555", ha="left", va="bottom")
    laid_out_once(fig)
    legend_past(ax, latest, laid_out=True)
    return fig


def comparison_chart(
    trends: list[Trend],
    events: pd.DataFrame,
    countries: set[str],
    out_dir: Path,
    stem: str,
    credit: str,
) -> ChartFiles:
    """Several leaders and measures on one time axis; the legend names each measure."""
    with drawing(_names(trends, events)) as boxed:
        files = _save(comparison_figure(trends, events, countries, credit), out_dir, stem)
    return replace(files, boxed=tuple(boxed))


def comparison_figure(
    trends: list[Trend], events: pd.DataFrame, countries: set[str], credit: str
) -> Figure:
    """The comparison chart, laid out, not yet saved. A series' band is drawn only near its
    polls and its line dashed between polls far apart, as on its own chart: a band 60 points
    wide across the chart would hide every other line."""
    fig = _figure()
    ax = fig.subplots()
    guessed = False
    for index, trend in enumerate(trends):
        colour = OKABE_ITO[index % len(OKABE_ITO)]
        style = LINE_STYLES[index // len(OKABE_ITO) % len(LINE_STYLES)]
        daily, far = trend.daily, trend.far_from_polls()
        band_near_polls(ax, daily, far, colour)
        ax.plot(
            daily["date"],
            daily["estimate"].where(~far),
            color=colour,
            linestyle=style,
            linewidth=2,
            label=legend_name(f"{trend.leader}: {trend.metric}"),
        )
        if far.any():
            guessed = True
            ax.plot(
                daily["date"],
                daily["estimate"].where(reaching(far)),
                color=colour,
                linestyle=GUESS_DASH,
                linewidth=1.4,
            )
    if guessed:
        ax.plot(
            [],
            [],
            color=OTHER,
            linestyle=GUESS_DASH,
            linewidth=1.4,
            label=f"no poll within {FAR_DAYS} days (no band drawn)",
        )
    if trends:
        start = min(t.daily["date"].iloc[0] for t in trends)
        end = max(t.daily["date"].iloc[-1] for t in trends)
        frame_dates(ax, start, end)

        mark_events(ax, events_for(events, countries, start, end))
    ax.set_title("Leaders compared", loc="left", fontsize=14, fontweight="bold")
    ax.set_ylabel("% (each line's own measure)")
    tick_dates(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8.5)
    fig.text(0.01, 0.005, credit, fontsize=7.5, color="#555555", ha="left", va="bottom")
    return fig


def _figure() -> Figure:
    """A chart's figure, its layout leaving a strip at the bottom for the credit line (the
    layout does not see text placed on the figure, and put the axis labels over it)."""
    return Figure(figsize=(10, 5.2), layout=ConstrainedLayoutEngine(rect=(0, 0.035, 1, 0.965)))


def _save(fig, out_dir: Path, stem: str) -> ChartFiles:
    out_dir.mkdir(parents=True, exist_ok=True)
    files = ChartFiles(out_dir / f"{stem}.png", out_dir / f"{stem}.svg")
    fig.savefig(files.png, dpi=150, metadata={"Software": "pollwatch"})
    fig.set_layout_engine("none")  # the layout is done: the SVG keeps it rather than redo it
    fig.savefig(files.svg, metadata={"Date": None}, dpi=200)
    return files


def _names(trends: list[Trend], events: pd.DataFrame) -> list[str]:
    """The texts of a chart that come from the data: leaders, pollsters, events."""
    names = [t.leader for t in trends] + list(events.get("label", []))
    return names + [p for t in trends for p in t.polls["pollster"].unique()]
