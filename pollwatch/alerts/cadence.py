"""Expected drops that did not come: a layout may say when its files arrive (`[cadence]`: weekly
on a weekday, or monthly by a day), and a source whose drop is past its grace period is overdue.

Each due day owns the drops that arrive from the end of the previous one's grace to the end of
its own, so a drop a day late still counts for its own week or month, not the next. A layout
that never delivered is not watched (the shipped layouts declare cadences nobody may use), and
an overdue drop is told once per due day (Store.tell_once), however often the check runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from pollwatch.map.drop_cadence import Cadence
from pollwatch.map.layout import Layout
from pollwatch.store import Store

KIND = "stale"


@dataclass(frozen=True)
class Overdue:
    layout: str
    title: str
    expected: str  # the cadence, in words
    due: date
    last_arrival: date
    series: list[dict]  # leader, metric, pollster, newest (fieldwork end), days (since newest)


def due_days(cadence: Cadence, today: date) -> tuple[date, date]:
    """The latest due day whose grace has run out before `today`, and the one before it."""
    latest = today - timedelta(days=cadence.grace_days + 1)
    if cadence.every == "week":
        due = latest - timedelta(days=(latest.weekday() - cadence.on) % 7)
        return due - timedelta(days=7), due
    month = latest.replace(day=1)
    if latest.day < cadence.by_day:
        month = (month - timedelta(days=1)).replace(day=1)
    due = month.replace(day=cadence.by_day)
    before = (month - timedelta(days=1)).replace(day=cadence.by_day)
    return before, due


def overdue(layouts: dict[str, Layout], arrivals: pd.DataFrame, today: date) -> list[Overdue]:
    """The layouts with a cadence whose drop for the latest due day has not come.
    `arrivals`: Store.arrivals()."""
    found = []
    for name, rows in arrivals.groupby("source_name", sort=True):
        layout = layouts.get(name)
        if layout is None or layout.cadence is None:
            continue
        before, due = due_days(layout.cadence, today)
        arrived = pd.Timestamp(rows["arrived"].max()).date()
        if arrived > before + timedelta(days=layout.cadence.grace_days):
            continue
        series = [
            {
                "leader": r.leader,
                "metric": r.metric,
                "pollster": r.pollster,
                "newest": f"{pd.Timestamp(r.newest):%Y-%m-%d}",
                "days": (today - pd.Timestamp(r.newest).date()).days,
            }
            for r in rows.itertuples()
        ]
        found.append(Overdue(name, layout.title, layout.cadence.describe(), due, arrived, series))
    return found


def newly_overdue(store: Store, layouts: dict[str, Layout], today: date) -> list[Overdue]:
    """Overdue drops not told before (and now recorded as told)."""
    return [
        late
        for late in overdue(layouts, store.arrivals(), today)
        if store.tell_once(KIND, late.layout, late.due)
    ]
