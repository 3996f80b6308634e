"""`pollwatch serve` against a real Prefect server: a scheduled run picks a drop up, hand runs
fired together run one after the other, and stopping leaves no process behind.

Every process started here is stopped by its process group in a `finally`, even when a check
fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from flows.server import start_server, stop_server
from tests.helpers import settle

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
POLLWATCH = Path(sys.executable).parent / "pollwatch"


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    """A real Prefect server on a free loopback port, with a temporary PREFECT_HOME. Its
    scheduler looks for due deployments every 5 s instead of 60, so a test waits less."""
    previous = os.environ.get("PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS")
    os.environ["PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS"] = "5"
    server = start_server(tmp_path_factory.mktemp("prefect-server"))
    try:
        yield server
    finally:
        stop_server(server)
        if previous is None:
            os.environ.pop("PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS")
        else:
            os.environ["PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS"] = previous


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))}
    return (
        env
        | {
            "PREFECT_HOME": str(tmp_path / "prefect-home"),
            "PYTHONUNBUFFERED": "1",
            "POLLWATCH_SETTLE_SECONDS": "0",
            "POLLWATCH_REPORT_DIR": str(tmp_path / "reports"),
        }
        | extra
    )


def wait_for(check, timeout: float, what: str, pause: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(pause)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as output:
        return subprocess.Popen(
            [str(POLLWATCH), *args],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> None:
    """SIGTERM as a service manager would, then SIGKILL to the whole group if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=40)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def group_is_gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def drop(sample: str, inbox: Path) -> Path:
    inbox.mkdir(parents=True, exist_ok=True)
    path = Path(shutil.copy(SAMPLES / sample, inbox))
    settle(path)
    return path


def read(db: Path, sql: str):
    """Read the store once no run holds it."""

    def attempt():
        try:
            with duckdb.connect(str(db), read_only=True) as con:
                return [con.execute(sql).fetchall()]
        except duckdb.IOException:
            return None

    return wait_for(attempt, 60, "the database to be free", pause=0.5)[0]


def test_scheduled_and_hand_runs_on_a_real_prefect_server(prefect_api, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.settings import PREFECT_API_URL, temporary_settings

    data = tmp_path / "data"
    data.mkdir()
    env = environment(tmp_path, PREFECT_API_URL=prefect_api.api_url)
    log = tmp_path / "serve.log"
    serve = start(["serve", "--data-dir", str(data), "--cron", "* * * * *"], env, log)
    triggers: list[subprocess.Popen] = []
    try:
        started = time.monotonic()
        wait_for(lambda: "next run" in log.read_text(), 120, "serve to say it is ready")
        ready = time.monotonic() - started
        assert f"Prefect UI: {prefect_api.ui_url}" in log.read_text()

        first = drop("kiis_zelensky_trust_2022-2025.csv", data / "inbox")
        dropped = time.monotonic()
        wait_for(
            lambda: (data / "archive" / first.name).exists(),
            150,
            "a scheduled run to ingest the drop",
        )
        wait_for(lambda: (tmp_path / "reports" / "index.html").exists(), 90, "the report")
        scheduled = time.monotonic() - dropped
        assert read(data / "polls.duckdb", "SELECT count(*) FROM polls") == [(7,)]
        assert "Volodymyr Zelensky" in (tmp_path / "reports" / "index.html").read_text()
        with (
            temporary_settings({PREFECT_API_URL: prefect_api.api_url}),
            get_client(sync_client=True) as client,
        ):
            summaries = client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-summary"]))
            )
            links = client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["poll-report"]))
            )
            assert any(first.name in a.data and "7 rows new" in a.data for a in summaries)
            assert any("index.html" in a.data for a in links)
            wait_for(
                lambda: any(
                    r.auto_scheduled and r.state.is_completed() for r in client.read_flow_runs()
                ),
                60,
                "the scheduled run to be completed in Prefect",
            )

        drop("fom_vtsiom_putin_2022.csv", data / "inbox")
        drop("rating_group_zelensky_2022.csv", data / "inbox")
        fired = time.monotonic()
        for index in range(2):
            triggers.append(
                start(
                    ["trigger", "pipeline", "--wait", "--data-dir", str(data)],
                    env,
                    tmp_path / f"trigger-{index}.log",
                )
            )
        for process in triggers:
            assert process.wait(timeout=240) == 0
        by_hand = time.monotonic() - fired
        for index in range(2):
            assert "finished: Completed" in (tmp_path / f"trigger-{index}.log").read_text()

        db = data / "polls.duckdb"
        assert read(db, "SELECT count(*) FROM polls") == [(7 + 6 + 2,)]
        loaded = read(
            db, "SELECT sha256, count(*) FROM files WHERE status = 'loaded' GROUP BY sha256"
        )
        assert len(loaded) == 3 and all(count == 1 for _, count in loaded)
        spans = read(db, "SELECT started_at, finished_at FROM runs ORDER BY started_at")
        for (_, finished), (next_start, _) in zip(spans, spans[1:], strict=False):
            assert finished <= next_start, "two ingest runs held the database at once"
        print(
            f"\nserve ready in {ready:.1f} s; drop to scheduled report {scheduled:.1f} s; "
            f"two hand runs end to end {by_hand:.1f} s"
        )
    finally:
        for process in triggers:
            stop(process)
        stop(serve)
    assert serve.returncode in (0, 143, -signal.SIGTERM), log.read_text()[-2000:]
    assert group_is_gone(serve.pid)


def test_serve_starts_its_own_server_and_stops_it(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    log = tmp_path / "serve.log"
    serve = start(["serve", "--data-dir", str(data)], environment(tmp_path), log)
    try:
        text = wait_for(
            lambda: "next run" in log.read_text() and log.read_text(),
            180,
            "serve with its own server to be ready",
        )
        ui = re.search(r"Prefect UI: (http://127\.0\.0\.1:\d+)", text).group(1)
        with urllib.request.urlopen(f"{ui}/api/health", timeout=5) as answer:
            assert answer.status == 200
        assert (data / "prefect" / "server.json").exists()
        assert "at '*/15 * * * *' (UTC)" in text
    finally:
        stop(serve)
    assert "Prefect server stopped" in log.read_text()
    assert not (data / "prefect" / "server.json").exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{ui}/api/health", timeout=5)
    assert group_is_gone(serve.pid)


def test_prefect_yaml_deploys_the_same_deployments_onto_a_process_pool(prefect_api, tmp_path):
    prefect = Path(sys.executable).parent / "prefect"
    env = environment(tmp_path, PREFECT_API_URL=prefect_api.api_url)
    for command in (
        ["work-pool", "create", "pollwatch", "--type", "process"],
        ["--no-prompt", "deploy", "--all"],
    ):
        done = subprocess.run(
            [str(prefect), *command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    listed = subprocess.run(
        [str(prefect), "deployment", "ls"], env=env, capture_output=True, text=True, timeout=60
    ).stdout
    for name in (
        "ingest-and-report/pollwatch",
        "ingest-polls/pollwatch",
        "render-report/pollwatch",
    ):
        assert name in listed
