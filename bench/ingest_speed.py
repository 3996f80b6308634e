"""Ingest speed against DuckDB's own CSV reader, on the same files in the same run.

(1) One 1,000,000-row canonical drop: pollwatch's library ingest (every rule validated, one
    transaction, archived) against `CREATE TABLE ... AS SELECT * FROM read_csv(...)`. Each runs
    in a fresh process, so peak memory is its own. Target: at most 3x.
(2) 1,000 drops of 50 rows through the ingest-polls Prefect flow (ephemeral mode; the server's
    start-up is measured apart) against one read_csv over the same files. Target: at most 20x.

Run: .venv/bin/python bench/ingest_speed.py [--rows N] [--files N]   (or make bench)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import canonical_drop  # noqa: E402

MEASURE = textwrap.dedent("""
    import json, resource, sys, time
    kind, target, work = sys.argv[1], sys.argv[2], sys.argv[3]
    if kind == "duckdb":
        import duckdb
    else:
        from pathlib import Path
        from pollwatch.config import load_settings
        from pollwatch.ingest.run import run_ingest
    started = time.perf_counter()  # the call itself, imports apart
    if kind == "duckdb":
        con = duckdb.connect(work + "/baseline.duckdb")
        con.execute(f"CREATE TABLE polls AS SELECT * FROM read_csv('{target}')")
        rows = con.execute("SELECT count(*) FROM polls").fetchone()[0]
        con.close()
    else:
        settings = load_settings(data_dir=work, settle_seconds=0)

        run = run_ingest([Path(target)], settings)
        rows = run.totals["rows_loaded"]
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak}))
""")


def measure(kind: str, target: Path) -> dict:
    with tempfile.TemporaryDirectory() as work:
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, kind, str(target), work],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)


def big_drop(rows: int, work: Path) -> None:
    path = canonical_drop(work / "big.csv", rows)
    size = path.stat().st_size / 2**20
    duckdb = min((measure("duckdb", path) for _ in range(2)), key=lambda m: m["seconds"])
    ours = measure("pollwatch", path)
    print(f"(1) one drop of {rows:,} rows ({size:.0f} MB)")
    print(
        f"    DuckDB CREATE TABLE AS read_csv  {duckdb['seconds']:6.2f} s  "
        f"peak {duckdb['peak_mb']:5d} MB"
    )
    print(
        f"    pollwatch ingest (library)       {ours['seconds']:6.2f} s  "
        f"peak {ours['peak_mb']:5d} MB  {ours['rows']:,} rows loaded"
    )
    print(f"    ratio {ours['seconds'] / duckdb['seconds']:.1f}x (target <= 3x)")


FLOW = textwrap.dedent("""
    import json, os, sys, time
    os.environ["POLLWATCH_SETTLE_SECONDS"] = "0"
    from flows.ingest import ingest_polls
    empty, data = sys.argv[1], sys.argv[2]
    started = time.perf_counter()
    ingest_polls(data_dir=empty)  # starts the ephemeral server; nothing to ingest
    startup = time.perf_counter() - started
    started = time.perf_counter()
    run = ingest_polls(data_dir=data)
    print(json.dumps({"startup": startup, "seconds": time.perf_counter() - started,
                      "rows": run.totals["rows_loaded"], "files": run.totals["files"]}))
""")


def small_drops(count: int, work: Path) -> None:
    inbox = work / "data" / "inbox"
    for index in range(count):
        canonical_drop(inbox / f"drop-{index:04d}.csv", 50, seed=index, key_prefix=f"f{index}-")
    then = time.time() - 60
    for path in inbox.iterdir():
        os.utime(path, (then, then))
    copy = work / "copy"
    shutil.copytree(inbox, copy)
    duckdb = min((measure("duckdb", copy / "*.csv") for _ in range(2)), key=lambda m: m["seconds"])
    (work / "empty").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))}
    env["PREFECT_HOME"] = str(work / "prefect-home")
    done = subprocess.run(
        [sys.executable, "-c", FLOW, str(work / "empty"), str(work / "data")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    flow = json.loads(done.stdout)
    print(f"(2) {count:,} drops of 50 rows")
    print(f"    DuckDB read_csv over all files   {duckdb['seconds']:6.2f} s")
    print(
        f"    ingest-polls flow                {flow['seconds']:6.2f} s  "
        f"({flow['files']} files, {flow['rows']:,} rows; server start-up "
        f"{flow['startup']:.1f} s not counted)"
    )
    per_file = (flow["seconds"] - duckdb["seconds"]) / count * 1000
    print(
        f"    ratio {flow['seconds'] / duckdb['seconds']:.1f}x (target <= 20x), "
        f"overhead {per_file:.1f} ms per file"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=1_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big_drop(options.rows, Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        small_drops(options.files, Path(tmp))
