"""The store: the one owner of connections, migrations and SQL.

Everything that reads or writes poll data asks a Store (status, export, the report, ingest, runs);
nothing else connects to a database. `open_store(settings)` picks the backend that
`settings.store_backend` names; each backend is one module of this package with a class that
satisfies `Store` below, and importing it is deferred until it is chosen, so its driver is loaded
only when used. Adding a backend (DuckLake over a database catalog, a database server) is that
module, one entry in BACKENDS, and the value in config.py's `store_backend`.
"""

from __future__ import annotations

import importlib
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from pollwatch.store.errors import StoreBusy, StoreError, StoreWriteFailed
from pollwatch.store.records import (
    STORED_COLUMNS,
    FileRecord,
    KnownFile,
    LoadCounts,
    LoggedFile,
    Staged,
    modified_at,
    utc_now,
)

if TYPE_CHECKING:
    from datetime import date

    import pandas as pd
    import pyarrow as pa

    from pollwatch.config import Settings

__all__ = [
    "STORED_COLUMNS",
    "FileRecord",
    "KnownFile",
    "LoadCounts",
    "LoggedFile",
    "Staged",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreWriteFailed",
    "modified_at",
    "open_store",
    "utc_now",
]

# store_backend value -> (module, class)
BACKENDS = {"duckdb": ("pollwatch.store.duckdb", "DuckDBStore")}


class Store(Protocol):
    """What pollwatch asks of a database. Outside `session()` each call is its own short
    connection; inside it, all calls share one, held by this process alone (one writer)."""

    def session(self) -> AbstractContextManager[None]:
        """Hold the database for a block of calls (a batch of files), waiting for another
        writer up to the lock timeout (StoreBusy after)."""

    def exists(self) -> bool:
        """Whether anything was ever stored (a status before the first ingest creates nothing)."""

    def known_files(self, sha256s: list[str]) -> dict[str, KnownFile]:
        """The files among these whose bytes were loaded before (loaded or partly)."""

    def load_files(self, records: list[FileRecord]) -> list[LoadCounts | None]:
        """The files' new polls, corrections (old values kept as revisions), rejects and log
        entries, all in one transaction, durable when this returns (a file may then be moved);
        None for a file, writing nothing of it, if its bytes were loaded meanwhile (or earlier
        in the list). Each stored as of now, or its record's `stored_at`."""

    def record_duplicate(self, sha256: str, path: str, stored_path: str, run_id: str) -> None:
        """Log a drop of bytes already loaded."""

    def names(self) -> dict[str, list[str]]:
        """The pollsters' and leaders' names as stored ("pollster", "leader")."""

    def rejects_of(self, sha256: str) -> pd.DataFrame:
        """A file's rejected rows: line_number, column, rule, value."""

    def start_run(self, run_id: str, trigger: str) -> list[tuple[str, str]]:
        """Record a run as started; first record as crashed this machine's runs whose process
        died. Returns those (run_id, trigger)."""

    def finish_run(self, run_id: str, status: str, totals: dict[str, int]) -> None: ...

    def files_of_run(self, run_id: str) -> list[LoggedFile]: ...

    def polls(self) -> pd.DataFrame:
        """Every stored poll with provenance, ordered by leader, measure and fieldwork."""

    def versions(self) -> pd.DataFrame:
        """Every version of every poll: the stored one and those its corrections replaced (from
        the revisions), each with the time it was stored (`ingested_at`) and the time it was
        replaced (`replaced_at`; none for the stored one), ordered as polls(). Versions stored in
        one run share their `ingested_at`; which replaced which is in `replaced_at`. What stood
        on a past day is model.as_of.stood_on's to choose."""

    def arrivals(self) -> pd.DataFrame:
        """For each layout whose files stored rows: when the last such file arrived
        (`arrived`), and the series it brought (leader, metric, pollster, newest fieldwork)."""

    def tell_once(self, kind: str, subject: str, due: date) -> bool:
        """Record that `subject` was told of `kind` for its `due` day; False if it was already
        (so the caller stays quiet)."""

    def taken_keys(self, incoming: pd.DataFrame | pa.Table) -> pd.DataFrame:
        """Incoming rows (file, line_number, poll_key, pollster, country, leader, metric) whose
        poll key is stored for another poll: file, line_number, poll_key, stored_<identity
        column> and stored_by (the path of the file that stored it)."""

    def filed_paths(self) -> list[str]:
        """Where every logged file was put (archive/ or quarantine/), as logged."""

    def overview(self) -> dict:
        """Counts for `status` and the report's quality panel: polls, series, files by status,
        rejected rows by rule, files refused whole by reason, revisions, the last run, the
        newest poll."""


def open_store(settings: Settings, read_only: bool = False) -> Store:
    """The configured store; `read_only` for a reader (status, export, trend, the report), which
    then reads a database it may not write."""
    module, name = BACKENDS[settings.store_backend]
    backend = getattr(importlib.import_module(module), name)
    return backend(settings.db_path, settings.lock_timeout_seconds, read_only)
