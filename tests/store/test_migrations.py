"""The DuckDB schema as ordered migrations: each applies once and in order, running them again
changes nothing, an older database is brought forward step by step, a step that fails leaves the
version where it was, and the end result holds every column the store writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pytest

from pollwatch.store.duckdb.connection import migrate
from pollwatch.store.duckdb.migrations import MIGRATIONS
from pollwatch.store.records import STORED_COLUMNS

LATEST = MIGRATIONS[-1][0]
TABLES = {"polls", "revisions", "files", "rejects", "runs", "notices", "schema_version"}


@pytest.fixture
def con():
    with duckdb.connect(":memory:") as connection:
        yield connection


def versions(con) -> list[int]:
    return [
        v for (v,) in con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    ]


def columns(con, table: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
            " ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]


@contextmanager
def database_at(path, version: int) -> Iterator[duckdb.DuckDBPyConnection]:
    """A database file as the migrations up to `version` left it, open for a test to fill."""
    with duckdb.connect(str(path)) as old:
        old.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)"
        )
        for number, statements in MIGRATIONS[:version]:
            old.execute(statements)
            old.execute("INSERT INTO schema_version VALUES (?, now())", [number])
        yield old


def tables(con) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {table for (table,) in rows}


def test_the_migrations_are_numbered_one_up_without_gaps():
    assert [version for version, _ in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_a_new_database_gets_every_migration_once_in_order(con):
    assert migrate(con) == LATEST
    assert versions(con) == [version for version, _ in MIGRATIONS]
    assert tables(con) == TABLES
    applied = [
        at
        for (at,) in con.execute(
            "SELECT applied_at FROM schema_version ORDER BY version"
        ).fetchall()
    ]
    assert None not in applied and applied == sorted(applied)  # step by step, in order


def test_migrating_again_changes_nothing_and_returns_the_latest_version(con):
    migrate(con)
    before = con.execute("SELECT * FROM schema_version ORDER BY version").fetchall()
    assert migrate(con) == LATEST
    assert migrate(con) == LATEST
    assert con.execute("SELECT * FROM schema_version ORDER BY version").fetchall() == before


def test_a_database_at_version_1_is_brought_forward_keeping_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    with database_at(path, 1) as old:
        old.execute("INSERT INTO runs (run_id, started_at, status) VALUES ('r1', now(), 'ok')")
        assert "pollster_as_written" not in columns(old, "polls")
    with duckdb.connect(str(path)) as con:
        assert migrate(con) == LATEST
        assert versions(con) == [version for version, _ in MIGRATIONS]
        assert {"pollster_as_written", "leader_as_written"} <= set(columns(con, "revisions"))
        assert {"pid", "host"} <= set(columns(con, "runs"))
        assert con.execute("SELECT run_id, pid FROM runs").fetchall() == [("r1", None)]


def test_a_step_that_fails_is_rolled_back_and_the_version_stays(con):
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    con.execute(MIGRATIONS[0][1])
    con.execute("INSERT INTO schema_version VALUES (1, now())")
    # Someone added one of step 2's columns by hand: step 2 cannot apply.
    con.execute("ALTER TABLE revisions ADD COLUMN leader_as_written VARCHAR")
    with pytest.raises(duckdb.Error, match="leader_as_written"):
        migrate(con)
    assert versions(con) == [1]
    assert "pollster_as_written" not in columns(con, "polls")  # step 2's first statement undone
    assert "pid" not in columns(con, "runs")  # and step 3 never ran


def test_the_polls_table_holds_every_column_the_store_writes(con):
    migrate(con)
    assert columns(con, "polls") == STORED_COLUMNS


def test_revisions_hold_every_stored_column_and_what_replaced_them(con):
    migrate(con)
    assert columns(con, "revisions") == [
        *STORED_COLUMNS[:-3],
        "changed_columns",
        "revised_by_file_sha256",
        "revised_by_run_id",
        "revised_at",
        *STORED_COLUMNS[-3:],
    ]


def test_the_final_schema_accepts_a_stored_poll_and_refuses_one_without_its_required_values(con):
    migrate(con)
    values = {
        "poll_key": "k1",
        "pollster": "Levada Center",
        "country": "RU",
        "leader": "Vladimir Putin",
        "metric": "approval",
        "population": "adults",
        "mode": "face_to_face",
        "fieldwork_start": "2022-02-17",
        "fieldwork_end": "2022-02-21",
        "positive_pct": 71.0,
        "tracking": False,
        "file_sha256": "abc",
        "source_name": "canonical",
        "ingested_at": "2022-03-01 00:00:00",
        "run_id": "r1",
        "pollster_as_written": "Левада-Центр",
    }
    insert = f"INSERT INTO polls ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})"
    con.execute(insert, list(values.values()))
    with pytest.raises(duckdb.ConstraintException, match="pollster"):
        con.execute(insert, list((values | {"pollster": None}).values()))
    assert con.execute("SELECT pollster_as_written FROM polls").fetchall() == [("Левада-Центр",)]


def test_a_store_from_before_version_4_keeps_its_polls_and_loses_only_the_key_index(tmp_path):
    path = tmp_path / "old.duckdb"
    with database_at(path, 3) as old:
        old.execute(
            "INSERT INTO polls VALUES ('k1', 'FOM', NULL, 'RU', 'Vladimir Putin', 'trust',"
            " 'adults', 'phone', '2022-02-17', '2022-02-21', NULL, 1500, 71, NULL, NULL, false,"
            " NULL, NULL, 'abc', 'canonical', 2, '2022-03-01', 'r1', 'ФОМ', NULL)"
        )
    with duckdb.connect(str(path)) as con:
        assert migrate(con) == LATEST
        assert columns(con, "polls") == STORED_COLUMNS
        assert con.execute(
            "SELECT poll_key, pollster_as_written, sample_size FROM polls"
        ).fetchall() == [("k1", "ФОМ", 1500)]
        indexed = con.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'polls'"
            " AND constraint_type = 'PRIMARY KEY'"
        ).fetchone()[0]
        assert indexed == 0


def test_a_store_from_before_version_5_keeps_its_sample_sizes_and_takes_weighted_ones(tmp_path):
    path = tmp_path / "old.duckdb"
    with database_at(path, 4) as old:
        old.execute(
            "INSERT INTO polls (poll_key, pollster, country, leader, metric, population, mode,"
            " fieldwork_start, fieldwork_end, sample_size, positive_pct, tracking, file_sha256,"
            " source_name, ingested_at, run_id) VALUES ('k1', 'FOM', 'RU', 'Vladimir Putin',"
            " 'trust', 'adults', 'phone', '2022-02-17', '2022-02-21', 1500, 71, false, 'abc',"
            " 'canonical', '2022-03-01', 'r1')"
        )
    with duckdb.connect(str(path)) as con:
        assert migrate(con) == LATEST
        con.execute(
            "INSERT INTO polls SELECT * REPLACE ('k2' AS poll_key, 2202.5 AS sample_size)"
            " FROM polls"
        )
        sizes = con.execute("SELECT sample_size FROM polls ORDER BY poll_key").fetchall()
        assert sizes == [(1500.0,), (2202.5,)]


def test_a_report_right_after_an_upgrade_brings_the_database_up_to_date_itself(tmp_path):
    """A reader (the report, status) holding the writer lock migrates an older database before
    reading it, so an upgrade is not a failed report until the next ingest writes."""
    from pollwatch.store.duckdb import DuckDBStore

    path = tmp_path / "polls.duckdb"
    with database_at(path, LATEST - 1):
        pass
    store = DuckDBStore(path, timeout_seconds=5, read_only=True)
    assert store.polls().empty
    with duckdb.connect(str(path), read_only=True) as con:
        assert versions(con)[-1] == LATEST
