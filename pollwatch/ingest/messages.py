"""Words for people: one-line rejects, the note left beside a quarantined file, run summaries.

The command line, the quarantine folder and the Prefect artifacts all say the same things the
same way because they all come from here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from pollwatch.ingest.outcomes import is_missing
from pollwatch.map.dates import read_date
from pollwatch.map.distinct_cells import BAD
from schemas.columns import CATEGORY_COLUMNS, POSITIVE_SHARE_REQUIRED

if TYPE_CHECKING:
    import pandas as pd

    from pollwatch.ingest.outcomes import FileResult, RunSummary

REJECTS_IN_SUMMARY = 20
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def shown(text: object) -> str:
    """Text from file names and cells on one line: control characters (a newline in a file
    name) are written as escapes, so every message stays one line."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


# The values a category's known_ rule takes: named beside a value it refused, with where to say
# what a file's own word means ("Inscrits sur les listes électorales" was refused naming none).
KNOWN_VALUES = {f"known_{name}": known for name, known in CATEGORY_COLUMNS.items()}


def _known(rule: str) -> str:
    if rule not in KNOWN_VALUES:
        return ""
    return f"; known: {', '.join(KNOWN_VALUES[rule])}, or a layout's [values] for the file's words"


def _required_share(rule: str) -> str:
    """Why a row with no positive share is refused, when its negative share may be empty
    elsewhere: "column favorable: not_nullable (value '')" said nothing of it."""
    if rule != POSITIVE_SHARE_REQUIRED:
        return ""
    return (
        "; every poll is stored by its positive share (approve, trust, support, favorable, good"
        " performance), which the contract requires: a row giving only the negative share is"
        " not a poll pollwatch can average"
    )


def _no_year(rule: str, value: object) -> str:
    """What a date with no year lacks, said where it is read once a year is given: a Wikipedia
    table's "18–19 May" (its year in a section heading) was refused as not_a_date, naming
    nothing missing."""
    if rule != "not_a_date" or not isinstance(value, str) or re.search(r"\d{4}", value):
        return ""
    if re.fullmatch(r"\s*\d+([.,]\d+)?\s*", value):  # a number, not a day and month
        return ""
    text = value.strip().rstrip(".")
    dated = [f"{text} 2000", f"{text}/2000", f"{text}.2000"]
    if all(read_date(d, day_first=first) in (None, BAD) for d in dated for first in (False, True)):
        return ""
    return "; it gives no year, and pollwatch does not guess one: write the year into the cells"


def describe_reject(path: str, reject: dict) -> str:
    """`file:line: column c: rule (value 'x')`, the shape compilers use, so editors can jump."""
    line = reject.get("line", reject.get("line_number"))
    where = shown(path) if is_missing(line) else f"{shown(path)}:{int(line)}"
    if reject.get("column"):
        return (
            f"{where}: column {shown(reject['column'])}: {reject['rule']} "
            f"(value {shown(repr(reject['value']))}){_known(reject['rule'])}"
            f"{_no_year(reject['rule'], reject['value'])}{_required_share(reject['rule'])}"
        )
    return f"{where}: {reject['rule']}: {shown(reject['value'])}"


def quarantine_summary(result: FileResult, rejects: pd.DataFrame, run_id: str) -> str:
    """The plain-words note left beside a quarantined file."""
    lines = [
        f"pollwatch quarantined {result.path} (run {run_id}).",
        f"sha256: {result.sha256}",
    ]
    if result.source is None:
        lines.append(f"The file could not be read: {result.message}.")
    elif result.rows_read and result.rows_skipped == result.rows_read:
        lines.append(
            f"Layout: {result.source}. Rows read: {result.rows_read}; {result.message}. If these"
            " rows should be stored, change the layout's [rows] keep or drop and drop the file"
            " again."
        )
    else:
        lines.append(
            f"Layout: {result.source}. Rows read: {result.rows_read}; loaded: {result.rows_loaded};"
            f" corrected: {result.rows_updated}; already known: {result.rows_duplicate};"
            f" rejected: {result.rows_rejected}"
            + (
                f"; skipped, as its layout asks: {result.rows_skipped}."
                if result.rows_skipped
                else "."
            )
        )
        lines.append(
            f"Rejected rows (first {REJECTS_IN_SUMMARY}; all are in the .errors.csv file):"
        )
        records = rejects.head(REJECTS_IN_SUMMARY).to_dict("records")
        lines += ["  " + describe_reject(result.path, r) for r in records]
        stored = result.rows_loaded + result.rows_updated + result.rows_duplicate
        lines.append(
            ("The other rows are stored." if stored else "No row of it is stored.")
            + " Fix the rejected lines and drop the file again: rows already stored are"
            " recognised by their poll key and not stored twice."
        )
    return "\n".join(lines) + "\n"


def read_whole_summary(result: FileResult, run_id: str) -> str:
    """The note beside a quarantined file that a rebuild read whole (its layout fixed since):
    where it lies, since a rebuild moves nothing, with no rejected row to tell of."""
    return (
        f"pollwatch rebuild read {result.path} again (run {run_id}) and stored every row.\n"
        f"sha256: {result.sha256}\n"
        f"Layout: {result.source}. Rows read: {result.rows_read}; loaded: {result.rows_loaded};"
        f" corrected: {result.rows_updated}; already known: {result.rows_duplicate};"
        " rejected: 0.\n"
        "It stays in quarantine/, where it was filed, because a rebuild moves nothing.\n"
    )


def file_line(result: FileResult) -> str:
    counts = (
        f"{result.rows_read} read, {result.rows_loaded} new, {result.rows_updated} corrected,"
        f" {result.rows_duplicate} already known, {result.rows_rejected} rejected"
    )
    if result.rows_skipped:
        counts += f", {result.rows_skipped} skipped"
    detail = result.message if result.status in ("duplicate", "rejected") else counts
    return f"{result.status:<9} {shown(result.path)}: {shown(detail)}"


def run_text(summary: RunSummary, rejects_per_file: int = 5) -> str:
    """What `pollwatch ingest` prints: a line per file, its first rejects, then totals."""
    out = []
    for result in summary.files:
        out.append(file_line(result))
        out += ["    warning: " + shown(w) for w in result.warnings]
        if result.source is not None:
            first = result.rejects[:rejects_per_file]
            out += ["    " + describe_reject(result.path, r) for r in first]
            if result.reject_reasons > rejects_per_file:  # the count said nothing of the rest
                out.append(f"    ... and {result.reject_reasons - rejects_per_file} more")
        if result.status in ("partial", "rejected") and result.stored_at:
            out.append(f"    every reason is in {shown(result.stored_at)}.errors.csv")
    out += [f"waiting   {shown(path)}: {reason}" for path, reason in summary.waiting]
    out += [f"ignored   {shown(path)}: {reason}" for path, reason in summary.ignored]
    if summary.interrupted_by is not None:
        out.append(interrupted_line(summary))
    elif not summary.files and not summary.waiting:
        out.append("nothing new in the inbox")
    out.append(totals_line(summary.totals))
    if not all(r.filed for r in summary.files):
        out.append(
            "some files could not be moved out of the inbox (see the warnings above); "
            "their rows are stored"
        )
    return "\n".join(out)


def interrupted_line(summary: RunSummary) -> str:
    return (
        f"interrupted by {summary.interrupted_by}: the {len(summary.files)} file(s) above were "
        "committed before the stop; every other file is still in the inbox for the next run"
    )


def rebuild_line(db_path: Path, summary: RunSummary, kept: Path | None) -> str:
    """What a rebuild made, and where the database it replaced is kept."""
    totals = summary.totals
    return (
        f"rebuilt {db_path} from {len(summary.files)} file(s): "
        f"{totals['rows_loaded']} polls, {totals['rows_updated']} corrections, "
        f"{totals['rows_rejected']} rows rejected"
        + (f"; the database it replaces is kept as {kept}" if kept else "")
    )


def totals_line(t: dict[str, int]) -> str:
    statuses = ", ".join(
        f"{t[s]} {'already ingested' if s == 'duplicate' else s}"
        for s in ("loaded", "partial", "rejected", "duplicate")
        if t[s]
    )
    return (
        f"{t['files']} file(s){' (' + statuses + ')' if statuses else ''}: "
        f"{t['rows_loaded']} rows new, {t['rows_updated']} corrected, "
        f"{t['rows_duplicate']} already known, {t['rows_rejected']} rejected"
        + (f", {t['rows_skipped']} skipped" if t.get("rows_skipped") else "")
    )


def run_markdown(summary: RunSummary) -> str:
    """The run summary as a markdown artifact for the Prefect UI."""
    lines = [
        f"# Ingest run {summary.run_id}",
        "",
        f"**{totals_line(summary.totals)}**",
        "",
        "| status | file | read | new | corrected | known | rejected | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in summary.files:
        note = (r.message or "").replace("|", "\\|")
        lines.append(
            f"| {r.status} | `{r.path}` | {r.rows_read} | {r.rows_loaded} | "
            f"{r.rows_updated} | {r.rows_duplicate} | {r.rows_rejected} | {note} |"
        )
    for path, reason in summary.waiting:
        lines.append(f"| waiting | `{path}` | | | | | | {reason} |")
    return "\n".join(lines) + "\n"


def rejects_table(summary: RunSummary) -> list[dict]:
    """Rejected rows of the run, one dict per row, for a table artifact."""
    return [
        {
            "file": r.path,
            "line": x["line"],
            "column": x["column"],
            "rule": x["rule"],
            "value": x["value"],
        }
        for r in summary.files
        for x in r.rejects
    ]
