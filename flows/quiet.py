"""Known failures end a flow run as Failed with their one-line message, not a traceback.

A busy, damaged or unwritable database, or a bad setting, is something the library already says
in one line (StoreError, ConfigError). Raised through a flow, Prefect logs it as an unexpected
exception with two chained tracebacks, about a hundred lines before the command's one-line
message; returned as the flow's Failed state, the run ends Failed with that line, and calling the
flow still raises it, so the command prints it and exits as it always did. Tasks still raise
(Prefect retries only what a task raises: ingest's retry on a busy database; and a task that
returns a Failed state leaves its flow running on to the next task), and their log line loses
the traceback instead.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TypeVar

from prefect.states import Failed

from pollwatch.config import ConfigError
from pollwatch.store import StoreError

Result = TypeVar("Result")
KNOWN = (StoreError, ConfigError)


class _WithoutTraceback(logging.Filter):
    """A task that raises a known failure is logged by Prefect with its traceback; its line
    says all there is to say."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], KNOWN):
            record.exc_info, record.exc_text = None, None
        return True


for _name in ("prefect.task_runs", "prefect.flow_runs"):
    logging.getLogger(_name).addFilter(_WithoutTraceback())


def failing_quietly(fn: Callable[..., Result]) -> Callable[..., Result]:
    @functools.wraps(fn)
    def flow_body(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KNOWN as err:
            return Failed(message=f"{type(err).__name__}: {err}", data=err)

    return flow_body
