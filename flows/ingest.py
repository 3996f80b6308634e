"""ingest-polls: take every new poll file from the inbox into the store.

Each file is hashed, mapped to canonical rows, validated and loaded in one transaction, then
archived (all rows stored) or quarantined (with its rejected lines and the reasons). The run ends
with a markdown summary and a table of rejected rows as artifacts in the Prefect UI.

Run it by itself with `python flows/ingest.py [PATH ...]`, or through `pollwatch ingest`.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import flows  # noqa: F401  (sets pollwatch's Prefect defaults before Prefect is imported)

# isort: split
from prefect import flow, get_client, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import ObjectNotFound
from prefect.runtime import flow_run, task_run
from prefect.states import Crashed

from flows.events import announce
from flows.quiet import failing_quietly
from pollwatch.alerts.notices import run_notices
from pollwatch.config import Settings, load_settings
from pollwatch.ingest import messages
from pollwatch.ingest.batch import ingest_batch
from pollwatch.ingest.outcomes import FileResult, RunSummary, Waiting
from pollwatch.ingest.run import run_ingest
from pollwatch.store import Store, StoreBusy


def only_when_the_database_was_busy(task, task_run, state) -> bool:
    """Retry when another process held the database, never for bad data."""
    try:
        state.result()
    except StoreBusy:
        return True
    except Exception:
        return False
    return False


def batch_name() -> str:
    paths = task_run.parameters["paths"]
    more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
    return f"ingest {paths[0].name}{more}"


@task(
    name="ingest-files",
    task_run_name=batch_name,
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=[10, 30],
    retry_condition_fn=only_when_the_database_was_busy,
)
def ingest_files(
    paths: list[Path], store: Store, settings: Settings, run_id: str, layout: str | None = None
) -> list[FileResult | Waiting | None]:
    """A batch of files, each in its own transaction. (A retry after a busy database finds the
    files it had done already known.)"""
    return ingest_batch(paths, store, settings, run_id, layout)


@task(name="close-crashed-runs", cache_policy=NO_CACHE)
def close_crashed_runs(flow_run_ids: list[str]) -> None:
    """Earlier runs killed outright (the store found their process gone) leave Running runs in
    Prefect, with nothing left to end them: record them as crashed."""
    with get_client(sync_client=True) as client:
        for flow_run_id in flow_run_ids:
            with contextlib.suppress(ObjectNotFound):
                if not client.read_flow_run(flow_run_id).state.is_final():
                    client.set_flow_run_state(
                        flow_run_id,
                        Crashed(message="Its process was killed before the run could say so."),
                        force=True,
                    )


@task(name="publish-summary", cache_policy=NO_CACHE)
def publish_summary(run: RunSummary) -> None:
    create_markdown_artifact(
        markdown=messages.run_markdown(run),
        key="ingest-summary",
        description="What the last ingest run did, file by file",
    )
    rejected = messages.rejects_table(run)
    if rejected:
        create_table_artifact(
            table=rejected,
            key="ingest-rejects",
            description="Rows rejected by the last ingest run, with reasons",
        )


@flow(name="ingest-polls")
@failing_quietly
def ingest_polls(
    paths: list[str] | None = None,
    data_dir: str | None = None,
    layout: str | None = None,
    report_dir: str | None = None,
) -> RunSummary:
    """Ingest the given files, or every settled new file in the inbox; `layout` names the source
    layout of all of them (default: each file's folder, else its header, decides). `report_dir`:
    where the report is, for the links in the run's alerts (default: the settings')."""
    settings = load_settings(data_dir=data_dir)
    run = run_ingest(
        [Path(p) for p in paths or []],
        settings,
        run_id=str(flow_run.id) if flow_run.id else None,
        trigger="prefect",
        layout=layout,
        ingest_step=ingest_files,
    )
    if run.crashed_flow_runs:
        close_crashed_runs(run.crashed_flow_runs)
    publish_summary(run)
    announce(run_notices(run, settings), settings, Path(report_dir) if report_dir else None)
    return run


if __name__ == "__main__":
    with flows.without_heartbeats():
        sys.exit(ingest_polls(paths=sys.argv[1:]).exit_code)
