"""`pollwatch status`: what the store holds, what waits in the inbox and how fresh it all is,
for a person or a script."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path, PurePath

from pollwatch.config import Settings
from pollwatch.ingest.discover import HIDDEN, document_reason, filed_drops, find_new_files
from pollwatch.read.echo import counted
from pollwatch.store import open_store

UNRECORDED_SHOWN = 5


def collect_status(settings: Settings) -> dict:
    facts: dict = {"database": str(settings.db_path), "settings": settings.shown()}
    inbox = find_new_files(settings.inbox, settings.settle_seconds)
    # A folder's README or a methodology PDF is kept there on purpose: named, not a WARNING that
    # something "cannot be ingested" and waits to be mended. The rest are left where they are,
    # with the reason, until a person mends them (a FIFO, a file without read permission):
    # every run says so too.
    documents, left_alone = [], []
    for path, reason in inbox.ignored:
        if document_reason(path):
            documents.append(str(path))
        elif reason != HIDDEN:
            left_alone.append({"path": str(path), "reason": reason})
    facts["inbox"] = {
        "ready": len(inbox.ready),
        "waiting": len(inbox.waiting),
        "left_alone": left_alone,
        "documents": documents,
    }
    store = open_store(settings, read_only=True)
    if not store.exists():
        facts["note"] = "no database yet: nothing has been ingested"
    # One connection for both questions (a session opens none where there is no database yet).
    with store.session() if store.exists() else contextlib.nullcontext():
        facts |= store.overview()
        logged = store.filed_paths()
    facts["unrecorded"] = [str(p) for p in unrecorded_files(settings, logged)]
    if facts["newest_poll"]:
        facts["newest_poll"]["age_days"] = (
            date.today() - facts["newest_poll"]["fieldwork_end"]
        ).days
    return facts


def status_text(facts: dict) -> str:
    out = [f"database  {facts['database']}"]
    if "note" in facts:
        out.append(facts["note"])
    else:
        out.append(
            f"polls     {counted(facts['polls'], 'row')} stored"
            f" ({counted(facts['polls_asked'], 'poll')}), {facts['revisions']} earlier versions"
            " kept,"
            f" {counted(facts['rows_rejected'], 'row')} rejected"
            + (
                f", {facts['rows_skipped']} skipped as their layouts ask"
                if facts.get("rows_skipped")
                else ""
            )
        )
        for s in facts["series"]:
            out.append(
                f"  {s['leader']:<24} {s['metric']:<13} {s['polls']:>6}"
                f" poll{'' if s['polls'] == 1 else 's'} from "
                f"{s['pollsters']} pollster(s), {s['first_poll']} to {s['last_poll']}"
            )
        files = ", ".join(f"{n} {status}" for status, n in facts["files"].items()) or "none"
        out.append(f"files     {files}")
        refused = facts.get("files_refused") or []
        if refused:
            reasons = ", ".join(f"{r['rule']} {r['files']}" for r in refused)
            out.append(f"          refused whole, by reason: {reasons}")
        run = facts["last_run"]
        if run and run["files_seen"] is None:  # never finished: nothing counted
            said = {
                "running": "running, not finished yet",
                "crashed": "crashed: its process ended before the run finished; its files are "
                "still in the inbox unless their rows were stored",
            }.get(run["status"], run["status"])
            out.append(
                f"last run  {run['started_at']:%Y-%m-%d %H:%M:%S} UTC, {said} (run {run['run_id']})"
            )
        elif run:
            out.append(
                f"last run  {run['started_at']:%Y-%m-%d %H:%M:%S} UTC, {run['status']}:"
                f" {run['files_seen']} file(s), {run['rows_loaded']} rows new,"
                f" {run['rows_updated'] or 0} corrected, {run['rows_rejected']} rejected"
                + (f", {run['rows_skipped']} skipped" if run.get("rows_skipped") else "")
                + f" (run {run['run_id']})"
            )
        unknown = facts.get("published_month_unknown")
        if unknown:
            out.append(
                f"rebuild   {counted(unknown, 'poll')} stored by an earlier pollwatch give a"
                " month's last day as published, which may stand for the month alone:"
                " `pollwatch rebuild` reads them again, so that a past day's average counts each"
                " from when it was public"
            )
        newest = facts["newest_poll"]
        if newest:
            out.append(
                f"newest    {newest['leader']} {newest['metric']} by {newest['pollster']}, "
                f"fieldwork ended {newest['fieldwork_end']} ({newest['age_days']} days ago)"
            )
    if facts["unrecorded"]:
        out.append(
            f"WARNING   {len(facts['unrecorded'])} file(s) put away that the database has no "
            f"record of: {_first_few(facts['unrecorded'], ', ')}. Their rows "
            "are not stored (a lost database write, or an older database put back): move them "
            "into the inbox and run `pollwatch ingest`"
        )
    inbox = facts["inbox"]
    out.append(
        f"inbox     {inbox['ready']} file(s) ready, {inbox['waiting']} still being written"
        + (
            f"; documents left beside the drops: {_first_few(inbox['documents'], ', ')}"
            if inbox["documents"]
            else ""
        )
    )
    if inbox["left_alone"]:
        named = [f"{item['path']} ({item['reason']})" for item in inbox["left_alone"]]
        out.append(
            f"WARNING   {len(named)} thing(s) in the inbox cannot be ingested and "
            f"stay there: {_first_few(named, '; ')}"
        )
    out.append("settings  " + ", ".join(f"{k}={v}" for k, v in facts["settings"].items()))
    return "\n".join(out)


def _first_few(names: list[str], separator: str) -> str:
    """The first UNRECORDED_SHOWN names whole (a person acts on each path), then how many more."""
    more = len(names) - UNRECORDED_SHOWN
    return separator.join(names[:UNRECORDED_SHOWN]) + (f" and {more} more" if more > 0 else "")


def unrecorded_files(settings: Settings, logged: list[str]) -> list[Path]:
    """Files in archive/ and quarantine/ that no logged file was put away as. Compared by their
    place inside those folders, so a data folder moved elsewhere still matches its log."""
    found = []
    for folder in (settings.archive, settings.quarantine):
        known = {_inside(path, folder.name) for path in logged}
        found += [folder / p for p in filed_drops(folder) if p not in known]
    return found


def _inside(path: str, folder_name: str) -> PurePath | None:
    """The part of `path` after its last `folder_name` component (None if it has none)."""
    parts = PurePath(path).parts
    if folder_name not in parts:
        return None
    last = len(parts) - 1 - parts[::-1].index(folder_name)
    return PurePath(*parts[last + 1 :])
