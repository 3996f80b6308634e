"""Shared fixtures: a fresh data directory per test, and one Prefect test server per session.

PREFECT_HOME points into a temporary folder before anything imports Prefect, so tests never
touch the developer's own Prefect database.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="pollwatch-prefect-home-")
for _name in [n for n in os.environ if n.startswith("POLLWATCH_")]:
    del os.environ[_name]

import flows  # noqa: E402, F401  (pollwatch's Prefect defaults)
from pollwatch.config import Settings, load_settings  # noqa: E402


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh data directory; the environment points the report there too, for flows and
    commands that read their settings themselves."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("POLLWATCH_REPORT_DIR", str(tmp_path / "reports"))
    return load_settings(
        data_dir=data,
        report_dir=tmp_path / "reports",
        settle_seconds=2,
        lock_timeout_seconds=5,
        env={},
    )


@pytest.fixture(scope="session")
def prefect_server():
    """A real, temporary Prefect server for the tests that run flows (about 15 s, once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
