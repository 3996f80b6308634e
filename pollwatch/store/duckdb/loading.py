"""One file into DuckDB in one transaction: its new polls, its corrections with the values they
replace, its rejects and its log entry, or none of them.

Rows arrive as a pandas frame (small files) or an Arrow table (a file mapped inside DuckDB), are
made one Arrow table, and are inserted by SQL in a single pass when none of their poll keys is
known (the bulk case); compared with the stored rows in SQL when some are, so that a correction
is recorded with exactly the columns it changed.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import duckdb

from pollwatch.store.duckdb.connection import first_line
from pollwatch.store.duckdb.file_log import insert_rejects, known_files, log_files
from pollwatch.store.duckdb.incoming import TYPED_INCOMING, incoming, insert_unordered
from pollwatch.store.duckdb.merging import merge_polls
from pollwatch.store.duckdb.poll_versions import (
    month_twins_incoming,
    other_population,
    other_precision,
    population_twins_incoming,
)
from pollwatch.store.duckdb.twins import twin_counts
from pollwatch.store.errors import StoreWriteFailed
from pollwatch.store.records import STORED_COLUMNS, FileRecord, LoadCounts, Staged


def load_files(
    con: duckdb.DuckDBPyConnection, records: list[FileRecord], ingested_at: datetime
) -> list[LoadCounts | None]:
    """Insert new polls, correct changed ones (old values to revisions), log each file: the whole
    batch in one transaction, so it is all there or none of it is.

    A file whose bytes another run loaded first (or an earlier file of this batch did) gets None,
    and nothing of it is written: that check is inside the transaction, so two runs racing for
    one file cannot both load it. A file rejected whole is logged however often it comes (it is
    tried again when dropped again; two copies of one in a batch stopped the run with a
    KeyError), unless its bytes are stored. When no poll of the batch is known yet and no two
    files share one, all rows go into the table in one statement; otherwise file by file, in
    order, so that a later file corrects an earlier one as it would in two runs.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        known = known_files(con, [r.sha256 for r in records])
        taken, stored = [], set(known)
        for record in records:
            # A file rejected whole is logged and set aside each time it comes, unless its
            # bytes were stored before: a series' file dropped again outside its layout's
            # folder is the file already stored, not a file of no layout. Its bytes are not
            # stored by it: a copy refused with one layout and loaded with another in one batch
            # (a rebuild reading both) was taken for a duplicate of nothing stored, a KeyError;
            # refused after a copy loaded, it was logged last and `status` said "1 rejected".
            if record.sha256 not in stored:
                taken.append(record)
                if record.status != "rejected":
                    stored.add(record.sha256)
        counts = _merge_all(con, taken, ingested_at)
        insert_rejects(con, taken, ingested_at)
        log_files(con, taken, counts, ingested_at)
        con.execute("COMMIT")
    except BaseException as err:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        if isinstance(err, duckdb.Error):
            names = ", ".join(r.path for r in records[:3]) + (" ..." if len(records) > 3 else "")
            raise StoreWriteFailed(
                f"could not write {names}'s rows to the database: "
                f"{first_line(err)}; nothing of {'it' if len(records) == 1 else 'them'} was stored"
            ) from err
        raise
    by_record = {id(r): c for r, c in zip(taken, counts, strict=True)}
    return [by_record.get(id(r)) for r in records]


def _merge_all(
    con: duckdb.DuckDBPyConnection, records: list[FileRecord], ingested_at: datetime
) -> list[LoadCounts]:
    with_polls = [r for r in records if len(r.polls)]
    counts = {id(r): LoadCounts(0, 0, 0) for r in records}
    # Several small files at once, when none of their polls is stored yet (at any precision, or
    # under another key) and no two share one (so), go into the table in one statement.
    # Otherwise, and always for one file (whose merge finds the same bulk case itself), for
    # Staged rows (read where they lie, a file at a time) or for a source's own keys (which may
    # be stored under another pollster's name, renamed_pollsters), file by file.
    if len(with_polls) > 1 and not any(
        isinstance(r.polls, Staged) or r.source_keys for r in with_polls
    ):
        with incoming(con, with_polls, ingested_at):
            # fetchall, not fetchone: DuckDB refuses the next statement while a result is open.
            known = con.execute(
                "SELECT count(*) FROM incoming JOIN polls USING (pollster, poll_key)"
            ).fetchall()[0][0]
            # A file's own keys are unique once checked (repeats stored once, conflicts
            # rejected); only several files together can share one.
            unique = con.execute(
                "SELECT count(DISTINCT (pollster, poll_key)) = count(*) FROM incoming"
            ).fetchall()[0][0]
            if (
                known == 0
                and unique
                and not any(other_precision(con))
                and not any(other_population(con))
                and not month_twins_incoming(con)
                and not population_twins_incoming(con)
                and not twin_counts(con, "polls")
                and not twin_counts(con, "incoming")
            ):
                stored = ", ".join(STORED_COLUMNS)
                insert_unordered(
                    con, f"INSERT INTO polls ({stored}) SELECT {stored} FROM ({TYPED_INCOMING})"
                )
                counts |= {id(r): LoadCounts(len(r.polls), 0, 0) for r in with_polls}
                with_polls = []
    for record in with_polls:
        with incoming(con, [record], ingested_at):
            counts[id(record)] = merge_polls(con, record)
    return [counts[id(r)] for r in records]
