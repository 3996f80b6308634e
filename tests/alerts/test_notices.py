"""What a run tells: one notice per kind, its facts, and a message that is safe to send."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from pollwatch.alerts.cadence import Overdue
from pollwatch.alerts.notices import (
    LOADED,
    MOVED,
    REJECTED,
    STALE,
    Links,
    move_notice,
    run_notices,
    stale_notice,
)
from pollwatch.alerts.text import plain
from pollwatch.ingest.run import run_ingest
from pollwatch.model.poll_shares import latest_shares
from pollwatch.model.series import fit_series, select_series
from tests.helpers import REAL, hold_database, poll_row, settle, write_csv

EVIL = "<b>Evil</b> & Co"
EVIL_FILE = "<img src=x onerror=alert(1)> & Co.csv"  # a name a file can have


def test_text_from_a_file_arrives_as_text():
    assert plain(EVIL) == "&lt;b&gt;Evil&lt;/b&gt; &amp; Co"
    assert plain("two\nlines\r\u2028and a tab\t.") == "two lines and a tab ."
    assert plain("x" * 200, longest=10) == "x" * 9 + "…"


def test_a_run_with_bad_rows_and_a_bad_file_raises_one_rejected_notice(settings):
    good, bad = poll_row(poll_key="ok-1"), poll_row(poll_key="ok-2", fieldwork_end="")
    write_csv(settings.inbox / EVIL_FILE, [good, bad, poll_row(poll_key="ok-3", sample_size="x")])
    page = settings.inbox / "page.csv"
    page.write_bytes((REAL / "fte_president_approval_polls_503_error_2021-03-09.csv").read_bytes())
    settle(page)
    run = run_ingest([], settings)
    notices = run_notices(run, settings)
    assert [n.event for n in notices] == [LOADED, REJECTED]
    rejected = notices[1].payload(Links(report="file:///r/index.html", run="http://ui/run/1"))
    assert rejected["subject"] == "pollwatch: 2 files rejected in part or whole, 2 rows refused"
    files = {f["file"]: f for f in rejected["files"]}
    mine = files[EVIL_FILE]
    assert (mine["rows_read"], mine["rows_loaded"], mine["rows_rejected"]) == (3, 1, 2)
    assert {(r["rule"], r["column"], r["rows"]) for r in mine["reasons"]} >= {
        ("not_nullable", "fieldwork_end", 1)
    }
    assert files["page.csv"]["reasons"][0]["rule"] == "not_a_csv"
    message = rejected["message"]
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; Co.csv: 2 of 3 rows rejected" in message
    assert "<img" not in message
    assert "page.csv: refused whole: not a CSV" in message
    assert "kept in quarantine/" in message
    assert message.endswith("Report: file:///r/index.html\nRun: http://ui/run/1")


def test_a_run_that_loads_nothing_raises_nothing(settings):
    write_csv(settings.inbox / "a.csv", [poll_row()])
    run_ingest([], settings)
    write_csv(settings.inbox / "again.csv", [poll_row()])  # the same poll, known
    assert run_notices(run_ingest([], settings), settings) == []
    assert run_notices(run_ingest([], settings), settings) == []  # an empty inbox


def test_a_move_names_each_average_and_the_polls_that_moved_it():
    moved = [
        {
            "leader": "Vladimir Putin",
            "metric": "approval",
            "measure": "positive",
            "population": "all",
            "before": 85.4,
            "estimate": 76.0,
            "change": -9.4,
            "page": "https://polls.example/leader-vladimir-putin.html",
            "polls": [
                {
                    "pollster": EVIL,
                    "fieldwork_start": "2024-09-19",
                    "fieldwork_end": "2024-09-25",
                    "value": 70.0,
                    "share": 0.61,
                }
            ],
        }
    ]
    notice = move_notice(moved, 2.0)
    assert notice.event == MOVED
    payload = notice.payload(Links())
    assert payload["subject"] == "pollwatch: Vladimir Putin approval moved -9.4 points"
    assert payload["averages"][0]["from"] == 85.4 and payload["averages"][0]["to"] == 76.0
    assert payload["message"].splitlines() == [
        "Vladimir Putin approval: 85.4 → 76.0 (-9.4 points)",
        "  &lt;b&gt;Evil&lt;/b&gt; &amp; Co, 2024-09-19 to 2024-09-25: 70%, 61% of the new average",
        "  https://polls.example/leader-vladimir-putin.html",
    ]
    assert move_notice([], 2.0) is None


def test_an_overdue_drop_names_the_source_series_and_how_old_its_newest_poll_is():
    late = Overdue(
        "levada_putin_approval",
        "Levada's monthly Putin approval",
        "monthly by day 5, 3 days' grace",
        date(2026, 11, 5),
        date(2026, 10, 2),
        [
            {
                "leader": "Vladimir Putin",
                "metric": "approval",
                "pollster": "Levada Center",
                "newest": "2026-09-30",
                "days": 60,
            }
        ],
    )
    notice = stale_notice([late])
    assert notice.event == STALE
    payload = notice.payload(Links())
    assert payload["series"][0] | {} == {
        "layout": "levada_putin_approval",
        "due": "2026-11-05",
        "expected": "monthly by day 5, 3 days' grace",
        "last_arrival": "2026-10-02",
        "leader": "Vladimir Putin",
        "metric": "approval",
        "pollster": "Levada Center",
        "newest": "2026-09-30",
        "days": 60,
    }
    assert "no drop for 2026-11-05" in payload["message"]
    assert stale_notice([]) is None


def test_each_poll_s_share_of_the_latest_average_adds_up_to_it(settings):
    rows = [
        poll_row(
            poll_key=f"p{i}",
            fieldwork_start=f"2022-0{m}-01",
            fieldwork_end=f"2022-0{m}-05",
            published="",
            positive_pct=60 + 3 * i,
        )
        for i, m in enumerate(range(1, 8))
    ]
    write_csv(settings.inbox / "a.csv", rows)
    run_ingest([], settings)
    from pollwatch.store import open_store

    trend = fit_series(select_series(open_store(settings).polls(), "Vladimir Putin", "approval"))
    shares = latest_shares(trend)
    assert shares.sum() == pytest.approx(1, abs=1e-6)
    assert (shares * trend.polls["adjusted"]).sum() == pytest.approx(trend.latest["estimate"])
    assert np.argmax(shares) == len(shares) - 1  # the newest poll carries the most


def test_a_store_held_by_another_process_still_gets_the_run_its_notice(settings):
    """The reasons then come from the rejects the run kept: a notice never fails its run."""
    write_csv(
        settings.inbox / "a.csv",
        [poll_row(poll_key="h-1"), poll_row(poll_key="h-2", fieldwork_end="")],
    )
    run = run_ingest([], settings)
    holder = hold_database(settings.db_path)
    try:
        quick = settings.model_copy(update={"lock_timeout_seconds": 0.5})
        [_, rejected] = run_notices(run, quick)
    finally:
        holder.kill()
        holder.wait()
    [reason] = rejected.facts["files"][0]["reasons"]
    assert (reason["rule"], reason["column"], reason["rows"]) == (
        "not_nullable",
        "fieldwork_end",
        1,
    )


def test_a_file_tried_again_is_told_with_the_reasons_of_this_attempt_only(settings):
    """A table no layout fitted, dropped again once its layout was written, whose date cells
    the layout cannot read: the second run's message gave the first run's "unknown_layout"
    among its reasons, for a file that now had a layout."""
    header = ["Terrain", "Personnalite", "Favorable", "Defavorable"]
    rows = [
        dict(zip(header, r, strict=True))
        for r in [
            ["mi-mars 2024", "Emmanuel Macron", "28", "68"],  # mid-March: no day
            ["2024-02-14", "Macron", "30", "66"],
        ]
    ]
    drop = write_csv(settings.inbox / "ipsos.csv", rows, columns=header)
    kept = drop.read_bytes()
    run_ingest([], settings)
    settings.local_layouts.mkdir()
    (settings.local_layouts / "ipsos_tribune.toml").write_text(
        'name = "ipsos_tribune"\nby_header = true\n[columns]\nfieldwork_start = "Terrain"\n'
        'fieldwork_end = "Terrain"\nleader = "Personnalite"\npositive_pct = "Favorable"\n'
        'negative_pct = "Defavorable"\n[constants]\npollster = "Ipsos"\ncountry = "FR"\n'
        'metric = "favorability"\n',
        encoding="utf-8",
    )
    drop.write_bytes(kept)
    settle(drop)
    run = run_ingest([], settings)
    [_, rejected] = run_notices(run, settings)
    [told] = rejected.facts["files"]
    assert [(r["rule"], r["column"], r["rows"]) for r in told["reasons"]] == [
        ("not_a_date", "Terrain", 1)
    ]
