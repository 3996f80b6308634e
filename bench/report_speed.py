"""Report speed: trends and charts for 20 leader-and-measure series of 5,000 polls each.

The polls come from bench.simulation (house effects, a daily tracker, outliers), stored in
a fresh data directory; the figure is the whole report's time divided by the series.

Run: .venv/bin/python bench/report_speed.py [--series N] [--polls N]   (or make bench)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.simulation import simulate_polls  # noqa: E402
from pollwatch.config import load_settings  # noqa: E402
from pollwatch.model.trends import fit_trend, one_version_per_poll  # noqa: E402
from pollwatch.publish.report import build_report  # noqa: E402
from pollwatch.store import FileRecord, open_store  # noqa: E402

METRICS = ["approval", "trust", "support", "favorability"]


def series_polls(index: int, polls: int) -> pd.DataFrame:
    """About `polls` simulated polls for one leader and measure (15 pollsters, 6 years)."""
    frame = simulate_polls(seed=index, days=2300, pollsters=15)
    frame = frame.polls.head(polls).copy()
    frame["leader"] = f"Leader {index // len(METRICS) + 1}"
    frame["metric"] = METRICS[index % len(METRICS)]
    return frame


def store_polls(settings, frames: list[pd.DataFrame]) -> int:
    """The simulated polls stored as one file's rows, through the store as ingest stores them."""
    polls = pd.concat(frames, ignore_index=True).assign(
        country="US",
        mode="online",
        sponsor=None,
        published=None,
        negative_pct=None,
        undecided_pct=None,
        source_url=None,
        notes=None,
        pollster_as_written=None,
        leader_as_written=None,
    )
    polls["poll_key"] = [f"sim-{i}" for i in range(len(polls))]
    polls.index = pd.RangeIndex(2, len(polls) + 2, name="line_number")
    open_store(settings).load_file(
        FileRecord(
            sha256="bench",
            path="simulation",
            source_name="simulation",
            status="loaded",
            rows_read=len(polls),
            polls=polls,
            rejects=pd.DataFrame(columns=["line_number", "column", "rule", "value"]),
            rows_rejected=0,
            rows_duplicate=0,
            message="simulated",
            run_id="bench",
            stored_path=None,
        )
    )
    return len(polls)


def main(series: int, polls: int) -> None:
    frames = [series_polls(index, polls) for index in range(series)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=tmp, report_dir=Path(tmp) / "reports")
        stored = store_polls(settings, frames)
        started = time.perf_counter()
        for frame in frames:
            fit_trend(one_version_per_poll(frame), frame["leader"].iloc[0], frame["metric"].iloc[0])
        fitting = time.perf_counter() - started
        report = build_report(settings)
        pages = len(report.pages)
    print(
        f"(3) report: {series} series, {stored:,} polls ({stored // series:,} a series), "
        f"{report.charts} charts, {pages} pages"
    )
    print(
        f"    fitting the trends alone          {fitting:6.2f} s  {fitting / series:.2f} s a series"
    )
    print(
        f"    the whole report                  {report.seconds:6.2f} s  "
        f"{report.seconds / series:.2f} s a series (charts as PNG and SVG, pages, CSV)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=20)
    parser.add_argument("--polls", type=int, default=5_000)
    options = parser.parse_args()
    main(options.series, options.polls)
