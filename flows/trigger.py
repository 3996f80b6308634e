"""`pollwatch trigger`: start a run of a served deployment now and, if asked, follow it to its end.

It speaks to the Prefect server's REST API directly rather than through the Prefect client, whose
import alone costs more than a second here: a person waiting on `trigger --wait` waits for the
run, not for the trigger. The calls are the ones `prefect deployment run` makes.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

DEPLOYMENT = "pollwatch"
FLOWS = {
    "pipeline": "ingest-and-report",
    "ingest": "ingest-polls",
    "report": "render-report",
    "check": "check-expected-drops",
}
FINAL_STATES = ("COMPLETED", "FAILED", "CANCELLED", "CRASHED")
POLL_SECONDS = 0.2
RETRY_CODES = (429, 502, 503, 504)
RETRY_PAUSES = (0.25, 0.5, 1.0, 2.0, 4.0)


class TriggerError(Exception):
    """The server refused or could not be reached; the message says which and why."""


@dataclass
class Triggered:
    flow_run_id: str
    url: str
    state: str | None  # the final state's name when followed to the end
    message: str
    rejects: int  # rejected-row tables the run (or its sub-runs) left behind
    exit_code: int


def trigger(which: str, api_url: str, wait: bool) -> Triggered:
    """Start a run of `which` (pipeline, ingest, report or check); with `wait`, follow it to its
    end."""
    api = api_url.rstrip("/")
    deployment = _call(api, "GET", f"/deployments/name/{FLOWS[which]}/{DEPLOYMENT}")
    flow_run = _call(api, "POST", f"/deployments/{deployment['id']}/create_flow_run", {})
    run_id = flow_run["id"]
    url = f"{api.removesuffix('/api')}/runs/flow-run/{run_id}"
    if not wait:
        return Triggered(run_id, url, None, "started", 0, 0)
    state = flow_run["state"]
    while state["type"] not in FINAL_STATES:
        time.sleep(POLL_SECONDS)
        state = _call(api, "GET", f"/flow_runs/{run_id}")["state"]
    rejects = _rejects_left_by(api, run_id)
    code = (1 if rejects else 0) if state["type"] == "COMPLETED" else 3
    return Triggered(run_id, url, state["name"], state.get("message") or "", rejects, code)


def _rejects_left_by(api: str, flow_run_id: str) -> int:
    children = _call(
        api,
        "POST",
        "/flow_runs/filter",
        {"flow_runs": {"parent_flow_run_id": {"any_": [flow_run_id]}}},
    )
    ids = [flow_run_id, *(child["id"] for child in children)]
    found = _call(
        api,
        "POST",
        "/artifacts/filter",
        {"artifacts": {"key": {"any_": ["ingest-rejects"]}, "flow_run_id": {"any_": ids}}},
    )
    return len(found)


def _call(api: str, method: str, path: str, body: dict | None = None):
    """One API call; a busy server (429, 502, 503, 504: a Prefect server on SQLite answers 503
    while its database is locked) is asked again after a pause, as Prefect's own client does."""
    request = urllib.request.Request(
        api + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **_auth()},
    )
    for pause in (*RETRY_PAUSES, None):
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as err:
            if err.code in RETRY_CODES and pause is not None:
                time.sleep(float(err.headers.get("Retry-After") or pause))
                continue
            detail = err.read().decode(errors="replace")[:300]
            if err.code == 404 and path.startswith("/deployments/name/"):
                raise TriggerError(
                    f"no deployment {path.removeprefix('/deployments/name/')} at {api}: "
                    "is `pollwatch serve` running against this server?"
                ) from None
            raise TriggerError(f"{method} {path} at {api}: HTTP {err.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise TriggerError(f"the Prefect server at {api} does not answer: {reason}") from None
    raise AssertionError("unreachable: the last attempt returns or raises")


def _auth() -> dict[str, str]:
    """Prefect Cloud and servers with auth take a key, as the Prefect client would send it."""
    key = os.environ.get("PREFECT_API_KEY")
    return {"Authorization": f"Bearer {key}"} if key else {}
