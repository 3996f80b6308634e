"""`pollwatch rebuild`: a new database from the files in archive/ and quarantine/.

The archive holds every file whose rows were ever stored, and quarantine/ every file refused in
part or whole, each with the time it was filed as its modification time (filing.put_away). Read
again in that order, as the runs stored them, they give the database back: the same polls, each
correction over the version it corrected, the same rejects, each file stored as of when it was
filed (so that `--as-of` a day before the rebuild shows what stood that day). Nothing is moved
(each file is recorded where it lies), the notes beside quarantined files are not read as drops,
and the database this replaces, damaged or not, is kept beside the new one.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pollwatch.config import ConfigError, Settings, require_data_dir
from pollwatch.ingest import filing
from pollwatch.ingest.discover import filed_drops, is_inside
from pollwatch.ingest.messages import quarantine_summary, read_whole_summary
from pollwatch.ingest.run import RunSummary, run_ingest
from pollwatch.map.layout_files import load_layouts
from pollwatch.store import open_store
from pollwatch.store.errors import StoreError

BUILDING = ".rebuilding"


def filed_in_order(settings: Settings) -> list[Path]:
    """Every drop put away, in the order they were filed (their modification times)."""
    files = [
        folder / relative
        for folder in (settings.archive, settings.quarantine)
        for relative in filed_drops(folder)
    ]
    return sorted(files, key=lambda path: (path.stat().st_mtime, str(path)))


def rebuild(settings: Settings) -> tuple[RunSummary, Path | None]:
    """Build the database again from the filed drops; returns the run and where the database it
    replaced was kept (None if there was none)."""
    require_data_dir(settings)
    files = filed_in_order(settings)
    if not files:
        raise ConfigError(
            f"nothing to rebuild from: {settings.archive} and {settings.quarantine} hold no files"
        )
    target = settings.db_path
    building = target.with_name(target.name + BUILDING)
    _remove(building)  # a rebuild stopped half-way leaves its half-built database
    summary = run_ingest(
        files,
        settings.model_copy(update={"db": building, "file_in_place": True}),
        trigger="rebuild",
    )
    if gone := _layouts_gone(settings, summary):
        _remove(building)
        named = "; ".join(f"{name} ({', '.join(paths[:3])})" for name, paths in gone.items())
        raise ConfigError(
            f"nothing rebuilt: files whose rows were stored with a layout that is gone were"
            f" refused: {named}. Put each layout back in {settings.local_layouts} and rebuild"
            " again; the database stands as it was"
        )
    kept = None
    if target.exists():
        kept = target.with_name(f"{target.name}.before-rebuild-{datetime.now():%Y%m%d-%H%M%S}")
        target.rename(kept)
        wal = _wal(target)
        if wal.exists():
            wal.rename(_wal(kept))
    building.rename(target)
    _remove(building)
    _renew_quarantine_notes(settings, summary)
    return summary, kept


def _renew_quarantine_notes(settings: Settings, summary: RunSummary) -> None:
    """The notes beside each quarantined file the rebuild stored rows of, as this reading found
    it, once the database is the rebuilt one: a file whose layout was fixed since was read
    whole, and its notes still listed the rows its first reading rejected."""
    store = open_store(settings, read_only=True)
    for result in summary.files:
        path = Path(result.path)
        if result.status not in ("loaded", "partial") or not is_inside(path, settings.quarantine):
            continue
        if result.status == "partial":
            rejects = store.rejects_of(result.sha256)
            filing.renew_notes(path, rejects, quarantine_summary(result, rejects, summary.run_id))
        else:
            filing.renew_notes(path, None, read_whole_summary(result, summary.run_id))


def _layouts_gone(settings: Settings, summary: RunSummary) -> dict[str, list[str]]:
    """The layouts, gone since, with which the database being replaced stored the rows of files
    the rebuild refused, and those files: the rebuild stored none of their polls and exited 0,
    and the layout's folder in archive/ was never named."""
    refused = [f for f in summary.files if f.status == "rejected"]
    if not refused or not settings.db_path.exists():
        return {}
    try:
        known = open_store(settings, read_only=True).known_files([f.sha256 for f in refused])
    except StoreError:  # the database being replaced may be the damaged one: nothing to go by
        return {}
    layouts = load_layouts(settings.local_layouts)
    gone: dict[str, list[str]] = {}
    for result in refused:
        stored = known.get(result.sha256)
        if stored is not None and stored.source_name and stored.source_name not in layouts:
            gone.setdefault(stored.source_name, []).append(result.path)
    return gone


def _wal(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def _remove(db: Path) -> None:
    for path in (db, _wal(db), db.with_name(db.name + ".lock")):
        path.unlink(missing_ok=True)
