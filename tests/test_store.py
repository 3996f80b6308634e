"""The DuckDB store: migrations on open, one writer at a time, and all-or-nothing loads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from pollwatch import store
from pollwatch.ingest.run import run_ingest
from pollwatch.store.migrations import MIGRATIONS
from tests.helpers import hold_database, monthly_rows, poll_row, query, write_csv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_opening_a_new_database_applies_every_migration_once(settings):
    with store.open_store(settings.db_path) as con:
        assert store.migrate(con) == MIGRATIONS[-1][0]
    with store.open_store(settings.db_path) as con:
        versions = con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        tables = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables"
            ).fetchall()
        }
    assert [v for (v,) in versions] == [v for v, _ in MIGRATIONS]
    assert {"polls", "revisions", "files", "rejects", "runs"} <= tables


def test_a_database_held_by_another_process_fails_after_waiting_and_names_the_holder(settings):
    with store.open_store(settings.db_path):
        pass
    holder = hold_database(settings.db_path)
    try:
        started = time.monotonic()
        with (
            pytest.raises(store.StoreBusy) as caught,
            store.open_store(settings.db_path, timeout_seconds=1),
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
    with store.open_store(settings.db_path):
        pass
    holder = hold_database(settings.db_path, seconds=1)
    try:
        with store.open_store(settings.db_path, timeout_seconds=30) as con:
            assert con.execute("SELECT count(*) FROM polls").fetchone()[0] == 0
    finally:
        holder.wait()


LOAD_AND_REPORT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pollwatch import store
    from pollwatch.validate.checks import check_rows
    from pollwatch.config import load_settings
    from pollwatch.ingest.steps import file_record, file_sha256, read_and_map
    path, data_dir = Path(sys.argv[1]), Path(sys.argv[2])
    settings = load_settings(data_dir=data_dir, env={})
    mapped = read_and_map(path, settings)
    record = file_record(path, file_sha256(path), mapped, check_rows(mapped), run_id="doomed")
    with store.open_store(settings.db_path) as con:
        print("loading", flush=True)
        store.load_file(con, record, store.utc_now())
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
