"""Whether a process still runs, by its number: how a run, a report's staging folder or a lock
left by a killed command is told from one still at work."""

from __future__ import annotations

import os


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: asks, sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process by that number
        return True
    return True
