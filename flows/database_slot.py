"""One run at a time may open the DuckDB file: a Prefect global concurrency limit of one.

DuckDB allows one process per database file. Scheduled and hand-triggered runs are separate
processes, so every flow that opens the store holds this slot while it does; a run that finds it
taken says so in its log and waits for it. (A lock held by something outside Prefect is still met
by the store's own wait-and-retry.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import flows  # noqa: F401  (sets pollwatch's Prefect defaults before Prefect is imported)

# isort: split
from prefect import get_client, get_run_logger
from prefect.concurrency.sync import concurrency

SLOT = "pollwatch-database"


def ensure_slot() -> None:
    """Create the limit (one slot) if it is missing; a missing limit would limit nothing."""
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(SLOT, limit=1)


@contextmanager
def database_slot() -> Iterator[None]:
    logger = get_run_logger()
    ensure_slot()
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(SLOT)
    if limit.active_slots >= limit.limit:
        logger.info("waiting for the database: another pollwatch run holds the %s slot", SLOT)
    with concurrency(SLOT, occupy=1):
        logger.info("holding the %s slot", SLOT)
        yield
