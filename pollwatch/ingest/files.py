"""A dropped file's bytes, read once and hashed as read.

Drops arrive by copy, sync or scraper, so a file can change while it is read: its size and
modification time before and after the read must agree, or it waits for a later run. A big file
is hashed in a stream and, when it is plain UTF-8, never read whole: DuckDB reads it where it lies.
Any other file over the size limit is refused unread.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pollwatch.ingest.outcomes import Waiting
from pollwatch.read.decoding import PlainUtf8, UnreadableFile

# Bytes from which a plain UTF-8 file is streamed rather than read whole (a million canonical
# rows are 130 MB): below it, holding the bytes costs less than a second pass over the file.
STREAM_FROM_BYTES = 32 << 20


@dataclass(frozen=True)
class Read:
    """A file's bytes, their hash, and what the file looked like when they were read. A streamed
    file's `data` is None: it is plain UTF-8 (`plain` says what else its scan found), read from
    `path`."""

    path: Path
    data: bytes | None
    sha256: str
    seen: os.stat_result
    plain: PlainUtf8 | None = None

    @property
    def size(self) -> int:
        return self.seen.st_size


@dataclass(frozen=True)
class TooLarge:
    """A file refused unread; `reason` says why in words a person can act on."""

    path: Path
    sha256: str
    reason: UnreadableFile


def read_file(path: Path, max_bytes: int) -> Read | TooLarge | Waiting | None:
    """The file's bytes (or, for a big plain UTF-8 file, its hash and line count); Waiting if it
    changed while read; None if it is gone (another run took it)."""
    changed = changed_while_read(path)
    try:
        seen = os.stat(path)
        if seen.st_size >= STREAM_FROM_BYTES or seen.st_size > max_bytes:
            sha256, plain = _scan(path)
            if signature(os.stat(path)) != signature(seen):
                return changed
            if plain.finish():
                return Read(path, None, sha256, seen, plain)
            if seen.st_size > max_bytes:
                return TooLarge(path, sha256, too_large(seen.st_size, max_bytes))
        data = path.read_bytes()
        if signature(os.stat(path)) != signature(seen):
            return changed
    except FileNotFoundError:
        return None
    except OSError as err:  # unreadable since it was found: it stays, and says why
        return Waiting(str(path), f"cannot be read: {err.strerror or err}; it stays in the inbox")
    return Read(path, data, hashlib.sha256(data).hexdigest(), seen)


def changed_while_read(path: Path) -> Waiting:
    return Waiting(str(path), "changed while it was read; it waits for the next run")


def unchanged(read: Read) -> bool:
    """Whether the file is still as it was when hashed (a streamed file is read again later)."""
    return signature(os.stat(read.path)) == signature(read.seen)


def whole(read: Read, max_bytes: int) -> bytes:
    """A streamed file's bytes, for the reading that needs them all (records over several
    lines, a layout mapped in pandas); refused as too large past the limit, and Waiting's reason
    if the file is no longer what was hashed."""
    if read.size > max_bytes:
        raise too_large(read.size, max_bytes)
    data = read.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != read.sha256:
        raise ChangedSinceRead(str(read.path))
    return data


class ChangedSinceRead(Exception):
    """The file's bytes are no longer those hashed: it waits for the next run."""


def too_large(size: int, limit: int) -> UnreadableFile:
    """Refused unread: a poll file is never this big, and reading it whole could exhaust memory."""
    return UnreadableFile(
        f"too large for a poll file: {size / 2**20:,.0f} MB, over the {limit / 2**20:,.0f} MB "
        "limit (POLLWATCH_MAX_FILE_MB); it was not read",
        rule="too_large",
    )


def file_sha256(path: Path) -> str:
    """Streamed, so a file too large to read is still hashed in bounded memory."""
    return _scan(path, check_plain=False)[0]


def _scan(path: Path, check_plain: bool = True) -> tuple[str, PlainUtf8]:
    """One pass over the file in blocks: its hash, and whether it is plain UTF-8."""
    plain = PlainUtf8()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            if check_plain:
                plain.feed(block)
    return digest.hexdigest(), plain


def signature(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_size, stat.st_mtime_ns
