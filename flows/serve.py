"""`pollwatch serve`: the pipeline on a schedule, and the deployments for runs by hand.

serve registers four deployments with a Prefect server and runs them as they come due:
ingest-and-report/pollwatch on a cron schedule, check-expected-drops/pollwatch on its own (hourly),
ingest-polls/pollwatch and render-report/pollwatch for hand runs. Scheduling, run history, logs
and artifacts are Prefect's; flows/runner.py starts the runs as they come due.
"""

from __future__ import annotations

import contextlib
import signal
from datetime import UTC, datetime

import flows  # noqa: F401  (sets pollwatch's Prefect defaults before Prefect is imported)

# isort: split
from cronsim import CronSim
from prefect import get_client
from prefect.deployments.runner import EntrypointType

from flows.check import check_expected_drops
from flows.ingest import ingest_polls
from flows.pipeline import ingest_and_report
from flows.report import render_report
from flows.runner import WarmRunner
from flows.trigger import DEPLOYMENT
from pollwatch.config import Settings


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
            parameters={"data_dir": data_dir, "report_dir": report_dir},
            description="Ingest new drops now.",
            **common,
        ),
        render_report.to_deployment(
            DEPLOYMENT,
            parameters={"data_dir": data_dir, "out_dir": report_dir},
            description="Redraw the report now.",
            **common,
        ),
        check_expected_drops.to_deployment(
            DEPLOYMENT,
            cron=settings.check_cron,
            parameters={"data_dir": data_dir},
            description="Tell of each source whose expected drop (layout cadence) is overdue.",
            **common,
        ),
    ]


def next_run(cron: str) -> datetime:
    return next(CronSim(cron, datetime.now(UTC).replace(second=0, microsecond=0)))


def serve_deployments(settings: Settings, api_url: str) -> None:
    """Register the deployments and run them as they come due, until SIGINT or SIGTERM."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    ids = [deployment.apply() for deployment in deployments(settings)]
    ui = api_url.removesuffix("/api")
    print(f"Prefect UI: {ui}  (API {api_url})", flush=True)
    print(
        f"schedule: ingest-and-report/{DEPLOYMENT} at '{settings.cron}' (UTC); next run "
        f"{next_run(settings.cron):%Y-%m-%d %H:%M} UTC",
        flush=True,
    )
    print(
        f"by hand: pollwatch trigger [pipeline|ingest|report|check] [--wait], or "
        f"prefect deployment run 'ingest-and-report/{DEPLOYMENT}'",
        flush=True,
    )
    try:
        WarmRunner(ids).run()
    finally:
        with get_client(sync_client=True) as client:
            for deployment_id in ids:  # as Prefect's runner does: no runs pile up unserved
                with contextlib.suppress(Exception):
                    client.pause_deployment(deployment_id)


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)
