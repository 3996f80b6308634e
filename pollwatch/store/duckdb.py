"""The DuckDB store: schema and migrations, one atomic load per file, and the queries on top.

DuckDB lets one process write a file at a time, so connections are short and opened through
`open_store`, which waits for a busy database and then fails with a message naming the holder.
Each file's rows, revisions, rejects and log entry are written in one transaction: a crash leaves
either all of them or none.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pollwatch.store.lock import LockFileUnusable, LockTimeout, writer_lock
from pollwatch.store.migrations import MIGRATIONS
from schemas.columns import CANONICAL_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

VALUE_COLUMNS = [name for name in CANONICAL_COLUMNS if name != "poll_key"]
# What a poll says. Two sources that agree on these report the same poll, even if their links
# and notes differ; a difference in any of them is a correction.
MEASURE_COLUMNS = [name for name in VALUE_COLUMNS if name not in ("source_url", "notes")]
PROVENANCE_COLUMNS = [
    "file_sha256",
    "source_name",
    "line_number",
    "ingested_at",
    "run_id",
    "pollster_as_written",
    "leader_as_written",
]
STORED_COLUMNS = ["poll_key", *VALUE_COLUMNS, *PROVENANCE_COLUMNS]


class StoreError(Exception):
    """The database cannot be used right now; the message says why. Nothing was written."""


class StoreBusy(StoreError):
    """Another process holds the database; the message says which one."""


class StoreWriteFailed(StoreError):
    """A write failed (a full disk, a read-only folder): the transaction was rolled back."""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


_SESSION: ContextVar[tuple[Path, duckdb.DuckDBPyConnection] | None] = ContextVar(
    "pollwatch_store_session", default=None
)


@contextmanager
def session(db_path: Path, timeout_seconds: float = 30.0) -> Iterator[None]:
    """One connection for a batch of files, instead of one per step of each file.

    Connections are short on purpose (DuckDB admits one process at a time), so a session spans
    one batch, not a whole run: between batches other processes get their turn.
    """
    with open_store(db_path, timeout_seconds) as con:
        token = _SESSION.set((db_path.resolve(), con))
        try:
            yield
        finally:
            _SESSION.reset(token)


@contextmanager
def open_store(db_path: Path, timeout_seconds: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Take the writer lock and connect (waiting up to `timeout_seconds` in all for another
    process), migrate, and close and release after; inside a session, the session's connection."""
    active = _SESSION.get()
    if active is not None and active[0] == db_path.resolve():
        yield active[1]
        return
    deadline = time.monotonic() + timeout_seconds
    try:
        with writer_lock(db_path, deadline):
            con = _connect_waiting(db_path, timeout_seconds, deadline)
            try:
                migrate(con)
                yield con
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
    db_path: Path, timeout_seconds: float, deadline: float
) -> duckdb.DuckDBPyConnection:
    """Connect; another program holding the file (a notebook, the duckdb shell) is waited for."""
    pause = 0.05
    while True:
        try:
            return duckdb.connect(str(db_path))
        except duckdb.IOException as err:
            if "lock" not in str(err).lower():
                raise StoreError(f"cannot open the database {db_path}: {_first_line(err)}") from err

            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"database {db_path} is in use by {_lock_holder(str(err))}; waited "
                    f"{timeout_seconds:g} s (raise POLLWATCH_LOCK_TIMEOUT_SECONDS to wait longer)"
                ) from None
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def _lock_holder(message: str) -> str:
    match = re.search(r"lock is held in (.+?) \(PID (\d+)\)", message)
    if match:
        return f"process {match.group(2)} ({match.group(1)})"
    return "another process"


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema to the newest version, each step in its own transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version"
        " (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)"
    )
    current = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
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


@dataclass
class KnownFile:
    """A file whose bytes were loaded before."""

    status: str
    path: str
    stored_path: str | None
    ingested_at: datetime
    run_id: str


def find_known_file(con: duckdb.DuckDBPyConnection, sha256: str) -> KnownFile | None:
    row = con.execute(
        "SELECT status, path, stored_path, ingested_at, run_id FROM files "
        "WHERE sha256 = ? AND status IN ('loaded', 'partial') ORDER BY ingested_at LIMIT 1",
        [sha256],
    ).fetchone()
    return KnownFile(*row) if row else None


@dataclass
class FileRecord:
    """What one file contributed, to be written in one transaction."""

    sha256: str
    path: str
    source_name: str
    status: str
    rows_read: int
    polls: pd.DataFrame  # canonical columns, index = line number
    rejects: pd.DataFrame  # line_number, column, rule, value
    rows_rejected: int
    rows_duplicate: int  # repeats inside this file, stored once
    message: str
    run_id: str
    stored_path: str | None


@dataclass
class LoadCounts:
    loaded: int
    updated: int
    duplicate: int


def load_file(
    con: duckdb.DuckDBPyConnection, record: FileRecord, ingested_at: datetime
) -> LoadCounts | None:
    """Insert new polls, correct changed ones (old values to revisions), log the file: atomically.

    Returns None, writing nothing, when another run loaded the same bytes first: that check is
    inside the transaction, so two runs racing for one file cannot both load it.
    """
    incoming = record.polls.reset_index().assign(
        file_sha256=record.sha256,
        source_name=record.source_name,
        ingested_at=ingested_at,
        run_id=record.run_id,
    )
    con.execute("BEGIN TRANSACTION")
    try:
        if find_known_file(con, record.sha256):
            con.execute("ROLLBACK")
            return None
        counts = LoadCounts(0, 0, 0)
        if not record.polls.empty:
            con.register("incoming", incoming)
            counts = _merge_polls(con, record)
            con.unregister("incoming")
        _insert_rejects(con, record, ingested_at)
        con.execute(
            "INSERT INTO files (file_id, sha256, path, source_name, status, rows_read, rows_loaded,"
            " rows_rejected, rows_duplicate, rows_updated, message, ingested_at, run_id,"
            " stored_path) VALUES (nextval('file_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                record.sha256,
                record.path,
                record.source_name,
                record.status,
                record.rows_read,
                counts.loaded,
                record.rows_rejected,
                counts.duplicate + record.rows_duplicate,
                counts.updated,
                record.message,
                ingested_at,
                record.run_id,
                record.stored_path,
            ],
        )
        con.execute("COMMIT")
    except BaseException as err:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        if isinstance(err, duckdb.Error):
            raise StoreWriteFailed(
                f"could not write {record.path}'s rows to the database: "
                f"{_first_line(err)}; nothing of it was stored"
            ) from err
        raise
    return counts


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


TYPED_INCOMING = (
    "SELECT * REPLACE (fieldwork_start::DATE AS fieldwork_start, "
    "fieldwork_end::DATE AS fieldwork_end, published::DATE AS published, "
    "sample_size::INTEGER AS sample_size, line_number::INTEGER AS line_number) FROM incoming"
)


def _merge_polls(con: duckdb.DuckDBPyConnection, record: FileRecord) -> LoadCounts:
    """New polls inserted; known ones compared, corrected (old values to revisions) or counted."""
    keys = record.polls[["poll_key"]]
    con.register("incoming_keys", keys)
    known = con.execute(
        "SELECT count(*) FROM incoming_keys JOIN polls USING (poll_key)"
    ).fetchall()[0][0]

    con.unregister("incoming_keys")
    stored = ", ".join(STORED_COLUMNS)
    if known == 0:  # the bulk case: nothing to compare, one pass straight into the table
        con.execute(f"INSERT INTO polls ({stored}) SELECT {stored} FROM ({TYPED_INCOMING})")
        return LoadCounts(loaded=len(record.polls), updated=0, duplicate=0)
    differs = " OR ".join(f"p.{c} IS DISTINCT FROM i.{c}" for c in MEASURE_COLUMNS)
    changed_names = ", ".join(
        f"CASE WHEN p.{c} IS DISTINCT FROM i.{c} THEN '{c}' END" for c in VALUE_COLUMNS
    )
    # Cast to the store's column types first, so that comparing old and new values is exact.
    con.execute(f"CREATE OR REPLACE TEMP TABLE incoming_typed AS {TYPED_INCOMING}")

    con.execute(
        "CREATE OR REPLACE TEMP TABLE changed AS "
        f"SELECT i.poll_key, list_filter([{changed_names}], lambda x: x IS NOT NULL) AS columns "
        f"FROM incoming_typed i JOIN polls p USING (poll_key) WHERE {differs}"
    )
    matched = con.execute(
        "SELECT count(*) FROM incoming_typed i JOIN polls p USING (poll_key)"
    ).fetchone()[0]
    updated = con.execute("SELECT count(*) FROM changed").fetchone()[0]
    con.execute(
        f"INSERT INTO revisions ({stored}, changed_columns, revised_by_file_sha256,"
        f" revised_by_run_id, revised_at) SELECT {', '.join('p.' + c for c in STORED_COLUMNS)},"
        " c.columns, ?, ?, ? FROM polls p JOIN changed c USING (poll_key)",
        [record.sha256, record.run_id, utc_now()],
    )
    assignments = ", ".join(f"{c} = i.{c}" for c in [*VALUE_COLUMNS, *PROVENANCE_COLUMNS])
    con.execute(
        f"UPDATE polls SET {assignments} FROM incoming_typed i "
        "WHERE polls.poll_key = i.poll_key AND polls.poll_key IN (SELECT poll_key FROM changed)"
    )
    con.execute(
        f"INSERT INTO polls ({stored}) SELECT {stored} FROM incoming_typed i "
        "WHERE NOT EXISTS (SELECT 1 FROM polls p WHERE p.poll_key = i.poll_key)"
    )
    con.execute("DROP TABLE changed")
    con.execute("DROP TABLE incoming_typed")
    return LoadCounts(
        loaded=len(record.polls) - matched, updated=updated, duplicate=matched - updated
    )


def _insert_rejects(
    con: duckdb.DuckDBPyConnection, record: FileRecord, rejected_at: datetime
) -> None:
    if record.rejects.empty:
        return
    rejects = record.rejects.assign(
        file_sha256=record.sha256, path=record.path, run_id=record.run_id, rejected_at=rejected_at
    ).astype({"line_number": "Int64", "column": "str", "rule": "str", "value": "str"})
    con.register("incoming_rejects", rejects)
    con.execute(
        "INSERT INTO rejects (file_sha256, path, line_number, column_name, rule, value, run_id,"
        ' rejected_at) SELECT file_sha256, path, line_number, "column", rule, value, run_id,'
        " rejected_at FROM incoming_rejects"
    )
    con.unregister("incoming_rejects")


def record_duplicate_file(
    con: duckdb.DuckDBPyConnection, sha256: str, path: str, stored_path: str, run_id: str
) -> None:
    """Log a drop of bytes already loaded: it changes no poll, but it was seen."""
    con.execute(
        "INSERT INTO files (file_id, sha256, path, status, rows_read, rows_loaded, rows_rejected,"
        " rows_duplicate, rows_updated, message, ingested_at, run_id, stored_path) VALUES"
        " (nextval('file_ids'), ?, ?, 'duplicate', 0, 0, 0, 0, 0, 'already ingested', ?, ?, ?)",
        [sha256, path, utc_now(), run_id, stored_path],
    )


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, trigger: str) -> None:
    con.execute(
        "INSERT INTO runs (run_id, started_at, trigger, status, pid, host)"
        " VALUES (?, ?, ?, 'running', ?, ?) ON CONFLICT (run_id) DO NOTHING",
        [run_id, utc_now(), trigger, os.getpid(), socket.gethostname()],
    )


def close_dead_runs(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Record as crashed the runs of this machine still marked running whose process is gone
    (killed outright: nothing in it could record how it ended). Returns (run_id, trigger) of each.
    """
    running = con.execute(
        "SELECT run_id, trigger, pid FROM runs WHERE status = 'running' AND host = ?",
        [socket.gethostname()],
    ).fetchall()
    dead = [(run_id, trigger) for run_id, trigger, pid in running if not _alive(pid)]
    for run_id, _ in dead:
        con.execute(
            "UPDATE runs SET status = 'crashed' WHERE run_id = ? AND status = 'running'", [run_id]
        )
    return dead


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True  # recorded before pids were: nothing to go by
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process by that number
        return True
    return True


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, totals: dict) -> None:
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, files_seen = ?, rows_loaded = ?,"
        " rows_rejected = ?, rows_updated = ?, rows_duplicate = ? WHERE run_id = ?",
        [
            utc_now(),
            status,
            totals.get("files"),
            totals.get("rows_loaded"),
            totals.get("rows_rejected"),
            totals.get("rows_updated"),
            totals.get("rows_duplicate"),
            run_id,
        ],
    )


@dataclass
class LoggedFile:
    """A file's entry in the `files` table: what a run did with it."""

    path: str
    sha256: str
    source_name: str | None
    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_updated: int
    rows_duplicate: int
    message: str
    stored_path: str | None


def files_of_run(con: duckdb.DuckDBPyConnection, run_id: str) -> list[LoggedFile]:
    rows = con.execute(
        "SELECT path, sha256, source_name, status, rows_read, rows_loaded, rows_rejected,"
        " rows_updated, rows_duplicate, message, stored_path FROM files WHERE run_id = ?"
        " ORDER BY file_id",
        [run_id],
    ).fetchall()
    return [LoggedFile(*row) for row in rows]


def file_rejects(con: duckdb.DuckDBPyConnection, sha256: str) -> pd.DataFrame:
    return con.execute(
        "SELECT line_number, column_name AS column, rule, value FROM rejects WHERE file_sha256 = ?"
        " ORDER BY line_number NULLS FIRST, column_name",
        [sha256],
    ).df()
