"""One file's polls merged into the stored ones: new polls inserted, known ones compared in
SQL with the stored rows and corrected, the values they replace kept in `revisions`, so that a
correction is recorded with exactly the columns it changed.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pollwatch.store.duckdb.incoming import NEW_HERE, TYPED_INCOMING, insert_unordered
from pollwatch.store.duckdb.kept_values import keep_known_values
from pollwatch.store.duckdb.poll_versions import other_population, other_precision
from pollwatch.store.duckdb.twins import TWIN_FIGURES, TWINS, renamed_pollsters, twin_counts
from pollwatch.store.records import (
    MEASURE_COLUMNS,
    PROVENANCE_COLUMNS,
    STORED_COLUMNS,
    VALUE_COLUMNS,
    FileRecord,
    LoadCounts,
    utc_now,
)


def merge_polls(con: duckdb.DuckDBPyConnection, record: FileRecord) -> LoadCounts:
    """New polls inserted; known ones compared, corrected (old values to revisions) or counted.
    A poll known at another precision (a month, or its exact days) is the same poll."""
    renamed = renamed_pollsters(con) if record.source_keys else {}
    finer, coarser = other_precision(con)
    given, bare = other_population(con)
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
    twins = twin_counts(con, "polls")
    stored = ", ".join(STORED_COLUMNS)
    if known == 0 and not coarser and not twins and not bare:  # the bulk case: one pass
        insert_unordered(
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
    kept, proportions = keep_known_values(con)

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
