"""Settings: a flag beats a POLLWATCH_* variable, which beats the default; an empty variable is
unset; `~` is the home folder; and a bad value is a ConfigError that names the flag or variable
to fix and says what it must be."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pollwatch.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    """A home folder of the test's own, and no POLLWATCH_* variable from the shell."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in [n for n in os.environ if n.startswith("POLLWATCH_")]:
        monkeypatch.delenv(name)
    return tmp_path / "home"


def refused(**flags) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(**flags)
    return str(caught.value)


def test_the_defaults_when_nothing_is_given():
    settings = load_settings()
    assert settings.data_dir == Path("data")
    assert settings.db_path == Path("data/polls.duckdb")
    assert settings.inbox == Path("data/inbox")
    assert (settings.settle_seconds, settings.lock_timeout_seconds, settings.stale_days) == (
        5.0,
        30.0,
        60,
    )
    assert (settings.store_backend, settings.cron) == ("duckdb", "*/15 * * * *")


def test_a_variable_beats_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("POLLWATCH_SETTLE_SECONDS", "7.5")
    monkeypatch.setenv("POLLWATCH_STALE_DAYS", "30")
    monkeypatch.setenv("POLLWATCH_DATA_DIR", str(tmp_path / "polls"))
    settings = load_settings()
    assert (settings.settle_seconds, settings.stale_days) == (7.5, 30)
    assert settings.data_dir == tmp_path / "polls"
    assert settings.db_path == tmp_path / "polls" / "polls.duckdb"


def test_a_flag_beats_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("POLLWATCH_SETTLE_SECONDS", "7.5")
    monkeypatch.setenv("POLLWATCH_DATA_DIR", str(tmp_path / "from-env"))
    settings = load_settings(data_dir=tmp_path / "from-flag", settle_seconds=1)
    assert settings.settle_seconds == 1
    assert settings.data_dir == tmp_path / "from-flag"


def test_a_flag_given_as_none_is_not_given(monkeypatch):
    monkeypatch.setenv("POLLWATCH_STALE_DAYS", "14")
    settings = load_settings(data_dir=None, db_path=None, stale_days=None)
    assert (settings.stale_days, settings.data_dir) == (14, Path("data"))


def test_pollwatch_db_puts_the_database_outside_the_data_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("POLLWATCH_DB", str(tmp_path / "elsewhere" / "store.duckdb"))
    settings = load_settings(data_dir=tmp_path / "data")
    assert settings.db_path == tmp_path / "elsewhere" / "store.duckdb"
    assert settings.inbox == tmp_path / "data" / "inbox"  # the rest stays in the data directory
    assert settings.shown()["db_path"] == str(tmp_path / "elsewhere" / "store.duckdb")


def test_the_db_path_flag_beats_pollwatch_db(monkeypatch, tmp_path):
    monkeypatch.setenv("POLLWATCH_DB", str(tmp_path / "env.duckdb"))
    assert load_settings(db_path=tmp_path / "flag.duckdb").db_path == tmp_path / "flag.duckdb"


@pytest.mark.parametrize(
    "name", ["POLLWATCH_SETTLE_SECONDS", "POLLWATCH_DATA_DIR", "POLLWATCH_DB", "POLLWATCH_CRON"]
)
def test_an_empty_variable_means_unset(monkeypatch, name):
    expected = load_settings()
    monkeypatch.setenv(name, "")
    assert load_settings() == expected


def test_a_variable_that_is_not_a_number_is_named_with_its_unit(monkeypatch):
    monkeypatch.setenv("POLLWATCH_SETTLE_SECONDS", "abc")
    assert refused() == "POLLWATCH_SETTLE_SECONDS='abc' is not a number of seconds"
    monkeypatch.setenv("POLLWATCH_SETTLE_SECONDS", "1")
    monkeypatch.setenv("POLLWATCH_STALE_DAYS", "2.5")
    assert refused() == "POLLWATCH_STALE_DAYS='2.5' is not a number of days"


@pytest.mark.parametrize(
    ("name", "value"),
    [("POLLWATCH_SETTLE_SECONDS", "-1"), ("POLLWATCH_LOCK_TIMEOUT_SECONDS", "-0.5")],
)
def test_a_negative_variable_must_not_be_negative(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert refused() == f"{name}={value!r} must not be negative"


def test_a_bad_flag_is_named_as_the_flag_even_when_a_variable_is_set(monkeypatch):
    monkeypatch.setenv("POLLWATCH_STALE_DAYS", "30")
    assert refused(stale_days="soon") == "--stale-days='soon' is not a number of days"
    assert refused(stale_days=-3) == "--stale-days=-3 must not be negative"
    assert refused(max_file_mb="big") == "--max-file-mb='big' is not a number of MB"


def test_a_bad_variable_is_named_even_when_a_good_flag_is_given(monkeypatch):
    monkeypatch.setenv("POLLWATCH_MOVE_POINTS", "lots")
    assert refused(stale_days=3) == "POLLWATCH_MOVE_POINTS='lots' is not a number of points"


def test_a_tilde_in_a_path_is_the_home_folder(monkeypatch, home):
    monkeypatch.setenv("POLLWATCH_DB", "~/polls/store.duckdb")
    settings = load_settings(data_dir="~/pollwatch", report_dir="~/reports")
    assert settings.data_dir == home / "pollwatch"
    assert settings.report_dir == home / "reports"
    assert settings.db_path == home / "polls" / "store.duckdb"
    monkeypatch.delenv("POLLWATCH_DB")
    assert load_settings(data_dir="~/x").db_path == home / "x" / "polls.duckdb"


def test_an_unknown_store_backend_is_refused(monkeypatch):
    assert refused(store_backend="sqlite").startswith("--store-backend='sqlite': ")
    monkeypatch.setenv("POLLWATCH_STORE_BACKEND", "postgres")
    message = refused()
    assert message.startswith("POLLWATCH_STORE_BACKEND='postgres': ")
    assert "duckdb" in message


def test_an_unknown_flag_is_refused_by_name():
    assert refused(settle_secs=3).startswith("--settle-secs=3: ")


def test_settings_cannot_be_changed_after_they_are_made():
    settings = load_settings()
    with pytest.raises(Exception, match="frozen"):
        settings.stale_days = 1
