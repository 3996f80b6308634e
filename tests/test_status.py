"""`pollwatch status`: asking before anything was ingested creates nothing; after an ingest it
counts what a person checks (polls, series, files by status, rejected rows by rule, the last run)
and what waits in the inbox."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from pollwatch.config import load_settings
from pollwatch.ingest.rebuild import rebuild
from pollwatch.ingest.run import run_ingest
from pollwatch.status import collect_status, status_text
from tests.helpers import monthly_rows, poll_row, settle, write_csv


@pytest.fixture
def ingested(settings):
    """Three drops: one clean (Zelensky), one with a bad row (Putin), one wholly rejected."""
    putin = monthly_rows(3)  # 2015-01 .. 2015-03
    putin[1]["country"] = "XX"  # line 3
    write_csv(settings.inbox / "putin.csv", putin)
    write_csv(
        settings.inbox / "ua" / "zelensky.csv",
        monthly_rows(2, start="2020-01", leader="Zelensky", country="UA", pollster="KIIS"),
    )
    write_csv(settings.inbox / "bad.csv", [poll_row(positive_pct="abc", poll_key="x")])
    run = run_ingest([], settings)
    return settings, run


def test_status_before_any_ingest_says_so_and_creates_no_database(settings):
    facts = collect_status(settings)
    assert not settings.db_path.exists()
    assert facts["note"] == "no database yet: nothing has been ingested"
    assert (facts["polls"], facts["series"], facts["files"], facts["last_run"]) == (0, [], {}, None)
    assert facts["inbox"] == {"ready": 0, "waiting": 0, "left_alone": [], "documents": []}
    text = status_text(facts)
    assert text.splitlines()[:2] == [
        f"database  {settings.db_path}",
        "no database yet: nothing has been ingested",
    ]
    assert "inbox     0 file(s) ready, 0 still being written" in text
    assert not settings.db_path.exists()


def test_a_readme_in_the_inbox_is_named_as_a_document_not_a_warning(settings):
    """A folder's README.md stays in the inbox on purpose: status named it in a WARNING that it
    "cannot be ingested and stays there", for ever, as if something needed mending."""
    write_csv(settings.inbox / "old.csv", monthly_rows(1), age_seconds=60)
    readme = settings.inbox / "README.md"
    readme.write_text("# drops from the pollsters\n", encoding="utf-8")
    settle(readme)
    facts = collect_status(settings)
    assert facts["inbox"]["left_alone"] == []
    assert facts["inbox"]["documents"] == [str(readme)]
    text = status_text(facts)
    assert "WARNING" not in text
    assert f"documents left beside the drops: {readme}" in text


def test_the_inbox_counts_settled_files_as_ready_and_fresh_ones_as_waiting(settings):
    write_csv(settings.inbox / "old.csv", monthly_rows(1), age_seconds=60)
    write_csv(settings.inbox / "sub" / "older.csv", monthly_rows(1), age_seconds=600)
    write_csv(settings.inbox / "fresh.csv", monthly_rows(1), age_seconds=0)
    write_csv(settings.inbox / "download.csv.part", monthly_rows(1))  # neither: ignored
    facts = collect_status(settings)
    assert facts["inbox"] == {  # .part: not told
        "ready": 2,
        "waiting": 1,
        "left_alone": [],
        "documents": [],
    }
    assert "inbox     2 file(s) ready, 1 still being written" in status_text(facts)


def test_status_counts_the_polls_and_series_stored(ingested):
    """A series runs from its first poll's first day of fieldwork, as the report says: status
    gave its first poll's last day (Chile's polls "2018-03-16 to", the report "2018-03-12 to")."""
    settings, _ = ingested
    facts = collect_status(settings)
    assert "note" not in facts
    assert facts["polls"] == 4
    assert [
        (s["leader"], s["metric"], s["polls"], s["pollsters"], s["first_poll"], s["last_poll"])
        for s in facts["series"]
    ] == [
        ("Vladimir Putin", "approval", 2, 1, date(2015, 1, 1), date(2015, 3, 31)),
        ("Volodymyr Zelensky", "approval", 2, 1, date(2020, 1, 1), date(2020, 2, 29)),
    ]
    assert facts["newest_poll"]["leader"] == "Volodymyr Zelensky"
    assert facts["newest_poll"]["fieldwork_end"] == date(2020, 2, 29)
    assert facts["newest_poll"]["age_days"] == (date.today() - date(2020, 2, 29)).days


def test_status_counts_polls_as_the_report_does_not_rows(settings):
    """A poll of adults and of registered voters is two rows, one poll; a firm's polls for two
    clients on the same days are two polls. `status` counted rows as polls, so on 538's Biden
    file it said 3,090 polls where the report's pages said 2,699."""
    write_csv(
        settings.inbox / "polls.csv",
        [
            poll_row(pollster="Ipsos", population="adults", poll_key="a"),
            poll_row(pollster="Ipsos", population="registered_voters", poll_key="b"),
            poll_row(pollster="Harris", sponsor="Harvard", poll_key="c"),
            poll_row(pollster="Harris", sponsor="Hill.TV", poll_key="d"),
        ],
    )
    run_ingest([], settings)
    facts = collect_status(settings)
    assert (facts["polls"], facts["polls_asked"]) == (4, 3)
    [series] = facts["series"]
    assert (series["rows"], series["polls"], series["pollsters"]) == (4, 3, 2)
    lines = status_text(facts).splitlines()
    assert lines[1].startswith("polls     4 rows stored (3 polls),")
    assert " ".join(lines[2].split()).startswith("Vladimir Putin approval 3 polls from 2 pollster")


def test_status_counts_files_by_status_and_rejected_rows_by_rule(ingested):
    """Each rule's example names the file where it now lies, beside its .errors.csv (it named
    the inbox path the file had long left), and the column (an in_range reject could not be
    told of approval from one of disapproval)."""
    settings, _ = ingested
    facts = collect_status(settings)
    assert facts["files"] == {"loaded": 1, "partial": 1, "rejected": 1}
    assert facts["rows_rejected"] == 2
    rules = {r["rule"]: r for r in facts["reject_rules"]}
    assert {rule: r["rows"] for rule, r in rules.items()} == {
        "iso_3166_alpha2_country": 1,
        "not_a_number": 1,
    }
    quarantined = settings.quarantine / "putin.csv"
    assert rules["iso_3166_alpha2_country"]["example"] == f"{quarantined}:3: column country: XX"
    assert quarantined.exists()


def test_a_rules_example_is_its_first_rejected_line(settings):
    """HarviLehal's preferred-PM table had same-day rows rejected on lines 6-8, 12-13, ...:
    the report's example was line 12, the lowest line as text ('12' before '6')."""
    rows = monthly_rows(12)
    for line in (6, 12):
        rows[line - 2]["country"] = "XX"
    write_csv(settings.inbox / "putin.csv", rows)
    settle(settings.inbox / "putin.csv")
    run_ingest([], settings)
    [rule] = collect_status(settings)["reject_rules"]
    assert rule["rows"] == 2
    assert rule["example"] == f"{settings.quarantine / 'putin.csv'}:6: column country: XX"


def test_files_refused_whole_are_counted_as_files_not_as_rejected_rows(settings):
    """A file that is not a CSV and one no layout fits are refused whole: status said "2 rows
    rejected" of them where the run said 0 rows; they are files refused, by reason."""
    write_csv(settings.inbox / "putin.csv", monthly_rows(2))
    (settings.inbox / "bytes.csv").write_bytes(b"\x00\x01\x02 not text")
    (settings.inbox / "odd.csv").write_text("pollster,country\nLevada,RU\n")
    for path in settings.inbox.iterdir():
        settle(path)
    run = run_ingest([], settings)
    assert run.totals["rows_rejected"] == 0
    facts = collect_status(settings)
    assert facts["rows_rejected"] == 0 and facts["reject_rules"] == []
    assert {r["rule"]: r["files"] for r in facts["files_refused"]} == {
        "not_a_csv": 1,
        "unknown_layout": 1,
    }
    text = status_text(facts)
    assert "0 rows rejected" in text
    assert "refused whole, by reason: not_a_csv 1, unknown_layout 1" in text


def test_status_describes_the_last_run(ingested):
    settings, run = ingested
    facts = collect_status(settings)
    last = facts["last_run"]
    assert last["run_id"] == run.run_id
    assert (last["status"], last["trigger"], last["files_seen"]) == ("rejects", "library", 3)
    assert (last["rows_loaded"], last["rows_rejected"]) == (4, 2)
    assert last["finished_at"] >= last["started_at"]


def test_a_later_run_is_the_last_run(ingested):
    settings, first = ingested
    write_csv(settings.inbox / "more.csv", monthly_rows(1, start="2016-01"))
    second = run_ingest([], settings)
    facts = collect_status(settings)
    assert second.run_id != first.run_id
    assert facts["last_run"]["run_id"] == second.run_id
    assert (facts["last_run"]["status"], facts["last_run"]["rows_loaded"]) == ("ok", 1)
    assert facts["files"]["loaded"] == 2 and facts["polls"] == 5


def test_a_run_that_corrected_polls_says_how_many(settings):
    """A run whose file corrected 1 poll read "0 rows new, 0 rejected", as if it did nothing."""
    write_csv(settings.inbox / "first.csv", [poll_row(poll_key="p")], age_seconds=100)
    run_ingest([], settings)
    write_csv(settings.inbox / "fixed.csv", [poll_row(poll_key="p", positive_pct="61")])
    settle(settings.inbox / "fixed.csv", 50)
    run_ingest([], settings)
    [last] = [
        line for line in status_text(collect_status(settings)).splitlines() if "last run" in line
    ]
    assert "1 file(s), 0 rows new, 1 corrected, 0 rejected" in last


def test_status_text_shows_each_count_on_its_line(ingested):
    settings, run = ingested
    write_csv(settings.inbox / "fresh.csv", monthly_rows(1), age_seconds=0)
    text = status_text(collect_status(settings))
    lines = text.splitlines()
    assert lines[0] == f"database  {settings.db_path}"
    assert lines[1] == "polls     4 rows stored (4 polls), 0 earlier versions kept, 2 rows rejected"
    assert " ".join(lines[2].split()) == (
        "Vladimir Putin approval 2 polls from 1 pollster(s), 2015-01-01 to 2015-03-31"
    )
    assert "files     1 loaded, 1 partial, 1 rejected" in lines
    [last] = [line for line in lines if line.startswith("last run")]
    assert last.endswith(
        f"rejects: 3 file(s), 4 rows new, 0 corrected, 2 rejected (run {run.run_id})"
    )
    assert "newest    Volodymyr Zelensky approval by KIIS, fieldwork ended 2020-02-29" in text
    assert "inbox     0 file(s) ready, 1 still being written" in lines
    assert "settle_seconds=2.0" in lines[-1] and lines[-1].startswith("settings  ")


def test_status_names_filed_files_the_database_has_no_record_of(ingested, tmp_path):
    """Archive and database agree after a run, also once the data folder has moved; a file put
    away without its rows (a lost write, an older database restored) is named, with the fix."""
    settings, _ = ingested
    assert collect_status(settings)["unrecorded"] == []
    moved = settings.data_dir.rename(tmp_path / "moved")
    moved_settings = load_settings(data_dir=moved, settle_seconds=2)
    assert collect_status(moved_settings)["unrecorded"] == []

    lost = write_csv(moved_settings.archive / "ua" / "lost.csv", monthly_rows(1))
    facts = collect_status(moved_settings)
    assert facts["unrecorded"] == [str(lost)]
    warning = [line for line in status_text(facts).splitlines() if line.startswith("WARNING")]
    assert warning == [
        f"WARNING   1 file(s) put away that the database has no record of: {lost}. Their rows "
        "are not stored (a lost database write, or an older database put back): move them into "
        "the inbox and run `pollwatch ingest`"
    ]


def test_a_series_of_one_poll_is_one_poll(settings):
    write_csv(settings.inbox / "one.csv", [poll_row()])
    run_ingest([], settings)
    [line] = [x for x in status_text(collect_status(settings)).splitlines() if "from 1" in x]
    assert " ".join(line.split()).startswith("Vladimir Putin approval 1 poll from 1 pollster(s),")


def test_a_file_loaded_once_its_layout_is_written_is_no_longer_counted_as_refused(settings):
    """A new publisher's table is refused whole (no layout fits), or its layout's first [rows]
    filter keeps nothing; the user writes or mends the layout and drops the same bytes again,
    which load. status and the report's quality panel went on counting the first attempt: "refused
    whole, by reason: unknown_layout 1", its skipped rows twice, and a reject of a file whose
    later attempt only rejected rows as a rejected row of its own."""
    header = ["Debut", "Fin", "Personnalite", "Fonction", "Satisfaits", "Mecontents"]
    rows = [
        dict(zip(header, r, strict=True))
        for r in [
            ["14/03/2024", "15/03/2024", "Emmanuel Macron", "President", "27", "72"],
            ["14/03/2024", "15/03/2024", "Gabriel Attal", "Premier ministre", "45", "53"],
            ["15/02/2024", "16/02/2024", "Emmanuel Macron", "President", "29", "70"],
            ["15/02/2024", "16/02/2024", "Gabriel Attal", "Premier ministre", "47", "50"],
        ]
    ]
    drop = write_csv(settings.inbox / "ifop.csv", rows, columns=header)
    kept = drop.read_bytes()
    run_ingest([], settings)
    assert collect_status(settings)["files_refused"][0]["rule"] == "unknown_layout"

    def layout(keep: str) -> None:
        settings.local_layouts.mkdir(exist_ok=True)
        (settings.local_layouts / "ifop_jdd.toml").write_text(
            'name = "ifop_jdd"\nby_header = true\n'
            '[columns]\nfieldwork_start = "Debut"\nfieldwork_end = "Fin"\n'
            'leader = "Personnalite"\npositive_pct = "Satisfaits"\nnegative_pct = "Mecontents"\n'
            '[constants]\npollster = "Ifop"\ncountry = "FR"\nmetric = "approval"\n'
            f'[rows]\nkeep = {{ Fonction = "{keep}" }}\n',
            encoding="utf-8",
        )

    def drop_again() -> None:
        (settings.inbox / "ifop.csv").write_bytes(kept)
        settle(settings.inbox / "ifop.csv")
        run_ingest([], settings)

    layout(keep="Chef de l'État")  # a name no row has: nothing kept, refused whole
    drop_again()
    assert collect_status(settings)["files_refused"][0]["rule"] == "no_row_kept"
    layout(keep="President")
    drop_again()
    facts = collect_status(settings)
    assert facts["polls"] == 2
    assert facts["files_refused"] == []
    assert facts["rows_rejected"] == 0 and facts["reject_rules"] == []
    assert facts["rows_skipped"] == 2
    assert facts["files"] == {"loaded": 1}
    text = status_text(facts)
    assert "refused whole" not in text
    assert (
        "polls     2 rows stored (2 polls), 0 earlier versions kept, 0 rows rejected, 2 skipped"
        in (text)
    )
    assert "files     1 loaded" in text.splitlines()


def test_polls_stored_before_publication_months_were_told_from_days_are_named_until_a_rebuild(
    settings,
):
    """A store written by an earlier pollwatch holds a publication month as the month's last day
    with nothing to tell it from that day: its polls count as public only from then, a month
    late, in an average as it stood, until `pollwatch rebuild` reads them again. Status says
    so, of those polls only."""
    rows = [
        poll_row(poll_key="month", published="2022-03"),
        poll_row(poll_key="day", published="2022-03-04"),
        poll_row(poll_key="last day", published="2022-02-28"),
    ]
    write_csv(settings.inbox / "polls.csv", rows)
    run_ingest([], settings)
    assert "rebuild" not in status_text(collect_status(settings))
    with duckdb.connect(str(settings.db_path)) as con:  # as an earlier pollwatch left it
        con.execute("UPDATE polls SET published_precision = NULL")
    facts = collect_status(settings)
    assert facts["published_month_unknown"] == 2  # "2022-03" and 28 February
    [line] = [s for s in status_text(facts).splitlines() if s.startswith("rebuild")]
    assert line.startswith("rebuild   2 polls stored by an earlier pollwatch give a month's last")
    assert "`pollwatch rebuild` reads them again" in line
    rebuild(settings)
    assert collect_status(settings)["published_month_unknown"] == 0
