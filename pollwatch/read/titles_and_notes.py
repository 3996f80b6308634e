"""Lines of words around a table: a title above its header, a source or a footnote under its rows.

A spreadsheet saved as CSV writes them as records of one cell. Taken for a header, a title made
the whole file refused; taken for rows, each note was a rejected row. These rules tell them from
a header and from a row, for every reader and for the delimiter's sniffing alike.
"""

from __future__ import annotations

import csv
from collections.abc import Callable

# Lines of words above a header (a title) or under a table (a source, a footnote) taken as such:
# more than this many are more than a spreadsheet's title or notes, and are read as they are.
MOST_NOTE_LINES = 10


def filled_cells(record: list[str]) -> list[str]:
    """The cells of a record that hold something, stripped."""
    return [cell.strip() for cell in record if cell.strip()]


def words_in_one_cell(record: list[str]) -> bool:
    """One cell holds something, and it has a letter: what a title or a note may be."""
    filled = filled_cells(record)
    return len(filled) == 1 and any(char.isalpha() for char in filled[0])


def leading(records: list[list[str]], note: Callable[[list[str]], bool]) -> int:
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
    if not words_in_one_cell(record):
        return False
    if len(record) < width:
        return True
    first = record[0].strip()
    return bool(first) and (len(first.split()) > 2 or ":" in first or not first[0].isalnum())


def notes_around(records: list[list[str]]) -> tuple[int, int]:
    """How many records above the header are a title, and how many under the last row are
    notes (is_note): the title lines were taken for the header (every column one name, no
    layout fitted: the file refused whole), and each note line was a row rejected (every drop
    partial)."""
    head = records[: MOST_NOTE_LINES + 1]
    wide = [record for record in head if len(filled_cells(record)) > 1]
    if not wide:
        return 0, 0  # no header of two names: read as it is
    title = leading(records, lambda record: is_note(record, len(wide[0])))
    width = len(records[title])
    last = records[max(title, len(records) - MOST_NOTE_LINES - 1) :][::-1]  # the table's end
    notes = leading(last, lambda record: is_note(record, width))
    return title, notes


# Enough of a file's end to hold its last line of notes.
TAIL_BYTES = 64 * 1024


def has_notes(first_line: str, tail: str, delimiter: str) -> bool:
    """Whether the file's first line, or the last line of `tail` (its end) that is not blank, may
    be a note (is_note): the fast readers take line 1 for the header and every line after it
    for a row, so such a file is read record by record, which tells a note from a header or a
    row and skips it."""
    header = _one_record(first_line, delimiter)
    if words_in_one_cell(header):
        return True  # a title, perhaps: the careful reader tells it from a header
    # The last record that is not blank as the careful reader has it (a cell of a no-break
    # space, or "", is blank there too).
    records = (_one_record(line, delimiter) for line in reversed(tail.split("\n")))
    last = next((record for record in records if filled_cells(record)), [])
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
