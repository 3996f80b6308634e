"""A big file's mapping done inside DuckDB, over the cells the fast reader left in Arrow.

A million rows through pandas cost seconds in per-column machinery and twice the file's size in
memory. Here the rows stay in DuckDB: each field is read by SQL where its text is in the plain
form (ISO dates, plain numbers, text with nothing to trim), and every other distinct text goes
once through the same Python readers the small-file path uses (mapping.py, values.py) and is
joined back. So there is one definition of how a cell is read; SQL only takes the spellings on
which it provably agrees with it, and a test runs both paths over the same files.

Layouts that drop placeholder rows, filter rows by value ([rows] keep/drop) or move a
month-only publication date into the fieldwork are not mapped here: `sql_ready` says so, and
they take the frame path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pollwatch.map import cell_text, values
from pollwatch.map.layout import MONTH_PRECISION, Layout
from pollwatch.map.mapping import column_sources
from pollwatch.map.sql_cross_field import settled
from pollwatch.map.sql_fields import (
    PLAIN_KEY,
    WHOLE_FLOAT,
    field_items,
    field_reading,
    plain_test,
    plain_text,
    plain_text_test,
    register_lookups,
)
from pollwatch.map.sql_samples import disagreeing_populations, split_samples
from pollwatch.map.translation import populations_disagree
from pollwatch.read.fast_reader import ArrowCells
from pollwatch.read.in_duckdb import cells_from_arrow, drop_cells
from schemas.columns import CANONICAL_COLUMNS, REJECT_COLUMNS
from schemas.rules import literal, quoted


def sql_ready(layout: Layout) -> bool:
    return not (layout.filters_rows or layout.month_only_published_is_fieldwork)


@dataclass
class MappedInDuckDB:
    """A file mapped into the `mapped` table of `con` (canonical columns typed, `line_number`,
    `<field>__bad` where a cell did not parse); `src` is the view of each field's text as it
    stands in the file."""

    con: duckdb.DuckDBPyConnection
    source_name: str
    rows_read: int
    parse_rejects: pd.DataFrame
    column_names: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    rows_skipped: int = 0
    spelled: dict[str, str] = field(default_factory=dict)  # header name -> the file's spelling
    source_keys: bool = False  # as Mapped's

    def drop_cells(self) -> None:
        """Free the file's text once every reject has been shown with its cell: the rows to
        store are then fetched beside the mapped table alone."""
        self.con.execute("DROP VIEW src")
        drop_cells(self.con)


def connect(spill_to: Path | None = None, memory_mb: float = 0) -> duckdb.DuckDBPyConnection:
    """A connection of its own for one file's mapping; with `spill_to`, a folder where DuckDB
    writes what is over `memory_mb`, so that a file of any size maps in bounded memory."""
    con = duckdb.connect(
        config={}
        if spill_to is None
        else {"memory_limit": f"{memory_mb:.0f}MB", "temp_directory": str(spill_to)}
    )
    con.execute("SET enable_progress_bar = false")
    return con


def map_in_duckdb(
    cells: ArrowCells, layout: Layout, aliases: dict[str, dict[str, str]], notes: list[str]
) -> MappedInDuckDB:
    """A file the fast reader read, from its cells in Arrow."""
    con = connect()
    rows_read = cells.table.num_rows
    cells_from_arrow(con, cells.hand_over())
    return map_cells(con, cells.header, rows_read, layout, aliases, notes, cells.spelled)


def map_cells(
    con: duckdb.DuckDBPyConnection,
    header: list[str],
    rows_read: int,
    layout: Layout,
    aliases: dict[str, dict[str, str]],
    notes: list[str],
    spelled: dict[str, str] | None = None,
) -> MappedInDuckDB:
    """Map the file in `cells` (its text under the header's names, `line_number`) into
    `mapped`; `spelled`, the header's names as the file writes them."""
    column_names, extra = column_sources(header, layout, spelled)
    sources = {
        name: f"c.{quoted(column_names[name])}"
        if name in column_names
        else literal(layout.constants.get(name, ""))
        for name in CANONICAL_COLUMNS
    }
    sources["sample_size"], sources["population"], said, join = split_samples(
        con, sources["sample_size"], sources["population"]
    )
    keys = {f"key_{i}": f"c.{quoted(c)}" for i, c in enumerate(layout.poll_key_columns)}
    # The spellings a file gives as its source wrote them ([as_written]: pollwatch's export).
    written = {
        f"{name}_as_written": f"c.{quoted(column)}"
        for name, column in layout.as_written_columns.items()
        if column in header
    }
    con.execute(
        "CREATE TEMP VIEW src AS SELECT c.line_number, "
        + ", ".join(
            f"{expr} AS {quoted(name)}" for name, expr in (sources | keys | written).items()
        )
        + f", {said} AS sample_said, {_said_month(layout, header)} AS published__said_month"
        + f" FROM cells c{join}"
    )
    fields, joins, rules, lookups = [], [], {}, {}
    for name in CANONICAL_COLUMNS:
        plain, plain_value, rules[name], lookups[name] = field_reading(name, layout, aliases)
        fields.append((name, plain, plain_value))
    for key in keys:
        lookups[key] = (
            f"({plain_test(key, PLAIN_KEY)} AND NOT {plain_test(key, WHOLE_FLOAT)})",
            lambda text: pd.DataFrame({"value": cell_text.key_part(text)}),
        )
        fields.append((key, lookups[key][0], plain_text(key)))
    for name in written:  # text, as values.parse_text reads it
        plain = plain_text_test(name)
        lookups[name] = (
            plain,
            lambda text: pd.DataFrame({"value": values.parse_text(text).values}),
        )
        fields.append((name, plain, plain_text(name)))
    found = register_lookups(con, lookups)
    items = []
    for name, plain, plain_value in fields:
        if found[name] is None:  # every cell is plain: no test, no join
            plain = "true"
        else:
            joins.append(f"LEFT JOIN lk_{name} ON lk_{name}.raw = s.{quoted(name)}")
        items += field_items(name, plain, plain_value, found[name] or [])
    con.execute(
        "CREATE TEMP VIEW parsed AS SELECT s.line_number, s.published__said_month, "
        + ", ".join(items)
        + " FROM src s "
        + " ".join(joins)
    )
    con.execute(
        "CREATE TEMP TABLE mapped AS " + settled(layout, column_names, list(keys), set(written))
    )
    parse_rejects = cell_rejects(
        con, [(name, rules[name], f"m.{name}__bad") for name in CANONICAL_COLUMNS]
    )
    disagree = disagreeing_populations(con)
    return MappedInDuckDB(
        con,
        layout.name,
        rows_read,
        parse_rejects,
        column_names,
        [*notes, *extra, *([populations_disagree(*disagree)] if disagree else [])],
        source_keys=bool(layout.poll_key_columns),
        spelled=spelled or {},
    )


def _said_month(layout: Layout, header: list[str]) -> str:
    """typed_fields.said_months in SQL: whether the file says a row's publication date stands
    for its month alone."""
    column = layout.published_precision_column
    if column is None or column not in header:
        return "false"
    return f"coalesce(lower(trim(c.{quoted(column)})) = {literal(MONTH_PRECISION)}, false)"


def cell_rejects(
    con: duckdb.DuckDBPyConnection, failing: list[tuple[str, str, str]]
) -> pd.DataFrame:
    """A reject for each row of `mapped` (as m) where a condition holds: each of `failing` is
    (field, rule, condition); the value shown is the cell as it stands in the file."""
    found = con.execute(
        " UNION ALL ".join(
            f'SELECT m.line_number, {literal(name)} AS "column", {literal(rule)} AS rule,'
            f" s.{quoted(name)} AS value FROM mapped m JOIN src s USING (line_number)"
            f" WHERE {condition}"
            for name, rule, condition in failing
        )
        + " ORDER BY line_number"
    ).df()
    return found[list(REJECT_COLUMNS)]
