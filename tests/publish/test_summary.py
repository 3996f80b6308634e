"""What a report run says of itself: the command's one line, with the real-time days it left."""

from __future__ import annotations

from pathlib import Path

from pollwatch.publish.report import Report
from pollwatch.publish.summary import report_line


def test_a_report_says_where_it_is_and_what_it_holds_and_what_it_left_for_the_next():
    index = Path("reports/index.html")
    pages = [index, Path("reports/a.html"), Path("reports/b.html")]
    done = Report(index=index, pages=pages, charts=4, series=5, seconds=1.26)
    assert report_line(done) == (
        "report: reports/index.html (5 series, 4 charts, 2 leader pages, 1.3 s)"
    )
    done.realtime_unfinished = 805
    assert report_line(done).endswith(
        "1.3 s; 805 days of the real-time lines left for the next report)"
    )
