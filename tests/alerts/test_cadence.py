"""Expected drops: when one is due, when it is overdue, and that it is told once."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pollwatch.alerts.cadence import due_days, newly_overdue, overdue
from pollwatch.ingest.run import run_ingest
from pollwatch.map.drop_cadence import Cadence
from pollwatch.map.layout import LayoutError
from pollwatch.map.layout_files import load_layout, load_layouts
from pollwatch.store import open_store
from tests.helpers import REAL, settle

MONTHLY = Cadence("month", by_day=5, grace_days=3)
FRIDAYS = Cadence("week", on=4, grace_days=2)


@pytest.mark.parametrize(
    ("cadence", "today", "expected"),
    [
        # by the 5th with 3 days' grace: November's is past its grace from the 9th
        (MONTHLY, date(2026, 11, 8), (date(2026, 9, 5), date(2026, 10, 5))),
        (MONTHLY, date(2026, 11, 9), (date(2026, 10, 5), date(2026, 11, 5))),
        (MONTHLY, date(2026, 1, 20), (date(2025, 12, 5), date(2026, 1, 5))),
        # Fridays with 2 days' grace: Friday 27 November's is past its grace from Monday 30th
        (FRIDAYS, date(2026, 11, 29), (date(2026, 11, 13), date(2026, 11, 20))),
        (FRIDAYS, date(2026, 11, 30), (date(2026, 11, 20), date(2026, 11, 27))),
        (FRIDAYS, date(2026, 12, 4), (date(2026, 11, 20), date(2026, 11, 27))),
    ],
)
def test_a_drop_is_overdue_only_once_its_grace_has_passed(cadence, today, expected):
    assert due_days(cadence, today) == expected


def drop_levada(settings):
    folder = settings.inbox / "levada_putin_approval"
    folder.mkdir(parents=True)
    settle(Path(shutil.copy(REAL / "biznesslanch_putin-approval-levada-1999.csv", folder)))
    run = run_ingest([], settings)
    assert run.totals["rows_loaded"] > 100, run.files


def arrived_on(settings, day: str) -> None:
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute(f"UPDATE files SET ingested_at = '{day} 10:00'")


def test_a_source_whose_drop_did_not_come_is_overdue_and_told_once(settings):
    drop_levada(settings)
    arrived_on(settings, "2026-10-02")  # October's drop
    store, layouts = open_store(settings), load_layouts()
    assert overdue(layouts, store.arrivals(), date(2026, 11, 8)) == []  # grace runs to the 8th
    [late] = overdue(layouts, store.arrivals(), date(2026, 11, 9))
    assert (late.layout, late.due, late.last_arrival) == (
        "levada_putin_approval",
        date(2026, 11, 5),
        date(2026, 10, 2),
    )
    [series] = late.series
    assert (series["leader"], series["metric"], series["pollster"]) == (
        "Vladimir Putin",
        "approval",
        "Levada Center",
    )
    assert series["days"] == (date(2026, 11, 9) - date.fromisoformat(series["newest"])).days
    assert [x.layout for x in newly_overdue(store, layouts, date(2026, 11, 9))] == [late.layout]
    assert newly_overdue(store, layouts, date(2026, 11, 10)) == []  # told already
    assert len(newly_overdue(store, layouts, date(2026, 12, 9))) == 1  # December's is new


def test_a_drop_a_day_late_counts_for_its_own_month(settings):
    drop_levada(settings)
    arrived_on(settings, "2026-11-07")  # November's, two days late but within its grace
    assert overdue(load_layouts(), open_store(settings).arrivals(), date(2026, 11, 20)) == []


def test_a_source_that_never_delivered_is_not_watched(settings):
    assert overdue(load_layouts(), open_store(settings).arrivals(), date(2026, 11, 20)) == []


@pytest.mark.parametrize(
    ("cadence", "says"),
    [
        ('every = "fortnight"', 'must be "week" or "month"'),
        ('every = "week"\non = "caturday"', "needs on = a weekday"),
        ('every = "month"\nby_day = 31', "by_day = a day of the month from 1 to 28"),
        ('every = "month"\nby_day = 5\ngrace_days = -1', "grace_days = -1"),
        ('every = "month"\nby_day = 5\nat = "noon"', "unknown key(s) at"),
    ],
)
def test_a_bad_cadence_is_refused_with_what_is_wrong(tmp_path, cadence, says):
    shipped = (REAL.parents[2] / "schemas" / "sources" / "fom_putin_approval.toml").read_text()
    text = shipped.split("[cadence]")[0] + "[cadence]\n" + cadence + "\n"
    path = tmp_path / "fom_putin_approval.toml"
    path.write_text(text)
    with pytest.raises(
        LayoutError, match=r"\[cadence\] .*" + says.replace("(", r"\(").replace(")", r"\)")
    ):
        load_layout(path)


def test_the_layouts_command_says_when_each_source_s_drops_are_due(settings):
    from typer.testing import CliRunner

    from cli.main import app

    lines = CliRunner().invoke(app, ["layouts", "--data-dir", str(settings.data_dir)]).output
    lines = lines.splitlines()
    levada = next(i for i, line in enumerate(lines) if line.startswith("levada_putin_approval"))
    assert lines[levada + 2].strip() == "drops expected monthly by day 5, 3 days' grace"
    canonical = next(i for i, line in enumerate(lines) if line.startswith("canonical"))
    assert not lines[canonical + 2].strip().startswith("drops expected")
