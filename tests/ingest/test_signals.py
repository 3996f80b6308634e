"""A stop that lands inside a DuckDB query: DuckDB cancels the query and raises its own error in
place of the stop's exception. stops_kept gives the stop back."""

from __future__ import annotations

import contextlib
import os
import signal
import threading

import duckdb
import pytest

from pollwatch.ingest.signals import stops_kept

# Long enough that a signal sent 0.2 s in lands inside it: about 2 s uninterrupted here. DuckDB
# answers Ctrl-C at once or, as often, only when the query ends; its error is the same.
SLOW = "SELECT sum(hash(i)) FROM range(600000000) t(i)"


def signal_soon(number: int) -> None:
    threading.Timer(0.2, os.kill, (os.getpid(), number)).start()


def test_duckdb_on_its_own_turns_ctrl_c_into_its_own_error():
    """What stops_kept is for: without it a stop looks like a failed query."""
    con = duckdb.connect()
    signal_soon(signal.SIGINT)
    with pytest.raises(RuntimeError, match="interrupted"):
        con.execute(SLOW)


def test_ctrl_c_inside_a_query_is_a_keyboard_interrupt():
    con = duckdb.connect()
    signal_soon(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt), stops_kept():
        con.execute(SLOW)


def test_a_stop_whose_query_error_was_swallowed_is_raised_when_the_block_ends():
    """Code that reads a failed query as a bad file and goes on does not lose the stop. (DuckDB
    cancels a query only for a KeyboardInterrupt; SIGTERM's handler, the CLI's Terminated, runs
    when the query is over, and is raised as any exception is.)"""
    con = duckdb.connect()
    signal_soon(signal.SIGINT)
    # The query's error suppressed, as code reading it as "a bad file" and going on would.
    with pytest.raises(KeyboardInterrupt), stops_kept(), contextlib.suppress(RuntimeError):
        con.execute(SLOW)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
