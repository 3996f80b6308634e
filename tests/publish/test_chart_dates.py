"""The date axis of charts drawn from real files, as the report draws them: it ends a few days
past the last day drawn, not months, with every poll's dot and the latest value whole; its
tick labels are apart, unrepeated and say which day or month they are."""

from __future__ import annotations

import dataclasses
import itertools
import re
import shutil
from datetime import date
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from pollwatch.config import load_settings
from pollwatch.ingest.run import run_ingest
from pollwatch.model.as_of import series_trend
from pollwatch.model.realtime_line import realtime_line
from pollwatch.publish import chart_style, charts
from pollwatch.publish.dated_events import load_events
from pollwatch.store import open_store
from tests.helpers import REAL, SAMPLES, settle

NO_EVENTS = load_events(Path("/nonexistent/events.csv"))
AS_OF = date(2022, 3, 14)  # `pollwatch report --as-of 2022-03-14`
# The most room past the last day drawn, of the chart's span: date_axis.EDGE, and a little over.
MOST_ROOM = 0.03
DAY = re.compile(r"[1-9]\d? [A-Z][a-z]{2}")  # 3 Mar, 21 Feb
MONTH = re.compile(r"[A-Z][a-z]{2}( \d{4})?")  # Mar; the first tick of years: Jul 2022
YEAR = re.compile(r"\d{4}")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Levada's Putin approval of 1999-2024, 538's Biden polls of 2021-2023 and the bundled
    samples (Putin and Zelensky, 2022-2025), ingested as `pollwatch ingest` does."""
    data = tmp_path_factory.mktemp("dates") / "data"
    settings = load_settings(data_dir=data, settle_seconds=2)
    drops = {
        REAL / "valchyshen_levada_putin_approval_1999-2024.csv": "levada_putin_approval",
        REAL / "fte_president_approval_polls_biden_2023-01.csv": "",
    } | {sample: "" for sample in SAMPLES.glob("*.csv")}
    for path, folder in drops.items():
        (settings.inbox / folder).mkdir(parents=True, exist_ok=True)
        settle(Path(shutil.copy(path, settings.inbox / folder)))
    run_ingest([], settings)
    return open_store(settings, read_only=True)


@pytest.fixture(scope="module")
def stored(store) -> pd.DataFrame:
    return store.polls()


def chart(stored: pd.DataFrame, leader: str, metric: str, as_of: date | None = None):
    """The series' trend and its chart as the report saves it (laid out)."""
    trend = series_trend(stored, leader, metric, as_of=as_of)
    with matplotlib.rc_context(chart_style.STYLE):
        return trend, charts.trend_figure(trend, NO_EVENTS, set(), "pollwatch · a credit line")


def x_limits(ax) -> tuple[pd.Timestamp, pd.Timestamp]:
    return tuple(pd.Timestamp(mdates.num2date(x)).tz_localize(None) for x in ax.get_xlim())


def shown_ticks(ax) -> list:
    """The date tick labels drawn: those inside the axis (matplotlib labels some outside it)."""
    low, high = ax.get_xlim()
    return [t for t in ax.get_xticklabels() if t.get_text() and low <= t.get_position()[0] <= high]


@pytest.mark.parametrize(
    ("leader", "metric", "as_of"),
    [
        ("Vladimir Putin", "approval", None),  # Levada's, 1999-2024: to 2028 it ran
        ("Joe Biden", "approval", None),  # 538's polls, 2021-2023: five months past
        ("Volodymyr Zelensky", "trust", None),  # KIIS's seven polls, 2022-2025
        ("Vladimir Putin", "approval", AS_OF),  # ending on its day: to May 2022 it ran
    ],
)
def test_the_date_axis_ends_a_few_days_past_the_last_day_drawn(stored, leader, metric, as_of):
    trend, fig = chart(stored, leader, metric, as_of)
    [ax] = fig.axes
    first, last = trend.daily["date"].iloc[0], trend.daily["date"].iloc[-1]
    if as_of is not None:
        assert last == pd.Timestamp(as_of)
    left, right = x_limits(ax)
    assert last <= right <= last + MOST_ROOM * (last - first), (right, last)
    assert first - MOST_ROOM * (last - first) <= left <= first, (left, first)


def test_the_legend_stands_just_past_the_latest_value_where_a_real_time_line_runs_on(store, stored):
    """The real-time line of Putin's trust (FOM, VTsIOM) runs to its last weekly refit, days
    past the average's end: the latest value's label then ends inside the plot, and the
    legend, set past the label's whole reach from the line's end, stood a label's width
    (an inch) off both."""
    trend = series_trend(stored, "Vladimir Putin", "trust")
    line = realtime_line(store.versions(), "Vladimir Putin", "trust")
    assert line["date"].max() > trend.daily["date"].iloc[-1]
    with matplotlib.rc_context(chart_style.STYLE):
        fig = charts.trend_figure(
            dataclasses.replace(trend, realtime=line), NO_EVENTS, set(), "pollwatch"
        )
    [ax] = fig.axes
    [label] = [t for t in ax.texts if "(" in t.get_text()]
    edge = max(label.get_window_extent().x1, ax.get_window_extent().x1)
    gap = (ax.get_legend().get_window_extent().x0 - edge) / fig.dpi
    assert 0 < gap <= 0.2, gap


@pytest.mark.parametrize(
    ("leader", "metric", "as_of"),
    [
        ("Vladimir Putin", "approval", None),
        ("Joe Biden", "approval", None),
        ("Volodymyr Zelensky", "trust", None),
        ("Volodymyr Zelensky", "support", AS_OF),
        ("Vladimir Putin", "trust", None),
    ],
)
def test_every_dot_and_the_latest_value_are_whole_and_clear_of_the_legend(
    stored, leader, metric, as_of
):
    """Near a closely framed axis's end the dots are whole (not cut at the plot's edge), and
    the latest value, beside the line's end and out of the plot, is on the figure, clear of
    the legend, the dates and the credit."""
    trend, fig = chart(stored, leader, metric, as_of)
    [ax] = fig.axes
    plot = ax.get_window_extent()
    for dots in ax.collections:
        if isinstance(dots, PathCollection) and len(dots.get_offsets()):
            x = ax.transData.transform(dots.get_offsets())[:, 0]
            radius = np.sqrt(dots.get_sizes()) / 2 * fig.dpi / 72
            assert (plot.x0 <= x - radius).all() and (x + radius <= plot.x1).all()
    [label] = [t for t in ax.texts if "(" in t.get_text()]
    box = label.get_window_extent()
    line_end = ax.transData.transform((mdates.date2num(trend.latest["date"]), 0))[0]
    assert line_end < box.x0 and box.x1 <= fig.bbox.x1
    assert plot.y0 <= box.y0 and box.y1 <= plot.y1
    assert not box.overlaps(ax.get_legend().get_window_extent())
    assert not any(box.overlaps(t.get_window_extent()) for t in shown_ticks(ax))
    assert not fig.texts[0].get_window_extent().overlaps(box)


@pytest.mark.parametrize(
    ("leader", "metric", "as_of"),
    [
        ("Volodymyr Zelensky", "support", None),  # two polls of 26 Feb - 1 Mar 2022
        ("Vladimir Putin", "trust", None),  # three, 27 Feb - 20 Mar 2022
        ("Volodymyr Zelensky", "support", AS_OF),
        ("Vladimir Putin", "approval", AS_OF),  # a year of monthly polls
        ("Joe Biden", "approval", None),
    ],
)
def test_date_ticks_are_apart_unrepeated_and_name_their_day_or_month(stored, leader, metric, as_of):
    """Samples of 2022 were ticked "27 Feb, Mar, 03 Mar, 05 Mar": "Mar" among days read as the
    month, not its 1st. A day tick is "1 Mar", "5 Mar"; the year is written once (under the
    axis, or in a tick)."""
    _, fig = chart(stored, leader, metric, as_of)
    [ax] = fig.axes
    ticks = shown_ticks(ax)
    names = [t.get_text() for t in ticks]
    assert len(names) >= 4, names
    named = set()  # since the last year named: "Apr" comes back each year
    for name in names:
        named = set() if re.search(r"\d{4}", name) else named
        assert name not in named, names
        named.add(name)
    boxes = [t.get_window_extent() for t in ticks]
    assert all(left.x1 + 4 < right.x0 for left, right in itertools.pairwise(boxes)), names
    if any(DAY.fullmatch(name) for name in names):
        assert all(DAY.fullmatch(name) for name in names), names
    else:
        assert all(MONTH.fullmatch(name) or YEAR.fullmatch(name) for name in names), names
    offset = ax.xaxis.get_offset_text().get_text()
    assert YEAR.fullmatch(offset) or any(re.search(r"\d{4}", name) for name in names), names


def test_the_saved_charts_tick_days_with_their_month_and_no_leading_nought(sample_report):
    """The SVGs of the samples' report (text kept as text): the charts of a few weeks of 2022."""
    _, report = sample_report
    ticked = {}
    for svg in sorted(report.index.parent.glob("charts/*.svg")):
        ticks = re.findall(r'<g id="xtick_\d+">.*?<text[^>]*>([^<]*)</text>', svg.read_text(), re.S)
        ticked[svg.stem] = [tick.strip() for tick in ticks]
    days = {stem: ticks for stem, ticks in ticked.items() if any(DAY.fullmatch(t) for t in ticks)}
    assert {"volodymyr-zelensky-support", "vladimir-putin-trust"} <= set(days), ticked
    for stem, ticks in days.items():
        assert all(DAY.fullmatch(tick) for tick in ticks), (stem, ticks)
