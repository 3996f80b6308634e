"""ingest-polls: take every new poll file from the inbox into the store.

Each file is hashed, mapped to canonical rows, validated and loaded in one transaction, then
archived (all rows stored) or quarantined (with its rejected lines and the reasons). The run ends
with a markdown summary and a table of rejected rows as artifacts in the Prefect UI.

Run it by itself with `python flows/ingest.py [PATH ...]`, or through `pollwatch ingest`.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import flows  # noqa: F401  (sets pollwatch's Prefect defaults before Prefect is imported)

# isort: split
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.database_slot import database_slot
from pollwatch import ingest, runs, summary
from pollwatch.config import Settings, load_settings
from pollwatch.discover import Discovery
from pollwatch.results import FileResult, RunSummary, Waiting
from pollwatch.store import StoreBusy


@task(name="begin-run", cache_policy=NO_CACHE)
def begin_run(settings: Settings, run_id: str) -> datetime:
    return runs.begin_run(settings, run_id, trigger="prefect")


@task(name="find-new-files", cache_policy=NO_CACHE)
def find_new_files(paths: list[Path], settings: Settings) -> Discovery:
    plan = ingest.plan_files(paths, settings)
    logger = get_run_logger()
    logger.info("%d file(s) to ingest", len(plan.ready))
    for path, reason in plan.waiting:
        logger.info("waiting: %s: %s", path, reason)
    for path, reason in plan.ignored:
        logger.warning("ignored: %s: %s", path, reason)
    return plan


def only_when_the_database_was_busy(task, task_run, state) -> bool:
    """Retry when another process held the database, never for bad data."""
    try:
        state.result()
    except StoreBusy:
        return True
    except Exception:
        return False
    return False


@task(
    name="ingest-files",
    task_run_name="ingest {paths[0].name} and {extra} more",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=[10, 30],
    retry_condition_fn=only_when_the_database_was_busy,
)
def ingest_files(
    paths: list[Path], extra: int, settings: Settings, run_id: str, layout: str | None = None
) -> list[FileResult | Waiting | None]:
    """A batch of files on one database connection, each in its own transaction; a line in the
    log for each. (A retry after a busy database finds the files it had done already known.)"""
    results = ingest.ingest_batch(paths, settings, run_id, layout)
    logger = get_run_logger()
    for path, result in zip(paths, results, strict=True):
        if result is None:
            logger.info("%s is gone: another run took it", path)
        elif isinstance(result, Waiting):
            logger.info("waiting: %s: %s", result.path, result.reason)
        else:
            logger.info(summary.file_line(result))
            for warning in result.warnings:
                logger.warning("%s: %s", summary.shown(result.path), warning)
            for reject in result.rejects:
                logger.warning(summary.describe_reject(result.path, reject))
    return results


@task(name="end-run", cache_policy=NO_CACHE)
def end_run(
    settings: Settings,
    run_id: str,
    started_at: datetime,
    results: list[FileResult | Waiting | None],
    plan: Discovery,
) -> RunSummary:
    return runs.end_run(settings, run_id, started_at, results, plan)


@task(name="publish-summary", cache_policy=NO_CACHE)
def publish_summary(run: RunSummary) -> None:
    create_markdown_artifact(
        markdown=summary.run_markdown(run),
        key="ingest-summary",
        description="What the last ingest run did, file by file",
    )
    rejected = summary.rejects_table(run)
    if rejected:
        create_table_artifact(
            table=rejected,
            key="ingest-rejects",
            description="Rows rejected by the last ingest run, with reasons",
        )


@flow(name="ingest-polls")
def ingest_polls(
    paths: list[str] | None = None, data_dir: str | None = None, layout: str | None = None
) -> RunSummary:
    """Ingest the given files, or every settled new file in the inbox; `layout` names the source
    layout of all of them (default: each file's folder, else its header, decides)."""
    settings = load_settings(data_dir=data_dir)
    run_id = str(flow_run.id) if flow_run.id else runs.new_run_id()
    with database_slot():
        started_at = begin_run(settings, run_id)
        plan = find_new_files([Path(p) for p in paths or []], settings)
        results = [
            result
            for batch in ingest.batches(plan.ready)
            for result in ingest_files(batch, len(batch) - 1, settings, run_id, layout)
        ]
        run = end_run(settings, run_id, started_at, results, plan)
    publish_summary(run)
    return run


if __name__ == "__main__":
    sys.exit(ingest_polls(paths=sys.argv[1:]).exit_code)
