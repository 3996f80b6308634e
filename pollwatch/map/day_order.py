"""Which way round a file writes its dates with the year last: 14/03/2023 or 14-03-2023 (day
first, as in Europe) or 03/14/2023 (month first, as in American files).

A date such as 01/02/2023 reads either way, and reading it the wrong way stores a poll a month
or more from when it was taken, silently. So the order is settled per file from the dates that
prove it, a first or second number above 12, and a file whose such dates never say is refused
rather than guessed, unless its layout declares the order (`[dates] day_first` or `formats`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from pollwatch.map.layout import Layout
from pollwatch.read.decoding import UnreadableFile
from schemas.columns import DATE_COLUMNS

# A date with the year last, its parts split by slashes or by dashes (one or the other).
SLASHED = re.compile(r"(?<![\d/-])(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/-])")


def settle_day_order(
    layout: Layout,
    header: list[str],
    texts: Callable[[str], Iterable[object]],
    line_of: Callable[[str, str], int],
) -> Layout:
    """The layout with the file's order of day and month settled; `texts(column)`: the distinct
    texts of one of the file's columns; `line_of(column, text)`: the first line with that text
    in that column, for the message of a file refused. Unchanged where the layout declares how
    its dates are written, or the file has no slashed dates."""
    if layout.date_formats or layout.day_first is not None:
        return layout
    columns = sorted({layout.source_column(header, name) for name in DATE_COLUMNS} - {None})
    first, second, example = _largest(
        (column, text) for column in columns for text in texts(column)
    )
    if example is None:
        return layout

    def where(found: tuple[str, str, str]) -> tuple[int, str]:
        column, text, date = found
        line = line_of(column, text)
        return line, f"line {line}, column {column}: {date}"

    if first[0] > 12 and second[0] > 12:
        (day_line, day_first), (month_line, month_first) = where(first[1]), where(second[1])
        raise UnreadableFile(
            f"dates with the year last put the day first in some rows ({day_first}) and the "
            f"month first in others ({month_first}): write them one way, or name the order in a "
            "layout ([dates] formats)",
            line=min(day_line, month_line),
            rule="mixed_date_order",
        )
    if first[0] > 12:
        return replace(layout, day_first=True)
    if second[0] > 12:
        return replace(layout, day_first=False)
    line, said = where(example)
    # The format of the file's own dates: "%d/%m/%Y" reads none of 07-02-23.
    _, separator, _, year = SLASHED.fullmatch(example[2]).groups()
    own = separator.join(["%d", "%m", "%Y" if len(year) == 4 else "%y"])
    raise UnreadableFile(
        f"dates with the year last, such as {said}, may put the day or the month first, and "
        "none in the file has a number above 12 to tell: name the order in a layout ([dates] "
        f'day_first = true, or formats = ["{own}"])',
        line=line,
        rule="ambiguous_dates",
    )


Found = tuple[str, str, str]  # column, its cell's text, the slashed date in it


def _largest(
    cells: Iterable[tuple[str, object]],
) -> tuple[tuple[int, Found | None], tuple[int, Found | None], Found | None]:
    """The largest first and the largest second number among the slashed dates of (column,
    text) cells, each with where it was found, and the first slashed date found."""
    first: tuple[int, Found | None] = (0, None)
    second: tuple[int, Found | None] = (0, None)
    example = None
    for column, text in cells:
        if not isinstance(text, str):
            continue
        for match in SLASHED.finditer(text):
            found = (column, text, match.group(0))
            example = example or found
            first = max(first, (int(match.group(1)), found), key=lambda pair: pair[0])
            second = max(second, (int(match.group(3)), found), key=lambda pair: pair[0])
    return first, second, example
