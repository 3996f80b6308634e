"""Read a dropped file into a table of text cells keyed by the line each record starts on.

With decoding.py, this is the only place that touches the raw file. It finds the delimiter
(commas, semicolons, tabs), decides whether the text is a CSV table at all and says why not in
words a person can act on; everything after it works on text cells and line
numbers, so every later error can point at the exact line of the original file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pollwatch.read.decoding import Decoded, UnreadableFile
from pollwatch.read.echo import capped, joined

# A cell longer than this is not poll data; csv refuses it instead of reading it whole.
MAX_FIELD_CHARS = 1_000_000
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
SNIFF_CHARS = 64 * 1024
SNIFF_RECORDS = 50
FAST_BLOCK_BYTES = 16 << 20
STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str"
# Lines of words above a header (a title) or under a table (a source, a footnote) taken as such:
# more than this many are more than a spreadsheet's title or notes, and are read as they are.
MOST_NOTE_LINES = 10


@dataclass
class RawTable:
    """Text cells under their normalised header names, indexed by source line number."""

    header: list[str]
    cells: pd.DataFrame
    # Records that cannot be lined up with the header: (line, field count).
    ragged: list[tuple[int, int]] = field(default_factory=list)
    header_line: int = 1
    encoding: str = "utf-8"
    delimiter: str = ","
    notes: list[str] = field(default_factory=list)  # how the file was read, where it was a guess
    # Records with a cell longer than MAX_FIELD_CHARS, not read: the lines they start on.
    oversized: list[int] = field(default_factory=list)
    spelled: dict[str, str] = field(default_factory=dict)  # header name -> as the file writes it

    @property
    def rows_read(self) -> int:
        return len(self.cells) + len(self.ragged) + len(self.oversized)


def normalise_header(name: str) -> str:
    """How a column's name is compared, in a file's header and in a layout: case and runs of
    spaces do not count, nor a line break inside a header cell (Excel's wrapped text,
    "Approuve\\n(%)", is the column "approuve (%)")."""
    return " ".join(name.split()).lower()


# What pandas calls a column with no name when it reads a file ("Unnamed: 0", counting from 0),
# and writes back as its name: the column is still the unnamed one of that position.
PANDAS_UNNAMED = re.compile(r"unnamed: (\d+)")


# The name column_names gives a column with no name in the header.
UNNAMED = re.compile(r"unnamed_(\d+)")


def told_column(name: str) -> str:
    """A column's name as told to a person: `unnamed_1` is no name in their file, so it is
    told as the place of a column left without one."""
    found = UNNAMED.fullmatch(name)
    if found is None:
        return name
    place = int(found.group(1))
    suffix = (
        "th" if place % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(place % 10, "th")
    )
    return f"{name} (the {place}{suffix} column, its name left empty in the header)"


def column_names(cells: list[str]) -> list[str]:
    """A header line's names as every later step uses them: an empty cell is
    `unnamed_<position>`, counting from 1, and pandas' name for one is the unnamed column of
    the position pandas read it at. pandas writes its row index first, under an empty name
    (`to_csv`'s default), shifting every column one place: that column is `unnamed_0`, so that
    pollsposition's table, read and written back by pandas, still has its dates in
    `unnamed_1` (they were the index's 0, 1, 2, ..., and every row not_a_date). Only where a
    pandas name is out of its place: with every one where pandas read it ('Unnamed: 7' eighth,
    a trailing empty column of a file read with its dates as the index), the empty first cell
    is the file's own unnamed column (it was `unnamed_0`, and no layout fitted)."""
    names = [normalise_header(cell) for cell in cells]
    pandas = [PANDAS_UNNAMED.fullmatch(name) for name in names]
    index_first = not names[0] and any(
        found and int(found.group(1)) != i for i, found in enumerate(pandas)
    )
    return [
        f"unnamed_{int(found.group(1)) + 1}"
        if found
        else name or f"unnamed_{0 if index_first and i == 1 else i}"
        for i, (name, found) in enumerate(zip(names, pandas, strict=True), 1)
    ]


def parse_csv_text(decoded: Decoded | str) -> RawTable:
    if isinstance(decoded, str):
        decoded = Decoded(decoded, "utf-8", False)
    delimiter = sniff_delimiter(decoded.head(SNIFF_CHARS + 1))
    return as_raw_table(decoded, delimiter, read_arrow(decoded, delimiter))


def as_raw_table(decoded: Decoded, delimiter: str, fast: ArrowCells | None) -> RawTable:
    """The file's cells as a frame: from what the fast reader read (`fast`), or record by record
    where it could not read the file."""
    if fast is not None:
        return as_raw_tables([(decoded, delimiter, fast)])[0]
    table = _read_exact(decoded.text, delimiter)
    table.encoding, table.delimiter = decoded.encoding, delimiter
    table.notes = [*reading_notes(decoded, delimiter), *table.notes]
    return table


def as_raw_tables(files: list[tuple[Decoded, str, ArrowCells]]) -> list[RawTable]:
    """The cells of files the fast reader read, under one header, as frames indexed by line
    number: converted from Arrow together, since a conversion costs a millisecond or two
    whatever its size, which is most of a 50-row file's reading. A file of nothing but blank
    lines under its header raises UnreadableFile, so several files are best sent without any
    such lines."""
    frame = pa.concat_tables([fast.table for _, _, fast in files]).to_pandas(
        types_mapper={pa.string(): STR}.get
    )
    tables, start = [], 0
    for decoded, delimiter, fast in files:
        rows = fast.table.num_rows
        cells = frame.iloc[start : start + rows]
        cells.index = pd.RangeIndex(2, 2 + rows, name="line_number")
        start += rows
        if fast.blank_lines:
            # Lines of nothing but separators: the record-by-record reader skips them; so must
            # this.
            blank = pd.concat([cells[c].str.strip() == "" for c in cells.columns], axis=1)
            cells = cells[~blank.all(axis=1)]
            if cells.empty:  # nothing under the header but blank lines
                raise header_only(1)
        table = RawTable(
            fast.header, cells, [], 1, decoded.encoding, delimiter, spelled=fast.spelled
        )
        table.notes = reading_notes(decoded, delimiter)
        tables.append(table)
    return tables


def reading_notes(decoded: Decoded, delimiter: str) -> list[str]:
    """How the file was read, where that was a guess or not the usual."""
    notes = []
    if decoded.utf8_lines:
        notes.append(
            f"the file joins two encodings: {_lines(decoded.utf8_lines)} read as UTF-8, "
            f"the others as {decoded.encoding}"
        )
    elif decoded.guessed:
        notes.append(f"read as {decoded.encoding} (it is not UTF-8)")
    if delimiter != ",":
        notes.append(f"fields separated by {DELIMITER_NAMES[delimiter]}")
    return notes


def _lines(numbers: list[int], shown: int = 3) -> str:
    """'lines 2-5, 9 and 12-20' (the first `shown` runs, then how many more lines)."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    named = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs[:shown]]
    rest = sum(b - a + 1 for a, b in runs[shown:])
    more = f" and {rest} more" if rest else ""
    return f"line{'s' if len(numbers) > 1 else ''} {joined(named)}{more}"


def _filled(record: list[str]) -> list[str]:
    """The cells of a record that hold something, stripped."""
    return [cell.strip() for cell in record if cell.strip()]


def _words_in_one_cell(record: list[str]) -> bool:
    """One cell holds something, and it has a letter: what a title or a note may be."""
    filled = _filled(record)
    return len(filled) == 1 and any(char.isalpha() for char in filled[0])


def _leading(records: list[list[str]], note: Callable[[list[str]], bool]) -> int:
    """How many of the first records are notes by `note`: at most MOST_NOTE_LINES, and never
    all of them (what is left holds a header at least)."""
    count = 0
    while count < min(len(records) - 1, MOST_NOTE_LINES) and note(records[count]):
        count += 1
    return count


def is_note(record: list[str], width: int) -> bool:
    """Whether a record of a table `width` cells wide is words in one cell: a title above its
    header, or a source or a footnote under its rows ("Source: Gallup", "* registered
    voters"), as a spreadsheet saved as CSV writes them: alone on their line, or in the first
    cell padded with delimiters to the table's width. Padded, it is a header naming one column
    ("Polling firm,,") or a broken row giving a name or a month alone ("Levada Center,,",
    "March 2022,,") as well, so there a note is what those are not: a sentence of three words
    or more, a label with a colon, or words after a mark ("*", "(", "©")."""
    if not _words_in_one_cell(record):
        return False
    if len(record) < width:
        return True
    first = record[0].strip()
    return bool(first) and (len(first.split()) > 2 or ":" in first or not first[0].isalnum())


def _notes_around(records: list[list[str]]) -> tuple[int, int]:
    """How many records above the header are a title, and how many under the last row are
    notes (is_note): the title lines were taken for the header (every column one name, no
    layout fitted: the file refused whole), and each note line was a row rejected (every drop
    partial)."""
    head = records[: MOST_NOTE_LINES + 1]
    wide = [record for record in head if len(_filled(record)) > 1]
    if not wide:
        return 0, 0  # no header of two names: read as it is
    title = _leading(records, lambda record: is_note(record, len(wide[0])))
    width = len(records[title])
    last = records[max(title, len(records) - MOST_NOTE_LINES - 1) :][::-1]  # the table's end
    notes = _leading(last, lambda record: is_note(record, width))
    return title, notes


def _skipped(starts: list[int], records: list[list[str]], what: str) -> str:
    """What a note of the outcome says of lines skipped as a title or notes: the lines and the
    first of them, capped."""
    [first] = _filled(records[0])
    return f"{_lines(starts)} {what}: {capped(first, 80)!r}"


def _read_exact(text: str, delimiter: str) -> RawTable:
    """Record by record with Python's csv module: any layout of lines, exact line numbers; a
    title above the header and notes under the table are skipped, and said (_notes_around)."""
    records, starts, oversized = _read_records(text, delimiter)
    if not records:
        raise UnreadableFile("empty file: no header and no rows", rule="empty_file")
    title, notes = _notes_around(records)
    said = []
    if title:
        above = "above the header skipped as a title"
        said.append(_skipped(starts[:title], records[:title], above))
    if notes:
        under = "under the table skipped as notes"
        said.append(_skipped(starts[-notes:], records[-notes:], under))
    records, starts = records[title : len(records) - notes], starts[title : len(starts) - notes]
    header = column_names(records[0])
    _check_header(header, starts[0])
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


def records_well_formed(lines: Iterable[str], delimiter: str) -> bool:
    """Whether each line is one record by the record-by-record reader's strict rules."""
    try:
        for line in lines:
            next(csv.reader([line], delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return True


# Enough of a file's end to hold its last line of notes.
TAIL_BYTES = 64 * 1024


def has_notes(first_line: str, tail: str, delimiter: str) -> bool:
    """Whether the file's first line, or the last line of `tail` (its end) that is not blank, may
    be a note (is_note): the fast readers take line 1 for the header and every line after it
    for a row, so such a file is read record by record, which tells a note from a header or a
    row and skips it."""
    header = _one_record(first_line, delimiter)
    if _words_in_one_cell(header):
        return True  # a title, perhaps: the careful reader tells it from a header
    # The last record that is not blank as the careful reader has it (a cell of a no-break
    # space, or "", is blank there too).
    records = (_one_record(line, delimiter) for line in reversed(tail.split("\n")))
    last = next((record for record in records if _filled(record)), [])
    # Line 1 is the header, so the last line is a note only as is_note has it: a last row of
    # one word padded to the header's width (a pollster alone) is a row, and a big file
    # ending so is still read at C speed.
    return is_note(last, len(header))


def _one_record(line: str, delimiter: str) -> list[str]:
    """A line's cells; none where it is not one record (the careful reader says what it is)."""
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def header_names(line: str, delimiter: str, number: int) -> tuple[list[str], dict[str, str]]:
    """The header line's names as every later step uses them, and as it spells them
    (spelled_names); `number`: its line."""
    cells = next(csv.reader([line], delimiter=delimiter))
    header = column_names(cells)
    _check_header(header, number)
    return header, spelled_names(header, cells)


def spelled_names(header: list[str], cells: list[str]) -> dict[str, str]:
    """Each column's name as the file writes it (on one line): rejects name the file's own
    column, `Date`, where the name every step compares is `date`."""
    return {name: " ".join(cell.split()) or name for name, cell in zip(header, cells, strict=True)}


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


def sniff_delimiter(text: str) -> str:
    """The candidate that splits the first records into the same, largest number of fields
    (`text`: the file's text, or its first SNIFF_CHARS characters and one more)."""
    sample = text[:SNIFF_CHARS]
    best, best_score = ",", (-SNIFF_RECORDS, 0.0, 0)
    for delimiter in DELIMITER_NAMES:
        try:
            rows = [
                r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r
            ][:SNIFF_RECORDS]
        except csv.Error:
            continue
        if len(rows) > 1 and len(text) > len(sample):
            rows = rows[:-1]  # the last record of a cut sample may be cut too
        # A title above the header is one cell whichever the delimiter; a delimiter that splits
        # the header into one cell too has to drop more lines, and loses, however evenly it
        # splits the rows under it (a semicolon file's decimal commas, a tab file's "1,600"): a
        # ragged row, a trailing delimiter or a note under the table leaves the true delimiter
        # less even than such a one.
        dropped = _leading(rows, _words_in_one_cell)
        widths = [len(r) for r in rows[dropped:]]
        if not widths or widths[0] < 2:
            continue
        score = (-dropped, sum(w == widths[0] for w in widths) / len(widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


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


def header_only(line: int) -> UnreadableFile:
    """A header on `line` and nothing under it but blank lines, however the file was read."""
    return UnreadableFile("header only: the file has no data rows", line, "header_only")


def _check_header(header: list[str], line: int) -> None:
    seen = set()
    for name in header:
        if name in seen:
            raise UnreadableFile(f"header names column {name!r} twice", line, "duplicate_column")
        seen.add(name)
