"""One pollwatch command at a time in Prefect's ephemeral mode.

Without PREFECT_API_URL each command starts a temporary Prefect server on the SQLite database
in PREFECT_HOME. Two such servers starting at once on a new PREFECT_HOME race to migrate that
database, and one of them fails (seen: "Online migration expected to match one row"). Commands
therefore take turns on a lock file in PREFECT_HOME; the second says it is waiting. With a real
server (PREFECT_API_URL set) nothing is held here: the server and the database slot coordinate.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def one_at_a_time() -> Iterator[None]:
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    with (home / "pollwatch-ephemeral.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                "waiting for another pollwatch command that uses Prefect's ephemeral mode "
                f"({home})",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield
