"""Put an ingested file away: archive/ when all of it loaded, quarantine/ when anything was
rejected, with the rejected lines and a plain-words summary beside it.

The inbox keeps its folder structure in both places, and nothing is overwritten: a name that is
taken gets the file's hash added. Files given by path from outside the inbox are copied, never
moved, because they belong to whoever named them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

from pollwatch.config import Settings
from pollwatch.ingest.discover import ERRORS_SUFFIX, SUMMARY_SUFFIX, is_inside

QUARANTINED_STATUSES = ("partial", "rejected")


def choose_destination(
    path: Path, sha256: str, status: str, settings: Settings, layout: str | None = None
) -> Path:
    """A free path under archive/ or quarantine/ that mirrors the file's place in the inbox (the
    file's own path, when files are filed in place). A file read with a layout named for it
    (--layout) goes in that layout's folder there, as if dropped in inbox/<layout>/: a rebuild
    reads it with its layout again, where its header alone may fit none. The notes a file left
    in quarantine/ before it was moved back to be tried again are cleared first, so that its
    old name is free (_clear_orphaned_notes)."""
    if settings.file_in_place:
        return path
    base = settings.quarantine if status in QUARANTINED_STATUSES else settings.archive
    relative = (
        path.resolve().relative_to(settings.inbox.resolve())
        if is_inside(path, settings.inbox)
        else Path(path.name)
    )
    if layout and relative.parent.name != layout:
        relative = relative.parent / layout / relative.name
    _clear_orphaned_notes(settings.quarantine / relative)
    if relative.parent != Path():  # moved into its layout's folder to be tried again
        _clear_orphaned_notes(settings.quarantine / relative.parent.parent / relative.name)
    destination = base / relative
    if _too_long(destination.name) or _taken(destination):
        destination = destination.with_name(_named(path, f".{sha256[:12]}{path.suffix}"))
    counter = 2
    while _taken(destination):
        destination = destination.with_name(_named(path, f".{sha256[:12]}.{counter}{path.suffix}"))
        counter += 1
    return destination


# A file name's limit on the usual file systems, in bytes; the side files add their suffix to
# the destination's name, so it keeps room for the longest.
NAME_BYTES = 255
SIDE_ROOM = max(len(ERRORS_SUFFIX), len(SUMMARY_SUFFIX))


def _too_long(name: str) -> bool:
    return len(name.encode()) + SIDE_ROOM > NAME_BYTES


def _named(path: Path, tail: str) -> str:
    """The file's stem and `tail`, the stem cut (at a whole character) where a long name
    (122 Cyrillic letters are 244 bytes) would leave no room for the side files' suffixes."""
    room = NAME_BYTES - SIDE_ROOM - len(tail.encode())
    stem = path.stem.encode()[:room].decode("utf-8", "ignore")
    return stem + tail


def _taken(destination: Path) -> bool:
    return any(
        p.exists()
        for p in (
            destination,
            side_file(destination, ERRORS_SUFFIX),
            side_file(destination, SUMMARY_SUFFIX),
        )
    )


def _clear_orphaned_notes(quarantined: Path) -> None:
    """The notes of a quarantined file moved back into the inbox to be tried again (as README
    says to, once its layout is written: where it was, in its layout's folder, or named with
    --layout): they told of an attempt this one supersedes, and stayed beside the new outcome
    ("no known layout fits" beside the file now archived), or pushed a second refusal to a
    hashed name."""
    if quarantined.exists():
        return
    for suffix in (ERRORS_SUFFIX, SUMMARY_SUFFIX):
        side_file(quarantined, suffix).unlink(missing_ok=True)


def side_file(destination: Path, suffix: str) -> Path:
    return destination.with_name(destination.name + suffix)


def put_away(
    path: Path,
    destination: Path,
    settings: Settings,
    rejects: pd.DataFrame | None = None,
    summary: str | None = None,
) -> None:
    """Write the side files first and move the file last, so a file that has left the inbox
    always has its explanation beside it. The filed file's modification time is then when it
    was filed, just after its rows were stored: `rebuild` reads the filed drops in that order,
    each stored as of that time. A drop keeps the time it was written, and `cp -p`, `wget` and
    unzip give a correction the time of its first copy, older than what it corrects: read in
    that order, the rebuilt database undid the correction and dated it to that old day."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    if rejects is not None:
        _write_errors(destination, rejects)
    if summary is not None:
        side_file(destination, SUMMARY_SUFFIX).write_text(summary, encoding="utf-8")
    if is_inside(path, settings.inbox):
        shutil.move(path, destination)
    else:
        shutil.copy2(path, destination)
    os.utime(destination)


def renew_notes(filed: Path, rejects: pd.DataFrame | None, summary: str) -> None:
    """The notes beside a quarantined file read again where it lies (`pollwatch rebuild`, which
    moves nothing): they are of this reading. They told of the one that quarantined it, 151
    rejected rows beside a file its fixed layout now read whole."""
    if rejects is None:
        side_file(filed, ERRORS_SUFFIX).unlink(missing_ok=True)
    else:
        _write_errors(filed, rejects)
    side_file(filed, SUMMARY_SUFFIX).write_text(summary, encoding="utf-8")


def _write_errors(destination: Path, rejects: pd.DataFrame) -> None:
    rejects.rename(columns={"line_number": "line"}).to_csv(
        side_file(destination, ERRORS_SUFFIX), index=False
    )
