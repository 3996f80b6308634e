"""The averages download: every series' daily figures as the charts draw them, for a
spreadsheet, with what a chart shows by its look (the real-time steps, the days no poll saw)
written out as columns.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from pollwatch.model.trends import Trend


def write_averages(trends: list[Trend], path: Path) -> None:
    _averages(trends).to_csv(path, index=False, float_format="%.2f", date_format="%Y-%m-%d")


def _averages(trends: list[Trend]) -> pd.DataFrame:
    """Every series' daily average with its band, one row per day, measure and population: the
    figures the charts draw, for a spreadsheet. `realtime` is what the tracker would have
    published that day: the figure of its last refit, `realtime_fitted_on`, as the chart's steps
    draw it. `days_from_poll` says which days no poll saw: the charts dash the line there, a
    spreadsheet cannot."""
    columns = [
        "leader",
        "metric",
        "measure",
        "population",
        "date",
        "estimate",
        "lower",
        "upper",
        "realtime",
        "realtime_fitted_on",
        "days_from_poll",
    ]
    frames = []
    for t in trends:  # a one-poll series too, as `trend` gives it (its card has no chart)
        days = _with_realtime_column(t)
        frames.append(
            days.assign(
                leader=t.leader,
                metric=t.metric,
                measure=t.measure,
                population=t.population,
                days_from_poll=replace(t, daily=days).days_from_poll(),
            )
        )
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def _with_realtime_column(trend: Trend) -> pd.DataFrame:
    """The line's days with the real-time figure of each beside them: its last refit's, which
    stands until the next (the chart's steps; filled on refit days alone, a spreadsheet drew
    the line as dots a week apart). The real-time line ends on the day its newest poll was
    public, after the smoothed line (which ends with the fieldwork): those days are rows of
    their own, with no smoothed estimate, as the chart draws them."""
    if trend.realtime is None or trend.realtime.empty:  # none, or none refitted yet
        return trend.daily.assign(realtime=float("nan"), realtime_fitted_on=pd.NaT)
    line = trend.realtime[["date", "estimate"]].rename(columns={"estimate": "realtime"})
    line = line.assign(realtime_fitted_on=line["date"])
    days = trend.daily.merge(line, on="date", how="outer").sort_values("date", ignore_index=True)
    # Day by day up to the real-time line's last day: the days between the fieldwork's end and
    # the newest poll's publication were rows on refit days alone.
    every_day = pd.date_range(days["date"].iloc[0], days["date"].iloc[-1], freq="D")
    days = days.set_index("date").reindex(every_day).rename_axis("date").reset_index()
    steps = ["realtime", "realtime_fitted_on"]
    days[steps] = days[steps].ffill().where(days["date"] <= line["date"].max())
    return days
