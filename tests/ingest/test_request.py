"""An ingest as asked for is checked before any run: a path or a layout that is not there is one
line, and an inbox with nothing ready is no run at all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pollwatch.config import ConfigError
from pollwatch.ingest.messages import rebuild_line
from pollwatch.ingest.outcomes import RunSummary
from pollwatch.ingest.request import check_ingest
from tests.helpers import monthly_rows, write_csv


def test_a_path_that_is_not_there_is_refused_before_the_inbox_is_made(settings, tmp_path):
    with pytest.raises(ConfigError, match="no such file or directory"):
        check_ingest(settings, [tmp_path / "gone.csv"], None)
    assert not settings.inbox.exists()


def test_an_inbox_with_nothing_ready_is_answered_by_an_idle_run_that_is_no_run(settings):
    idle = check_ingest(settings, [], "no_such_layout")  # nothing to read it with: not asked
    assert settings.inbox.is_dir()
    assert idle is not None and idle.run_id is None and idle.files == [] and idle.exit_code == 0


def test_a_layout_that_does_not_exist_is_refused_naming_the_known_ones(settings, tmp_path):
    drop = write_csv(tmp_path / "a.csv", monthly_rows(2))
    with pytest.raises(
        ConfigError, match="--layout nope: no such layout; known layouts: canonical"
    ):
        check_ingest(settings, [drop], "nope")
    assert check_ingest(settings, [drop], "canonical") is None


def test_a_rebuild_says_what_it_made_and_where_the_database_it_replaced_is_kept(tmp_path):
    now = datetime(2024, 1, 1, tzinfo=UTC)
    summary = RunSummary(run_id="r", started_at=now, finished_at=now, files=[])
    db = tmp_path / "polls.duckdb"
    assert rebuild_line(db, summary, None) == (
        f"rebuilt {db} from 0 file(s): 0 polls, 0 corrections, 0 rows rejected"
    )
    kept = tmp_path / "polls.duckdb.before-rebuild"
    assert rebuild_line(db, summary, kept).endswith(f"; the database it replaces is kept as {kept}")
