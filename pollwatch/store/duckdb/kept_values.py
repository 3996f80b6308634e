"""A later version of a stored poll that says less than the stored row does not erase
what is known: the values it leaves out, gives as proportions or gives at a coarser precision
keep the stored ones before the merge compares the two.
"""

from __future__ import annotations

import duckdb

from pollwatch.store.duckdb.poll_versions import WHOLE_MONTH
from pollwatch.store.records import VALUE_COLUMNS
from schemas.columns import DEFAULTS, SHARE_COLUMNS
from schemas.polls import NULLABLE
from schemas.rules import literal


def keep_known_values(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], dict[str, int]]:
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
