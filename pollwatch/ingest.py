"""One file from inbox to store: hash, map, validate, load, then archive or quarantine.

The order is what makes it safe. Nothing moves until the file's rows and log entry have committed
together; a crash before that leaves the file in the inbox and the database without any row of
it, and a crash after it is finished by the next run, which finds the hash already known.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from pollwatch import filing, store
from pollwatch.checks import Checked, check_rows
from pollwatch.config import ConfigError, Settings, require_data_dir
from pollwatch.decoding import UnreadableFile
from pollwatch.discover import Discovery, find_new_files, is_inside
from pollwatch.layouts import choose_layout, folder_layout, load_aliases, load_layouts
from pollwatch.rawcsv import read_raw_csv
from pollwatch.sources import Mapped, map_rows
from pollwatch.summary import quarantine_summary
from schemas.polls import REJECT_COLUMNS

REJECTS_SHOWN = 20


@dataclass
class FileResult:
    """What happened to one file; the shape of each entry in `pollwatch ingest --json`."""

    path: str
    sha256: str
    source: str | None
    status: str  # loaded, partial, rejected, duplicate
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_updated: int = 0
    rows_duplicate: int = 0
    rows_skipped: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)  # the first REJECTS_SHOWN, one line each
    stored_at: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reject_dicts(rejects: pd.DataFrame, limit: int = REJECTS_SHOWN) -> list[dict]:
    """The first rejects as plain JSON-ready dicts: line (or None for the whole file), column,
    rule, value."""
    return [
        {
            "line": None if pd.isna(line) else int(line),
            "column": column,
            "rule": rule,
            "value": value,
        }
        for line, column, rule, value in rejects.head(limit).itertuples(index=False)
    ]


def file_status(stored_rows: int, rejected_rows: int) -> str:
    """loaded: nothing rejected; partial: some rows stored, some rejected; rejected: none stored."""
    if stored_rows == 0:
        return "rejected"
    return "partial" if rejected_rows else "loaded"


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


def ingest_file(
    path: Path, settings: Settings, run_id: str, layout: str | None = None
) -> FileResult | None:
    """Take one file all the way; None if it vanished first (another run took it).

    The layout is the one named, else the one its folder is named after, else the one its header
    fits.
    """
    try:
        sha256 = file_sha256(path)
    except FileNotFoundError:
        return None
    with store.open_store(settings.db_path, settings.lock_timeout_seconds) as con:
        known = store.find_known_file(con, sha256)
    if known:
        return _put_away_duplicate(path, sha256, known, settings, run_id)
    try:
        mapped = read_and_map(path, settings, layout)
    except UnreadableFile as err:
        return _reject_whole_file(path, sha256, err, settings, run_id)
    checked = check_rows(mapped)
    return _load(path, sha256, mapped, checked, settings, run_id)


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


def read_and_map(path: Path, settings: Settings, layout: str | None = None) -> Mapped:
    raw = read_raw_csv(path)
    layouts = load_layouts(settings.local_layouts)

    named = layout or folder_layout(path, settings.inbox, layouts)
    return map_rows(raw, choose_layout(raw.header, layouts, named), load_aliases())


def _load(
    path: Path, sha256: str, mapped: Mapped, checked: Checked, settings: Settings, run_id: str
) -> FileResult:
    record = file_record(path, sha256, mapped, checked, run_id)
    destination = filing.choose_destination(path, sha256, record.status, settings)
    record.stored_path = str(destination)
    with store.open_store(settings.db_path, settings.lock_timeout_seconds) as con:
        counts = store.load_file(con, record, store.utc_now())
        if counts is None:
            known = store.find_known_file(con, sha256)
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
        warnings=checked.warnings,
        stored_at=str(destination),
        rejects=reject_dicts(checked.rejects),
    )
    quarantined = record.status in filing.QUARANTINED_STATUSES
    filing.put_away(
        path,
        destination,
        settings,
        rejects=checked.rejects if quarantined else None,
        summary=quarantine_summary(result, checked.rejects, run_id) if quarantined else None,
    )
    return result


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
    filing.put_away(
        path,
        destination,
        settings,
        rejects=rejects,
        summary=quarantine_summary(result, rejects, run_id),
    )
    return result


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
        path.unlink()
        return result
    quarantined = unfinished and known.status in filing.QUARANTINED_STATUSES
    filing.put_away(
        path,
        destination,
        settings,
        rejects=rejects if quarantined else None,
        summary=quarantine_summary(result, rejects, run_id) if quarantined else None,
    )
    return result
