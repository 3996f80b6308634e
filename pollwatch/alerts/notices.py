"""The notices a run raises, one per kind per run, each with its facts as structured data and a
short message people can read in a chat channel.

- pollwatch.file.loaded: the files whose rows were stored;
- pollwatch.file.rejected: the files refused in part or whole (rows rejected, top reasons, where
  the file was kept);
- pollwatch.average.moved: the averages that moved at least POLLWATCH_MOVE_POINTS since the last
  report, each with the polls that moved it and their share of the new average;
- pollwatch.series.stale: the sources whose expected drop did not come (alerts.cadence).

A run that loads nothing raises nothing. The message is built here, with every name from a file
passed through text.plain, so a message template need only say `{{ event.payload.message }}`;
cell values are never put in a message or a payload.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pollwatch.alerts.cadence import Overdue
from pollwatch.alerts.text import plain
from pollwatch.config import Settings
from pollwatch.ingest.outcomes import FileResult, RunSummary
from pollwatch.read.echo import counted
from pollwatch.store import StoreError, open_store

LOADED = "pollwatch.file.loaded"
REJECTED = "pollwatch.file.rejected"
MOVED = "pollwatch.average.moved"
STALE = "pollwatch.series.stale"
# What `pollwatch alerts add --on` names, and the events each kind is told by.
KINDS = {"rejected": REJECTED, "moved": MOVED, "stale": STALE, "loaded": LOADED}
TOP_REASONS = 3
LISTED = 10  # files or series named in one message; the rest are counted


@dataclass(frozen=True)
class Links:
    report: str | None = None  # the report's front page
    run: str | None = None  # the run, in the Prefect UI


@dataclass(frozen=True)
class Notice:
    event: str
    about: str  # what the notice is about: the run, or the check, that raised it
    subject: str
    lines: list[str]
    facts: dict = field(default_factory=dict)

    def payload(self, links: Links) -> dict:
        """The facts, the subject and the message, with the links appended to it."""
        message = [*self.lines]
        if links.report:
            message.append(f"Report: {links.report}")
        if links.run:
            message.append(f"Run: {links.run}")
        return self.facts | {
            "subject": self.subject,
            "message": "\n".join(message),
            "links": {"report": links.report, "run": links.run},
        }


def run_notices(run: RunSummary, settings: Settings) -> list[Notice]:
    """An ingest run's notices, with the reasons read from its store (or, when another process
    holds it now, the rejects the run kept: a notice never fails the run it tells of)."""
    if not run.files:
        return []
    store = open_store(settings, read_only=True)

    def reasons_of(sha256: str) -> pd.DataFrame:
        try:
            return store.rejects_of(sha256)
        except StoreError:
            return pd.DataFrame(columns=["line_number", "column", "rule", "value"])

    return file_notices(run, reasons_of)


def file_notices(run: RunSummary, reasons_of: Callable[[str], pd.DataFrame]) -> list[Notice]:
    """A run's loaded and rejected files. `reasons_of`: a file's rejected rows by its hash
    (Store.rejects_of), for the reasons past the few a run summary keeps."""
    about = f"pollwatch.run.{run.run_id}"
    found = []
    loaded = [f for f in run.files if f.rows_loaded + f.rows_updated > 0]
    if loaded:
        rows = sum(f.rows_loaded for f in loaded)
        found.append(
            Notice(
                LOADED,
                about,
                f"pollwatch: {counted(len(loaded), 'file')} loaded,"
                f" {counted(rows, 'new poll row')}",
                _listed(
                    [
                        f"{plain(_name(f))}: {f.rows_loaded} new, {f.rows_updated} corrected"
                        + (f", {f.rows_rejected} rejected" if f.rows_rejected else "")
                        for f in loaded
                    ]
                ),
                {
                    "run_id": run.run_id,
                    "files": [_file_facts(f) for f in loaded],
                    "rows_loaded": rows,
                },
            )
        )
    refused = [f for f in run.files if f.status == "rejected" or f.rows_rejected > 0]
    if refused:
        facts = [_file_facts(f) | {"reasons": _reasons(f, reasons_of)} for f in refused]
        rows = sum(f.rows_rejected for f in refused)
        found.append(
            Notice(
                REJECTED,
                about,
                f"pollwatch: {counted(len(refused), 'file')} rejected in part or whole"
                + (f", {counted(rows, 'row')} refused" if rows else ""),
                _listed([_rejected_line(f, x) for f, x in zip(refused, facts, strict=True)]),
                {"run_id": run.run_id, "files": facts, "rows_rejected": rows},
            )
        )
    return found


def move_notice(moved: list[dict], points: float) -> Notice | None:
    """The averages that moved at least `points` (Report.moved, each with the polls that moved
    it), or None."""
    if not moved:
        return None
    lines = []
    for move in moved:
        lines.append(
            f"{_series(move)}: {move['before']:.1f} → {move['estimate']:.1f}"
            f" ({move['change']:+.1f} points)"
        )
        unit = "{:+.0f} points" if move["measure"] == "net" else "{:.0f}%"
        lines += [
            f"  {plain(p['pollster'])}, {_fieldwork(p)}: {unit.format(p['value'])},"
            f" {p['share']:.0%} of the new average"
            for p in move.get("polls", [])
        ]
        if move.get("page"):
            lines.append(f"  {move['page']}")
    biggest = moved[0]
    return Notice(
        MOVED,
        "pollwatch.report",
        f"pollwatch: {_series(biggest)} moved {biggest['change']:+.1f} points"
        + (f" (and {counted(len(moved) - 1, 'other average')})" if len(moved) > 1 else ""),
        _listed(lines, LISTED * 4),
        {
            "threshold": points,
            "averages": [
                {
                    "leader": m["leader"],
                    "metric": m["metric"],
                    "measure": m["measure"],
                    "population": m["population"],
                    "from": m["before"],
                    "to": m["estimate"],
                    "change": m["change"],
                    "page": m.get("page"),
                    "polls": m.get("polls", []),
                }
                for m in moved
            ],
        },
    )


def stale_notice(overdue: list[Overdue]) -> Notice | None:
    """The sources whose expected drop did not come, or None."""
    if not overdue:
        return None
    lines = []
    for late in overdue:
        lines.append(
            f"{plain(late.title)}: no drop for {late.due:%Y-%m-%d} ({late.expected});"
            f" the last arrived {late.last_arrival:%Y-%m-%d}"
        )
        lines += [
            f"  {plain(s['leader'])} {plain(s['metric'])} ({plain(s['pollster'])}):"
            f" newest poll {s['newest']}, {s['days']} days ago"
            for s in late.series
        ]
    return Notice(
        STALE,
        "pollwatch.check",
        f"pollwatch: {counted(len(overdue), 'expected drop')} overdue",
        _listed(lines, LISTED * 4),
        {
            "series": [
                {
                    "layout": late.layout,
                    "due": f"{late.due:%Y-%m-%d}",
                    "expected": late.expected,
                    "last_arrival": f"{late.last_arrival:%Y-%m-%d}",
                }
                | s
                for late in overdue
                for s in late.series
            ]
        },
    )


def _name(result: FileResult) -> str:
    return Path(result.path).name


def _file_facts(result: FileResult) -> dict:
    return {
        "file": _name(result),
        "path": result.path,
        "kept_at": result.stored_at,
        "status": result.status,
        "source": result.source,
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "rows_updated": result.rows_updated,
        "rows_rejected": result.rows_rejected,
    }


def _reasons(result: FileResult, reasons_of: Callable[[str], pd.DataFrame]) -> list[dict]:
    """The commonest reasons rows of a file were refused (rule and column, how many rows, the
    first line); a file refused whole has its one reason."""
    if result.status == "rejected" and result.rows_rejected == 0:
        return [
            {"rule": r["rule"], "column": r["column"] or None, "rows": 0, "first_line": None}
            for r in result.rejects[:1]
        ]
    rejects = reasons_of(result.sha256)
    if rejects.empty:
        rejects = pd.DataFrame(result.rejects, columns=["line", "column", "rule"]).rename(
            columns={"line": "line_number"}
        )
    counts = Counter(zip(rejects["rule"], rejects["column"].fillna(""), strict=True))
    return [
        {
            "rule": rule,
            "column": column or None,
            "rows": count,
            "first_line": _first_line(rejects, rule, column),
        }
        for (rule, column), count in counts.most_common(TOP_REASONS)
    ]


def _first_line(rejects: pd.DataFrame, rule: str, column: str) -> int | None:
    lines = rejects.loc[
        (rejects["rule"] == rule) & (rejects["column"].fillna("") == column), "line_number"
    ].dropna()
    return int(lines.min()) if len(lines) else None


def _rejected_line(result: FileResult, facts: dict) -> str:
    kept = f"; kept in {plain(_kept(result.stored_at))}" if result.stored_at else ""
    if result.status == "rejected" and result.rows_rejected == 0:
        return f"{plain(_name(result))}: refused whole: {plain(result.message, 160)}{kept}"
    reasons = ", ".join(
        f"{plain(r['rule'])}"
        + (f" in {plain(r['column'])}" if r["column"] else "")
        + f" ×{r['rows']}"
        + (f" (first line {r['first_line']})" if r["first_line"] else "")
        for r in facts["reasons"]
    )
    return (
        f"{plain(_name(result))}: {result.rows_rejected} of {result.rows_read} rows rejected"
        f" ({reasons}); {result.rows_loaded} loaded{kept}"
    )


def _kept(stored_at: str) -> str:
    path = Path(stored_at)
    return f"{path.parent.name}/{path.name}"


def _series(move: dict) -> str:
    measure = {"positive": "", "negative": " (disapproval)", "net": " (net)"}[move["measure"]]
    population = "" if move["population"] == "all" else f", {move['population'].replace('_', ' ')}"
    return f"{plain(move['leader'])} {plain(move['metric'])}{measure}{population}"


def _fieldwork(poll: dict) -> str:
    start, end = poll["fieldwork_start"], poll["fieldwork_end"]
    return start if start == end else f"{start} to {end}"


def _listed(lines: list[str], most: int = LISTED) -> list[str]:
    if len(lines) <= most:
        return lines
    return [*lines[:most], f"… and {len(lines) - most} more"]
