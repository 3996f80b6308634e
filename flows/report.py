"""render-report: poll averages, charts and the HTML report from what is stored.

Run it by itself with `python flows/report.py`, or through `pollwatch report`. It leaves a link
artifact to the report and a summary of the averages that moved and the series gone quiet, and
warns in its log about each series without a recent poll.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import flows  # noqa: F401  (sets pollwatch's Prefect defaults before Prefect is imported)

# isort: split
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.events import announce
from flows.quiet import failing_quietly
from pollwatch.alerts.notices import move_notice
from pollwatch.config import Settings, load_settings
from pollwatch.model.as_of_day import as_of_day
from pollwatch.publish.report import Report, build_report
from pollwatch.publish.summary import report_line, report_markdown


@task(name="build-report", cache_policy=NO_CACHE)
def build(settings: Settings, out_dir: Path | None, as_of: date | None = None) -> Report:
    report = build_report(settings, out_dir, as_of)
    logger = get_run_logger()
    logger.info("%s", report_line(report))  # as `pollwatch report` says it
    for stale in report.stale:
        logger.warning(
            "no new poll on %s (%s) for %d days, more than %d: newest fieldwork %s",
            stale["leader"],
            stale["metric"],
            stale["age"],
            settings.stale_days,
            stale["newest"],
        )
    return report


@task(name="publish-report", cache_policy=NO_CACHE)
def publish(report: Report, settings: Settings) -> None:
    create_link_artifact(
        link=report.index.resolve().as_uri(),
        link_text="Open the report",
        key="poll-report",
        description="The report this run wrote",
    )
    create_markdown_artifact(
        markdown=report_markdown(report, settings.move_points, settings.stale_days),
        key="report-summary",
        description="Averages that moved, series without recent polls",
    )


@flow(name="render-report")
@failing_quietly
def render_report(
    data_dir: str | None = None, out_dir: str | None = None, as_of: str | None = None
) -> Report:
    """Recompute every trend and chart and write the report (by default to ./reports); with
    `as_of` (YYYY-MM-DD), the report as it stood that day (to ./reports-as-of-<day>): read as
    `pollwatch report --as-of` reads it, so a day still to come fails the run in one line."""
    settings = load_settings(data_dir=data_dir)
    day = as_of_day(as_of, date.today()) if as_of else None
    report = build(settings, Path(out_dir) if out_dir else None, day)
    publish(report, settings)
    if day is None:  # a report as it stood on a past day moves nothing
        announce([move_notice(report.moved, settings.move_points)], settings, report.index.parent)
    return report


if __name__ == "__main__":
    with flows.without_heartbeats():
        print(render_report().index)
