"""A dropped file's bytes, read once and hashed as read.

Drops arrive by copy, sync or scraper, so a file can change while it is read: its size and
modification time before and after the read must agree, or it waits for a later run. A file over
the size limit is hashed in a stream and never read whole.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pollwatch.ingest.outcomes import Waiting
from pollwatch.read.decoding import UnreadableFile


@dataclass(frozen=True)
class Read:
    """A file's bytes, their hash, and what the file looked like when they were read."""

    path: Path
    data: bytes
    sha256: str
    seen: os.stat_result


@dataclass(frozen=True)
class TooLarge:
    """A file refused unread; `reason` says why in words a person can act on."""

    path: Path
    sha256: str
    reason: UnreadableFile


def read_file(path: Path, max_bytes: int) -> Read | TooLarge | Waiting | None:
    """The file's bytes; Waiting if it changed while read; None if it is gone (another run took
    it)."""
    try:
        seen = os.stat(path)
        if seen.st_size > max_bytes:
            return TooLarge(path, file_sha256(path), too_large(seen.st_size, max_bytes))
        data = path.read_bytes()
        if signature(os.stat(path)) != signature(seen):
            return Waiting(str(path), "changed while it was read; it waits for the next run")
    except FileNotFoundError:
        return None
    except OSError as err:  # unreadable since it was found: it stays, and says why
        return Waiting(str(path), f"cannot be read: {err.strerror or err}; it stays in the inbox")
    return Read(path, data, hashlib.sha256(data).hexdigest(), seen)


def too_large(size: int, limit: int) -> UnreadableFile:
    """Refused unread: a poll file is never this big, and reading it whole could exhaust memory."""
    return UnreadableFile(
        f"too large for a poll file: {size / 2**20:,.0f} MB, over the {limit / 2**20:,.0f} MB "
        "limit (POLLWATCH_MAX_FILE_MB); it was not read",
        rule="too_large",
    )


def file_sha256(path: Path) -> str:
    """Streamed, so a file too large to read is still hashed in bounded memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def signature(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_size, stat.st_mtime_ns
