"""One poll stored under another key or pollster name than an incoming file gives it: the
same poll from another source (a twin), and a source's own key stored under a pollster name the
source has since changed. Taken for new polls, either was stored and weighed twice in the
average.
"""

from __future__ import annotations

import duckdb

from pollwatch.store.duckdb.incoming import NEW_HERE, TYPED_INCOMING

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


# What a twin is compared with, each figure once: row by row, a second drop of 200,000 polls
# alike but for their keys joined 40 billion pairs, and the run did not end.
TWIN_FIGURES = (
    "SELECT DISTINCT pollster, source_name, country, leader, metric, population,"
    " fieldwork_start, fieldwork_end, positive_pct, negative_pct, sample_size{} FROM {}"
)


def twin_counts(con: duckdb.DuckDBPyConnection, among: str) -> dict[tuple[str, str], int]:
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


def renamed_pollsters(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
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
