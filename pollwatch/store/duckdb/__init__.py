"""The DuckDB backend: one database file with one writing process, which pollwatch keeps to by
a lock the kernel drops when its holder dies (connection.py). Every SQL statement pollwatch
issues against DuckDB is in this package: the file loads in loading.py and the modules it
draws on, the rest here.

Connections are short: each call outside a session opens and closes its own, and a session (a
batch of files) holds one for its calls, so that between batches another run gets its turn.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pollwatch.processes import is_running
from pollwatch.store.duckdb.connection import connected
from pollwatch.store.records import (
    STORED_COLUMNS,
    FileRecord,
    KnownFile,
    LoadCounts,
    LoggedFile,
    utc_now,
)
from schemas.columns import POLL_ASKED

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


# What stands of each file (its bytes): its latest attempt, duplicates aside. A file refused
# whole is tried again when dropped again, typically once its layout is written or mended; what
# an earlier attempt refused or skipped is history (its rows stay in `rejects` and `files`), not
# something to fix: counted, a table that loaded read "refused whole, by reason: unknown_layout
# 1" in status and in the report's quality panel, its skipped rows twice.
LATEST_ATTEMPTS = (
    "(SELECT sha256, arg_max(status, (ingested_at, file_id)) AS status,"
    " arg_max(run_id, (ingested_at, file_id)) AS run_id, max(ingested_at) AS ingested_at,"
    " arg_max(rows_rejected, (ingested_at, file_id)) AS rows_rejected,"
    " arg_max(rows_skipped, (ingested_at, file_id)) AS rows_skipped"
    " FROM files WHERE status <> 'duplicate' GROUP BY sha256)"
)
# A reject of a row, not of a whole file: its file's latest attempt counted rejected rows. A file
# refused whole (not a CSV, no layout fits, nothing to store) logs its reason as a reject too, on
# no line or its header's, and was once counted among the rows rejected ("2 rows rejected" where
# the run said 0 rows and 2 files). A reject is of an attempt by its run and time.
_OF_LATEST = (
    f"EXISTS (SELECT 1 FROM {LATEST_ATTEMPTS} f WHERE f.sha256 = r.file_sha256"
    " AND f.run_id = r.run_id AND f.ingested_at = r.rejected_at AND f.rows_rejected {} 0)"
)
OF_LATEST_ATTEMPT = _OF_LATEST.format(">=")
ROW_REJECT = _OF_LATEST.format(">")
FILE_REFUSED = _OF_LATEST.format("=")
# Rejects, each with its file's path where the file now lies (quarantine/, where its
# .errors.csv is), not where it was dropped: the quality panel's examples named inbox/ paths
# of files long moved.
FILED_REJECTS = (
    "(SELECT r.* REPLACE (coalesce(f.stored_path, r.path) AS path) FROM rejects r LEFT JOIN"
    " (SELECT sha256, arg_max(stored_path, (ingested_at, file_id)) AS stored_path FROM files"
    " WHERE status <> 'duplicate' AND stored_path IS NOT NULL GROUP BY sha256) f"
    " ON f.sha256 = r.file_sha256)"
)

# A poll asked, as SQL (schemas.columns.POLL_ASKED): what count(DISTINCT ...) counts.
ASKED = ", ".join(POLL_ASKED)

EMPTY_OVERVIEW = {
    "schema_version": None,
    "polls": 0,
    "polls_asked": 0,
    "series": [],
    "files": {},
    "rows_rejected": 0,
    "revisions": 0,
    "rows_skipped": 0,
    "reject_rules": [],
    "files_refused": [],
    "last_run": None,
    "newest_poll": None,
}


class DuckDBStore:
    def __init__(
        self, db_path: Path, timeout_seconds: float = 30.0, read_only: bool = False
    ) -> None:
        self.db_path = db_path
        self.timeout_seconds = timeout_seconds
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = None

    @contextmanager
    def session(self) -> Iterator[None]:
        if self._con is not None:  # already held: a nested session shares it
            yield
            return
        with connected(self.db_path, self.timeout_seconds, self.read_only) as con:
            self._con = con
            try:
                yield
            finally:
                self._con = None

    @contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.session():
            yield self._con

    def exists(self) -> bool:
        return self.db_path.exists()

    def known_files(self, sha256s: list[str]) -> dict[str, KnownFile]:
        if not sha256s:
            return {}
        with self._connection() as con:
            from pollwatch.store.duckdb import file_log  # pandas and pyarrow: not for `status`

            return file_log.known_files(con, sha256s)

    def names(self) -> dict[str, list[str]]:
        if not self.exists():
            return {}
        with self._connection() as con:
            [(pollsters, leaders)] = con.execute(
                "SELECT list(DISTINCT pollster), list(DISTINCT leader) FROM polls"
            ).fetchall()
        return {"pollster": pollsters or [], "leader": leaders or []}

    def load_files(self, records: list[FileRecord]) -> list[LoadCounts | None]:
        with self._connection() as con:
            from pollwatch.store.duckdb import loading

            counts = loading.load_files(con, records, utc_now())
            # Into the database file itself before any file moves: a commit lives in the
            # write-ahead log until a checkpoint, and a run killed before its session closes
            # leaves it there, where deleting the .wal (a common reflex) loses rows whose files
            # were already archived.
            con.execute("CHECKPOINT")
            return counts

    def record_duplicate(self, sha256: str, path: str, stored_path: str, run_id: str) -> None:
        with self._connection() as con:
            con.execute(
                "INSERT INTO files (file_id, sha256, path, status, rows_read, rows_loaded,"
                " rows_rejected, rows_duplicate, rows_updated, message, ingested_at, run_id,"
                " stored_path) VALUES (nextval('file_ids'), ?, ?, 'duplicate', 0, 0, 0, 0, 0,"
                " 'already ingested', ?, ?, ?)",
                [sha256, path, utc_now(), run_id, stored_path],
            )

    def rejects_of(self, sha256: str) -> pd.DataFrame:
        """The rejects of the file's latest attempt (a file refused whole is tried again)."""
        with self._connection() as con:
            return con.execute(
                "SELECT line_number, column_name AS column, rule, value FROM rejects r"
                f" WHERE file_sha256 = ? AND {OF_LATEST_ATTEMPT}"
                " ORDER BY line_number NULLS FIRST, column_name",
                [sha256],
            ).df()

    def start_run(self, run_id: str, trigger: str) -> list[tuple[str, str]]:
        host = socket.gethostname()
        with self._connection() as con:
            running = con.execute(
                "SELECT run_id, trigger, pid FROM runs WHERE status = 'running' AND host = ?",
                [host],
            ).fetchall()
            dead = [(dead_id, how) for dead_id, how, pid in running if not _alive(pid)]
            for dead_id, _ in dead:
                con.execute(
                    "UPDATE runs SET status = 'crashed' WHERE run_id = ? AND status = 'running'",
                    [dead_id],
                )
            con.execute(
                "INSERT INTO runs (run_id, started_at, trigger, status, pid, host)"
                " VALUES (?, ?, ?, 'running', ?, ?) ON CONFLICT (run_id) DO NOTHING",
                [run_id, utc_now(), trigger, os.getpid(), host],
            )
        return dead

    def finish_run(self, run_id: str, status: str, totals: dict[str, int]) -> None:
        with self._connection() as con:
            con.execute(
                "UPDATE runs SET finished_at = ?, status = ?, files_seen = ?, rows_loaded = ?,"
                " rows_rejected = ?, rows_updated = ?, rows_duplicate = ?, rows_skipped = ?"
                " WHERE run_id = ?",
                [
                    utc_now(),
                    status,
                    totals.get("files"),
                    totals.get("rows_loaded"),
                    totals.get("rows_rejected"),
                    totals.get("rows_updated"),
                    totals.get("rows_duplicate"),
                    totals.get("rows_skipped"),
                    run_id,
                ],
            )

    def files_of_run(self, run_id: str) -> list[LoggedFile]:
        with self._connection() as con:
            rows = con.execute(
                "SELECT path, sha256, source_name, status, rows_read, rows_loaded, rows_rejected,"
                " rows_updated, rows_duplicate, message, stored_path, rows_skipped FROM files"
                " WHERE run_id = ?"
                " ORDER BY file_id",
                [run_id],
            ).fetchall()
        return [LoggedFile(*row) for row in rows]

    def polls(self) -> pd.DataFrame:
        return self._read(f"SELECT {', '.join(STORED_COLUMNS)} FROM polls")

    def versions(self) -> pd.DataFrame:
        columns = ", ".join(STORED_COLUMNS)
        return self._read(
            f"SELECT {columns}, NULL::TIMESTAMP AS replaced_at FROM polls"
            f" UNION ALL SELECT {columns}, revised_at AS replaced_at FROM revisions",
            [*STORED_COLUMNS, "replaced_at"],
        )

    def _read(self, query: str, columns: list[str] = STORED_COLUMNS) -> pd.DataFrame:
        if not self.exists():  # nothing stored yet, and nothing to create by asking
            import pandas as pd

            return pd.DataFrame(columns=columns)
        with self._connection() as con:
            return con.execute(
                f"{query} ORDER BY leader, metric, fieldwork_end, pollster, poll_key, ingested_at"
            ).df()

    def arrivals(self) -> pd.DataFrame:
        """source_name, arrived (the last time a file of that layout stored a row), and each
        series it brought: leader, metric, pollster, newest (fieldwork end)."""
        if not self.exists():
            import pandas as pd

            return pd.DataFrame(
                columns=["source_name", "arrived", "leader", "metric", "pollster", "newest"]
            )
        with self._connection() as con:
            return con.execute(
                "WITH arrived AS (SELECT source_name, max(ingested_at) AS arrived FROM files"
                " WHERE rows_loaded + rows_updated > 0 AND source_name IS NOT NULL GROUP BY 1)"
                " SELECT a.source_name, a.arrived, p.leader, p.metric, p.pollster,"
                " max(p.fieldwork_end) AS newest FROM arrived a JOIN polls p USING (source_name)"
                " GROUP BY ALL ORDER BY ALL"
            ).df()

    def tell_once(self, kind: str, subject: str, due: date) -> bool:
        with self._connection() as con:
            told = con.execute(
                "INSERT INTO notices VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING kind",
                [kind, subject, due, utc_now()],
            ).fetchall()
        return bool(told)

    def taken_keys(self, incoming: pd.DataFrame | pa.Table) -> pd.DataFrame:
        with self._connection() as con:
            from pollwatch.store.duckdb.taken_keys import taken_keys

            return taken_keys(con, incoming)

    def filed_paths(self) -> list[str]:
        if not self.exists():
            return []
        with self._connection() as con:
            return [
                row[0]
                for row in con.execute(
                    "SELECT DISTINCT stored_path FROM files WHERE stored_path IS NOT NULL"
                ).fetchall()
            ]

    def overview(self) -> dict:
        if not self.exists():  # nothing stored yet, and nothing to create by asking
            return dict(EMPTY_OVERVIEW)
        with self._connection() as con:

            def one(sql: str):
                return con.execute(sql).fetchone()[0]

            def records(sql: str) -> list[dict]:
                cursor = con.execute(sql)
                names = [d[0] for d in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

            last_run = records(
                "SELECT run_id, trigger, status, started_at, finished_at, files_seen,"
                " rows_loaded, rows_rejected, rows_updated, rows_skipped, pid, host FROM runs"
                " ORDER BY started_at DESC LIMIT 1"
            )
            for run in last_run:  # a run whose process died says so before the next run does
                pid, host = run.pop("pid"), run.pop("host")
                if run["status"] == "running" and host == socket.gethostname() and not _alive(pid):
                    run["status"] = "crashed"
            newest = records(
                "SELECT leader, metric, pollster, fieldwork_end, positive_pct FROM polls"
                " ORDER BY fieldwork_end DESC, leader LIMIT 1"
            )
            return {
                "schema_version": one("SELECT max(version) FROM schema_version"),
                "polls": one("SELECT count(*) FROM polls"),
                # The polls those rows are (a poll is stored as a row a question, a population).
                "polls_asked": one(f"SELECT count(DISTINCT ({ASKED})) FROM polls"),
                "series": records(
                    f"SELECT leader, metric, count(*) AS rows, count(DISTINCT ({ASKED})) AS polls,"
                    " count(DISTINCT pollster) AS pollsters, min(fieldwork_start) AS first_poll,"
                    " max(fieldwork_end) AS last_poll FROM polls"
                    " GROUP BY leader, metric ORDER BY leader, metric"
                ),
                # Each file once, as it stands, and every duplicate dropped.
                "files": dict(
                    con.execute(
                        f"SELECT status, count(*) FROM (SELECT status FROM {LATEST_ATTEMPTS}"
                        " UNION ALL SELECT status FROM files WHERE status = 'duplicate')"
                        " GROUP BY status ORDER BY status"
                    ).fetchall()
                ),
                "rows_rejected": one(
                    "SELECT count(DISTINCT (file_sha256, line_number)) FROM rejects r"
                    f" WHERE {ROW_REJECT}"
                ),
                "revisions": one("SELECT count(*) FROM revisions"),
                # Stored before the store kept a publication month apart from a day: a month's
                # last day may stand for the month (migration 8), until a rebuild reads it again.
                "published_month_unknown": one(
                    "SELECT count(*) FROM polls WHERE published_precision IS NULL"
                    " AND published = last_day(published)"
                ),
                "rows_skipped": one(
                    f"SELECT coalesce(sum(rows_skipped), 0) FROM {LATEST_ATTEMPTS}"
                ),
                "reject_rules": records(
                    "SELECT rule, count(DISTINCT (file_sha256, line_number)) AS rows,"
                    " arg_min(path || coalesce(':' || line_number, '')"
                    " || coalesce(': column ' || column_name, '') || coalesce(': ' || value, ''),"
                    " (path, line_number, column_name))"  # a file's first line, not '12' < '6'
                    f" AS example FROM {FILED_REJECTS} r WHERE {ROW_REJECT}"
                    " GROUP BY rule ORDER BY rows DESC, rule LIMIT 12"
                ),
                "files_refused": records(
                    "SELECT rule, count(DISTINCT file_sha256) AS files, min(path) AS example"
                    f" FROM {FILED_REJECTS} r WHERE {FILE_REFUSED}"
                    " GROUP BY rule ORDER BY files DESC, rule LIMIT 12"
                ),
                "last_run": last_run[0] if last_run else None,
                "newest_poll": newest[0] if newest else None,
            }


def _alive(pid: int | None) -> bool:
    return pid is None or is_running(pid)  # None: recorded before pids were, nothing to go by
