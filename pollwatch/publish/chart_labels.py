"""The text placed around a chart's plot: the latest value beside the line's end, the legend past
it, and names cut to fit. Where each goes depends on the others' measured size, so the figure is
laid out once with them and then kept as laid out.
"""

from __future__ import annotations

import matplotlib.dates as mdates
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation

from pollwatch.model.trends import Trend
from pollwatch.publish.chart_style import INK
from pollwatch.publish.wording import band_text

LEGEND_GAP = 0.05  # inches between the latest value's label and the legend right of it

# The most of a name a legend shows: a pollster stored as a whole HTML link (Silver Bulletin's
# Datawrapper table) took the legend off the figure, with it "95% band" and "as it stood", and
# matplotlib warned on stderr that it could not lay the chart out.
LEGEND_CHARS = 40


def legend_name(name: str) -> str:
    return name if len(name) <= LEGEND_CHARS else name[: LEGEND_CHARS - 1].rstrip() + "…"


def label_latest(ax, trend: Trend):
    """The latest estimate and band, written beside the line's end, out of the plot where the
    line ends at the plot's edge (the legend is moved past it by legend_past). Returns the
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


def keep_in_frame(ax, label, value: float) -> None:
    """A latest label two lines high, centred on a value near the bottom or top of the plot,
    ran over the date axis or the title: there it sits above or below its point instead."""
    bottom, top = ax.get_ylim()
    where = (value - bottom) / (top - bottom)
    label.set_verticalalignment("bottom" if where < 0.1 else "top" if where > 0.9 else "center")


def legend_past(ax, label, laid_out: bool = False) -> None:
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


def laid_out_once(fig: Figure) -> Figure:
    """The figure laid out once, that layout kept: saving it as PNG and SVG then lays nothing
    out again, and a reader of the returned figure sees the chart as it is saved."""
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    return fig
