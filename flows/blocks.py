"""The webhook block pollwatch's alerts send through: Prefect's Custom Webhook, with patience.

Prefect's automations service sends each message from the server's own process. A send that
fails there is tried again at once, four times within a second, and then put in the server's
dead-letter folder: an outage of a minute loses the message. This block waits and tries again
(`retry_seconds`: after 5 s, 30 s and 2 min), says each failure in the server's log, and at the
end gives up with a NotificationError, which Prefect records as a failed action (the event
`prefect.automation.action.failed`, in the UI's event feed, naming the automation) instead of
trying at once again.

The server finds this class through pollwatch's `prefect.collections` entry point
(pyproject.toml), as it finds any Prefect collection's blocks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import urlsplit

from prefect._internal.compatibility.async_dispatch import async_dispatch
from prefect.blocks.abstract import NotificationError
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from pydantic import Field

log = logging.getLogger("pollwatch.alerts")

RETRY_SECONDS = [5.0, 30.0, 120.0]


class PollwatchWebhook(CustomWebhookNotificationBlock):
    """A Custom Webhook that waits and tries again before it gives up."""

    _block_type_name = "Pollwatch Webhook"
    _block_type_slug = "pollwatch-webhook"

    retry_seconds: list[float] = Field(
        default_factory=lambda: list(RETRY_SECONDS),
        description="How long to wait before each further try of a send that failed.",
    )

    async def anotify(self, body: str, subject: str | None = None) -> None:
        for pause in [*self.retry_seconds, None]:
            try:
                await CustomWebhookNotificationBlock.anotify(self, body, subject)
                return
            except Exception as err:
                self._failed(subject, body, err, pause)
            await asyncio.sleep(pause)

    @async_dispatch(anotify)
    def notify(self, body: str, subject: str | None = None) -> None:
        for pause in [*self.retry_seconds, None]:
            try:
                CustomWebhookNotificationBlock.notify(self, body, subject, _sync=True)
                return
            except Exception as err:
                self._failed(subject, body, err, pause)
            time.sleep(pause)

    def _failed(self, subject: str | None, body: str, err: Exception, pause: float | None) -> None:
        """Say a try failed; after the last one (no `pause` left), give up: NotificationError."""
        parts = urlsplit(str(self.secrets.get_secret_value().get("webhook_url", self.url)))
        where = f"{parts.scheme}://{parts.netloc}"
        if pause is not None:
            log.warning(
                "pollwatch alert %r to %s failed (%s): trying again in %g s",
                subject,
                where,
                err,
                pause,
            )
            return
        said = (
            f"pollwatch alert {subject!r} to {where} not sent after"
            f" {len(self.retry_seconds) + 1} tries ({err}); it said: {body[:300]!r}"
        )
        log.warning("%s", said)
        raise NotificationError(log=said) from err
