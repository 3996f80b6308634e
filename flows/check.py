"""check-expected-drops: tell of each source whose expected drop did not come.

A layout may declare when its drops arrive ([cadence]); `pollwatch serve` runs this check on its
own schedule (POLLWATCH_CHECK_CRON, hourly), so a missing drop is told even when no run ingests
anything. Each overdue drop is told once (pollwatch.series.stale).

Run it by itself with `python flows/check.py`.
"""

from __future__ import annotations

from datetime import date

import flows  # noqa: F401  (sets pollwatch's Prefect defaults before Prefect is imported)

# isort: split
from prefect import flow

from flows.events import announce
from flows.quiet import failing_quietly
from pollwatch.alerts.cadence import Overdue, newly_overdue
from pollwatch.alerts.notices import stale_notice
from pollwatch.config import load_settings
from pollwatch.map.layout_files import load_layouts
from pollwatch.store import open_store


@flow(name="check-expected-drops")
@failing_quietly
def check_expected_drops(data_dir: str | None = None, today: str | None = None) -> list[Overdue]:
    """The sources overdue as of `today` (YYYY-MM-DD; default: today) not told before."""
    settings = load_settings(data_dir=data_dir)
    day = date.fromisoformat(today) if today else date.today()
    late = newly_overdue(open_store(settings), load_layouts(settings.local_layouts), day)
    announce([stale_notice(late)], settings)
    return late


if __name__ == "__main__":
    with flows.without_heartbeats():
        for late in check_expected_drops():
            print(f"overdue: {late.title}, due {late.due:%Y-%m-%d} ({late.expected})")
