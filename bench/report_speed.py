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
from pollwatch.ingest.run import run_ingest  # noqa: E402
from pollwatch.model.polls import one_version_per_poll  # noqa: E402
from pollwatch.model.trends import fit_trend  # noqa: E402
from pollwatch.publish.parallel import cores  # noqa: E402
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
    open_store(settings).load_files(
        [
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
        ]
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
        cold = build_report(settings)
        # The next reports refit what the real-time lines left (POLLWATCH_REALTIME_SECONDS).
        finishing = []
        while (finishing or [cold])[-1].realtime_unfinished:
            finishing.append(build_report(settings))
        unchanged = build_report(settings)
        one_more_poll(settings, frames[0])
        touched = build_report(settings)
    print(
        f"(3) report: {series} series, {stored:,} polls ({stored // series:,} a series), "
        f"{cold.charts} charts, {len(cold.pages)} pages, {cores()} cores"
    )
    print(f"    fitting the trends alone, one after another  {fitting:6.2f} s")
    print(
        f"    the whole report, from nothing                {cold.seconds:6.2f} s  "
        f"(target <= 10 s; {len(cold.redrawn)} charts drawn, as PNG and SVG; "
        f"{cold.realtime_unfinished} days of real-time lines left)"
    )
    print(
        f"    the reports that finish the real-time lines   {len(finishing)} of "
        f"{sum(r.seconds for r in finishing):.1f} s in all"
    )
    print(
        f"    again, nothing changed                        {unchanged.seconds:6.2f} s  "
        f"({len(unchanged.redrawn)} charts drawn)"
    )
    print(
        f"    after one more poll in one series             {touched.seconds:6.2f} s  "
        f"({len(touched.redrawn)} charts drawn: {', '.join(touched.redrawn)}; "
        f"{touched.realtime_unfinished} real-time days left)"
    )


def one_more_poll(settings, frame: pd.DataFrame) -> None:
    """A one-row drop for the first series, as a day's ingest might bring (dated inside the
    simulated years, which run past today)."""
    last = frame.sort_values("fieldwork_end").iloc[len(frame) // 2]
    row = {
        "pollster": last["pollster"],
        "country": "US",
        "leader": last["leader"],
        "metric": last["metric"],
        "population": "adults",
        "fieldwork_start": f"{last['fieldwork_end']:%Y-%m-%d}",
        "fieldwork_end": f"{last['fieldwork_end']:%Y-%m-%d}",
        "positive_pct": 50,
        "poll_key": "one-more",
    }
    path = Path(settings.inbox) / "one-more.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([row]).to_csv(path, index=False)
    run_ingest([path], settings)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=20)
    parser.add_argument("--polls", type=int, default=5_000)
    options = parser.parse_args()
    main(options.series, options.polls)
