"""A drop from inbox to store: what is stored, what is rejected, and where each file ends up."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from pollwatch.config import ConfigError, load_settings
from pollwatch.ingest import batch, file_mapping, files, planning
from pollwatch.ingest.messages import describe_reject
from pollwatch.ingest.rebuild import rebuild
from pollwatch.ingest.run import run_ingest
from pollwatch.map.aliases import aliased_leader
from pollwatch.status import collect_status
from tests.helpers import ROOT, monthly_rows, poll_row, query, settle, write_csv


def ten_rows_three_bad() -> list[dict[str, str]]:
    rows = monthly_rows(10)
    rows[2].update(positive_pct="140", negative_pct="", undecided_pct="")  # line 4
    rows[5]["fieldwork_end"] = "2014-01-01"  # line 7: ends before it starts
    rows[8]["country"] = "XX"  # line 10
    return rows


def test_a_drop_of_ten_rows_with_three_bad_loads_seven_and_quarantines_the_three(settings):
    path = write_csv(settings.inbox / "levada.csv", ten_rows_three_bad())
    run = run_ingest([], settings)
    [result] = run.files
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "partial",
        10,
        7,
        3,
    )
    assert run.exit_code == 1
    assert query(settings, "SELECT count(*) AS n FROM polls")["n"][0] == 7
    assert not path.exists()
    assert (settings.quarantine / "levada.csv").exists()
    with (settings.quarantine / "levada.csv.errors.csv").open() as handle:
        errors = list(csv.DictReader(handle))
    assert [(e["line"], e["column"], e["rule"]) for e in errors] == [
        ("4", "positive_pct", "in_range(0, 100)"),
        ("7", "fieldwork_end", "fieldwork_end_not_before_start"),
        ("10", "country", "iso_3166_alpha2_country"),
    ]
    assert errors[0]["value"] == "140"
    summary = (settings.quarantine / "levada.csv.summary.txt").read_text()
    assert "rejected: 3" in summary and f"{path}:10: column country" in summary
    assert "The other rows are stored." in summary
    stored_rejects = query(
        settings, "SELECT line_number, column_name, rule FROM rejects ORDER BY line_number"
    )
    assert stored_rejects["line_number"].tolist() == [4, 7, 10]


def test_a_clean_drop_is_archived_with_its_folder(settings):
    path = write_csv(settings.inbox / "levada" / "2022.csv", monthly_rows(3))
    run = run_ingest([], settings)
    assert run.exit_code == 0
    assert run.files[0].status == "loaded"
    assert (settings.archive / "levada" / "2022.csv").exists()
    assert not path.exists()


@pytest.mark.parametrize("ask_first", [True, False], ids=["asked-first", "found-at-commit"])
def test_the_second_ingest_of_the_same_file_loads_nothing(settings, monkeypatch, ask_first):
    """A batch of big files asks the store which it holds before reading them; a small one finds
    out when it commits. Either way the copy is a duplicate and nothing changes."""
    monkeypatch.setattr(batch, "ASK_FIRST_BYTES", 0 if ask_first else 1 << 40)
    rows = monthly_rows(5)
    write_csv(settings.inbox / "a.csv", rows)
    run_ingest([], settings)
    before = query(settings, "SELECT * FROM polls ORDER BY poll_key")
    write_csv(settings.inbox / "a.csv", rows)
    run = run_ingest([], settings)
    [result] = run.files
    assert result.status == "duplicate"
    assert result.rows_loaded == 0 and run.exit_code == 0
    # which layout read it, and what reads it again where that layout has changed since (a
    # layout fixed and its file dropped again changed nothing, and said nothing of why)
    assert "read with layout canonical" in result.message
    assert "`pollwatch rebuild` reads every filed file again" in result.message
    assert query(settings, "SELECT * FROM polls ORDER BY poll_key").equals(before)
    assert not (settings.inbox / "a.csv").exists()
    assert sorted(p.name for p in settings.archive.iterdir()) == ["a.csv"]


def test_the_same_poll_in_two_files_is_one_row(settings):
    rows = monthly_rows(4)
    write_csv(settings.inbox / "a.csv", rows[:3])
    write_csv(settings.inbox / "b.csv", rows[1:], age_seconds=30)
    run = run_ingest([], settings)
    first, second = run.files
    assert (first.rows_loaded, second.rows_loaded, second.rows_duplicate) == (3, 1, 2)
    assert query(settings, "SELECT count(*) AS n FROM polls")["n"][0] == 4


def test_a_later_file_with_a_new_value_corrects_the_poll_and_keeps_the_old_one(settings):
    write_csv(settings.inbox / "first.csv", [poll_row(poll_key="levada-2022-02")])
    run_ingest([], settings)
    corrected = poll_row(poll_key="levada-2022-02", positive_pct="72", undecided_pct="1")
    write_csv(settings.inbox / "second.csv", [corrected])
    run = run_ingest([], settings)
    assert run.files[0].rows_updated == 1 and run.files[0].rows_loaded == 0
    now = query(settings, "SELECT positive_pct, undecided_pct, source_name FROM polls")
    assert now.values.tolist() == [[72.0, 1.0, "canonical"]]
    old = query(settings, "SELECT positive_pct, undecided_pct, changed_columns FROM revisions")
    assert old["positive_pct"].tolist() == [71.0]
    assert list(old["changed_columns"][0]) == ["positive_pct", "undecided_pct"]


@pytest.mark.parametrize(
    ("first", "later", "stored", "corrected"),
    [
        # a correction leaving the publication month empty keeps the month, and says it is one
        (dict(published="2022-03"), dict(published="", negative_pct="19"), ("03-31", "month"), 1),
        # the month a later copy gives holds the stored day: the day is kept, nothing changed
        (dict(published="2022-03-20"), dict(published="2022-03"), ("03-20", "day"), 0),
        # a month's poll reported on the 28th, then its days, 24 to 30 March, with no report
        # day: not published before its fieldwork ended
        (
            dict(fieldwork_start="2022-03", fieldwork_end="", published="2022-03-28"),
            dict(fieldwork_start="2022-03-24", fieldwork_end="2022-03-30", published=""),
            ("03-30", "day"),
            1,
        ),
        # ... but a month's poll reported on the 28th, then again as March's with no report
        # day, keeps it: inside a fieldwork given as a month
        (
            dict(fieldwork_start="2022-03", fieldwork_end="", published="2022-03-28"),
            dict(fieldwork_start="2022-03", fieldwork_end="", published="", negative_pct="26"),
            ("03-28", "day"),
            1,
        ),
    ],
    ids=["month kept", "day kept", "not before its end", "inside its month"],
)
def test_a_later_version_s_publication_date_says_no_less_than_the_stored_one(
    settings, first, later, stored, corrected
):
    """The precision of a publication date goes with it: a correction that kept the stored
    month as published wiped its precision (so `status` asked for a rebuild that changed
    nothing); a month-only copy replaced the stored day of publication by the month's last day;
    and a poll could be stored as published before its fieldwork ended, which a re-read of its
    export then refused."""
    common = dict(pollster="FOM", fieldwork_start="2022-02-27", fieldwork_end="2022-02-27")
    write_csv(settings.inbox / "first.csv", [poll_row(poll_key="fom", **common | first)])
    run_ingest([], settings)
    write_csv(settings.inbox / "later.csv", [poll_row(poll_key="fom", **common | later)])
    [result] = run_ingest([], settings).files
    assert (result.rows_updated, result.rows_duplicate) == (corrected, 1 - corrected)
    day = "SELECT strftime(published, '%m-%d') AS d, published_precision AS p FROM polls"
    assert query(settings, day).values.tolist() == [list(stored)]


def test_a_bad_file_changes_nothing_already_stored(settings):
    write_csv(settings.inbox / "good.csv", [poll_row(poll_key="k")])
    run_ingest([], settings)
    before = query(settings, "SELECT * FROM polls")
    write_csv(settings.inbox / "bad.csv", [poll_row(poll_key="k", positive_pct="170")])
    run = run_ingest([], settings)
    assert run.files[0].status == "rejected"
    assert query(settings, "SELECT * FROM polls").equals(before)
    assert query(settings, "SELECT count(*) AS n FROM revisions")["n"][0] == 0


def test_provenance_is_stored_on_every_row(settings):
    write_csv(settings.inbox / "a.csv", monthly_rows(2))
    run = run_ingest([], settings, run_id="run-1")
    stored = query(
        settings,
        "SELECT file_sha256, source_name, line_number, ingested_at, run_id "
        "FROM polls ORDER BY line_number",
    )
    assert stored["file_sha256"].tolist() == [run.files[0].sha256] * 2
    assert stored["line_number"].tolist() == [2, 3]
    assert stored["run_id"].tolist() == ["run-1", "run-1"]
    assert stored["ingested_at"].notna().all()


def test_files_still_being_written_wait_for_a_later_run(settings):
    fresh = write_csv(settings.inbox / "fresh.csv", monthly_rows(2), age_seconds=0)
    run = run_ingest([], settings)
    assert run.files == []
    assert run.waiting[0][0] == str(fresh) and "may still be being written" in run.waiting[0][1]
    assert fresh.exists()


@pytest.mark.parametrize("name", [".hidden.csv", "drop.csv.part", "drop.csv.tmp", "drop.csv~"])
def test_hidden_and_temporary_files_are_left_alone(settings, name):
    path = write_csv(settings.inbox / name, monthly_rows(1))
    run = run_ingest([], settings)
    assert run.files == [] and path.exists()


@pytest.mark.parametrize("name", ["README", "readme.txt", "LICENSE"])
def test_a_readme_without_a_document_suffix_is_left_alone_as_a_document(settings, name):
    """A folder's README with no suffix (or as .txt) was quarantined as a drop no layout fits,
    and the run exited 1; the same notes as README.md were left alone."""
    readme = settings.inbox / name
    readme.parent.mkdir(parents=True)
    readme.write_text("Drops from the pollsters, one file a month.\n", encoding="utf-8")
    settle(readme)
    write_csv(settings.inbox / "drop.csv", monthly_rows(1))
    run = run_ingest([], settings)
    assert run.exit_code == 0
    assert [Path(f.path).name for f in run.files] == ["drop.csv"]
    assert run.ignored == [(str(readme), f"a document ({name}), not a poll table: left as it is")]
    assert readme.exists()


def test_a_layout_kept_beside_its_drops_is_left_alone(settings):
    """A folder of a publisher's files with the layout written for them, ingested whole: each
    .toml was quarantined as a table no layout fits (some told to save it as CSV)."""
    layout = settings.inbox / "newspoll" / "newspoll.toml"
    layout.parent.mkdir(parents=True)
    layout.write_text('name = "newspoll"\nby_header = false\n', encoding="utf-8")
    settle(layout)
    write_csv(settings.inbox / "newspoll" / "drop.csv", monthly_rows(1))
    run = run_ingest([], settings)
    assert (run.exit_code, [Path(f.path).name for f in run.files]) == (0, ["drop.csv"])
    [(path, reason)] = run.ignored
    assert path == str(layout) and reason.startswith("a layout or settings file (.toml)")
    assert layout.exists()


def test_a_symbolic_link_out_of_the_inbox_is_not_followed(settings, tmp_path):
    outside = write_csv(tmp_path / "secret.csv", monthly_rows(1))
    settings.inbox.mkdir()
    (settings.inbox / "link.csv").symlink_to(outside)
    run = run_ingest([], settings)
    assert run.files == []
    assert "outside the inbox" in run.ignored[0][1]
    assert outside.exists()


def test_a_file_named_from_outside_the_inbox_is_copied_not_moved(settings, tmp_path):
    outside = write_csv(tmp_path / "mine.csv", monthly_rows(2))
    run = run_ingest([outside], settings)
    assert run.files[0].status == "loaded"
    assert outside.exists()
    assert (settings.archive / "mine.csv").read_bytes() == outside.read_bytes()


def test_a_missing_data_directory_is_a_configuration_error(settings, tmp_path):
    from pollwatch.config import load_settings

    missing = load_settings(data_dir=tmp_path / "nope")
    with pytest.raises(ConfigError, match="does not exist"):
        run_ingest([], missing)
    assert not (tmp_path / "nope").exists()


def test_a_file_moved_out_mid_run_by_a_crash_is_finished_by_the_next_run(settings):
    """A run that committed but died before moving the file leaves it in the inbox: the next
    run recognises the bytes and files it where the first run meant to, with its errors."""
    rows = ten_rows_three_bad()
    path = write_csv(settings.inbox / "levada.csv", rows)
    data = path.read_bytes()
    run_ingest([], settings)
    # Put the world back as it was between the commit and the move.
    for leftover in settings.quarantine.iterdir():
        leftover.unlink()
    write_csv(path, rows)
    run = run_ingest([], settings)
    assert run.files[0].status == "duplicate"
    assert (settings.quarantine / "levada.csv").read_bytes() == data
    assert (settings.quarantine / "levada.csv.errors.csv").read_text().count("\n") == 4
    assert query(settings, "SELECT count(*) AS n FROM polls")["n"][0] == 7


def test_small_drops_written_together_each_end_as_they_would_alone(settings, tmp_path):
    """Files of one batch are mapped and written together; each still ends as it would in a
    run of its own: a broken file or a file contradicting itself takes no batch-mate down, a
    later file corrects an earlier one's poll, and a second copy of a file is a duplicate."""
    drops = {
        "a-good.csv": [poll_row(poll_key="p1"), poll_row(poll_key="p2", positive_pct="60")],
        "b-broken.csv": None,
        "c-self-contradicting.csv": [
            poll_row(poll_key="p3", positive_pct="50"),
            poll_row(poll_key="p3", positive_pct="51"),
            poll_row(poll_key="p4"),
        ],
        "d-corrects-a.csv": [poll_row(poll_key="p2", positive_pct="61")],
        "e-copy-of-a.csv": [poll_row(poll_key="p1"), poll_row(poll_key="p2", positive_pct="60")],
    }

    def drop(folder: Path) -> None:
        for age, (name, rows) in enumerate(drops.items()):
            if rows is None:
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(b"pollster,country\n\xff\xfe\x00broken\n")
                settle(folder / name, 100 - age)
            else:
                write_csv(folder / name, rows, age_seconds=100 - age)

    drop(settings.inbox)
    together = {Path(f.path).name: f for f in run_ingest([], settings).files}

    alone_settings = load_settings(data_dir=tmp_path / "alone", settle_seconds=2)
    alone_settings.data_dir.mkdir()
    staging = tmp_path / "staging"
    drop(staging)
    alone_settings.inbox.mkdir()
    alone = {}
    for name in drops:  # one file a run, in the same order
        settle(Path(shutil.copy(staging / name, alone_settings.inbox / name)))
        [alone[name]] = run_ingest([], alone_settings).files

    fields = (
        "status",
        "rows_read",
        "rows_loaded",
        "rows_updated",
        "rows_duplicate",
        "rows_rejected",
    )
    for name in drops:
        assert [getattr(together[name], f) for f in fields] == [
            getattr(alone[name], f) for f in fields
        ], name
        assert together[name].rejects == alone[name].rejects, name
    assert together["d-corrects-a.csv"].rows_updated == 1
    assert together["e-copy-of-a.csv"].status == "duplicate"
    assert query(settings, "SELECT positive_pct FROM polls WHERE poll_key = 'p2'")[
        "positive_pct"
    ].tolist() == [61.0]
    assert query(settings, "SELECT count(*) AS n FROM revisions")["n"][0] == 1


def test_batches_hold_at_most_so_many_files_and_bytes(tmp_path):
    sizes = [10, 10, 10, 50, 10, 200, 10]
    paths = []
    for index, size in enumerate(sizes):
        paths.append(tmp_path / f"{index}.csv")
        paths[-1].write_bytes(b"x" * size)
    found = planning.batches(paths, size=3, max_bytes=60)
    assert [[int(p.stem) for p in batch] for batch in found] == [[0, 1, 2], [3, 4], [5], [6]]
    assert planning.batches(paths + [tmp_path / "gone.csv"], size=10, max_bytes=1000) == [
        paths + [tmp_path / "gone.csv"]
    ]


LEVADA_PUTIN = {"pollster": "Levada Center", "country": "RU", "leader": "Putin"}
KIIS_ZELENSKY = {"pollster": "KIIS", "country": "UA", "leader": "Zelensky", "metric": "trust"}


@pytest.mark.parametrize(
    "runs, in_duckdb",
    [("two runs", False), ("one run", False), ("two runs", True), ("one run", True)],
)
def test_poll_keys_are_each_pollster_s_own_and_one_given_to_another_poll_is_rejected(
    settings, monkeypatch, runs, in_duckdb
):
    """A KIIS Zelensky row reusing the key of a stored Levada Putin poll once replaced it ("1
    corrected"): publishers number their own polls, so it is another poll, stored beside it.
    Within one pollster's keys, a key given to a poll about something else (another leader) is
    rejected naming the file that stored it: a correction may change a poll's values, never what
    it is about. Both for small files and for files mapped inside DuckDB (big ones)."""
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    levada = write_csv(
        settings.inbox / "levada.csv", [poll_row(poll_key="1", **LEVADA_PUTIN)], age_seconds=100
    )
    kiis_rows = [poll_row(poll_key="1", **KIIS_ZELENSKY), poll_row(poll_key="2", **KIIS_ZELENSKY)]
    write_csv(settings.inbox / "kiis.csv", kiis_rows, age_seconds=50)
    if runs == "two runs":
        run_ingest([], settings)
    later_rows = [
        poll_row(poll_key="1", pollster="Levada Center", country="UA", leader="Zelensky"),
        poll_row(poll_key="3", **LEVADA_PUTIN),
    ]
    write_csv(settings.inbox / "later.csv", later_rows, age_seconds=20)
    run = run_ingest([], settings)
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in run.files}
    if runs == "one run":
        kiis = by_name["kiis.csv"]
        assert (kiis.status, kiis.rows_loaded, kiis.rows_updated) == ("loaded", 2, 0)
    later = by_name["later.csv"]
    assert (later.status, later.rows_loaded, later.rows_updated, later.rows_rejected) == (
        "partial",
        1,
        0,
        1,
    )
    [reject] = later.rejects
    assert (reject["line"], reject["column"], reject["rule"]) == (
        2,
        "poll_key",
        "poll_key_of_another_poll",
    )
    assert reject["value"] == (
        f"1 is the key of another poll (Levada Center, RU, Vladimir Putin, approval) from {levada}"
    )
    stored = query(
        settings, "SELECT poll_key, pollster, leader FROM polls ORDER BY pollster, poll_key"
    )
    assert stored.values.tolist() == [
        ["1", "KIIS", "Volodymyr Zelensky"],
        ["2", "KIIS", "Volodymyr Zelensky"],
        ["1", "Levada Center", "Vladimir Putin"],
        ["3", "Levada Center", "Vladimir Putin"],
    ]
    assert query(settings, "SELECT count(*) AS n FROM revisions")["n"][0] == 0


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
def test_one_key_in_two_pollsters_rows_is_two_polls_and_a_correction_touches_its_own(
    settings, monkeypatch, in_duckdb
):
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    rows = [poll_row(poll_key="1", **LEVADA_PUTIN), poll_row(poll_key="1", **KIIS_ZELENSKY)]
    write_csv(settings.inbox / "both.csv", rows, age_seconds=100)
    [both] = run_ingest([], settings).files
    assert (both.status, both.rows_loaded, both.rejects) == ("loaded", 2, [])
    corrected = [poll_row(poll_key="1", **(KIIS_ZELENSKY | {"positive_pct": "64"}))]
    write_csv(settings.inbox / "kiis-fix.csv", corrected, age_seconds=50)
    [fix] = run_ingest([], settings).files
    assert (fix.status, fix.rows_loaded, fix.rows_updated) == ("loaded", 0, 1)
    stored = query(settings, "SELECT pollster, positive_pct FROM polls ORDER BY pollster")
    assert stored.values.tolist() == [["KIIS", 64.0], ["Levada Center", 71.0]]
    revised = query(settings, "SELECT pollster, positive_pct FROM revisions")
    assert revised.values.tolist() == [["KIIS", 71.0]]


def dated(start: str, end: str, key: str) -> dict[str, str]:
    return poll_row(fieldwork_start=start, fieldwork_end=end, poll_key=key, published="")


def with_shares(row: dict[str, str], positive: str, negative: str, undecided: str) -> dict:
    return dict(row, positive_pct=positive, negative_pct=negative, undecided_pct=undecided)


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
def test_slashed_dates_are_read_in_the_order_the_file_proves(settings, monkeypatch, in_duckdb):
    """01/02/2023 was stored as January 2 while 14/03/2023 in the same file was rejected: a day
    above 12 proves the day comes first, for every date of that file; another file's 03/14/2023
    proves the month comes first for that one. Dashed the same way (14-03-2023), dates were
    rejected as not dates, row after row."""
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    write_csv(
        settings.inbox / "de.csv",
        [dated("01-02-2023", "07-02-2023", "de1"), dated("14-03-2023", "20-03-2023", "de2")],
        age_seconds=150,
    )
    write_csv(
        settings.inbox / "eu.csv",
        [dated("01/02/2023", "07/02/2023", "eu1"), dated("14/03/2023", "20/03/2023", "eu2")],
        age_seconds=100,
    )
    write_csv(
        settings.inbox / "us.csv",
        [dated("01/02/2023", "01/07/2023", "us1"), dated("03/14/2023", "03/20/2023", "us2")],
        age_seconds=50,
    )
    run = run_ingest([], settings)
    assert [f.status for f in run.files] == ["loaded", "loaded", "loaded"]
    stored = query(
        settings,
        "SELECT poll_key, strftime(fieldwork_start, '%Y-%m-%d') AS s,"
        " strftime(fieldwork_end, '%Y-%m-%d') AS e FROM polls ORDER BY poll_key",
    )
    assert stored.values.tolist() == [
        ["de1", "2023-02-01", "2023-02-07"],
        ["de2", "2023-03-14", "2023-03-20"],
        ["eu1", "2023-02-01", "2023-02-07"],
        ["eu2", "2023-03-14", "2023-03-20"],
        ["us1", "2023-01-02", "2023-01-07"],
        ["us2", "2023-03-14", "2023-03-20"],
    ]


@pytest.mark.parametrize(
    "rows, rule, said, line",
    [
        (
            [dated("01/02/2023", "07/02/2023", "a")],
            "ambiguous_dates",
            ["such as line 2, column fieldwork_end: 07/02/2023", 'formats = ["%d/%m/%Y"]'],
            2,
        ),
        (
            # The format suggested is the file's own: "%d/%m/%Y" read none of these dates.
            [dated("01-02-23", "07-02-23", "a")],
            "ambiguous_dates",
            ["such as line 2, column fieldwork_end: 07-02-23", 'formats = ["%d-%m-%y"]'],
            2,
        ),
        (
            [
                dated("01/02/2023", "07/02/2023", "a"),
                dated("14/03/2023", "20/03/2023", "b"),
                dated("03/14/2023", "03/20/2023", "c"),
            ],
            "mixed_date_order",
            [
                "day first in some rows (line 3, column fieldwork_end: 20/03/2023)",
                "month first in others (line 4, column fieldwork_end: 03/20/2023)",
            ],
            3,
        ),
    ],
    ids=["no date tells", "no two-digit year tells", "both orders"],
)
def test_a_file_whose_slashed_dates_do_not_tell_their_order_is_refused(
    settings, rows, rule, said, line
):
    """Refused with the dates that show it, by line and column: a file of both orders once
    said only which days were largest, and which rows to fix was left to find."""
    path = write_csv(settings.inbox / "dates.csv", rows)
    run = run_ingest([], settings)
    [result] = run.files
    assert (result.status, result.rows_loaded) == ("rejected", 0)
    assert (result.rejects[0]["rule"], result.rejects[0]["line"]) == (rule, line)
    assert all(words in result.message for words in said), result.message
    assert "name the order in a layout" in result.message
    assert (settings.quarantine / path.name).exists()


def test_a_layout_may_declare_the_day_first(settings):
    """A layout that says so reads a file whose dates alone cannot tell."""
    layout = settings.local_layouts / "eu_canonical.toml"
    layout.parent.mkdir(parents=True, exist_ok=True)
    canonical = (ROOT / "schemas" / "sources" / "canonical.toml").read_text(encoding="utf-8")
    # Into the canonical layout's own [dates] table (TOML refuses a second one).
    assert "\n[dates]\n" in canonical
    layout.write_text(
        canonical.replace('name = "canonical"', 'name = "eu_canonical"').replace(
            "\n[dates]\n", "\n[dates]\nday_first = true\n"
        ),
        encoding="utf-8",
    )
    write_csv(settings.inbox / "eu_canonical" / "a.csv", [dated("01/02/2023", "07/02/2023", "a")])
    [result] = run_ingest([], settings).files
    assert result.status == "loaded", result.message
    assert query(settings, "SELECT strftime(fieldwork_start, '%Y-%m-%d') AS s FROM polls")[
        "s"
    ].tolist() == ["2023-02-01"]


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
def test_proportions_beside_a_percentage_undecided_share_are_still_proportions(
    settings, monkeypatch, in_duckdb
):
    """0.40 and 0.57 with a don't-know share of 3 (a column already in percent) add up past 2,
    and were taken at their word: they corrected a stored 40/57 poll to 0.4 and 0.57. Only
    shares that make up the whole sample (1, 0.5, 98.5) say that nobody knows."""
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    write_csv(
        settings.inbox / "mixed.csv",
        [
            dict(dated("2023-02-01", "2023-02-07", "mixed"), undecided_pct="3"),
            with_shares(dated("2023-03-01", "2023-03-07", "mixed2"), "0.40", "0.57", "3"),
            with_shares(dated("2023-04-01", "2023-04-07", "unknown"), "1", "0.5", "98.5"),
        ],
    )
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    assert [(r["line"], r["rule"]) for r in result.rejects] == [
        (3, "shares_are_percentages_not_proportions")
    ]


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
def test_a_file_of_proportions_is_read_as_percents_and_said_so(settings, monkeypatch, in_duckdb):
    """A publisher's file of 0.62 for 62% (Behaviour & Attitudes' leader satisfaction, with
    only a satisfied share) was stored as 0.62% approval, exit 0, no warning: no check stops a
    share under 1, and the headline read "0.6%". A file nine in ten of whose shares lie between
    0 and 1 is proportions, and a share above 1 in it is no proportion: its row is rejected,
    where one such slip had made every other share of the file 0.xx%. A file of percents keeps
    its rows of proportions rejected (the test above), and a layout may say which."""
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    _canonical_as("publisher", settings, "")
    shares = [("0.41", "0.56", "0.03"), ("0.57", "", ""), ("1", "0", "")]
    shares += [(f"0.{k}", "", "") for k in range(30, 37)] + [("25", "", "")]  # a slip, line 12
    rows = [
        with_shares(dated(f"2023-{m:02d}-01", f"2023-{m:02d}-07", f"k{m:02d}"), *three)
        for m, three in enumerate(shares, 1)
    ]
    write_csv(settings.inbox / "publisher" / "prop.csv", rows)
    [result] = run_ingest([], settings).files
    assert (result.status, result.rows_loaded) == ("partial", 10), result.message
    assert any(
        "shares read as proportions" in w and "0.62 is stored as 62%" in w for w in result.warnings
    ), result.warnings
    assert [(r["line"], r["rule"]) for r in result.rejects] == [(12, "not_a_proportion")]
    stored = query(
        settings,
        "SELECT poll_key, positive_pct, negative_pct, undecided_pct FROM polls ORDER BY poll_key",
    )
    assert stored.fillna(-1).values.tolist()[:4] == [
        ["k01", 41.0, 56.0, 3.0],
        ["k02", 57.0, -1, -1],
        ["k03", 100.0, 0.0, -1],
        ["k04", 30.0, -1, -1],
    ]


BORNE = ROOT / "tests/fixtures/real/harvilehal_french_borne_approval_2022.csv"


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
def test_the_proportions_warning_names_the_columns_as_the_header_spells_them(
    settings, monkeypatch, in_duckdb
):
    """HarviLehal's Borne approval (`Date,Borne Approve,Borne Disapprove,Borne Unsure`, 0.36
    for 36%): the warning said 'the shares in borne approve, borne disapprove, borne unsure',
    columns the file does not spell so, where every other message names the file's own."""
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    settings.local_layouts.mkdir(exist_ok=True)
    (settings.local_layouts / "fr_borne.toml").write_text(
        'name = "fr_borne"\nby_header = false\n[columns]\nfieldwork_start = "Date"\n'
        'fieldwork_end = "Date"\npositive_pct = "Borne Approve"\n'
        'negative_pct = "Borne Disapprove"\nundecided_pct = "Borne Unsure"\n'
        '[constants]\npollster = "Wikipedia compilation"\nleader = "Élisabeth Borne"\n'
        'country = "FR"\nmetric = "approval"\n',
        encoding="utf-8",
    )
    (settings.inbox / "fr_borne").mkdir(parents=True)
    shutil.copy(BORNE, settings.inbox / "fr_borne" / BORNE.name)
    settle(settings.inbox / "fr_borne" / BORNE.name, 60)
    [result] = run_ingest([], settings).files
    assert (result.status, result.rows_loaded) == ("loaded", 2), result.message
    [warning] = [w for w in result.warnings if "shares read as proportions" in w]
    assert "the shares in Borne Approve, Borne Disapprove, Borne Unsure lie" in warning, warning
    stored = query(
        settings,
        "SELECT fieldwork_end, positive_pct, negative_pct, undecided_pct FROM polls"
        " ORDER BY fieldwork_end",
    )
    assert stored.astype(str).values.tolist() == [
        ["2022-06-23", "37.0", "52.0", "11.0"],
        ["2022-11-17", "36.0", "55.0", "9.0"],
    ]


def _canonical_as(name: str, settings, shares: str) -> None:
    """A user's layout: the canonical one under another name, its [shares] table as given."""
    canonical = (ROOT / "schemas" / "sources" / "canonical.toml").read_text(encoding="utf-8")
    layout = settings.local_layouts / f"{name}.toml"
    layout.parent.mkdir(parents=True, exist_ok=True)
    layout.write_text(
        canonical.replace('name = "canonical"', f'name = "{name}"').split("[shares]")[0] + shares,
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    "layout, shares, stored",
    [("canonical", None, 0.5), ("declared", "[shares]\nproportions = true\n", 50.0)],
)
def test_a_layout_says_whether_its_shares_are_proportions(settings, layout, shares, stored):
    """pollwatch's own layout is percents (its export reads back unchanged: a minor figure's
    0.5% is not a proportion); a layout may declare proportions, and then says nothing of it."""
    if shares is not None:
        _canonical_as(layout, settings, shares)
    folder = settings.inbox / layout if shares is not None else settings.inbox
    write_csv(
        folder / "a.csv", [with_shares(dated("2023-02-01", "2023-02-07", "a"), "0.5", "", "")]
    )
    [result] = run_ingest([], settings).files
    assert result.status == "loaded", result.message
    assert not any("proportions" in w for w in result.warnings)
    assert query(settings, "SELECT positive_pct FROM polls")["positive_pct"].tolist() == [stored]


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
def test_implausible_fieldwork_is_stored_with_a_warning_naming_its_lines(
    settings, monkeypatch, in_duckdb
):
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    write_csv(
        settings.inbox / "odd.csv",
        [
            dated("2023-02-01", "2023-02-07", "fine"),
            dated("1901-02-01", "2023-02-07", "typo"),  # line 3: both
            dated("2021-01-01", "2023-02-07", "long"),  # line 4
            dict(dated("2023-02-01", "2023-02-07", "few"), sample_size="12"),  # line 5
            dict(dated("2023-02-01", "2023-02-07", "dot"), sample_size="1.000"),  # thousands
            # line 7: rejected, so not also warned of as a small sample
            dict(dated("2023-02-01", "2023-02-07", "neg"), sample_size="-5"),
            # line 8: proportions, rejected: stored, they corrected a stored poll to under 1%
            with_shares(dated("2023-02-01", "2023-02-07", "prop"), "0.41", "0.56", "0.03"),
            # line 9: European thousands read as twelve million, which would outweigh every poll
            dict(dated("2023-02-01", "2023-02-07", "huge"), sample_size="12.345.678"),
            # line 10: a figure nobody knows, in percentages that say so: stored
            with_shares(dated("2023-02-01", "2023-02-07", "unknown"), "1", "0.5", "98.5"),
        ],
    )
    [result] = run_ingest([], settings).files
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("partial", 7, 2)
    assert {(r["line"], r["rule"]) for r in result.rejects} == {
        (7, "greater_than(0)"),
        (8, "shares_are_percentages_not_proportions"),
    }
    assert [w for w in result.warnings if ": check " in w] == [
        "fieldwork longer than a year on lines 3, 4: check the dates",
        "fieldwork starting before 1930 on line 3: check the dates",
        "a sample of fewer than 50 people on line 5: check the sample size",
        "a sample of more than a million people on line 9: check the sample size",
    ]
    assert query(settings, "SELECT sample_size FROM polls WHERE poll_key = 'dot'")[
        "sample_size"
    ].tolist() == [1000.0]


POLL_LIST = (
    "president,subgroup,modeldate,startdate,enddate,pollster,grade,samplesize,population,weight,"
    "influence,approve,disapprove,adjusted_approve,adjusted_disapprove,multiversions,tracking,url,"
    "poll_id,question_id,createddate,timestamp\n"
)


def poll_list_row(pollster: str, poll_id: int, approve: int, start: str = "2/2/2017") -> str:
    return (
        f"Donald Trump,All polls,12/1/2017,{start},2/4/2017,{pollster},C,860,lv,.9,0,{approve},"
        f'43,44,44.7,"","",http://example.org,{poll_id},{poll_id + 28014},2/5/2017,x\n'
    )


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
def test_a_pollster_the_source_renamed_keeps_its_polls_once(settings, monkeypatch, in_duckdb):
    """538's 2017 poll list names Zogby Interactive/JZ Analytics, its 2020 one Zogby Analytics,
    for the same poll 49270 (a real pair of files; both names are in the alias table now, so the
    firm here is made up): keyed by pollster and 538's own id, the poll was stored twice and
    weighed twice in the average. The source's own ids say which poll it is, so the stored poll
    takes the new name, and a correction in the same file still corrects it. A poll of another
    pollster with an id the source does not give is no one else's."""
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    first = POLL_LIST + poll_list_row("Wexford Interactive/WX Analytics", 49270, 47)
    first += poll_list_row("Gallup", 49271, 40)
    first += poll_list_row("Alpha", 49301, 50, start="1/30/2017")
    settings.inbox.mkdir(parents=True, exist_ok=True)
    (settings.inbox / "2017.csv").write_text(first, encoding="utf-8")
    settle(settings.inbox / "2017.csv")
    run_ingest([], settings)
    later = POLL_LIST + poll_list_row("Wexford Analytics", 49270, 48)
    later += poll_list_row("Wexford Analytics", 49300, 45)
    later += poll_list_row("Gallup", 49271, 40)
    # a key numbered per pollster: another firm's poll of other days is not this one renamed
    later += poll_list_row("Beta", 49301, 52)
    (settings.inbox / "2020.csv").write_text(later, encoding="utf-8")
    settle(settings.inbox / "2020.csv")
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_updated, result.rows_duplicate) == (2, 1, 1)
    assert (
        "1 poll(s) stored under Wexford Interactive/WX Analytics are Wexford Analytics's in this"
        " file by the source's own poll ids" in " ".join(result.warnings)
    ), result.warnings
    stored = query(
        settings, "SELECT pollster, poll_key, positive_pct FROM polls ORDER BY poll_key, pollster"
    )
    assert stored.values.tolist() == [
        ["Wexford Analytics", "538-49270-77284-lv", 48.0],
        ["Gallup", "538-49271-77285-lv", 40.0],
        ["Wexford Analytics", "538-49300-77314-lv", 45.0],
        ["Alpha", "538-49301-77315-lv", 50.0],
        ["Beta", "538-49301-77315-lv", 52.0],
    ]
    old = query(settings, "SELECT pollster, positive_pct FROM revisions")
    assert old.values.tolist() == [["Wexford Analytics", 47.0]]  # its history goes with it


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
def test_a_correction_writing_the_source_s_key_otherwise_corrects_the_poll(
    settings, monkeypatch, in_duckdb
):
    """538's key is its poll id, question id and population: a later file writing `RV` for `rv`,
    or the ids as a spreadsheet saves them (`49271.0`), stored its correction as a second poll,
    and the average took the mean of both versions."""
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    first = POLL_LIST + poll_list_row("Gallup", 49271, 40) + poll_list_row("Alpha", 49301, 50)
    settings.inbox.mkdir(parents=True, exist_ok=True)
    (settings.inbox / "first.csv").write_text(first, encoding="utf-8")
    settle(settings.inbox / "first.csv")
    run_ingest([], settings)
    later = poll_list_row("Gallup", 49271, 44).replace(",lv,", ",LV,")
    later += poll_list_row("Alpha", 49301, 50).replace(",49301,77315,", ",49301.0,77315.00,")
    (settings.inbox / "later.csv").write_text(POLL_LIST + later, encoding="utf-8")
    settle(settings.inbox / "later.csv")
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_updated, result.rows_duplicate) == (0, 1, 1)
    stored = query(settings, "SELECT pollster, poll_key, positive_pct FROM polls ORDER BY ALL")
    assert stored.values.tolist() == [
        ["Alpha", "538-49301-77315-lv", 50.0],
        ["Gallup", "538-49271-77285-lv", 44.0],
    ]


# A poll of 538's poll list (poll_list_row) as a compiled file gives it.
TWIN = dict(country="US", leader="Donald Trump", population="likely_voters", published="")
TWIN |= dict(fieldwork_start="2017-02-02", fieldwork_end="2017-02-04")
TWIN |= dict(positive_pct="40", negative_pct="43", undecided_pct="")


def _then_538(settings, monkeypatch, runs: str, compiled: list[dict], listed: str):
    """The `compiled` rows stored (in a run before, unless `runs` is "one run"), then 538's poll
    list of the `listed` rows (read in DuckDB where `runs` says so): the 538 file's result."""
    write_csv(settings.inbox / "compiled.csv", compiled, age_seconds=100)
    if runs != "one run":
        run_ingest([], settings)
    if runs.endswith("in DuckDB"):
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    (settings.inbox / "538.csv").write_text(POLL_LIST + listed, encoding="utf-8")
    settle(settings.inbox / "538.csv", 50)
    run = run_ingest([], settings)
    [from_538] = [f for f in run.files if f.path.endswith("538.csv")]
    return from_538


@pytest.mark.parametrize("runs", ["two runs", "one run", "two runs, in DuckDB"])
def test_the_same_poll_from_two_sources_is_counted_once_and_the_names_can_be_made_one(
    settings, monkeypatch, runs
):
    """L. Ruffino's compilation of US approval polls names "Gallup Organization", 538's poll list
    "Gallup" (both in the alias table now): 64 polls in both were stored twice, 46 under two
    names, each weighed twice in the average. A poll from another source with the same days,
    shares and sample size is the stored one; another firm's poll agreeing on the days and
    shares alone is its own. Said, with how to make the names one: a data directory's
    aliases.toml does, on a rebuild."""
    canonical = TWIN | dict(sample_size="860")
    compiled = [
        poll_row(pollster="Wexford Research Group", **canonical),
        poll_row(
            pollster="Wexford Research Group",
            **canonical | dict(fieldwork_start="2017-02-09", fieldwork_end="2017-02-11"),
        ),
        poll_row(
            pollster="Alpha Research", **canonical | dict(sample_size="1000", positive_pct="41")
        ),
    ]
    listed = poll_list_row("Wexford", 49271, 40) + poll_list_row("Alpha", 49301, 41)
    from_538 = _then_538(settings, monkeypatch, runs, compiled, listed)
    assert (from_538.rows_loaded, from_538.rows_duplicate) == (1, 1)
    assert (
        "stored already under another pollster's name, the same days, shares and sample size,"
        " are counted once, as stored: Wexford as Wexford Research Group (1); where two names are"
        f' one pollster, say so in {settings.local_aliases} ([pollster] "Wexford Research Group" ='
        ' ["Wexford"]) and run `pollwatch rebuild`' in " ".join(from_538.warnings)
    ), from_538.warnings
    polls = "SELECT pollster, positive_pct FROM polls ORDER BY ALL"
    assert query(settings, polls).values.tolist() == [
        ["Alpha", 41.0],
        ["Alpha Research", 41.0],
        ["Wexford Research Group", 40.0],
        ["Wexford Research Group", 40.0],
    ]

    settings.local_aliases.write_text('[pollster]\n"Wexford" = ["Wexford Research Group"]\n')
    rebuild(settings)
    assert query(settings, polls).values.tolist() == [
        ["Alpha", 41.0],
        ["Alpha Research", 41.0],
        ["Wexford", 40.0],
        ["Wexford", 40.0],
    ]


@pytest.mark.parametrize("runs", ["two runs", "one run", "two runs, in DuckDB"])
def test_a_poll_from_two_sources_one_without_its_sample_size_is_counted_once(
    settings, monkeypatch, runs
):
    """RealClearPolitics writes "RV" with no size for some polls 538 lists with theirs: the same
    firm's poll, the same days and shares, was stored twice, each weighed in the average. With
    a size missing on one side, the firm's name must agree too: another firm's poll agreeing on
    the days and shares alone is its own."""
    canonical = TWIN | dict(sample_size="")
    compiled = [
        poll_row(pollster="Wexford", **canonical),
        poll_row(pollster="Beta", **canonical),
        # another question: adults, not likely voters
        poll_row(pollster="Alpha", **canonical | dict(population="adults", positive_pct="39")),
    ]
    listed = poll_list_row("Wexford", 49271, 40) + poll_list_row("Alpha", 49301, 39)
    from_538 = _then_538(settings, monkeypatch, runs, compiled, listed)
    assert (from_538.rows_loaded, from_538.rows_duplicate) == (1, 1)
    polls = "SELECT pollster, population, coalesce(sample_size, 0) AS n FROM polls ORDER BY ALL"
    assert query(settings, polls).values.tolist() == [
        ["Alpha", "adults", 0],
        ["Alpha", "likely_voters", 860],
        ["Beta", "likely_voters", 0],
        ["Wexford", "likely_voters", 0],
    ]


def test_a_data_directory_s_alias_for_a_shipped_name_takes_all_its_spellings(settings):
    """ "Gallup Organization" = ["Gallup"] moved 538's Gallup alone: the shipped table's other
    spellings ("Gallup Poll") stayed Gallup, one firm stored under two names."""
    settings.local_aliases.write_text(
        '[pollster]\n"Gallup Organization" = ["Gallup"]\n'
        '[leader]\n"Joseph R. Biden" = ["Joe Biden"]\n'
    )
    rows = [
        poll_row(pollster=name, leader=leader, country="US", poll_key=name)
        for name, leader in (("Gallup", "Biden"), ("Gallup Poll", "Joe Biden"))
    ]
    write_csv(settings.inbox / "us.csv", rows)
    run_ingest([], settings)
    stored = query(settings, "SELECT DISTINCT pollster, leader FROM polls")
    assert stored.values.tolist() == [["Gallup Organization", "Joseph R. Biden"]]


def test_a_mistake_in_the_data_directory_s_aliases_is_refused_naming_the_file(settings):
    settings.local_aliases.write_text('[pollster]\n"Gallup" = "Gallup Organization"\n')
    write_csv(settings.inbox / "one.csv", [poll_row()])
    with pytest.raises(ConfigError) as refused:
        run_ingest([], settings)
    assert str(refused.value) == (
        f"{settings.local_aliases}: [pollster] 'Gallup' must list the spellings read as it, as"
        ' "Gallup" = ["Gallup Organization", "Gallup Poll"]'
    )
    assert (settings.inbox / "one.csv").exists()
    settings.local_aliases.write_text('[leader]\n"Vladimir Putin" = ["..."]\n')
    with pytest.raises(ConfigError, match="'Vladimir Putin' must list the spellings read as it"):
        run_ingest([], settings)  # a spelling of no letter would be every name of no letter


# A stored 60/30/10 or 41/56/3 poll, a later version of it, and what that version does: the
# counts (status, corrected, already known), the warning and the shares stored after it.
LATER_VERSIONS = {
    # A shorter export (no negative or undecided shares) used to set them to nothing; it may
    # correct what it gives, and what it leaves out is kept, with a warning.
    "emptier": (
        ("60", "30", "10"),
        ("61", "", ""),
        ("loaded", 1, 0),
        "left empty here and kept as stored: negative_pct of 1 poll(s), undecided_pct of 1 "
        "poll(s); a correction changes known values, it does not erase them",
        [61.0, 30.0, 10.0],
    ),
    # An export of approve alone, as a proportion (0.41 for 41%), passed the proportions rule
    # (it needs both sides) and corrected a stored 41/56/3 poll to 0.41/56/3: each share given
    # as the stored share's proportion is kept as stored, and said.
    "in proportions": (
        ("41", "56", "3"),
        ("0.41", "", ""),
        ("loaded", 0, 1),
        "proportions of the stored shares (0.41 for 41) kept as stored: positive_pct of 1"
        " poll(s); write shares as percentages",
        [41.0, 56.0, 3.0],
    ),
}


@pytest.mark.parametrize("case", LATER_VERSIONS)
def test_a_later_version_keeps_the_stored_values_it_leaves_out_or_scales(settings, case):
    stored_shares, later_shares, counts, warning, after = LATER_VERSIONS[case]
    shares = ("positive_pct", "negative_pct", "undecided_pct")
    full = poll_row(poll_key="p", **dict(zip(shares, stored_shares, strict=True)))
    write_csv(settings.inbox / "full.csv", [full], age_seconds=100)
    run_ingest([], settings)
    later = dict(full, **dict(zip(shares, later_shares, strict=True)))
    write_csv(settings.inbox / "later.csv", [later], age_seconds=50)
    [result] = run_ingest([], settings).files
    assert (result.status, result.rows_updated, result.rows_duplicate) == counts
    assert warning in result.warnings
    stored = query(settings, "SELECT positive_pct, negative_pct, undecided_pct FROM polls")
    assert stored.values.tolist() == [after]


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
def test_quotes_are_read_by_one_set_of_rules_for_every_file(settings, monkeypatch, in_duckdb):
    """`"Bad "quoted" Research"` was stored mangled by the fast reader and refused by the careful
    one; doubled quotes are the CSV way to write a quote, and read as one."""
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    header = ",".join(poll_row())
    good = ",".join(v if k != "pollster" else '"The ""Best"" Polls"' for k, v in poll_row().items())
    bad = ",".join(
        v if k != "pollster" else '"Bad "quoted" Research"'
        for k, v in poll_row(poll_key="bad").items()
    )
    settings.inbox.mkdir(parents=True, exist_ok=True)
    (settings.inbox / "good.csv").write_text(f"{header}\n{good}\n", encoding="utf-8")
    settle(settings.inbox / "good.csv", 100)
    (settings.inbox / "bad.csv").write_text(f"{header}\n{good}\n{bad}\n", encoding="utf-8")
    settle(settings.inbox / "bad.csv", 50)
    good_result, bad_result = run_ingest([], settings).files
    assert good_result.status == "loaded"
    assert query(settings, "SELECT pollster FROM polls")["pollster"].tolist() == [
        'The "Best" Polls'
    ]
    assert bad_result.status == "rejected"
    assert bad_result.message.startswith("not a valid CSV at line 3")


def test_implausible_values_are_refused(settings):
    """A publication date in 2999 and a pollster that is only a zero-width space were stored; a
    NUL byte past the first 4 KB was read into a cell."""
    write_csv(
        settings.inbox / "odd.csv",
        [
            poll_row(poll_key="a", published="2999-01-01"),
            poll_row(poll_key="b", pollster="\u200b"),
            poll_row(poll_key="c", pollster="\u200bLevada\u200b"),
        ],
        age_seconds=100,
    )
    nul = settings.inbox / "nul.csv"
    rows = [poll_row(poll_key=f"n{i}") for i in range(60)]
    write_csv(nul, rows, age_seconds=50)
    data = nul.read_bytes()
    cut = data.index(b"\n", 5000)
    nul.write_bytes(data[:cut] + b"\x00" + data[cut:])
    settle(nul, 50)
    odd, damaged = run_ingest([], settings).files
    assert [(r["line"], r["column"], r["rule"]) for r in odd.rejects] == [
        (2, "published", "published_not_in_future"),
        (3, "pollster", "not_nullable"),
    ]
    assert query(settings, "SELECT pollster FROM polls")["pollster"].tolist() == ["Levada Center"]
    line = data[:cut].count(b"\n") + 1
    assert damaged.status == "rejected"
    assert (
        damaged.message == f"not a CSV: a NUL byte on line {line} (binary data, or a damaged file)"
    )


def test_a_sample_size_past_any_integer_column_costs_its_row_not_the_inbox(settings):
    """A sample of 2,147,483,648 ended the run ('Conversion Error ... INT32') and kept that file
    and every later one in the inbox for ever."""
    write_csv(
        settings.inbox / "a.csv",
        [poll_row(poll_key="a"), poll_row(poll_key="b", sample_size="2147483648")],
        age_seconds=100,
    )
    write_csv(settings.inbox / "b.csv", [poll_row(poll_key="c")], age_seconds=50)
    run = run_ingest([], settings)
    assert run.exit_code == 1
    assert [(f.status, f.rows_loaded) for f in run.files] == [("partial", 1), ("loaded", 1)]
    [reject] = run.files[0].rejects
    assert (reject["line"], reject["rule"]) == (3, "at_most_100_million")
    assert not any(settings.inbox.rglob("*.csv"))


@pytest.mark.parametrize(
    ("month_first", "one_run"),
    [(True, False), (False, False), (True, True)],
    ids=["month, then days", "days, then month", "month and days in one run"],
)
def test_a_poll_at_two_precisions_is_one_poll(settings, month_first, one_run):
    """Levada's monthly series gives July 2023 as a month (82); a file with the exact fieldwork
    gives 20-26 July (82.5). Both were stored, and the average counted the poll twice. Dropped
    together, the two files went into the table in one statement, as two polls; a rebuild,
    which reads every filed file in one run, did the same to a store that had them right."""
    from pollwatch.ingest.rebuild import rebuild

    levada = {
        "pollster": "Levada Center",
        "country": "RU",
        "leader": "Putin",
        "published": "",
        "negative_pct": "15",
        "undecided_pct": "2",
    }
    month = poll_row(**levada, fieldwork_start="2023-07", fieldwork_end="", positive_pct="82")
    month["poll_key"] = ""
    days = poll_row(
        **levada, fieldwork_start="2023-07-20", fieldwork_end="2023-07-26", positive_pct="82.5"
    )
    days["poll_key"] = ""
    other = poll_row(**levada, fieldwork_start="2023-08", fieldwork_end="", positive_pct="80")
    other["poll_key"] = ""
    first, then = ([month, other], [days]) if month_first else ([days], [month, other])
    write_csv(settings.inbox / "first.csv", first, age_seconds=100)
    if not one_run:
        run_ingest([], settings)
    write_csv(settings.inbox / "then.csv", then, age_seconds=50)
    result = run_ingest([], settings).files[-1]
    expected = [["2023-07-20", "2023-07-26", 82.5], ["2023-08-01", "2023-08-31", 80.0]]
    for _ in ("as ingested", "rebuilt"):
        stored = query(
            settings,
            "SELECT strftime(fieldwork_start, '%Y-%m-%d') AS s,"
            " strftime(fieldwork_end, '%Y-%m-%d') AS e, positive_pct FROM polls"
            " ORDER BY fieldwork_start",
        )
        assert stored.values.tolist() == expected
        revisions = query(settings, "SELECT positive_pct, changed_columns FROM revisions")
        assert revisions["positive_pct"].tolist() == ([82.0] if month_first else [])
        rebuild(settings)
    if month_first:  # the exact days correct the month, whose figure is kept as a revision
        assert result.rows_updated == 1
    else:  # the month adds nothing to the exact days: the poll stays as it is
        assert (result.rows_loaded, result.rows_duplicate) == (1, 1)
        assert revisions.empty
        assert "1 month-only poll(s) here are stored already with their exact fieldwork days" in (
            " ".join(result.warnings)
        )


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
def test_a_stray_quote_that_swallows_whole_polls_is_a_rejected_row_not_a_stored_name(
    settings, monkeypatch, in_duckdb
):
    """`"Levada` with its closing quote three lines on: the lines between became one pollster
    name, commas and line breaks and all, stored and drawn in a chart's legend. Now the row is
    rejected at the line the quote opened, with what the cell swallowed as its value."""
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    path = write_csv(settings.inbox / "quote.csv", monthly_rows(5))
    lines = path.read_text().splitlines()
    lines[2] = '"' + lines[2]  # line 3 opens a quote
    lines[4] = lines[4].replace("Levada Center", 'Levada Center"', 1)  # line 5 closes it
    path.write_text("\n".join(lines) + "\n")
    settle(path)
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    [reject] = result.rejects
    assert (reject["line"], reject["column"], reject["rule"]) == (
        3,
        "pollster",
        "one_line_(a_stray_quote?)",
    )
    assert "\n" in reject["value"]
    assert query(settings, "SELECT count(*) AS n FROM polls WHERE pollster LIKE '%,%'")["n"][0] == 0


FTE_2024_HEADER = (
    "poll_id,pollster_id,pollster,sponsor_ids,sponsors,display_name,pollster_rating_id,"
    "pollster_rating_name,numeric_grade,pollscore,methodology,transparency_score,state,"
    "start_date,end_date,sponsor_candidate_id,sponsor_candidate,sponsor_candidate_party,"
    "endorsed_candidate_id,endorsed_candidate_name,endorsed_candidate_party,question_id,"
    "sample_size,population,subpopulation,population_full,tracking,created_at,notes,url,"
    "url_article,url_topline,url_crosstab,source,internal,partisan,politician_id,politician,"
    "yes,no,alternate_answers"
)


def test_538s_poll_file_of_2024_and_2025_loads_without_a_warning_about_its_own_columns(settings):
    """538's president_approval_polls.csv since 2024 (Biden's last year, Trump's second term)
    adds its pollster grades (numeric_grade, pollscore, transparency_score), the endorsed
    candidate and three more links: every drop of it warned "ignored columns not in the
    fte_approval_polls layout" with nine of them, as if the file were not 538's."""
    drop = settings.inbox / "president_approval_polls.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text(
        f"{FTE_2024_HEADER}\n"
        "88400,1528,AtlasIntel,,,AtlasIntel,546,AtlasIntel,2.7,-0.8,Online Ad,4.0,,1/21/25,"
        "1/23/25,,,,,,,215000,2202.5,rv,,rv,,1/25/25 10:02,,https://example.org/88400,,,,,,,"
        "16651,Donald Trump,49.3,50.0,\n",
        encoding="utf-8",
    )
    settle(drop)
    [result] = run_ingest([], settings).files
    assert (result.status, result.source, result.rows_loaded) == ("loaded", "fte_approval_polls", 1)
    assert result.warnings == []
    stored = query(settings, "SELECT population, sample_size, published::VARCHAR p FROM polls")
    assert stored.to_dict("records") == [
        {"population": "registered_voters", "sample_size": 2202.5, "p": "2025-01-25"}
    ]


def test_one_poll_key_on_two_populations_figures_says_what_the_key_lacks(settings):
    """A poll reported for adults and likely voters, each row given the poll's id: both rows
    were rejected as one poll with two values, and nothing said why."""
    rows = [
        poll_row(poll_key="m0", population="adults", positive_pct="41"),
        poll_row(poll_key="m0", population="likely_voters", positive_pct="45"),
    ]
    write_csv(settings.inbox / "pops.csv", rows)
    [result] = run_ingest([], settings).files
    assert result.rows_rejected == 2
    assert result.rejects[0]["value"].endswith(
        "of 2 populations (adults, likely_voters): a key names one population's figures of a"
        " poll; give each its own (m0-likely_voters), or add population to the key ([poll_key]"
        " columns)"
    )


def test_a_survey_number_shared_by_two_leaders_rows_says_what_the_key_lacks(settings):
    """A barometer that asks about the president and the prime minister gives both rows its
    survey number; a layout taking that number as [poll_key] columns rejected both rows as one
    poll with two values ("poll_key ifop-121345 on lines 2, 3"), leaving the user to guess that
    a key names one leader's measure. The reason now says so, and what to add."""
    settings.local_layouts.mkdir()
    (settings.local_layouts / "ifop_ids.toml").write_text(
        'name = "ifop_ids"\nby_header = true\n[columns]\nfieldwork_start = "Debut"\n'
        'fieldwork_end = "Fin"\nleader = "Personnalite"\npositive_pct = "Satisfaits"\n'
        '[constants]\npollster = "Ifop"\ncountry = "FR"\nmetric = "approval"\n'
        '[poll_key]\ncolumns = ["Enquete"]\n',
        encoding="utf-8",
    )
    drop = settings.inbox / "ifop.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text(
        "Enquete;Debut;Fin;Personnalite;Satisfaits\n"
        "121345;2024-03-05;2024-03-06;Emmanuel Macron;27\n"
        "121345;2024-03-05;2024-03-06;Gabriel Attal;45\n"
        "121100;2024-01-11;2024-01-12;Emmanuel Macron;30\n",
        encoding="utf-8",
    )
    settle(drop)
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_rejected) == (1, 2)
    rejects = result.rejects
    assert [(r["line"], r["column"], r["rule"]) for r in rejects] == [
        (2, "Personnalite,Satisfaits", "same_poll_key_different_values"),
        (3, "Personnalite,Satisfaits", "same_poll_key_different_values"),
    ]
    assert rejects[0]["value"] == (
        "poll_key 121345 on lines 2, 3, of 2 leaders (Emmanuel Macron, Gabriel Attal): a key"
        " names one leader's measure; add the column that tells them apart to the key"
        " ([poll_key] columns)"
    )


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
def test_a_name_spelled_in_capitals_or_without_accents_is_the_stored_name(
    settings, monkeypatch, in_duckdb
):
    """French tables write surnames in capitals. A later file's "Gabriel ATTAL" by "VERIAN"
    (names the alias table does not know) made a second leader and a second pollster, and its
    correction of a stored poll was rejected as another poll's key; within one file, both
    spellings made two leaders, each with a page of its own."""
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    french = {"country": "FR", "population": "adults", "mode": "online", "published": ""}
    first = [
        poll_row(pollster="Verian", leader="Gabriel Attal", poll_key="v1", **french),
        poll_row(pollster="Verian", leader="Élisabeth Borne", poll_key="v2", **french),
    ]
    write_csv(settings.inbox / "first.csv", first, age_seconds=100)
    run_ingest([], settings)
    later = [
        poll_row(
            pollster="VERIAN", leader="Gabriel ATTAL", poll_key="v1", positive_pct="72",
            undecided_pct="1", **french,
        ),
        poll_row(
            pollster="Verian", leader="Elisabeth BORNE", poll_key="v3",
            fieldwork_start="2022-03-17", fieldwork_end="2022-03-21", **french,
        ),
        poll_row(
            pollster="Verian", leader="ELISABETH BORNE", poll_key="v4",
            fieldwork_start="2022-04-17", fieldwork_end="2022-04-21", **french,
        ),
    ]  # fmt: skip
    write_csv(settings.inbox / "later.csv", later)
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_updated, result.rows_rejected) == (2, 1, 0)
    stored = query(settings, "SELECT DISTINCT pollster, leader FROM polls ORDER BY leader")
    assert stored.values.tolist() == [["Verian", "Gabriel Attal"], ["Verian", "Élisabeth Borne"]]
    assert query(settings, "SELECT count(*) AS n FROM revisions")["n"][0] == 1


def test_one_file_spelling_a_new_name_two_ways_stores_it_once_as_first_spelled(settings):
    rows = [
        poll_row(leader="Gabriel Attal", country="FR", poll_key="a1"),
        poll_row(leader="GABRIEL ATTAL", country="FR", poll_key="a2", fieldwork_start="2022-02-18"),
    ]
    write_csv(settings.inbox / "both.csv", rows)
    run_ingest([], settings)
    assert query(settings, "SELECT DISTINCT leader FROM polls")["leader"].tolist() == [
        "Gabriel Attal"
    ]


# Fieldwork periods in one cell, and the days stored for them (in order of the start).
PERIODS = {
    "in a month, and over two": (
        ["13-14 mars 2024", "Feb 28 - Mar 3, 2024"],
        [["2024-02-28", "2024-03-03"], ["2024-03-13", "2024-03-14"]],
    ),
    # the year is said once, the end's: the start took it too, a December after its end, and
    # the row was rejected as ending before it starts
    "over the new year": (
        ["28 déc. – 3 janv. 2025", "Dec 30 - Jan 2, 2024"],
        [["2023-12-30", "2024-01-02"], ["2024-12-28", "2025-01-03"]],
    ),
}


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
@pytest.mark.parametrize("case", PERIODS)
def test_a_fieldwork_period_in_one_cell_is_the_poll_s_start_and_end(
    settings, monkeypatch, in_duckdb, case
):
    """Poll tables write the fieldwork in one cell ("13-14 mars 2024"); read as the start with
    no end given, it is both, as a month is. Every such row was not_a_date."""
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    cells, days = PERIODS[case]
    undated = {"fieldwork_end": "", "published": ""}
    rows = [poll_row(fieldwork_start=c, poll_key=f"k{i}", **undated) for i, c in enumerate(cells)]
    write_csv(settings.inbox / "periods.csv", rows)
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    stored = query(
        settings,
        "SELECT strftime(fieldwork_start, '%Y-%m-%d') AS s,"
        " strftime(fieldwork_end, '%Y-%m-%d') AS e FROM polls ORDER BY s",
    )
    assert stored.values.tolist() == days


def _satisfaction_layout(settings, name: str, rows: str, columns: str = "") -> None:
    """A user's layout of a satisfaction table (Debut, Fin, Personnalite, Satisfaits) whose
    [rows] table is `rows`; `columns`, more of its [columns]."""
    settings.local_layouts.mkdir(exist_ok=True)
    (settings.local_layouts / f"{name}.toml").write_text(
        f'name = "{name}"\nby_header = true\n'
        '[columns]\nfieldwork_start = "Debut"\nfieldwork_end = "Fin"\n'
        f'leader = "Personnalite"\npositive_pct = "Satisfaits"\n{columns}'
        '[constants]\npollster = "Ipsos"\ncountry = "US"\nmetric = "approval"\n'
        f"[rows]\n{rows}\n",
        encoding="utf-8",
    )


ANSWERS_LAYOUT = """name = "answers"
[columns]
fieldwork_end = "Date"
pollster = "Firm"
[constants]
leader = "Enda Kenny"
country = "IE"
metric = "approval"
[answers]
column = "Answer"
share = "Pct"
positive = ["Strongly approve", "Somewhat approve"]
negative = "Disapprove"
undecided = ["No opinion"]
"""


def test_a_file_of_one_row_an_answer_is_read_as_one_poll_a_date(settings):
    """Irish B&A's table gives Satisfied, Dissatisfied and No opinion on rows of their own: a
    layout could keep the Satisfied rows alone, and a poll's disapproval and net were lost.
    Its [answers] reads the rows of a poll as one, each share the sum of its answers; an
    answer it does not list is skipped and named, one not a number rejected as written."""
    settings.local_layouts.mkdir(exist_ok=True)
    (settings.local_layouts / "answers.toml").write_text(ANSWERS_LAYOUT, encoding="utf-8")
    lines = [  # with each answer's share among men, which the layout does not read
        ("2012-02-20", "B&A", "Strongly approve", "12", "14"),
        ("2012-02-20", "B&A", "Somewhat approve", "13.5", "11"),
        ("2012-02-20", "B&A", "Disapprove", "68", "70"),
        ("2012-02-20", "B&A", "No opinion", "6.5", "5"),
        ("2012-02-20", "RedC", "Somewhat approve", "30", "31"),  # another firm's poll that day
        ("2012-02-20", "RedC", "Disapprove", "60", "58"),
        ("2012-03-20", "B&A", "Somewhat approve", "27", "26"),
        ("2012-03-20", "B&A", "Refused", "1", "1"),
        ("2012-03-20", "B&A", "Disapprove", "sixty", "61"),
        ("2012-03-20", "B&A", "Strongly approve", "3", "3"),
        ("2012-02-20", "B&A", "disapprove", "99", "99"),  # the same answer again: not read
    ]
    header = ["Date", "Firm", "Answer", "Pct", "Men"]
    rows = [dict(zip(header, line, strict=True)) for line in lines]
    write_csv(settings.inbox / "answers" / "kenny.csv", rows, columns=header)
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 1), result.message
    assert (
        "skipped 1 row(s) whose answer the layout's [answers] does not read as a share:"
        " Refused" in result.warnings
    )
    assert (
        "line(s) 12 repeat an answer of a poll given on an earlier line: the first is read"
        in result.warnings
    )
    polls = "SELECT pollster, positive_pct, negative_pct, coalesce(undecided_pct, -1), line_number"
    assert query(settings, polls + " FROM polls ORDER BY ALL").values.tolist() == [
        ["B&A", 25.5, 68.0, 6.5, 2],
        ["RedC", 30.0, 60.0, -1, 6],
    ]
    [reject] = query(settings, "SELECT line_number, column_name, value FROM rejects").values
    assert reject.tolist() == [8, "pct (negative)", "sixty"]


@pytest.mark.parametrize(
    ("cells", "rule", "said"),
    [
        # 538's national rows have no state: 'keep = { state = "" }' skipped the state polls
        # and said it "keeps rows where state is ", with nothing after it.
        (["", "Ohio"], 'keep = { State = "" }', "state is empty"),
        # Values match whatever their case and spaces: "  SEVASTOPOL " was said as written,
        # "keeps rows where state is not   SEVASTOPOL  or Crimea".
        (
            ["Kyiv", "sevastopol"],
            'drop = { State = ["Crimea", "  SEVASTOPOL "] }',
            "state is not Crimea or SEVASTOPOL",
        ),
    ],
)
def test_a_filter_s_warning_says_its_values_as_they_are_compared(settings, cells, rule, said):
    header = ["Debut", "Fin", "Personnalite", "State", "Satisfaits"]
    rows = [
        dict(zip(header, ["2024-03-14", "2024-03-15", "Joe Biden", cell, share], strict=True))
        for cell, share in zip(cells, ["41", "38"], strict=True)
    ]
    write_csv(settings.inbox / "national.csv", rows, columns=header)
    _satisfaction_layout(settings, "national", rule)
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_skipped) == (1, 1)
    assert result.warnings == [
        f"skipped 1 row(s) the national layout does not keep (it keeps rows where {said})"
    ]


def test_a_filter_may_name_whole_numbers_as_toml_writes_them(settings):
    """`keep = { Wave = [1, 3] }`, as TOML is written unquoted, was refused: "must be a text or a
    list of texts", exit 2."""
    header = ["Debut", "Fin", "Personnalite", "Wave", "Satisfaits"]
    rows = [
        dict(zip(header, ["2024-03-14", "2024-03-15", "Joe Biden", wave, "41"], strict=True))
        for wave in ("1", "2", "3")
    ]
    write_csv(settings.inbox / "waves.csv", rows, columns=header)
    _satisfaction_layout(settings, "waves", "keep = { Wave = [1, 3] }", 'poll_key = "Wave"\n')
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_skipped) == (2, 1), result.message
    assert query(settings, "SELECT poll_key FROM polls ORDER BY 1")["poll_key"].tolist() == [
        "1",
        "3",
    ]


def test_a_filter_of_a_number_keeps_that_number_however_the_file_writes_it(settings):
    """`keep = { Wave = [1, 3] }` kept "1" and "3" but skipped "01" and "3.0", as a spreadsheet
    writes them: the same waves, not kept, and the layout said nothing but that it skipped them.
    A text to keep is still compared as text."""
    header = ["Debut", "Fin", "Personnalite", "Wave", "Satisfaits"]
    waves = ("1", "01", " 1.0 ", "2", "3.00", "13", "1e0", "one", "1.10", "31")
    rows = [
        dict(
            zip(header, [f"2024-03-{d:02d}", f"2024-03-{d:02d}", "Joe Biden", w, "41"], strict=True)
        )
        for d, w in enumerate(waves, start=1)
    ]
    write_csv(settings.inbox / "waves.csv", rows, columns=header)
    _satisfaction_layout(settings, "waves", "keep = { Wave = [1, 3] }")
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_skipped) == (4, 6), result.message
    days = query(settings, "SELECT day(fieldwork_end) AS d FROM polls ORDER BY 1")["d"]
    assert days.tolist() == [1, 2, 3, 5]


def test_a_category_no_word_of_which_is_known_is_refused_naming_the_known_ones(settings):
    write_csv(settings.inbox / "drop.csv", [poll_row(population="Habitants")])
    [result] = run_ingest([], settings).files
    [reject] = result.rejects
    assert reject["rule"] == "known_population"
    assert describe_reject(result.path, reject).endswith(
        "(value 'Habitants'); known: adults, registered_voters, likely_voters, voters, unknown,"
        " or a layout's [values] for the file's words"
    )


def test_a_date_with_no_year_is_refused_saying_the_year_is_what_it_lacks(settings):
    """A table copied from Wikipedia gives "18–19 May", its year in a section heading: each row
    was refused as not_a_date, naming nothing it lacked. A cell that is no date says no more."""
    rows = [
        poll_row(fieldwork_start=start, fieldwork_end=start, poll_key=f"k{i}")
        for i, start in enumerate(["18–19 May", "29 Apr – 1 May", "soon", "5/18", "18.05.", "12"])
    ]
    write_csv(settings.inbox / "drop.csv", rows)
    [result] = run_ingest([], settings).files
    told = {r["value"]: describe_reject(result.path, r) for r in result.rejects}
    assert told["18–19 May"].endswith(
        "not_a_date (value '18–19 May'); it gives no year, and pollwatch does not guess one:"
        " write the year into the cells"
    )
    for value in ("29 Apr – 1 May", "5/18", "18.05."):
        assert told[value].endswith("write the year into the cells"), told[value]
    assert told["soon"].endswith("not_a_date (value 'soon')")
    assert told["12"].endswith("not_a_date (value '12')")


FAVORABILITY_LAYOUT = """name = "favorability"
[columns]
pollster = "pollster"
leader = "politician"
fieldwork_start = "start_date"
fieldwork_end = "end_date"
positive_pct = "favorable"
negative_pct = "unfavorable"
[constants]
country = "US"
metric = "favorability"
"""


def test_a_row_giving_only_the_negative_share_is_refused_saying_the_positive_is_required(
    settings,
):
    """538's favorability rows with `favorable` empty and `unfavorable` given were refused as
    "column favorable: not_nullable (value '')", which did not say why a share the file may
    leave empty elsewhere (the negative) is needed here: every poll is stored by its positive
    share, which the contract requires."""
    settings.local_layouts.mkdir(exist_ok=True)
    (settings.local_layouts / "favorability.toml").write_text(FAVORABILITY_LAYOUT)
    header = ["pollster", "politician", "start_date", "end_date", "favorable", "unfavorable"]
    rows = [
        dict(zip(header, row, strict=True))
        for row in (
            ["YouGov", "Robert F. Kennedy Jr.", "2024-02-15", "2024-02-18", "", "38"],
            ["YouGov", "Robert F. Kennedy Jr.", "2024-02-22", "2024-02-25", "40", "36"],
        )
    ]
    write_csv(settings.inbox / "favorability" / "fav.csv", rows, columns=header)
    [result] = run_ingest([], settings).files
    assert (result.status, result.rows_loaded) == ("partial", 1)
    [reject] = result.rejects
    assert (reject["line"], reject["column"], reject["rule"]) == (
        2,
        "favorable",
        "positive_share_required",
    )
    told = describe_reject(result.path, reject)
    assert "\n" not in told
    assert told.startswith(f"{result.path}:2: column favorable: positive_share_required (value '')")
    assert told.endswith(
        "; every poll is stored by its positive share (approve, trust, support, favorable, good"
        " performance), which the contract requires: a row giving only the negative share is"
        " not a poll pollwatch can average"
    )
    errors = (settings.quarantine / "favorability" / "fav.csv.errors.csv").read_text()
    assert "2,favorable,positive_share_required," in errors


@pytest.mark.parametrize("refused_first", [True, False])
def test_one_file_refused_at_the_inbox_root_and_loaded_from_its_layout_s_folder_in_one_run(
    settings, refused_first
):
    """The same bytes twice in one batch, refused once (a series outside its folder) and
    loadable once (in it): the loadable one was taken for a duplicate of bytes nothing had
    stored, and the run stopped with a KeyError (a rebuild reading a file refused with the
    wrong --layout and then loaded with the right one stopped the same way); refused after the
    loaded one, it was logged last, and `status` said the stored file was rejected."""
    levada = "Date,Approve,Disapprove,No_answer\n2024-01,85,12,3\n2024-02,86,11,3\n"
    root = settings.inbox / "levada.csv"
    folder = settings.inbox / "levada_putin_approval" / "levada.csv"
    folder.parent.mkdir(parents=True)
    ages = (300, 200) if refused_first else (200, 300)
    for path, age in zip((root, folder), ages, strict=True):
        path.write_text(levada, encoding="utf-8")
        settle(path, age)
    results = {Path(f.path): f for f in run_ingest([], settings).files}
    assert results[root].status == ("rejected" if refused_first else "duplicate")
    assert (results[folder].status, results[folder].rows_loaded) == ("loaded", 2)
    assert query(settings, "SELECT count(*) AS n FROM polls")["n"].item() == 2
    assert "rejected" not in collect_status(settings)["files"]


def test_a_row_filter_tells_a_value_from_the_same_value_with_a_dash(settings):
    """`drop = { Grade = ["C-", "D-"] }` skipped the C and D rows too once names were compared
    without their dashes: a filter's values keep theirs (case and spacing still do not count)."""
    header = ["Debut", "Fin", "Personnalite", "Grade", "Satisfaits"]
    grades = ["A", "C", "c-", "D", " D- ", "C+"]
    rows = [
        dict(zip(header, [f"2024-03-{10 + i}", f"2024-03-1{i}", "Joe Biden", g, "41"], strict=True))
        for i, g in enumerate(grades)
    ]
    write_csv(settings.inbox / "grades.csv", rows, columns=header)
    _satisfaction_layout(
        settings, "grades", 'drop = { Grade = ["C-", "D-"] }', 'poll_key = "Grade"\n'
    )
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_skipped) == (4, 2), result.message
    kept = query(settings, "SELECT poll_key FROM polls ORDER BY 1")["poll_key"].tolist()
    assert kept == ["A", "C", "C+", "D"]


@pytest.mark.parametrize("read", ["with pandas", "in DuckDB", "streamed"])
def test_a_new_name_in_two_files_of_other_headers_in_one_run_is_one_name(
    settings, monkeypatch, read
):
    """Files of two headers are mapped apart: a run of both stored 'Keir Starmer' by 'Savanta
    ComRes' and 'KeirStarmer' by 'SavantaComRes' as two leaders and two pollsters, where two
    runs stored one of each. Big files are mapped in DuckDB after the small ones, and each
    spelled new names by the stored ones and the small files' alone: two big files did too."""
    if read == "in DuckDB":
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    elif read == "streamed":
        monkeypatch.setattr(files, "STREAM_FROM_BYTES", 1)
    write_csv(
        settings.inbox / "a.csv",
        [poll_row(pollster="Savanta ComRes", leader="Keir Starmer", poll_key="a")],
        age_seconds=300,
    )
    other = poll_row(pollster="SavantaComRes", leader="KeirStarmer", poll_key="b")
    other |= {"fieldwork_start": "2022-05-01", "fieldwork_end": "2022-05-03", "published": ""}
    write_csv(settings.inbox / "b.csv", [other], columns=[c for c in other if c != "mode"])
    run = run_ingest([], settings)
    assert [f.rows_loaded for f in run.files] == [1, 1]
    names = query(settings, "SELECT pollster, leader FROM polls")
    assert names.values.tolist() == [["Savanta ComRes", "Keir Starmer"]] * 2


def test_a_new_name_in_a_small_file_and_a_big_one_of_one_run_is_one_name(settings):
    """A file of 20,000 rows is read in DuckDB, and was mapped before the small files of its
    run, by the stored names alone: a run of both stored one leader as two."""
    write_csv(settings.inbox / "a_small.csv", [poll_row(leader="Keir Starmer")], age_seconds=300)
    rows = [
        poll_row(leader="KeirStarmer", poll_key=f"k{i}", negative_pct="", undecided_pct="")
        for i in range(file_mapping.SQL_FROM_ROWS)
    ]
    write_csv(settings.inbox / "b_big.csv", rows, columns=[c for c in rows[0] if c != "mode"])
    run_ingest([], settings)
    leaders = query(settings, "SELECT leader, count(*) AS n FROM polls GROUP BY leader")
    assert leaders.values.tolist() == [["Keir Starmer", file_mapping.SQL_FROM_ROWS + 1]]


KANZLER = ROOT / "tests/fixtures/real/harvilehal_german_kanzler_preference_2021-2024.csv"


def _kanzler_layouts(settings) -> None:
    """A user's two layouts of the one real table giving Scholz and Merz a column each."""
    settings.local_layouts.mkdir(exist_ok=True)
    for last, first in (("Scholz", "Olaf"), ("Merz", "Friedrich")):
        (settings.local_layouts / f"kanzler_{last.lower()}.toml").write_text(
            f'name = "kanzler_{last.lower()}"\nby_header = false\n'
            'ignore = ["Scholz", "Merz", "Neither"]\n'
            '[columns]\nfieldwork_start = "Date"\nfieldwork_end = "Date"\n'
            f'positive_pct = "{last}"\n'
            f'[constants]\npollster = "Wikipedia compilation"\nleader = "{first} {last}"\n'
            'country = "DE"\nmetric = "support"\n'
            '[poll_key]\ncolumns = ["Date", "Scholz", "Merz", "Neither"]\n',
            encoding="utf-8",
        )


@pytest.mark.parametrize("together", [True, False])
def test_bytes_read_with_one_layout_named_for_another_say_none_of_it_is_read_so(settings, together):
    """HarviLehal's preferred-chancellor table (Scholz and Merz, a column each), dropped in
    kanzler_scholz/ and in kanzler_merz/: the bytes are read once, with the first layout. The
    second copy was called a duplicate 'read with layout kanzler_scholz' and told that `pollwatch
    rebuild` reads a filed file again with its layout, which reads it as kanzler_scholz again:
    nothing said that no poll of Merz was stored."""
    _kanzler_layouts(settings)
    for age, name in ((120, "kanzler_scholz"), (60, "kanzler_merz")):
        (settings.inbox / name).mkdir(parents=True)
        settle(Path(shutil.copy(KANZLER, settings.inbox / name / KANZLER.name)), age)
        if not together:
            run = run_ingest([], settings)
    if together:
        run = run_ingest([], settings)
    merz = run.files[-1]
    assert (merz.status, merz.rows_loaded) == ("duplicate", 0)
    assert "read with layout kanzler_scholz" in merz.message
    assert "none of its rows is stored as kanzler_merz" in merz.message
    assert "rebuild" not in merz.message
    stored = query(settings, "SELECT leader, count(*) AS n FROM polls GROUP BY leader")
    assert stored.values.tolist() == [["Olaf Scholz", 111]]


@pytest.mark.parametrize(
    ("unknown_first", "one_run"),
    [(True, False), (False, False), (True, True)],
    ids=["unknown, then adults", "adults, then unknown", "both in one run"],
)
def test_a_poll_given_without_its_population_is_the_poll_given_with_it(
    settings, unknown_first, one_run
):
    """A file without a population column (KIIS's trust in Zelensky, 37% in May), then a fuller
    export of it giving adults and the distrust share: keyed by a hash of the population too,
    the poll was stored twice (status counted 2 polls, and an "unknown" line of its own was
    drawn beside the adults'). A version leaving the population out keeps it, as it keeps a
    share it leaves out; a rebuild, reading both files in one run, does the same."""
    from pollwatch.ingest.rebuild import rebuild

    kiis = {"pollster": "KIIS", "country": "UA", "leader": "Zelensky", "metric": "trust"}
    bare = poll_row(**kiis, population="", positive_pct="37", negative_pct="", undecided_pct="")
    full = poll_row(**kiis, population="adults", positive_pct="37", negative_pct="55")
    # the next poll, of likely voters: a poll of its own
    other = poll_row(
        **kiis,
        population="likely_voters",
        fieldwork_start="2022-03-01",
        fieldwork_end="2022-03-03",
        published="",
        positive_pct="40",
    )
    for row in (bare, full, other):
        row["poll_key"] = ""
    first, then = ([bare, other], [full]) if unknown_first else ([full, other], [bare])
    write_csv(settings.inbox / "first.csv", first, age_seconds=100)
    if not one_run:
        run_ingest([], settings)
    write_csv(settings.inbox / "then.csv", then, age_seconds=50)
    result = run_ingest([], settings).files[-1]
    for _ in ("as ingested", "rebuilt"):
        stored = query(
            settings,
            "SELECT population, positive_pct, negative_pct FROM polls ORDER BY fieldwork_start",
        )
        assert stored.values.tolist() == [["adults", 37.0, 55.0], ["likely_voters", 40.0, 27.0]]
        rebuild(settings)
    if unknown_first:  # the population and the distrust share correct the bare version
        assert (result.rows_loaded, result.rows_updated) == (0, 1)
    else:  # the bare version adds nothing: the poll stays as it is
        assert (result.rows_loaded, result.rows_updated, result.rows_duplicate) == (0, 0, 1)


@pytest.mark.parametrize("stored_first", ["", "adults"], ids=["unknown stored", "adults stored"])
def test_a_file_giving_a_poll_with_and_without_its_population_keeps_both_as_one_file_does(
    settings, stored_first
):
    """One file giving KIIS's poll of those days both without a population and of adults is
    two polls, as the file has them. After one of the two was stored alone, the same file
    matched its other row to the stored one: the stored 'unknown' poll was 'corrected' to
    adults (a false revision) and the file's own 'unknown' row stored as a new poll; or, adults
    stored, the file's 'unknown' row was taken for it, and the file's two polls became one."""
    from pollwatch.ingest.rebuild import rebuild

    kiis = {"pollster": "KIIS", "country": "UA", "leader": "Zelensky", "metric": "trust"}
    bare = poll_row(**kiis, population="", positive_pct="37", negative_pct="", undecided_pct="")
    full = poll_row(**kiis, population="adults", positive_pct="37", negative_pct="55")
    write_csv(settings.inbox / "first.csv", [full if stored_first else bare], age_seconds=100)
    run_ingest([], settings)
    write_csv(settings.inbox / "both.csv", [full, bare], age_seconds=50)
    result = run_ingest([], settings).files[-1]
    assert (result.rows_loaded, result.rows_updated, result.rows_duplicate) == (1, 0, 1)
    for _ in ("as ingested", "rebuilt"):
        stored = query(
            settings, "SELECT population, negative_pct FROM polls ORDER BY population"
        ).fillna(-1)
        assert stored.values.tolist() == [["adults", 55.0], ["unknown", -1]]
        assert query(settings, "SELECT count(*) AS n FROM revisions")["n"].tolist() == [0]
        rebuild(settings)


# Spellings of two leaders the press and registers use, each a leader of its own until now:
# Reuters' and the AP's transliteration, French and German names, surname first as lists and
# Ukrainian and Russian registers write them (with the initials of the given names).
LEADER_SPELLINGS = {
    "Volodymyr Zelensky": [
        "Zelenskiy",
        "Zelenski",
        "Selenskyj",
        "Wolodymyr Selenskyj",
        "Zelensky, Volodymyr",
        "Zelenskyy Volodymyr",
        "Зеленський В.О.",
        "Зеленський Володимир",
        "Зеленский В. А.",
    ],
    "Vladimir Putin": ["Poutine", "Vladimir Poutine", "Wladimir Putin", "Putin, Vladimir"],
}


@pytest.mark.parametrize("in_duckdb", [False, True], ids=["frames", "in DuckDB"])
def test_common_spellings_of_a_leader_are_one_leader(settings, monkeypatch, in_duckdb):
    if in_duckdb:
        monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 1)
    spelled = [(leader, s) for leader, spellings in LEADER_SPELLINGS.items() for s in spellings]
    rows = [
        poll_row(leader=spelling, poll_key=f"s{i}", country="UA")
        for i, (_, spelling) in enumerate(spelled)
    ]
    write_csv(settings.inbox / "spellings.csv", rows)
    [result] = run_ingest([], settings).files
    assert (result.rows_loaded, result.rows_rejected) == (len(rows), 0)
    stored = query(settings, "SELECT leader_as_written, leader FROM polls ORDER BY line_number")
    assert [tuple(r) for r in stored.values.tolist()] == [(s, leader) for leader, s in spelled]


def test_trend_finds_a_leader_by_a_common_spelling():
    """`pollwatch trend --leader Zelenskiy` said "no polls of Zelenskiy"."""
    for leader, spellings in LEADER_SPELLINGS.items():
        assert {aliased_leader(s) for s in spellings} == {leader}
