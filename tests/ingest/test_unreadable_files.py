"""Files that cannot be read as a CSV table are quarantined whole, with one line that says why."""

from __future__ import annotations

import codecs
import shutil

import pytest

from pollwatch.ingest.run import run_ingest
from schemas.columns import REQUIRED_COLUMNS
from tests.helpers import REAL, poll_row, query, settle, write_csv

HTML_PAGE = REAL / "fte_president_approval_polls_503_error_2021-03-09.csv"


def drop_bytes(settings, name: str, data: bytes):
    path = settings.inbox / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    settle(path)
    return path


def ingest_one(settings, path):
    run = run_ingest([], settings)
    assert [f.path for f in run.files] == [str(path)]
    return run, run.files[0]


def test_an_html_error_page_saved_as_csv_is_quarantined_as_not_a_csv(settings):
    path = settings.inbox / "president_approval_polls.csv"
    settings.inbox.mkdir()
    shutil.copy(HTML_PAGE, path)
    settle(path)
    run, result = ingest_one(settings, path)
    assert result.status == "rejected"
    assert result.message.startswith("not a CSV: an HTML/XML page")
    assert "fetch the file again" in result.message
    assert run.exit_code == 1
    kept = settings.quarantine / "president_approval_polls.csv"
    assert kept.read_bytes() == HTML_PAGE.read_bytes()
    assert not path.exists()
    summary = (settings.quarantine / "president_approval_polls.csv.summary.txt").read_text()
    assert "not a CSV: an HTML/XML page" in summary
    errors = (settings.quarantine / "president_approval_polls.csv.errors.csv").read_text()
    assert errors.splitlines()[0] == "line,column,rule,value"
    assert ",not_a_csv," in errors.splitlines()[1]
    assert query(settings, "SELECT status, rows_loaded FROM files").values.tolist() == [
        ["rejected", 0]
    ]


@pytest.mark.parametrize(
    ("data", "rule", "words"),
    [
        (b"", "empty_file", "empty file (0 bytes)"),
        (b"\n\n  \n", "empty_file", "empty file"),
        (b"pollster,country,leader\n", "header_only", "header only"),
        (b"\x00\x01\x02PK\x03\x04binary", "not_a_csv", "binary data"),
        (
            b"pollster,country\n\xc0\xc1\x98\xc2,RU\n",
            "unknown_encoding",
            "not UTF-8 text, nor cp1251 or cp1252: byte 0xc0 on line 2",
        ),
        (b"pollster,pollster\nx,y\n", "duplicate_column", "header names column 'pollster' twice"),
        (b'pollster,country\n"Levada,RU\n', "not_a_csv", "not a valid CSV at line"),
    ],
)
def test_a_file_that_is_not_a_table_is_quarantined_with_its_reason(settings, data, rule, words):
    path = drop_bytes(settings, "drop.csv", data)
    _, result = ingest_one(settings, path)
    assert result.status == "rejected"
    assert words in result.message
    assert result.rejects[0]["rule"] == rule
    assert (settings.quarantine / "drop.csv").read_bytes() == data


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", "Excel (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "old Excel (.xls)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF document"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip-compressed: unpack it"),
        (b"BZh91AY&SY\x00\x01", "bzip2-compressed: unpack it"),
        (b"\xfd7zXZ\x00\x00\x04\xe6", "xz-compressed: unpack it"),
        (b"\x28\xb5\x2f\xfd\x04\x00", "zstd-compressed: unpack it"),
        (b"PAR1\x15\x04\x15\x00\x00\x00PAR1", "a Parquet file"),
        (b"SQLite format 3\x00\x10\x00", "an SQLite database"),
    ],
)
def test_a_workbook_pdf_or_archive_saved_as_csv_is_called_what_it_is(settings, data, words):
    path = drop_bytes(settings, "polls.csv", data)
    _, result = ingest_one(settings, path)
    assert result.status == "rejected" and result.rejects[0]["rule"] == "not_a_csv"
    assert result.message.startswith("not a CSV: ") and words in result.message
    assert (settings.quarantine / "polls.csv").read_bytes() == data


def test_missing_required_columns_reject_the_file_naming_them_and_the_closest_layout(settings):
    columns = ["pollster", "country", "leader", "fieldwork_start", "positive_pct"]
    path = write_csv(settings.inbox / "drop.csv", [poll_row()], columns=columns)
    _, result = ingest_one(settings, path)
    assert result.status == "rejected"
    assert result.rejects[0]["rule"] == "unknown_layout"
    assert result.message.startswith(
        "no known layout fits this header (pollster, country, leader, fieldwork_start, "
        "positive_pct); the closest is canonical (shares pollster, country, leader, "
        "fieldwork_start, positive_pct; needs metric, fieldwork_end);"
    )
    assert (
        "known layouts: canonical, fom_putin_approval, fte_approval_polllist, fte_approval_polls"
        in result.message
    )
    assert query(settings, "SELECT count(*) AS n FROM polls")["n"][0] == 0


def test_a_file_in_a_layout_folder_missing_that_layouts_columns_is_rejected_naming_them(settings):
    path = write_csv(
        settings.inbox / "canonical" / "drop.csv",
        [poll_row()],
        columns=["pollster", "country", "leader", "fieldwork_start", "positive_pct"],
    )
    _, result = ingest_one(settings, path)
    assert result.rejects[0]["rule"] == "missing_required_columns"
    assert result.message.startswith(
        "layout canonical needs columns metric, fieldwork_end (the header has: pollster, country,"
    )


@pytest.mark.parametrize("folder", ["", "canonical/"])
def test_a_header_under_a_title_that_no_layout_fits_is_named_at_its_own_line(settings, folder):
    """The title's line was named for the header: line 1, where the file says something else."""
    columns = ["pollster", "country", "leader", "fieldwork_start", "positive_pct"]
    path = write_csv(settings.inbox / f"{folder}drop.csv", [poll_row()], columns=columns)
    path.write_text("Approval of leaders: a compilation\n\n" + path.read_text())
    settle(path)
    _, result = ingest_one(settings, path)
    assert result.status == "rejected"
    assert [r["line"] for r in result.rejects] == [3]


def test_unknown_extra_columns_are_kept_out_of_the_store_and_named(settings):
    columns = [*REQUIRED_COLUMNS, "moe_pct", "weighting"]
    path = write_csv(
        settings.inbox / "drop.csv", [poll_row() | {"moe_pct": "3.4"}], columns=columns
    )
    _, result = ingest_one(settings, path)
    assert result.status == "loaded"
    assert result.warnings == ["ignored columns not in the canonical layout: moe_pct, weighting"]
    stored = query(settings, "SELECT * FROM polls")
    assert "moe_pct" not in stored.columns and len(stored) == 1


def test_a_rejected_file_is_tried_again_when_dropped_again(settings):
    drop_bytes(settings, "drop.csv", b"")
    run_ingest([], settings)
    again = drop_bytes(settings, "drop.csv", b"")
    _, result = ingest_one(settings, again)
    assert result.status == "rejected"
    assert sorted(p.name for p in settings.quarantine.iterdir()) == [
        "drop.csv",
        "drop.csv.errors.csv",
        "drop.csv.summary.txt",
        f"drop.{result.sha256[:12]}.csv",
        f"drop.{result.sha256[:12]}.csv.errors.csv",
        f"drop.{result.sha256[:12]}.csv.summary.txt",
    ]


def test_what_a_file_holds_is_echoed_capped(settings):
    """A 100,000-column header went whole into the reason: 789 KB into the database, the
    terminal and the quarantine note."""
    header = ",".join(f"column_{i}" for i in range(100_000))
    path = settings.inbox / "wide.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n" + ",".join("1" * 1 for _ in range(100_000)) + "\n")
    settle(path)
    [result] = run_ingest([], settings).files
    assert result.status == "rejected"
    assert len(result.message) < 3_000, len(result.message)
    assert "... and 99,980 more" in result.message
    note = (settings.quarantine / "wide.csv.summary.txt").read_text()
    assert len(note) < 10_000


def test_a_long_rejected_cell_is_echoed_capped(settings):
    path = write_csv(settings.inbox / "long.csv", [poll_row(positive_pct="9" * 5000)])
    [result] = run_ingest([], settings).files
    [reject] = result.rejects
    assert reject["value"] == "9" * 300 + "... (5,000 characters)"
    assert path.name in {p.name for p in settings.quarantine.iterdir()}


def test_a_byte_order_mark_before_cp1251_text_names_the_right_byte_and_line(settings):
    data = codecs.BOM_UTF8 + "pollster,leader\nLevada,RU\nЛевада,Путин\n".encode("cp1251")
    path = settings.inbox / "bom.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    settle(path)
    [result] = run_ingest([], settings).files
    assert result.message.startswith(
        "not valid UTF-8 text after its mark: byte 0xcb on line 3 cannot be decoded"
    )


@pytest.mark.parametrize(
    "text, kind",
    [
        ('[{"pollster": "Levada", "yes": 71}, {"pollster": "FOM", "yes": 75}]', "JSON"),
        ('{"pollster": "Levada", "yes": 71}\n{"pollster": "FOM", "yes": 75}\n', "JSON Lines"),
    ],
)
def test_a_json_file_is_called_json(settings, text, kind):
    """It was 'header only' or 'no layout fits ([)'."""
    path = settings.inbox / "api.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    settle(path)
    [result] = run_ingest([], settings).files
    assert result.status == "rejected"
    assert result.message.startswith(f"this is {kind}, not CSV")
