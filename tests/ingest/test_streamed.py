"""A big plain UTF-8 file is streamed: DuckDB reads it where it lies, maps and checks it in bounded
memory and leaves its rows on disk for the store's transaction. Everything a user sees must be
what reading the file whole gives: the rows stored, every reject with its line and column, the
file's status; a file the stream cannot read (records over several lines, another encoding) is
read whole, and nothing is left behind."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pollwatch.config import load_settings
from pollwatch.ingest import files
from pollwatch.ingest.file_mapping import map_files
from pollwatch.ingest.run import run_ingest
from pollwatch.ingest.streamed import STAGING, map_streamed
from pollwatch.processes import OWNER
from pollwatch.store import Staged
from pollwatch.validate.checks import check_rows
from tests.helpers import REAL, poll_row, query, settle, write_csv
from tests.ingest.test_in_duckdb import assert_same, both_paths, csv_bytes, messy_rows


def streamed(monkeypatch, settings, data: bytes, layout: str | None = None):
    """The file mapped and checked as a streamed file, and its Read."""
    monkeypatch.setattr(files, "STREAM_FROM_BYTES", 0)
    path = settings.inbox / "drop.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    read = files.read_file(path, settings.max_file_bytes)
    assert read.data is None, "the file was read whole, not streamed"
    stage = settings.data_dir / "stage"
    stage.mkdir()
    outcome = map_streamed(read, settings, layout, stage / "0.duckdb")
    assert isinstance(outcome, tuple), f"the stream was not taken: {outcome!r}"
    checked = outcome[1]
    assert isinstance(checked.polls, Staged)
    checked.polls = checked.polls.select(["*"])
    return checked


@pytest.mark.parametrize(("delimiter", "encoding"), [(",", "utf-8"), ("\t", "utf-8-sig")])
def test_a_messy_file_streamed_gives_the_rows_and_rejects_of_the_whole_file(
    monkeypatch, settings, delimiter, encoding
):
    data = csv_bytes(messy_rows(), delimiter, encoding)
    framed, _ = both_paths(monkeypatch, settings, data)
    assert len(framed.rejects) > 10 and framed.rows_duplicate == 1  # the file tests something
    assert_same(framed, streamed(monkeypatch, settings, data))


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_a_file_with_empty_lines_is_streamed_with_every_reject_on_its_own_line(
    monkeypatch, settings, newline
):
    """DuckDB's reader skips an empty line, so the record count no longer matched the file's
    lines and a big file with one (an empty last line, most often) was read whole, and refused
    whole over the size limit. Its rows are now numbered past each empty line."""
    lines = csv_bytes(messy_rows()).replace(b"\r\n", b"\n").split(b"\n")
    for at in (40, 12, 3):  # empty lines among the rows, and two at the end
        lines.insert(at, b"")
    data = newline.join([*lines, b"", b""])
    # read whole, by the record-by-record reader (the only one that takes empty lines)
    [whole] = map_files([(settings.inbox / "drop.csv", data)], settings, None, False).values()
    framed = check_rows(whole)
    assert len(framed.rejects) > 10
    assert_same(framed, streamed(monkeypatch, settings, data))


@pytest.mark.parametrize(
    "name",
    [
        "fte_president_approval_polls_biden_2023-01.csv",
        "fte_president_approval_polls_2021-01_head3000.csv",
        "pollsposition_popularite.csv",
    ],
)
def test_real_files_streamed_give_the_rows_of_the_whole_file(monkeypatch, settings, name):
    data = (REAL / name).read_bytes()
    framed, _ = both_paths(monkeypatch, settings, data)
    assert len(framed.polls) > 250
    assert_same(framed, streamed(monkeypatch, settings, data))


def outcome(settings) -> tuple:
    """What a user sees of an ingest of the inbox: each file's result and the stored polls."""
    run = run_ingest([], settings)
    results = [
        (f.status, f.rows_read, f.rows_loaded, f.message, f.rejects, f.warnings) for f in run.files
    ]
    polls = query(settings, "SELECT * EXCLUDE (ingested_at, run_id) FROM polls ORDER BY poll_key")
    return results, polls.astype(str).values.tolist()


def canonical_text(rows: list[dict[str, str]]) -> str:
    return csv_bytes(rows).decode("utf-8")


def drops() -> dict[str, bytes]:
    """Files of each kind the stream must read as the whole-file path does, or leave to it."""
    rows = [poll_row(poll_key=f"k{i}") for i in range(30)]
    rows[3].update(positive_pct="140")
    text = canonical_text(rows)  # CRLF line ends, as the csv module writes
    unix = text.replace("\r\n", "\n")
    lines = text.splitlines(keepends=True)
    blank = "," * (len(rows[0]) - 1) + "\n"  # a record of empty cells
    quoted = [poll_row(poll_key="q1", pollster='The "Best" Polls'), *rows[:5]]
    return {
        "plain": text.encode(),
        "lf": unix.encode(),
        "old Mac line ends": unix.replace("\n", "\r").encode(),
        "a header line ended by a lone carriage return": text.replace("\r\n", "\r", 1).encode(),
        "no final newline": text.rstrip("\n").encode(),
        "blank lines": "".join([*lines[:4], blank, " \t" + blank, *lines[4:], blank]).encode(),
        "short blank lines": "".join([*lines[:4], ",,,\n", "   \n", *lines[4:]]).encode(),
        "a doubled quote": canonical_text(quoted).encode(),
        "a stray quote": text.replace("Levada Center", '"Bad "quoted" Research"', 1).encode(),
        "a record over two lines": text.replace("Levada Center", '"Levada\nCenter"', 1).encode(),
        "a ragged row": "".join([*lines[:3], "a,b,c\n", *lines[3:]]).encode(),
        "cp1251": text.replace("Levada", "Левада").encode("cp1251"),
        "only blank rows": (lines[0] + ",,,\n\n").encode(),
        "html": b"<!doctype html><html><body>error</body></html>\n" + text.encode(),
        "a duplicate column": ("pollster,pollster\n" + "a,b\n" * 3).encode(),
    }


@pytest.mark.parametrize("kind", list(drops()))
def test_a_streamed_drop_ends_as_the_same_drop_read_whole(monkeypatch, tmp_path, kind):
    """The same bytes, ingested with and without streaming, end the same for the user."""
    found = []
    for stream_from in (0, 1 << 40):
        monkeypatch.setattr(files, "STREAM_FROM_BYTES", stream_from)
        settings = load_settings(data_dir=tmp_path / f"data-{stream_from}", settle_seconds=0)
        settings.inbox.mkdir(parents=True)
        (settings.inbox / "drop.csv").write_bytes(drops()[kind])
        found.append(outcome(settings))
        assert not list(settings.data_dir.glob(f"{STAGING}*")), "staging left behind"
    assert found[0] == found[1]
    assert found[0][0], "nothing was ingested"


@pytest.mark.parametrize(
    "kind", ["old Mac line ends", "a header line ended by a lone carriage return"]
)
def test_a_file_whose_lines_end_in_lone_carriage_returns_loads_with_exact_lines(settings, kind):
    """A carriage return alone ends a line (old Mac files, and a header saved so above CRLF
    rows). One inside the first line crashed the run with a csv error and a traceback."""
    settings.inbox.mkdir(parents=True)
    (settings.inbox / "drop.csv").write_bytes(drops()[kind])
    settle(settings.inbox / "drop.csv")
    [result] = run_ingest([], settings).files
    assert (result.status, result.rows_read, result.rows_loaded) == ("partial", 30, 29)
    assert [(r["line"], r["column"]) for r in result.rejects] == [(5, "positive_pct")]


def test_streamed_rows_correct_stored_polls_and_refuse_a_key_of_another_poll(monkeypatch, settings):
    monkeypatch.setattr(files, "STREAM_FROM_BYTES", 0)
    rows = [poll_row(poll_key=f"k{i}", positive_pct="60") for i in range(5)]
    write_csv(settings.inbox / "first.csv", rows)
    [first] = run_ingest([], settings).files
    assert (first.status, first.rows_loaded) == ("loaded", 5)
    rows[1]["positive_pct"] = "61"  # a correction
    rows[2].update(leader="Volodymyr Zelensky", country="UA")  # k2 is another poll's key
    write_csv(settings.inbox / "second.csv", rows)
    [second] = run_ingest([], settings).files
    assert (second.status, second.rows_loaded, second.rows_updated) == ("partial", 0, 1)
    assert [(r["line"], r["rule"]) for r in second.rejects] == [(4, "poll_key_of_another_poll")]
    assert "first.csv" in second.rejects[0]["value"]
    stored = query(settings, "SELECT poll_key, positive_pct, leader FROM polls ORDER BY poll_key")
    assert stored.values.tolist() == [
        ["k0", 60.0, "Vladimir Putin"],
        ["k1", 61.0, "Vladimir Putin"],
        ["k2", 60.0, "Vladimir Putin"],
        ["k3", 60.0, "Vladimir Putin"],
        ["k4", 60.0, "Vladimir Putin"],
    ]
    revised = query(settings, "SELECT poll_key, positive_pct FROM revisions")
    assert revised.values.tolist() == [["k1", 60.0]]


def test_a_plain_file_over_the_size_limit_is_streamed_and_any_other_refused(monkeypatch, settings):
    rows = [poll_row(poll_key=f"k{i}", pollster="Левада-Центр") for i in range(200)]
    write_csv(settings.inbox / "plain.csv", rows)
    other = settings.inbox / "cp1251.csv"
    other.write_bytes(canonical_text(rows).replace("k", "c").encode("cp1251"))
    small = load_settings(data_dir=settings.data_dir, settle_seconds=0, max_file_mb=0.01)
    assert (settings.inbox / "plain.csv").stat().st_size > small.max_file_bytes
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in run_ingest([], small).files}
    assert (by_name["plain.csv"].status, by_name["plain.csv"].rows_loaded) == ("loaded", 200)
    assert by_name["cp1251.csv"].status == "rejected"
    assert by_name["cp1251.csv"].rejects[0]["rule"] == "too_large"


def test_the_staging_folder_of_a_killed_run_is_removed_by_the_next_run(settings):
    """A SIGKILL skips every cleanup: the next run removes what a dead run left, never the
    folder of a run still at work."""
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    left = settings.data_dir / f"{STAGING}killed"
    left.mkdir()
    (left / OWNER).write_text(gone.stdout.strip())
    (left / "0.duckdb").write_bytes(b"x" * 1000)
    working = settings.data_dir / f"{STAGING}working"
    working.mkdir()
    (working / OWNER).write_text(str(os.getpid()))  # this test's process: alive
    settings.inbox.mkdir()
    run_ingest([], settings)
    assert not left.exists() and working.exists()


def test_a_file_that_changes_after_its_hash_waits_and_one_gone_is_left_to_its_taker(
    monkeypatch, settings
):
    """A streamed file is read again by DuckDB after it was hashed: rows stored under a hash
    must be that hash's bytes, so a file changed in between waits for the next run."""
    monkeypatch.setattr(files, "STREAM_FROM_BYTES", 0)
    path = write_csv(settings.inbox / "drop.csv", [poll_row(poll_key=f"k{i}") for i in range(9)])
    stage = settings.data_dir / "stage"
    stage.mkdir()
    read = files.read_file(path, settings.max_file_bytes)
    # A sync tool rewrites it while we work: a value corrected, the same lines.
    path.write_text(path.read_text(encoding="utf-8").replace(",71,", ",72,"), encoding="utf-8")
    waiting = map_streamed(read, settings, None, stage / "0.duckdb")
    assert waiting.reason == "changed while it was read; it waits for the next run"
    read = files.read_file(path, settings.max_file_bytes)
    path.unlink()  # another run took it
    assert map_streamed(read, settings, None, stage / "1.duckdb") is None
