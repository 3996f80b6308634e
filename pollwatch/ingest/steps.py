"""A batch of files through the named steps of ingest: read, recognise, map, check, commit.

Reading, mapping and checking need no database, so they happen before this run asks for it: the
writer lock is held for two short moments per batch, to ask which files are already known and
to commit the rest, not while fifty files are parsed. The rows of a batch are validated in one
pass of the poll model; each file is still committed in its own transaction.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from pollwatch.config import ConfigError, Settings, require_data_dir
from pollwatch.ingest.commit import commit_duplicate, commit_mapped, commit_unreadable
from pollwatch.ingest.discover import Discovery, find_new_files
from pollwatch.ingest.files import Read, TooLarge, read_file
from pollwatch.ingest.messages import describe_reject, file_line, shown
from pollwatch.ingest.outcomes import FileResult, Waiting
from pollwatch.ingest.signals import stops_held
from pollwatch.map.layouts import choose_layout, folder_layout, load_aliases, load_layouts
from pollwatch.map.mapping import Mapped, map_rows
from pollwatch.read.cells import parse_csv_text
from pollwatch.read.decoding import UnreadableFile, decode
from pollwatch.store import KnownFile, Store
from pollwatch.validate.checks import check_rows, validate_batch

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("pollwatch.ingest")

# Files per batch (and per Prefect task): enough to spread the fixed costs of a transaction and
# of a task, few enough that another run waiting for the database waits seconds, not minutes.
BATCH_FILES = 50


def plan_files(paths: list[Path], settings: Settings) -> Discovery:
    """The files a run should take: the named ones, or every settled new file in the inbox."""
    require_data_dir(settings)
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
            plan.ready.append(path)
        else:
            raise ConfigError(f"{path}: no such file or directory")
    return plan


def batches(paths: list[Path], size: int = BATCH_FILES) -> list[list[Path]]:
    return [paths[i : i + size] for i in range(0, len(paths), size)]


def map_bytes(data: bytes, path: Path, settings: Settings, layout: str | None = None) -> Mapped:
    """Decode, split into cells, and map to canonical rows with the layout that is named, else
    the one the file's folder is named after, else the one its header fits."""
    raw = parse_csv_text(decode(data))
    layouts = load_layouts(settings.local_layouts)
    named = layout or folder_layout(path, settings.inbox, layouts)
    return map_rows(raw, choose_layout(raw.header, layouts, named), load_aliases())


def ingest_batch(
    paths: list[Path], store: Store, settings: Settings, run_id: str, layout: str | None = None
) -> list[FileResult | Waiting | None]:
    """Take each file all the way. A file still changing is Waiting; one that vanished first
    (another run took it) is None."""
    read = [read_file(path, settings.max_file_bytes) for path in paths]
    known = store.known_files([r.sha256 for r in read if isinstance(r, Read)])
    mapped: dict[Path, Mapped | UnreadableFile] = {}
    for r in read:
        if isinstance(r, Read) and r.sha256 not in known:
            try:
                mapped[r.path] = map_bytes(r.data, r.path, settings, layout)
            except UnreadableFile as err:
                mapped[r.path] = err
    readable = [m for m in mapped.values() if isinstance(m, Mapped)]
    found = dict(zip(map(id, readable), validate_batch(readable), strict=True))
    with store.session():
        results = []
        for r in read:
            with stops_held():
                results.append(_commit(r, known, mapped, found, store, settings, run_id))
    for path, result in zip(paths, results, strict=True):
        log_result(path, result)
    return results


def _commit(
    r: Read | TooLarge | Waiting | None,
    known: dict[str, KnownFile],
    mapped: dict[Path, Mapped | UnreadableFile],
    found: dict[int, pd.DataFrame],
    store: Store,
    settings: Settings,
    run_id: str,
) -> FileResult | Waiting | None:
    if isinstance(r, TooLarge):
        return commit_unreadable(r.path, r.sha256, r.reason, store, settings, run_id)
    if not isinstance(r, Read):
        return r
    if r.sha256 in known:
        return commit_duplicate(r.path, r.sha256, known[r.sha256], store, settings, run_id)
    outcome = mapped[r.path]
    if isinstance(outcome, UnreadableFile):
        return commit_unreadable(r.path, r.sha256, outcome, store, settings, run_id)
    checked = check_rows(outcome, found[id(outcome)])
    return commit_mapped(r, outcome, checked, store, settings, run_id)


def log_result(path: Path, result: FileResult | Waiting | None) -> None:
    """A line per file and per reject, for the run's log (Prefect's UI shows them)."""
    if result is None:
        log.info("%s is gone: another run took it", shown(path))
    elif isinstance(result, Waiting):
        log.info("waiting: %s: %s", shown(result.path), result.reason)
    else:
        log.info("%s", file_line(result))
        for warning in result.warnings:
            log.warning("%s: %s", shown(result.path), warning)
        for reject in result.rejects:
            log.warning("%s", describe_reject(result.path, reject))
