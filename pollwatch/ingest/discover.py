"""Find the files in the inbox that are ready to ingest.

Drops arrive by copy, sync or scraper, so a file can be seen half-written: anything modified in
the last few seconds, and the temporary names that editors and downloaders use, waits for a later
run. Symbolic links are followed only while they stay inside the inbox.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISBLK, S_ISCHR, S_ISFIFO, S_ISREG, S_ISSOCK

TEMPORARY_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", "~")
# Written beside a quarantined file: its rejected lines and a summary, never drops of their own.
ERRORS_SUFFIX = ".errors.csv"
SUMMARY_SUFFIX = ".summary.txt"


@dataclass
class Discovery:
    ready: list[Path] = field(default_factory=list)
    # Files left for a later run, each with the reason a person would want to know.
    waiting: list[tuple[Path, str]] = field(default_factory=list)
    ignored: list[tuple[Path, str]] = field(default_factory=list)


# Why a name is passed over: a copy in progress or a hidden file, never a drop to tell about.
HIDDEN = "hidden or temporary file name"
# Notes, documents and pictures kept beside the drops (a folder's README, a methodology PDF):
# never a poll table, so left where they are and named, not quarantined as failed drops. A
# .txt is not among them: publishers save CSV tables under that name.
DOCUMENT_SUFFIXES = (
    ".md", ".markdown", ".rst", ".pdf", ".doc", ".docx", ".odt", ".rtf",
    ".png", ".jpg", ".jpeg", ".gif", ".svg",
)  # fmt: skip


# A folder's notes by their name alone, as archives and repositories ship them: README with no
# suffix or as .txt (a .txt of any other name may be a table).
DOCUMENT_NAMES = ("readme", "license", "licence", "changelog")


def document_reason(path: Path) -> str | None:
    """Why `path` is left alone as a document kept beside the drops (by its name), or None."""
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_SUFFIXES:
        return f"a document ({suffix}), not a poll table: left as it is"
    if path.stem.lower() in DOCUMENT_NAMES and suffix in ("", ".txt"):
        return f"a document ({path.name}), not a poll table: left as it is"
    if suffix == ".toml":  # a layout kept beside its drops was quarantined as a failed table
        return (
            "a layout or settings file (.toml), not a poll table: left as it is (layouts are"
            " read from the data directory's layouts/ folder)"
        )
    return None


def find_new_files(inbox: Path, settle_seconds: float, now: float | None = None) -> Discovery:
    """Every regular file under `inbox`, oldest first, that has stopped changing."""
    found = Discovery()
    if not inbox.is_dir():
        return found
    now = time.time() if now is None else now
    root = inbox.resolve()
    candidates = []
    for directory, subdirs, names in os.walk(inbox):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(directory) / name
            if name.startswith(".") or name.endswith(TEMPORARY_SUFFIXES):
                found.ignored.append((path, HIDDEN))
                continue
            if document := document_reason(path):
                found.ignored.append((path, document))
                continue
            try:
                if path.is_symlink() and not path.resolve().is_relative_to(root):
                    found.ignored.append((path, "symbolic link to outside the inbox, not followed"))
                    continue
                stat = path.stat()
            except RuntimeError:  # Python's word for a loop of symbolic links
                found.ignored.append((path, "symbolic link that leads back to itself (a loop)"))
                continue
            except OSError as err:
                found.ignored.append((path, f"cannot be read: {err.strerror}"))
                continue
            if not S_ISREG(stat.st_mode):
                # A FIFO would hang the run on its read; a socket or a device has no file to read.
                found.ignored.append((path, f"not a file but a {_kind(stat.st_mode)}: skipped"))
                continue
            if not os.access(path, os.R_OK):
                found.ignored.append((path, "cannot be read: permission denied"))
                continue
            age = now - stat.st_mtime
            if age < settle_seconds:
                found.waiting.append(
                    (path, f"modified {age:.1f} s ago: it may still be being written; next run")
                )
                continue
            candidates.append((stat.st_mtime, str(path), path))
    found.ready = [path for _, _, path in sorted(candidates)]
    return found


def _kind(mode: int) -> str:
    if S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if S_ISSOCK(mode):
        return "socket"
    if S_ISCHR(mode) or S_ISBLK(mode):
        return "device"
    return "special file"


def is_inside(path: Path, directory: Path) -> bool:
    return path.resolve().is_relative_to(directory.resolve())


def filed_drops(folder: Path) -> list[Path]:
    """The drops put away under `folder` (archive/ or quarantine/), as paths relative to it;
    not the notes written beside them."""
    if not folder.is_dir():
        return []
    return sorted(
        path.relative_to(folder)
        for path in folder.rglob("*")
        if path.is_file() and not path.name.endswith((ERRORS_SUFFIX, SUMMARY_SUFFIX))
    )
