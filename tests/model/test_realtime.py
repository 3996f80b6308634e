"""The real-time line: what the tracker would have published week by week, each figure refitted
on the polls public that day, in the versions stored then."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pollwatch.ingest.run import run_ingest
from pollwatch.model.as_of import series_trend, stood_on
from pollwatch.model.realtime_line import MOST_REFITS, realtime_grid, realtime_line
from pollwatch.store import open_store
from tests.helpers import poll_row, write_csv

# Four weekly polls, each published the day after its fieldwork ended.
WEEKLY = [
    ("p1", "2022-02-01", "2022-02-03", "2022-02-04", 60),
    ("p2", "2022-02-08", "2022-02-10", "2022-02-11", 62),
    ("p3", "2022-02-15", "2022-02-17", "2022-02-18", 64),
    ("p4", "2022-02-22", "2022-02-24", "2022-02-25", 66),
]


def rows(polls) -> list[dict[str, str]]:
    return [
        poll_row(
            poll_key=key,
            fieldwork_start=start,
            fieldwork_end=end,
            published=published,
            positive_pct=value,
            negative_pct=90 - value,
            undecided_pct=10,
        )
        for key, start, end, published, value in polls
    ]


def stored_weekly_with_a_correction(settings) -> pd.DataFrame:
    """The four polls as stored on 1 February; p2 corrected from 62 to 70 on 16 February."""
    write_csv(settings.inbox / "weekly.csv", rows(WEEKLY))
    run_ingest([], settings)
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute("UPDATE polls SET ingested_at = '2022-02-01 09:00'")
    corrected = [(*WEEKLY[1][:4], 70)]
    write_csv(settings.inbox / "correction.csv", rows(corrected))
    assert run_ingest([], settings).totals["rows_updated"] == 1
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute("UPDATE polls SET ingested_at = '2022-02-16 09:00' WHERE poll_key = 'p2'")
    return open_store(settings).versions()


def test_each_figure_is_the_as_of_average_of_its_day(settings):
    versions = stored_weekly_with_a_correction(settings)
    line = realtime_line(versions, "Vladimir Putin", "approval")
    # Mondays from the first poll's end, and the day the newest poll was public.
    assert line["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2022-02-07",
        "2022-02-14",
        "2022-02-21",
        "2022-02-25",
    ]
    for day, figure in zip(line["date"], line["estimate"], strict=True):
        stood = stood_on(versions, day.date())
        expected = series_trend(stood, "Vladimir Putin", "approval", as_of=day.date())
        assert figure == pytest.approx(expected.latest["estimate"], abs=1e-9)
    # 7 February: only p1 was public.
    assert line["estimate"].iloc[0] == pytest.approx(60, abs=0.01)


def test_the_line_ends_on_the_day_its_newest_poll_was_public_with_that_poll_in_it():
    """A pollster publishing 5 and 6 days after fieldwork has a median delay of 5.5 days: the
    newest poll, with no date of its own, was public from noon, the line's last day was that
    midnight, and its last figure left the poll out (on the samples, KIIS's 74% of May 2025)."""
    rows = [("2022-01-05", "2022-01-10", 45.0), ("2022-02-05", "2022-02-11", 44.0)]
    rows.append(("2022-03-03", None, 60.0))
    versions = pd.DataFrame(
        {
            "pollster": "Alpha",
            "poll_key": ["a", "b", "c"],
            "country": "US",
            "leader": "Joe Biden",
            "metric": "approval",
            "population": "adults",
            "fieldwork_start": pd.to_datetime([end for end, _, _ in rows]) - pd.Timedelta(days=2),
            "fieldwork_end": pd.to_datetime([end for end, _, _ in rows]),
            "published": pd.to_datetime([published for _, published, _ in rows]),
            "sample_size": 1000.0,
            "positive_pct": [value for _, _, value in rows],
            "negative_pct": float("nan"),
            "tracking": False,
            "ingested_at": pd.Timestamp("2022-01-01"),
        }
    )
    line = realtime_line(versions, "Joe Biden", "approval")
    assert line["date"].iloc[-1] == pd.Timestamp("2022-03-09")
    assert line["estimate"].iloc[-1] > 47  # the 60% poll is in it (44.4 without)


def test_a_poll_corrected_later_counts_with_the_value_it_had_that_day(settings):
    versions = stored_weekly_with_a_correction(settings)
    line = realtime_line(versions, "Vladimir Putin", "approval").set_index("date")
    on_the_14th = stood_on(versions, pd.Timestamp("2022-02-14").date())
    assert sorted(on_the_14th["positive_pct"]) == [60, 62, 64, 66]  # p2 still 62
    as_corrected = series_trend(
        open_store(settings).polls(), "Vladimir Putin", "approval", as_of=pd.Timestamp("2022-02-14")
    )
    # The figure of the 14th is from 60 and 62; today's store says 60 and 70 for those polls.
    assert line.loc["2022-02-14", "estimate"] < 62.5
    assert as_corrected.latest["estimate"] > line.loc["2022-02-14", "estimate"] + 1


def test_a_later_poll_changes_the_average_of_the_past_but_not_what_was_published(settings):
    write_csv(settings.inbox / "weekly.csv", rows(WEEKLY))
    run_ingest([], settings)
    store = open_store(settings)
    before = realtime_line(store.versions(), "Vladimir Putin", "approval")
    smoothed_before = series_trend(store.polls(), "Vladimir Putin", "approval").daily
    write_csv(
        settings.inbox / "later.csv", rows([("p5", "2022-03-01", "2022-03-03", "2022-03-04", 40)])
    )
    run_ingest([], settings)
    after = realtime_line(store.versions(), "Vladimir Putin", "approval")
    smoothed_after = series_trend(store.polls(), "Vladimir Putin", "approval").daily
    mondays = before[before["date"].dt.day_of_week == 0]  # the line's end moves on with it
    shared = after.merge(mondays, on="date", suffixes=("", "_before"))
    assert len(shared) == len(mondays) == 3
    assert (shared["estimate"] == shared["estimate_before"]).all()
    assert after["date"].iloc[-1] == pd.Timestamp("2022-03-04")
    # The smoothed average of 21 February, which sees later polls, is pulled down by p5.
    then = [
        d.set_index("date").loc["2022-02-21", "estimate"] for d in (smoothed_before, smoothed_after)
    ]
    assert then[1] < then[0] - 0.5


def test_a_figure_remembered_from_before_is_not_computed_again(settings):
    versions = stored_weekly_with_a_correction(settings)
    line = realtime_line(versions, "Vladimir Putin", "approval")
    remembered = dict.fromkeys(line["key"], 12.5)  # a figure a refit could not give
    again = realtime_line(versions, "Vladimir Putin", "approval", known=remembered)
    assert (again["estimate"] == 12.5).all()
    assert again["key"].tolist() == line["key"].tolist()


def test_a_long_series_is_refitted_every_few_weeks_on_the_same_days():
    first, last = pd.Timestamp("1999-01-10"), pd.Timestamp("2024-06-30")
    grid = realtime_grid(first, last)
    assert len(grid) <= MOST_REFITS + 1
    assert grid[-1] == last
    assert set(grid.day_of_week[:-1]) == {0}  # Mondays
    gaps = set(pd.Series(grid[:-1]).diff().dropna().dt.days)
    assert len(gaps) == 1 and gaps.pop() > 7
    # A week later the grid keeps its days (so earlier reports' figures are reused).
    later = realtime_grid(first, last + pd.Timedelta(days=7))
    assert set(grid[:-1]) <= set(later)
    weekly = realtime_grid(pd.Timestamp("2022-01-01"), pd.Timestamp("2023-01-01"))
    assert set(pd.Series(weekly[:-1]).diff().dropna().dt.days) == {7}
