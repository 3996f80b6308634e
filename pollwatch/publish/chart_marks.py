"""The marks a series' chart draws over its polls' dots: the average and its 95% band, solid
where polls measured it and dashed where none is near; a sparse series' polls with their own
margins of error, drawn apart on a shared day; the real-time line as the tracker stood then.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pollwatch.model.band import Z95
from pollwatch.model.polls import effective_sample_sizes
from pollwatch.model.trends import FAR_DAYS, Trend
from pollwatch.publish.chart_style import INK
from pollwatch.publish.date_axis import days_spanned

# How far apart, in parts of the chart's span of days, the polls of one day are drawn in a sparse
# chart: a few pixels, so that their own margins are bars of their own.
DODGE = 0.012
GUESS_DASH = (0, (4, 3))  # the average where no poll is near

REALTIME = "#b2182b"  # a dark red no pollster's dots take (they are Okabe-Ito's)
# Said under a chart whose real-time line no refit has reached yet, in place of the line.
REALTIME_LATER = (
    "real-time line (as it stood then): out of time to refit it, the next report draws it"
)


def band_near_polls(ax, daily: pd.DataFrame, far: np.ndarray, colour: str, **extra) -> None:
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


def reaching(far: np.ndarray) -> np.ndarray:
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


def dodged_days(polls: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series:
    """Where each poll is drawn on a chart of `first` to `last`: on its day, and the polls of
    one day a few pixels apart (DODGE), in the order listed. FOM's 79% and VTsIOM's 76% of one
    Sunday, drawn on the day itself, read as one poll's margin of 74-81."""
    day = polls["day"]
    place = day.groupby(day).cumcount() - (day.map(day.value_counts()) - 1) / 2
    return day + place * days_spanned(first, last) * DODGE


def draw_margins(ax, trend: Trend, drawn_on: pd.Series) -> None:
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


def draw_average(ax, daily: pd.DataFrame, far: np.ndarray, crowded: bool = False) -> None:
    """The average and its 95% band: solid over a filled band (edged too among `crowded`
    dots), and where no poll is near (`far`) dashed, its band's edges dashed and not filled."""
    if len(daily) == 1:  # one day of polls: a band and a line of one day are not drawn at all
        [day] = daily.itertuples()
        ax.vlines(day.date, day.lower, day.upper, color=INK, alpha=0.15, linewidth=14, zorder=3,
                  label="95% band")  # fmt: skip
        # The dot itself is the latest's (label_latest): here, its entry in the legend.
        ax.plot([], [], "o", color=INK, markersize=5, label="average")
        return
    band_near_polls(ax, daily, far, INK, label="95% band", zorder=3)
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
        reach = reaching(far)
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


def draw_realtime(ax, line: pd.DataFrame | None) -> None:
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
