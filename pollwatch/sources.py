"""Map a raw table of text cells to canonical poll rows.

The canonical layout (a header of canonical column names) is the first source layout. Mapping
parses each column's text into its type and records every cell that does not parse, so a bad cell
costs its row and nothing else. Validation of the typed rows is the poll model's job, not this one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from pollwatch import values
from pollwatch.rawcsv import RawTable, UnreadableFile
from schemas.polls import (
    CANONICAL_COLUMNS,
    CATEGORY_COLUMNS,
    REJECT_COLUMNS,
    REQUIRED_COLUMNS,
    SHARE_COLUMNS,
    TEXT_COLUMNS,
)

CANONICAL_SOURCE = "canonical"
# The fields that make two rows the same poll when a source has no id of its own.
POLL_KEY_FIELDS = ("pollster", "leader", "metric", "population", "fieldwork_start", "fieldwork_end")
DEFAULTS = {"population": "unknown", "mode": "unknown"}

PARSERS: dict[str, Callable[[pd.Series], values.Parsed]] = {
    **{name: values.parse_text for name in TEXT_COLUMNS},
    **{name: values.parse_category for name in CATEGORY_COLUMNS},
    **{name: values.parse_number for name in SHARE_COLUMNS},
    "country": values.parse_country,
    "fieldwork_start": values.parse_date,
    "fieldwork_end": lambda raw: values.parse_date(raw, period_end=True),
    "published": lambda raw: values.parse_date(raw, period_end=True),
    "sample_size": values.parse_whole_number,
    "tracking": values.parse_bool,
}


@dataclass
class Mapped:
    """Typed canonical rows (index: source line) and the cells that could not be read."""

    source_name: str
    polls: pd.DataFrame
    rejects: pd.DataFrame
    cells: pd.DataFrame  # the text as read, to quote the original value in a reject
    rows_read: int
    warnings: list[str] = field(default_factory=list)


def map_canonical(raw: RawTable) -> Mapped:
    missing = [name for name in REQUIRED_COLUMNS if name not in raw.header]
    if missing:
        raise UnreadableFile(
            f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(the header has: {', '.join(raw.header)})",
            line=raw.header_line,
            rule="missing_required_columns",
        )
    warnings = []
    extra = [name for name in raw.header if name not in CANONICAL_COLUMNS]
    if extra:
        warnings.append(
            f"ignored column{'s' if len(extra) > 1 else ''} not in the canonical "
            f"layout: {', '.join(extra)}"
        )
    cells = raw.cells
    polls = pd.DataFrame(index=cells.index)
    rejects = [_ragged_rejects(raw)]
    for name in CANONICAL_COLUMNS:
        if name not in cells.columns:
            continue
        parsed = PARSERS[name](cells[name])
        polls[name] = parsed.values
        if parsed.bad.any():
            bad_text = cells.loc[parsed.bad, name]
            rejects.append(
                pd.DataFrame(
                    {
                        "line_number": bad_text.index,
                        "column": name,
                        "rule": parsed.rule,
                        "value": bad_text.to_numpy(),
                    }
                )
            )
    _fill_defaults(polls, cells)
    polls["poll_key"] = polls["poll_key"].fillna(derive_poll_keys(polls))
    rejects_frame = pd.concat(rejects, ignore_index=True)
    return Mapped(
        CANONICAL_SOURCE,
        polls[list(CANONICAL_COLUMNS)],
        rejects_frame,
        cells,
        raw.rows_read,
        warnings,
    )


def _fill_defaults(polls: pd.DataFrame, cells: pd.DataFrame) -> None:
    """Give absent optional columns their defaults and let a month-only date fill its partner."""
    for name in CANONICAL_COLUMNS:
        if name not in polls:
            parsed = PARSERS[name](pd.Series("", index=polls.index, dtype="str"))
            polls[name] = parsed.values
    for name, default in DEFAULTS.items():
        polls[name] = polls[name].fillna(default)
    if "fieldwork_start" in cells and "fieldwork_end" in cells:
        start_month = values.is_month_only(cells["fieldwork_start"])
        end_month = values.is_month_only(cells["fieldwork_end"])
        end_empty = values.clean_text(cells["fieldwork_end"]).isna()
        start_empty = values.clean_text(cells["fieldwork_start"]).isna()
        month_end = values.parse_date(cells["fieldwork_start"], period_end=True).values
        month_start = values.parse_date(cells["fieldwork_end"]).values
        polls.loc[start_month & end_empty, "fieldwork_end"] = month_end
        polls.loc[end_month & start_empty, "fieldwork_start"] = month_start


def derive_poll_keys(polls: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.Series:
    """A stable key for sources without poll ids: a hash of what makes a poll the same poll."""
    fields = [_key_text(polls[name]) for name in POLL_KEY_FIELDS + extra]
    joined = fields[0].str.cat(fields[1:], sep="|")
    return joined.map(lambda text: "pw-" + hashlib.sha256(text.encode()).hexdigest()[:20])


def _key_text(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").fillna("")
    return column.astype("str").str.lower().fillna("")


def _ragged_rejects(raw: RawTable) -> pd.DataFrame:
    width = len(raw.header)
    rows = [
        (line, "", "wrong_field_count", f"{count} fields where the header has {width}")
        for line, count in raw.ragged
    ]
    return pd.DataFrame(rows, columns=list(REJECT_COLUMNS))
