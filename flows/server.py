"""Finding a Prefect server, and starting pollwatch's own for `pollwatch serve`.

A command run by hand is a Prefect flow run only when a server is there to record it: the one
PREFECT_API_URL names (in the environment, ./prefect.toml or the active Prefect profile), else the
one `pollwatch serve` is using, whose address it writes to DATA_DIR/prefect/server.json. With
none reachable, the command runs the library directly and pays nothing for Prefect: no import
(about 1.5 s here) and no temporary server (8-20 s). Nothing here imports Prefect.

Schedules need a real server (ephemeral mode schedules nothing), so `pollwatch serve` starts
`prefect server start` on 127.0.0.1 at a free port, with its PREFECT_HOME (database, logs) under
the data directory, waits until it answers, and stops it and everything it started, by process
group.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
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
    """A server on 127.0.0.1 at a free port, answering when this returns, and ending when this
    process ends, however it ends (tied_to_this_process)."""
    server = launch_server(home, tied=True)
    try:
        wait_until_healthy(server, timeout)
    except BaseException:
        stop_server(server)
        raise
    return server


def launch_server(home: Path, tied: bool = False) -> LocalServer:
    """`prefect server start` launched, not yet answering (wait_until_healthy); with `tied`, told
    to stop when this process dies. It runs in a session of its own, so that Ctrl-C in a
    terminal reaches serve, which stops it after its runs, not the server under them."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = home / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",
        # What the server's automations link a run to (`flow_run | ui_url` in alerts).
        "PREFECT_UI_URL": f"http://127.0.0.1:{port}",
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
            preexec_fn=tied_to_this_process(os.getpid()) if tied else None,
        )
    return LocalServer(f"http://127.0.0.1:{port}/api", process, log)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def tied_to_this_process(parent: int):
    """What a child runs before it starts, on Linux: SIGTERM to it when `parent` dies, however
    that dies. A `pollwatch serve` killed outright (SIGKILL, the OOM killer) left its server
    running for good, in a session of its own, and the next serve started a second server on
    the same database. (A parent gone before the child asked is the same death, seen at once.)
    Elsewhere, nothing: such a server is stopped only by serve's own exit."""
    if not sys.platform.startswith("linux"):
        return None

    def tie() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)

    return tie


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
    stop_group(server.process.pid, grace)
    server.process.wait()


def stop_group(pid: int, grace: float = 20.0) -> None:
    """SIGTERM to a process group (a server and the workers it started), then SIGKILL to what is
    left after `grace` seconds; returns when the group is gone."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap the leader if it is our child
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def write_address(home: Path, api_url: str, pid: int) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / ADDRESS_FILE
    path.write_text(json.dumps({"api_url": api_url, "serve_pid": pid}), encoding="utf-8")
    return path


def read_address(home: Path) -> str | None:
    """The address `pollwatch serve` wrote, while that serve is alive (one killed outright leaves
    its file behind)."""
    try:
        written = json.loads((home / ADDRESS_FILE).read_text(encoding="utf-8"))
        api_url, pid = str(written["api_url"]), int(written["serve_pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except PermissionError:  # alive, under another user
        return api_url
    except OSError:
        return None
    return api_url


@dataclass
class FoundServer:
    api_url: str
    source: str  # where its address came from, for messages
    reachable: bool = True


def configured_api_url(cwd: Path | None = None) -> FoundServer | None:
    """PREFECT_API_URL as Prefect itself would find it: the environment, then ./prefect.toml,
    then the active profile in PREFECT_HOME's profiles.toml. (Prefect also reads .env and
    pyproject.toml; set the variable for those cases.)"""
    if os.environ.get("PREFECT_API_URL"):
        return FoundServer(os.environ["PREFECT_API_URL"], "PREFECT_API_URL")
    local = (cwd or Path.cwd()) / "prefect.toml"
    url = _toml(local).get("api", {}).get("url")
    if url:
        return FoundServer(url, str(local))
    home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    profiles_path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml")
    profiles = _toml(profiles_path)
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
    url = profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL")
    if url:
        return FoundServer(url, f"Prefect profile {active!r}")
    return None


def find_server(prefect_home: Path) -> FoundServer | None:
    """The server a command should report to: the configured one, else the one `pollwatch serve`
    is using for this data directory; `reachable` says whether it answered."""
    found = configured_api_url()
    if found is None:
        url = read_address(prefect_home)
        found = FoundServer(url, "pollwatch serve") if url else None
    if found is not None:
        found.reachable = answers(found.api_url)
    return found


def answers(api_url: str, timeout: float = 2.0) -> bool:
    """True when a server answers at all. An error status (401 from a server that wants a key)
    is still a server; a refused connection or a timeout is not."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
