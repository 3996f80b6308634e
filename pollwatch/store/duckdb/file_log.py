"""What the store keeps of every file it was given, beside its polls: a row in `files`
(whose sha256 is how the same bytes dropped again load nothing) and the rows it had rejected,
with their reasons, in `rejects`.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
import pyarrow as pa

from pollwatch.store.duckdb.incoming import stored_at
from pollwatch.store.records import FileRecord, KnownFile, LoadCounts


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


def log_files(
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
                "ingested_at": stored_at(record, ingested_at),
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


def insert_rejects(
    con: duckdb.DuckDBPyConnection, records: list[FileRecord], rejected_at: datetime
) -> None:
    frames = [
        r.rejects.assign(
            file_sha256=r.sha256,
            path=r.path,
            run_id=r.run_id,
            rejected_at=stored_at(r, rejected_at),
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
