"""What became of a file: the records a run collects, prints and returns as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

REJECTS_SHOWN = 20


@dataclass
class FileResult:
    """What happened to one file; the shape of each entry in `pollwatch ingest --json`."""

    path: str
    sha256: str
    source: str | None
    status: str  # loaded, partial, rejected, duplicate
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_updated: int = 0
    rows_duplicate: int = 0
    rows_skipped: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)  # the first REJECTS_SHOWN, one line each
    stored_at: str | None = None
    # False when the file could not be moved out of the inbox (its rows are stored regardless).
    filed: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Waiting:
    """A file left for a later run, and why."""

    path: str
    reason: str


def reject_dicts(rejects: pd.DataFrame, limit: int = REJECTS_SHOWN) -> list[dict]:
    """The first rejects as plain JSON-ready dicts: line (or None for the whole file), column,
    rule, value."""
    return [
        {
            "line": None if pd.isna(line) else int(line),
            "column": column,
            "rule": rule,
            "value": value,
        }
        for line, column, rule, value in rejects.head(limit).itertuples(index=False)
    ]


def file_status(stored_rows: int, rejected_rows: int) -> str:
    """loaded: nothing rejected; partial: some rows stored, some rejected; rejected: none stored."""
    if stored_rows == 0:
        return "rejected"
    return "partial" if rejected_rows else "loaded"
