"""The commands a person types, run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import monthly_rows, query, write_csv

ROOT = Path(__file__).resolve().parents[1]
POLLWATCH = Path(sys.executable).parent / "pollwatch"


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "POLLWATCH_"))}
    return env | {"PREFECT_HOME": str(tmp_path / "prefect-home")} | extra


def test_pollwatch_ingest_runs_in_prefect_ephemeral_mode_with_no_server_set_up(settings, tmp_path):
    """A new user's first command: no Prefect server, a fresh PREFECT_HOME (the slow start)."""
    write_csv(settings.inbox / "a.csv", monthly_rows(3))
    done = subprocess.run(
        [str(POLLWATCH), "ingest", "--data-dir", str(settings.data_dir), "--json"],
        env=clean_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["rows_loaded"] == 3
    assert "ingest-polls" in done.stderr  # Prefect's own run log, on stderr
    assert query(settings, "SELECT count(*) AS n FROM polls")["n"][0] == 3


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
