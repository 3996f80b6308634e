"""A file's outcome made permanent: its one transaction in the store, then the file moved where
its status says (archive/ when every row loaded, quarantine/ with its reasons when not).

The order is what makes it safe. Nothing moves until the file's rows and log entry have committed
together: a crash before that leaves the file in the inbox and the database without any row of it,
and a crash after it is finished by the next run, which finds the hash already known and puts the
file where this run meant to. A file that changed after it was read stays in the inbox, so its
new content is read next time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pollwatch.config import Settings
from pollwatch.ingest import filing
from pollwatch.ingest.discover import is_inside
from pollwatch.ingest.files import Read, file_sha256, signature
from pollwatch.ingest.messages import quarantine_summary
from pollwatch.ingest.outcomes import FileResult, file_status, reject_dicts
from pollwatch.map.mapping import Mapped, NothingKept
from pollwatch.map.sql import MappedInDuckDB
from pollwatch.read.decoding import UnreadableFile
from pollwatch.read.echo import capped, counted, listed
from pollwatch.store import FileRecord, KnownFile, LoadCounts, Store, modified_at
from pollwatch.validate.checks import Checked
from schemas.columns import REJECT_COLUMNS


def file_record(
    read: Read, mapped: Mapped | MappedInDuckDB, checked: Checked, run_id: str
) -> FileRecord:
    """Everything one file contributes to the store, ready for its one transaction."""
    rows_rejected = int(checked.rejects["line_number"].nunique())
    return FileRecord(
        sha256=read.sha256,
        path=str(read.path),
        source_name=mapped.source_name,
        source_keys=mapped.source_keys,
        status=file_status(stored_rows=len(checked.polls), rejected_rows=rows_rejected),
        rows_read=mapped.rows_read,
        polls=checked.polls,
        rejects=checked.rejects,
        rows_rejected=rows_rejected,
        rows_duplicate=checked.rows_duplicate,
        rows_skipped=mapped.rows_skipped,
        message=(
            f"{rows_rejected} of {mapped.rows_read} rows rejected"
            if rows_rejected
            else f"{mapped.rows_read} rows read"
        ),
        run_id=run_id,
        stored_path=None,
    )


@dataclass
class Pending:
    """A file's record, to be written with its batch-mates in one transaction, and what is
    needed to finish it once written: its result so far and the file as it was read."""

    path: Path
    record: FileRecord
    destination: Path
    result: FileResult
    rejects: pd.DataFrame
    repeats: int = 0  # exact repeats inside the file, stored once
    seen: os.stat_result | None = None  # when read, to tell whether it changed since


def pending_mapped(
    read: Read,
    mapped: Mapped | MappedInDuckDB,
    checked: Checked,
    settings: Settings,
    run_id: str,
    layout: str | None = None,
) -> Pending:
    record = file_record(read, mapped, checked, run_id)
    destination = filing.choose_destination(read.path, read.sha256, record.status, settings, layout)
    record.stored_path = str(destination)
    result = FileResult(
        path=str(read.path),
        sha256=read.sha256,
        source=mapped.source_name,
        status=record.status,
        rows_read=mapped.rows_read,
        rows_rejected=record.rows_rejected,
        rows_skipped=mapped.rows_skipped,
        message=record.message,
        warnings=list(checked.warnings),
        stored_at=str(destination),
        rejects=reject_dicts(checked.rejects),
        reject_reasons=len(checked.rejects),
    )
    return Pending(
        read.path, record, destination, result, checked.rejects, checked.rows_duplicate, read.seen
    )


def pending_unreadable(
    path: Path,
    sha256: str,
    err: UnreadableFile,
    settings: Settings,
    run_id: str,
    layout: str | None = None,
) -> Pending:
    """A file rejected whole (not a CSV, no layout fits, too large, no row its layout keeps):
    logged with its reason and quarantined; one whose layout skipped every row with its rows
    counted as read and skipped."""
    rejects = pd.DataFrame([(err.line, "", err.rule, err.reason)], columns=list(REJECT_COLUMNS))
    destination = filing.choose_destination(path, sha256, "rejected", settings, layout)
    source, read = (err.source_name, err.rows_read) if isinstance(err, NothingKept) else (None, 0)
    record = FileRecord(
        sha256=sha256,
        path=str(path),
        source_name=source,
        status="rejected",
        rows_read=read,
        rows_skipped=read,
        polls=pd.DataFrame(),
        rejects=rejects,
        rows_rejected=0,
        rows_duplicate=0,
        message=err.reason,
        run_id=run_id,
        stored_path=str(destination),
    )
    result = FileResult(
        path=str(path),
        sha256=sha256,
        source=source,
        status="rejected",
        rows_read=read,
        rows_skipped=read,
        message=err.reason,
        stored_at=str(destination),
        rejects=reject_dicts(rejects),
        reject_reasons=len(rejects),
    )
    return Pending(path, record, destination, result, rejects)


def commit_all(
    pending: list[Pending], store: Store, settings: Settings, run_id: str
) -> list[FileResult]:
    """Write the files' records in one transaction, then put each file away. A rebuild
    (settings.file_in_place: the files are filed already) stores each file as of when it arrived
    (its modification time, which filing keeps): stored as of the rebuild, every correction made
    before it looked made that day, and `--as-of` an earlier day showed each poll's first
    version."""
    if settings.file_in_place:
        for file in pending:
            file.record.stored_at = modified_at(file.path)
    written = store.load_files([p.record for p in pending])
    results = []
    for file, counts in zip(pending, written, strict=True):
        if counts is None:  # its bytes were loaded first by another run, or earlier in this batch
            known = store.known_files([file.record.sha256])[file.record.sha256]
            results.append(
                commit_duplicate(
                    file.path,
                    file.record.sha256,
                    known,
                    store,
                    settings,
                    run_id,
                    read_as=file.record.source_name,
                )
            )
        else:
            results.append(_finish(file, counts, settings, run_id))
    return results


def _finish(file: Pending, counts: LoadCounts, settings: Settings, run_id: str) -> FileResult:
    result = file.result
    result.rows_loaded, result.rows_updated = counts.loaded, counts.updated
    result.rows_duplicate = counts.duplicate + file.repeats
    if counts.coarser:
        result.warnings.append(
            f"{counts.coarser} month-only poll(s) here are stored already with their exact "
            "fieldwork days: the exact version is kept"
        )
    if counts.kept:
        named = ", ".join(f"{column} of {n} poll(s)" for column, n in counts.kept.items())
        result.warnings.append(
            f"left empty here and kept as stored: {named}; a correction changes known values, "
            "it does not erase them"
        )
    for (stored, incoming), n in counts.renamed.items():
        result.warnings.append(
            f"{n} poll(s) stored under {stored} are {incoming}'s in this file by the source's own"
            f" poll ids: now stored under {incoming}, once each (a pollster the source renamed)"
        )
    if same := sum(n for (incoming, stored), n in counts.twins.items() if incoming == stored):
        result.warnings.append(
            f"{counted(same, 'poll')} here stored already from another source, under its own"
            " keys (the same pollster, days and shares, and the sample size where both give it),"
            " counted once"
        )
    if spelled_apart := {pair: n for pair, n in counts.twins.items() if pair[0] != pair[1]}:
        pairs = [
            f"{capped(incoming, 60)} as {capped(stored, 60)} ({n})"
            for (incoming, stored), n in spelled_apart.items()
        ]
        (incoming, stored), _ = next(iter(spelled_apart.items()))
        result.warnings.append(
            "polls here stored already under another pollster's name, the same days, shares"
            f" and sample size, are counted once, as stored: {listed(pairs, 10, chars=150)};"
            " where two names are one pollster, say so"
            f' in {settings.local_aliases} ([pollster] "{stored}" = ["{incoming}"]) and run'
            " `pollwatch rebuild`, which stores all its polls under one name"
        )
    if counts.proportions:
        named = ", ".join(f"{column} of {n} poll(s)" for column, n in counts.proportions.items())
        result.warnings.append(
            f"proportions of the stored shares (0.41 for 41) kept as stored: {named}; write"
            " shares as percentages"
        )
    if file.seen is not None and signature(_stat_or_none(file.path) or file.seen) != signature(
        file.seen
    ):
        result.warnings.append(
            "the file changed after it was read: it stays in the inbox and "
            "its new content is read by the next run"
        )
        result.stored_at, result.filed = None, False
        return result
    quarantined = file.record.status in filing.QUARANTINED_STATUSES
    return _put_away(
        result,
        file.path,
        file.destination,
        settings,
        rejects=file.rejects if quarantined else None,
        summary=quarantine_summary(result, file.rejects, run_id) if quarantined else None,
    )


def commit_duplicate(
    path: Path,
    sha256: str,
    known: KnownFile,
    store: Store,
    settings: Settings,
    run_id: str,
    read_as: str | None = None,
) -> FileResult:
    """A file whose bytes are already stored: log the sighting and clear it from the inbox.
    `read_as`: the layout this copy would be read with (its folder's, the one named, or the one
    its header fits), where known; one other than the stored reading's is said to be unread.

    If the stored copy is where the earlier run put it, this copy is redundant: removed from the
    inbox (only from the inbox), and a file named outside it is left as it is (it was archived
    again under a new name, a copy a run for each time the same drop was named). If the earlier
    run committed but died before moving the file, this is that file: it goes where that run
    meant it to, with its rejects written out again from the database. Anything else is
    archived under a free name.
    """
    stored = Path(known.stored_path) if known.stored_path else None
    unfinished = stored is not None and not stored.exists()
    redundant = stored is not None and stored.exists() and file_sha256(stored) == sha256
    # Filed in place (a rebuild), a second filed copy stays where it lies and is logged there:
    # logged as the first copy, `status` warned that it had no record and said to ingest it.
    destination = (
        stored
        if (unfinished or redundant) and not settings.file_in_place
        else filing.choose_destination(path, sha256, "duplicate", settings)
    )
    store.record_duplicate(sha256, str(path), str(destination), run_id)
    message = (
        f"already ingested at {known.ingested_at:%Y-%m-%d %H:%M} UTC (run {known.run_id}"
        + (f", read with layout {known.source_name}" if known.source_name else "")
        + f"); stored at {destination}. "
    )
    if read_as and known.source_name and read_as != known.source_name:
        # A table giving two leaders a column each, dropped in each one's layout folder: the
        # rebuild the other advice names reads it with the first layout again.
        message += (
            f"The same bytes are read once, with one layout: none of its rows is stored as"
            f" {read_as}; to read it with both, give {read_as} a file of its own (its columns"
            " alone, say)"
        )
    else:
        message += (
            "The same bytes are not read twice: if its layout has changed since, `pollwatch"
            " rebuild` reads every filed file again with its layout"
        )
    result = FileResult(
        path=str(path),
        sha256=sha256,
        source=None,
        status="duplicate",
        message=message,
        stored_at=str(destination),
    )
    if redundant:
        if is_inside(path, settings.inbox):
            path.unlink(missing_ok=True)
        return result
    quarantined = unfinished and known.status in filing.QUARANTINED_STATUSES
    rejects = store.rejects_of(sha256) if quarantined else None
    return _put_away(
        result,
        path,
        destination,
        settings,
        rejects=rejects,
        summary=quarantine_summary(result, rejects, run_id) if quarantined else None,
    )


def _put_away(
    result: FileResult,
    path: Path,
    destination: Path,
    settings: Settings,
    rejects: pd.DataFrame | None,
    summary: str | None,
) -> FileResult:
    """Put the file away; if the disk says no, say so and leave it where it is, rows stored."""
    if settings.file_in_place:  # already where it belongs, with its explanation beside it
        return result
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


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
