"""An ingest run: the files it took, what became of each, and the totals and exit code.

`run_ingest` is the whole run as plain Python, for tests, benchmarks and scripts; the Prefect
flow calls the same steps (`begin_run`, `ingest_file`, `end_run`) as tasks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pollwatch import store
from pollwatch.config import Settings, require_data_dir
from pollwatch.discover import Discovery
from pollwatch.exit_codes import EXIT_NOT_RUN, EXIT_OK, EXIT_REJECTS  # noqa: E402
from pollwatch.ingest import batches, ingest_batch, plan_files
from pollwatch.results import FileResult, Waiting

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
    run_id: str
    started_at: datetime
    finished_at: datetime
    files: list[FileResult]
    waiting: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)

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
        """3 if a file could not be moved out of the inbox (its rows are stored), else 1 if
        anything was rejected, else 0."""
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
            "files": [r.as_dict() for r in self.files],
            "waiting": [{"path": p, "reason": why} for p, why in self.waiting],
            "ignored": [{"path": p, "reason": why} for p, why in self.ignored],
            "totals": self.totals,
        }


def new_run_id() -> str:
    return str(uuid.uuid4())


def begin_run(settings: Settings, run_id: str, trigger: str) -> datetime:
    require_data_dir(settings)
    with store.open_store(settings.db_path, settings.lock_timeout_seconds) as con:
        store.start_run(con, run_id, trigger)
    return store.utc_now()


def end_run(
    settings: Settings,
    run_id: str,
    started_at: datetime,
    results: list[FileResult | Waiting | None],
    plan: Discovery,
) -> RunSummary:
    summary = RunSummary(
        run_id=run_id,
        started_at=started_at,
        finished_at=store.utc_now(),
        files=[r for r in results if isinstance(r, FileResult)],
        waiting=[(str(p), why) for p, why in plan.waiting]
        + [(r.path, r.reason) for r in results if isinstance(r, Waiting)],
        ignored=[(str(p), why) for p, why in plan.ignored],
    )
    status = {EXIT_OK: "ok", EXIT_REJECTS: "rejects"}.get(summary.exit_code, "not_filed")
    with store.open_store(settings.db_path, settings.lock_timeout_seconds) as con:
        store.finish_run(con, run_id, status, summary.totals)
    return summary


def run_ingest(
    paths: list[Path],
    settings: Settings,
    run_id: str | None = None,
    trigger: str = "library",
    layout: str | None = None,
) -> RunSummary:

    run_id = run_id or new_run_id()
    started_at = begin_run(settings, run_id, trigger)
    plan = plan_files(paths, settings)
    results = [
        r for batch in batches(plan.ready) for r in ingest_batch(batch, settings, run_id, layout)
    ]
    return end_run(settings, run_id, started_at, results, plan)
