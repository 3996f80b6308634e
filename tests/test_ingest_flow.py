"""The ingest-polls flow on a real Prefect server: run ids, logs and artifacts."""

from __future__ import annotations

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from flows.ingest import ingest_polls
from tests.helpers import monthly_rows, query, write_csv

pytestmark = pytest.mark.usefixtures("prefect_server")


def latest_artifact(key: str):
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    return max(found, key=lambda a: a.created)


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

    summary = latest_artifact("ingest-summary")
    assert summary.flow_run_id == flow_run.id
    assert "levada.csv" in summary.data and "4 rows new" in summary.data
    rejects = latest_artifact("ingest-rejects")
    assert rejects.flow_run_id == flow_run.id
    assert "not_a_number" in str(rejects.data) and "not a share" in str(rejects.data)
