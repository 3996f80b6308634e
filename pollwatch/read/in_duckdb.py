"""A file's cells in a DuckDB table, `cells`: from the fast reader's Arrow, or, for a big plain
UTF-8 file, read by DuckDB where it lies.

Held whole, a million-row file is its bytes, then its cells in Arrow, then DuckDB's copy of them:
about 600 MB before any mapping. DuckDB's reader streams the file into its own storage instead,
under the memory limit of the connection it is given. The reading rules stay those of the other
readers (fast_reader.py, record_reader.py): one record a line, proved by the record count; a
record holding a quote is re-read by the record-by-record reader; blank records skipped; no line
over the field limit.
Where the file does not keep them, this returns None and the file is read whole, where the
careful reader says exactly what is wrong and where.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import duckdb
import pyarrow as pa

from pollwatch.read.decoding import (
    MARKUP_CHARS,
    PlainUtf8,
    refuse_known_binary,
    refuse_markup,
)
from pollwatch.read.delimiter import SNIFF_CHARS, sniff_delimiter
from pollwatch.read.header import header_names, header_only
from pollwatch.read.record_reader import MAX_FIELD_CHARS, records_well_formed
from pollwatch.read.titles_and_notes import TAIL_BYTES, has_notes
from schemas.rules import literal, quoted

# Enough of the file's start for the delimiter's sniffing and the header line.
HEAD_BYTES = 4 * SNIFF_CHARS + 4
# What Python's str.strip() takes away, as RE2 names it: a record of only this is blank.
BLANK = r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\pZ]*"


def read_in_place(
    con: duckdb.DuckDBPyConnection, path: Path, plain: PlainUtf8
) -> tuple[list[str], dict[str, str], str, int] | None:
    """Read the file (plain UTF-8, as its scan found) into `cells` of `con`: one
    text column per header name, `line_number` the file's own. Returns the header, its names as
    the file spells them, the delimiter and the count of records that are not blank; None where
    the file must be read whole."""
    with path.open("rb") as handle:
        first = handle.read(HEAD_BYTES)
        handle.seek(max(0, handle.seek(0, 2) - TAIL_BYTES))  # its end: notes under the table
        tail = handle.read().decode("utf-8", "ignore")
    refuse_known_binary(first)
    head = codecs.getincrementaldecoder("utf-8")().decode(first)
    head = head.removeprefix("\ufeff")
    refuse_markup(head[:MARKUP_CHARS])
    first_newline = head.find("\n")
    if head.lstrip()[:1] in ("{", "[") or first_newline <= 0:
        return None  # perhaps JSON, or a header longer than the head: the whole file says
    first_line = head[:first_newline].rstrip("\r")
    if not first_line.strip() or "\r" in first_line:
        return None  # a carriage return alone ends a line too (old Mac files): read whole
    delimiter = sniff_delimiter(head[: SNIFF_CHARS + 1])
    if has_notes(first_line, tail, delimiter):
        return None  # a title or notes, which the record-by-record reader skips
    header, spelled = header_names(first_line, delimiter, 1)
    if plain.records == 0:
        raise header_only(1)
    columns = ", ".join(f"{literal(name)}: 'VARCHAR'" for name in header)
    try:
        # Empty cells are '' as every reader gives them; rowid keeps the file's order. A line
        # too long for the field limit is refused here, and told by the whole file's reading.
        con.execute(
            "CREATE TEMP TABLE cells_read AS SELECT coalesce(COLUMNS(*), '') FROM read_csv("
            f"{literal(str(path))}, header = false, skip = 1, columns = {{{columns}}},"
            f" delim = {literal(delimiter)}, quote = '\"', escape = '\"', strict_mode = true,"
            f" max_line_size = {MAX_FIELD_CHARS}, auto_detect = false, parallel = true)"
        )
    except duckdb.InterruptException:
        raise  # a stop, not a bad file (signals.stops_kept)
    except duckdb.Error:
        return None  # ragged, badly quoted, or a record over several lines
    [(rows,)] = con.execute("SELECT count(*) FROM cells_read").fetchall()
    empty = plain.empty_lines or []
    if rows != plain.records - len(empty):
        return None  # a record over several lines, or lines the reader skipped
    _number_lines(con, empty)
    cells = [f"c.{quoted(name)}" for name in header]
    if plain.quotes:
        with_quotes = con.execute(
            "SELECT list(c.line_number) FILTER (WHERE "
            + " OR ".join(f"contains({cell}, '\"')" for cell in cells)
            + ") FROM cells c"
        ).fetchall()[0][0]
        if with_quotes and not records_well_formed(_lines(path, with_quotes), delimiter):
            return None
    if plain.blank_lines:
        [(blank,)] = con.execute(
            "DELETE FROM cells_read c WHERE "
            + " AND ".join(f"regexp_full_match({cell}, '{BLANK}')" for cell in cells)
        ).fetchall()
        rows -= blank
        if rows == 0:
            raise header_only(1)
    return header, spelled, delimiter, rows


def cells_from_arrow(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    """The fast reader's cells (ArrowCells.hand_over) copied into DuckDB's own storage once:
    each field's queries then scan a native column instead of converting Arrow text again."""
    con.register("arrow_cells", table)
    con.execute("CREATE TEMP TABLE cells_read AS SELECT * FROM arrow_cells")
    con.unregister("arrow_cells")
    _number_lines(con)


def _number_lines(con: duckdb.DuckDBPyConnection, empty: list[int] | None = None) -> None:
    """Rows in the file's order, one record a line under a header on line 1: a row's line
    number is its place plus two, and stays so when blank records are deleted; plus one for
    each empty line before it (`empty`: their numbers), which DuckDB's reader skips."""
    if not empty:
        con.execute("CREATE TEMP VIEW cells AS SELECT rowid + 2 AS line_number, * FROM cells_read")
        return
    # The row after the j-th empty line (0-based) is the first numbered j + 1 further on.
    steps = pa.table(
        {
            "from_row": [line - 2 - index for index, line in enumerate(sorted(empty))],
            "skipped": list(range(1, len(empty) + 1)),
        }
    )
    con.register("empty_steps", steps)
    con.execute("CREATE TEMP TABLE empty_lines AS SELECT * FROM empty_steps")
    con.unregister("empty_steps")
    con.execute(
        "CREATE TEMP VIEW cells AS SELECT c.rowid + 2 + coalesce(e.skipped, 0) AS line_number,"
        " c.* FROM cells_read c ASOF LEFT JOIN empty_lines e ON c.rowid >= e.from_row"
    )


def drop_cells(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP VIEW cells")
    con.execute("DROP TABLE cells_read")
    con.execute("DROP TABLE IF EXISTS empty_lines")


def _lines(path: Path, numbers: list[int]):
    """The text of these lines of the file (1-based), in order, read one at a time."""
    wanted = iter(sorted(numbers))
    target = next(wanted, None)
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if number == target:
                yield line.decode("utf-8").rstrip("\r\n")
                target = next(wanted, None)
                if target is None:
                    return
