"""As it stood on a past day: the polls public by then, in the versions stored then."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pollwatch.config import ConfigError
from pollwatch.ingest.run import run_ingest
from pollwatch.model.as_of import series_trend, stood_on
from pollwatch.model.publication import first_public, public_by, public_from
from pollwatch.publish.report import build_report
from pollwatch.store import open_store
from tests.helpers import REAL, ROOT, poll_row, settle, write_csv


def polls(*rows: tuple[str, str, str | None]) -> pd.DataFrame:
    """(pollster, fieldwork end, published) per poll."""
    return pd.DataFrame(
        {
            "pollster": [r[0] for r in rows],
            "fieldwork_end": pd.to_datetime([r[1] for r in rows]),
            "published": pd.to_datetime([r[2] for r in rows]),
        }
    )


def test_a_poll_is_public_from_its_publication_or_its_pollster_s_usual_delay():
    found = polls(
        ("A", "2022-03-01", "2022-03-05"),  # A publishes 4 days after fieldwork
        ("A", "2022-03-08", None),  # expected on the 12th
        ("A", "2022-03-11", None),  # expected on the 15th: not yet
        ("B", "2022-03-10", None),  # B's delay unknown: everyone's (4 days), the 14th
        ("A", "2022-03-02", "2022-03-20"),  # published after the day
    )
    public = public_by(found, date(2022, 3, 14))
    assert public.index.tolist() == [0, 1, 3]


def test_a_poll_once_public_stays_public_when_later_polls_come_out_late():
    """Alpha publishes 2, 4 and 6 days after fieldwork; its poll ending 3 February gives no day.
    Its delay was learned from the polls published by the day asked: 4 days on 7 February, but
    on the 8th two polls came out a month late, the median became 6, and the poll was public on
    the 7th, not on the 8th, and again on the 9th. It is learned from the polls published when
    the fieldwork ended: a tracker does not take back a poll it has counted."""
    found = polls(
        ("Alpha", "2024-01-03", "2024-01-05"),
        ("Alpha", "2024-01-06", "2024-02-08"),
        ("Alpha", "2024-01-08", "2024-02-08"),
        ("Alpha", "2024-01-12", "2024-01-16"),
        ("Alpha", "2024-01-22", "2024-01-28"),
        ("Alpha", "2024-02-03", None),
    )
    for day in range(6, 12):
        public = public_by(found, date(2024, 2, day)).index.tolist()
        assert (5 in public) == (day >= 7), day  # 2, 4 and 6 days known by 3 February: 4


def test_a_series_polls_are_public_from_the_same_day_whatever_else_is_stored():
    """A series none of whose polls gives its publication day takes the default delay, not the
    delays of another country's pollsters stored beside it: the report's real-time line, fitted
    on one series, and `--as-of` on the whole store gave different figures for one day."""
    french = polls(("Ifop", "2020-10-01", None), ("Ifop", "2020-10-08", None)).assign(
        leader="Emmanuel Macron", metric="approval"
    )
    american = polls(("YouGov", "2020-10-01", "2020-10-02")).assign(
        leader="Donald Trump", metric="approval"
    )
    alone = public_from(french)
    together = public_from(pd.concat([french, american], ignore_index=True)).iloc[:2]
    assert together.tolist() == alone.tolist() == list(pd.to_datetime(["2020-10-04", "2020-10-11"]))


def test_a_poll_published_in_a_month_is_public_from_its_usual_delay_inside_that_month():
    """A source giving only the month of publication ("2022-03") is stored as the month's last
    day, a poll public at the latest then: FOM's poll of 27 February, reported on 4 March, was
    left out of the average as of 14 March. Within the month, the poll is public from its
    fieldwork's end plus its pollster's usual delay; never before the month began, never after
    it ended. A month teaches no delay."""
    found = polls(
        ("FOM", "2022-02-06", "2022-02-10"),  # FOM publishes 4 days after fieldwork
        ("FOM", "2022-02-27", "2022-03-31"),  # "2022-03": public on 3 March
        ("FOM", "2022-02-10", "2022-03-31"),  # "2022-03": not before 1 March
        ("FOM", "2022-03-30", "2022-03-31"),  # "2022-03": by the 31st, not 3 April
        ("FOM", "2022-01-20", "2022-02-28"),  # "2022-02": its month is no delay of 35 days
        ("FOM", "2022-02-20", None),  # 4 days, not a median taking in 35
    ).assign(published_precision=["day", "month", "month", "month", "month", None])
    assert public_from(found).tolist() == list(
        pd.to_datetime(
            ["2022-02-10", "2022-03-03", "2022-03-01", "2022-03-31", "2022-02-01", "2022-02-24"]
        )
    )
    assert public_by(found, date(2022, 3, 2)).index.tolist() == [0, 2, 4, 5]


def test_a_month_s_poll_reported_inside_its_month_counts_from_the_month_s_end():
    """A poll given as March's, reported on the 28th, is stored with its fieldwork to the 31st:
    public when both have passed, and no delay of -3 days for the pollster's next poll, which
    was then public before its fieldwork ended."""
    found = polls(("Levada", "2022-03-31", "2022-03-28"), ("Levada", "2022-04-30", None))
    found["fieldwork_start"] = pd.to_datetime(["2022-03-01", "2022-04-01"])
    assert public_from(found).tolist()[1] == pd.Timestamp("2022-04-30")
    assert public_by(found, date(2022, 3, 30)).empty
    assert public_by(found, date(2022, 3, 31)).index.tolist() == [0]


def test_the_first_public_day_said_is_one_on_which_a_poll_was_public():
    """Acme's first poll gives no publication day and its later ones one day's delay. Asked for
    10 January, pollwatch named 11 January from the delay all its polls show, but on 11 January
    no poll of Acme had been published yet, so the first took the default 3 days: the 13th."""
    found = polls(
        ("Acme", "2022-01-10", None),
        ("Acme", "2022-02-10", "2022-02-11"),
        ("Bcme", "2022-01-25", "2022-01-26"),
    )
    said = first_public(found)
    assert said == "the first was public on 2022-01-13 (fieldwork ended 2022-01-10)"
    assert public_by(found, date(2022, 1, 12)).empty and len(public_by(found, date(2022, 1, 13)))


def test_the_first_public_day_of_one_population_is_found_with_its_series_delays():
    """Asked for registered voters alone, the delays were learned from their polls alone, not
    from the series' as `public_by` learns them: the day named still had no poll. And polls of
    1999 all published in 2024 took 47 s, found day by day."""
    found = polls(
        ("Acme", "2022-02-01", "2022-02-02"),  # adults, published the next day
        ("Acme", "2022-02-20", None),  # voters: Acme's delay by then, 1 day
        ("Bcme", "2022-02-10", "2022-02-25"),
    ).assign(population=["adults", "registered_voters", "adults"])
    voters = found["population"] == "registered_voters"
    said = first_public(found, voters)
    assert said == "the first was public on 2022-02-21 (fieldwork ended 2022-02-20)"
    assert public_by(found, date(2022, 2, 21))["population"].tolist() == [
        "adults",
        "registered_voters",
    ]
    late = polls(
        *[("Acme", f"{1999 + k // 12}-{k % 12 + 1:02d}-15", "2024-06-01") for k in range(96)]
    )
    assert first_public(late) == "the first was public on 2024-06-01 (fieldwork ended 1999-01-15)"


def test_a_poll_corrected_after_the_day_appears_with_its_old_value(settings):
    write_csv(settings.inbox / "first.csv", [poll_row(poll_key="lev-1", positive_pct="71")])
    run_ingest([], settings)
    with duckdb.connect(str(settings.db_path)) as con:  # as if it was stored on 10 March 2022
        con.execute("UPDATE polls SET ingested_at = '2022-03-10 12:00'")
    write_csv(settings.inbox / "fixed.csv", [poll_row(poll_key="lev-1", positive_pct="69")])
    assert run_ingest([], settings).totals["rows_updated"] == 1
    store = open_store(settings)
    versions = store.versions()
    assert stood_on(versions, date(2022, 3, 14))["positive_pct"].tolist() == [71.0]
    # a backfill: its first version
    assert stood_on(versions, date(2022, 3, 9))["positive_pct"].tolist() == [71.0]
    assert stood_on(versions, date.today())["positive_pct"].tolist() == [69.0]
    assert store.polls()["positive_pct"].tolist() == [69.0]


def test_a_poll_public_on_a_day_a_later_version_gives_is_not_public_before_it(settings):
    """FOM's poll, first stored with "2022-03" as published and then corrected to the 20th:
    as of the 14th the first version stands (both were stored since), and its month put the
    poll public from the 2nd, its usual delay after fieldwork. When a poll was public is known
    best from any version that gives the day."""
    fom = dict(pollster="FOM", poll_key="fom", fieldwork_start="2022-02-27")
    fom |= dict(fieldwork_end="2022-02-27")
    write_csv(settings.inbox / "first.csv", [poll_row(**fom, published="2022-03")])
    run_ingest([], settings)
    write_csv(settings.inbox / "day.csv", [poll_row(**fom, published="2022-03-20")])
    assert run_ingest([], settings).totals["rows_updated"] == 1
    versions = open_store(settings).versions()
    for day, public in ((date(2022, 3, 14), False), (date(2022, 3, 20), True)):
        assert len(public_by(stood_on(versions, day), day)) == public, day


def test_a_poll_and_its_corrections_stored_in_one_run_stand_as_the_last_of_them(settings):
    """Files of one run are stored at one time: which version stands is which replaced which,
    not the order the database returns them in (it gave the first value in most reads)."""
    rows = {name: poll_row(poll_key="lev-1", positive_pct=value) for name, value in
            (("a.csv", "71"), ("b.csv", "69"), ("c.csv", "68"))}  # fmt: skip
    for age, (name, row) in zip((90, 60, 30), rows.items(), strict=True):
        write_csv(settings.inbox / name, [row], age_seconds=age)  # a, b, c: oldest first
    assert run_ingest([], settings).totals["rows_updated"] == 2
    versions = open_store(settings).versions()
    assert versions["ingested_at"].nunique() == 1
    for _ in range(5):  # the same answer in any order of rows
        shuffled = versions.sample(frac=1).reset_index(drop=True)
        assert stood_on(shuffled, date.today())["positive_pct"].tolist() == [68.0]
        assert stood_on(shuffled, date(2000, 1, 1))["positive_pct"].tolist() == [71.0]


def test_the_samples_as_they_stood_at_the_fourth_round_of_talks(settings):
    """14 March 2022: Levada and FOM had Putin's approval near 71% in late February; Rating
    Group had Zelensky's support above 90%. The report of that day says so, and nothing of what
    came after (the 83% measured at the end of March)."""
    settings.inbox.mkdir(parents=True, exist_ok=True)
    for sample in (ROOT / "data" / "samples").glob("*.csv"):
        settle(Path(shutil.copy(sample, settings.inbox)))
    run_ingest([], settings)
    report = build_report(settings, as_of=date(2022, 3, 14))
    assert report.index.parent.name == f"{settings.report_dir.name}-as-of-2022-03-14"
    html = report.index.read_text()
    assert "As it stood on 2022-03-14" in html
    # the quality panel's files and runs are the store's history, and it says so
    assert "The store as it is now" in html and "not as of 2022-03-14" in html
    # a page or chart shared alone says its day
    assert "<title>Leader approval, trust and support, as it stood on 2022-03-14" in html
    svg = (report.index.parent / "charts" / "vladimir-putin-approval.svg").read_text()
    assert "as it stood on 2022-03-14" in svg
    values = dict(
        re.findall(r'<div class="what">(.*?)</div>\s*<div class="value">([-+0-9.]+)%?</div>', html)
    )
    assert 68 <= float(values["Vladimir Putin · approval"]) <= 73
    assert float(values["Volodymyr Zelensky · support"]) > 90
    averages = pd.read_csv(report.index.parent / "data" / "averages.csv")
    assert averages["date"].max() == "2022-03-14"
    download = pd.read_csv(report.index.parent / "data" / "polls.csv", nrows=1)
    assert "replaced_at" not in download.columns  # the versions' bookkeeping stays inside


def test_an_as_of_report_s_staleness_warning_is_of_its_day_not_today(settings):
    """A report as it stood on 1 June 2022, whose newest poll ended on 21 February: it counts
    the days to its own day, and said the estimate described February, "not today"."""
    write_csv(settings.inbox / "first.csv", [poll_row()])
    run_ingest([], settings)
    html = build_report(settings, as_of=date(2022, 6, 1)).index.read_text()
    [warning] = re.findall(r'<div class="warning" data-stale[^>]*>(.*?)</div>', html)
    assert "for 100 days" in warning
    assert warning.endswith("describes 2022-02-21, not 2022-06-01.")


def test_a_series_unpolled_ten_times_the_stale_limit_is_listed_as_past_not_warned_of(settings):
    """Newspoll's Bob Hawke got "No new poll ... for 12783 days (more than 60)", beside fourteen
    such warnings of past prime ministers: a series unpolled ten times the stale limit is listed
    once as a past series; one unpolled past the limit alone is still warned of."""
    yeltsin = {"fieldwork_start": "1999-11-01", "fieldwork_end": "1999-11-05"}
    rows = [poll_row(), poll_row(leader="Boris Yeltsin", published="1999-11-10", **yeltsin)]
    write_csv(settings.inbox / "two.csv", rows)  # Putin's fieldwork ends on 2022-02-21
    run_ingest([], settings)
    html = build_report(settings, as_of=date(2022, 6, 1)).index.read_text()
    [warning] = re.findall(r'<div class="warning" data-stale="([^"]*)"', html)
    assert warning == "Vladimir Putin"
    [ended] = re.findall(r'<p class="ended">([^<]*)</p>', html)
    assert ended.startswith(f"No poll for more than {10 * settings.stale_days} days")
    assert ended.endswith("Boris Yeltsin (approval, newest 1999-11-05).")


def test_a_long_unpolled_series_no_other_leader_s_polls_followed_is_warned_of_not_past(settings):
    """The samples' Putin approval, newest August 2024, was listed from 2026 as a "past series
    rather than awaiting new polls", as were Biden's and Macron's in 538's and pollsposition's
    files: a sitting leader's line whose polls stopped was told as over, and the warning that
    its figure is years old was not given. A series is past when another leader's polls of its
    country and measure came after it (Yeltsin's, once Putin's began); else it is warned of."""
    yeltsin = {"fieldwork_start": "1999-11-01", "fieldwork_end": "1999-11-05"}
    rows = [
        poll_row(),  # Putin's fieldwork ends on 2022-02-21
        poll_row(leader="Boris Yeltsin", published="1999-11-10", **yeltsin),
        poll_row(leader="Volodymyr Zelensky", country="UA", metric="trust", published=""),
    ]
    write_csv(settings.inbox / "three.csv", rows)
    run_ingest([], settings)
    html = build_report(settings, as_of=date(2024, 6, 1)).index.read_text()
    warnings = re.findall(r'<div class="warning" data-stale="([^"]*)"[^>]*>(.*?)</div>', html)
    assert [leader for leader, _ in warnings] == ["Vladimir Putin", "Volodymyr Zelensky"]
    assert "for 831 days" in warnings[0][1]
    [ended] = re.findall(r'<p class="ended">([^<]*)</p>', html)
    assert ended.endswith("Boris Yeltsin (approval, newest 1999-11-05).")


def test_an_as_of_report_claims_no_30_day_change_where_no_poll_was_in_those_days(settings):
    """A report as it stood on 30 March 2022, whose newest polls ended on 21 February: its line
    is carried flat to its day, and the headline said "+0.0 pts in 30 days", a steadiness no
    poll measured. A report of a day with a poll in its last 30 days still says its change. One
    of a day further than FAR_DAYS from the newest poll ends its line there, as today's report
    of a series no longer polled does (as of June 2022, a line carried 100 days with a band to
    match), and its headline says that day."""
    write_csv(
        settings.inbox / "polls.csv",
        [
            poll_row(),
            poll_row(
                fieldwork_start="2022-01-17",
                fieldwork_end="2022-01-21",
                published="2022-01-24",
                positive_pct="65",
                negative_pct="33",
            ),
        ],
    )
    run_ingest([], settings)
    html = build_report(settings, as_of=date(2022, 3, 30)).index.read_text()
    assert "pts in 30 days" not in html
    html = build_report(settings, as_of=date(2022, 3, 1)).index.read_text()
    assert "pts in 30 days" in html
    html = build_report(settings, as_of=date(2022, 6, 1)).index.read_text()
    assert "; as of 2022-02-21</div>" in html and "; as of 2022-06-01</div>" not in html


def test_an_as_of_report_of_the_current_folder_is_written_beside_it(settings, monkeypatch):
    """POLLWATCH_REPORT_DIR=. (a report in the folder one stands in): "." has no name to add
    "-as-of-DAY" to, and the report failed with a traceback."""
    write_csv(settings.inbox / "first.csv", [poll_row()])
    run_ingest([], settings)
    here = settings.data_dir.parent / "site"
    here.mkdir()
    monkeypatch.chdir(here)
    dot = settings.model_copy(update={"report_dir": Path(".")})
    report = build_report(dot, as_of=date(2022, 3, 1))
    assert report.index == here.parent / "site-as-of-2022-03-01" / "index.html"


def test_a_day_before_a_disapproval_line_begins_says_the_day_it_does(settings):
    """A disapproval line needs two polls giving disapproval (has_measure_line). Approval alone
    was public by 6 March, the first poll giving disapproval on the 8th, the second on the
    17th: `trend --measure negative --as-of` sent a person to the 8th, when the report still
    drew no such line."""
    both = dict(fieldwork_start="2022-03-01", fieldwork_end="2022-03-05", published="2022-03-08")
    again = dict(fieldwork_start="2022-03-10", fieldwork_end="2022-03-14", published="2022-03-17")
    write_csv(
        settings.inbox / "sides.csv",
        [poll_row(negative_pct="", poll_key="one side"), poll_row(poll_key="both", **both)],
    )
    run_ingest([], settings)
    versions = open_store(settings).versions()
    # with the two polls alone, the line never begins
    day = date(2022, 3, 10)
    with pytest.raises(ConfigError) as refused:
        series_trend(stood_on(versions, day), "Putin", "approval", measure="net", as_of=day)
    assert str(refused.value) == (
        "no net line of Vladimir Putin / approval as of 2022-03-10: 1 of its 2 polls public then"
        " gives a negative share, and a line needs 2 that do; nor has it since (the report and"
        " its averages.csv have none either)"
    )
    write_csv(settings.inbox / "again.csv", [poll_row(poll_key="again", **again)])
    run_ingest([], settings)
    versions = open_store(settings).versions()
    for day, said in (
        (date(2022, 3, 6), "none of its 1 poll public then gives a negative share"),
        (date(2022, 3, 10), "1 of its 2 polls public then gives a negative share"),
    ):
        stored = stood_on(versions, day)
        with pytest.raises(ConfigError) as refused:
            series_trend(stored, "vladimir putin", "approval", measure="negative", as_of=day)
        assert str(refused.value) == (
            f"no negative line of Vladimir Putin / approval as of {day.isoformat()}: {said},"
            " and a line needs 2 that do; it begins on 2022-03-17"
        )
    # the day said is the first the line is drawn
    begins = date(2022, 3, 17)
    trend = series_trend(stood_on(versions, begins), "Putin", "approval", "all", "net", begins)
    assert len(trend.polls) == 2 and trend.latest["date"] == pd.Timestamp(begins)


def test_a_day_before_a_series_first_poll_says_so(settings):
    write_csv(settings.inbox / "first.csv", [poll_row()])  # fieldwork 17-21 Feb 2022
    run_ingest([], settings)
    stored = stood_on(open_store(settings).versions(), date(2022, 2, 1))
    # the day to ask for: when the first was public (24 Feb), not when its fieldwork ended
    said = (
        "were public by 2022-02-01: the first was public on 2022-02-24 (fieldwork ended 2022-02-21)"
    )
    with pytest.raises(
        ConfigError, match=re.escape(f"no polls of Vladimir Putin / approval {said}")
    ):
        series_trend(stored, "Vladimir Putin", "approval", as_of=date(2022, 2, 1))
    with pytest.raises(ConfigError, match="no polls of Vladimir Putin / trust; stored series"):
        series_trend(stored, "Vladimir Putin", "trust", as_of=date(2022, 2, 1))
    # of its other side too (it said no day): the day its line begins, the one poll's
    for measure in ("negative", "net"):
        said = f"no {measure} line of Vladimir Putin / approval as of 2022-02-01: none of its"
        said += " polls was public then; it begins on 2022-02-24"
        with pytest.raises(ConfigError, match=re.escape(said)):
            series_trend(
                stored, "Vladimir Putin", "approval", measure=measure, as_of=date(2022, 2, 1)
            )
    trend = series_trend(stored, "Vladimir Putin", "approval", as_of=date(2022, 3, 1))
    assert trend.latest["date"] == pd.Timestamp("2022-03-01")
    # the report of that day says so too (it wrote an empty report and exited 0)
    said = "no poll was public by 2022-02-01: the first was public on 2022-02-24"
    with pytest.raises(ConfigError, match=said):
        build_report(settings, as_of=date(2022, 2, 1))


def test_a_real_poll_published_in_a_month_is_public_soon_after_its_fieldwork(settings):
    """The compiled news reports give FOM's poll of 27 February 2022 (trust 71%) the month of
    its report, "2022-03": stored as 31 March, it was not public as of the fourth round of
    talks, 14 March, and no trust poll was. It is from its fieldwork's end plus the usual delay,
    not before March."""
    settings.inbox.mkdir(parents=True, exist_ok=True)
    settle(Path(shutil.copy(REAL / "seed_leader_polls_2022_from_pages.csv", settings.inbox)))
    run_ingest([], settings)
    versions = open_store(settings).versions()
    talks = date(2022, 3, 14)
    trend = series_trend(stood_on(versions, talks), "Vladimir Putin", "trust", as_of=talks)
    assert trend.polls["pollster"].tolist() == ["FOM"]
    assert trend.latest["estimate"] == pytest.approx(71, abs=0.5)
    with pytest.raises(ConfigError, match="the first was public on 2022-03-0"):
        series_trend(versions, "Vladimir Putin", "trust", as_of=date(2022, 2, 28))
