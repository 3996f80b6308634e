"""Notices out as Prefect events, for automations to turn into messages (flows/alerts.py).

Each event is about a pollwatch resource (the run, the report, the check) and, sent from inside
a flow run, Prefect relates it to that run, its flow and deployment. Sending never fails a run:
the events client queues and sends in the background.
"""

from __future__ import annotations

import logging
from pathlib import Path

from prefect.events import emit_event
from prefect.runtime import flow_run

from pollwatch.alerts.notices import Links, Notice
from pollwatch.config import Settings, report_url

log = logging.getLogger("pollwatch.alerts")


def announce(
    notices: list[Notice | None], settings: Settings, report_dir: Path | None = None
) -> None:
    """Send each notice, linking the report (in `report_dir`, default the settings') and the
    flow run sending it."""
    links = Links(report=f"{report_url(settings, report_dir)}/index.html", run=flow_run.ui_url)
    for notice in notices:
        if notice is None:
            continue
        try:
            emit_event(
                event=notice.event,
                resource={
                    "prefect.resource.id": notice.about,
                    "prefect.resource.name": notice.about.removeprefix("pollwatch."),
                    "pollwatch.data-dir": str(settings.data_dir.resolve()),
                },
                payload=notice.payload(links),
            )
        except Exception as err:  # a notice lost is not worth a failed run: say so and go on
            log.warning("could not send the event %s: %s", notice.event, err)
