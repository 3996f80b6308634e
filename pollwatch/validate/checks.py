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
    mine = {index: part for index, part in found.groupby(owner, sort=False)}
    none = found.iloc[:0]  # most files: nothing found, and nothing to split out
    return [
        mine[index]
        .assign(line_number=lambda f, o=offset: f["line_number"] - o)
        .reset_index(drop=True)
        if index in mine
        else none
        for index, offset in enumerate(offsets)
    ]


def check_rows(mapped: Mapped, found: pd.DataFrame | None = None) -> Checked:
    """Split a mapped file into rows to store (with the pollster and leader as written) and
    rejects, with warnings for repeats. `found`: the model's rejects when validate_batch has
    already run it."""
    if found is None:
        found = validate_polls(mapped.polls)
    # Most drops are clean: each step below is skipped where it has nothing to do, since a
    # pandas step costs about half a millisecond even on an empty frame, a file at a time.
    polls, rejects = mapped.polls, mapped.rejects
    if not found.empty:
        found = quote_cells_as_written(not_parse_failures(found, mapped.rejects), mapped.cells)
        rejects = pd.concat([rejects, found], ignore_index=True)
    if not rejects.empty:
        polls = polls[~polls.index.isin(set(rejects["line_number"]))]
    repeated, warnings = [], list(mapped.warnings)
    if not polls["poll_key"].is_unique:
        shared = polls[polls["poll_key"].duplicated(keep=False)]
        repeated, conflicts, warnings = repeats_and_conflicts(shared, mapped.warnings)
        if not conflicts.empty:
            rejects = pd.concat([rejects, conflicts], ignore_index=True)
        polls = polls.drop(index=[*repeated, *conflicts["line_number"]])
    if not rejects.empty:
        rejects = in_file_terms(rejects, mapped.column_names)
    # A clean file keeps every row: its frames then line up as they are, and a join is not
    # needed (it costs twice the concat, a file at a time).
    written = mapped.as_written if polls is mapped.polls else mapped.as_written.loc[polls.index]
    stored = pd.concat([polls, written], axis=1)
    return Checked(stored, rejects, len(repeated), warnings)


def not_parse_failures(found: pd.DataFrame, parse_rejects: pd.DataFrame) -> pd.DataFrame:
    """The model's rejects less those of cells that did not parse: reported once, as unparseable,
    not again as missing."""
    failures = set(zip(parse_rejects["line_number"], parse_rejects["column"], strict=True))
    fresh = [key not in failures for key in zip(found["line_number"], found["column"], strict=True)]
    return found[np.array(fresh, dtype=bool)]


def repeats_and_conflicts(
    shared: pd.DataFrame, warnings: list[str]
) -> tuple[list[int], pd.DataFrame, list[str]]:
    """Among rows that share a poll key (`shared`, in file order): the lines that repeat an
    earlier row exactly (stored once), the rejects of keys given different values, and the
    warnings with a line about the repeats added."""
    repeated = shared.duplicated(keep="first")
    warnings = list(warnings)
    if repeated.any():
        lines = list(shared.index[repeated])
        named = ", ".join(map(str, lines[:LINES_NAMED])) + (
            " ..." if len(lines) > LINES_NAMED else ""
        )
        warnings.append(
            f"lines {named} repeat earlier rows exactly; each poll is stored once"
            if len(lines) > 1
            else f"line {named} repeats an earlier row exactly; the poll is stored once"
        )
    kept = shared[~repeated]
    conflicting = kept[kept["poll_key"].duplicated(keep=False)]
    conflicts = (
        _conflict_rejects(conflicting)
        if not conflicting.empty
        else pd.DataFrame(columns=list(REJECT_COLUMNS))
    )
    return list(shared.index[repeated]), conflicts, warnings


def in_file_terms(rejects: pd.DataFrame, column_names: dict[str, str]) -> pd.DataFrame:
    """Rejects in line order, each naming the file's own column."""
    rejects = rejects.sort_values(["line_number", "column"], kind="stable", ignore_index=True)
    rejects["column"] = [file_columns(c, column_names) for c in rejects["column"]]
    return rejects


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
