"""Opening the DuckDB file: the writer lock first, then the connection, then the schema brought
up to date, once per process.

DuckDB admits one process per database file and refuses a second at once, even read-only. Every
pollwatch process therefore takes the writer lock (pollwatch/store/lock.py) before it connects;
something outside pollwatch holding the file (a notebook, the duckdb shell) is waited for with
backoff. Both waits share one deadline, and a run that waits says so once in its log.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pollwatch.store.duckdb.migrations import MIGRATIONS
from pollwatch.store.errors import StoreBusy, StoreError
from pollwatch.store.lock import LockFileUnusable, LockTimeout, writer_lock
from pollwatch.store.records import utc_now

log = logging.getLogger("pollwatch.store")

# Databases this process has brought up to date: the schema check runs once per process.
_migrated: set[tuple[Path, int, int]] = set()  # (path, device, inode)
_migrated_guard = threading.Lock()


@contextmanager
def connected(
    db_path: Path, timeout_seconds: float, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Hold the writer lock and a connection for the block; closed and released after. A reader
    (`read_only`) waits for a writer the same way, and opens a database it may not write (a
    published copy, a backup, a read-only mount) without the lock it cannot take there."""
    deadline = time.monotonic() + timeout_seconds
    try:
        with contextlib.ExitStack() as held:
            locked = True
            try:
                held.enter_context(writer_lock(db_path, deadline))
            except LockFileUnusable:
                if not read_only:
                    raise
                locked = False
            con = _connect_waiting(db_path, timeout_seconds, deadline, read_only)
            try:
                if read_only and locked and _behind(con):
                    # A reader holding the writer lock may bring an older database up to date
                    # (a report right after an upgrade, before any ingest wrote to it).
                    con.close()
                    con = _brought_up_to_date(db_path, timeout_seconds, deadline)
                if read_only:
                    _require_current(con, db_path)
                else:
                    _migrate_once(con, db_path)
                yield con
            except duckdb.Error as err:
                # Whatever the database itself refuses (a damaged file above all) is said in
                # one line, as every store failure is, not as a traceback.
                raise StoreError(_database_failed(db_path, err)) from err
            finally:
                con.close()
    except LockTimeout as err:
        raise StoreBusy(
            f"database {db_path} is in use by another pollwatch run ({err.holder}); waited "
            f"{timeout_seconds:g} s (raise POLLWATCH_LOCK_TIMEOUT_SECONDS to wait longer)"
        ) from None
    except LockFileUnusable as err:
        raise StoreError(f"cannot open the database {db_path}: {err.strerror}") from err


def _connect_waiting(
    db_path: Path, timeout_seconds: float, deadline: float, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    pause, said = 0.05, False
    while True:
        try:
            con = duckdb.connect(str(db_path), read_only=read_only)
            # DuckDB draws a progress bar on stdout for a query over 2 s: that would land in the
            # middle of `pollwatch ingest --json`.
            con.execute("SET enable_progress_bar = false")
            return con
        except duckdb.IOException as err:
            if "lock" not in str(err).lower():
                raise StoreError(f"cannot open the database {db_path}: {first_line(err)}") from err
            holder = _lock_holder(str(err))
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"database {db_path} is in use by {holder}; waited "
                    f"{timeout_seconds:g} s (raise POLLWATCH_LOCK_TIMEOUT_SECONDS to wait longer)"
                ) from None
            if not said:
                log.info("waiting for the database: %s has it open", holder)
                said = True
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def _database_failed(db_path: Path, err: duckdb.Error) -> str:
    if "corrupt" in str(err).lower() or isinstance(err, duckdb.SerializationException):
        return (
            f"the database {db_path} is damaged ({first_line(err)}): put back a copy, or build "
            "it again from archive/ and quarantine/ with `pollwatch rebuild`"
        )
    return f"the database {db_path} failed: {first_line(err)}"


def _lock_holder(message: str) -> str:
    match = re.search(r"lock is held in (.+?) \(PID (\d+)\)", message)
    if match:
        return f"process {match.group(2)} ({match.group(1)})"
    return "another process"


def _migrate_once(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Once a process per database file, not per path: a file made anew where another was (the
    second `rebuild` of one process builds at the path the first one's database left) has no
    tables, and keyed by its path alone it was taken as migrated ("Table with name runs does not
    exist")."""
    found = db_path.stat()
    key = (db_path.resolve(), found.st_dev, found.st_ino)
    with _migrated_guard:
        if key in _migrated:
            return
        migrate(con)
        _migrated.add(key)


def _schema(con: duckdb.DuckDBPyConnection) -> int | None:
    """The newest migration the database has had (None: none)."""
    return con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]


def _behind(con: duckdb.DuckDBPyConnection) -> bool:
    found = _schema(con)
    return found is None or found < MIGRATIONS[-1][0]


def _brought_up_to_date(
    db_path: Path, timeout_seconds: float, deadline: float
) -> duckdb.DuckDBPyConnection:
    """Migrate through a writable connection, then open read-only again; where the file cannot
    be written, read-only as it is (and _require_current says what to do)."""
    try:
        writable = _connect_waiting(db_path, timeout_seconds, deadline)
        try:
            _migrate_once(writable, db_path)
        finally:
            writable.close()
    except (duckdb.Error, StoreError) as err:
        log.info("could not bring %s up to date here: %s", db_path, first_line(err))
    return _connect_waiting(db_path, timeout_seconds, deadline, read_only=True)


def _require_current(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """A database opened only to read cannot be brought up to date: say so if it needs it."""
    if _behind(con):
        raise StoreError(
            f"the database {db_path} was written by an older pollwatch (schema"
            f" {_schema(con)}, this one reads {MIGRATIONS[-1][0]}) and cannot be updated where it"
            " is, read-only: update a writable copy first (any pollwatch command on it)"
        )


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema to the newest version, each step in its own transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version"
        " (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)"
    )
    # fetchall: a result left open (fetchone) makes DuckDB refuse the connection's next call.
    current = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]
    for version, statements in MIGRATIONS:
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(statements)
            con.execute("INSERT INTO schema_version VALUES (?, ?)", [version, utc_now()])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        current = version
    return current


def first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
