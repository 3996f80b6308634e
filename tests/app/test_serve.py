"""`pollwatch serve` against a real Prefect server: a scheduled run picks a drop up, hand runs
fired together both complete and load every file once, and stopping leaves no process behind.

Every process started here is stopped by its process group in a `finally`, even when a check
fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.server import answers
from tests.helpers import HOLDING_ROWS, ROOT, big_drop, settle, wait_until_held

SAMPLES = ROOT / "data" / "samples"
POLLWATCH = Path(sys.executable).parent / "pollwatch"


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


def pollwatch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """The real command, run to its end."""
    return subprocess.run(
        [str(POLLWATCH), *args], env=env, capture_output=True, text=True, timeout=240
    )


def wait_for(check, timeout: float, what: str, pause: float = 0.2):
    """Checks are a read of a log or a file or one request to the server: every 0.2 s costs
    little, and a second's pause left each wait of a serve test up to a second late."""
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


def group_is_gone(pgid: int, timeout: float = 10) -> bool:
    """No live process left in the group within `timeout`. A zombie counts as gone: it is dead
    and only waits for its reaper (here not always prompt, so killpg(pgid, 0) kept finding one
    after serve had exited)."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                state, _, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
            except (OSError, ValueError):
                continue  # gone while we looked
            if int(group) == pgid and state not in ("Z", "X"):
                alive.append(stat.parent.name)
        if not alive or time.monotonic() > deadline:
            return not alive
        time.sleep(0.1)


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

    return wait_for(attempt, 60, "the database to be free")[0]


def make_due_now(client, deployment_name: str) -> object:
    """The next run the server scheduled from the deployment's cron, made due at once, so the test
    need not wait for a minute boundary. It stays the scheduler's own run (auto_scheduled)."""
    from prefect.states import Scheduled

    deployment = client.read_deployment_by_name(deployment_name)
    upcoming = wait_for(
        lambda: [
            r
            for r in client.read_flow_runs()
            if r.deployment_id == deployment.id and r.auto_scheduled and r.state.is_scheduled()
        ],
        60,
        "the server to schedule runs from the cron",
        pause=0.5,
    )
    run = min(upcoming, key=lambda r: r.expected_start_time)
    client.set_flow_run_state(run.id, Scheduled(scheduled_time=datetime.now(UTC)), force=True)
    return run


# The tests that serve the deployment ingest-and-report/pollwatch on the session's one server
# take turns (the serves_the_shared_deployment fixture): at once, each one's serve took the
# other's runs (a scheduled-run test once ran the cancel test's 500,000-row drop, and once the
# cancel test's empty inbox).


def test_scheduled_and_hand_runs_on_a_real_prefect_server(
    prefect_api_url, serves_the_shared_deployment, tmp_path
):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.settings import PREFECT_API_URL, temporary_settings

    data = tmp_path / "data"
    data.mkdir()
    env = environment(tmp_path, PREFECT_API_URL=prefect_api_url)
    log = tmp_path / "serve.log"
    serve = start(["serve", "--data-dir", str(data), "--cron", "0 3 * * *"], env, log)
    triggers: list[subprocess.Popen] = []
    try:
        wait_for(lambda: "next run" in log.read_text(), 120, "serve to say it is ready")
        assert f"Prefect UI: {prefect_api_url.removesuffix('/api')}" in log.read_text()
        first = drop("kiis_zelensky_trust_2022-2025.csv", data / "inbox")
        with (
            temporary_settings({PREFECT_API_URL: prefect_api_url}),
            get_client(sync_client=True) as client,
        ):
            scheduled = make_due_now(client, "ingest-and-report/pollwatch")
            wait_for(
                lambda: (data / "archive" / first.name).exists(),
                60,
                "the scheduled run to ingest the drop",
                pause=0.2,
            )
            wait_for(lambda: (tmp_path / "reports" / "index.html").exists(), 60, "the report")
            wait_for(
                lambda: client.read_flow_run(scheduled.id).state.is_completed(),
                60,
                "the scheduled run to be completed in Prefect",
            )
            assert read(data / "polls.duckdb", "SELECT count(*) FROM polls") == [(7,)]
            assert "Volodymyr Zelensky" in (tmp_path / "reports" / "index.html").read_text()
            summaries = client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-summary"]))
            )
            links = client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["poll-report"]))
            )
            assert any(first.name in a.data and "7 rows new" in a.data for a in summaries)
            assert any(str(tmp_path / "reports" / "index.html") in a.data for a in links)

        drop("fom_vtsiom_putin_2022.csv", data / "inbox")
        drop("rating_group_zelensky_2022.csv", data / "inbox")
        for index in range(2):
            triggers.append(
                start(
                    ["trigger", "pipeline", "--wait", "--data-dir", str(data)],
                    env,
                    tmp_path / f"trigger-{index}.log",
                )
            )
        for process in triggers:
            assert process.wait(timeout=120) == 0
        for index in range(2):
            assert "finished: Completed" in (tmp_path / f"trigger-{index}.log").read_text()

        db = data / "polls.duckdb"
        assert read(db, "SELECT count(*) FROM polls") == [(7 + 6 + 2,)]
        loaded = read(
            db, "SELECT sha256, count(*) FROM files WHERE status = 'loaded' GROUP BY sha256"
        )
        assert len(loaded) == 3 and all(count == 1 for _, count in loaded)
        assert list((data / "inbox").iterdir()) == []

        bad = data / "inbox" / "bad.csv"
        bad.write_text("pollster,country\nLevada,RU\n")
        settle(bad)
        done = pollwatch(env, "trigger", "ingest", "--wait", "--data-dir", str(data))
        # serve's log says what the run saw of bad.csv, should this fail again.
        assert done.returncode == 1, done.stdout + done.stderr + log.read_text()[-4000:]
        assert "finished: Completed; rows were rejected" in done.stdout
    finally:
        for process in triggers:
            stop(process)
        stop(serve)
    assert serve.returncode in (0, 143, -signal.SIGTERM), log.read_text()[-2000:]
    assert group_is_gone(serve.pid)


DEPLOYMENTS = (
    "ingest-and-report/pollwatch",
    "ingest-polls/pollwatch",
    "render-report/pollwatch",
    "check-expected-drops/pollwatch",
)


def work_pool(api_url: str, deployment: str) -> str | None:
    with urllib.request.urlopen(f"{api_url}/deployments/name/{deployment}", timeout=10) as answer:
        return json.loads(answer.read())["work_pool_name"]


def test_serve_starts_its_own_server_and_prefect_yaml_deploys_onto_a_process_pool(tmp_path):
    """serve with no server to use starts its own, and stops it when it stops. On that server
    (one of this test's own, as prefect.yaml's deployments have the names serve registers on the
    session's: a deploy of them in the middle of a test serving those would take its runs
    over), `prefect deploy --all` puts the same deployments onto a process pool. One test for
    both, as each needs a Prefect server started for it alone (20-60 s).

    A second serve of the same data directory is refused while the first runs, and a serve
    killed outright (SIGKILL to it alone, as the OOM killer does) takes its server with it: the
    server once ran on for good, and the next serve started another on the same database."""
    data = tmp_path / "data"
    data.mkdir()
    log = tmp_path / "serve.log"
    prefect = Path(sys.executable).parent / "prefect"
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
        assert [work_pool(f"{ui}/api", name) for name in DEPLOYMENTS] == [None] * 4

        env = environment(tmp_path / "deploy", PREFECT_API_URL=f"{ui}/api")
        for command in (
            ["work-pool", "create", "pollwatch", "--type", "process"],
            ["--no-prompt", "deploy", "--all"],
        ):
            done = subprocess.run(
                [str(prefect), *command],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        listed = subprocess.run(  # wide enough that no name is cut short
            [str(prefect), "deployment", "ls"],
            env=env | {"COLUMNS": "250"},
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        for name in DEPLOYMENTS:
            assert name in listed
            # serve registered these names too: that they are the deploy's, not serve's, is
            # their work pool.
            assert work_pool(f"{ui}/api", name) == "pollwatch", name

        second_log = tmp_path / "serve-second.log"
        second = start(["serve", "--data-dir", str(data)], environment(tmp_path), second_log)
        try:
            returned = second.wait(timeout=60)
        except subprocess.TimeoutExpired:
            returned = None
        finally:
            stop(second)
        said = second_log.read_text()
        assert returned == 3, said
        assert f"already serving {data}" in said and ui in said
        assert "starting a Prefect server" not in said

        os.kill(serve.pid, signal.SIGKILL)
        serve.wait(timeout=10)
        wait_for(lambda: not answers(f"{ui}/api"), 60, "the killed serve's server to stop")
        log = tmp_path / "serve-again.log"
        serve = start(["serve", "--data-dir", str(data)], environment(tmp_path), log)
        text = wait_for(
            lambda: "next run" in log.read_text() and log.read_text(),
            180,
            "serve after a killed one to be ready",
        )
        ui = re.search(r"Prefect UI: (http://127\.0\.0\.1:\d+)", text).group(1)
    finally:
        stop(serve)
    assert "Prefect server stopped" in log.read_text()
    assert not (data / "prefect" / "server.json").exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{ui}/api/health", timeout=5)
    assert group_is_gone(serve.pid)


def flow_run_state(api_url: str, flow_run_id: str) -> dict:
    with urllib.request.urlopen(f"{api_url}/flow_runs/{flow_run_id}", timeout=10) as answer:
        return json.loads(answer.read())["state"]


def test_a_served_run_cancelled_in_the_ui_or_killed_ends_and_the_next_run_goes_on(
    prefect_api_url, serves_the_shared_deployment, tmp_path
):
    """serve's runner stops a run cancelled in Prefect and marks it Cancelled, and marks a run
    whose process was killed Crashed; neither leaves the store half-written or the next waiting."""
    data = tmp_path / "data"
    (data / "inbox").mkdir(parents=True)
    env = environment(tmp_path, PREFECT_API_URL=prefect_api_url)
    log = tmp_path / "serve.log"
    serve = start(["serve", "--data-dir", str(data)], env, log)
    db = data / "polls.duckdb"

    def trigger_ingest() -> str:
        big_drop(data / "inbox" / "big.csv", HOLDING_ROWS)
        started = pollwatch(env, "trigger", "ingest", "--data-dir", str(data))
        assert started.returncode == 0, started.stderr
        return re.search(r"flow run ([0-9a-f-]{36})", started.stdout).group(1)

    def stored() -> int:
        return read(db, "SELECT count(*) FROM polls")[0][0]

    try:
        wait_for(lambda: "next run" in log.read_text(), 120, "serve to say it is ready")
        cancelled = trigger_ingest()
        wait_until_held(db)
        request = urllib.request.Request(
            f"{prefect_api_url}/flow_runs/{cancelled}/set_state",
            data=json.dumps({"state": {"type": "CANCELLING"}, "force": True}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()
        wait_for(
            lambda: flow_run_state(prefect_api_url, cancelled)["type"] == "CANCELLED",
            60,
            "the cancelled run to be stopped",
            pause=0.5,
        )
        assert stored() in (0, HOLDING_ROWS)

        killed = trigger_ingest() if stored() == 0 else None
        if killed:  # the big file is still in the inbox: kill the process that loads it
            os.kill(wait_until_held(db), signal.SIGKILL)
            state = wait_for(
                lambda: (s := flow_run_state(prefect_api_url, killed))["type"] == "CRASHED" and s,
                60,
                "the killed run to be marked crashed",
                pause=0.5,
            )
            assert "killed by SIGKILL" in state["message"]
            assert stored() in (0, HOLDING_ROWS)

        done = pollwatch(env, "trigger", "ingest", "--wait", "--data-dir", str(data))
        assert done.returncode == 0, done.stdout + done.stderr
        assert stored() == HOLDING_ROWS
    finally:
        stop(serve)
    assert group_is_gone(serve.pid)
