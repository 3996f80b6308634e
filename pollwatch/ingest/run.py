"""An ingest run, the one sequence every caller takes: record the run, find the files, ingest
them batch by batch, record how it ended.

The command line calls `run_ingest` directly; the Prefect flow calls it too, handing in its task
as the batch step so that each batch shows in the UI. A run that is stopped part way (Ctrl-C,
SIGTERM, Prefect cancelling it) keeps every file it committed, leaves the rest in the inbox, is
recorded as interrupted, and raises `RunInterrupted` with the summary of what it did.
"""

from __future__ import annotations

import logging
import signal
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from pollwatch.config import Settings, require_data_dir
from pollwatch.exit_codes import EXIT_OK, EXIT_REJECTS
from pollwatch.ingest.batch import ingest_batch
from pollwatch.ingest.discover import Discovery, is_inside
from pollwatch.ingest.messages import interrupted_line
from pollwatch.ingest.outcomes import FileResult, RunSummary, Waiting
from pollwatch.ingest.planning import batches, plan_files
from pollwatch.ingest.streamed import STAGING
from pollwatch.processes import clear_abandoned
from pollwatch.store import Store, StoreError, open_store, utc_now

log = logging.getLogger("pollwatch.runs")
files_log = logging.getLogger("pollwatch.ingest")  # lines the run's printed summary repeats
progress = logging.getLogger("pollwatch.progress")

BatchStep = Callable[
    [list[Path], Store, Settings, str, str | None], list[FileResult | Waiting | None]
]


class RunInterrupted(BaseException):  # noqa: N818  (a stop, like KeyboardInterrupt, not an error)
    """The run was stopped by a signal; `summary` says what it had committed by then.

    A BaseException, as KeyboardInterrupt is, so that no `except Exception` swallows the stop.
    """

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(f"ingest run {summary.run_id} interrupted by {summary.interrupted_by}")
        self.summary = summary


def new_run_id() -> str:
    return str(uuid.uuid4())


def run_ingest(
    paths: list[Path],
    settings: Settings,
    run_id: str | None = None,
    trigger: str = "library",
    layout: str | None = None,
    ingest_step: BatchStep = ingest_batch,
) -> RunSummary:
    """Ingest the given files, or every settled new file in the inbox: the steps in order,
    `ingest_step` taking each batch (the library's own, or a Prefect task around it)."""
    require_data_dir(settings)
    store = open_store(settings)
    run_id = run_id or new_run_id()
    started_at = utc_now()
    try:
        crashed_flow_runs = begin_run(store, run_id, trigger)
    except Exception:
        raise  # the store's error (its lock, say): no run was recorded to record as failed
    except BaseException as stop:  # a stop while the run was being recorded is a stop too
        _stopped(store, settings, run_id, started_at, stop)
    clear_abandoned(settings.data_dir, STAGING)
    try:
        plan = plan_files(paths, settings)
        log_plan(plan)
        results: list[FileResult | Waiting | None] = []
        done = 0
        for batch in batches(plan.ready):
            progress.info("%s", _progress_line(batch, done, len(plan.ready)))
            results += ingest_step(batch, store, settings, run_id, layout)
            done += len(batch)
    except Exception:
        _finish_quietly(store, run_id, "failed", {})
        raise
    except BaseException as stop:
        _stopped(store, settings, run_id, started_at, stop)
    summary = end_run(store, run_id, started_at, results, plan)
    summary.crashed_flow_runs = crashed_flow_runs
    return summary


def begin_run(store: Store, run_id: str, trigger: str) -> list[str]:
    """Record the run; the store first records as crashed the earlier runs whose process died.
    Returns the ids of those that were Prefect flow runs, for the flow to close there."""
    dead = store.start_run(run_id, trigger)
    for dead_id, _ in dead:
        log.warning("run %s ended without saying how (its process was killed): crashed", dead_id)
    return [dead_id for dead_id, how in dead if how == "prefect"]


def _stopped(
    store: Store, settings: Settings, run_id: str, started_at: datetime, stop: BaseException
) -> NoReturn:
    """A stop (Ctrl-C, SIGTERM, a cancellation) wherever it landed in a run, even while the run
    was being recorded: the run is recorded as interrupted and the stop raised with its summary,
    so that `--json` still prints one. A stop in the run's first bookkeeping (a new database's
    tables, a slow disk) once ended the command with no summary and the run left "running",
    for the next run to call crashed."""
    summary = interrupted_summary(store, settings, run_id, started_at, signal_name(stop))
    files_log.warning("%s", interrupted_line(summary))
    raise RunInterrupted(summary) from stop


def log_plan(plan: Discovery) -> None:
    files_log.info("%d file(s) to ingest", len(plan.ready))
    for path, reason in plan.waiting:
        files_log.info("waiting: %s: %s", path, reason)
    for path, reason in plan.ignored:
        files_log.warning("ignored: %s: %s", path, reason)


def _progress_line(batch: list[Path], done: int, total: int) -> str:
    if len(batch) == 1:
        return f"ingesting {batch[0]} ({done + 1} of {total})"
    return f"ingesting files {done + 1}-{done + len(batch)} of {total}, from {batch[0]}"


def end_run(
    store: Store,
    run_id: str,
    started_at: datetime,
    results: list[FileResult | Waiting | None],
    plan: Discovery,
) -> RunSummary:
    summary = RunSummary(
        run_id=run_id,
        started_at=started_at,
        finished_at=utc_now(),
        files=[r for r in results if isinstance(r, FileResult)],
        waiting=[(str(p), why) for p, why in plan.waiting]
        + [(r.path, r.reason) for r in results if isinstance(r, Waiting)],
        ignored=[(str(p), why) for p, why in plan.ignored],
    )
    status = {EXIT_OK: "ok", EXIT_REJECTS: "rejects"}.get(summary.exit_code, "not_filed")
    store.finish_run(run_id, status, summary.totals)
    return summary


def idle_run(plan: Discovery) -> RunSummary:
    """What a run with nothing ready to take says, without recording a run."""
    now = utc_now()
    return RunSummary(
        run_id=None,
        started_at=now,
        finished_at=now,
        files=[],
        waiting=[(str(p), why) for p, why in plan.waiting],
        ignored=[(str(p), why) for p, why in plan.ignored],
    )


def signal_name(stop: BaseException) -> str:
    """SIGINT for Ctrl-C; the signal a termination exception carries (Prefect's, ours)."""
    number = getattr(stop, "signal", None)
    if isinstance(number, int):
        try:
            return signal.Signals(number).name
        except ValueError:
            return f"signal {number}"
    return "SIGINT" if isinstance(stop, KeyboardInterrupt) else type(stop).__name__


def interrupted_summary(
    store: Store, settings: Settings, run_id: str, started_at: datetime, stopped_by: str
) -> RunSummary:
    """What an interrupted run had done, read back from the store, which alone knows for sure
    which files committed; the run is recorded as interrupted."""
    files = [
        FileResult(
            path=f.path,
            sha256=f.sha256,
            source=f.source_name,
            status=f.status,
            rows_read=f.rows_read,
            rows_loaded=f.rows_loaded,
            rows_rejected=f.rows_rejected,
            rows_updated=f.rows_updated,
            rows_duplicate=f.rows_duplicate,
            rows_skipped=f.rows_skipped,
            message=f.message,
            stored_at=f.stored_path,
            filed=not (Path(f.path).exists() and is_inside(Path(f.path), settings.inbox)),
        )
        for f in store.files_of_run(run_id)
    ]
    summary = RunSummary(
        run_id=run_id,
        started_at=started_at,
        finished_at=utc_now(),
        files=files,
        interrupted_by=stopped_by,
    )
    _finish_quietly(store, run_id, "interrupted", summary.totals)
    return summary


def _finish_quietly(store: Store, run_id: str, status: str, totals: dict) -> None:
    """Record how a run that did not end normally ended, if the database lets us; the original
    stop or error is what the caller reports either way."""
    try:
        store.finish_run(run_id, status, totals)
    except StoreError as err:
        log.warning("could not record run %s as %s: %s", run_id, status, err)
