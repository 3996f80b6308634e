"""A Prefect server of pollwatch's own, for `pollwatch serve` when no PREFECT_API_URL is given.

Schedules need a real server (ephemeral mode schedules nothing). This starts `prefect server
start` on 127.0.0.1 at a free port, with its PREFECT_HOME (database, logs) under the data
directory, waits until it answers, and stops it and everything it started, by process group.
The address is written to server.json beside it, so `pollwatch trigger` can find it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ADDRESS_FILE = "server.json"
STARTUP_TIMEOUT = 120.0


@dataclass
class LocalServer:
    api_url: str
    process: subprocess.Popen
    log: Path

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(home: Path, timeout: float = STARTUP_TIMEOUT) -> LocalServer:
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = home / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",
    }
    prefect = Path(sys.executable).parent / "prefect"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = LocalServer(f"http://127.0.0.1:{port}/api", process, log)
    try:
        wait_until_healthy(server, timeout)
    except BaseException:
        stop_server(server)
        raise
    return server


def wait_until_healthy(server: LocalServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(
                f"prefect server start exited with {server.process.returncode}; "
                f"its log ({server.log}) ends:\n{tail}"
            )
        try:
            with urllib.request.urlopen(f"{server.api_url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise TimeoutError(
        f"the Prefect server at {server.api_url} was not healthy after "
        f"{timeout:g} s; see {server.log}"
    )


def stop_server(server: LocalServer, grace: float = 20.0) -> None:
    """SIGTERM to the server's whole process group, then SIGKILL for what is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.process.wait(timeout=grace)
            os.killpg(server.process.pid, 0)  # members of the group may outlive the leader
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue
        time.sleep(1)


def write_address(home: Path, api_url: str, pid: int) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / ADDRESS_FILE
    path.write_text(json.dumps({"api_url": api_url, "serve_pid": pid}), encoding="utf-8")
    return path


def read_address(home: Path) -> str | None:
    try:
        return json.loads((home / ADDRESS_FILE).read_text(encoding="utf-8"))["api_url"]
    except (OSError, ValueError, KeyError):
        return None
