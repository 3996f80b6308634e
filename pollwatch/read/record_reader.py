"""The record-by-record reader: Python's csv module over a file's whole text.

It takes any layout of lines (records over several lines, ragged rows, a title above the header,
notes under the table) and knows the line each record starts on, so its rules are the ones that
decide: the other readers take a file only where they read it as this one would, and leave every
other file to it, which says exactly what is wrong and where.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import pandas as pd

from pollwatch.read.decoding import UnreadableFile
from pollwatch.read.echo import capped, line_runs
from pollwatch.read.header import check_header, column_names, header_only, spelled_names
from pollwatch.read.raw_table import RawTable
from pollwatch.read.titles_and_notes import filled_cells, notes_around

# A cell longer than this is not poll data; csv refuses it instead of reading it whole.
MAX_FIELD_CHARS = 1_000_000


def _skipped(starts: list[int], records: list[list[str]], what: str) -> str:
    """What a note of the outcome says of lines skipped as a title or notes: the lines and the
    first of them, capped."""
    [first] = filled_cells(records[0])
    return f"{line_runs(starts)} {what}: {capped(first, 80)!r}"


def read_exact(text: str, delimiter: str) -> RawTable:
    """Record by record with Python's csv module: any layout of lines, exact line numbers; a
    title above the header and notes under the table are skipped, and said (notes_around)."""
    records, starts, oversized = _read_records(text, delimiter)
    if not records:
        raise UnreadableFile("empty file: no header and no rows", rule="empty_file")
    title, notes = notes_around(records)
    said = []
    if title:
        above = "above the header skipped as a title"
        said.append(_skipped(starts[:title], records[:title], above))
    if notes:
        under = "under the table skipped as notes"
        said.append(_skipped(starts[-notes:], records[-notes:], under))
    records, starts = records[title : len(records) - notes], starts[title : len(starts) - notes]
    header = column_names(records[0])
    check_header(header, starts[0])
    spelled = spelled_names(header, records[0])
    width = len(header)
    padded = [len(r) > width and not any(cell.strip() for cell in r[width:]) for r in records[1:]]
    # A delimiter after each row's last cell (Excel's) is the file's habit when most rows have
    # it; on a row or two of a file without it, the surplus is a stray delimiter inside the row
    # ('1,032' unquoted) whose cells have moved right: that row is ragged (its cells were read
    # into the wrong columns, and said as three wrong values).
    pads = 2 * sum(padded) > len(padded)
    rows, lines, ragged = [], [], []
    for record, line, extra in zip(records[1:], starts[1:], padded, strict=True):
        if pads and extra:
            record = record[:width]  # nothing lost
        if len(record) == width:
            rows.append(record)
            lines.append(line)
        else:
            ragged.append((line, len(record)))
    if not rows and not ragged and not oversized:
        raise header_only(starts[0])
    cells = pd.DataFrame(
        rows, columns=header, index=pd.Index(lines, name="line_number"), dtype="str"
    )
    return RawTable(
        header, cells, ragged, starts[0], oversized=oversized, notes=said, spelled=spelled
    )


def records_well_formed(lines: Iterable[str], delimiter: str) -> bool:
    """Whether each line is one record by the record-by-record reader's strict rules."""
    try:
        for line in lines:
            next(csv.reader([line], delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return True


def _read_records(text: str, delimiter: str) -> tuple[list[list[str]], list[int], list[int]]:
    """Parse every record and the physical line it starts on (quoted newlines span lines), and
    the lines of one-line records with a cell over MAX_FIELD_CHARS, which are skipped: their
    rows are rejected and the file's others read (the whole file was refused for one such
    cell)."""
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records, starts, oversized = [], [], []
    line = 0
    while True:
        start = line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            # On one line, the next record starts on the next line; a quoted cell over several
            # lines would go on being read as records, so such a file is still refused.
            one_line = reader.line_num == start > 1
            if one_line and str(err).startswith("field larger than field limit"):
                oversized.append(start)
                line = reader.line_num
                continue
            raise UnreadableFile(
                f"not a valid CSV at line {reader.line_num}: {err}", reader.line_num
            ) from None
        line = reader.line_num
        if record and any(cell.strip() for cell in record):
            records.append(record)
            starts.append(start)
    return records, starts, oversized
