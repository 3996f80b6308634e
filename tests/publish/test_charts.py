"""Charts as a reader sees them: the latest value's label inside the plot and clear of the
legend, the credit line clear of the dates, whatever the series (real figures, laid out as they
are saved)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from bench.simulation import simulate_polls
from pollwatch.model.trends import fit_trend, one_version_per_poll
from pollwatch.publish import charts

NO_EVENTS = charts.load_events(Path("/nonexistent/events.csv"))


def series(kind: str) -> pd.DataFrame:
    polls = simulate_polls(seed=5, days=900, pollsters=6).polls
    polls = polls.assign(leader="Leader", metric="approval", country="US")
    if kind == "sparse":
        polls = polls.iloc[::60]
    if kind == "long names":  # a wide legend makes the plot narrow
        polls = polls.assign(pollster=polls["pollster"] + " Research and Opinion Polling Group")
    return polls


@pytest.mark.parametrize("kind", ["dense", "sparse", "long names", "net"])
def test_the_latest_label_sits_inside_the_plot_clear_of_the_legend_and_credit(kind):
    polls = series(kind)
    if kind == "net":
        polls = polls.assign(negative_pct=100 - polls["positive_pct"] - 5)
    trend = fit_trend(
        one_version_per_poll(polls),
        "Leader",
        "approval",
        measure="net" if kind == "net" else "positive",
    )
    with matplotlib.rc_context(charts.STYLE):
        fig = charts.trend_figure(trend, NO_EVENTS, {"US"}, "pollwatch · a credit line")
        fig.draw_without_rendering()
        [ax] = fig.axes
        [label] = [t for t in ax.texts if "(" in t.get_text()]
        box, plot = label.get_window_extent(), ax.get_window_extent()
        legend = ax.get_legend().get_window_extent()
        credit = fig.texts[0].get_window_extent()
        dates = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    assert plot.x0 <= box.x0 and box.x1 <= plot.x1, (box, plot)
    assert not box.overlaps(legend)
    assert not any(credit.overlaps(d) for d in dates)
