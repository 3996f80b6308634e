"""The runner behind `pollwatch serve`: runs the served deployments' flow runs as they come due,
each in a process of its own that was started before it was needed.

Prefect's own runner (`flow.serve`, `prefect.serve`) starts a new Python for each flow run, which
imports Prefect, pandas, matplotlib and the flows before the run can begin: 5-9 s on this machine,
most of what a person waits for after `pollwatch trigger`. It also looks for due runs every 10 s.
This runner does the same job with Prefect's public client: it asks the server for the
deployments' due runs every second, claims each by proposing Pending (so no other runner takes
it), hands it to the waiting process (flows/flow_run_process.py), and starts the next one. A run
whose process dies without reporting how it ended is marked Crashed; a run cancelled in the UI has
its process stopped and is marked Cancelled. Scheduling stays the server's: the cron schedules
are the deployments', and every run is an ordinary Prefect flow run with its logs and artifacts.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from uuid import UUID

from prefect import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.exceptions import Abort
from prefect.states import Cancelled, Crashed, Pending
from prefect.utilities.engine import propose_state_sync

log = logging.getLogger("pollwatch.runner")

POLL_SECONDS = 1.0
STOP_GRACE_SECONDS = 30.0


class WarmRunner:
    def __init__(self, deployment_ids: list[UUID], poll_seconds: float = POLL_SECONDS) -> None:
        self.deployment_ids = deployment_ids
        self.poll_seconds = poll_seconds
        self.running: dict[UUID, subprocess.Popen] = {}
        self.spare: subprocess.Popen | None = None

    def run(self) -> None:
        """Until interrupted (Ctrl-C, SIGTERM raised as SystemExit): then the runs in progress
        are stopped, and any that could not say how they ended are marked Crashed."""
        self.spare = self._start_process()
        with get_client(sync_client=True) as client:
            failures = 0
            try:
                while True:
                    try:
                        self._start_due_runs(client)
                        self._stop_cancelled_runs(client)
                        self._reap(client)
                        failures = 0
                    except Exception as err:  # the server restarting or busy: try again
                        if failures % 60 == 0:
                            log.warning("cannot reach the Prefect server (%s); retrying", err)
                        failures += 1
                    time.sleep(self.poll_seconds)
            finally:
                self._shut_down(client)

    def _start_process(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "flows.flow_run_process"], stdin=subprocess.PIPE, text=True
        )

    def _start_due_runs(self, client) -> None:
        due = client.get_scheduled_flow_runs_for_deployments(
            deployment_ids=self.deployment_ids, scheduled_before=datetime.now(UTC)
        )
        for flow_run in sorted(due, key=lambda r: r.next_scheduled_start_time or datetime.now(UTC)):
            if flow_run.id in self.running or not self._claim(client, flow_run.id):
                continue
            process, self.spare = self.spare, self._start_process()
            if process.poll() is not None:  # the spare died while it waited: take the new one
                process, self.spare = self.spare, self._start_process()
            try:
                process.stdin.write(f"{flow_run.id}\n")
                process.stdin.close()
            except OSError:  # it died before it could take the run (a broken install)
                process.wait()
            self.running[flow_run.id] = process  # reaped, and marked crashed if it did not run
            log.info(
                "flow run %s (%s) started in process %d", flow_run.name, flow_run.id, process.pid
            )

    def _claim(self, client, flow_run_id: UUID) -> bool:
        try:
            state = propose_state_sync(client, Pending(), flow_run_id=flow_run_id)
        except Abort as err:
            log.info("flow run %s was not started: %s", flow_run_id, err)
            return False
        return state.is_pending()

    def _stop_cancelled_runs(self, client) -> None:
        if not self.running:
            return
        cancelling = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=list(self.running)),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.CANCELLING])),
            )
        )
        for flow_run in cancelling:
            process = self.running.pop(flow_run.id)
            _stop(process)
            client.set_flow_run_state(
                flow_run.id, Cancelled(message="Cancelled: its process was stopped."), force=True
            )
            log.info("flow run %s cancelled: process %d stopped", flow_run.id, process.pid)

    def _reap(self, client) -> None:
        for flow_run_id, process in list(self.running.items()):
            if process.poll() is None:
                continue
            del self.running[flow_run_id]
            self._mark_crashed_if_unfinished(client, flow_run_id, process.returncode)

    def _mark_crashed_if_unfinished(self, client, flow_run_id: UUID, code: int | None) -> None:
        state = client.read_flow_run(flow_run_id).state
        if state is not None and state.is_final():
            return
        how = (
            f"was killed by {signal.Signals(-code).name}" if code and code < 0 else f"exited {code}"
        )
        client.set_flow_run_state(
            flow_run_id,
            Crashed(message=f"Its process {how} before the run reported how it ended."),
            force=True,
        )
        log.warning("flow run %s crashed: its process %s", flow_run_id, how)

    def _shut_down(self, client) -> None:
        if self.spare is not None:
            with contextlib.suppress(OSError):
                self.spare.stdin.close()  # an empty stdin: the spare exits without a run
        for process in self.running.values():
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for flow_run_id, process in self.running.items():
            _stop(process, already_asked=True)
            with contextlib.suppress(Exception):  # the server may be stopping too
                self._mark_crashed_if_unfinished(client, flow_run_id, process.returncode)
        if self.spare is not None:
            _stop(self.spare, already_asked=True)


def _stop(process: subprocess.Popen, already_asked: bool = False) -> None:
    """SIGTERM (Prefect's engine in the process records the stop), then SIGKILL if it lingers."""
    if not already_asked:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
