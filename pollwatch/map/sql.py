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
import pyarrow as pa

from pollwatch.map import cell_text, sample_words, values
from pollwatch.map.folding import fold_series
from pollwatch.map.layout import AS_WRITTEN, MONTH_PRECISION, Layout
from pollwatch.map.mapping import column_sources
from pollwatch.map.poll_keys import POLL_KEY_FIELDS, key_text
from pollwatch.map.translation import populations_disagree, translate, translations
from pollwatch.map.typed_fields import NAME_COLUMNS, PROPORTION_DIGITS, parse_column
from pollwatch.read.cells import ArrowCells
from pollwatch.read.in_duckdb import cells_from_arrow, drop_cells
from schemas.columns import (
    CANONICAL_COLUMNS,
    DATE_COLUMNS,
    DEFAULTS,
    POPULATIONS,
    REJECT_COLUMNS,
    SHARE_COLUMNS,
    TEXT_COLUMNS,
)
from schemas.rules import literal, quoted

# Text whose first and last characters are printable ASCII other than space: Python's strip()
# leaves it as it is, so SQL can take it as it stands.
PLAIN_TEXT = r"[!-~](?s:.*[!-~])?"
# A key's cell as cell_text.key_part leaves it: no capital letter, no whole number written as a
# decimal.
PLAIN_KEY = r"[!-@\[-~](?s:[ -@\[-~]*[!-@\[-~])?"
WHOLE_FLOAT = cell_text.WHOLE_FLOAT.strip("^$")
PLAIN_NUMBER = r"[0-9]{1,15}(\.[0-9]{1,15})?"
# A count with dots between thousands is not plain (number_text.DOT_THOUSANDS, the same pattern).
DOT_THOUSANDS = r"[0-9]{1,2}(\.[0-9]{3})+|[0-9]{3}(\.[0-9]{3}){2,}"
PLAIN_DATE = r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}"
ASCII_MISSING = tuple(sorted(t for t in cell_text.MISSING_TOKENS if t.isascii()))
KEY_FIELDS = tuple(name for name in POLL_KEY_FIELDS if name not in DATE_COLUMNS)
# The ends of the fieldwork: a month at one end can lend the other its span (`__other`).
PERIOD_ENDS = ("fieldwork_start", "fieldwork_end")
# The dates read at both ends of a month: a publication date is a month where they differ.
OTHER_ENDS = (*PERIOD_ENDS, "published")


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
    sources["sample_size"], sources["population"], said, join = _split_samples(
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
        plain, plain_value, rules[name], lookups[name] = _field(name, layout, aliases)
        fields.append((name, plain, plain_value))
    for key in keys:
        lookups[key] = (
            f"({_plain_test(key, PLAIN_KEY)} AND NOT {_plain_test(key, WHOLE_FLOAT)})",
            lambda text: pd.DataFrame({"value": cell_text.key_part(text)}),
        )
        fields.append((key, lookups[key][0], _plain_text(key)))
    for name in written:  # text, as values.parse_text reads it
        plain = _plain_text_test(name)
        lookups[name] = (
            plain,
            lambda text: pd.DataFrame({"value": values.parse_text(text).values}),
        )
        fields.append((name, plain, _plain_text(name)))
    found = _lookups(con, lookups)
    items = []
    for name, plain, plain_value in fields:
        if found[name] is None:  # every cell is plain: no test, no join
            plain = "true"
        else:
            joins.append(f"LEFT JOIN lk_{name} ON lk_{name}.raw = s.{quoted(name)}")
        items += _items(name, plain, plain_value, found[name] or [])
    con.execute(
        "CREATE TEMP VIEW parsed AS SELECT s.line_number, s.published__said_month, "
        + ", ".join(items)
        + " FROM src s "
        + " ".join(joins)
    )
    con.execute(
        "CREATE TEMP TABLE mapped AS " + _settled(layout, column_names, list(keys), set(written))
    )
    parse_rejects = cell_rejects(
        con, [(name, rules[name], f"m.{name}__bad") for name in CANONICAL_COLUMNS]
    )
    disagree = _populations_disagree(con)
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


def _populations_disagree(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[int], tuple[str, str]] | None:
    """sample_words.split_samples' third answer: the lines where a sample's words name another
    population than the one the row's population column gives (and the row keeps), and the
    first one's two readings."""
    stated = ", ".join(literal(p) for p in POPULATIONS if p != "unknown")
    found = con.execute(
        "SELECT m.line_number, s.sample_said, m.population"
        " FROM mapped m JOIN src s USING (line_number)"
        f" WHERE m.population IN ({stated}) AND m.population <> s.sample_said"
        " ORDER BY m.line_number"
    ).fetchall()
    return ([line for line, _, _ in found], found[0][1:]) if found else None


def _split_samples(
    con: duckdb.DuckDBPyConnection, sample: str, population: str
) -> tuple[str, str, str, str]:
    """sample_words.split_samples in SQL, from the file's sample and population (SQL expressions):
    the sample's and the population's text, the population the sample's words name (NULL
    where none), and the join that gives it. The cells that may be so written are read by
    sample_words.read_sample_words, once each."""
    found = con.execute(
        f"SELECT DISTINCT {sample} FROM cells c"
        f" WHERE NOT regexp_full_match(coalesce({sample}, ''), {literal(sample_words.PLAIN_COUNT)})"
    ).fetchall()
    read = {
        raw: parts for (raw,) in found if raw and (parts := sample_words.read_sample_words(raw))
    }
    if not read:
        return sample, population, "NULL::VARCHAR", ""
    con.register(
        "lk_sample",
        pa.table(
            {
                "raw": pa.array(list(read), pa.string()),
                "number": pa.array([number for number, _ in read.values()], pa.string()),
                "said": pa.array([said for _, said in read.values()], pa.string()),
            }
        ),
    )
    missing = ", ".join(map(literal, sorted(cell_text.MISSING_TOKENS)))
    empty = f"coalesce(lower(trim({population})), '') IN ({missing})"
    return (
        f"coalesce(sp.number, {sample})",
        f"CASE WHEN sp.said IS NOT NULL AND {empty} THEN sp.said ELSE {population} END",
        "sp.said",
        f" LEFT JOIN lk_sample sp ON sp.raw = {sample}",
    )


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


def _plain_test(name: str, pattern: str) -> str:
    return f"regexp_full_match(s.{quoted(name)}, '{pattern}')"


def _plain_text_test(name: str) -> str:
    """Whether a cell is text as it stands: plain, and not text a CSV export made inert ('@FOM),
    which cell_text.without_inert_mark reads."""
    inert = f"regexp_matches(s.{quoted(name)}, {literal(cell_text.INERT_FORMULA)})"
    return f"({_plain_test(name, PLAIN_TEXT)} AND NOT {inert})"


def _plain_text(name: str) -> str:
    missing = ", ".join(map(literal, ASCII_MISSING))
    return f"CASE WHEN lower(s.{quoted(name)}) IN ({missing}) THEN NULL ELSE s.{quoted(name)} END"


def _field(
    name: str, layout: Layout, aliases: dict[str, dict[str, str]]
) -> tuple[str, str, str, tuple]:
    """How one field is read: the SQL test for a plain cell and its value, the rule a bad cell
    broke, and its lookup (the test, and the reader of the texts that are not plain)."""
    column = f"s.{quoted(name)}"
    plain, plain_value = "false", "NULL"
    if not translations(name, layout, aliases):
        if name in TEXT_COLUMNS:
            plain, plain_value = _plain_text_test(name), _plain_text(name)
            if name in NAME_COLUMNS:  # a link's text is read by values.parse_name
                plain = f"({plain} AND NOT regexp_matches({column}, '^<a\\b', 'i'))"
        elif name in SHARE_COLUMNS:
            plain = _plain_test(name, PLAIN_NUMBER)
            plain_value = f"CAST({column} AS DOUBLE)"
            if layout.proportions:  # one above 1 is looked up, to be rejected (share_scale)
                plain = f"({plain} AND TRY_CAST({column} AS DOUBLE) <= 1)"
                plain_value = f"round({plain_value} * 100, {PROPORTION_DIGITS})"
        elif name == "sample_size":
            dots = _plain_test(name, DOT_THOUSANDS)
            plain = f"({_plain_test(name, PLAIN_NUMBER)} AND NOT {dots})"
            plain_value = f"NULLIF(CAST({column} AS DOUBLE), 0)"  # as number_text.read_sample_size
        elif name in DATE_COLUMNS and not layout.date_formats:
            plain_value = f"TRY_CAST({column} AS DATE)::TIMESTAMP"
            plain = f"({_plain_test(name, PLAIN_DATE)} AND {plain_value} IS NOT NULL)"
    rule = parse_column(name, pd.Series([], dtype="str"), layout).rule

    def read(text: pd.Series) -> pd.DataFrame:
        translated = translate(name, text, layout, aliases)
        parsed = parse_column(name, translated, layout)
        found = {"value": parsed.values, "bad": parsed.bad}
        if name in OTHER_ENDS:
            found["other"] = parse_column(name, translated, layout, other_end=True).values
        if name in KEY_FIELDS:  # missing stays missing: a default may fill it first
            found["key"] = key_text(parsed.values).where(parsed.values.notna())
        if name in AS_WRITTEN:
            found["written"] = cell_text.clean_text(text)
        return pd.DataFrame(found)

    return plain, plain_value, rule, (plain, read)


def _items(name: str, plain: str, plain_value: str, extras: list[str]) -> list[str]:
    """The SELECT items of one field: its value, `__bad` for a field that has it, and the extras
    the later steps use."""
    lk = f"lk_{name}"
    if plain == "true":
        return [
            f"{plain_value} AS {name}",
            *([f"false AS {name}__bad"] if name in CANONICAL_COLUMNS else []),
            *([f"{plain_value} AS {name}__other"] if name in OTHER_ENDS else []),
        ]
    items = [f"CASE WHEN {plain} THEN {plain_value} ELSE {lk}.value END AS {name}"]
    if "bad" in extras:
        items.append(f"(NOT {plain} AND coalesce({lk}.bad, false)) AS {name}__bad")
    if "other" in extras:  # a plain date is a day: it reads the same at either end
        items.append(f"CASE WHEN {plain} THEN {plain_value} ELSE {lk}.other END AS {name}__other")
    if "key" in extras:
        items.append(f"{lk}.key AS {name}__key")  # never plain: these fields are looked up
    if "written" in extras:  # pollster and leader are always looked up (alias tables)
        items.append(f"{lk}.written AS {name}__written")
    return items


def _lookups(
    con: duckdb.DuckDBPyConnection, lookups: dict[str, tuple]
) -> dict[str, list[str] | None]:
    """Register lk_<name> for each field: each distinct text that is not plain, and what the
    field's reader makes of it (a frame of named result columns). One scan of the file's cells
    collects the texts of every field. Returns each lookup's result column names, None for a
    field whose every cell is plain."""
    distinct = con.sql(
        "SELECT "
        + ", ".join(
            f"list(DISTINCT s.{quoted(name)}) FILTER (WHERE NOT {plain}) AS {quoted(name)}"
            for name, (plain, _) in lookups.items()
        )
        + " FROM src s"
    ).to_arrow_table()
    found = {}
    for name, (_, read) in lookups.items():
        texts = distinct.column(name)[0].values  # NULL when no text needed reading
        if texts is None:
            found[name] = None
            continue
        text = _in_file_order(con, name, pd.Series(texts.to_pandas(), dtype="str"))
        table = read(text).reset_index(drop=True)
        table.insert(0, "raw", text.reset_index(drop=True))
        con.register(f"lk_{name}", pa.Table.from_pandas(table, preserve_index=False))
        found[name] = list(table.columns[1:])
    return found


def _in_file_order(con: duckdb.DuckDBPyConnection, name: str, text: pd.Series) -> pd.Series:
    """A field's distinct texts in the order of their first lines, where two are one name
    (fold_series): a name the alias table does not know is spelled as its first line writes it,
    as the frame path has it (DISTINCT's order is DuckDB's own)."""
    alike = fold_series(cell_text.clean_text(text).fillna(""))
    if not alike.duplicated().any():
        return text
    con.register("lk_texts", pa.table({"raw": pa.array(text.tolist(), pa.string())}))
    try:
        first = con.execute(
            f"SELECT t.raw FROM lk_texts t JOIN src s ON s.{quoted(name)} = t.raw"
            " GROUP BY t.raw ORDER BY min(s.line_number)"
        ).fetchall()
    finally:
        con.unregister("lk_texts")
    ordered = pd.Series([raw for (raw,) in first], dtype="str")
    return pd.concat([ordered, text[~text.isin(ordered)]], ignore_index=True)  # NULL, if any


def _settled(
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
