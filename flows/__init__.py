"""Prefect orchestration over the pollwatch library: thin flows and tasks, no logic.

Importing this package sets the Prefect defaults pollwatch relies on, before Prefect itself is
imported, without overriding anything the user has set: ephemeral mode (a flow file run by itself
with no server) needs more than Prefect's default 20 s to start its server on a small machine,
runs must not phone home, and the library's own `pollwatch` logger belongs in the run logs.
"""

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "pollwatch",
    # The library logs outside flow runs too (a command run directly); those lines are not lost,
    # they just have no run to be sent to.
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
}

for _name, _value in PREFECT_DEFAULTS.items():
    os.environ.setdefault(_name, _value)

# Prefect gives its extra loggers its handlers but no level: without one, the library's INFO lines
# (a line per file, "waiting for the database") would never reach a run's log.
logging.getLogger("pollwatch").setLevel(os.environ.get("PREFECT_LOGGING_LEVEL", "INFO").upper())


@contextmanager
def without_heartbeats() -> Iterator[None]:
    """Flow runs without Prefect's heartbeat thread, unless PREFECT_FLOWS_HEARTBEAT_FREQUENCY asks
    for one. Heartbeats only serve a zombie-detection automation, which pollwatch does not set up;
    `pollwatch serve`'s runner sees a dead run's process itself. And the thread sleeps in whole
    seconds, so joining it adds 0.5-1 s to the end of every flow and subflow (measured: an ingest
    flow run 1.43 s with it, 0.67 s without). A setting cannot say "none" through the environment,
    hence this context."""
    if "PREFECT_FLOWS_HEARTBEAT_FREQUENCY" in os.environ:
        yield
        return
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
