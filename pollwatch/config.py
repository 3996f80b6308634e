"""Where things live and how long to wait: the one place that decides, from flags, then
environment variables (POLLWATCH_*), then defaults.

Everything else takes a Settings object, so a test, a flow and the command line differ only in
the arguments they pass here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path


class ConfigError(Exception):
    """A setting is unusable; the message names the setting and what to do."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    db_path: Path
    report_dir: Path
    # A file modified more recently than this may still be being written: leave it for later.
    settle_seconds: float = 5.0
    # How long to wait for another process that holds the database before giving up.
    lock_timeout_seconds: float = 30.0
    # A series whose newest poll is older than this is flagged as stale in the report.
    stale_days: int = 60
    # A run's summary names the leaders whose average moved at least this many points.
    move_points: float = 2.0
    # When `pollwatch serve` runs the pipeline (cron syntax, UTC).
    cron: str = "*/15 * * * *"
    # A file larger than this is refused unread: no poll file is that big.
    max_file_mb: float = 512.0

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

    def shown(self) -> dict[str, str]:
        """The values in use, for `pollwatch status`."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}


ENV_PREFIX = "POLLWATCH_"


def load_settings(
    data_dir: str | Path | None = None,
    db_path: str | Path | None = None,
    report_dir: str | Path | None = None,
    settle_seconds: float | None = None,
    lock_timeout_seconds: float | None = None,
    stale_days: int | None = None,
    move_points: float | None = None,
    cron: str | None = None,
    max_file_mb: float | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    env = os.environ if env is None else env
    data = Path(_pick(data_dir, env, "DATA_DIR", "data")).expanduser()
    db = Path(_pick(db_path, env, "DB", data / "polls.duckdb")).expanduser()
    reports = Path(_pick(report_dir, env, "REPORT_DIR", "reports")).expanduser()
    return Settings(
        data_dir=data,
        db_path=db,
        report_dir=reports,
        settle_seconds=_number(_pick(settle_seconds, env, "SETTLE_SECONDS", 5.0), "SETTLE_SECONDS"),
        lock_timeout_seconds=_number(
            _pick(lock_timeout_seconds, env, "LOCK_TIMEOUT_SECONDS", 30.0), "LOCK_TIMEOUT_SECONDS"
        ),
        stale_days=int(_number(_pick(stale_days, env, "STALE_DAYS", 60), "STALE_DAYS", "days")),
        move_points=_number(_pick(move_points, env, "MOVE_POINTS", 2.0), "MOVE_POINTS", "points"),
        cron=str(_pick(cron, env, "CRON", "*/15 * * * *")),
        max_file_mb=_number(_pick(max_file_mb, env, "MAX_FILE_MB", 512.0), "MAX_FILE_MB", "MB"),
    )


def require_data_dir(settings: Settings) -> None:
    """Refuse a data directory that does not exist rather than quietly start an empty one."""
    if not settings.data_dir.is_dir():
        raise ConfigError(
            f"data directory {settings.data_dir} does not exist: create it, or point --data-dir "
            f"or {ENV_PREFIX}DATA_DIR at the right one"
        )


def _pick(flag: object, env: Mapping[str, str], name: str, default: object) -> object:
    if flag is not None:
        return flag
    value = env.get(ENV_PREFIX + name, "").strip()
    return value if value else default


def _number(value: object, name: str, unit: str = "seconds") -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{ENV_PREFIX}{name}={value!r} is not a number of {unit}") from None
    if seconds < 0:
        raise ConfigError(f"{ENV_PREFIX}{name}={value!r} must not be negative")
    return seconds
