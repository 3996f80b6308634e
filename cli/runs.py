"""How a command that runs a pipeline runs it: as a Prefect flow run when a server is there to
record it, else directly with the library's log on stderr; and stopped by SIGTERM as cleanly as
by Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from cli.options import fail
from pollwatch.config import Settings
from pollwatch.exit_codes import EXIT_INTERRUPTED
from pollwatch.ingest.signals import stops_kept

log = logging.getLogger("pollwatch.cli")


class Terminated(KeyboardInterrupt):  # noqa: N818  (a stop, as KeyboardInterrupt is)
    """SIGTERM, raised where the program is, so a run stops as cleanly as on Ctrl-C. A kind of
    KeyboardInterrupt because DuckDB cancels a running query early only for that (often at
    once, sometimes still at its end): any other exception waited for the query's end, and a
    5-million-row file reads for half a minute, longer than a service manager waits before
    SIGKILL."""

    signal = signal.SIGTERM


@contextmanager
def interruptible(
    unchanged: str = "interrupted before anything was stored; the inbox is as it was",
) -> Iterator[None]:
    """SIGTERM stops the work as Ctrl-C does; a stop that left nothing changed says so."""

    def terminate(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        with stops_kept():  # a stop inside a DuckDB query is still a stop
            yield
    except KeyboardInterrupt as stop:  # Ctrl-C, or Terminated
        code = 128 + stop.signal if isinstance(stop, Terminated) else EXIT_INTERRUPTED
        fail(unchanged, code)
    finally:
        signal.signal(signal.SIGTERM, previous)


def use_prefect(settings: Settings) -> bool:
    """Run as a Prefect flow when a server is there to record it; else directly, saying how to
    get runs into the Prefect UI. The library's log goes to stderr either way."""
    from flows.server import find_server

    server = find_server(settings.prefect_home)
    if server is not None and server.reachable:
        os.environ["PREFECT_API_URL"] = server.api_url
        return True
    _log_library_to_stderr()
    if server is not None:
        log.warning(
            "the Prefect server at %s (from %s) does not answer: running without it, recorded in "
            "the store only (`pollwatch status`)",
            server.api_url,
            server.source,
        )
    else:
        log.info(
            "no Prefect server running: this run is recorded in the store (`pollwatch status`); "
            "to see runs in the Prefect UI, start `pollwatch serve` or set PREFECT_API_URL"
        )
    return False


def _log_library_to_stderr() -> None:
    """What a person at the command should see as it happens: waits for the database, warnings,
    and on a terminal a progress line; the per-file lines come in the summary at the end."""
    library = logging.getLogger("pollwatch")
    if any(getattr(h, "pollwatch_cli", False) for h in library.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.pollwatch_cli = True
    handler.setFormatter(logging.Formatter("pollwatch: %(message)s"))
    handler.addFilter(_shown_on_stderr)
    library.addHandler(handler)
    library.setLevel(logging.INFO)


def _shown_on_stderr(record: logging.LogRecord) -> bool:
    if record.name == "pollwatch.progress":
        return sys.stderr.isatty()
    if record.name == "pollwatch.ingest":  # the summary printed at the end says the same
        return False
    return record.levelno >= logging.WARNING or record.name in ("pollwatch.cli", "pollwatch.store")
