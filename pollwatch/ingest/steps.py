"""One file from inbox to store: read, hash, map, validate, load, then archive or quarantine.

The order is what makes it safe. The bytes are read once and hashed as read; a file that changes
while it is read waits for a later run. Nothing moves until the file's rows and log entry have
committed together: a crash before that leaves the file in the inbox and the database without any
row of it, and a crash after it is finished by the next run, which finds the hash already known.
A file that changed after it was read stays in the inbox, so its new content is read next time.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pollwatch import store
from pollwatch.config import ConfigError, Settings, require_data_dir
from pollwatch.ingest import filing
from pollwatch.ingest.discover import Discovery, find_new_files, is_inside
from pollwatch.ingest.messages import describe_reject, file_line, quarantine_summary, shown
from pollwatch.ingest.outcomes import FileResult, Waiting, file_status, reject_dicts
from pollwatch.map.layouts import choose_layout, folder_layout, load_aliases, load_layouts
from pollwatch.map.mapping import Mapped, map_rows
from pollwatch.read.cells import parse_csv_text
from pollwatch.read.decoding import UnreadableFile, decode
from pollwatch.validate.checks import Checked, check_rows, validate_batch
from schemas.columns import REJECT_COLUMNS

log = logging.getLogger("pollwatch.ingest")

# Files per database connection (and per Prefect task): enough to spread the fixed costs of
# connecting and of a task, few enough that a reader waits seconds, not minutes.
BATCH_FILES = 50


def file_sha256(path: Path) -> str:
    """Streamed, so a file too large to read is still hashed in bounded memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


@dataclass
class Prepared:
    """A file read, hashed, new, and mapped: ready to be checked and loaded."""

    path: Path
    sha256: str
    seen: os.stat_result
    mapped: Mapped


def ingest_batch(
    paths: list[Path], settings: Settings, run_id: str, layout: str | None = None
) -> list[FileResult | Waiting | None]:
    """Several files on one database connection, their rows validated in one pass of the poll
    model, each file still loaded in its own transaction.

    Each file's layout is the one named, else the one its folder is named after, else the one its
    header fits. A file still changing is Waiting; one that vanished first (another run took it)
    is None.
    """
    with store.session(settings.db_path, settings.lock_timeout_seconds):
        outcomes = [_prepare(path, settings, run_id, layout) for path in paths]
        ready = [o for o in outcomes if isinstance(o, Prepared)]
        found = validate_batch([p.mapped for p in ready])
        checked = {id(p): check_rows(p.mapped, f) for p, f in zip(ready, found, strict=True)}
        results = [
            _load(o, checked[id(o)], settings, run_id) if isinstance(o, Prepared) else o
            for o in outcomes
        ]
    for path, result in zip(paths, results, strict=True):
        log_result(path, result)
    return results


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


def _prepare(
    path: Path, settings: Settings, run_id: str, layout: str | None
) -> Prepared | FileResult | Waiting | None:
    try:
        seen = os.stat(path)
        if seen.st_size > settings.max_file_bytes:
            return _too_large(path, seen.st_size, settings, run_id)
        data = path.read_bytes()
        if _signature(os.stat(path)) != _signature(seen):
            return Waiting(str(path), "changed while it was read; it waits for the next run")
    except FileNotFoundError:
        return None
    sha256 = hashlib.sha256(data).hexdigest()
    with store.open_store(settings.db_path, settings.lock_timeout_seconds) as con:
        known = store.find_known_file(con, sha256)
    if known:
        return _put_away_duplicate(path, sha256, known, settings, run_id)
    try:
        return Prepared(path, sha256, seen, map_bytes(data, path, settings, layout))
    except UnreadableFile as err:
        return _reject_whole_file(path, sha256, err, settings, run_id)


def batches(paths: list[Path], size: int = BATCH_FILES) -> list[list[Path]]:
    return [paths[i : i + size] for i in range(0, len(paths), size)]


def map_bytes(data: bytes, path: Path, settings: Settings, layout: str | None = None) -> Mapped:
    raw = parse_csv_text(decode(data))
    layouts = load_layouts(settings.local_layouts)
    named = layout or folder_layout(path, settings.inbox, layouts)
    return map_rows(raw, choose_layout(raw.header, layouts, named), load_aliases())


def read_and_map(path: Path, settings: Settings, layout: str | None = None) -> Mapped:
    return map_bytes(path.read_bytes(), path, settings, layout)


def file_record(
    path: Path, sha256: str, mapped: Mapped, checked: Checked, run_id: str
) -> store.FileRecord:
    """Everything one file contributes to the store, ready for its one transaction."""
    rows_rejected = int(checked.rejects["line_number"].nunique())
    return store.FileRecord(
        sha256=sha256,
        path=str(path),
        source_name=mapped.source_name,
        status=file_status(stored_rows=len(checked.polls), rejected_rows=rows_rejected),
        rows_read=mapped.rows_read,
        polls=checked.polls.join(mapped.as_written),
        rejects=checked.rejects,
        rows_rejected=rows_rejected,
        rows_duplicate=checked.rows_duplicate,
        message=(
            f"{rows_rejected} of {mapped.rows_read} rows rejected"
            if rows_rejected
            else f"{mapped.rows_read} rows read"
        ),
        run_id=run_id,
        stored_path=None,
    )


def _signature(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_size, stat.st_mtime_ns


def _load(prepared: Prepared, checked: Checked, settings: Settings, run_id: str) -> FileResult:
    path, sha256, seen, mapped = (prepared.path, prepared.sha256, prepared.seen, prepared.mapped)
    record = file_record(path, sha256, mapped, checked, run_id)

    destination = filing.choose_destination(path, sha256, record.status, settings)
    record.stored_path = str(destination)
    with store.open_store(settings.db_path, settings.lock_timeout_seconds) as con:
        counts = store.load_file(con, record, store.utc_now())
        known = store.find_known_file(con, sha256) if counts is None else None
    if counts is None:
        return _put_away_duplicate(path, sha256, known, settings, run_id)
    result = FileResult(
        path=str(path),
        sha256=sha256,
        source=mapped.source_name,
        status=record.status,
        rows_read=mapped.rows_read,
        rows_loaded=counts.loaded,
        rows_rejected=record.rows_rejected,
        rows_updated=counts.updated,
        rows_duplicate=counts.duplicate + checked.rows_duplicate,
        rows_skipped=mapped.rows_skipped,
        message=record.message,
        warnings=list(checked.warnings),
        stored_at=str(destination),
        rejects=reject_dicts(checked.rejects),
    )
    if _signature(_stat_or_none(path) or seen) != _signature(seen):
        result.warnings.append(
            "the file changed after it was read: it stays in the inbox and "
            "its new content is read by the next run"
        )
        result.stored_at, result.filed = None, False
        return result
    quarantined = record.status in filing.QUARANTINED_STATUSES
    return _file(
        result,
        path,
        destination,
        settings,
        rejects=checked.rejects if quarantined else None,
        summary=quarantine_summary(result, checked.rejects, run_id) if quarantined else None,
    )


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def _too_large(path: Path, size: int, settings: Settings, run_id: str) -> FileResult:
    """Refused unread: a poll file is never this big, and reading it whole could exhaust memory."""
    limit = settings.max_file_bytes
    return _reject_whole_file(
        path,
        file_sha256(path),
        UnreadableFile(
            f"too large for a poll file: {size / 2**20:,.0f} MB, over the {limit / 2**20:,.0f} MB "
            "limit (POLLWATCH_MAX_FILE_MB); it was not read",
            rule="too_large",
        ),
        settings,
        run_id,
    )


def _reject_whole_file(
    path: Path, sha256: str, err: UnreadableFile, settings: Settings, run_id: str
) -> FileResult:
    rejects = pd.DataFrame([(err.line, "", err.rule, err.reason)], columns=list(REJECT_COLUMNS))
    destination = filing.choose_destination(path, sha256, "rejected", settings)
    record = store.FileRecord(
        sha256=sha256,
        path=str(path),
        source_name=None,
        status="rejected",
        rows_read=0,
        polls=pd.DataFrame(),
        rejects=rejects,
        rows_rejected=0,
        rows_duplicate=0,
        message=err.reason,
        run_id=run_id,
        stored_path=str(destination),
    )
    with store.open_store(settings.db_path, settings.lock_timeout_seconds) as con:
        store.load_file(con, record, store.utc_now())
    result = FileResult(
        path=str(path),
        sha256=sha256,
        source=None,
        status="rejected",
        message=err.reason,
        stored_at=str(destination),
        rejects=reject_dicts(rejects),
    )
    return _file(
        result,
        path,
        destination,
        settings,
        rejects=rejects,
        summary=quarantine_summary(result, rejects, run_id),
    )


def _put_away_duplicate(
    path: Path, sha256: str, known: store.KnownFile, settings: Settings, run_id: str
) -> FileResult:
    """A file whose bytes are already stored: log the sighting and clear it from the inbox.

    If the stored copy is where the earlier run put it, this copy is redundant and is removed
    from the inbox (only from the inbox). If the earlier run committed but died before moving the
    file, this is that file: it goes where that run meant it to, with its rejects written out
    again from the database. Anything else is archived under a free name.
    """
    stored = Path(known.stored_path) if known.stored_path else None
    unfinished = stored is not None and not stored.exists()
    redundant = (
        stored is not None
        and stored.exists()
        and is_inside(path, settings.inbox)
        and file_sha256(stored) == sha256
    )
    destination = (
        stored
        if unfinished or redundant
        else filing.choose_destination(path, sha256, "duplicate", settings)
    )
    with store.open_store(settings.db_path, settings.lock_timeout_seconds) as con:
        store.record_duplicate_file(con, sha256, str(path), str(destination), run_id)
        rejects = store.file_rejects(con, sha256)
    result = FileResult(
        path=str(path),
        sha256=sha256,
        source=None,
        status="duplicate",
        message=f"already ingested at {known.ingested_at:%Y-%m-%d %H:%M} UTC (run {known.run_id});"
        f" stored at {destination}",
        stored_at=str(destination),
    )
    if redundant:
        path.unlink(missing_ok=True)
        return result
    quarantined = unfinished and known.status in filing.QUARANTINED_STATUSES
    return _file(
        result,
        path,
        destination,
        settings,
        rejects=rejects if quarantined else None,
        summary=quarantine_summary(result, rejects, run_id) if quarantined else None,
    )


def _file(
    result: FileResult,
    path: Path,
    destination: Path,
    settings: Settings,
    rejects: pd.DataFrame | None,
    summary: str | None,
) -> FileResult:
    """Put the file away; if the disk says no, say so and leave it where it is, rows stored."""
    try:
        filing.put_away(path, destination, settings, rejects=rejects, summary=summary)
    except FileNotFoundError:
        if path.exists():
            raise
        result.warnings.append(
            "the file left the inbox before it could be moved (another run took it)"
        )
    except OSError as err:
        result.stored_at, result.filed = None, False
        result.warnings.append(
            f"could not move it to {destination}: {err.strerror or err}; it stays where it is "
            "and a later run files it (its rows are stored)"
        )
    return result
