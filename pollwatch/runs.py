"""An ingest run: the files it took, what became of each, and the totals and exit code.

`run_ingest` is the whole run as plain Python, for tests, benchmarks and scripts; the Prefect
flow calls the same steps (`begin_run`, `ingest_file`, `end_run`) as tasks.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from pollwatch import store
from pollwatch.config import Settings, require_data_dir
from pollwatch.discover import Discovery
from pollwatch.exit_codes import EXIT_OK, EXIT_REJECTS
from pollwatch.ingest import batches, ingest_batch, plan_files
from pollwatch.results import FileResult, RunSummary, Waiting


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
