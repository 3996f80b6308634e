"""Where things live and how long to wait: the one place that decides, from flags, then
environment variables (POLLWATCH_*), then defaults (pydantic-settings does the reading).

A run builds its Settings once and passes it down; a test, a flow and the command line differ only
in the values they give here. Paths are where things live; the store backend names the module
that owns the database (pollwatch/store/), so another backend is a module and this one value.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "POLLWATCH_"
UNITS = {
    "settle_seconds": "seconds",
    "lock_timeout_seconds": "seconds",
    "stale_days": "days",
    "move_points": "points",
    "realtime_seconds": "seconds",
    "max_file_mb": "MB",
    "mapping_memory_mb": "MB",
}


class ConfigError(Exception):
    """A setting is unusable; the message names the setting and what to do."""


class Settings(BaseSettings):
    # An empty variable (POLLWATCH_CRON=) means "not set", as it does in a shell script.
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, extra="forbid"
    )

    data_dir: Path = Path("data")
    # The database file; by default DATA_DIR/polls.duckdb (POLLWATCH_DB).
    db: Path | None = None
    report_dir: Path = Path("reports")
    # Which module of pollwatch/store/ owns the database.
    store_backend: Literal["duckdb"] = "duckdb"
    # A file modified more recently than this may still be being written: leave it for later.
    settle_seconds: NonNegativeFloat = 5.0
    # How long to wait for another process that holds the database before giving up.
    lock_timeout_seconds: NonNegativeFloat = 30.0
    # A series whose newest poll is older than this is flagged as stale in the report.
    stale_days: NonNegativeInt = 60
    # A run's summary names the leaders whose average moved at least this many points.
    move_points: NonNegativeFloat = 2.0
    # When `pollwatch serve` runs the pipeline (cron syntax, UTC).
    cron: str = Field("*/15 * * * *", min_length=1)
    # How long one report spends refitting past days of its real-time lines (each a fit); the
    # days left are refitted by the next reports, which the pipeline runs until none are left.
    realtime_seconds: NonNegativeFloat = 10.0
    # When `pollwatch serve` checks for expected drops that did not come (layouts' [cadence]).
    check_cron: str = Field("17 * * * *", min_length=1)
    # Where people open the report (a web address it is served at); links in alerts point
    # there. Default: the report folder, as a file:// address.
    report_url: str | None = None
    # A file larger than this is refused unless it can be streamed (plain UTF-8, one record a
    # line, a layout mapped in DuckDB): read whole, ingest holds about ten times a file's size
    # at its peak (a 258 MB file: 2.5 GB), so this bounds it.
    max_file_mb: NonNegativeFloat = 256.0
    # What a streamed file's mapping holds in memory before DuckDB writes the rest to disk. A
    # million rows: 256 MB, peak 460 MB in 7.0 s; 512 MB, 660 MB in 5.2 s; 1024 MB, 770 MB in
    # 5.1 s (bench/RESULTS.md).
    mapping_memory_mb: PositiveFloat = 256.0
    # Files are recorded where they lie and never moved: `pollwatch rebuild` reads the archive
    # into a new database this way.
    file_in_place: bool = False

    @field_validator("data_dir", "db", "report_dir", mode="after")
    @classmethod
    def _home(cls, path: Path | None) -> Path | None:
        return path.expanduser() if path is not None else None

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else self.data_dir / "polls.duckdb"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    @property
    def inbox(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def archive(self) -> Path:
        return self.data_dir / "archive"

    @property
    def quarantine(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def filed_roots(self) -> tuple[Path, Path, Path]:
        """The inbox and the folders that mirror it: a folder named after a layout, anywhere
        under one of them, names the layout of the files inside (a rebuild reads the latter)."""
        return (self.inbox, self.archive, self.quarantine)

    @property
    def prefect_home(self) -> Path:
        """Where `pollwatch serve` keeps the Prefect server it starts, and its address."""
        return self.data_dir / "prefect"

    @property
    def events_path(self) -> Path:
        """Dated events to mark on the charts."""
        return self.data_dir / "events.csv"

    @property
    def local_layouts(self) -> Path:
        """Layout files of this installation, beside the ones pollwatch ships."""
        return self.data_dir / "layouts"

    @property
    def local_aliases(self) -> Path:
        """Spellings of pollsters and leaders this installation reads as one, beside the ones
        pollwatch ships."""
        return self.data_dir / "aliases.toml"

    def shown(self) -> dict[str, str]:
        """The values in use, for `pollwatch status`."""
        values = {"data_dir": self.data_dir, "db_path": self.db_path}
        values |= {name: getattr(self, name) for name in type(self).model_fields}
        del values["db"], values["file_in_place"]  # the latter: rebuild's, never a user's
        return {name: str(value) for name, value in values.items()}


def load_settings(
    data_dir: str | Path | None = None, db_path: str | Path | None = None, **flags: object
) -> Settings:
    """Settings from the flags given (None means not given), then the POLLWATCH_* environment
    variables, then the defaults; a bad value is a ConfigError naming the flag or variable."""
    given = {"data_dir": data_dir, "db": db_path, **flags}
    given = {name: value for name, value in given.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as err:
        raise ConfigError(_plain(err, given)) from None


def _plain(err: ValidationError, given: dict) -> str:
    """The first problem, naming the variable or flag and what it must be."""
    problem = err.errors()[0]
    name = str(problem["loc"][0]) if problem["loc"] else "?"
    where = f"--{name.replace('_', '-')}" if name in given else ENV_PREFIX + name.upper()
    unit = UNITS.get(name)
    if problem["type"] in ("float_parsing", "int_parsing", "int_from_float") and unit:
        return f"{where}={problem['input']!r} is not a number of {unit}"
    if problem["type"] in ("greater_than_equal",):
        return f"{where}={problem['input']!r} must not be negative"
    return f"{where}={problem['input']!r}: {problem['msg']}"


def require_data_dir(settings: Settings) -> None:
    """Refuse a data directory that does not exist rather than quietly start an empty one."""
    if not settings.data_dir.is_dir():
        raise ConfigError(
            f"data directory {settings.data_dir} does not exist: create it, or point --data-dir "
            f"or {ENV_PREFIX}DATA_DIR at the right one"
        )


def make_inbox(settings: Settings) -> None:
    """The inbox inside an existing data directory, where the README says to drop files (a clean
    clone's data/ has none). A directory pollwatch may not write to is left as it is: its
    inbox, if any, is read, and nothing waits in one that is not there."""
    require_data_dir(settings)
    with contextlib.suppress(OSError):
        settings.inbox.mkdir(exist_ok=True)


def report_url(settings: Settings, out_dir: Path | None = None) -> str:
    """Where people open the report: POLLWATCH_REPORT_URL, else its folder as a file:// address."""
    if settings.report_url:
        return settings.report_url.rstrip("/")
    return (out_dir or settings.report_dir).resolve().as_uri()
