"""What became of a file: the records a run collects, prints and returns as JSON."""

from __future__ import annotations

import signal
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from pollwatch.exit_codes import EXIT_INTERRUPTED, EXIT_NOT_RUN, EXIT_OK, EXIT_REJECTS

if TYPE_CHECKING:
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
    # How many reasons were given in all (a row can have several): "... and 81 more" said 15,
    # counting on from the REJECTS_SHOWN kept above.
    reject_reasons: int = 0
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


ROW_COUNTS = (
    "rows_read",
    "rows_loaded",
    "rows_rejected",
    "rows_updated",
    "rows_duplicate",
    "rows_skipped",
)
STATUSES = ("loaded", "partial", "rejected", "duplicate")


@dataclass
class RunSummary:
    run_id: str | None  # None when nothing was ready and no run was started
    started_at: datetime
    finished_at: datetime
    files: list[FileResult]
    waiting: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    # The signal that stopped the run part way (SIGINT, SIGTERM), if one did.
    interrupted_by: str | None = None
    # Earlier Prefect flow runs found dead when this run began (their process was killed), for
    # the flow to record as crashed in Prefect too.
    crashed_flow_runs: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        totals = {"files": len(self.files)}
        totals |= {status: sum(r.status == status for r in self.files) for status in STATUSES}
        totals |= {name: sum(getattr(r, name) for r in self.files) for name in ROW_COUNTS}
        return totals

    @property
    def changed_rows(self) -> int:
        """Rows this run added or corrected: what a report would show differently."""
        return sum(r.rows_loaded + r.rows_updated for r in self.files)

    @property
    def exit_code(self) -> int:
        """130 (143 for SIGTERM) if the run was interrupted, else 3 if a file could not be moved
        out of the inbox (its rows are stored), else 1 if anything was rejected, else 0."""
        if self.interrupted_by is not None:
            return interrupted_exit_code(self.interrupted_by)
        if not all(r.filed for r in self.files):
            return EXIT_NOT_RUN
        if any(r.status in ("partial", "rejected") for r in self.files):
            return EXIT_REJECTS
        return EXIT_OK

    def as_dict(self) -> dict:
        """The object `pollwatch ingest --json` prints."""
        return {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat() + "Z",
            "finished_at": self.finished_at.isoformat() + "Z",
            "exit_code": self.exit_code,
            "interrupted_by": self.interrupted_by,
            "files": [r.as_dict() for r in self.files],
            "waiting": [{"path": p, "reason": why} for p, why in self.waiting],
            "ignored": [{"path": p, "reason": why} for p, why in self.ignored],
            "totals": self.totals,
        }


def interrupted_exit_code(signal_name: str) -> int:
    """128 + the signal's number, as shells report a process a signal stopped: 130 for Ctrl-C."""
    number = getattr(signal.Signals, signal_name, signal.SIGINT)
    return EXIT_INTERRUPTED - signal.SIGINT + number


def reject_dicts(rejects: pd.DataFrame, limit: int = REJECTS_SHOWN) -> list[dict]:
    """The first rejects as plain JSON-ready dicts: line (or None for the whole file), column,
    rule, value."""
    if rejects.empty:  # most files: itertuples costs a millisecond even on no rows
        return []
    return [
        {
            "line": None if is_missing(line) else int(line),
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


def is_missing(value: object) -> bool:
    """None or NaN (how a frame holds a line number a whole-file reject does not have)."""
    return value is None or (isinstance(value, float) and value != value)
