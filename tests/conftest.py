"""Shared fixtures: a fresh data directory per test, and one Prefect server for the whole run.

PREFECT_HOME points into a temporary folder before anything imports Prefect, so tests never touch
the developer's own Prefect database. The Prefect server is a real `prefect server start`, started
by the first test that needs it and shared by every pytest-xdist worker (its address is kept in a
file beside the workers' temporary folders); the controlling process stops it at the end.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import pytest

os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="pollwatch-prefect-home-")
for _name in [n for n in os.environ if n.startswith(("POLLWATCH_", "PREFECT_API_"))]:
    del os.environ[_name]

import flows  # noqa: E402, F401  (pollwatch's Prefect defaults)
from pollwatch.config import Settings, load_settings  # noqa: E402

SERVER_FILE = "prefect-server.json"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh data directory; the environment points the report there too, for flows and
    commands that read their settings themselves."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("POLLWATCH_REPORT_DIR", str(tmp_path / "reports"))
    return load_settings(
        data_dir=data,
        report_dir=tmp_path / "reports",
        settle_seconds=2,
        lock_timeout_seconds=5,
        # The real-time line's budget (10 s by default) is a bound on wall time: on a loaded
        # machine a report left refits for the next one, and tests comparing two reports saw
        # it (four xdist workers on two cores failed three). Tests of the budget set their own.
        realtime_seconds=600,
    )


def _shared_folder(config: pytest.Config) -> Path:
    """A folder every process of this test run sees: the base of the workers' temporary
    folders under xdist, else this process's own."""
    base = config._tmp_path_factory.getbasetemp()  # noqa: SLF001  (pytest's tmp_path base)
    return base.parent if hasattr(config, "workerinput") else base


@pytest.fixture(scope="session")
def prefect_api_url(pytestconfig: pytest.Config) -> str:
    """The address of the test run's one Prefect server: launched at the start of a whole-suite
    run, so its 10-20 s start overlaps the other tests, else by the first test that needs it."""
    folder = _shared_folder(pytestconfig)
    with (folder / "prefect-server.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        known = folder / SERVER_FILE
        if not known.exists():
            _launch_shared_server(folder)
        api_url = json.loads(known.read_text())["api_url"]
    _wait_for_health(api_url)
    return api_url


def _launch_shared_server(folder: Path) -> None:
    """Its scheduler looks for due deployments every 5 s instead of 60."""
    from flows.server import launch_server

    os.environ["PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS"] = "5"
    try:
        server = launch_server(folder / "prefect-server-home")
    finally:
        del os.environ["PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS"]
    (folder / SERVER_FILE).write_text(
        json.dumps({"api_url": server.api_url, "pid": server.process.pid})
    )


def _wait_for_health(api_url: str, timeout: float = 180) -> None:
    from flows.server import answers

    deadline = time.monotonic() + timeout
    while not answers(api_url, timeout=2):
        if time.monotonic() > deadline:
            pytest.fail(f"the test run's Prefect server at {api_url} never answered")
        time.sleep(0.5)


def pytest_sessionstart(session: pytest.Session) -> None:
    """A run of the whole suite (as `make test`) launches the shared server at once."""
    config = session.config
    if hasattr(config, "workerinput"):
        return
    whole_suite = [Path(a).resolve() for a in config.args] in (
        [],
        [Path(config.rootpath, p).resolve() for p in config.getini("testpaths")],
    )
    if whole_suite:
        _launch_shared_server(_shared_folder(config))


@pytest.fixture
def serves_the_shared_deployment(pytestconfig: pytest.Config):
    """Tests that serve ingest-and-report/pollwatch on the session's one server take turns: at
    once, each one's serve took the other's runs (a run of one test ingested the other's empty
    inbox). A lock file, not an xdist group: pytest 9 builds node ids itself, so xdist's
    loadgroup, which renames them to group them, silently groups nothing."""
    with (_shared_folder(pytestconfig) / "shared-deployment.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture
def prefect_server_home(pytestconfig: pytest.Config, prefect_api_url: str) -> Path:
    """The shared server's PREFECT_HOME: its log and its dead-letter folder."""
    return _shared_folder(pytestconfig) / "prefect-server-home"


@pytest.fixture
def prefect_server(prefect_api_url: str):
    """Flows called in this process report to the shared server."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: prefect_api_url}):
        yield prefect_api_url


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controlling process (not an xdist worker) stops the shared server, by its group."""
    if hasattr(session.config, "workerinput"):
        return
    known = _shared_folder(session.config) / SERVER_FILE
    if "prefect" in sys.modules:  # send this process's last run logs before the server goes
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=10)
        EventsWorker.drain_all(timeout=10)
    if known.exists():
        from flows.server import stop_group

        stop_group(json.loads(known.read_text())["pid"])
        known.unlink()
