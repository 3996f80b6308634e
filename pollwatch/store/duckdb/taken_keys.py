"""Poll keys the store holds for another poll: asked before a file is loaded, so that its rows
under such a key are rejected naming the poll that owns it, since a correction may change a poll's
values but never what it is about.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from schemas.columns import IDENTITY_COLUMNS


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
