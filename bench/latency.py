"""Command latency: how long a person waits for each action, beside what the action cannot avoid.

Every figure is the median wall time of fresh processes, printed beside a baseline measured in the
same run:

- the import baseline, `python -c "import pandas, pyarrow, duckdb, pandera.pandas"`: what any
  command that reads polls must load (and the same with prefect, for the runs that report to it);
- for `trend`, `layouts` and `status`, the libraries each one needs, loaded under a do-nothing
  typer command with a path option (the command line's own floor), with no Prefect.

Rows: `make run` on a fresh clone and again on the same clone; `pollwatch ingest` of a 50-row drop
with no Prefect server and with one reachable; `pollwatch ingest` of a 10,910-row drop; `pollwatch
report` on the samples; `trend`, `layouts`, `status`; `pollwatch trigger pipeline --wait` against
`pollwatch serve`, from the call to the report written; and `make test` on a clean clone. Nothing
here is asserted: bench/RESULTS.md records the figures and the targets.

Run: .venv/bin/python bench/latency.py [--runs N] [--skip-make-test]   (or make bench)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from bench.common import canonical_drop  # noqa: E402
from flows.server import start_server, stop_group, stop_server  # noqa: E402

BIN = Path(sys.executable).parent
POLLWATCH = str(BIN / "pollwatch")
IMPORTS = "import pandas, pyarrow, duckdb, pandera.pandas"


def typer_floor(modules: str) -> list[str]:
    """A do-nothing typer command with one path option, as every pollwatch command has, that
    loads `modules`: the floor of a command that needs them. (typer loads pydantic to check a
    typed option, 80 ms here; that is the command line's cost, not the command's.)"""
    code = (
        f"import typer{', ' + modules if modules else ''}\n"
        "from pathlib import Path\n"
        "from typing import Annotated\n"
        "app = typer.Typer()\n"
        "@app.command()\n"
        "def main(data_dir: Annotated[Path | None, typer.Option('--data-dir')] = None) -> None:\n"
        "    pass\n"
        "app()"
    )
    return [sys.executable, "-c", code, "--data-dir", "."]


def wall(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds


def median(runs: int, measure) -> float:
    return statistics.median(measure(i) for i in range(runs))


def sample_sized_drop(path: Path, index: int) -> Path:
    """A drop like the samples: a few new monthly Levada polls of Putin's approval, so the
    report it leads to is the samples' report plus one more month or so."""
    months = [f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in (2 * index, 2 * index + 1)]
    rows = [
        {
            "pollster": "Levada Center",
            "country": "RU",
            "leader": "Vladimir Putin",
            "metric": "approval",
            "population": "adults",
            "mode": "face_to_face",
            "fieldwork_start": month,
            "fieldwork_end": "",
            "positive_pct": 80 + index % 5,
            "negative_pct": 15,
            "poll_key": f"bench-{month}",
        }
        for month in months
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


class Rows(list):
    """The table, each row printed as soon as it is measured (a long run shows its progress)."""

    def append(self, row: tuple[str, float, str, float, str]) -> None:
        super().append(row)
        print(format_row(*row), flush=True)

    def __iadd__(self, more):
        for row in more:
            self.append(row)
        return self


def format_row(label: str, seconds: float, baseline: str, baseline_seconds: float, target: str):
    ratio = f"{seconds / baseline_seconds:5.2f}x" if baseline_seconds else ""
    shown = f"{baseline} {baseline_seconds:.2f} s" if baseline_seconds else ""
    return f"    {label:<54} {seconds:7.2f}s  {shown:<40} {ratio:>6}  {target}"


class Bench:
    """Two data directories: one for the ingest drops, one holding the samples (the report,
    trend, status and the triggered pipeline are measured on the samples, as a user's are)."""

    def __init__(self, tmp: Path, runs: int) -> None:
        self.tmp, self.runs = tmp, runs
        self.drops = self.data_dir("drops")
        self.samples = self.data_dir("samples")
        for sample in (ROOT / "data" / "samples").glob("*.csv"):
            shutil.copy(sample, self.samples / "inbox" / sample.name)
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))
        } | {
            "PREFECT_HOME": str(tmp / "prefect-home"),
            "POLLWATCH_REPORT_DIR": str(tmp / "reports"),
            "POLLWATCH_SETTLE_SECONDS": "0",
        }
        wall([POLLWATCH, "ingest", "--data-dir", str(self.samples)], self.env)
        self.count = 0

    def data_dir(self, name: str) -> Path:
        (self.tmp / name / "inbox").mkdir(parents=True)
        return self.tmp / name

    def ingest(self, rows: int, env: dict[str, str]) -> float:
        """`pollwatch ingest` of a new drop (new poll keys), so every run has work to do."""

        def once(_: int) -> float:
            self.count += 1
            canonical_drop(
                self.drops / "inbox" / f"drop-{self.count}.csv",
                rows,
                seed=self.count,
                key_prefix=f"d{self.count}-",
            )
            return wall([POLLWATCH, "ingest", "--data-dir", str(self.drops)], env)

        return median(self.runs, once)

    def on_samples(self, *args: str) -> list[str]:
        return [POLLWATCH, *args, "--data-dir", str(self.samples)]

    def report(self) -> tuple[float, float]:
        """The report's wall time, and the rendering time it reports itself."""
        walls, rendering = [], []
        for _ in range(self.runs):
            started = time.perf_counter()
            done = subprocess.run(
                self.on_samples("report"), env=self.env, cwd=ROOT, capture_output=True, text=True
            )
            walls.append(time.perf_counter() - started)
            rendering.append(float(re.search(r"([\d.]+) s\)", done.stdout).group(1)))
        return statistics.median(walls), statistics.median(rendering)

    def trigger_against_serve(self, api_url: str) -> float:
        """From `pollwatch trigger pipeline --wait` to the report written, each time with a new
        drop the size of a sample, so the pipeline ingests and redraws the report."""
        served = self.env | {"PREFECT_API_URL": api_url}
        log_path = self.tmp / "serve.log"
        with log_path.open("w") as log:
            serve = subprocess.Popen(
                self.on_samples("serve"),
                env=served,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + 120
            while "next run" not in log_path.read_text():
                if time.monotonic() > deadline or serve.poll() is not None:
                    raise RuntimeError(f"pollwatch serve did not start: {log_path.read_text()}")
                time.sleep(0.2)
            time.sleep(5)  # its spare flow-run process has done its imports, as in steady use

            def once(index: int) -> float:
                sample_sized_drop(self.samples / "inbox" / f"levada-{index}.csv", index)
                seconds = wall(self.on_samples("trigger", "pipeline", "--wait"), served)
                time.sleep(5)  # the next spare process warms up, as between a person's runs
                return seconds

            return median(self.runs, once)
        finally:
            stop_group(serve.pid)


def make_run_on_a_fresh_clone(tmp: Path) -> tuple[float, float]:
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))}
    env["PREFECT_HOME"] = str(tmp / "clone-prefect-home")
    first = wall(["make", "run"], env, cwd=clone)
    second = wall(["make", "run"], env, cwd=clone)
    return first, second


def make_test_on_a_clean_clone(tmp: Path) -> float:
    clone = tmp / "clone-for-test"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))}
    started = time.perf_counter()
    done = subprocess.run(["make", "test"], env=env, cwd=clone, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        kept = ROOT / "bench" / "make-test-failure.log"
        kept.write_text(done.stdout + done.stderr)
        print(f"make test failed on the clean clone (exit {done.returncode}); see {kept}")
    return seconds


def main(runs: int, skip_make_test: bool) -> None:
    rows = Rows()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        bench = Bench(tmp, runs)
        env = bench.env
        base = median(runs + 2, lambda _: wall([sys.executable, "-c", IMPORTS], env))
        base_prefect = median(
            runs + 2, lambda _: wall([sys.executable, "-c", IMPORTS + ", prefect"], env)
        )
        print(f"import baseline {base:.2f} s; with prefect {base_prefect:.2f} s", flush=True)

        fresh, again = make_run_on_a_fresh_clone(tmp)
        rows += [
            ("make run, fresh clone (dependencies cached)", fresh, "", 0, ""),
            ("make run, second run on the same clone", again, "", 0, "<= 10 s"),
        ]
        bench.ingest(50, env)  # the drops' store exists, as after any first run
        rows.append(
            ("ingest 50 rows, no Prefect server", bench.ingest(50, env), "import", base, "<= 1.6x")
        )
        rows.append(
            ("ingest 10,910 rows, no Prefect server", bench.ingest(10_910, env), "import", base, "")
        )
        rendered_wall, rendering = bench.report()
        rows.append(
            (
                "report of the samples",
                rendered_wall,
                f"2 x import + rendering {rendering:.2f} s",
                2 * base + rendering,
                "<= 1.0x",
            )
        )
        for label, command, floor in (
            (
                "trend",
                ["trend", "--leader", "Putin", "--metric", "approval"],
                "pandas, duckdb, scipy.optimize",
            ),
            ("layouts", ["layouts"], ""),
            ("status", ["status"], "duckdb"),
        ):
            floor_seconds = median(runs + 2, lambda _, f=floor: wall(typer_floor(f), env))
            seconds = median(runs + 2, lambda _, c=command: wall(bench.on_samples(*c), env))
            rows.append((label, seconds, f"typer + {floor or 'nothing'}", floor_seconds, "<= 1.3x"))

        server = start_server(tmp / "server-home")
        try:
            served = env | {"PREFECT_API_URL": server.api_url}
            bench.ingest(50, served)  # the flow is registered, as after any first run
            rows.append(
                (
                    "ingest 50 rows, a Prefect flow run on a server",
                    bench.ingest(50, served),
                    "import",
                    base,
                    "<= 3x",
                )
            )
            rows.append(
                (
                    "trigger pipeline --wait against serve, to the report",
                    bench.trigger_against_serve(server.api_url),
                    "import",
                    base,
                    "<= 8 s (aim 5 s)",
                )
            )
        finally:
            stop_server(server)
        if not skip_make_test:
            rows.append(
                ("make test, clean clone", make_test_on_a_clean_clone(tmp), "", 0, "<= 240 s")
            )

    print(
        f"command latency, median of {runs} fresh processes (import baseline {base:.2f} s, "
        f"with prefect {base_prefect:.2f} s)"
    )
    print(f"    {'action':<54} {'wall':>8}  {'baseline':<40} {'ratio':>6}  target")
    for row in rows:
        print(format_row(*row))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-make-test", action="store_true")
    arguments = parser.parse_args()
    main(arguments.runs, arguments.skip_make_test)
