"""What goes into the store and comes back out, the same for every backend: a file's
contribution, what is known of a file, a run's file log, and the stored columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from schemas.columns import CANONICAL_COLUMNS

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

VALUE_COLUMNS = [name for name in CANONICAL_COLUMNS if name != "poll_key"]
# What a poll says. Two sources that agree on these report the same poll, even if their links
# and notes differ; a difference in any of them is a correction.
MEASURE_COLUMNS = [name for name in VALUE_COLUMNS if name not in ("source_url", "notes")]
PROVENANCE_COLUMNS = [
    "file_sha256",
    "source_name",
    "line_number",
    "ingested_at",
    "run_id",
    "pollster_as_written",
    "leader_as_written",
    "published_precision",
]
STORED_COLUMNS = ["poll_key", *VALUE_COLUMNS, *PROVENANCE_COLUMNS]


def utc_now() -> datetime:
    """The store's clock: naive UTC, as its TIMESTAMP columns hold it."""
    return datetime.now(UTC).replace(tzinfo=None)


def modified_at(path: Path) -> datetime:
    """A file's modification time in the store's clock (OSError if it cannot be read)."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)


@dataclass
class KnownFile:
    """A file whose bytes were loaded before."""

    status: str
    path: str
    stored_path: str | None
    ingested_at: datetime
    run_id: str
    source_name: str | None = None  # the layout its rows were read with


@dataclass(frozen=True)
class Staged:
    """A big file's rows to store, left in table `polls` of the DuckDB file at `path` by its
    mapping: the store takes them from there inside its own transaction, and they never pass
    through Python."""

    path: Path
    rows: int

    def __len__(self) -> int:
        return self.rows

    def select(self, columns: list[str]) -> pa.Table:
        """Some of the rows' columns, for the checks that need them in hand."""
        import duckdb  # deferred, as every driver is (store/__init__.py)

        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.sql(f"SELECT {', '.join(columns)} FROM polls").to_arrow_table()

    def without(self, lines: list[int]) -> Staged:
        """The rows less those from these lines of the file (refused after mapping)."""
        import duckdb

        with duckdb.connect(str(self.path)) as con:
            con.execute("DELETE FROM polls WHERE line_number IN (SELECT unnest(?))", [lines])
            [(rows,)] = con.execute("SELECT count(*) FROM polls").fetchall()
        return Staged(self.path, rows)


@dataclass
class FileRecord:
    """What one file contributed, to be written in one transaction."""

    sha256: str
    path: str
    source_name: str | None
    status: str
    rows_read: int
    # Canonical columns and the as-written ones: a frame indexed by line number, or an Arrow
    # table with a line_number column (a big file, mapped inside DuckDB), or Staged on disk (a
    # big file streamed).
    polls: pd.DataFrame | pa.Table | Staged
    rejects: pd.DataFrame  # line_number, column, rule, value
    rows_rejected: int
    rows_duplicate: int  # repeats inside this file, stored once
    message: str
    run_id: str
    stored_path: str | None
    rows_skipped: int = 0  # rows its layout does not keep ([rows] keep/drop, placeholders)
    # When its rows count as stored: None, when they are written; a rebuild gives when the file
    # first arrived, so that what stood on a day before the rebuild stands again.
    stored_at: datetime | None = None
    source_keys: bool = False  # its poll keys are the source's own ids (map.mapping.Mapped)


@dataclass
class LoadCounts:
    loaded: int
    updated: int
    duplicate: int
    # Values a later version left empty, kept from the stored poll: polls, by column.
    kept: dict[str, int] = field(default_factory=dict)
    # Shares given as proportions of the stored ones (0.41 for 41), kept as stored: polls, by
    # column.
    proportions: dict[str, int] = field(default_factory=dict)
    # Month-only polls already stored with their exact days, kept as stored.
    coarser: int = 0
    # Polls stored under another pollster's name that the source's own keys say are these:
    # (stored name, this file's name) -> polls, now under this file's name.
    renamed: dict[tuple[str, str], int] = field(default_factory=dict)
    # Polls stored already under another key (from another source, under its own keys and
    # perhaps another pollster's name), the same in every figure, and not stored again: (this
    # file's pollster, the stored one's) -> polls.
    twins: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass
class LoggedFile:
    """A file's entry in the file log: what a run did with it."""

    path: str
    sha256: str
    source_name: str | None
    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_updated: int
    rows_duplicate: int
    message: str
    stored_path: str | None
    rows_skipped: int
