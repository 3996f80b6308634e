"""A stop (Ctrl-C, SIGTERM) lands between files, never inside one's commit.

DuckDB checks for signals while it runs a query, and when one arrives it raises
RuntimeError('Query interrupted') and drops the exception the signal's handler raised: a stop
would look like a failed write, and which signal it was would be lost. So while a file is being
committed, the two signals are only noted; when the commit is over (a few seconds for a
million rows) they are raised again, to whatever handler was there, and the run stops as it
would have. The file in progress is then committed and filed whole. SIGKILL is never held.
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
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in dict.fromkeys(noted):
            signal.raise_signal(number)
