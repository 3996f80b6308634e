"""One pollwatch process at a time opens the database: a lock the kernel drops when its holder dies.

DuckDB admits one process per database file and refuses a second at once. Commands, scheduled
runs and hand-triggered runs are separate processes, so they take turns: each takes an exclusive
`flock` on `<database>.lock` before it connects. The kernel releases an flock when the process that
holds it ends in any way (SIGKILL, an OOM kill, a power cut), so a dead run never blocks the next
one. A lease kept by a server, as a Prefect concurrency limit is, outlives a holder that dies with
its temporary server: that is how one killed run once stopped every later run.

The holder writes its pid and command into the file, so a run that waits can say whom it waits for.
The file itself is never deleted: removing a lock file while another process waits on it would let
two holders in. (The filelock package takes the same flock, but opens the file truncating it, so
every waiter would erase the holder's name; these forty lines keep it.)
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("pollwatch.store")


class LockTimeout(TimeoutError):
    """Another process held the lock for the whole wait; `holder` says which one."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"held by {holder}")
        self.holder = holder


class LockFileUnusable(OSError):
    """The lock file cannot be created or opened: its folder is missing or read-only."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


# The locks this process holds, by lock file: [descriptor, blocks holding it]. An flock taken
# twice by one process on two descriptors would wait for itself, so nested blocks (and threads)
# share the first one's, and the last to leave releases it.
_held: dict[Path, list[int]] = {}
_held_guard = threading.Lock()


@contextmanager
def writer_lock(db_path: Path, deadline: float) -> Iterator[None]:
    """Hold the database's lock until the block ends; wait for it until `deadline` (a
    `time.monotonic()` value), saying once in the log that this run is waiting."""
    path = lock_path(db_path.resolve())
    with _held_guard:
        if path in _held:
            _held[path][1] += 1
        else:
            _held[path] = [_acquire(path, deadline), 1]
    try:
        yield
    finally:
        with _held_guard:
            _held[path][1] -= 1
            if _held[path][1] == 0:
                os.close(_held.pop(path)[0])  # closing the descriptor releases the lock


def _acquire(path: Path, deadline: float) -> int:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as err:
        raise LockFileUnusable(err.errno, err.strerror, str(path)) from err
    try:
        if not _try_lock(fd):
            log.info(
                "waiting for the database: another pollwatch run holds it (%s)",
                describe_holder(fd),
            )
            pause = 0.02
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise LockTimeout(describe_holder(fd))
                time.sleep(pause)
                pause = min(pause * 2, 0.25)
        _write_holder(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _write_holder(fd: int) -> None:
    holder = {
        "pid": os.getpid(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200] if sys.argv else "",
        "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)


def describe_holder(fd: int) -> str:
    """`pid 1234, pollwatch ingest, since 2026-11-29 09:00:00 UTC`, or as much as is known
    (the holder may be between taking the lock and writing its name)."""
    try:
        holder = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        holder = {}
    parts = [
        f"pid {holder['pid']}" if holder.get("pid") else "",
        holder.get("command", ""),
        f"since {holder['since']}" if holder.get("since") else "",
    ]
    return ", ".join(p for p in parts if p) or "a process that has not said which"
