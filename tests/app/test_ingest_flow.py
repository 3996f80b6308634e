"""The ingest-polls flow on a real Prefect server: run ids, logs and artifacts."""

from __future__ import annotations

import time
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    LogFilter,
    LogFilterFlowRunId,
)

from flows.ingest import ingest_polls
from tests.helpers import monthly_rows, query, write_csv

pytestmark = pytest.mark.usefixtures("prefect_server")


def artifact_of(flow_run_id, key: str):
    """The run's own artifact: the latest of a key may be another test's, on the shared server
    (a serve test's run published an ingest summary in between once)."""
    with get_client(sync_client=True) as client:
        [found] = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]),
            )
        )
    return found


def test_the_flow_stores_rows_under_its_flow_run_id_and_publishes_artifacts(settings):
    rows = monthly_rows(5)
    rows[1]["positive_pct"] = "not a share"
    write_csv(settings.inbox / "levada.csv", rows)
    run = ingest_polls(data_dir=str(settings.data_dir))
    assert run.totals["rows_loaded"] == 4
    stored = query(settings, "SELECT DISTINCT run_id FROM polls")["run_id"].tolist()
    assert stored == [run.run_id]
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(run.run_id)
    assert flow_run.state.is_completed()

    summary = artifact_of(flow_run.id, "ingest-summary")
    assert "levada.csv" in summary.data and "4 rows new" in summary.data
    rejects = artifact_of(flow_run.id, "ingest-rejects")
    assert "not_a_number" in str(rejects.data) and "not a share" in str(rejects.data)


def test_the_run_log_has_a_line_per_file_and_per_reject(settings):
    rows = monthly_rows(3)
    rows[2]["country"] = "XX"
    path = write_csv(settings.inbox / "levada.csv", rows)
    run = ingest_polls(data_dir=str(settings.data_dir))
    with get_client(sync_client=True) as client:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # logs reach the server in batches
            logs = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(run.run_id)]))
            )
            messages = [entry.message for entry in logs]
            if any("column country" in m for m in messages):
                break
            time.sleep(0.5)
    assert f"partial   {path}: 3 read, 2 new, 0 corrected, 0 already known, 1 rejected" in messages
    assert f"{path}:4: column country: iso_3166_alpha2_country (value 'XX')" in messages
    assert "1 file(s) to ingest" in messages
