"""A run killed while it holds the database never holds up the next one.

Each test starts the real `pollwatch ingest` on a 200,000-row drop, in a PREFECT_HOME shared by
every command of the module as a user's `~/.prefect` is, waits until the kernel shows that run
holding the database's lock, and signals its whole process group: SIGKILL (an OOM kill, a reboot),
SIGTERM (a service manager), SIGINT (Ctrl-C). Then the next command must complete within its
10 s wait for the database. In both modes: no Prefect server (the command runs directly) and a
running server (the command is a Prefect flow run). A flow file run by itself in Prefect's
ephemeral mode, the way that once leaked a concurrency slot for good, is killed too.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pollwatch.config import load_settings
from tests import helpers
from tests.helpers import ROOT, lock_holder, poll_row, query, wait_until_held, write_csv

POLLWATCH = Path(sys.executable).parent / "pollwatch"
BIG_ROWS = helpers.HOLDING_ROWS


@pytest.fixture(scope="module")
def big_drop(tmp_path_factory) -> Path:
    return helpers.big_drop(tmp_path_factory.mktemp("drops") / "big.csv", BIG_ROWS)


@pytest.fixture(scope="module")
def shared_prefect_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture(params=["no server", "server"])
def mode(request) -> dict[str, str]:
    """The environment of each mode: no Prefect server anywhere, or the session's server."""
    if request.param == "no server":
        return {}
    return {"PREFECT_API_URL": request.getfixturevalue("prefect_api_url")}


def command_env(prefect_home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))}
    return env | {
        "PREFECT_HOME": str(prefect_home),
        "POLLWATCH_SETTLE_SECONDS": "0",
        "POLLWATCH_LOCK_TIMEOUT_SECONDS": "10",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def signal_while_holding(process: subprocess.Popen, db_path: Path, sig: int) -> None:
    """Signal the run's process group once it has held the database for 0.3 s on end."""
    wait_until_held(db_path, process.pid)
    assert process.poll() is None, "the run ended before it could be killed"
    os.killpg(process.pid, sig)


def pollwatch(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """The next command, run to its end."""
    return subprocess.run(
        [str(POLLWATCH), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def start_ingest(data: Path, env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(POLLWATCH), "ingest", "--data-dir", str(data), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def assert_all_or_nothing(data: Path, big: Path) -> int:
    """The big file is stored whole (and filed, or still in the inbox for the next run to file)
    or not at all (and still in the inbox). Returns the rows stored from it."""
    stored = int(query_db(data, "SELECT count(*) AS n FROM polls WHERE poll_key LIKE 'k%'"))
    assert stored in (0, BIG_ROWS), stored
    if stored == 0:
        assert big.exists(), "a file whose rows were not committed must stay in the inbox"
    return stored


def query_db(data: Path, sql: str):
    return query(load_settings(data_dir=data), sql)["n"][0]


def prefect_state(api_url: str, flow_run_id: str) -> str:
    with urllib.request.urlopen(f"{api_url}/flow_runs/{flow_run_id}", timeout=10) as answer:
        return json.loads(answer.read())["state"]["type"]


def next_command_completes(data: Path, env: dict[str, str], big_left: bool = False) -> None:
    """The next run, in the same PREFECT_HOME, takes a one-row drop and finishes: with a 10 s wait
    for the database, a lock left behind by the killed run would make it exit 3. With
    `big_left`, the one-row drop goes into the inbox beside the big file the killed run left
    there, and the run takes the whole inbox: the big file must load whole too (one run for
    both checks, rather than a second run of the inbox for the big file alone)."""
    one = write_csv(
        (data / "inbox" if big_left else data.parent) / "one.csv",
        [poll_row(poll_key="one", positive_pct="64")],
    )
    named = [] if big_left else [str(one)]
    done = pollwatch(env, "ingest", *named, "--data-dir", str(data), "--json", timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert json.loads(done.stdout)["totals"]["rows_loaded"] == 1 + (BIG_ROWS if big_left else 0)
    assert query_db(data, "SELECT count(*) AS n FROM polls WHERE poll_key = 'one'") == 1


@pytest.mark.parametrize(
    "sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: signal.Signals(s).name
)
def test_a_run_killed_while_it_holds_the_database_does_not_hold_up_the_next(
    sig, mode, big_drop, shared_prefect_home, tmp_path
):
    data = tmp_path / "data"
    (data / "inbox").mkdir(parents=True)
    big = Path(shutil.copy(big_drop, data / "inbox" / "big.csv"))
    env = command_env(shared_prefect_home, **mode)
    run = start_ingest(data, env, "--json")
    signal_while_holding(run, data / "polls.duckdb", sig)
    out, err = run.communicate(timeout=120)

    if sig == signal.SIGKILL:
        assert run.returncode == -signal.SIGKILL
    else:
        assert run.returncode == 128 + sig, err[-3000:]
        summary = json.loads(out)  # the summary of what was done, even when stopped
        assert summary["interrupted_by"] == signal.Signals(sig).name
        assert summary["exit_code"] == 128 + sig
        assert summary["totals"]["rows_loaded"] in (0, BIG_ROWS)
    stored = assert_all_or_nothing(data, big)
    # Where nothing was stored, the file left in the inbox loads whole with the next run.
    next_command_completes(data, env, big_left=stored == 0)
    # The drop (about 60 MB) is streamed: what its mapping left on disk is gone too.
    assert not list(data.glob(".staging.*")), "a killed run's staging folder was left behind"
    ended = "crashed" if sig == signal.SIGKILL else "interrupted"
    [killed] = query(
        load_settings(data_dir=data), f"SELECT run_id FROM runs WHERE status = '{ended}'"
    )["run_id"]
    if mode:  # the killed run is not left Running in Prefect either
        assert prefect_state(mode["PREFECT_API_URL"], killed) == "CRASHED"
    if stored == 0:  # the file left in the inbox was loaded whole by the next run
        assert assert_all_or_nothing(data, big) == BIG_ROWS
        assert not big.exists() and (data / "archive" / "big.csv").exists()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_stop_while_a_big_file_is_read_is_a_stop_not_a_failure(
    sig, mode, big_drop, shared_prefect_home, tmp_path
):
    """Ctrl-C or SIGTERM while DuckDB reads and checks a big file, before the database is held:
    DuckDB answers the stop with its own 'Query interrupted' error, which once ended the run as
    failed (exit 1, a traceback, the run recorded as failed). The run stops as stopped, stores
    nothing, and leaves the file in the inbox (for the next run) and no staging folder."""
    data = tmp_path / "data"
    (data / "inbox").mkdir(parents=True)
    big = Path(shutil.copy(big_drop, data / "inbox" / "big.csv"))
    env = command_env(shared_prefect_home, **mode)
    run = start_ingest(data, env, "--json")
    wait_until_reading(data, run)
    os.killpg(run.pid, sig)
    out, err = run.communicate(timeout=120)

    assert run.returncode == 128 + sig, err[-3000:]
    assert "Traceback" not in err and "Query interrupted" not in err, err[-3000:]
    summary = json.loads(out)
    assert summary["interrupted_by"] == sig.name and summary["totals"]["rows_loaded"] == 0
    assert big.exists() and not list(data.glob(".staging.*"))
    assert query_db(data, "SELECT count(*) AS n FROM polls") == 0
    [status] = query(load_settings(data_dir=data), "SELECT status FROM runs")["status"]
    assert status == "interrupted"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_stop_as_a_run_starts_is_a_stop_with_its_summary(sig, shared_prefect_home, tmp_path):
    """A stop the moment the run first holds a new database, while it creates its tables and
    records the run: it once ended the command with no summary for `--json` (one line on stderr)
    and, where the run was recorded, left it "running" for the next run to call crashed. The run
    stops as a stop anywhere else does, and the next command takes the file."""
    data = tmp_path / "data"
    (data / "inbox").mkdir(parents=True)
    drop = write_csv(data / "inbox" / "one.csv", [poll_row(poll_key="one", positive_pct="64")])
    env = command_env(shared_prefect_home)
    run = start_ingest(data, env, "--json")
    deadline = time.monotonic() + 60
    while lock_holder(data / "polls.duckdb") != run.pid:
        assert run.poll() is None and time.monotonic() < deadline, "the run never held it"
        time.sleep(0.002)
    os.killpg(run.pid, sig)
    out, err = run.communicate(timeout=120)

    assert run.returncode == 128 + sig, err[-3000:]
    summary = json.loads(out)
    assert summary["interrupted_by"] == sig.name and summary["exit_code"] == 128 + sig
    assert summary["totals"]["rows_loaded"] in (0, 1)
    statuses = query(load_settings(data_dir=data), "SELECT status FROM runs")["status"]
    assert list(statuses) in ([], ["interrupted"])
    if summary["totals"]["rows_loaded"] == 0:
        assert drop.exists()
    again = pollwatch(env, "ingest", "--data-dir", str(data), "--json")
    assert again.returncode == 0, again.stderr[-3000:]
    assert query_db(data, "SELECT count(*) AS n FROM polls WHERE poll_key = 'one'") == 1
    assert "crashed" not in again.stderr


def wait_until_reading(data: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    """Until the run has been reading its big file into its staging folder for 0.3 s (the
    reading takes about 2 s), with the database not held."""
    deadline = time.monotonic() + timeout
    since = None
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be stopped"
        reading = any(data.glob(".staging.*")) and lock_holder(data / "polls.duckdb") is None
        if not reading:
            since = None
        elif since is None:
            since = time.monotonic()
        elif time.monotonic() - since >= 0.3:
            return
        time.sleep(0.01)
    raise AssertionError("the run never read its file")


def test_a_flow_file_killed_in_ephemeral_mode_does_not_hold_up_the_next_command(
    big_drop, shared_prefect_home, tmp_path
):
    """`python flows/ingest.py` with no server runs in Prefect's ephemeral mode: the scenario in
    which a killed run once kept Prefect's database slot, and with it every later run, for good."""
    data = tmp_path / "data"
    (data / "inbox").mkdir(parents=True)
    shutil.copy(big_drop, data / "inbox" / "big.csv")
    env = command_env(shared_prefect_home, POLLWATCH_DATA_DIR=str(data))
    run = subprocess.Popen(
        [sys.executable, str(ROOT / "flows" / "ingest.py")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    signal_while_holding(run, data / "polls.duckdb", signal.SIGKILL)
    run.wait(timeout=60)
    assert_all_or_nothing(data, data / "inbox" / "big.csv")
    next_command_completes(data, env)


def test_a_file_is_archived_only_once_its_rows_are_in_the_database_file(tmp_path):
    """SIGKILL a run after it archived one big file and while it loads the next, then delete
    the write-ahead log, as a person tidying up might: every archived file's rows are still
    stored, `status` finds nothing amiss, and the next run loads the file left in the inbox."""
    data = tmp_path / "data"
    inbox = data / "inbox"
    inbox.mkdir(parents=True)
    rows = 200_000  # each file its own transaction (over 20,000 rows), both in one batch
    first = helpers.big_drop(inbox / "a.csv", rows, key_prefix="a")
    helpers.settle(first, 120)
    helpers.big_drop(inbox / "b.csv", rows, key_prefix="b")
    helpers.settle(inbox / "b.csv", 60)
    env = command_env(tmp_path / "prefect-home")
    run = start_ingest(data, env)
    archived = data / "archive" / "a.csv"
    deadline = time.monotonic() + 120
    while not archived.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert archived.exists() and run.poll() is None, "the run ended before it could be killed"
    os.killpg(run.pid, signal.SIGKILL)
    run.communicate(timeout=60)
    wal = data / "polls.duckdb.wal"
    wal.unlink(missing_ok=True)

    assert query_db(data, "SELECT count(*) AS n FROM polls WHERE poll_key LIKE 'a%'") == rows
    status = pollwatch(env, "status", "--data-dir", str(data), timeout=60)
    assert status.returncode == 0 and "WARNING" not in status.stdout, status.stdout
    again = pollwatch(env, "ingest", "--data-dir", str(data), "--json")
    assert again.returncode == 0, again.stderr[-3000:]
    assert sorted(p.name for p in (data / "archive").iterdir()) == ["a.csv", "b.csv"]
    assert query_db(data, "SELECT count(*) AS n FROM polls") == 2 * rows
