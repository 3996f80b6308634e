"""The steps of mapping.map_rows that read several fields of a row at once (fieldwork
periods, terms of office, defaults, poll keys), as SQL for a file mapped in DuckDB (sql.py): they
come after every field is read, as on the frame path, so that both paths give one row.
"""

from __future__ import annotations

import pandas as pd

from pollwatch.map.layout import AS_WRITTEN, Layout
from pollwatch.map.poll_keys import POLL_KEY_FIELDS, key_text
from schemas.columns import CANONICAL_COLUMNS, DEFAULTS
from schemas.rules import literal


def settled(
    layout: Layout, column_names: dict[str, str], keys: list[str], written: set[str]
) -> str:
    """The cross-field steps of mapping.map_rows, as SQL over `parsed`: fieldwork periods (and a
    tracker's entry date inside one), terms of office, defaults and poll keys."""
    start, end = "fieldwork_start", "fieldwork_end"
    if layout.date_precision == "month":
        start_p, end_p = f"date_trunc('month', {start})", f"last_day({end})::TIMESTAMP"
    elif layout.date_precision == "week_ending":
        start_p, end_p = f"{end} - INTERVAL 6 DAY", end
    else:
        start_p, end_p = start, end
    fill_end = (
        f"{end} IS NULL AND {start}__other IS NOT NULL AND {start}__other IS DISTINCT FROM {start}"
    )
    fill_start = (
        f"{start} IS NULL AND {end}__other IS NOT NULL AND {end}__other IS DISTINCT FROM {end}"
    )
    precision = (
        "CASE WHEN published IS NULL THEN NULL WHEN published__other IS DISTINCT FROM published"
        " OR published__said_month THEN 'month' ELSE 'day' END AS published_precision"
    )
    periods = (
        f"SELECT * REPLACE (CASE WHEN {fill_start} THEN {end}__other ELSE {start_p} END AS {start},"
        f" CASE WHEN {fill_end} THEN {start}__other ELSE {end_p} END AS {end},"
        " CASE WHEN published__said_month THEN last_day(published)::TIMESTAMP ELSE published END"
        f" AS published), {precision} FROM parsed"
    )
    if layout.published_is_entry:  # entered before its period ended: published at its end
        periods = (
            f"SELECT * REPLACE (CASE WHEN published < {end} THEN {end} ELSE published END"
            f" AS published, CASE WHEN published < {end} THEN 'day' ELSE published_precision END"
            f" AS published_precision) FROM ({periods})"
        )
    leader, leader_key = "leader", "leader__key"
    for term in layout.leader_by_date:  # as they began: a later one wins, as in mapping.py
        held = f"{end} BETWEEN {literal(term.start)} AND {literal(term.end)}"
        leader = f"CASE WHEN {held} THEN {literal(term.leader)} ELSE {leader} END"
        key = key_text(pd.Series([term.leader], dtype="str")).iloc[0]
        leader_key = f"CASE WHEN {held} THEN {literal(key)} ELSE {leader_key} END"
    population_key = key_text(pd.Series([DEFAULTS["population"]], dtype="str")).iloc[0]
    key_texts = {
        "pollster": "pollster__key",
        "leader": leader_key,
        "metric": "metric__key",
        "population": f"coalesce(population__key, {literal(population_key)})",
        start: f"strftime({start}, '%Y-%m-%d')",
        end: f"strftime({end}, '%Y-%m-%d')",
    }
    derived = (
        "'pw-' || left(sha256("
        + " || '|' || ".join(f"coalesce({key_texts[name]}, '')" for name in POLL_KEY_FIELDS)
        + "), 20)"
    )
    from_source = "NULL"
    if keys:
        prefix = [literal(layout.poll_key_prefix)] if layout.poll_key_prefix else []
        from_source = " || '-' || ".join([*prefix, *keys])
    as_written = ", ".join(
        f"{name}_as_written"
        if f"{name}_as_written" in written
        else f"{name}__written AS {name}_as_written"
        if name in column_names
        else f"NULL::VARCHAR AS {name}_as_written"
        for name in AS_WRITTEN
    )
    bad = ", ".join(f"{name}__bad" for name in CANONICAL_COLUMNS)
    typed = ", ".join(
        {
            "leader": f"{leader} AS leader",
            "population": f"coalesce(population, {literal(DEFAULTS['population'])}) AS population",
            "mode": f"coalesce(mode, {literal(DEFAULTS['mode'])}) AS mode",
            "poll_key": f"coalesce(poll_key, {from_source}, {derived}) AS poll_key",
        }.get(name, name)
        for name in CANONICAL_COLUMNS
    )
    return f"SELECT line_number, {typed}, {as_written}, published_precision, {bad} FROM ({periods})"
