"""Check mapped rows: the poll model's rules, then repeats of one poll inside one file.

A cell that did not parse is reported once, as unparseable, not again as missing. Rows that repeat
a poll exactly are stored once; rows that give one poll two different values are both rejected,
because nothing in a single file says which of them is right. Rejects name the file's own column
(`yes`, not `positive_pct`), so a person can find the cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pollwatch.map.mapping import LINE_SPAN, Mapped
from schemas.columns import REJECT_COLUMNS
from schemas.polls import ROW_RULE_COLUMNS, validate_polls

LINES_NAMED = 10


@dataclass
class Checked:
    """A mapped file split into rows to store and rows to reject."""

    polls: pd.DataFrame
    rejects: pd.DataFrame
    rows_duplicate: int
    warnings: list[str]


def validate_batch(files: list[Mapped]) -> list[pd.DataFrame]:
    """The poll model's rejects for several files in one validation: each call of the model
    costs tens of milliseconds whatever its size, which dominates a batch of small drops."""
    if not files:
        return []
    offsets = [index * LINE_SPAN for index in range(len(files))]
    together = pd.concat(
        [m.polls.set_axis(m.polls.index + o) for m, o in zip(files, offsets, strict=True)]
    )
    found = validate_polls(together)
    owner = found["line_number"] // LINE_SPAN
    return [
        found[owner == index]
        .assign(line_number=lambda f, o=offset: f["line_number"] - o)
        .reset_index(drop=True)
        for index, offset in enumerate(offsets)
    ]


def check_rows(mapped: Mapped, found: pd.DataFrame | None = None) -> Checked:
    """Split a mapped file into rows to store and rejects, with warnings for repeats. `found`:
    the model's rejects when validate_batch has already run it."""
    if found is None:
        found = validate_polls(mapped.polls)
    parse_failures = set(zip(mapped.rejects["line_number"], mapped.rejects["column"], strict=True))
    fresh = [
        key not in parse_failures for key in zip(found["line_number"], found["column"], strict=True)
    ]
    found = quote_cells_as_written(found[np.array(fresh, dtype=bool)], mapped.cells)
    rejects = pd.concat([mapped.rejects, found], ignore_index=True)
    polls = mapped.polls[~mapped.polls.index.isin(set(rejects["line_number"]))]

    # Exact repeats share their poll key: compare whole rows only where keys repeat.
    shared = polls["poll_key"].duplicated(keep=False)
    repeated = pd.Series(False, index=polls.index)
    if shared.any():
        repeated[shared] = polls[shared].duplicated(keep="first")

    warnings = list(mapped.warnings)
    if repeated.any():
        lines = list(polls.index[repeated])
        named = ", ".join(map(str, lines[:LINES_NAMED])) + (
            " ..." if len(lines) > LINES_NAMED else ""
        )
        warnings.append(
            f"lines {named} repeat earlier rows exactly; each poll is stored once"
            if len(lines) > 1
            else f"line {named} repeats an earlier row exactly; the poll is stored once"
        )
    polls = polls[~repeated]
    conflicting = polls[polls["poll_key"].duplicated(keep=False)]
    if not conflicting.empty:
        rejects = pd.concat([rejects, _conflict_rejects(conflicting)], ignore_index=True)
        polls = polls.drop(index=conflicting.index)
    rejects = rejects.sort_values(["line_number", "column"], kind="stable", ignore_index=True)
    rejects["column"] = [file_columns(c, mapped.column_names) for c in rejects["column"]]
    return Checked(polls, rejects, int(repeated.sum()), warnings)


def file_columns(columns: str, names: dict[str, str]) -> str:
    """'positive_pct+negative_pct' as the file calls them, e.g. 'yes+no'."""
    for separator in ("+", ","):
        if separator in columns:
            return separator.join(names.get(c, c) for c in columns.split(separator))
    return names.get(columns, columns)


def quote_cells_as_written(rejects: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Show a rejected cell's text as it stands in the file, not as it was parsed."""
    rejects = rejects.copy()
    for column in set(rejects["column"]) & set(cells.columns):
        at = (rejects["column"] == column) & ~rejects["rule"].isin(ROW_RULE_COLUMNS)
        rejects.loc[at, "value"] = cells.loc[rejects.loc[at, "line_number"], column].to_numpy()
    return rejects


def _conflict_rejects(conflicting: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for key, group in conflicting.groupby("poll_key", sort=False):
        differing = [c for c in group.columns if group[c].nunique(dropna=False) > 1]
        lines = ", ".join(map(str, group.index))
        for line in group.index:
            rows.append(
                (
                    line,
                    ",".join(differing),
                    "same_poll_key_different_values",
                    f"poll_key {key} on lines {lines}",
                )
            )
    return pd.DataFrame(rows, columns=list(REJECT_COLUMNS))
