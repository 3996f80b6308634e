"""`pollwatch serve` and `pollwatch trigger`: the pipeline on a schedule, and runs by hand.

serve registers three deployments with a Prefect server and runs them as they come due:
ingest-and-report/pollwatch on a cron schedule, ingest-polls/pollwatch and render-report/pollwatch
for hand runs. trigger starts a run of one of them and, if asked, follows it to its end.
Scheduling, run history, logs and artifacts are Prefect's; nothing here is a scheduler.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from datetime import UTC, datetime

import flows  # noqa: F401  (sets pollwatch's Prefect defaults before Prefect is imported)

# isort: split
from cronsim import CronSim
from prefect import get_client, serve
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
)
from prefect.deployments import run_deployment
from prefect.deployments.runner import EntrypointType

from flows.database_slot import ensure_slot
from flows.ingest import ingest_polls
from flows.pipeline import ingest_and_report
from flows.report import render_report
from pollwatch.config import Settings

DEPLOYMENT = "pollwatch"
FLOWS = {"pipeline": "ingest-and-report", "ingest": "ingest-polls", "report": "render-report"}


def deployments(settings: Settings) -> list:
    data_dir = str(settings.data_dir.resolve())
    report_dir = str(settings.report_dir.resolve())
    # paused=False: Prefect pauses served deployments when serve stops; starting again resumes.
    common = {"entrypoint_type": EntrypointType.MODULE_PATH, "tags": ["pollwatch"], "paused": False}

    return [
        ingest_and_report.to_deployment(
            DEPLOYMENT,
            cron=settings.cron,
            parameters={"data_dir": data_dir, "report_dir": report_dir},
            description="Ingest new drops, then redraw the report if the data changed.",
            **common,
        ),
        ingest_polls.to_deployment(
            DEPLOYMENT,
            parameters={"data_dir": data_dir},
            description="Ingest new drops now.",
            **common,
        ),
        render_report.to_deployment(
            DEPLOYMENT,
            parameters={"data_dir": data_dir, "out_dir": report_dir},
            description="Redraw the report now.",
            **common,
        ),
    ]


def next_run(cron: str) -> datetime:
    return next(CronSim(cron, datetime.now(UTC).replace(second=0, microsecond=0)))


def serve_deployments(settings: Settings, api_url: str) -> None:
    """Register the deployments and run them as they come due, until SIGINT or SIGTERM."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    ensure_slot()
    ui = api_url.removesuffix("/api")
    print(f"Prefect UI: {ui}  (API {api_url})", flush=True)
    print(
        f"schedule: ingest-and-report/{DEPLOYMENT} at '{settings.cron}' (UTC); next run "
        f"{next_run(settings.cron):%Y-%m-%d %H:%M} UTC",
        flush=True,
    )
    print(
        f"by hand: pollwatch trigger [pipeline|ingest|report] [--wait], or "
        f"prefect deployment run 'ingest-and-report/{DEPLOYMENT}'",
        flush=True,
    )
    serve(*deployments(settings), print_starting_message=False)


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


@dataclass
class Triggered:
    flow_run_id: str
    url: str
    state: str | None  # the final state's name when followed to the end
    message: str
    rejects: int  # rejected-row tables the run (or its sub-runs) left behind
    exit_code: int


def trigger(which: str, api_url: str, wait: bool, timeout: float | None = None) -> Triggered:
    """Start a run of a served deployment; with `wait`, follow it to its end."""
    flow_run = run_deployment(
        name=f"{FLOWS[which]}/{DEPLOYMENT}", timeout=timeout if wait else 0, poll_interval=1
    )
    url = f"{api_url.removesuffix('/api')}/runs/flow-run/{flow_run.id}"
    if not wait:
        return Triggered(str(flow_run.id), url, None, "started", 0, 0)
    state = flow_run.state
    rejects = _rejects_left_by(flow_run.id)
    if state is None or not state.is_final():
        code = 3
    elif state.is_completed():
        code = 1 if rejects else 0
    else:
        code = 3
    return Triggered(
        str(flow_run.id),
        url,
        state.name if state else None,
        (state.message or "") if state else "",
        rejects,
        code,
    )


def _rejects_left_by(flow_run_id) -> int:
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id])
            )
        )
        ids = [flow_run_id, *(child.id for child in children)]
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["ingest-rejects"]),
                flow_run_id=ArtifactFilterFlowRunId(any_=ids),
            )
        )
    return len(found)
