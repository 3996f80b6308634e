"""The date axis of charts drawn from real files, as the report draws them: it ends a few days
past the last day drawn, not months, with every poll's dot and the latest value whole."""

from __future__ import annotations

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
from pollwatch.publish import charts
from pollwatch.store import open_store
from tests.helpers import REAL, SAMPLES, settle

NO_EVENTS = charts.load_events(Path("/nonexistent/events.csv"))
AS_OF = date(2022, 3, 14)  # `pollwatch report --as-of 2022-03-14`
# The most room past the last day drawn, of the chart's span: charts.EDGE, and a little over.
MOST_ROOM = 0.03


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> pd.DataFrame:
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
    return open_store(settings, read_only=True).polls()


def chart(stored: pd.DataFrame, leader: str, metric: str, as_of: date | None = None):
    """The series' trend and its chart as the report saves it (laid out)."""
    trend = series_trend(stored, leader, metric, as_of=as_of)
    with matplotlib.rc_context(charts.STYLE):
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
