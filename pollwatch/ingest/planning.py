"""Which files a run takes, and in what batches.

A run is given paths, or takes its inbox's settled new files; it works through them a batch at a
time, so that a batch's fixed costs are shared and another run waiting for the database waits
for one batch's commit, not the whole run's.
"""

from __future__ import annotations

from pathlib import Path

from pollwatch.config import ConfigError, Settings, make_inbox
from pollwatch.ingest.discover import Discovery, document_reason, find_new_files

# Files per batch (and per Prefect task): enough to spread a batch's fixed costs (its database
# session, a pass of the poll model, a Prefect task: about 100 ms), few enough that another run
# waiting for the database waits for one commit, not minutes. 1,000 drops of 50 rows took 7.6 s
# in batches of 50, 6.1 s in 100, 5.5 s in 200.
BATCH_FILES = 100
# A batch's files are held in memory together, read whole: past this many bytes, a new batch.
BATCH_BYTES = 64 << 20


def plan_files(paths: list[Path], settings: Settings) -> Discovery:
    """The files a run should take: the named ones, or every settled new file in the inbox."""
    make_inbox(settings)
    if not paths:
        return find_new_files(settings.inbox, settings.settle_seconds)
    plan = Discovery()
    for path in paths:
        if path.is_dir():
            found = find_new_files(path, settings.settle_seconds)
            plan.ready += found.ready
            plan.waiting += found.waiting
            plan.ignored += found.ignored
        elif path.is_file():
            # Named by a glob (`pollwatch ingest data/samples/*`), the folder's README is
            # still a document, not a failed drop that makes the run exit 1.
            if document := document_reason(path):
                plan.ignored.append((path, document))
            else:
                plan.ready.append(path)
        else:
            raise ConfigError(f"{path}: no such file or directory")
    return plan


def batches(
    paths: list[Path], size: int = BATCH_FILES, max_bytes: int = BATCH_BYTES
) -> list[list[Path]]:
    """The files in order, in batches of at most `size` files and, where a file allows,
    `max_bytes` bytes (a bigger file is a batch of its own)."""
    found: list[list[Path]] = []
    held = max_bytes
    for path in paths:
        try:
            weight = path.stat().st_size
        except OSError:  # gone, or unreadable: its reading says so, in its batch
            weight = 0
        if not found or len(found[-1]) >= size or held + weight > max_bytes:
            found.append([])
            held = 0
        found[-1].append(path)
        held += weight
    return found
