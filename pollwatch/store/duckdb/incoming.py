"""The rows a load brings, as the relation `incoming` that its statements read: a batch's
frames and tables made one Arrow table, or a streamed file's staged rows read where they lie,
each row with its file's provenance.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pollwatch.store.records import FileRecord, Staged
from schemas.rules import literal

# What the store may hold while it takes a streamed file's rows from disk: unbounded, DuckDB holds
# 450 MB for a million rows (and its cache keeps it), for no gain in time.
STAGED_INSERT_MEMORY = "256MB"

TYPED_INCOMING = (
    "SELECT * REPLACE (fieldwork_start::DATE AS fieldwork_start, "
    "fieldwork_end::DATE AS fieldwork_end, published::DATE AS published, "
    "sample_size::DOUBLE AS sample_size, line_number::INTEGER AS line_number) FROM incoming"
)


NEW_HERE = (
    "NOT EXISTS (SELECT 1 FROM polls o WHERE o.poll_key = i.poll_key AND o.pollster = i.pollster)"
)


def stored_at(record: FileRecord, now: datetime) -> datetime:
    """When a file's rows count as stored: now (the transaction's time), unless its record says
    (a rebuild: when the file first arrived)."""
    return record.stored_at or now


def insert_unordered(con: duckdb.DuckDBPyConnection, insert: str) -> None:
    """Rows appended by every thread as it likes: the order of stored rows means nothing (every
    reader sorts), and DuckDB keeping the incoming order makes row groups that each later
    checkpoint rewrites (1M rows: two checkpoints of 0.7 and 0.5 s; with this, 5 ms each)."""
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute(insert)
    finally:
        con.execute("RESET preserve_insertion_order")


@contextlib.contextmanager
def incoming(
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
            "ingested_at": f"TIMESTAMP '{stored_at(staged, ingested_at).isoformat(sep=' ')}'",
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
        "ingested_at": [stored_at(r, ingested_at) for r in ordered],
        "run_id": [r.run_id for r in ordered],
    }
    for name, values in provenance.items():
        polls = polls.append_column(name, pa.DictionaryArray.from_arrays(codes, pa.array(values)))
    return polls
