"""RawTable: a file's text cells as a frame keyed by line number, the form mapping takes them in,
whichever reader read the file.

Its own module so that the record-by-record reader, which builds one, need not import cells.py,
which calls that reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


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
