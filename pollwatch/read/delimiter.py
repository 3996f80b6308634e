"""Which character separates a file's fields: commas, semicolons, tabs or vertical bars.

No file says, and a wrong guess reads every row into the wrong columns; the choice is made once,
from the file's first records, by one rule for every reader.
"""

from __future__ import annotations

import csv
import io

from pollwatch.read.titles_and_notes import leading, words_in_one_cell

DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}


SNIFF_CHARS = 64 * 1024


SNIFF_RECORDS = 50


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
        dropped = leading(rows, words_in_one_cell)
        widths = [len(r) for r in rows[dropped:]]
        if not widths or widths[0] < 2:
            continue
        score = (-dropped, sum(w == widths[0] for w in widths) / len(widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best
