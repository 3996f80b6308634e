"""ingest-and-report: the whole pipeline, as scheduled runs and `make run` use it.

1. ingest-polls takes every new file from the inbox into the store;
2. render-report redraws the report, if the data changed (or there is none yet).

Each runs as a subflow named after the pipeline's run (`crafty-lemur/ingest-polls`): in the UI
it reads as the pipeline's part, and a `failed` alert (flows/alerts.py) skips such runs, since
their failure is the pipeline's and one message tells it.

Run it by itself with `python flows/pipeline.py`.
"""

from __future__ import annotations

import sys

import flows  # noqa: F401  (sets pollwatch's Prefect defaults before Prefect is imported)

# isort: split
from prefect import flow
from prefect.runtime import flow_run

from flows.ingest import ingest_polls
from flows.quiet import failing_quietly
from flows.report import render_report
from pollwatch.config import load_settings
from pollwatch.ingest.outcomes import RunSummary
from pollwatch.publish.report import Report, needs_report


@flow(name="ingest-and-report")
@failing_quietly
def ingest_and_report(
    data_dir: str | None = None, report_dir: str | None = None
) -> tuple[RunSummary, Report | None]:
    """Ingest new drops, then render the report when the data changed."""
    run = _part(ingest_polls)(data_dir=data_dir, report_dir=report_dir)
    report = None
    if needs_report(run.changed_rows, load_settings(data_dir=data_dir, report_dir=report_dir)):
        report = _part(render_report)(data_dir=data_dir, out_dir=report_dir)
    return run, report


def _part(subflow):
    """The subflow, its run named after this pipeline run's (a callable, not a template: a run
    name is not formatted with the parameters)."""
    name = f"{flow_run.name}/{subflow.name}"
    return subflow.with_options(flow_run_name=lambda: name)


if __name__ == "__main__":
    from pollwatch.ingest.messages import run_text

    with flows.without_heartbeats():
        run, report = ingest_and_report()
    print(run_text(run))
    index = load_settings().report_dir / "index.html"
    print(f"report: {index}" + ("" if report else " (unchanged: no new data)"))

    sys.exit(run.exit_code)
