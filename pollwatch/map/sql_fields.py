"""Each field of a file mapped in DuckDB (sql.py), read by SQL where its cell is plain and by
the field's own Python reader where it is not, once for each distinct text, joined back as
lk_<field>: the patterns here are the spellings on which SQL provably agrees with that reader,
so that a cell means one thing on either path.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from pollwatch.map import cell_text
from pollwatch.map.folding import fold_series
from pollwatch.map.layout import AS_WRITTEN, Layout
from pollwatch.map.poll_keys import POLL_KEY_FIELDS, key_text
from pollwatch.map.translation import translate, translations
from pollwatch.map.typed_fields import NAME_COLUMNS, PROPORTION_DIGITS, parse_column
from schemas.columns import CANONICAL_COLUMNS, DATE_COLUMNS, SHARE_COLUMNS, TEXT_COLUMNS
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


def plain_test(name: str, pattern: str) -> str:
    return f"regexp_full_match(s.{quoted(name)}, '{pattern}')"


def plain_text_test(name: str) -> str:
    """Whether a cell is text as it stands: plain, and not text a CSV export made inert ('@FOM),
    which cell_text.without_inert_mark reads."""
    inert = f"regexp_matches(s.{quoted(name)}, {literal(cell_text.INERT_FORMULA)})"
    return f"({plain_test(name, PLAIN_TEXT)} AND NOT {inert})"


def plain_text(name: str) -> str:
    missing = ", ".join(map(literal, ASCII_MISSING))
    return f"CASE WHEN lower(s.{quoted(name)}) IN ({missing}) THEN NULL ELSE s.{quoted(name)} END"


def field_reading(
    name: str, layout: Layout, aliases: dict[str, dict[str, str]]
) -> tuple[str, str, str, tuple]:
    """How one field is read: the SQL test for a plain cell and its value, the rule a bad cell
    broke, and its lookup (the test, and the reader of the texts that are not plain)."""
    column = f"s.{quoted(name)}"
    plain, plain_value = "false", "NULL"
    if not translations(name, layout, aliases):
        if name in TEXT_COLUMNS:
            plain, plain_value = plain_text_test(name), plain_text(name)
            if name in NAME_COLUMNS:  # a link's text is read by values.parse_name
                plain = f"({plain} AND NOT regexp_matches({column}, '^<a\\b', 'i'))"
        elif name in SHARE_COLUMNS:
            plain = plain_test(name, PLAIN_NUMBER)
            plain_value = f"CAST({column} AS DOUBLE)"
            if layout.proportions:  # one above 1 is looked up, to be rejected (share_scale)
                plain = f"({plain} AND TRY_CAST({column} AS DOUBLE) <= 1)"
                plain_value = f"round({plain_value} * 100, {PROPORTION_DIGITS})"
        elif name == "sample_size":
            dots = plain_test(name, DOT_THOUSANDS)
            plain = f"({plain_test(name, PLAIN_NUMBER)} AND NOT {dots})"
            plain_value = f"NULLIF(CAST({column} AS DOUBLE), 0)"  # as number_text.read_sample_size
        elif name in DATE_COLUMNS and not layout.date_formats:
            plain_value = f"TRY_CAST({column} AS DATE)::TIMESTAMP"
            plain = f"({plain_test(name, PLAIN_DATE)} AND {plain_value} IS NOT NULL)"
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


def field_items(name: str, plain: str, plain_value: str, extras: list[str]) -> list[str]:
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


def register_lookups(
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
