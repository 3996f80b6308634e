"""What a report found worth telling: for its Prefect artifact, the averages that moved since the
last report and the series gone quiet; for the command that made it, one line of what it wrote."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pollwatch.publish.report import Report


def report_line(report: Report) -> str:
    """Where the report is and what it holds, with the days of real-time lines it left for the
    next report (POLLWATCH_REALTIME_SECONDS)."""
    left = (
        f"; {report.realtime_unfinished} days of the real-time lines left for the next report"
        if report.realtime_unfinished
        else ""
    )
    return (
        f"report: {report.index} ({report.series} series, {report.charts} charts, "
        f"{len(report.pages) - 1} leader pages, {report.seconds:.1f} s{left})"
    )


def report_markdown(report: Report, move_points: float, stale_days: int) -> str:
    """What a report run found worth telling: averages that moved, series gone quiet."""
    lines = [f"# Report: {report.series} series, {report.charts} charts", ""]
    if report.moved:
        lines += [
            f"Averages that moved {move_points:g} points or more since the last report:",
            "",
            "| leader | measure | population | before | now | change |",
            "|---|---|---|---:|---:|---:|",
        ]
        lines += [
            f"| {m['leader']} | {m['metric']} | {m['population']} | {m['before']:.1f} | "
            f"{m['estimate']:.1f} | {m['change']:+.1f} |"
            for m in report.moved
        ]
    else:
        lines.append(f"No average moved {move_points:g} points or more since the last report.")
    lines.append("")
    if report.stale:
        lines += [f"No new poll for more than {stale_days} days:", ""]
        lines += [
            f"- {s['leader']} ({s['metric']}): newest fieldwork {s['newest']}, {s['age']} days ago"
            for s in report.stale
        ]
    else:
        lines.append(f"Every series has a poll from the last {stale_days} days.")
    return "\n".join(lines) + "\n"
