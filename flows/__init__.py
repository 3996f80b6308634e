"""Prefect orchestration over the pollwatch library: thin flows and tasks, no logic.

Importing this package sets the Prefect defaults pollwatch relies on, before Prefect itself is
imported, without overriding anything the user has set: ephemeral mode needs more than Prefect's
default 20 s to start its server on a small machine, runs must not phone home, and the library's
own `pollwatch` logger belongs in the run logs.
"""

import os

PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "pollwatch",
}

for _name, _value in PREFECT_DEFAULTS.items():
    os.environ.setdefault(_name, _value)
