"""Alerts on a real Prefect server (the test session's one): the automations `pollwatch alerts
add` creates turn pollwatch's events into messages, which a real HTTP receiver on 127.0.0.1
records as a webhook would get them."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from flows.alerts import add_webhook, block_name, list_alerts, remove
from flows.check import check_expected_drops
from flows.ingest import ingest_polls
from flows.pipeline import ingest_and_report
from pollwatch.exit_codes import EXIT_REJECTS
from pollwatch.store import open_store
from tests.helpers import REAL, monthly_rows, poll_row, settle, write_csv

pytestmark = pytest.mark.usefixtures("prefect_server")
POLLWATCH = Path(sys.executable).parent / "pollwatch"
ARRIVE_SECONDS = 30  # the longest a message may take (it takes well under a second)
QUIET_SECONDS = 2  # after the expected messages, how long nothing more may come


class Receiver:
    """A webhook: records the text of each message POSTed to it."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        received = self.texts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body)["text"])
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/{uuid.uuid4().hex}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int) -> list[str]:
        """The messages, once `count` have come and nothing more for QUIET_SECONDS."""
        deadline = time.monotonic() + ARRIVE_SECONDS
        while len(self.texts) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.after_a_quiet_while()

    def after_a_quiet_while(self) -> list[str]:
        """The messages so far, and none more in QUIET_SECONDS."""
        time.sleep(QUIET_SECONDS)
        return list(self.texts)


@pytest.fixture
def receiver(settings):
    found = Receiver()
    yield found
    found.server.shutdown()
    for name in {a["block"] for a in list_alerts()}:
        if name.endswith(_suffix(found.url, settings)):
            remove(name, settings.data_dir)


def _suffix(url, settings) -> str:
    from flows.alerts import block_name

    return block_name(url, settings.data_dir).rsplit("-", 1)[1]


def alerts_to(receiver, settings, *kinds: str) -> None:
    add_webhook(receiver.url, list(kinds), settings.data_dir)
    time.sleep(1)  # the automations service reads new automations as they are saved


@pytest.mark.parametrize("plain", [False, True], ids=["pollwatch block", "plain block"])
def test_a_drop_with_bad_rows_sends_one_message_with_its_facts(settings, receiver, plain):
    """Through pollwatch's webhook block, and through Prefect's own (`--plain`, for a server
    without pollwatch installed)."""
    add_webhook(receiver.url, ["rejected", "moved", "stale"], settings.data_dir, plain=plain)
    time.sleep(1)
    rows = [poll_row(poll_key="a-1"), poll_row(poll_key="a-2", fieldwork_end="")]
    rows.append(poll_row(poll_key="a-3", positive_pct="abc"))
    write_csv(settings.inbox / "levada <march>.csv", rows)
    run = ingest_polls(data_dir=str(settings.data_dir))
    assert run.totals["rows_loaded"] == 1
    [message] = receiver.wait_for(1)
    lines = message.splitlines()
    assert lines[0] == "pollwatch: 1 file rejected in part or whole, 2 rows refused"
    assert lines[1].startswith("levada &lt;march&gt;.csv: 2 of 3 rows rejected (")
    assert "not_nullable in fieldwork_end ×1 (first line 3)" in lines[1]
    assert "kept in quarantine/levada &lt;march&gt;.csv" in lines[1]
    assert lines[-1].startswith("Run: http") and run.run_id in lines[-1]
    assert lines[-2] == f"Report: {settings.report_dir.resolve().as_uri()}/index.html"


def test_a_drop_that_moves_an_average_sends_one_message_and_a_rerun_sends_none(settings, receiver):
    write_csv(settings.inbox / "2015.csv", monthly_rows(12))  # Putin's approval, 50-61%
    ingest_and_report(data_dir=str(settings.data_dir))  # before the alerts: nothing moved yet
    alerts_to(receiver, settings, "rejected", "moved", "stale")
    write_csv(
        settings.inbox / "new.csv",
        [
            poll_row(
                pollster="<b>Evil</b> Polls",
                fieldwork_start="2016-01-10",
                fieldwork_end="2016-01-15",
                published="2016-01-18",
                positive_pct="30",
                negative_pct="65",
                undecided_pct="5",
            )
        ],
    )
    run, report = ingest_and_report(data_dir=str(settings.data_dir))
    assert run.totals["rows_loaded"] == 1 and report.moved
    [message] = receiver.wait_for(1)
    approval = next(m for m in report.moved if m["measure"] == "positive")
    assert message.startswith("pollwatch: Vladimir Putin approval")
    line = f"Vladimir Putin approval: {approval['before']:.1f} → {approval['estimate']:.1f}"
    assert line in message
    assert "&lt;b&gt;Evil&lt;/b&gt; Polls, 2016-01-10 to 2016-01-15: 30%" in message
    assert "<b>" not in message
    assert f"{settings.report_dir.resolve().as_uri()}/leader-vladimir-putin.html" in message
    run, report = ingest_and_report(data_dir=str(settings.data_dir))  # nothing new
    assert run.files == [] and report is None
    assert receiver.after_a_quiet_while() == [message]


def test_an_overdue_drop_sends_one_message_however_often_it_is_checked(settings, receiver):
    folder = settings.inbox / "levada_putin_approval"
    folder.mkdir(parents=True)
    settle(Path(shutil.copy(REAL / "biznesslanch_putin-approval-levada-1999.csv", folder)))
    ingest_polls(data_dir=str(settings.data_dir))
    alerts_to(receiver, settings, "rejected", "moved", "stale")
    later = date.today() + timedelta(days=70)  # two due days past, with no drop
    late = check_expected_drops(data_dir=str(settings.data_dir), today=later.isoformat())
    assert [x.layout for x in late] == ["levada_putin_approval"]
    [message] = receiver.wait_for(1)
    assert message.splitlines()[0] == "pollwatch: 1 expected drop overdue"
    assert f"no drop for {late[0].due:%Y-%m-%d} (monthly by day 5, 3 days' grace)" in message
    assert f"the last arrived {date.today():%Y-%m-%d}" in message
    assert "Vladimir Putin approval (Levada Center): newest poll" in message
    assert check_expected_drops(data_dir=str(settings.data_dir), today=later.isoformat()) == []
    assert receiver.after_a_quiet_while() == [message]


def test_an_unreachable_webhook_is_retried_then_logged_and_the_run_loses_nothing(
    settings, prefect_api_url, prefect_server_home
):
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/hook"
    add_webhook(url, ["rejected"], settings.data_dir, retry_seconds=[0.2, 0.4])
    time.sleep(1)
    try:
        token = uuid.uuid4().hex
        rows = [poll_row(poll_key="u-1"), poll_row(poll_key="u-2", fieldwork_end="")]
        write_csv(settings.inbox / f"drop-{token}.csv", rows)
        done = subprocess.run(
            [str(POLLWATCH), "ingest", "--data-dir", str(settings.data_dir)],
            env=os.environ | {"PREFECT_API_URL": prefect_api_url},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == EXIT_REJECTS, done.stderr
        assert open_store(settings, read_only=True).polls()["poll_key"].tolist() == ["u-1"]
        assert (settings.data_dir / "quarantine" / f"drop-{token}.csv").exists()
        # The server's log says each try that failed, then that the alert was not sent.
        log = prefect_server_home / "server.log"
        deadline = time.monotonic() + ARRIVE_SECONDS
        while token not in log.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.5)
        said = [line for line in log.read_text(errors="replace").splitlines() if token in line]
        assert len(said) == 1 and "not sent after 3 tries" in said[0], said
        assert "pollwatch alert 'pollwatch: 1 file rejected" in said[0]
        retried = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if f"to {url.removesuffix('/hook')} failed" in line
        ]
        assert [line.rsplit(" ", 2)[-2] for line in retried] == ["0.2", "0.4"]
        # Prefect records the action as failed, for its UI's event feed.
        block, failed = block_name(url, settings.data_dir), []
        deadline = time.monotonic() + ARRIVE_SECONDS
        while not failed and time.monotonic() < deadline:  # the event store lags a little
            time.sleep(0.5)
            failed = [
                e
                for e in _events(prefect_api_url, "prefect.automation.action.failed")
                if block in json.dumps(e)
            ]
        assert len(failed) == 1 and failed[0]["payload"]["reason"] == "Notification failed"
    finally:
        remove(url, settings.data_dir)


def _events(api_url: str, name: str) -> list[dict]:
    import urllib.request

    request = urllib.request.Request(
        f"{api_url}/events/filter",
        data=json.dumps({"filter": {"event": {"name": [name]}}, "limit": 50}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())["events"]


def test_a_failed_run_sends_a_message_naming_it(settings, receiver):
    alerts_to(receiver, settings, "failed")
    settings.db_path.write_bytes(b"not a database" * 100)
    with pytest.raises(Exception, match="polls.duckdb"):
        ingest_polls(data_dir=str(settings.data_dir))
    deadline = time.monotonic() + ARRIVE_SECONDS
    mine: list[str] = []
    while not mine and time.monotonic() < deadline:
        time.sleep(0.2)
        # Any pollwatch run failing on the shared server is told: find this one's message.
        mine = [t for t in receiver.texts if str(settings.db_path) in t]
    assert mine, receiver.texts
    subject, body, link = mine[0].splitlines()
    assert subject.startswith("pollwatch: ingest-polls run ") and subject.endswith(" Failed")
    assert body.startswith("The ingest-polls run ") and " ended Failed: StoreError: " in body
    assert link.startswith("Run: http://127.0.0.1:") and "flow-run/" in link


def test_a_failed_pipeline_sends_one_message_not_one_per_part(settings, receiver):
    """The pipeline's ingest fails, and with it the pipeline: one failure, told once, by the
    pipeline's run (its subflow's run is named after it, and skipped)."""
    alerts_to(receiver, settings, "failed")
    settings.db_path.write_bytes(b"not a database" * 100)
    with pytest.raises(Exception, match="polls.duckdb"):
        ingest_and_report(data_dir=str(settings.data_dir))
    deadline = time.monotonic() + ARRIVE_SECONDS
    while time.monotonic() < deadline and not _naming(receiver, settings.db_path):
        time.sleep(0.2)
    mine = _naming(receiver, settings.db_path, wait=QUIET_SECONDS)
    assert len(mine) == 1, mine
    assert mine[0].startswith("pollwatch: ingest-and-report run ")


def _naming(receiver, text, wait: float = 0) -> list[str]:
    """The messages that name `text` (any pollwatch run failing on the shared server is told),
    once nothing more has come for `wait` seconds."""
    time.sleep(wait)
    return [t for t in receiver.texts if str(text) in t]


def test_alerts_are_added_listed_written_as_code_and_removed_by_the_command(
    settings, receiver, prefect_api_url, monkeypatch, tmp_path
):
    monkeypatch.setenv("PREFECT_API_URL", prefect_api_url)
    runner = CliRunner()
    data = ["--data-dir", str(settings.data_dir)]
    added = runner.invoke(
        app, ["alerts", "add", "webhook", receiver.url, "--on", "rejected,failed", *data]
    )
    assert added.exit_code == 0, added.output
    assert "alerts to http://127.0.0.1:" in added.output and "rejected, failed" in added.output
    listed = runner.invoke(app, ["alerts", "list", *data])
    mine = [line for line in listed.output.splitlines() if _suffix(receiver.url, settings) in line]
    assert [line.split()[0] for line in mine] == ["rejected", "failed"]
    assert receiver.url not in listed.output  # the address is the webhook's secret
    wrong = runner.invoke(
        app, ["alerts", "add", "webhook", receiver.url, "--on", "everything", *data]
    )
    assert wrong.exit_code != 0 and "unknown everything" in wrong.output

    as_code = tmp_path / "automations.yaml"
    written = runner.invoke(
        app,
        ["alerts", "add", "webhook", receiver.url, "--on", "stale", "--file", str(as_code), *data],
    )
    assert written.exit_code == 0, written.output
    created = subprocess.run(
        [
            str(Path(sys.executable).parent / "prefect"),
            "automation",
            "create",
            "--from-file",
            str(as_code),
        ],
        env=os.environ | {"PREFECT_API_URL": prefect_api_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    kinds = {
        a["kind"] for a in list_alerts() if a["block"].endswith(_suffix(receiver.url, settings))
    }
    assert kinds == {"rejected", "failed", "stale"}

    removed = runner.invoke(app, ["alerts", "remove", receiver.url, *data])
    assert removed.exit_code == 0 and "removed 3 automation(s)" in removed.output
    again = runner.invoke(app, ["alerts", "remove", receiver.url, *data])
    assert again.exit_code != 0 and "no pollwatch alert sends to" in again.output
