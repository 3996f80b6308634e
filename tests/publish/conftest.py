"""The report of the bundled samples, built once per test process: a full report of them takes
20-40 s (the real-time line's refits, then every chart), and the report tests and the browser
tests only read it. Tests that change a store or a report work on their own copy."""

from __future__ import annotations

import pytest

from pollwatch.publish.report import build_report
from tests.helpers import ingest_samples


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory):
    from pollwatch.config import load_settings

    root = tmp_path_factory.mktemp("report")
    (root / "data").mkdir()
    settings = load_settings(
        data_dir=root / "data",
        report_dir=root / "reports",
        settle_seconds=2,
        realtime_seconds=600,  # as the settings fixture: a loaded machine left refits for later
    )
    ingest_samples(settings)
    return settings, build_report(settings)
