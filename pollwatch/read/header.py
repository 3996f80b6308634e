"""A header line's names: as every later step compares them, and as the file spells them.

Layouts name columns, rejects name them back to a person, and the record-by-record reader, the
fast reader and DuckDB's must agree on what a header cell is called; one place decides, so a
column is the same column however its file was read.
"""

from __future__ import annotations

import csv
import re

from pollwatch.read.decoding import UnreadableFile


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


def header_names(line: str, delimiter: str, number: int) -> tuple[list[str], dict[str, str]]:
    """The header line's names as every later step uses them, and as it spells them
    (spelled_names); `number`: its line."""
    cells = next(csv.reader([line], delimiter=delimiter))
    header = column_names(cells)
    check_header(header, number)
    return header, spelled_names(header, cells)


def spelled_names(header: list[str], cells: list[str]) -> dict[str, str]:
    """Each column's name as the file writes it (on one line): rejects name the file's own
    column, `Date`, where the name every step compares is `date`."""
    return {name: " ".join(cell.split()) or name for name, cell in zip(header, cells, strict=True)}


def header_only(line: int) -> UnreadableFile:
    """A header on `line` and nothing under it but blank lines, however the file was read."""
    return UnreadableFile("header only: the file has no data rows", line, "header_only")


def check_header(header: list[str], line: int) -> None:
    seen = set()
    for name in header:
        if name in seen:
            raise UnreadableFile(f"header names column {name!r} twice", line, "duplicate_column")
        seen.add(name)
