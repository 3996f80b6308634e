"""One pollwatch process at a time holds the database: a second waits, says so and whom for, and
goes on when the first lets go (or fails naming it); a holder that dies releases it at once."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from pollwatch.store import StoreBusy, StoreError
from pollwatch.store.duckdb import DuckDBStore
from pollwatch.store.lock import lock_path

HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pollwatch.store.duckdb import DuckDBStore
    with DuckDBStore(Path(sys.argv[1])).session():
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
        print(time.time(), flush=True)  # the moment it lets go
""")


def hold(db_path, seconds: float) -> subprocess.Popen:
    """Another pollwatch process that holds the database for `seconds`."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db_path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "holding"
    return holder


def test_a_second_run_waits_says_whom_for_and_goes_on_when_the_first_lets_go(settings, caplog):
    holder = hold(settings.db_path, 1.5)
    started = time.monotonic()
    with (
        caplog.at_level(logging.INFO, logger="pollwatch.store"),
        DuckDBStore(settings.db_path, timeout_seconds=30).session(),
    ):
        got_it = time.time()
        waited = time.monotonic() - started
    let_go = float(holder.stdout.readline())
    holder.wait()
    assert got_it >= let_go, "the database was opened while another run held it"
    [line] = [r.getMessage() for r in caplog.records if "waiting for the database" in r.message]
    assert line.startswith("waiting for the database: another pollwatch run holds it (pid ")
    assert f"pid {holder.pid}," in line
    assert waited >= 1.0


def test_a_run_that_waits_too_long_fails_naming_the_holder(settings):
    holder = hold(settings.db_path, 30)
    try:
        with (
            pytest.raises(StoreBusy) as caught,
            DuckDBStore(settings.db_path, timeout_seconds=0.5).session(),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
    message = str(caught.value)
    assert message.startswith(f"database {settings.db_path} is in use by another pollwatch run")
    assert f"pid {holder.pid}" in message and "waited 0.5 s" in message


def test_a_holder_killed_outright_releases_the_database_at_once(settings):
    holder = hold(settings.db_path, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    with DuckDBStore(settings.db_path, timeout_seconds=0.5).session():
        assert time.monotonic() - started < 0.5
    assert lock_path(settings.db_path).exists(), "the lock file stays: removing it races waiters"


def test_threads_and_nested_blocks_of_one_process_share_its_hold(settings):
    """An flock taken twice by one process on two descriptors would wait for itself."""
    outer, inner = (DuckDBStore(settings.db_path, timeout_seconds=0.5) for _ in range(2))
    with outer.session():
        with inner.session():
            assert inner.polls().empty
        errors = []

        def other_thread():
            try:
                with DuckDBStore(settings.db_path, timeout_seconds=0.5).session():
                    pass
            except Exception as err:  # noqa: BLE001  (reported below)
                errors.append(err)

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert errors == []
    holder = hold(settings.db_path, 0.1)  # released by all of them: another process gets it
    holder.wait()


def test_a_missing_folder_is_a_store_error_naming_the_database(tmp_path):
    db = tmp_path / "nowhere" / "polls.duckdb"
    with (
        pytest.raises(StoreError, match=f"cannot open the database {db}: No such file"),
        DuckDBStore(db, timeout_seconds=0.5).session(),
    ):
        pass
