"""Whether a file writes its shares as proportions (0.62) rather than percents (62).

Some publishers export shares as fractions of one. Read as percents they are stored as 0.62%
approval, with every check passing (a share of 0.62 is a valid share), and the average, the
headline and the charts all say "0.6%". So the scale is settled per file from its own share
cells, as the order of day and month is (day_order.py): a file nine in ten of whose shares
lie between 0 and 1 is read as proportions, and said so in a warning; a layout may declare it
either way (`[shares] proportions = true` or `false`). A leader's approval, trust or popularity
written in percents is never at 1 or below in most polls of a file; and one share written as a
percent among proportions (a slip, or a row the layout skips) left every other share of the
file at 0.62%. In a file of proportions a share above 1 is not one: its row is rejected
(not_a_proportion), not stored a hundred times too large.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from pollwatch.map.layout import Layout
from pollwatch.map.number_text import read_number
from schemas.columns import SHARE_COLUMNS

# The part of a file's shares that must lie between 0 and 1 for the file to be proportions.
PROPORTIONS_SHARE = 0.9


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
    within = sum(0 <= number <= 1 for number in numbers)
    return replace(layout, proportions=within >= PROPORTIONS_SHARE * len(numbers))


def proportions_warning(
    layout: Layout, header: list[str], spelled: dict[str, str] | None = None
) -> list[str]:
    """The warning a file read as proportions gets (none where its layout declares them),
    naming its share columns as the header spells them (`spelled`)."""
    if not layout.proportions or layout.proportions_declared:
        return []
    spelled = spelled or {}
    columns = [
        spelled.get(c, c) for name in SHARE_COLUMNS if (c := layout.source_column(header, name))
    ]
    return [
        f"shares read as proportions: the shares in {', '.join(dict.fromkeys(columns))} lie"
        " between 0 and 1, so 0.62 is stored as 62% (a row with a share above 1 is rejected as"
        " not_a_proportion); a layout that means percents says [shares] proportions = false"
    ]
