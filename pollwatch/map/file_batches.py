"""Several files of one layout mapped in a single pass, then split back into files.

Mapping costs tens of milliseconds a call whatever the rows, which is most of a 50-row drop's
time: a batch of such drops is mapped together, each file keeping its own line numbers, rows
and rejects (LINE_SPAN keeps their line numbers apart).
"""

from __future__ import annotations

import pandas as pd

from pollwatch.map.layout import Layout
from pollwatch.map.mapping import Mapped, map_rows
from pollwatch.read.raw_table import RawTable

# Line numbers of several files mapped together are kept apart by this much per file: far beyond
# any file's line count.
LINE_SPAN = 10**12


def map_many(
    raws: list[RawTable], layout: Layout, aliases: dict[str, dict[str, str]]
) -> list[Mapped]:
    """Several files of one layout, one header and one way of reading mapped in a single pass,
    then split back: mapping costs tens of milliseconds a call whatever the rows, which is most
    of a 50-row drop's time. Each file keeps its own line numbers and rows."""
    if len(raws) < 2 or layout.filters_rows:  # a file's skipped rows are its own: one by one
        return [map_rows(raw, layout, aliases) for raw in raws]
    offsets = [index * LINE_SPAN for index in range(len(raws))]
    first = raws[0]
    together = RawTable(
        first.header,
        pd.concat([renumbered(raw.cells, o) for raw, o in zip(raws, offsets, strict=True)]),
        [
            (line + o, count)
            for raw, o in zip(raws, offsets, strict=True)
            for line, count in raw.ragged
        ],
        first.header_line,
        first.encoding,
        first.delimiter,
        list(first.notes),
        [line + o for raw, o in zip(raws, offsets, strict=True) for line in raw.oversized],
    )
    mapped = map_rows(together, layout, aliases)
    owners = mapped.rejects["line_number"] // LINE_SPAN
    rejects = {owner: found for owner, found in mapped.rejects.groupby(owners, sort=False)}
    # polls, cells and as_written share their rows, in file order: each file's rows are one
    # slice of them all, found once.
    bounds = mapped.polls.index.searchsorted([*offsets, len(raws) * LINE_SPAN]).tolist()
    return [
        _one_file(mapped, index, bounds[index], bounds[index + 1], rejects, raw)
        for index, raw in enumerate(raws)
    ]


def renumbered(frame: pd.DataFrame, shift: int) -> pd.DataFrame:
    """The frame with its line numbers shifted, sharing its data: set_axis would copy every
    column, a millisecond a file in a batch of fifty."""
    moved = frame.copy(deep=False)
    moved.index = pd.Index(frame.index + shift, name=frame.index.name)
    return moved


def _one_file(
    mapped: Mapped, index: int, start: int, stop: int, rejects: dict, raw: RawTable
) -> Mapped:
    """File `index`'s part of rows mapped together (rows `start` to `stop`), numbered as in the
    file."""
    offset = index * LINE_SPAN
    lines = pd.Index(mapped.polls.index[start:stop] - offset, name="line_number")

    def own(frame: pd.DataFrame) -> pd.DataFrame:
        part = frame.iloc[start:stop]  # a new frame on the same data: its index is its own
        part.index = lines
        return part

    mine = rejects.get(index)
    return Mapped(
        mapped.source_name,
        own(mapped.polls),
        mapped.rejects.iloc[:0]
        if mine is None
        else mine.assign(line_number=mine["line_number"] - offset).reset_index(drop=True),
        own(mapped.cells),
        mapped.column_names,
        own(mapped.as_written),
        raw.rows_read,
        0,
        list(mapped.warnings),
        mapped.source_keys,
        raw.spelled,
    )
