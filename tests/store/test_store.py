"""The DuckDB store: migrations on open, one writer at a time, and all-or-nothing loads."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from pollwatch.ingest.run import run_ingest
from pollwatch.store import StoreBusy, open_store
from pollwatch.store.duckdb import DuckDBStore
from pollwatch.store.duckdb.migrations import MIGRATIONS
from tests.helpers import ROOT, hold_database, monthly_rows, poll_row, query, write_csv


def test_opening_a_new_database_applies_every_migration_once(settings):
    with open_store(settings).session():
        pass
    with open_store(settings).session():  # a second open in the process finds nothing to do
        pass
    versions = query(settings, "SELECT version FROM schema_version ORDER BY version")
    tables = set(query(settings, "SELECT table_name FROM information_schema.tables")["table_name"])
    assert versions["version"].tolist() == [v for v, _ in MIGRATIONS]
    assert {"polls", "revisions", "files", "rejects", "runs"} <= tables


def test_a_database_held_by_another_process_fails_after_waiting_and_names_the_holder(settings):
    with open_store(settings).session():
        pass
    holder = hold_database(settings.db_path)
    try:
        started = time.monotonic()
        with (
            pytest.raises(StoreBusy) as caught,
            DuckDBStore(settings.db_path, timeout_seconds=1).session(),
        ):
            pass
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert f"process {holder.pid}" in str(caught.value)
    assert "waited 1 s" in str(caught.value)
    assert waited >= 1


def test_a_writer_that_finishes_soon_is_waited_for(settings):
    with open_store(settings).session():
        pass
    holder = hold_database(settings.db_path, seconds=1)
    try:
        started = time.monotonic()
        assert DuckDBStore(settings.db_path, timeout_seconds=30).polls().empty
        assert time.monotonic() - started >= 0.5, "it did not wait for the holder"
    finally:
        holder.wait()


LOAD_AND_REPORT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pollwatch.config import load_settings
    from pollwatch.ingest.commit import file_record
    from pollwatch.ingest.files import read_file
    from pollwatch.ingest.file_mapping import map_bytes
    from pollwatch.store import open_store
    from pollwatch.validate.checks import check_rows
    path, data_dir = Path(sys.argv[1]), Path(sys.argv[2])
    settings = load_settings(data_dir=data_dir)
    read = read_file(path, settings.max_file_bytes)
    mapped = map_bytes(read.data, path, settings)
    record = file_record(read, mapped, check_rows(mapped), run_id="doomed")
    store = open_store(settings)
    with store.session():
        print("loading", flush=True)
        store.load_files([record])
    print("committed", flush=True)
""")


def test_a_process_killed_in_the_middle_of_a_load_leaves_no_row_of_the_file(settings, tmp_path):
    rows = [poll_row(poll_key=f"k{i}", negative_pct="", undecided_pct="") for i in range(60_000)]
    path = write_csv(settings.inbox / "big.csv", rows)
    run_ingest([write_csv(tmp_path / "small.csv", monthly_rows(3))], settings)  # stored before
    outcomes = []
    for delay in (0.0, 0.02, 0.05, 0.1):
        loader = subprocess.Popen(
            [sys.executable, "-c", LOAD_AND_REPORT, str(path), str(settings.data_dir)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert loader.stdout.readline().strip() == "loading"
        time.sleep(delay)
        loader.send_signal(signal.SIGKILL)
        loader.wait()
        committed = loader.stdout.read().strip() == "committed"
        outcomes.append(committed)
        with duckdb.connect(str(settings.db_path)) as con:  # opens cleanly after the kill
            stored = con.execute("SELECT count(*) FROM polls WHERE run_id = 'doomed'").fetchone()
            files = con.execute("SELECT count(*) FROM files WHERE run_id = 'doomed'").fetchone()
        if committed:
            break
        assert stored[0] == 0 and files[0] == 0
    assert not outcomes[0], "the kill never landed inside the load: make the file bigger"
    assert query(settings, "SELECT count(*) AS n FROM polls")["n"][0] == 3
    run = run_ingest([], settings)
    assert [(f.path, f.status, f.rows_loaded) for f in run.files] == [(str(path), "loaded", 60_000)]
    assert query(settings, "SELECT count(*) AS n FROM polls")["n"][0] == 60_003


def test_a_long_query_draws_no_progress_bar_on_stdout(settings, capfd):
    """DuckDB draws one on stdout for a slow query; it would corrupt `pollwatch ingest --json`."""
    from pollwatch.store.duckdb.connection import connected

    with connected(settings.db_path, 5) as con:  # a query of about 3 s, over DuckDB's 2 s
        con.execute("SELECT count(*) FROM range(900000000) t(i) WHERE i % 7 = 1").fetchall()
    assert capfd.readouterr().out == ""
