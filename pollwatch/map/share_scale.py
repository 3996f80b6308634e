"""Whether a file writes its shares as proportions (0.62) rather than percents (62).

Some publishers export shares as fractions of one. Read as percents they are stored as 0.62%
approval, with every check passing (a share of 0.62 is a valid share), and the average, the
headline and the charts all say "0.6%". So the scale is settled per file from its own share
cells, as the order of day and month is (day_order.py): a file all of whose shares lie between
0 and 1 is read as proportions, and said so in a warning; a layout may declare it either way
(`[shares] proportions = true` or `false`). One share above 1 anywhere in the file makes it
percents: a leader's approval, trust or popularity written in percents never stays at 1 or
below in every poll of a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from pollwatch.map.layouts import Layout
from pollwatch.map.values import read_number
from schemas.columns import SHARE_COLUMNS


def settle_proportions(
    layout: Layout, header: list[str], texts: Callable[[str], Iterable[object]]
) -> Layout:
    """The layout with the file's scale of shares settled; `texts(column)`: the distinct texts
    of one of the file's columns. Unchanged where the layout declares it, or the file has no
    share that reads as a number."""
    if layout.proportions is not None:
        return layout
    columns = sorted({layout.source_column(header, name) for name in SHARE_COLUMNS} - {None})
    numbers = [
        number
        for column in columns
        for text in texts(column)
        if isinstance(number := read_number(text), float)
    ]
    if not numbers or max(numbers) == 0:
        return layout
    return replace(layout, proportions=all(0 <= number <= 1 for number in numbers))


def proportions_warning(layout: Layout, header: list[str]) -> list[str]:
    """The warning a file read as proportions gets (none where its layout declares them)."""
    if not layout.proportions or layout.proportions_declared:
        return []
    columns = [c for name in SHARE_COLUMNS if (c := layout.source_column(header, name))]
    return [
        f"shares read as proportions: every share in {', '.join(dict.fromkeys(columns))} is"
        " between 0 and 1, so 0.62 is stored as 62%; a layout that means percents says"
        " [shares] proportions = false"
    ]
