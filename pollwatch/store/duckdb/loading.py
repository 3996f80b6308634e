"""One file into DuckDB in one transaction: its new polls, its corrections with the values they
replace, its rejects and its log entry, or none of them.

Rows arrive as a pandas frame (small files) or an Arrow table (a file mapped inside DuckDB), are
made one Arrow table, and are inserted by SQL in a single pass when none of their poll keys is
known (the bulk case); compared with the stored rows in SQL when some are, so that a correction
is recorded with exactly the columns it changed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pollwatch.store.duckdb.connection import first_line
from pollwatch.store.errors import StoreWriteFailed
from pollwatch.store.records import (
    MEASURE_COLUMNS,
    PROVENANCE_COLUMNS,
    STORED_COLUMNS,
    VALUE_COLUMNS,
    FileRecord,
    KnownFile,
    LoadCounts,
    Staged,
    utc_now,
)
from schemas.columns import DEFAULTS, IDENTITY_COLUMNS, SHARE_COLUMNS
from schemas.polls import NULLABLE
from schemas.rules import literal


def known_files(con: duckdb.DuckDBPyConnection, sha256s: list[str]) -> dict[str, KnownFile]:
    """The earliest load of each of these files whose rows were stored (loaded or partly)."""
    rows = con.execute(
        "SELECT sha256,"
        " arg_min((status, path, stored_path, ingested_at, run_id, source_name), ingested_at)"
        " FROM files WHERE sha256 IN (SELECT unnest(?)) AND status IN ('loaded', 'partial')"
        " GROUP BY sha256",
        [sha256s],
    ).fetchall()
    return {sha256: KnownFile(*first) for sha256, first in rows}


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
        _insert_rejects(con, taken, ingested_at)
        _log_files(con, taken, counts, ingested_at)
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
    # be stored under another pollster's name, _renamed), file by file.
    if len(with_polls) > 1 and not any(
        isinstance(r.polls, Staged) or r.source_keys for r in with_polls
    ):
        with _incoming(con, with_polls, ingested_at):
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
                and not any(_other_precision(con))
                and not any(_other_population(con))
                and not _month_twins_incoming(con)
                and not _population_twins_incoming(con)
                and not _twins(con, "polls")
                and not _twins(con, "incoming")
            ):
                stored = ", ".join(STORED_COLUMNS)
                _insert_unordered(
                    con, f"INSERT INTO polls ({stored}) SELECT {stored} FROM ({TYPED_INCOMING})"
                )
                counts |= {id(r): LoadCounts(len(r.polls), 0, 0) for r in with_polls}
                with_polls = []
    for record in with_polls:
        with _incoming(con, [record], ingested_at):
            counts[id(record)] = _merge_polls(con, record)
    return [counts[id(r)] for r in records]


def _stored_at(record: FileRecord, now: datetime) -> datetime:
    """When a file's rows count as stored: now (the transaction's time), unless its record says
    (a rebuild: when the file first arrived)."""
    return record.stored_at or now


def _insert_unordered(con: duckdb.DuckDBPyConnection, insert: str) -> None:
    """Rows appended by every thread as it likes: the order of stored rows means nothing (every
    reader sorts), and DuckDB keeping the incoming order makes row groups that each later
    checkpoint rewrites (1M rows: two checkpoints of 0.7 and 0.5 s; with this, 5 ms each)."""
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute(insert)
    finally:
        con.execute("RESET preserve_insertion_order")


@contextlib.contextmanager
def _incoming(
    con: duckdb.DuckDBPyConnection, records: list[FileRecord], ingested_at: datetime
) -> Iterator[None]:
    """The records' rows with their provenance, as `incoming` for the statements inside: an
    Arrow table registered, or a view of one file's Staged rows."""
    [staged] = [r for r in records if isinstance(r.polls, Staged)] or [None]
    if staged is None:
        con.register("incoming", _arrow_incoming(records, ingested_at))
    else:
        con.execute(f"SET memory_limit = '{STAGED_INSERT_MEMORY}'")
        con.execute(f"ATTACH {literal(str(staged.polls.path))} AS staged (READ_ONLY)")
        provenance = {
            "file_sha256": literal(staged.sha256),
            "source_name": literal(staged.source_name or ""),
            "ingested_at": f"TIMESTAMP '{_stored_at(staged, ingested_at).isoformat(sep=' ')}'",
            "run_id": literal(staged.run_id),
        }
        con.execute(
            "CREATE TEMP VIEW incoming AS SELECT *, "
            + ", ".join(f"{value} AS {name}" for name, value in provenance.items())
            + " FROM staged.polls"
        )
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):
            if staged is None:
                con.unregister("incoming")
            else:
                con.execute("DROP VIEW incoming")
                con.execute("DETACH staged")
                con.execute("RESET memory_limit")


def _arrow_incoming(records: list[FileRecord], ingested_at: datetime) -> pa.Table:
    """Several files' rows as one Arrow table: the small files' frames converted together (a
    conversion costs about a millisecond whatever its size), each file's provenance a code into
    a dictionary of the batch's files."""
    framed = [r for r in records if isinstance(r.polls, pd.DataFrame)]
    ordered = framed + [r for r in records if not isinstance(r.polls, pd.DataFrame)]
    tables = [r.polls for r in ordered[len(framed) :]]
    if framed:
        # Concatenated first, the line number still the index: pandas joins fifty frames'
        # columns ten times faster so than after each one's reset_index.
        together = pd.concat([r.polls for r in framed]).reset_index()
        tables.insert(0, pa.Table.from_pandas(together, preserve_index=False))
    polls = pa.concat_tables(tables, promote_options="permissive")
    codes = pa.array(
        np.repeat(np.arange(len(ordered), dtype=np.int32), [len(r.polls) for r in ordered])
    )
    provenance = {
        "file_sha256": [r.sha256 for r in ordered],
        "source_name": [r.source_name for r in ordered],
        "ingested_at": [_stored_at(r, ingested_at) for r in ordered],
        "run_id": [r.run_id for r in ordered],
    }
    for name, values in provenance.items():
        polls = polls.append_column(name, pa.DictionaryArray.from_arrays(codes, pa.array(values)))
    return polls


def _log_files(
    con: duckdb.DuckDBPyConnection,
    records: list[FileRecord],
    counts: list[LoadCounts],
    ingested_at: datetime,
) -> None:
    if not records:
        return
    logged = pa.Table.from_pylist(
        [
            {
                "sha256": record.sha256,
                "path": record.path,
                "source_name": record.source_name,
                "status": record.status,
                "rows_read": record.rows_read,
                "rows_loaded": count.loaded,
                "rows_rejected": record.rows_rejected,
                "rows_duplicate": count.duplicate + record.rows_duplicate,
                "rows_updated": count.updated,
                "rows_skipped": record.rows_skipped,
                "message": record.message,
                "ingested_at": _stored_at(record, ingested_at),
                "run_id": record.run_id,
                "stored_path": record.stored_path,
            }
            for record, count in zip(records, counts, strict=True)
        ]
    )
    names = ", ".join(logged.column_names)
    # One statement for the batch's files: executemany is a statement a file (17 ms for 50).
    con.register("logged_files", logged)
    try:
        con.execute(
            f"INSERT INTO files (file_id, {names})"
            f" SELECT nextval('file_ids'), {names} FROM logged_files"
        )
    finally:
        con.unregister("logged_files")


# What the store may hold while it takes a streamed file's rows from disk: unbounded, DuckDB holds
# 450 MB for a million rows (and its cache keeps it), for no gain in time.
STAGED_INSERT_MEMORY = "256MB"

TYPED_INCOMING = (
    "SELECT * REPLACE (fieldwork_start::DATE AS fieldwork_start, "
    "fieldwork_end::DATE AS fieldwork_end, published::DATE AS published, "
    "sample_size::DOUBLE AS sample_size, line_number::INTEGER AS line_number) FROM incoming"
)


def _merge_polls(con: duckdb.DuckDBPyConnection, record: FileRecord) -> LoadCounts:
    """New polls inserted; known ones compared, corrected (old values to revisions) or counted.
    A poll known at another precision (a month, or its exact days) is the same poll."""
    renamed = _renamed(con) if record.source_keys else {}
    finer, coarser = _other_precision(con)
    given, bare = _other_population(con)
    # the stored poll takes the precise key, or the key of the population it is now given
    for pollster, incoming_key, stored_key in [*finer, *given]:
        for table in ("polls", "revisions"):
            con.execute(
                f"UPDATE {table} SET poll_key = ? WHERE pollster = ? AND poll_key = ?",
                [incoming_key, pollster, stored_key],
            )
    known = con.execute(
        "SELECT count(*) FROM incoming JOIN polls USING (pollster, poll_key)"
    ).fetchall()[0][0]
    twins = _twins(con, "polls")
    stored = ", ".join(STORED_COLUMNS)
    if known == 0 and not coarser and not twins and not bare:  # the bulk case: one pass
        _insert_unordered(
            con, f"INSERT INTO polls ({stored}) SELECT {stored} FROM ({TYPED_INCOMING})"
        )
        return LoadCounts(loaded=len(record.polls), updated=0, duplicate=0, renamed=renamed)
    differs = " OR ".join(f"p.{c} IS DISTINCT FROM i.{c}" for c in MEASURE_COLUMNS)
    changed_names = ", ".join(
        f"CASE WHEN p.{c} IS DISTINCT FROM i.{c} THEN '{c}' END" for c in VALUE_COLUMNS
    )
    # Cast to the store's column types first, so that comparing old and new values is exact.
    con.execute(f"CREATE OR REPLACE TEMP TABLE incoming_typed AS {TYPED_INCOMING}")
    if coarser:  # stored already, with its exact days: kept as it is
        con.register("coarser", pd.DataFrame(coarser, columns=["pollster", "poll_key"]))
        con.execute(
            "DELETE FROM incoming_typed i USING coarser c WHERE i.poll_key = c.poll_key"
            " AND i.pollster = c.pollster"
        )
        con.unregister("coarser")
    if bare:  # a version that leaves the population out is the stored poll's, under its key
        con.register("bare", pd.DataFrame(bare, columns=["pollster", "poll_key", "stored"]))
        con.execute(
            "UPDATE incoming_typed i SET poll_key = b.stored FROM bare b"
            " WHERE i.poll_key = b.poll_key AND i.pollster = b.pollster"
        )
        con.unregister("bare")
    twinned = 0
    if twins:  # stored already under another key: counted once, as stored
        twinned = con.execute(
            f"DELETE FROM incoming_typed i WHERE {NEW_HERE} AND EXISTS (SELECT 1 FROM"
            f" ({TWIN_FIGURES.format('', 'polls')}) p WHERE {TWINS})"
        ).fetchall()[0][0]
    kept, proportions = _keep_known_values(con)

    con.execute(
        "CREATE OR REPLACE TEMP TABLE changed AS "
        f"SELECT i.pollster, i.poll_key, list_filter([{changed_names}], lambda x: x IS NOT NULL)"
        f" AS columns FROM incoming_typed i JOIN polls p USING (pollster, poll_key) WHERE {differs}"
    )
    matched = con.execute(
        "SELECT count(*) FROM incoming_typed i JOIN polls p USING (pollster, poll_key)"
    ).fetchall()[0][0]
    updated = con.execute("SELECT count(*) FROM changed").fetchall()[0][0]
    con.execute(
        f"INSERT INTO revisions ({stored}, changed_columns, revised_by_file_sha256,"
        f" revised_by_run_id, revised_at) SELECT {', '.join('p.' + c for c in STORED_COLUMNS)},"
        " c.columns, ?, ?, ? FROM polls p JOIN changed c USING (pollster, poll_key)",
        [record.sha256, record.run_id, utc_now()],
    )
    assignments = ", ".join(f"{c} = i.{c}" for c in [*VALUE_COLUMNS, *PROVENANCE_COLUMNS])
    con.execute(
        f"UPDATE polls SET {assignments} FROM incoming_typed i "
        "WHERE polls.poll_key = i.poll_key AND polls.pollster = i.pollster"
        " AND (polls.pollster, polls.poll_key) IN (SELECT (pollster, poll_key) FROM changed)"
    )
    con.execute(
        f"INSERT INTO polls ({stored}) SELECT {stored} FROM incoming_typed i "
        "WHERE NOT EXISTS (SELECT 1 FROM polls p WHERE p.poll_key = i.poll_key"
        " AND p.pollster = i.pollster)"
    )
    con.execute("DROP TABLE changed")
    con.execute("DROP TABLE incoming_typed")
    return LoadCounts(
        loaded=len(record.polls) - matched - len(coarser) - twinned,
        updated=updated,
        duplicate=matched - updated + len(coarser) + twinned,
        twins=twins,
        kept=kept,
        proportions=proportions,
        coarser=len(coarser),
        renamed=renamed,
    )


# The same poll from two sources (layouts), under another key: each source keys it its own way
# (538 by its poll ids, another by its fieldwork), and may spell the firm differently ("Gallup
# Organization" and 538's "Gallup", "NPR/PBS Newshour/Marist" and "Marist") or name the client.
# The same country, leader and measure, fieldwork, shares and sample size: by chance, two firms'
# polls of the same days agreed on both shares (two pairs in 538's 2021-23 file), never on the
# sample size as well. Each was stored and weighed twice in the average. Where one source gives
# no size (RealClearPolitics' bare "RV"), the firm's name and the population must agree instead.
# Within one source, its keys are trusted: two keys are two polls.
TWINS = (
    "p.source_name IS DISTINCT FROM i.source_name AND p.country = i.country"
    " AND p.leader = i.leader"
    " AND p.metric = i.metric AND p.fieldwork_start = i.fieldwork_start"
    " AND p.fieldwork_end = i.fieldwork_end AND p.positive_pct = i.positive_pct"
    " AND p.negative_pct IS NOT DISTINCT FROM i.negative_pct AND (p.sample_size = i.sample_size"
    " OR ((p.sample_size IS NULL OR i.sample_size IS NULL) AND p.pollster = i.pollster"
    " AND p.population = i.population))"
)
NEW_HERE = (
    "NOT EXISTS (SELECT 1 FROM polls o WHERE o.poll_key = i.poll_key AND o.pollster = i.pollster)"
)
# What a twin is compared with, each figure once: row by row, a second drop of 200,000 polls
# alike but for their keys joined 40 billion pairs, and the run did not end.
TWIN_FIGURES = (
    "SELECT DISTINCT pollster, source_name, country, leader, metric, population,"
    " fieldwork_start, fieldwork_end, positive_pct, negative_pct, sample_size{} FROM {}"
)


def _twins(con: duckdb.DuckDBPyConnection, among: str) -> dict[tuple[str, str], int]:
    """Incoming new polls stored already from another source (`among` "polls"), or given by
    another file of the batch so (`among` "incoming"): (this file's pollster, the other's) ->
    polls."""
    typed = f"({TYPED_INCOMING})"
    other, apart = (
        (TWIN_FIGURES.format("", "polls"), "")
        if among == "polls"
        else (TWIN_FIGURES.format(", file_sha256", typed), " AND p.file_sha256 <> i.file_sha256")
    )
    found = con.execute(
        f"SELECT i.pollster, p.pollster, count(DISTINCT i.poll_key) FROM {typed} i"
        f" JOIN ({other}) p ON {TWINS}{apart} WHERE {NEW_HERE} GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return {(incoming, stored): n for incoming, stored, n in found}


def _renamed(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    """Stored polls that the source's own keys say are incoming ones under another pollster's
    name take the incoming name (and their revisions with them), so that the merge then finds
    them as any known poll. 538 renamed pollsters between its files (Zogby Interactive/JZ
    Analytics became Zogby Analytics, poll 49270 the same): keyed by pollster and key, the poll
    was stored a second time and weighed twice in the average. Only where the key is stored
    under one other pollster alone, for the same country, leader, measure and fieldwork, and
    not under the incoming name: a layout keyed on each pollster's own running number gave one
    pollster's polls to another. Returns (stored name, incoming name) -> polls."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE renames AS"
        " SELECT p.pollster AS stored, i.pollster AS incoming, i.poll_key"
        f" FROM ({TYPED_INCOMING}) i"
        " JOIN polls p ON p.poll_key = i.poll_key AND p.pollster <> i.pollster"
        " AND p.country = i.country AND p.leader = i.leader AND p.metric = i.metric"
        " AND p.fieldwork_start = i.fieldwork_start AND p.fieldwork_end = i.fieldwork_end"
        " WHERE NOT EXISTS (SELECT 1 FROM polls o WHERE o.poll_key = i.poll_key"
        " AND o.pollster = i.pollster)"
        " AND (SELECT count(*) FROM polls o WHERE o.poll_key = i.poll_key) = 1"
    )
    for table in ("polls", "revisions"):
        con.execute(
            f"UPDATE {table} SET pollster = r.incoming FROM renames r"
            f" WHERE {table}.pollster = r.stored AND {table}.poll_key = r.poll_key"
        )
    found = con.execute(
        "SELECT stored, incoming, count(*) FROM renames GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    con.execute("DROP TABLE renames")
    return {(stored, incoming): n for stored, incoming, n in found}


# A poll whose fieldwork is one whole calendar month: how month-only series (Levada's monthly
# figures) are stored.
WHOLE_MONTH = (
    "{t}.fieldwork_start = date_trunc('month', {t}.fieldwork_start)"
    " AND {t}.fieldwork_end = last_day({t}.fieldwork_start)"
)
SAME_SERIES = "p.pollster = i.pollster AND p.leader = i.leader AND p.metric = i.metric"


def _month_holds_days(month: str, days: str) -> str:
    """SQL: the poll `month` (a table's alias) is a whole month, and the poll `days`, which is
    not, lies inside it: one poll at two precisions, if it is the only such pair of its series
    (which the queries ask)."""
    return (
        f"{month}.fieldwork_start = date_trunc('month', {days}.fieldwork_start)"
        f" AND {days}.fieldwork_end <= {month}.fieldwork_end"
        f" AND {WHOLE_MONTH.format(t=month)} AND NOT ({WHOLE_MONTH.format(t=days)})"
    )


# Of matched pairs `m` (pollster, incoming key, stored key): those where each is the other's only
# match, so that one poll is taken for one poll and never for one of two.
EACH_THE_OTHERS_ONLY = (
    "(pollster, stored) IN"
    " (SELECT (pollster, stored) FROM m GROUP BY pollster, stored HAVING count(*) = 1)"
    " AND (pollster, incoming) IN"
    " (SELECT (pollster, incoming) FROM m GROUP BY pollster, incoming HAVING count(*) = 1)"
)


def _other_precision(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Incoming polls that are stored polls at another precision: the same pollster, leader and
    measure, one poll's exact days inside the other's whole month, and nothing else of that
    pollster's series in that month on either side. Returns (pollster, incoming key, stored
    key) where the incoming poll is the finer, and (pollster, incoming key) where it is the
    coarser."""
    typed = f"({TYPED_INCOMING})"
    new = (
        "NOT EXISTS (SELECT 1 FROM polls o WHERE o.poll_key = i.poll_key"
        " AND o.pollster = i.pollster)"
    )
    finer = con.execute(
        f"WITH m AS (SELECT i.pollster, i.poll_key AS incoming, p.poll_key AS stored"
        f" FROM {typed} i JOIN polls p ON {SAME_SERIES} AND {_month_holds_days('p', 'i')}"
        f" WHERE {new})"
        f" SELECT pollster, incoming, stored FROM m WHERE {EACH_THE_OTHERS_ONLY}"
    ).fetchall()
    coarser = con.execute(
        f"WITH m AS (SELECT i.pollster, i.poll_key AS incoming, p.poll_key AS stored"
        f" FROM {typed} i JOIN polls p ON {SAME_SERIES} AND {_month_holds_days('i', 'p')}"
        f" WHERE {new})"
        " SELECT pollster, incoming FROM m GROUP BY pollster, incoming HAVING count(*) = 1"
    ).fetchall()
    return finer, coarser


# One poll of one pollster's series and days, keyed by a hash of its population too (a source
# without poll ids), given by one version with its population and by another without it
# ("unknown", the default): a shorter export of KIIS's trust in Zelensky, then a fuller one
# giving adults, stored the poll twice. Only where no other poll of those days could be meant.
SAME_DAYS = (
    f"{SAME_SERIES} AND p.country = i.country AND p.fieldwork_start = i.fieldwork_start"
    " AND p.fieldwork_end = i.fieldwork_end"
)
OTHER_POPULATION = (
    f"{SAME_DAYS} AND p.poll_key <> i.poll_key"
    " AND p.poll_key LIKE 'pw-%' AND i.poll_key LIKE 'pw-%'"
    f" AND (p.population = {literal(DEFAULTS['population'])})"
    f" <> (i.population = {literal(DEFAULTS['population'])})"
)


def _other_population(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Incoming polls that are stored polls given with or without their population: the same
    pollster, leader, measure, country and days, one side's population unknown and the other's
    not, each the other's only such match, and the incoming file giving no other poll of those
    days itself: a file giving both versions has them as two polls, as it would stored first
    (after one of them alone, the other was taken for it: a stored poll of unknown population
    'corrected' to adults and the file's own row of it stored anew). Returns (pollster,
    incoming key, stored key) where the incoming version gives the population, and where it
    leaves it out."""
    typed = f"({TYPED_INCOMING})"
    # `p` in the subquery is another row of the incoming file, as SAME_DAYS names it.
    alone = (
        f"NOT EXISTS (SELECT 1 FROM {typed} p WHERE {SAME_DAYS}"
        " AND p.file_sha256 = i.file_sha256 AND p.poll_key <> i.poll_key)"
    )
    rows = con.execute(
        f"WITH m AS (SELECT i.pollster, i.poll_key AS incoming, p.poll_key AS stored,"
        f" i.population = {literal(DEFAULTS['population'])} AS bare"
        f" FROM {typed} i JOIN polls p ON {OTHER_POPULATION} WHERE {NEW_HERE} AND {alone})"
        f" SELECT pollster, incoming, stored, bare FROM m WHERE {EACH_THE_OTHERS_ONLY}"
        " ORDER BY ALL"
    ).fetchall()
    given = [(pollster, incoming, stored) for pollster, incoming, stored, bare in rows if not bare]
    left_out = [(pollster, incoming, stored) for pollster, incoming, stored, bare in rows if bare]
    return given, left_out


def _population_twins_incoming(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a poll of one file of the batch is given by another with or without its
    population (OTHER_POPULATION): read file by file, the second is the first's version, as in
    two runs (in one statement both were stored, and a rebuild stored the poll twice)."""
    typed = f"({TYPED_INCOMING})"
    return bool(
        con.execute(
            f"SELECT 1 FROM {typed} i JOIN {typed} p ON {OTHER_POPULATION}"
            " AND p.file_sha256 <> i.file_sha256 LIMIT 1"
        ).fetchall()
    )


def _month_twins_incoming(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a month-only poll of one file of the batch is given by another with its exact
    days, the only such poll of that series in that month: one poll at two precisions. Read
    file by file, the second is the first's correction, as in two runs (in
    one statement both were stored, the month counted twice, and a rebuild, one batch, turned
    a store's correction into a second poll). Not within one file: a whole month's fieldwork
    and a week's poll of one pollster in it are two polls in 538's files (five of them), and
    a whole month written as days cannot be told from a month by then."""
    typed = f"({TYPED_INCOMING})"
    return bool(
        con.execute(
            f"SELECT p.pollster, p.poll_key FROM {typed} i JOIN {typed} p ON {SAME_SERIES}"
            f" AND p.file_sha256 <> i.file_sha256 AND {_month_holds_days('p', 'i')}"
            " GROUP BY p.pollster, p.poll_key HAVING count(*) = 1 LIMIT 1"
        ).fetchall()
    )


def _keep_known_values(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], dict[str, int]]:
    """A later version that leaves a value empty where the stored poll has one (a shorter
    export: no negative or undecided shares; 538's poll list, which has no methodology column,
    after its raw poll file) keeps the stored value: a correction changes what is known, it does
    not erase it. A population or mode the file does not give is its default ("unknown"), so
    that counts as empty too. So does a share given as the stored share's proportion (0.41 for
    41, within a point): an export of approve alone in proportions passed the proportions rule,
    which needs both sides, and corrected a poll to 0.41% approving and 56% disapproving.
    A publication month holding the stored day of publication says less than the day: the day
    is kept, as a month holding a poll's exact fieldwork days keeps them.
    Returns how many polls kept each column's value, as emptied and as proportions."""
    emptied = {c: f"i.{c} IS NULL AND p.{c} IS NOT NULL" for c in VALUE_COLUMNS if c in NULLABLE}
    emptied |= {
        c: f"i.{c} = {literal(default)} AND p.{c} <> {literal(default)}"
        for c, default in DEFAULTS.items()
        if c in VALUE_COLUMNS
    }
    scaled = {
        c: f"i.{c} <= 1 AND p.{c} >= 2 AND abs(i.{c} * 100 - p.{c}) <= 1" for c in SHARE_COLUMNS
    }
    tests = [*emptied.values(), *scaled.values(), DAY_IN_MONTH]
    *counts, months = con.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {test})" for test in tests)
        + " FROM incoming_typed i JOIN polls p USING (pollster, poll_key)"
    ).fetchall()[0]
    kept = {c: n for c, n in zip(emptied, counts[: len(emptied)], strict=True) if n}
    proportions = {c: n for c, n in zip(scaled, counts[len(emptied) :], strict=True) if n}
    if not (kept or proportions or months):
        return kept, proportions
    # A column's stored value stands wherever a test holds (one that holds for no row changes
    # nothing); the publication day's precision goes with it.
    stands = {
        c: " OR ".join(f"({test})" for test in (emptied.get(c), scaled.get(c)) if test)
        for c in {*kept, *proportions}
    }
    stands["published"] = " OR ".join(
        f"({test})" for test in (stands.get("published"), DAY_IN_MONTH) if test
    )
    con.execute(
        "UPDATE incoming_typed i SET "
        + ", ".join(
            f"{c} = CASE WHEN {why} THEN {KEPT.get(c, f'p.{c}')} ELSE i.{c} END"
            for c, why in stands.items()
        )
        + f", published_precision = CASE WHEN {stands['published']}"
        f" THEN {KEPT_PRECISION} ELSE i.published_precision END"
        " FROM polls p WHERE p.poll_key = i.poll_key AND p.pollster = i.pollster"
    )
    return kept, proportions


# A stored day of publication inside the month a later version gives.
DAY_IN_MONTH = (
    "i.published_precision = 'month' AND p.published_precision IS DISTINCT FROM 'month'"
    " AND date_trunc('month', p.published) = date_trunc('month', i.published)"
)
# A stored publication day kept is never before the later version's end of fieldwork (unless
# that fieldwork is a whole month holding it, as schemas.polls allows): a poll given as March's,
# reported on the 28th, and then with its days, 24 to 30 March, was stored as published before
# its fieldwork ended (and refused as such when exported and read again). The end stands then.
STILL_AFTER = (
    f"p.published >= i.fieldwork_end OR ({WHOLE_MONTH.format(t='i')}"
    " AND p.published >= i.fieldwork_start)"
)
KEPT = {"published": f"CASE WHEN {STILL_AFTER} THEN p.published ELSE i.fieldwork_end END"}
KEPT_PRECISION = f"CASE WHEN {STILL_AFTER} THEN p.published_precision ELSE 'day' END"


def _insert_rejects(
    con: duckdb.DuckDBPyConnection, records: list[FileRecord], rejected_at: datetime
) -> None:
    frames = [
        r.rejects.assign(
            file_sha256=r.sha256,
            path=r.path,
            run_id=r.run_id,
            rejected_at=_stored_at(r, rejected_at),
        )
        for r in records
        if not r.rejects.empty
    ]
    if not frames:
        return
    rejects = pd.concat(frames, ignore_index=True).astype(
        {"line_number": "Int64", "column": "str", "rule": "str", "value": "str"}
    )
    con.register("incoming_rejects", rejects)
    con.execute(
        "INSERT INTO rejects (file_sha256, path, line_number, column_name, rule, value, run_id,"
        ' rejected_at) SELECT file_sha256, path, line_number, "column", rule, value, run_id,'
        " rejected_at FROM incoming_rejects"
    )
    con.unregister("incoming_rejects")


def taken_keys(con: duckdb.DuckDBPyConnection, incoming: pd.DataFrame | pa.Table) -> pd.DataFrame:
    """Incoming rows (file, line_number, poll_key and the identity columns) whose poll key the
    store holds, under the same pollster, for another poll (another country, leader or
    measure), with that poll's identity and the file that stored it."""
    con.register("incoming_keys", incoming)
    try:
        differs = " OR ".join(f"i.{c} IS DISTINCT FROM p.{c}" for c in IDENTITY_COLUMNS)
        return con.execute(
            "SELECT i.file, i.line_number, i.poll_key, "
            + ", ".join(f"p.{c} AS stored_{c}" for c in IDENTITY_COLUMNS)
            + ", coalesce(f.path, p.file_sha256) AS stored_by FROM incoming_keys i"
            " JOIN polls p USING (pollster, poll_key)"
            " LEFT JOIN (SELECT sha256, min(path) AS path FROM files GROUP BY sha256) f"
            f" ON f.sha256 = p.file_sha256 WHERE {differs} ORDER BY i.file, i.line_number"
        ).df()
    finally:
        con.unregister("incoming_keys")
