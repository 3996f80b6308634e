"""The commands a person types, run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, monthly_rows, query, write_csv

POLLWATCH = Path(sys.executable).parent / "pollwatch"


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))}
    return env | {"PREFECT_HOME": str(tmp_path / "prefect-home")} | extra


def test_pollwatch_ingest_with_no_prefect_server_runs_directly_and_records_the_run(
    settings, tmp_path
):
    """A new user's first command: no Prefect server anywhere. The run costs the work, not a
    temporary Prefect server: none is started, and the run is in the store for `status`."""
    write_csv(settings.inbox / "a.csv", monthly_rows(3))
    home = tmp_path / "prefect-home"
    done = subprocess.run(
        [str(POLLWATCH), "ingest", "--data-dir", str(settings.data_dir), "--json"],
        env=clean_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["totals"]["rows_loaded"] == 3
    assert done.stderr.splitlines() == [
        "pollwatch: no Prefect server running: this run is recorded in the store (`pollwatch "
        "status`); to see runs in the Prefect UI, start `pollwatch serve` or set PREFECT_API_URL"
    ]
    assert not (home / "prefect.db").exists(), "a temporary Prefect server was started"
    runs = query(settings, "SELECT run_id, trigger, status, rows_loaded FROM runs")
    assert runs.to_dict("records") == [
        {"run_id": report["run_id"], "trigger": "command", "status": "ok", "rows_loaded": 3}
    ]
    status = subprocess.run(
        [str(POLLWATCH), "status", "--data-dir", str(settings.data_dir)],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        f"ok: 1 file(s), 3 rows new, 0 corrected, 0 rejected (run {report['run_id']})"
        in status.stdout
    )


@pytest.mark.usefixtures("prefect_server")
def test_the_flow_file_runs_by_itself(settings, tmp_path):
    from prefect.settings import PREFECT_API_URL

    path = write_csv(tmp_path / "drop.csv", monthly_rows(2))
    env = clean_env(
        tmp_path, PREFECT_API_URL=PREFECT_API_URL.value(), POLLWATCH_DATA_DIR=str(settings.data_dir)
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "flows" / "ingest.py"), str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert query(settings, "SELECT count(*) AS n FROM polls")["n"][0] == 2
