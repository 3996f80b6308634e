"""Whether a process still runs, by its number: how a run, a staging folder or a lock left by a
killed command is told from one still at work."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# In a staging folder: the number of the process that works in it.
OWNER = ".pollwatch-owner"


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: asks, sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process by that number
        return True
    return True


def owned_folder(parent: Path, prefix: str) -> Path:
    """A new folder under `parent` for this process's work in progress, named `prefix` and a
    random part, marked as this process's own."""
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    (folder / OWNER).write_text(str(os.getpid()), encoding="utf-8")
    return folder


def clear_abandoned(parent: Path, prefix: str) -> None:
    """Remove the folders named `prefix`... under `parent` whose process is gone: a SIGKILL
    skips every cleanup."""
    for path in parent.glob(f"{prefix}*"):
        if not path.is_dir():
            continue
        try:
            owner = int((path / OWNER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            owner = None
        if owner is None or not is_running(owner):
            shutil.rmtree(path, ignore_errors=True)
