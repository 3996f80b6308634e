"""Command latency: how long a person waits for `pollwatch status` and for an `ingest` that
finds nothing new, beside `python -c "import pollwatch"`, in Prefect's ephemeral mode and
against a running Prefect server. Median of a few runs, each a fresh process.

Run: .venv/bin/python bench/latency.py [--runs N]   (or make bench)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows.server import start_server, stop_server  # noqa: E402

POLLWATCH = str(Path(sys.executable).parent / "pollwatch")


def median_seconds(command: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def with_known_drop(data: Path, command: list[str], env: dict[str, str], runs: int) -> float:
    """An ingest that has a file to take (one already known), so a Prefect run starts."""
    sample = ROOT / "data" / "samples" / "rating_group_zelensky_2022.csv"
    times = []
    for _ in range(runs):
        target = data / "inbox" / sample.name
        shutil.copy(sample, target)
        then = time.time() - 60
        os.utime(target, (then, then))
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        (data / "inbox").mkdir(parents=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))}
        env |= {"PREFECT_HOME": str(Path(tmp) / "prefect-home"), "POLLWATCH_DATA_DIR": str(data)}
        with_known_drop(data, [POLLWATCH, "ingest"], env, 1)  # warms PREFECT_HOME, stores it
        base = median_seconds([sys.executable, "-c", "import pollwatch"], env, runs)
        rows = [
            ("python -c 'import pollwatch'", base),
            ("pollwatch status", median_seconds([POLLWATCH, "status"], env, runs)),
            ("pollwatch ingest, nothing new", median_seconds([POLLWATCH, "ingest"], env, runs)),
            (
                "pollwatch ingest, a known file (ephemeral)",
                with_known_drop(data, [POLLWATCH, "ingest"], env, runs),
            ),
        ]
        server = start_server(Path(tmp) / "server-home")
        try:
            served = env | {"PREFECT_API_URL": server.api_url}
            rows += [
                (
                    "pollwatch status (server set)",
                    median_seconds([POLLWATCH, "status"], served, runs),
                ),
                (
                    "pollwatch ingest, nothing new (server)",
                    median_seconds([POLLWATCH, "ingest"], served, runs),
                ),
                (
                    "pollwatch ingest, a known file (server)",
                    with_known_drop(data, [POLLWATCH, "ingest"], served, runs),
                ),
            ]
        finally:
            stop_server(server)
    print(f"(4) command latency, median of {runs} fresh processes")
    for name, seconds in rows:
        print(f"    {name:<44} {seconds:6.2f} s  {seconds / base:6.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    main(parser.parse_args().runs)
