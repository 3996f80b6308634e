"""Ingest speed against DuckDB's own CSV reader, on the same files in the same run.

(1) One canonical drop of 1, 2 and 5 million rows in the inbox: pollwatch's library ingest
    (read, mapped and checked inside DuckDB, every rule, one transaction, archived) against
    `CREATE TABLE ... AS SELECT * FROM read_csv(...)`. Each runs in a fresh process, so peak
    memory is its own. Targets: at most 2.5x the time and 1.5x the memory, and time linear in
    the size.
(2) 1,000 drops of 50 rows through `pollwatch ingest` as a person runs it (no Prefect server)
    against one read_csv over the same files. Target: at most 10x.

Run: .venv/bin/python bench/ingest_speed.py [--sizes 1000000,2000000] [--files N]   (or make bench;
--sizes '' or --files 0 skips that part)
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
        con.execute("SET enable_progress_bar = false")  # it would draw on stdout
        con.execute(f"CREATE TABLE polls AS SELECT * FROM read_csv('{target}')")
        rows = con.execute("SELECT count(*) FROM polls").fetchone()[0]
        con.close()
    else:
        settings = load_settings(data_dir=work, settle_seconds=0, max_file_mb=4096)
        settings.inbox.mkdir(parents=True, exist_ok=True)
        dropped = settings.inbox / Path(target).name
        dropped.hardlink_to(target)  # dropped in the inbox, as a user does: archived by a rename
        started = time.perf_counter()
        run = run_ingest([], settings)
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
        return json.loads(done.stdout.strip().splitlines()[-1])


def big_drop(rows: int, work: Path) -> None:
    # Written by a child process: a parent grown by pandas would pass its peak memory on to every
    # measuring process it starts (Linux keeps ru_maxrss across fork and exec).
    path = work / "big.csv"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from bench.common import"
            " canonical_drop; canonical_drop(Path(sys.argv[1]), int(sys.argv[2]))",
            str(path),
            str(rows),
        ],
        cwd=ROOT,
        check=True,
    )
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
        f"peak {ours['peak_mb']:5d} MB  {ours['rows']:,} rows loaded  "
        f"{ours['seconds'] / rows * 1e6:.2f} s a million rows"
    )
    print(
        f"    ratio {ours['seconds'] / duckdb['seconds']:.1f}x time (target <= 2.5x), "
        f"{ours['peak_mb'] / duckdb['peak_mb']:.1f}x memory (target <= 1.5x)"
    )


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
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))}
    env |= {"PREFECT_HOME": str(work / "prefect-home"), "POLLWATCH_SETTLE_SECONDS": "0"}
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "pollwatch"), "ingest", "--json"],
        cwd=work,
        env=env | {"POLLWATCH_DATA_DIR": str(work / "data")},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    totals = json.loads(done.stdout)["totals"]
    print(f"(2) {count:,} drops of 50 rows")
    print(f"    DuckDB read_csv over all files   {duckdb['seconds']:6.2f} s")
    print(
        f"    pollwatch ingest (the command)   {seconds:6.2f} s  "
        f"({totals['files']} files, {totals['rows_loaded']:,} rows)"
    )
    per_file = (seconds - duckdb["seconds"]) / count * 1000
    print(
        f"    ratio {seconds / duckdb['seconds']:.1f}x (target <= 10x), "
        f"overhead {per_file:.1f} ms per file"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,2000000,5000000")
    parser.add_argument("--files", type=int, default=1_000)
    options = parser.parse_args()
    for rows in [int(size) for size in options.sizes.split(",") if size]:
        with tempfile.TemporaryDirectory() as tmp:
            big_drop(rows, Path(tmp))
    if options.files:
        with tempfile.TemporaryDirectory() as tmp:
            small_drops(options.files, Path(tmp))
