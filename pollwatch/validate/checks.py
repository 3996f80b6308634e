"""Check mapped rows: the poll model's rules, then repeats of one poll inside one file.

A cell that did not parse is reported once, as unparseable, not again as missing. Rows that repeat
a poll exactly are stored once; rows that give one poll two different values are both rejected,
because nothing in a single file says which of them is right. Rejects name the file's own column
(`yes`, not `positive_pct`), so a person can find the cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pollwatch.map.file_batches import LINE_SPAN, renumbered
from pollwatch.map.mapping import Mapped
from pollwatch.read.echo import LINES_SHOWN, capped, capped_column, line_numbers
from pollwatch.store import Staged
from schemas.columns import IDENTITY_COLUMNS, POLL_NAME, POSITIVE_SHARE_REQUIRED, REJECT_COLUMNS
from schemas.polls import ROW_RULE_COLUMNS, WARNING_RULES, validate_polls

KEY_TAKEN = "poll_key_of_another_poll"
STORED_IDENTITY = [f"stored_{c}" for c in IDENTITY_COLUMNS]
TAKEN_COLUMNS = ["file", "line_number", "poll_key", *STORED_IDENTITY, "stored_by"]


@dataclass
class Checked:
    """A mapped file split into rows to store and rows to reject."""

    polls: pd.DataFrame | pa.Table | Staged
    rejects: pd.DataFrame
    rows_duplicate: int
    warnings: list[str]


def batch_frame(files: list[Mapped]) -> pd.DataFrame:
    """The files' rows in one frame, each file's line numbers moved LINE_SPAN x its place
    along: validated together, and asked about together."""
    return pd.concat([renumbered(m.polls, i * LINE_SPAN) for i, m in enumerate(files)])


def validate_batch(files: list[Mapped], together: pd.DataFrame | None = None) -> list[pd.DataFrame]:
    """The poll model's rejects for several files in one validation (`together`: their
    batch_frame, when already made): each call of the model costs tens of milliseconds whatever
    its size, which dominates a batch of small drops."""
    if not files:
        return []
    found = validate_polls(batch_frame(files) if together is None else together)
    owner = found["line_number"] // LINE_SPAN
    mine = {index: part for index, part in found.groupby(owner, sort=False)}
    none = found.iloc[:0]  # most files: nothing found, and nothing to split out
    return [
        mine[index]
        .assign(line_number=lambda f, o=index * LINE_SPAN: f["line_number"] - o)
        .reset_index(drop=True)
        if index in mine
        else none
        for index in range(len(files))
    ]


def implausible(
    together: pd.DataFrame, files: int, rejects: list[pd.DataFrame] | None = None
) -> list[list[str]]:
    """Each file's warnings (its rows stored, but worth a look: schemas.polls.WARNING_RULES),
    found in the batch_frame of `files` files at once. `rejects`: each file's rejects by the
    poll model (validate_batch), whose rows are not stored and so not warned of: a sample of
    -5 people is rejected, not also 'a sample of fewer than 50 people'."""
    found: list[list[str]] = [[] for _ in range(files)]
    if rejects and any(len(part) for part in rejects):  # most batches: none, and no copy
        lines = [part["line_number"] + index * LINE_SPAN for index, part in enumerate(rejects)]
        together = together.drop(index=pd.concat(lines).unique(), errors="ignore")
    for rule, advice in WARNING_RULES:
        failing = together.index[~rule.passes(together[list(rule.columns)]).to_numpy(bool)]
        for owner, lines in pd.Series(failing % LINE_SPAN).groupby(failing // LINE_SPAN):
            found[owner].append(implausible_warning(rule.name, advice, lines.tolist()))
    return found


def implausible_warning(name: str, advice: str, lines: list[int]) -> str:
    named = line_numbers(lines)
    return f"{name} on line{'s' if len(lines) > 1 else ''} {named}: {advice}"


def check_rows(
    mapped: Mapped, found: pd.DataFrame | None = None, noted: list[str] | None = None
) -> Checked:
    """Split a mapped file into rows to store (with the pollster and leader as written) and
    rejects, with warnings for repeats and implausible rows. `found` and `noted`: the model's
    rejects and the implausible rows' warnings, when validate_batch and implausible have already
    looked at the file with its batch."""
    if found is None:
        found = validate_polls(mapped.polls)
        noted = implausible(mapped.polls, 1, [found])[0]
    # Most drops are clean: each step below is skipped where it has nothing to do, since a
    # pandas step costs about half a millisecond even on an empty frame, a file at a time.
    polls, rejects = mapped.polls, mapped.rejects
    if not found.empty:
        found = quote_cells_as_written(not_parse_failures(found, mapped.rejects), mapped.cells)
        rejects = pd.concat([rejects, found], ignore_index=True)
    if not rejects.empty:
        polls = polls[~polls.index.isin(set(rejects["line_number"]))]
    repeated, warnings = [], [*mapped.warnings, *(noted or [])]
    # A key alone is the quick test (most files never repeat one); a poll is named by its key
    # within its pollster's (POLL_NAME).
    if not polls["poll_key"].is_unique and polls.duplicated(list(POLL_NAME)).any():
        shared = polls[polls.duplicated(list(POLL_NAME), keep=False)]
        repeated, conflicts, warnings = repeats_and_conflicts(shared, warnings)
        if not conflicts.empty:
            rejects = pd.concat([rejects, conflicts], ignore_index=True)
        polls = polls.drop(index=[*repeated, *conflicts["line_number"]])
    if not rejects.empty:
        rejects = in_file_terms(
            rejects, mapped.column_names, mapped.spelled, lambda lines: _days(mapped.polls, lines)
        )
    # A clean file keeps every row: its frames then line up as they are, and a join is not
    # needed (it costs twice the concat, a file at a time).
    written = mapped.as_written if polls is mapped.polls else mapped.as_written.loc[polls.index]
    stored = pd.concat([polls, written], axis=1)
    return Checked(stored, rejects, len(repeated), warnings)


def _days(polls: pd.DataFrame, lines: list[int]) -> list[str]:
    """The fieldwork end of each of `lines`, as YYYY-MM-DD (empty where it has none)."""
    return [f"{day:%Y-%m-%d}" if pd.notna(day) else "" for day in polls.loc[lines, "fieldwork_end"]]


def not_parse_failures(found: pd.DataFrame, parse_rejects: pd.DataFrame) -> pd.DataFrame:
    """The model's rejects less those of cells that did not parse: reported once, as unparseable,
    not again as missing."""
    failures = set(zip(parse_rejects["line_number"], parse_rejects["column"], strict=True))
    fresh = [key not in failures for key in zip(found["line_number"], found["column"], strict=True)]
    return found[np.array(fresh, dtype=bool)]


def repeats_and_conflicts(
    shared: pd.DataFrame, warnings: list[str]
) -> tuple[list[int], pd.DataFrame, list[str]]:
    """Among rows that name one poll (`shared`, in file order): the lines that repeat an
    earlier row exactly (stored once), the rejects of keys given different values, and the
    warnings with a line about the repeats added."""
    repeated = shared.duplicated(keep="first")
    warnings = list(warnings)
    if repeated.any():
        lines = list(shared.index[repeated])
        named = line_numbers(lines)
        warnings.append(
            f"lines {named} repeat earlier rows exactly; each poll is stored once"
            if len(lines) > 1
            else f"line {named} repeats an earlier row exactly; the poll is stored once"
        )
    kept = shared[~repeated]
    conflicting = kept[kept.duplicated(list(POLL_NAME), keep=False)]
    conflicts = (
        _conflict_rejects(conflicting)
        if not conflicting.empty
        else pd.DataFrame(columns=list(REJECT_COLUMNS))
    )
    return list(shared.index[repeated]), conflicts, warnings


def in_file_terms(
    rejects: pd.DataFrame,
    column_names: dict[str, str],
    spelled: dict[str, str],
    ends: Callable[[list[int]], list[str]],
) -> pd.DataFrame:
    """Rejects in line order, each naming the file's own column as it spells it (`spelled`:
    the header's names as written); one cell read as two fields (a single date column that is
    both fieldwork_start and fieldwork_end) is one reject, not two alike. `ends`: the fieldwork
    end days (YYYY-MM-DD) of the given lines, which a row in no [[leader_by_date]] term quotes."""
    column_names = {field: spelled.get(name, name) for field, name in column_names.items()}
    rejects = rejects.sort_values(["line_number", "column"], kind="stable", ignore_index=True)
    if "leader" not in column_names:  # the leader comes of a layout's [[leader_by_date]]
        # Empty only where no term holds the fieldwork's end: "column leader: not_nullable
        # (value '')" named a column the file does not have, and no day. It is the end's
        # column, and its day, that fall in no term.
        outside = (rejects["column"] == "leader") & (rejects["rule"] == "not_nullable")
        rejects.loc[outside, "rule"] = "fieldwork_in_no_leader_by_date_term"
        if outside.any() and "fieldwork_end" in column_names:
            rejects.loc[outside, "column"] = "fieldwork_end"
            rejects.loc[outside, "value"] = ends(rejects.loc[outside, "line_number"].tolist())
    # An empty positive share is the contract's own requirement, not a cell left blank by
    # mistake: a row giving only the negative share (538's favorability rows with `favorable`
    # empty) was told "not_nullable", which said nothing of why.
    positive = (rejects["column"] == "positive_pct") & (rejects["rule"] == "not_nullable")
    rejects.loc[positive, "rule"] = POSITIVE_SHARE_REQUIRED
    wide = rejects["rule"].isin(ROW_RULE_COLUMNS)
    rejects.loc[wide, "value"] = [
        _compared_in_file_terms(v, column_names) for v in rejects.loc[wide, "value"]
    ]
    rejects["column"] = [capped(file_columns(c, column_names), 200) for c in rejects["column"]]
    rejects["value"] = capped_column(rejects["value"])
    return rejects.drop_duplicates(ignore_index=True)


def file_columns(columns: str, names: dict[str, str]) -> str:
    """'positive_pct+negative_pct' as the file calls them, e.g. 'yes+no'; of several, those the
    file has ('yes+no', not 'yes+no+undecided_pct' for a file with no undecided column)."""
    for separator in ("+", ","):
        if separator in columns:
            parts = columns.split(separator)
            present = [c for c in parts if c in names] or parts
            return separator.join(names.get(c, c) for c in present)
    return names.get(columns, columns)


def _compared_in_file_terms(value: str, names: dict[str, str]) -> str:
    """A row rule's compared values ('positive_pct=51, negative_pct=51, undecided_pct=') as the
    file calls them, leaving out those of columns it does not have: 'yes=51, no=51'."""
    parts = [part.partition("=") for part in value.split(", ")]
    if not all(sep for _, sep, _ in parts):
        return value  # not a list of name=value: as it is
    kept = [(name, shown) for name, _, shown in parts if name in names or shown]
    return ", ".join(f"{names.get(name, name)}={shown}" for name, shown in kept) or value


def quote_cells_as_written(rejects: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Show a rejected cell's text as it stands in the file, not as it was parsed."""
    rejects = rejects.copy()
    for column in set(rejects["column"]) & set(cells.columns):
        at = (rejects["column"] == column) & ~rejects["rule"].isin(ROW_RULE_COLUMNS)
        rejects.loc[at, "value"] = cells.loc[rejects.loc[at, "line_number"], column].to_numpy()
    return rejects


# What a key names besides its poll: one leader's one measure. A survey's number shared by the
# rows of several (a barometer asking of the president and the prime minister) is not a key.
KEYED_IDENTITY = {"leader": "leaders", "metric": "measures", "country": "countries"}


def _conflict_rejects(conflicting: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (_, key), group in conflicting.groupby(list(POLL_NAME), sort=False):
        differing = [c for c in group.columns if group[c].nunique(dropna=False) > 1]
        # The first lines only: a key shared by 20,000 rows (a layout's constant pollster, with
        # the days alike) gave each reject a list of all 20,000, cut to its first 300 characters.
        many = f"{len(group):,} lines: " if len(group) > LINES_SHOWN else "lines "
        reason = f"poll_key {key} on {many}{line_numbers(list(group.index))}"
        for column, plural in KEYED_IDENTITY.items():
            if column in differing:
                names = list(dict.fromkeys(group[column].astype(str)))
                reason += (
                    f", of {len(names)} {plural} ({', '.join(names)}): a key names one"
                    f" leader's measure; add the column that tells them apart to the key"
                    " ([poll_key] columns)"
                )
                break
        else:
            if "population" in differing:  # one poll's figures for two populations
                names = list(dict.fromkeys(group["population"].astype(str)))
                reason += (
                    f", of {len(names)} populations ({', '.join(names)}): a key names one"
                    f" population's figures of a poll; give each its own ({key}-{names[1]}),"
                    " or add population to the key ([poll_key] columns)"
                )
        for line in group.index:
            rows.append((line, ",".join(differing), "same_poll_key_different_values", reason))
    return pd.DataFrame(rows, columns=list(REJECT_COLUMNS))


def identities(
    together: pd.DataFrame | None,
    framed: list[tuple[int, Mapped, Checked]],
    in_arrow: list[tuple[int, Checked]],
) -> list[pd.DataFrame | pa.Table]:
    """What the batch's files would store, as (file, line_number, poll_key, identity) to check
    against the store and each other: the small files' rows cut from their batch_frame
    (`together`, of the `framed` files in that order; a frame per file would cost a
    millisecond each), a big file's Arrow table apart. `file` is each file's place in the
    batch."""
    columns = ["poll_key", *IDENTITY_COLUMNS]
    slims: list[pd.DataFrame | pa.Table] = []
    if together is not None and len(together):
        place = together.index.to_numpy() // LINE_SPAN
        line = together.index.to_numpy() % LINE_SPAN
        keep = np.ones(len(together), dtype=bool)
        for position, (_, mapped, checked) in enumerate(framed):
            if len(checked.polls) != len(mapped.polls):  # rows rejected or repeated: not stored
                dropped = mapped.polls.index.difference(checked.polls.index).to_numpy()
                keep &= ~((place == position) & np.isin(line, dropped))
        files = np.array([index for index, _, _ in framed], dtype="int64")
        slim = together[columns].reset_index(drop=True)
        slim.insert(0, "line_number", line)
        slim.insert(0, "file", files[place])
        slims.append(slim[keep])
    for index, checked in in_arrow:
        table = checked.polls.select(["line_number", *columns])
        slims.append(table.append_column("file", pa.array([index] * len(table), pa.int64())))
    return slims


def taken_in_batch(slims: list[pd.DataFrame | pa.Table], paths: dict[int, str]) -> pd.DataFrame:
    """Rows whose poll key an earlier file of the batch gives to another poll, shaped as the
    store's answer (stored_<identity>, stored_by); `paths`: each file's path by its place."""
    files = sum(s["file"].nunique() if isinstance(s, pd.DataFrame) else 1 for s in slims)
    if files < 2:
        return pd.DataFrame(columns=TAKEN_COLUMNS)
    rows = pd.concat(
        [s.to_pandas() if isinstance(s, pa.Table) else s for s in slims], ignore_index=True
    )
    # A file's polls are its own: a poll in two files is rare, and a key in two rarer still.
    if not rows["poll_key"].duplicated().any() or not rows.duplicated(list(POLL_NAME)).any():
        return pd.DataFrame(columns=TAKEN_COLUMNS)
    rows = rows.sort_values(["file", "line_number"], kind="stable")
    first = rows.drop_duplicates(list(POLL_NAME))
    owner = rows[list(POLL_NAME)].merge(first, on=list(POLL_NAME), how="left", suffixes=("", "_"))
    owner.index = rows.index
    differs = np.zeros(len(rows), dtype=bool)
    for column in IDENTITY_COLUMNS:
        differs |= (rows[column] != owner[column]).to_numpy(dtype=bool, na_value=True)
    taken = rows[differs & (rows["file"] != owner["file"]).to_numpy()]
    stored = owner.loc[taken.index]
    return taken[["file", "line_number", "poll_key"]].assign(
        **{f"stored_{c}": stored[c].to_numpy() for c in IDENTITY_COLUMNS},
        stored_by=[paths[i] for i in stored["file"]],
    )


def without_taken_keys(checked: Checked, taken: pd.DataFrame, column_names: dict) -> Checked:
    """The file's rows less those whose poll key belongs to another poll (stored, or earlier in
    the batch): each becomes a reject naming that poll and its file, since a correction may change
    a poll's values but never what it is about."""
    if taken.empty:
        return checked
    lines = taken["line_number"].astype("int64").to_numpy()
    polls = checked.polls
    if isinstance(polls, Staged):
        polls = polls.without(lines.tolist())
    elif isinstance(polls, pa.Table):
        keep = pc.invert(pc.is_in(polls["line_number"], pa.array(lines, pa.int64())))
        polls = polls.filter(keep)
    else:
        polls = polls.drop(index=lines)
    owners = taken[STORED_IDENTITY].astype("str").agg(", ".join, axis=1)
    found = pd.DataFrame(
        {
            "line_number": lines,
            "column": file_columns("poll_key", column_names),
            "rule": KEY_TAKEN,
            "value": (
                taken["poll_key"].astype("str")
                + " is the key of another poll ("
                + owners
                + ") from "
                + taken["stored_by"].astype("str")
            ).to_numpy(),
        }
    )
    rejects = pd.concat([checked.rejects, found], ignore_index=True).sort_values(
        "line_number", kind="stable", ignore_index=True
    )
    return Checked(polls, rejects, checked.rows_duplicate, checked.warnings)
