"""Read a dropped file into a table of text cells keyed by the line each record starts on.

The way in from a file's decoded text: it has the delimiter found (commas, semicolons, tabs),
the records read (read/'s readers: Arrow's, or one record at a time where that fails), decides
whether the text is a CSV table at all and says why not in words a person can act on. read/ is
the only package that touches the raw file; everything after it works on text cells and line
numbers, so every later error can point at the exact line of the original file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from pollwatch.read.decoding import Decoded
from pollwatch.read.delimiter import DELIMITER_NAMES, SNIFF_CHARS, sniff_delimiter
from pollwatch.read.echo import line_runs
from pollwatch.read.fast_reader import ArrowCells, read_arrow
from pollwatch.read.header import header_only
from pollwatch.read.raw_table import RawTable
from pollwatch.read.record_reader import read_exact

STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str"


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
    table = read_exact(decoded.text, delimiter)
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
            f"the file joins two encodings: {line_runs(decoded.utf8_lines)} read as UTF-8, "
            f"the others as {decoded.encoding}"
        )
    elif decoded.guessed:
        notes.append(f"read as {decoded.encoding} (it is not UTF-8)")
    if delimiter != ",":
        notes.append(f"fields separated by {DELIMITER_NAMES[delimiter]}")
    return notes
