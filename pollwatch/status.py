"""`pollwatch status`: what the store holds and how fresh it is, for a person or a script."""

from __future__ import annotations

from datetime import date

from pollwatch import store
from pollwatch.config import Settings
from pollwatch.ingest.discover import find_new_files


def collect_status(settings: Settings) -> dict:
    facts: dict = {"database": str(settings.db_path), "settings": settings.shown()}
    inbox = find_new_files(settings.inbox, settings.settle_seconds)
    facts["inbox"] = {"ready": len(inbox.ready), "waiting": len(inbox.waiting)}
    if not settings.db_path.exists():
        facts["note"] = "no database yet: nothing has been ingested"
        return facts | {
            "polls": 0,
            "series": [],
            "files": {},
            "rows_rejected": 0,
            "reject_rules": [],
            "revisions": 0,
            "last_run": None,
            "newest_poll": None,
        }

    with store.open_store(settings.db_path, settings.lock_timeout_seconds) as con:
        facts["schema_version"] = con.execute("SELECT max(version) FROM schema_version").fetchone()[
            0
        ]
        facts["polls"] = con.execute("SELECT count(*) FROM polls").fetchone()[0]
        facts["series"] = _records(
            con.execute(
                "SELECT leader, metric, count(*) AS polls, count(DISTINCT pollster) AS pollsters,"
                " min(fieldwork_end) AS first_poll, max(fieldwork_end) AS last_poll FROM polls"
                " GROUP BY leader, metric ORDER BY leader, metric"
            )
        )
        facts["files"] = dict(
            con.execute(
                "SELECT status, count(*) FROM files GROUP BY status ORDER BY status"
            ).fetchall()
        )
        facts["rows_rejected"] = con.execute(
            "SELECT count(DISTINCT (file_sha256, line_number)) FROM rejects"
        ).fetchone()[0]
        facts["revisions"] = con.execute("SELECT count(*) FROM revisions").fetchone()[0]
        facts["reject_rules"] = _records(
            con.execute(
                "SELECT rule, count(DISTINCT (file_sha256, line_number)) AS rows,"
                " min(path || coalesce(':' || line_number, '') || coalesce(': ' || value, ''))"
                " AS example FROM rejects GROUP BY rule ORDER BY rows DESC, rule LIMIT 12"
            )
        )

        runs = _records(
            con.execute(
                "SELECT run_id, trigger, status, started_at, finished_at, files_seen, rows_loaded,"
                " rows_rejected, rows_updated FROM runs ORDER BY started_at DESC LIMIT 1"
            )
        )
        facts["last_run"] = runs[0] if runs else None
        newest = _records(
            con.execute(
                "SELECT leader, metric, pollster, fieldwork_end, positive_pct FROM polls"
                " ORDER BY fieldwork_end DESC, leader LIMIT 1"
            )
        )
        facts["newest_poll"] = newest[0] if newest else None
    if facts["newest_poll"]:
        facts["newest_poll"]["age_days"] = (
            date.today() - facts["newest_poll"]["fieldwork_end"]
        ).days
    return facts


def _records(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def status_text(facts: dict) -> str:
    out = [f"database  {facts['database']}"]
    if "note" in facts:
        out.append(facts["note"])
    else:
        out.append(
            f"polls     {facts['polls']} stored, {facts['revisions']} earlier versions kept,"
            f" {facts['rows_rejected']} rows rejected"
        )
        for s in facts["series"]:
            out.append(
                f"  {s['leader']:<24} {s['metric']:<13} {s['polls']:>6} polls from "
                f"{s['pollsters']} pollster(s), {s['first_poll']} to {s['last_poll']}"
            )
        files = ", ".join(f"{n} {status}" for status, n in facts["files"].items()) or "none"
        out.append(f"files     {files}")
        run = facts["last_run"]
        if run:
            out.append(
                f"last run  {run['started_at']:%Y-%m-%d %H:%M:%S} UTC, {run['status']}:"
                f" {run['files_seen']} file(s), {run['rows_loaded']} rows new,"
                f" {run['rows_rejected']} rejected (run {run['run_id']})"
            )
        newest = facts["newest_poll"]
        if newest:
            out.append(
                f"newest    {newest['leader']} {newest['metric']} by {newest['pollster']}, "
                f"fieldwork ended {newest['fieldwork_end']} ({newest['age_days']} days ago)"
            )
    inbox = facts["inbox"]
    out.append(f"inbox     {inbox['ready']} file(s) ready, {inbox['waiting']} still being written")
    out.append("settings  " + ", ".join(f"{k}={v}" for k, v in facts["settings"].items()))
    return "\n".join(out)
