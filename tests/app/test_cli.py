"""The `pollwatch` command as scripts and people use it: exit codes, --json, status.

With no Prefect server reachable, as here, the commands run the library directly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from pollwatch.store import open_store
from tests.helpers import REAL, hold_database, monthly_rows, poll_row, settle, write_csv

runner = CliRunner()


def pollwatch(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_ingest_exits_0_when_everything_loaded_and_says_what_it_loaded(settings):
    write_csv(settings.inbox / "a.csv", monthly_rows(4))
    result = pollwatch("ingest", "--data-dir", str(settings.data_dir))
    assert result.exit_code == 0, result.output
    assert "loaded" in result.stdout and "4 rows new" in result.stdout


def test_ingest_exits_1_with_rejects_and_shows_file_line_and_column(settings):
    rows = monthly_rows(10)
    rows[2]["country"] = "XX"
    write_csv(settings.inbox / "drop.csv", rows)
    result = pollwatch("ingest", "--data-dir", str(settings.data_dir))
    assert result.exit_code == 1
    assert f"{settings.inbox / 'drop.csv'}:4: column country: iso_3166_alpha2_country" in (
        result.stdout
    )
    assert "9 rows new" in result.stdout and "1 rejected" in result.stdout


def test_ingest_json_gives_one_object_with_a_file_list_and_totals(settings):
    write_csv(settings.inbox / "a.csv", monthly_rows(3))
    write_csv(
        settings.inbox / "b.csv",
        [poll_row(positive_pct="150", negative_pct="", undecided_pct="")],
        age_seconds=30,
    )
    result = pollwatch("ingest", "--data-dir", str(settings.data_dir), "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    first, second = report["files"]
    assert {
        k: first[k]
        for k in ("source", "status", "rows_read", "rows_loaded", "rows_rejected", "rows_updated")
    } == {
        "source": "canonical",
        "status": "loaded",
        "rows_read": 3,
        "rows_loaded": 3,
        "rows_rejected": 0,
        "rows_updated": 0,
    }
    assert len(first["sha256"]) == 64 and first["path"].endswith("a.csv")
    assert second["status"] == "rejected"
    assert second["rejects"] == [
        {"line": 2, "column": "positive_pct", "rule": "in_range(0, 100)", "value": "150"}
    ]
    assert report["totals"]["rows_loaded"] == 3 and report["totals"]["rejected"] == 1


def test_a_second_ingest_of_the_same_drop_reports_it_as_duplicate_and_exits_0(settings):
    rows = monthly_rows(2)
    write_csv(settings.inbox / "a.csv", rows)
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    write_csv(settings.inbox / "a.csv", rows)
    result = pollwatch("ingest", "--data-dir", str(settings.data_dir), "--json")
    assert result.exit_code == 0
    assert [f["status"] for f in json.loads(result.stdout)["files"]] == ["duplicate"]


def test_a_drop_named_again_by_its_path_is_not_archived_again(settings, tmp_path):
    """`pollwatch ingest drops/a.csv` twice: the second was archived again under a new name
    (a.<hash>.csv), and its message pointed at that copy, not at the stored one."""
    drop = write_csv(tmp_path / "drops" / "a.csv", monthly_rows(2))
    data = ("--data-dir", str(settings.data_dir))
    pollwatch("ingest", str(drop), *data)
    first = sorted(p.name for p in settings.archive.rglob("*") if p.is_file())
    again = pollwatch("ingest", str(drop), *data, "--json")
    assert again.exit_code == 0
    [result] = json.loads(again.stdout)["files"]
    assert result["status"] == "duplicate" and Path(result["stored_at"]).name == "a.csv"
    assert sorted(p.name for p in settings.archive.rglob("*") if p.is_file()) == first
    assert drop.exists()  # a file named outside the inbox is copied, never moved or removed


def test_ingest_of_the_html_error_page_exits_1_and_explains(settings, tmp_path):
    page = tmp_path / "president_approval_polls.csv"
    page.write_bytes((REAL / "fte_president_approval_polls_503_error_2021-03-09.csv").read_bytes())
    result = pollwatch("ingest", str(page), "--data-dir", str(settings.data_dir))
    assert result.exit_code == 1
    assert "not a CSV: an HTML/XML page" in result.stdout


@pytest.mark.parametrize("args", [["ingest", "no-such-file.csv"], ["status"], ["ingest"]])
def test_usage_errors_exit_2_with_a_one_line_message(tmp_path, args):
    result = pollwatch(*args, "--data-dir", str(tmp_path / "missing"))
    assert result.exit_code == 2
    assert result.stderr.startswith("pollwatch: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_broken_layout_file_exits_2_with_one_line_naming_file_and_key(settings):
    """`positive_pct = 5` in a layout of one's own was a Python traceback from both commands
    that read the layouts."""
    layout = settings.local_layouts / "razumkov.toml"
    layout.parent.mkdir(parents=True)
    layout.write_text(
        'name = "razumkov"\nby_header = false\n[columns]\nfieldwork_start = "date"\n'
        'fieldwork_end = "date"\npositive_pct = 5\n[constants]\npollster = "Razumkov"\n'
        'leader = "Volodymyr Zelensky"\ncountry = "UA"\nmetric = "trust"\n'
    )
    write_csv(settings.inbox / "a.csv", monthly_rows(3))
    for command in (["layouts"], ["ingest"]):
        result = pollwatch(*command, "--data-dir", str(settings.data_dir))
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"pollwatch: {layout}: [columns] positive_pct = 5 must be a column name, or a list"
            " of them\n"
        )


def test_trend_as_of_a_day_long_after_the_newest_poll_says_where_the_line_ends(settings):
    """Asked as of a day two years after the newest poll, trend's CSV ended on the poll's month
    with nothing said: the day asked for was not in it, and no line told why."""
    write_csv(settings.inbox / "a.csv", monthly_rows(4))  # January to April 2015
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    result = pollwatch(
        "trend", "--leader", "Putin", "--metric", "approval", "--as-of", "2017-06-01",
        "--data-dir", str(settings.data_dir),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("2015-04-30,")
    assert (
        "the newest poll public by 2017-06-01 ended 2015-04-30, more than 45 days before it:"
        " the line ends there" in result.stderr
    ), result.stderr


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2999-01-01", "2999-01-01 is after today"),  # a line of 360,000 days, and a crash
        ("2022-02-30", "2022-02-30 is not a day of the calendar"),
        ("14.03.2022", "'14.03.2022' is not a day: write it YYYY-MM-DD"),
    ],
)
def test_an_as_of_day_that_has_not_come_or_does_not_exist_is_a_usage_error(settings, day, message):
    write_csv(settings.inbox / "a.csv", monthly_rows(3, start="2022-01"))
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    for command in (["trend", "--leader", "Putin", "--metric", "approval"], ["report"]):
        result = pollwatch(*command, "--as-of", day, "--data-dir", str(settings.data_dir))
        assert result.exit_code == 2
        [line] = result.stderr.splitlines()  # one line, not Typer's box
        assert line.startswith("pollwatch: --as-of: ") and message in line


def test_trend_of_one_poll_says_it_is_that_poll_not_an_average(settings):
    """The report shows a one-poll series as a card, "not an average"; trend printed a line
    and a band as if it were one."""
    write_csv(settings.inbox / "a.csv", [poll_row(metric="performance")])
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    data = ("--data-dir", str(settings.data_dir))
    result = pollwatch("trend", "--leader", "Putin", "--metric", "performance", *data)
    assert result.exit_code == 0
    assert "one poll only (Levada Center, fieldwork ended 2022-02-21)" in result.stderr
    assert "not an average" in result.stderr


def test_trend_refuses_a_disapproval_line_the_report_and_its_download_do_not_have(settings):
    """Four polls of approval, one of which gives disapproval: the report and its averages.csv
    draw approval and no disapproval (a line needs two polls giving it); trend --measure
    negative printed a "line" of that one poll, carried over the months."""
    rows = monthly_rows(4, start="2022-01")
    for row in rows[1:]:
        row.update(negative_pct="", undecided_pct="")
    write_csv(settings.inbox / "a.csv", rows)
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    data = ("--data-dir", str(settings.data_dir))
    for measure in ("negative", "net"):
        result = pollwatch(
            "trend", "--leader", "Putin", "--metric", "approval", "--measure", measure, *data
        )
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        [line] = result.stderr.splitlines()
        assert line == (
            f"pollwatch: no {measure} line of Vladimir Putin / approval: 1 of its 4 polls gives"
            " a negative share, and a line needs 2 that do (the report and its averages.csv"
            " have none either)"
        )
    # as a person may spell them: the same refusal, not a traceback
    spelled = pollwatch(
        "trend", "--leader", "Putin", "--metric", "Approval", "--population", "Adults",
        "--measure", "Negative", *data,
    )  # fmt: skip
    assert spelled.exit_code == 2, spelled.output
    assert "no negative line of Vladimir Putin / approval (adults): 1 of its 4 polls" in (
        spelled.stderr
    )
    # a second poll giving it makes the line, in trend as in the report
    write_csv(settings.inbox / "b.csv", [poll_row(poll_key="second side")])
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    result = pollwatch(
        "trend", "--leader", "Putin", "--metric", "approval", "--measure", "negative", *data
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("date,estimate,lower,upper\n")
    assert "one poll only" not in result.stderr


def test_trend_of_a_one_poll_series_says_which_card_of_the_report_gives_it(settings):
    data = ("--data-dir", str(settings.data_dir))
    # a series of one poll is a card, whichever side of it is asked (the card gives both sides
    # and the net); the line of its fieldwork days is the poll, not carried anywhere
    write_csv(settings.inbox / "b.csv", [poll_row(metric="performance")])
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    result = pollwatch(
        "trend", "--leader", "Putin", "--metric", "performance", "--measure", "net", *data
    )
    assert "(the report gives it on the poll's card)" in result.stderr
    assert "this is that poll, not an average" in result.stderr
    result = pollwatch("trend", "--leader", "Putin", "--metric", "performance", *data)
    assert "(the report shows it as a card)" in result.stderr
    # a population's card gives the poll's positive share alone
    result = pollwatch(
        "trend", "--leader", "Putin", "--metric", "performance", "--population", "adults",
        "--measure", "net", *data,
    )  # fmt: skip
    assert "(the report's card of adults gives its performance alone)" in result.stderr
    # and net needs the negative share
    write_csv(settings.inbox / "c.csv", [poll_row(metric="trust", negative_pct="")])
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    result = pollwatch("trend", "--leader", "Putin", "--metric", "trust", "--measure", "net", *data)
    assert result.exit_code == 2
    assert "no polls of Vladimir Putin / trust give a negative share, which net needs" in (
        result.stderr
    )
    result = pollwatch(
        "trend", "--leader", "Putin", "--metric", "trust", "--population", "adults",
        "--measure", "negative", *data,
    )  # fmt: skip
    assert "no polls of Vladimir Putin / trust (adults) give a negative share" in result.stderr


def test_trend_finds_a_stored_leader_as_a_person_types_the_name(settings):
    """Leaders the alias table does not know (French prime ministers, say) were found only as
    stored, accent and case included: `--leader "elisabeth borne"` and `--leader "GABRIEL
    ATTAL"` said "no polls of elisabeth borne / approval" beside a list naming her. A surname
    alone names the one stored leader it ends; a measure is named as people say it."""
    rows = [
        poll_row(country="FR", leader="Élisabeth Borne", pollster="Ifop", **dates)
        for dates in (
            {"fieldwork_start": "2023-11-09", "fieldwork_end": "2023-11-18", "published": ""},
            {"fieldwork_start": "2023-12-14", "fieldwork_end": "2023-12-15", "published": ""},
        )
    ]
    rows.append(poll_row(country="FR", leader="Gabriel Attal", pollster="Ifop", published=""))
    write_csv(settings.inbox / "fr.csv", rows)
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    data = ("--data-dir", str(settings.data_dir))
    for typed, stored in (
        ("elisabeth borne", "Élisabeth Borne"),
        ("ELISABETH  BORNE", "Élisabeth Borne"),
        ("GABRIEL ATTAL", "Gabriel Attal"),
        ("borne", "Élisabeth Borne"),
        ("Attal", "Gabriel Attal"),
    ):
        result = pollwatch("trend", "--leader", typed, "--metric", "approval", *data)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("date,estimate,lower,upper\n")
        exact = pollwatch("trend", "--leader", stored, "--metric", "approval", *data)
        assert result.stdout == exact.stdout
    unknown = pollwatch("trend", "--leader", "Elisabeth", "--metric", "approval", *data)
    assert unknown.exit_code == 2 and "no polls of Elisabeth / approval" in unknown.stderr
    borne = ("trend", "--leader", "Borne", "--metric", "approval", *data)
    said = pollwatch(*borne, "--measure", "Disapprove")
    assert said.exit_code == 0, said.output
    assert said.stdout == pollwatch(*borne, "--measure", "negative").stdout
    assert pollwatch(*borne, "--measure", "net approval").stdout == (
        pollwatch(*borne, "--measure", "net").stdout
    )


def test_trend_says_where_its_days_are_far_from_any_poll(settings):
    """Monthly polls through 2015, none in 2016-2017, monthly again in 2018: trend printed the
    two years between as days like any other, with nothing to tell them from measured ones."""
    write_csv(
        settings.inbox / "a.csv", monthly_rows(12, start="2015-01") + monthly_rows(12, "2018-01")
    )
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    data = ("--data-dir", str(settings.data_dir))
    result = pollwatch("trend", "--leader", "Putin", "--metric", "approval", *data)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "date,estimate,lower,upper"  # the CSV as it was
    [said] = [line for line in result.stderr.splitlines() if "no poll within" in line]
    assert said.startswith("no poll within 45 days of 2016-01-31 to 2017-12-01 (671 days)")
    assert "guess between polls" in said


def test_status_shows_rows_per_leader_and_metric_files_last_run_and_newest_poll(settings):
    write_csv(settings.inbox / "a.csv", monthly_rows(3, start="2022-01"))
    write_csv(settings.inbox / "b.csv", [poll_row(country="XX")], age_seconds=30)
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    text = pollwatch("status", "--data-dir", str(settings.data_dir)).stdout
    assert "Vladimir Putin" in text and "approval" in text and "3 polls" in text
    assert "1 loaded" in text and "1 rejected" in text
    assert "newest    Vladimir Putin approval by Levada Center, fieldwork ended 2022-03-31" in text
    facts = json.loads(pollwatch("status", "--data-dir", str(settings.data_dir), "--json").stdout)
    assert facts["polls"] == 3
    assert facts["series"][0]["polls"] == 3
    assert facts["files"] == {"loaded": 1, "rejected": 1}
    assert facts["last_run"]["status"] == "rejects"
    assert facts["settings"]["data_dir"] == str(settings.data_dir)


def test_a_database_held_by_another_process_exits_3_naming_it(settings, monkeypatch):
    pollwatch("status", "--data-dir", str(settings.data_dir))
    write_csv(settings.inbox / "a.csv", monthly_rows(1))
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    holder = hold_database(settings.db_path)
    monkeypatch.setenv("POLLWATCH_LOCK_TIMEOUT_SECONDS", "0.5")
    try:
        result = pollwatch("status", "--data-dir", str(settings.data_dir))
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 3
    assert f"is in use by process {holder.pid}" in result.stderr


def test_trigger_without_a_server_says_to_start_serve(settings, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    result = runner.invoke(app, ["trigger", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 2
    assert "no Prefect server to send the run to: start `pollwatch serve`" in result.stderr


def test_status_shows_the_settings_in_use(settings, monkeypatch):
    monkeypatch.setenv("POLLWATCH_CRON", "0 * * * *")
    monkeypatch.setenv("POLLWATCH_STALE_DAYS", "30")
    facts = json.loads(pollwatch("status", "--data-dir", str(settings.data_dir), "--json").stdout)
    assert facts["settings"]["cron"] == "0 * * * *"
    assert facts["settings"]["stale_days"] == "30"
    assert facts["settings"]["move_points"] == "2.0"


def test_ingest_with_nothing_new_says_so_without_starting_a_run(settings):
    fresh = write_csv(settings.inbox / "fresh.csv", monthly_rows(1), age_seconds=0)
    result = pollwatch("ingest", "--data-dir", str(settings.data_dir), "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["files"] == [] and report["run_id"] is None
    assert report["totals"]["rows_loaded"] == 0 and report["exit_code"] == 0

    assert report["waiting"][0]["path"] == str(fresh)
    assert not settings.db_path.exists()


def test_ingest_makes_the_inbox_the_readme_says_to_drop_files_in(settings, tmp_path):
    """A data directory of its own (or a clean clone's data/, which has no inbox): the README
    says inbox/ is made in it, but neither `pollwatch ingest` nor `pollwatch ingest FILE` made
    it, so the next step, `cp drop.csv data/inbox/`, failed ("Not a directory")."""
    assert not settings.inbox.exists()
    result = pollwatch("ingest", "--data-dir", str(settings.data_dir))
    assert result.exit_code == 0 and "nothing new in the inbox" in result.stdout
    assert settings.inbox.is_dir()
    settings.inbox.rmdir()
    drop = write_csv(tmp_path / "drops" / "a.csv", monthly_rows(2))
    result = pollwatch("ingest", "--data-dir", str(settings.data_dir), str(drop))
    assert result.exit_code == 0, result.output
    assert settings.inbox.is_dir()


def test_status_before_any_ingest_says_so(settings):

    result = pollwatch("status", "--data-dir", str(settings.data_dir))
    assert result.exit_code == 0
    assert "nothing has been ingested" in result.stdout
    assert not settings.db_path.exists()


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def command(*args: str) -> Ran:
    """The installed command in its own process, as a person runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "POLLWATCH_"))}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "pollwatch"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def damaged(settings):
    """A database whose second half is overwritten, as a failing disk or a cut copy leaves it."""
    write_csv(settings.inbox / "a.csv", monthly_rows(24))
    assert pollwatch("ingest", "--data-dir", str(settings.data_dir)).exit_code == 0
    size = settings.db_path.stat().st_size
    with settings.db_path.open("r+b") as handle:
        handle.seek(size // 4)
        handle.write(bytes(range(256)) * ((size - size // 4) // 256))
    return settings


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["export", "--out", "{tmp}/out.csv"],
        ["trend", "--leader", "Vladimir Putin", "--metric", "approval"],
        ["report", "--out", "{tmp}/report"],
    ],
    ids=["status", "export", "trend", "report"],
)
def test_a_damaged_database_is_one_line_and_exit_3(damaged, tmp_path, args):
    """Each command printed a traceback and exited 1, which means 'rows rejected'."""
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = command(*args, "--data-dir", str(damaged.data_dir))
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    line = result.stderr.strip().splitlines()[-1]  # after the report's note about Prefect
    assert line.startswith(f"pollwatch: the database {damaged.db_path} is damaged (")


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "--out", "{tmp}"], "--out {tmp} is a folder: name the file"),
        (["export", "--out", "{tmp}/no/such/x.csv"], "there is no folder {tmp}/no/such"),
        (["report", "--out", "{tmp}/a-file"], "--out {tmp}/a-file is a file"),
    ],
    ids=["export to a folder", "export to a missing folder", "report to a file"],
)
def test_an_out_path_that_cannot_be_written_is_a_usage_error(settings, tmp_path, args, message):
    write_csv(settings.inbox / "a.csv", monthly_rows(3))
    pollwatch("ingest", "--data-dir", str(settings.data_dir))
    (tmp_path / "a-file").write_text("mine")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = command(*args, "--data-dir", str(settings.data_dir))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("pollwatch: ") and message.replace("{tmp}", str(tmp_path)) in line
    assert (tmp_path / "a-file").read_text() == "mine"


@pytest.fixture
def read_only_data(settings, tmp_path):
    """The data folder, database and all, where nothing may be written: a read-only bind mount
    as root (who ignores permission bits), the bits themselves otherwise."""
    write_csv(settings.inbox / "a.csv", monthly_rows(24))
    assert command("ingest", "--data-dir", str(settings.data_dir)).exit_code == 0
    folder = settings.data_dir
    if os.geteuid() != 0:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        yield folder
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        return
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip(f"cannot make a read-only folder here: {bound.stderr.decode().strip()}")
    subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_database_can_be_read(read_only_data, tmp_path):
    """status and export took the writer's lock and opened the file for writing: a published
    copy or a backup could not be read at all."""
    assert not os.access(read_only_data, os.W_OK) or os.geteuid() == 0
    data = ["--data-dir", str(read_only_data)]
    status = command("status", *data)
    assert status.exit_code == 0, status.output
    assert "24 rows stored" in status.stdout
    export = command("export", "--out", str(tmp_path / "polls.csv"), *data)
    assert export.exit_code == 0, export.output
    assert len((tmp_path / "polls.csv").read_text().splitlines()) == 25
    trend = command("trend", "--leader", "Vladimir Putin", "--metric", "approval", *data)
    assert trend.exit_code == 0, trend.output
    report = command("report", "--out", str(tmp_path / "report"), *data)
    assert report.exit_code == 0, report.output
    assert (tmp_path / "report" / "index.html").exists()
    # A writer cannot work there: one line and exit 3, not a traceback and exit 1.
    ingest = command("ingest", str(read_only_data / "archive"), *data)
    assert ingest.exit_code == 3, ingest.output
    [line] = [x for x in ingest.stderr.splitlines() if x.startswith("pollwatch: cannot")]
    assert "Traceback" not in ingest.output


def test_a_report_killed_mid_way_leaves_nothing_once_the_next_has_run(settings, tmp_path):
    """A SIGKILLed report left its `.reports.XXXXXX` staging folder for ever."""
    write_csv(settings.inbox / "a.csv", monthly_rows(24))
    assert command("ingest", "--data-dir", str(settings.data_dir)).exit_code == 0
    out = tmp_path / "reports"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "POLLWATCH_"))}
    report = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "pollwatch"),
            "report",
            "--out",
            str(out),
            "--data-dir",
            str(settings.data_dir),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".reports.*")) and time.monotonic() < deadline:
        assert report.poll() is None, "the report finished before it could be killed"
        time.sleep(0.005)
    os.killpg(report.pid, signal.SIGKILL)
    report.wait(timeout=30)
    assert list(tmp_path.glob(".reports.*")), "nothing was left to clean up"
    again = command("report", "--out", str(out), "--data-dir", str(settings.data_dir))
    assert again.exit_code == 0, again.output
    assert list(tmp_path.glob(".reports.*")) == []
    assert not (out / ".pollwatch-owner").exists()


def test_status_says_a_killed_run_crashed_rather_than_none_files(settings):
    """A run killed before it finished showed for ever as `running: None file(s), None rows new`
    until another ingest ran."""
    write_csv(settings.inbox / "a.csv", monthly_rows(3))
    killed = subprocess.Popen(["sleep", "0"])
    killed.wait()
    store = open_store(settings)
    store.start_run("the-killed-run", "cli")
    with duckdb.connect(str(settings.db_path)) as con:
        con.execute("UPDATE runs SET pid = ? WHERE run_id = 'the-killed-run'", [killed.pid])
    status = command("status", "--data-dir", str(settings.data_dir))
    [line] = [s for s in status.stdout.splitlines() if s.startswith("last run")]
    assert "None" not in line
    assert "crashed: its process ended before the run finished" in line


def test_rebuild_gives_the_database_back_from_the_archive_and_moves_nothing(settings):
    """Re-ingesting archive/ and quarantine/ to rebuild a lost database filed every file again
    as name.<hash>.csv and read the .errors.csv notes as drops. `rebuild` reads the filed drops in
    the order they arrived, corrections over what they corrected, and moves nothing."""
    data = ["--data-dir", str(settings.data_dir)]
    write_csv(settings.inbox / "a.csv", monthly_rows(12), age_seconds=300)
    write_csv(
        settings.inbox / "b.csv",
        [dict(r, positive_pct="48") for r in monthly_rows(2)] + [poll_row(positive_pct="x")],
        age_seconds=200,
    )
    assert command("ingest", *data).exit_code == 1  # b.csv has a bad row
    question = "SELECT poll_key, positive_pct FROM polls ORDER BY poll_key"
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        before = con.execute(question).fetchall()
        revisions = con.execute("SELECT count(*) FROM revisions").fetchall()
    filed = sorted(p.relative_to(settings.data_dir) for p in settings.data_dir.rglob("*.csv"))
    settings.db_path.unlink()  # lost

    done = command("rebuild", *data)
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(
        f"rebuilt {settings.db_path} from 2 file(s): 12 polls, 2 corrections, 1 rows rejected"
    )
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute(question).fetchall() == before
        assert con.execute("SELECT count(*) FROM revisions").fetchall() == revisions
    assert sorted(p.relative_to(settings.data_dir) for p in settings.data_dir.rglob("*.csv")) == (
        filed
    )
    status = command("status", *data)
    assert "WARNING" not in status.stdout and "12 rows stored" in status.stdout

    size = settings.db_path.stat().st_size  # damaged now: rebuilt again, the old one kept
    with settings.db_path.open("r+b") as handle:
        handle.seek(size // 4)
        handle.write(b"\xff" * (size // 2))
    again = command("rebuild", *data)
    assert again.exit_code == 0, again.output
    [kept] = settings.data_dir.glob("polls.duckdb.before-rebuild-*")
    assert f"kept as {kept}" in again.stdout
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute(question).fetchall() == before


def test_rebuild_reads_each_drop_with_the_layout_it_was_read_with(settings, tmp_path):
    """A series without pollster or leader columns is read by its folder's layout, in a
    subfolder of it (inbox/levada_putin_approval/2024/, as the README allows) or named with
    --layout from anywhere. Both were filed where no folder named the layout (archive/
    levada_putin_approval/2024/, archive/gallup.csv), so `rebuild` refused them ("has every
    column of levada_putin_approval ..., read only from its own folder") and said "0 polls",
    exit 0: the database it gave back had lost them."""
    data = ["--data-dir", str(settings.data_dir)]
    levada = "Date,Approve,Disapprove,No_answer\n2024-01-01,85,13,2\n2024-02-01,86,12,2\n"
    nested = settings.inbox / "levada_putin_approval" / "2024" / "levada.csv"
    nested.parent.mkdir(parents=True)
    nested.write_text(levada, encoding="utf-8")
    settle(nested, 300)
    assert command("ingest", *data).exit_code == 0
    settings.local_layouts.mkdir()
    (settings.local_layouts / "gallup_approval.toml").write_text(
        'name = "gallup_approval"\nby_header = false\n[columns]\nfieldwork_start = "Start"\n'
        'fieldwork_end = "End"\npositive_pct = "Approve"\nnegative_pct = "Disapprove"\n'
        '[constants]\npollster = "Gallup"\nleader = "Donald Trump"\ncountry = "US"\n'
        'metric = "approval"\n',
        encoding="utf-8",
    )
    gallup = tmp_path / "drops" / "gallup.csv"
    gallup.parent.mkdir()
    gallup.write_text(
        "Start,End,Approve,Disapprove\n2025-07-07,2025-07-21,37,58\n2025-06-02,2025-06-19,40,57\n",
        encoding="utf-8",
    )
    settle(gallup, 200)
    named = command("ingest", "--layout", "gallup_approval", str(gallup), *data)
    assert named.exit_code == 0, named.output
    question = "SELECT pollster, leader, fieldwork_end, positive_pct FROM polls ORDER BY ALL"
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        before = con.execute(question).fetchall()
    assert len(before) == 4
    settings.db_path.unlink()  # lost

    done = command("rebuild", *data)
    assert done.exit_code == 0, done.output
    assert "unknown_layout" not in done.output
    assert "from 2 file(s): 4 polls" in done.stdout
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute(question).fetchall() == before


def test_a_rebuild_records_every_filed_copy_of_the_same_bytes_where_it_lies(settings):
    """A file refused for want of a layout, dropped again once its layout was written, is
    filed twice (quarantine/, then archive/). The rebuild read the second copy as a duplicate
    of the first and logged it where the first lies, so `status` then warned that the archived
    copy had no record and told the user to ingest it again."""
    data = ["--data-dir", str(settings.data_dir)]
    text = "Fecha,Encuestadora,Presidente,Aprueba\n2018-03-16,Cadem,Sebastián Piñera,51\n"
    drop = settings.inbox / "chile.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text(text, encoding="utf-8")
    settle(drop, 300)
    assert command("ingest", *data).exit_code == 1  # no layout fits
    settings.local_layouts.mkdir()
    (settings.local_layouts / "cl_approval.toml").write_text(
        'name = "cl_approval"\n[columns]\nfieldwork_start = "Fecha"\nfieldwork_end = "Fecha"\n'
        'pollster = "Encuestadora"\nleader = "Presidente"\npositive_pct = "Aprueba"\n'
        '[constants]\ncountry = "CL"\nmetric = "approval"\n',
        encoding="utf-8",
    )
    drop.write_text(text, encoding="utf-8")
    settle(drop, 200)
    assert command("ingest", *data).exit_code == 0
    assert "WARNING" not in command("status", *data).output

    done = command("rebuild", *data)
    assert done.exit_code == 0, done.output
    assert "1 polls" in done.stdout or "1 poll," in done.stdout, done.stdout
    after = command("status", *data).output
    assert "WARNING" not in after, after


def test_a_quarantined_file_a_rebuild_reads_whole_is_no_longer_said_to_have_rejects(settings):
    """A compilation without a pollster column, read with a constant pollster: two polls of one
    day were one poll key given two values, both rejected, and the file quarantined with them.
    The layout given a key, `rebuild` read it whole, but its notes in quarantine/ still listed
    the two rejects (a rebuild moves nothing). They are now of the rebuild's reading."""
    data = ["--data-dir", str(settings.data_dir)]
    settings.local_layouts.mkdir()
    layout = settings.local_layouts / "wiki_approval.toml"
    spec = (
        'name = "wiki_approval"\nby_header = false\n[columns]\nfieldwork_start = "Date"\n'
        'fieldwork_end = "Date"\npositive_pct = "Approve"\n[constants]\npollster = "Various"\n'
        'leader = "Fumio Kishida"\ncountry = "JP"\nmetric = "approval"\n'
    )
    layout.write_text(spec, encoding="utf-8")
    drop = settings.inbox / "wiki_approval" / "kishida.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text("Date,Approve\n2023-05-01,45\n2023-05-01,41\n2023-06-01,40\n")
    settle(drop, 300)
    assert command("ingest", *data).exit_code == 1
    filed = settings.quarantine / "wiki_approval" / "kishida.csv"
    errors = filed.with_name("kishida.csv.errors.csv")
    assert "same_poll_key_different_values" in errors.read_text()
    layout.write_text(spec + '[poll_key]\ncolumns = ["Date", "Approve"]\n', encoding="utf-8")

    done = command("rebuild", *data)
    assert done.exit_code == 0, done.output
    assert "3 polls" in done.stdout, done.stdout
    assert filed.exists() and not errors.exists()
    note = filed.with_name("kishida.csv.summary.txt").read_text()
    assert "stored every row" in note and "rejected: 0" in note and "Rows read: 3" in note


def test_a_rebuild_that_would_lose_the_polls_of_a_layout_gone_since_replaces_nothing(
    settings, tmp_path
):
    """A file read with a layout of the data directory's layouts/, the layout then moved away:
    `rebuild` refused the file (unknown_layout), said "0 polls" and exited 0 with a database
    that had lost them, never naming the layout."""
    data = ["--data-dir", str(settings.data_dir)]
    settings.local_layouts.mkdir()
    layout = settings.local_layouts / "gallup_approval.toml"
    layout.write_text(
        'name = "gallup_approval"\nby_header = false\n[columns]\nfieldwork_start = "Start"\n'
        'fieldwork_end = "End"\npositive_pct = "Approve"\n[constants]\npollster = "Gallup"\n'
        'leader = "Donald Trump"\ncountry = "US"\nmetric = "approval"\n',
        encoding="utf-8",
    )
    gallup = tmp_path / "gallup.csv"
    gallup.write_text("Start,End,Approve\n2025-07-07,2025-07-21,37\n", encoding="utf-8")
    settle(gallup, 200)
    assert command("ingest", "--layout", "gallup_approval", str(gallup), *data).exit_code == 0
    layout.rename(tmp_path / "gallup_approval.toml")

    refused = command("rebuild", *data)
    assert refused.exit_code == 2, refused.output
    assert "a layout that is gone were refused: gallup_approval (" in refused.stderr
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM polls").fetchall() == [(1,)]
    assert not list(settings.data_dir.glob("polls.duckdb.before-rebuild-*"))


def test_after_a_rebuild_a_past_day_shows_the_values_that_stood_that_day(settings):
    """A correction made before a rebuild stands, `--as-of` a day between, where it stood: the
    rebuild stores each filed drop as of when it was filed (its modification time in archive/).
    Stored as of the rebuild, every version looked stored that day, and every earlier day showed
    each poll's first version, corrections and all forgotten."""
    data = ["--data-dir", str(settings.data_dir)]
    for name, value, arrived in (("a.csv", "71", "2022-03-01"), ("b.csv", "75", "2022-04-01")):
        row = poll_row(poll_key="x", positive_pct=value, negative_pct=98 - int(value))
        write_csv(settings.inbox / name, [row])
        assert command("ingest", *data).exit_code == 0
        [filed] = settings.archive.rglob(name.replace(".csv", "*.csv"))
        stamp = datetime(*map(int, arrived.split("-")), tzinfo=UTC).timestamp()
        os.utime(filed, (stamp, stamp))  # as if filed that day
    settings.db_path.unlink()  # lost
    assert command("rebuild", *data).exit_code == 0

    def as_of(day: str) -> str:
        done = command(
            "trend", "--leader", "Vladimir Putin", "--metric", "approval", "--as-of", day, *data
        )
        assert done.exit_code == 0, done.output
        return done.stdout.strip().splitlines()[-1].split(",")[1]

    assert (as_of("2022-03-15"), as_of("2022-04-15")) == ("71.00", "75.00")


def test_a_rebuild_reads_the_drops_in_the_order_they_were_stored_not_written(settings):
    """A correction copied with its first copy's time (`cp -p`, `wget`, unzip), older than the
    drop it corrects, was read first by `rebuild`, which ordered the drops by the times they were
    written: the drop it corrected then went back over it, and the rebuilt database said 71
    where the one it replaced said 75, dated the correction to that old day."""
    data = ["--data-dir", str(settings.data_dir)]
    written = datetime(2021, 1, 1, tzinfo=UTC).timestamp()
    for name, value in (("a.csv", "71"), ("b.csv", "75")):
        row = poll_row(poll_key="x", positive_pct=value, negative_pct=98 - int(value))
        drop = write_csv(settings.inbox / name, [row])
        if name == "b.csv":
            os.utime(drop, (written, written))
        assert command("ingest", *data).exit_code == 0
    question = "SELECT positive_pct FROM polls"
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute(question).fetchall() == [(75.0,)]
    assert command("rebuild", *data).exit_code == 0
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute(question).fetchall() == [(75.0,)]
        [(stored,)] = con.execute("SELECT min(ingested_at) FROM revisions").fetchall()
    assert stored.year > 2021


def test_a_known_failure_in_a_flow_run_is_one_line_not_tracebacks(
    damaged, prefect_api_url, tmp_path
):
    """With a Prefect server, a damaged database printed about a hundred lines of Prefect's
    tracebacks before the one-line message (ingest's and report's flow runs); each run now ends
    Failed with that line."""
    write_csv(damaged.inbox / "b.csv", monthly_rows(2, start="2019-01"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))}
    env |= {
        "PREFECT_API_URL": prefect_api_url,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "POLLWATCH_SETTLE_SECONDS": "0",
    }
    pollwatch_command = str(Path(sys.executable).parent / "pollwatch")
    for args in (["ingest"], ["report", "--out", str(tmp_path / "report")]):
        done = subprocess.run(
            [pollwatch_command, *args, "--data-dir", str(damaged.data_dir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 3, done.stdout + done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        assert "Finished in state Failed('StoreError: the database" in done.stderr
        # The command's own line; Prefect may still log after it (its events worker at exit).
        said = [x for x in done.stderr.splitlines() if x.startswith("pollwatch: ")]
        assert said[-1].startswith(f"pollwatch: the database {damaged.db_path} is damaged")


def test_help_lists_each_command_on_lines_of_its_own_width():
    """On a wide terminal each command's line in --help is whole, and so is each paragraph of a
    command's own help: Typer's Rich help kept the docstring's own line breaks, so `report`'s
    line broke after "a page per", and `ingest --help` after "(something was"."""
    shown = runner.invoke(app, ["--help"], env={"COLUMNS": "220"}, terminal_width=220)
    assert shown.exit_code == 0
    [line] = [x for x in shown.stdout.splitlines() if "│ report " in x]
    assert line.rstrip(" │").endswith(
        "A Prefect flow run when a server is reachable, as for `ingest`."
    )
    shown = runner.invoke(app, ["ingest", "--help"], env={"COLUMNS": "220"}, terminal_width=220)
    assert " (something was rejected; the reasons are written beside the file)." in shown.stdout
