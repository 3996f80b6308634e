"""Which way round a file writes its slashed dates: 14/03/2023 (day first, as in Europe) or
03/14/2023 (month first, as in American files).

A date such as 01/02/2023 reads either way, and reading it the wrong way stores a poll a month
or more from when it was taken, silently. So the order is settled per file from the dates that
prove it, a first or second number above 12, and a file whose slashed dates never say is refused
rather than guessed, unless its layout declares the order (`[dates] day_first` or `formats`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from pollwatch.map.layouts import Layout
from pollwatch.read.decoding import UnreadableFile
from schemas.columns import DATE_COLUMNS

SLASHED = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])")


def settle_day_order(layout: Layout, header: list[str], texts) -> Layout:
    """The layout with the file's order of day and month settled; `texts(column)`: the distinct
    texts of one of the file's columns. Unchanged where the layout declares how its dates are
    written, or the file has no slashed dates."""
    if layout.date_formats or layout.day_first is not None:
        return layout
    columns = {layout.source_column(header, name) for name in DATE_COLUMNS} - {None}
    first, second, example = _largest(text for column in columns for text in texts(column))
    if example is None:
        return layout
    if first > 12 and second > 12:
        raise UnreadableFile(
            f"slashed dates put the day first in some rows and the month first in others "
            f"(day {first} before the month, day {second} after it): "
            "write them one way, or name the order in a layout ([dates] formats)",
            rule="mixed_date_order",
        )
    if first > 12:
        return replace(layout, day_first=True)
    if second > 12:
        return replace(layout, day_first=False)
    raise UnreadableFile(
        f"slashed dates such as {example} may put the day or the month first, and none in the "
        "file has a number above 12 to tell: name the order in a layout ([dates] day_first = "
        'true, or formats = ["%d/%m/%Y"])',
        rule="ambiguous_dates",
    )


def _largest(texts: Iterable[object]) -> tuple[int, int, str | None]:
    """The largest first and second numbers among the slashed dates, and one such date."""
    first = second = 0
    example = None
    for text in texts:
        if not isinstance(text, str):
            continue
        for match in SLASHED.finditer(text):
            example = example or match.group(0)
            first = max(first, int(match.group(1)))
            second = max(second, int(match.group(2)))
    return first, second, example
