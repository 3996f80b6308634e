"""Trend charts a data journalist could publish: every poll as a dot, the average and its band,
the latest value labelled, dated events marked, a source credit. PNG for the page, SVG for print.
The x axis is the middle day of each poll's fieldwork.

Colours are the Okabe-Ito palette, safe for the common forms of colour blindness; pollsters
beyond its seven colours are drawn in grey as "other pollsters", so no two pollsters share a hue.
Figures are made with matplotlib's object API, not pyplot: no global figure registry to leak
into, no GUI backend to choose, and half a second less to import.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.transforms import ScaledTranslation

from pollwatch.config import ConfigError
from pollwatch.map import values
from pollwatch.model.band import Z95
from pollwatch.model.polls import effective_sample_sizes
from pollwatch.model.trends import FAR_DAYS, Trend

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"]
OTHER = "#9a9a9a"
DENSE_DOTS = 1500
# A series of fewer polls than this is drawn as a sparse one: each poll with its own margin of
# error. On days further than FAR_DAYS from any poll, in any series, the average is dashed and its
# band only outlined (dashed), not filled: a band months wide would be the loudest thing on the
# chart and say the least, and a solid line would pass years without polls off as data.
SPARSE_POLLS = 40
# How far apart, in parts of the chart's span of days, the polls of one day are drawn in a sparse
# chart: a few pixels, so that their own margins are bars of their own.
DODGE = 0.012
# From this many polls the dots cover the band: they are drawn fainter and the band's edges are
# drawn too (on 538's Biden polls, 2,656 dots hid a band 1.4 points wide whose legend said it was
# there).
CROWDED_POLLS = 300
GUESS_DASH = (0, (4, 3))  # the average where no poll is near
# The comparison's lines past the seventh colour, none a dash like GUESS_DASH: a dashed line there
# read as "no poll near" all the way.
LINE_STYLES = ["-", ":", "-."]
# Of a chart's span of days, the room left of its first day and right of its last: enough for
# the largest dot (13.5 points across) and a sparse series' dodged polls and margins' caps.
EDGE = 0.025
LEGEND_GAP = 0.05  # inches between the latest value's label and the legend right of it
EVENT_LABEL_GAP = 0.022  # of the axis width: closer event labels would overlap
# An event's label: over its dotted line (zorder 1), under every poll's dot (2) and line.
EVENT_LABEL_Z = 1.5

INK = "#1b1b1b"
REALTIME = "#b2182b"  # a dark red no pollster's dots take (they are Okabe-Ito's)
# Said under a chart whose real-time line no refit has reached yet, in place of the line.
REALTIME_LATER = (
    "real-time line (as it stood then): out of time to refit it, the next report draws it"
)
MEASURES = {
    "approval": "approve",
    "trust": "trust",
    "support": "support",
    "favorability": "have a favorable view",
    "performance": "say performs well",
}
# The other side of each measure, and the names of the three measures of a series.
NEGATIVE = {
    "approval": ("disapprove", "disapproval"),
    "trust": ("distrust", "distrust"),
    "support": ("oppose", "opposition"),
    "favorability": ("have an unfavorable view", "unfavorability"),
    "performance": ("say performs badly", "poor performance"),
}


def measure_label(metric: str, measure: str) -> str:
    """'approval', 'disapproval', 'net approval' (and so on for each metric)."""
    if measure == "negative":
        return NEGATIVE.get(metric, (f"not {metric}",) * 2)[1]
    return f"net {metric}" if measure == "net" else metric


# The most characters one line of the value axis's label holds beside a chart's plot (10 point
# type, the plot's height): "% who have a favorable view minus % who have an unfavorable view,
# points" on one line ran past the figure's top and over the credit line.
AXIS_LABEL_CHARS = 50


def axis_label(metric: str, measure: str) -> str:
    """The value axis's label; a net's on two lines, its two shares' one over the other, where
    one line would be longer than the plot is high (favorability's, performance's)."""
    verb = MEASURES.get(metric, metric)
    if measure == "negative":
        return f"% who {NEGATIVE.get(metric, (f'not {verb}',))[0]}"
    if measure == "net":
        label = f"% who {verb} minus % who {NEGATIVE.get(metric, (f'not {verb}',))[0]}, points"
        return label if len(label) <= AXIS_LABEL_CHARS else label.replace(" minus ", "\nminus ")
    return f"% who {verb}"


# Fonts with the letters DejaVu Sans lacks (Chinese, Japanese, Korean names), taken glyph by
# glyph where DejaVu has none, if installed: Debian's fonts-noto-cjk, fonts-wqy-zenhei,
# fonts-droid-fallback, fonts-nanum, fonts-ipafont.
FALLBACK_FONTS = (
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK KR",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "NanumGothic",
    "IPAGothic",
)
_INSTALLED = {font.name for font in font_manager.fontManager.ttflist}
FONTS = ["DejaVu Sans", *(name for name in FALLBACK_FONTS if name in _INSTALLED)]
# matplotlib's warning for each letter no font of FONTS has, each time a figure is drawn.
MISSING_GLYPH = re.compile(r"Glyph (\d+) .*missing from font")

STYLE = {
    "font.family": FONTS,
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e6e6e6",
    "grid.linewidth": 0.8,
    "svg.fonttype": "none",
    # Names come from the data: "$5 to $10" is text, never mathematics to typeset.
    "text.parse_math": False,
    "svg.hashsalt": "pollwatch",
}


@dataclass
class ChartFiles:
    png: Path
    svg: Path
    # The names on the chart with letters no font of FONTS has: drawn as boxes.
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


def load_events(path: Path) -> pd.DataFrame:
    """Dated events to mark (date, label, countries); a missing file means none."""
    if not path.exists():
        return pd.DataFrame(
            {"date": pd.Series(dtype="datetime64[us]"), "label": [], "countries": []}
        )
    raw = pd.read_csv(path, dtype="str", keep_default_na=False)
    dates = values.parse_date(raw["date"])
    if dates.bad.any():
        bad = ", ".join(raw.loc[dates.bad, "date"])
        raise ConfigError(f"{path}: not a date: {bad} (write dates as 2022-02-24)")
    countries = raw.get("countries", "")
    return pd.DataFrame(
        {"date": dates.values, "label": raw["label"].str.strip(), "countries": countries}
    ).sort_values("date", ignore_index=True)


def events_for(events: pd.DataFrame, countries: set[str], start, end) -> pd.DataFrame:
    """Events inside [start, end] that concern one of `countries` (or no country in particular)."""
    concerns = (
        events["countries"]
        .fillna("")
        .map(lambda text: not text.split() or bool(set(text.split()) & countries))
    )
    return events[concerns & (events["date"] >= start) & (events["date"] <= end)]


# The most of a name a legend shows: a pollster stored as a whole HTML link (Silver Bulletin's
# Datawrapper table) took the legend off the figure, with it "95% band" and "as it stood", and
# matplotlib warned on stderr that it could not lay the chart out.
LEGEND_CHARS = 40


def _legend_name(name: str) -> str:
    return name if len(name) <= LEGEND_CHARS else name[: LEGEND_CHARS - 1].rstrip() + "…"


def pollster_colours(polls: pd.DataFrame) -> dict[str, str]:
    """The most prolific pollsters get the palette's colours; everyone else is grey."""
    ranked = polls["pollster"].value_counts().index.tolist()
    return {name: OKABE_ITO[i] if i < len(OKABE_ITO) else OTHER for i, name in enumerate(ranked)}


def trend_chart(
    trend: Trend, events: pd.DataFrame, countries: set[str], out_dir: Path, stem: str, credit: str
) -> ChartFiles:
    with _drawing(_names([trend], events)) as boxed:
        files = _save(trend_figure(trend, events, countries, credit), out_dir, stem)
    return replace(files, boxed=tuple(boxed))


def trend_figure(trend: Trend, events: pd.DataFrame, countries: set[str], credit: str) -> Figure:
    """One series' chart, laid out, not yet saved (drawn under STYLE, as trend_chart draws it)."""
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
    drawn_on = _dodged_days(polls, daily["date"].iloc[0], end) if sparse else polls["day"]
    for pollster, colour in colours.items():
        mine = polls["pollster"] == pollster
        label = _legend_name(pollster) if colour != OTHER else None
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
        _draw_margins(ax, trend, drawn_on)
    _draw_average(ax, daily, far, crowded)
    _draw_realtime(ax, trend.realtime)
    _frame_dates(ax, daily["date"].iloc[0], end)
    latest = _label_latest(ax, trend)
    _mark_events(ax, events_for(events, countries, daily["date"].iloc[0], daily["date"].iloc[-1]))
    population = "" if trend.population == "all" else f", {trend.population.replace('_', ' ')}"
    ax.set_title(
        f"{trend.leader}: {measure_label(trend.metric, trend.measure)}{population}",
        loc="left",
        fontsize=14,
        fontweight="bold",
    )
    ax.set_ylabel(axis_label(trend.metric, trend.measure))
    _date_axis(ax)
    low = -100 if trend.measure == "net" else 0
    # Room of 2% beyond 0 and 100, so that a poll of 100% is a whole dot, not half of one.
    pad = 0.02 * (100 - low)
    ax.set_ylim(max(low - pad, ax.get_ylim()[0]), min(100 + pad, ax.get_ylim()[1]))
    _keep_in_frame(ax, latest, trend.latest["estimate"])
    if trend.measure == "net":
        ax.axhline(0, color="#7a7a7a", linewidth=0.8, zorder=1)

    _legend_past(ax, latest)
    fig.text(0.01, 0.005, credit, fontsize=7.5, color="#555555", ha="left", va="bottom")
    _laid_out(fig)
    _legend_past(ax, latest, laid_out=True)
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
    with _drawing(_names(trends, events)) as boxed:
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
        _band_near_polls(ax, daily, far, colour)
        ax.plot(
            daily["date"],
            daily["estimate"].where(~far),
            color=colour,
            linestyle=style,
            linewidth=2,
            label=_legend_name(f"{trend.leader}: {trend.metric}"),
        )
        if far.any():
            guessed = True
            ax.plot(
                daily["date"],
                daily["estimate"].where(_reaching(far)),
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
        _frame_dates(ax, start, end)

        _mark_events(ax, events_for(events, countries, start, end))
    ax.set_title("Leaders compared", loc="left", fontsize=14, fontweight="bold")
    ax.set_ylabel("% (each line's own measure)")
    _date_axis(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8.5)
    fig.text(0.01, 0.005, credit, fontsize=7.5, color="#555555", ha="left", va="bottom")
    return fig


def _band_near_polls(ax, daily: pd.DataFrame, far: np.ndarray, colour: str, **extra) -> None:
    """The 95% band, filled on the days near a poll."""
    ax.fill_between(
        daily["date"],
        daily["lower"],
        daily["upper"],
        where=~far,
        color=colour,
        alpha=0.15,
        linewidth=0,
        interpolate=True,
        **extra,
    )


def _reaching(far: np.ndarray) -> np.ndarray:
    """`far` and one day into the near days on each side, so a dashed piece joins the solid."""
    return far | np.r_[far[1:], False] | np.r_[False, far[:-1]]


def own_margins(trend: Trend) -> np.ndarray:
    """Each of the line's polls' own 95% margin of sampling error, in points (a net share's:
    that of a difference of two shares of one sample). The model floors a share's sampling
    variance at that of 5% or 95% (measures.measured), which would give a poll of 99% of 800
    people +- 1.5, past 100; its own margin is +- 0.7. The sample sizes are those the model
    weighs (a missing one is its pollster's median)."""
    polls = trend.polls
    sizes = effective_sample_sizes(polls).to_numpy(dtype="float64")
    p = np.clip(polls["positive_pct"].to_numpy(dtype="float64") / 100, 0.005, 0.995)
    if trend.measure == "net":
        q = np.clip(polls["negative_pct"].to_numpy(dtype="float64") / 100, 0.005, 0.995)
        spread = np.maximum(p + q - (p - q) ** 2, 1e-4)
    else:
        share = np.clip(polls["value"].to_numpy(dtype="float64") / 100, 0.005, 0.995)
        spread = share * (1 - share)
    return Z95 * np.sqrt(spread / sizes) * 100


def _dodged_days(polls: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series:
    """Where each poll is drawn on a chart of `first` to `last`: on its day, and the polls of
    one day a few pixels apart (DODGE), in the order listed. FOM's 79% and VTsIOM's 76% of one
    Sunday, drawn on the day itself, read as one poll's margin of 74-81."""
    day = polls["day"]
    place = day.groupby(day).cumcount() - (day.map(day.value_counts()) - 1) / 2
    return day + place * _span(first, last) * DODGE


def _draw_margins(ax, trend: Trend, drawn_on: pd.Series) -> None:
    """A sparse series' polls with their own 95% margins of error (own_margins), cut at 0 and
    100 (-100 and 100 for a net share). A poll that gives no sample size has no margin of its
    own: its bar, of the size the model assumes, is dotted and says so (Levada's monthly
    figures, drawn as if each had a margin of its own)."""
    polls = trend.polls
    value = polls["value"].to_numpy(dtype="float64")
    low = -100 if trend.measure == "net" else 0
    margin = own_margins(trend)
    bars = np.array([np.minimum(margin, value - low), np.minimum(margin, 100 - value)])
    assumed = polls["sample_size"].isna().to_numpy()
    for which, style, label in (
        (~assumed, "-", "a poll's own 95% margin"),
        (assumed, ":", "95% margin of an assumed sample (the poll gives none)"),
    ):
        if not which.any():
            continue
        drawn = ax.errorbar(
            drawn_on[which],
            value[which],
            yerr=bars[:, which],
            fmt="none",
            ecolor="#555555",
            elinewidth=1,
            capsize=3,
            zorder=2,
            label=label,
        )
        drawn.lines[2][0].set_linestyle(style)


def _draw_average(ax, daily: pd.DataFrame, far: np.ndarray, crowded: bool = False) -> None:
    """The average and its 95% band: solid over a filled band (edged too among `crowded`
    dots), and where no poll is near (`far`) dashed, its band's edges dashed and not filled."""
    if len(daily) == 1:  # one day of polls: a band and a line of one day are not drawn at all
        [day] = daily.itertuples()
        ax.vlines(day.date, day.lower, day.upper, color=INK, alpha=0.15, linewidth=14, zorder=3,
                  label="95% band")  # fmt: skip
        # The dot itself is the latest's (_label_latest): here, its entry in the legend.
        ax.plot([], [], "o", color=INK, markersize=5, label="average")
        return
    _band_near_polls(ax, daily, far, INK, label="95% band", zorder=3)
    if crowded:
        for edge in ("lower", "upper"):
            ax.plot(
                daily["date"], daily[edge].where(~far), color=INK, linewidth=0.7, alpha=0.7,
                zorder=3,
            )  # fmt: skip
    estimate = daily["estimate"]
    ax.plot(
        daily["date"], estimate.where(~far), color=INK, linewidth=2.2, label="average", zorder=4
    )
    if far.any():
        reach = _reaching(far)
        ax.plot(
            daily["date"],
            estimate.where(reach),
            color=INK,
            linewidth=1.6,
            linestyle=GUESS_DASH,
            label=f"average, no poll within {FAR_DAYS} days",
            zorder=4,
        )
        for edge, label in (
            ("lower", f"95% band, no poll within {FAR_DAYS} days"),
            ("upper", None),
        ):
            ax.plot(
                daily["date"],
                daily[edge].where(reach),
                color=INK,
                alpha=0.45,
                linewidth=0.9,
                linestyle=(0, (2, 3)),
                label=label,
                zorder=3,
            )


def realtime_later(line: pd.DataFrame | None) -> bool:
    """Whether a chart's real-time line is left undrawn for want of time (REALTIME_LATER): no
    refit of it done, or one, which draws no step."""
    return line is not None and len(line) < 2 and line.attrs.get("unfinished", 0) > 0


def _draw_realtime(ax, line: pd.DataFrame | None) -> None:
    """What the tracker would have published as it went (each figure refitted on the polls
    public that day), in steps: a figure stands until the next refit. Where it parts from the
    average, later polls changed the picture of that time. A report out of time for its refits
    draws the newest (`attrs["unfinished"]` counts the days left to the next reports), and the
    legend says where the line starts: drawn from August 2022 on a chart from 2021, it read as
    all there was. A line not drawn at all (no refit yet, or one: a step needs two) is not in
    the legend, which listed it as if it were, in red; a note under the plot says why it is
    missing (as the axis' label, which the layout makes room for, left of the years' offset)."""
    if realtime_later(line):
        ax.set_xlabel(REALTIME_LATER, loc="left", color=REALTIME, fontsize=8)
    if line is None or len(line) < 2:
        return
    unfinished = line.attrs.get("unfinished", 0)
    gaps = np.diff(line["date"].to_numpy(dtype="datetime64[D]")).astype("int64")
    weeks = round(float(np.median(gaps)) / 7)
    every = "each week" if weeks <= 1 else f"every {weeks} weeks"
    since = f"; from {line['date'].iloc[0]:%Y-%m-%d} so far"
    ax.plot(
        line["date"],
        line["estimate"],
        drawstyle="steps-post",
        color=REALTIME,
        linewidth=1.1,
        label=f"as it stood then (refitted {every}{since if unfinished else ''})",
        zorder=4,
    )


def _label_latest(ax, trend: Trend):
    """The latest estimate and band, written beside the line's end, out of the plot where the
    line ends at the plot's edge (the legend is moved past it by _legend_past). Returns the
    label."""
    latest = trend.latest
    ax.plot([latest["date"]], [latest["estimate"]], "o", color=INK, markersize=5, zorder=5)
    value = (
        f"{latest['estimate']:+.1f} pts" if trend.measure == "net" else f"{latest['estimate']:.1f}%"
    )
    text = f"{value}\n({band_text(latest['lower'], latest['upper'])})"
    return ax.annotate(
        text,
        (latest["date"], latest["estimate"]),
        xytext=(8, 0),
        textcoords="offset points",
        va="center",
        fontsize=9,
        fontweight="bold",
        color=INK,
        annotation_clip=False,
    )


def _keep_in_frame(ax, label, value: float) -> None:
    """A latest label two lines high, centred on a value near the bottom or top of the plot,
    ran over the date axis or the title: there it sits above or below its point instead."""
    bottom, top = ax.get_ylim()
    where = (value - bottom) / (top - bottom)
    label.set_verticalalignment("bottom" if where < 0.1 else "top" if where > 0.9 else "center")


def signed_text(value: float) -> str:
    """A lean, an offset or a net as pages write it, its sign shown: +0.7, -2.1; one a hair
    below nought is +0.0, not -0.0."""
    return f"{round(value, 1) + 0.0:+.1f}"


def band_text(lower: float, upper: float) -> str:
    """A 95% band as charts and pages write it: 81.4–89.6, but -21.7 to -13.6 where a net
    share's bound is negative, since -21.7–-13.6 reads as a subtraction. Rounded first: -0.01
    is 0.0, not "-0.0 to 1.3"."""
    lower, upper = (round(bound, 1) + 0.0 for bound in (lower, upper))  # + 0.0: no -0.0
    joint = " to " if min(lower, upper) < 0 else "–"
    return f"{lower:.1f}{joint}{upper:.1f}"


def _mark_events(ax, events: pd.DataFrame) -> None:
    """A dotted line per event; a label where it does not crowd the previous one, drawn under
    the polls, the band and the lines (EVENT_LABEL_Z): in its white box above them it hid the
    one VTsIOM poll of Putin's approval and a stretch of his average."""
    left, right = (mdates.num2date(x).replace(tzinfo=None) for x in ax.get_xlim())
    span = (right - left).total_seconds() or 1
    last_labelled = None
    for row in events.itertuples(index=False):
        ax.axvline(row.date, color="#7a7a7a", linestyle=":", linewidth=1, zorder=1)
        position = (row.date - left).total_seconds() / span
        if last_labelled is not None and position - last_labelled < EVENT_LABEL_GAP:
            continue
        last_labelled = position
        ax.annotate(
            row.label,
            (row.date, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -4),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="left",
            fontsize=7.5,
            color="#555555",
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75},
            zorder=EVENT_LABEL_Z,
        )


def _legend_past(ax, label, laid_out: bool = False) -> None:
    """The legend right of the plot, past the latest value's label, which hangs out of the plot
    beside the line's end. The plot was once widened until the label fitted inside it: its
    dates then ran a seventh of the chart past the last poll, Levada's Putin approval of
    1999-2024 to 2028 and ticked it. Before the layout, the legend is set the label's whole
    reach from its point past the plot, which the layout makes room for; once laid out, it is
    moved back to the label's overhang past the plot's edge: where the label ends inside the
    plot (a real-time line running past the average's end), a gap of its width was left."""
    fig = ax.figure
    box = label.get_window_extent()
    if laid_out:
        reach = max(box.x1 - ax.get_window_extent().x1, 0)
    else:
        reach = box.x1 - ax.transData.transform((mdates.date2num(label.xy[0]), label.xy[1]))[0]
    past = ScaledTranslation(reach / fig.dpi + LEGEND_GAP, 0, fig.dpi_scale_trans)
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1, 1),
        bbox_transform=ax.transAxes + past,
        frameon=False,
        fontsize=8.5,
    )


def _laid_out(fig: Figure) -> Figure:
    """The figure laid out once, that layout kept: saving it as PNG and SVG then lays nothing
    out again, and a reader of the returned figure sees the chart as it is saved."""
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    return fig


def _frame_dates(ax, first: pd.Timestamp, last: pd.Timestamp) -> None:
    """The days drawn and EDGE of their span on each side, so that a first or last poll's dot
    is whole; a series of a few days gets a fortnight to `last`, so its dots do not sit on the
    frame and its latest value's label hangs past the plot's edge, as every chart's does."""
    span = _span(first, last)
    ax.set_xlim(min(first, last - span) - span * EDGE, last + span * EDGE)


def _span(first: pd.Timestamp, last: pd.Timestamp) -> pd.Timedelta:
    """The days a chart of `first` to `last` spans, a fortnight at least (_frame_dates)."""
    return max(last - first, pd.Timedelta(days=14))


# A day's leading nought ("05 Mar"): strftime's %-d, which drops it, is not in every C library.
_DAY_PADDING = re.compile(r"^0(?=\d )")


class _YearsOffset(mdates.ConciseDateFormatter):
    """Concise dates whose day ticks carry their month (3 Mar, not 3) and whose offset, where
    the ticks give no year, names the years the chart spans: matplotlib's named the last tick's
    month ("2024-Mar" under a chart of January and February), and a chart of 2022-2025 whose
    first year has no January tick never said 2022. A month's 1st among day ticks is "1 Mar":
    matplotlib's "Mar" there, between "27 Feb" and "3 Mar", read as the whole month."""

    def __init__(self, locator):
        days = "%d %b"
        super().__init__(
            locator,
            formats=["%Y", "%b", days, "%H:%M", "%H:%M", "%S.%f"],
            zero_formats=["", "%Y", days, days, "%H:%M", "%H:%M"],
        )
        self.years = ""

    def format_ticks(self, values):
        labels = [_DAY_PADDING.sub("", label) for label in super().format_ticks(values)]
        first, last = mdates.num2date(min(values)), mdates.num2date(max(values))
        self.years = f"{first:%Y}" if first.year == last.year else f"{first:%Y}–{last:%Y}"
        # Ticks over several years name a year only at each January: a chart from May 2022
        # read "Jul, 2023, Jul, ...", and 2022 was nowhere. Its first tick carries its year.
        if labels and not super().get_offset() and not labels[0].isdigit():
            labels[0] = f"{labels[0]} {mdates.num2date(values[0]):%Y}"
        return labels

    def get_offset(self) -> str:
        return self.years if super().get_offset() else ""


class _EvenDates(mdates.AutoDateLocator):
    """matplotlib's date ticks, less one that the next tick follows within two thirds of the
    ticks' usual spacing: day ticks start again on each month's 1st (..., 29, 31, then 1), and
    538's favorability polls of 15-28 February 2024 read "29 FebMar" wherever the legend made
    the plot narrow. The month's own tick is the one kept."""

    def tick_values(self, vmin, vmax):
        return _evenly(super().tick_values(vmin, vmax))

    def __call__(self):
        return _evenly(super().__call__())


def _evenly(ticks):
    ticks = np.asarray(ticks)
    if len(ticks) < 3:
        return ticks
    gaps = np.diff(ticks)
    return ticks[np.r_[gaps >= np.median(gaps) * 2 / 3, True]]


def _date_axis(ax) -> None:
    locator = _EvenDates(minticks=4, maxticks=10)

    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(_YearsOffset(locator))


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


@contextmanager
def _drawing(names: list[str]):
    """Where a chart of `names` (its leaders', pollsters' and events') is drawn: under STYLE.
    Yields a list it fills with those of the names that have letters no chart font has (drawn
    as boxes), for the report to tell once, rather than matplotlib's warning for each letter
    each time the figure is drawn (over a hundred lines for a report of Chinese leaders);
    other warnings pass as they were."""
    boxed: list[str] = []
    with matplotlib.rc_context(STYLE), warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        yield boxed
    letters = set()
    for warning in warned:
        found = MISSING_GLYPH.search(str(warning.message))
        if found is None:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
        else:
            letters.add(chr(int(found.group(1))))
    boxed += sorted({name for name in names if letters.intersection(name)})
