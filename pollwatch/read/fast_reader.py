"""The fast reader: a file read at C speed by pyarrow, where every record sits on its own line.

Most drops are plain tables of one record a line, and pyarrow reads those far faster than the
record-by-record reader. Its rules are looser (a stray quote, a cell over the field limit, a
title or notes around the table), so a file it would read otherwise is left to that reader, and
a file's cells never depend on which reader took it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pollwatch.read.decoding import Decoded
from pollwatch.read.header import header_names, header_only
from pollwatch.read.record_reader import MAX_FIELD_CHARS, records_well_formed
from pollwatch.read.titles_and_notes import TAIL_BYTES, has_notes

FAST_BLOCK_BYTES = 16 << 20


@dataclass
class ArrowCells:
    """A file read by the fast reader, still in Arrow: each record on the line after the one
    before it, so a record's line number is its row number plus two."""

    header: list[str]
    table: pa.Table  # one string column per header name, no missing values
    blank_lines: bool  # lines of nothing but separators, which the careful reader skips
    spelled: dict[str, str] = field(default_factory=dict)  # spelled_names

    def hand_over(self) -> pa.Table:
        """The table, given up by this object: a big file's cells copied into DuckDB are then
        held once, not twice (a million rows of text are about 300 MB in Arrow)."""
        table, self.table = self.table, pa.table({})
        return table


def read_arrow(decoded: Decoded, delimiter: str) -> ArrowCells | None:
    """The common case at C speed: every record on its own line under a header on line 1.

    pyarrow reads all cells as text; the record count must equal the count of lines after the
    header, which proves each record sits on one line, so line numbers are exact. Anything else
    (quoted newlines, ragged rows, a bad quote) returns None and is read record by record.
    """
    data = decoded.utf8()
    first_newline = data.find(b"\n")
    if first_newline <= 0:
        return None
    first_line = data[:first_newline].decode("utf-8").rstrip("\r")
    if not first_line.strip() or "\r" in first_line:
        return None  # a carriage return alone ends a line too (old Mac files): read whole
    if has_notes(first_line, data[-TAIL_BYTES:].decode("utf-8", "ignore"), delimiter):
        return None
    header, spelled = header_names(first_line, delimiter, 1)
    lines = data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1)
    if lines == 0:
        raise header_only(1)
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(
                column_names=header, skip_rows=1, block_size=FAST_BLOCK_BYTES
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if table.num_rows != lines:
        return None
    if b'"' in data and not _quotes_well_formed(table, data, delimiter):
        return None
    if len(data) > MAX_FIELD_CHARS and _has_huge_cells(table):  # a smaller file has none
        return None
    separators = rb"[ \t" + re.escape(delimiter.encode()) + rb"]"
    blank = re.search(rb"\n" + separators + rb"*\r?\n|\n" + separators + rb"+\r?$", data)
    return ArrowCells(header, table, blank is not None, spelled)


def _has_huge_cells(table: pa.Table) -> bool:
    """Whether a cell is longer than the record-by-record reader's bound: such a file is read by
    that reader, which rejects those records (a cell this long is not poll data) and keeps the
    others."""
    for column in table.columns:
        # Bytes first (read from the offsets, no pass over the text): a cell of more
        # characters than the limit has at least that many bytes.
        if (pc.max(pc.binary_length(column)).as_py() or 0) <= MAX_FIELD_CHARS:
            continue
        if (pc.max(pc.utf8_length(column)).as_py() or 0) > MAX_FIELD_CHARS:
            return True
    return False


def _quotes_well_formed(table: pa.Table, data: bytes, delimiter: str) -> bool:
    """Whether the records whose cells hold a quote character keep the CSV quoting rules. The
    fast reader reads a stray quote inside a quoted cell ("Bad "quoted" Research") as text, where
    the record-by-record reader refuses it; such a file is read by the latter, so that one
    reader's rules decide for every file. Only those records are read again: a doubled quote
    ("The ""Best"" Polls") is the usual way to write one."""
    quoted = None
    for column in table.columns:
        has = pc.match_substring(column, '"')
        quoted = has if quoted is None else pc.or_(quoted, has)
    rows = pc.indices_nonzero(quoted).to_pylist() if quoted is not None else []
    if not rows:
        return True
    lines = data.split(b"\n")  # one record a line: the reader's count proved it
    return records_well_formed(
        (lines[row + 1].decode("utf-8").rstrip("\r") for row in rows), delimiter
    )
