"""render-report: poll averages, charts and the HTML report from what is stored.

Run it by itself with `python flows/report.py`, or through `pollwatch report`. It leaves a link
artifact to the report in the Prefect UI.
"""

from __future__ import annotations

from pathlib import Path

import flows  # noqa: F401  (sets pollwatch's Prefect defaults before Prefect is imported)

# isort: split
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact
from prefect.cache_policies import NO_CACHE

from pollwatch.config import Settings, load_settings
from pollwatch.report import Report, build_report


@task(name="build-report", cache_policy=NO_CACHE)
def build(settings: Settings, out_dir: Path | None) -> Report:
    report = build_report(settings, out_dir)
    get_run_logger().info(
        "report: %s (%d series, %d charts, %.1f s)",
        report.index,
        report.series,
        report.charts,
        report.seconds,
    )
    return report


@task(name="publish-report-link", cache_policy=NO_CACHE)
def publish_link(report: Report) -> None:
    create_link_artifact(
        link=report.index.resolve().as_uri(),
        link_text="Open the report",
        key="poll-report",
        description="The report this run wrote",
    )


@flow(name="render-report")
def render_report(data_dir: str | None = None, out_dir: str | None = None) -> Report:
    """Recompute every trend and chart and write the report (by default to ./reports)."""
    settings = load_settings(data_dir=data_dir)
    report = build(settings, Path(out_dir) if out_dir else None)
    publish_link(report)
    return report


if __name__ == "__main__":
    print(render_report().index)
