"""A stop (Ctrl-C, SIGTERM) lands between files, never inside one's commit, and is a stop
wherever it lands.

DuckDB checks for signals while it runs a query, and when one arrives it raises
RuntimeError('Query interrupted') (or its InterruptException) and drops the exception the
signal's handler raised: a stop would look like a failed write, and which signal it was would be
lost. So while a file is being committed, the two signals are only noted (stops_held); when the
commit is over (a few seconds for a million rows) they are raised again, to whatever handler was
there, and the run stops as it would have. The file in progress is then committed and filed
whole. SIGKILL is never held. Elsewhere in a run (reading and checking a big file in DuckDB, a
few seconds a million rows) a stop cancels the query, at once or when it ends, and stops_kept
turns the query's error back into the stop. (DuckDB cancels a query at once only for a
KeyboardInterrupt, which is why the CLI's Terminated, for SIGTERM, is one.)
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stops_held() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers run in the main thread only; there the stop was never raised here
        return
    noted: list[int] = []
    previous = {number: signal.signal(number, lambda n, _: noted.append(n)) for number in HELD}
    try:
        yield
    finally:
        _hand_back(previous, dict.fromkeys(noted))


@contextmanager
def stops_kept() -> Iterator[None]:
    """A stop that lands inside a DuckDB query stops the block as the stop it is, with the
    exception its handler raises (KeyboardInterrupt, the CLI's Terminated), not as the query's
    error: without this, Ctrl-C while a big file was read ended the run as failed, with a
    traceback. Each stop is noted as it is handed on to its handler; an error that follows a
    noted stop is raised as that stop, and so is a stop whose error something swallowed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous = {number: signal.getsignal(number) for number in HELD}

    def note(number, frame):
        handler = previous[number]
        if handler is signal.SIG_IGN:
            return
        noted.append(number)
        if callable(handler):
            handler(number, frame)
        else:  # the default action: as if never caught
            signal.signal(number, handler)
            signal.raise_signal(number)

    for number in HELD:
        signal.signal(number, note)
    try:
        yield
    except Exception:
        if not noted:
            raise
        _hand_back(previous, noted[:1])
        raise
    else:
        _hand_back(previous, noted[:1])
    finally:
        _hand_back(previous, [])


def _hand_back(handlers: dict, stops) -> None:
    """The handlers put back, then each of `stops` raised to its own handler, where Python is
    (not inside a query): the handler raises the stop."""
    for number, handler in handlers.items():
        signal.signal(number, handler)
    for number in stops:
        signal.raise_signal(number)
