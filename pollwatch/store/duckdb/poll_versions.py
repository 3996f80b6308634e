"""One poll given at two precisions (its whole month, its exact days) or with and without its
population: versions of one poll keyed differently, found so that the later one corrects the
stored poll instead of storing a second.
"""

from __future__ import annotations

import duckdb

from pollwatch.store.duckdb.incoming import NEW_HERE, TYPED_INCOMING
from schemas.columns import DEFAULTS
from schemas.rules import literal

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


def other_precision(
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


def other_population(
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


def population_twins_incoming(con: duckdb.DuckDBPyConnection) -> bool:
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


def month_twins_incoming(con: duckdb.DuckDBPyConnection) -> bool:
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
