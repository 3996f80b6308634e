"""What every command shares: its help drawn from its docstring, the options several commands
take (--data-dir, --json, --as-of, --out), and known failures said in one line with an exit code
instead of a traceback."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from pollwatch.config import ConfigError, Settings, load_settings, require_data_dir
from pollwatch.exit_codes import EXIT_NOT_RUN, EXIT_USAGE
from pollwatch.model.as_of_day import as_of_day
from pollwatch.store.errors import StoreError


def listed(group: typer.Typer, name: str | None = None):
    """A command whose help is its docstring with each paragraph joined into one line, to be
    wrapped to the terminal's width: Typer's Rich help keeps a docstring's line breaks, so its
    text came out ragged ("... quarantine/ (something was" / "rejected; ..."). The first
    paragraph is its line in `pollwatch --help`'s list."""

    def register(command):
        paragraphs = [" ".join(p.split()) for p in inspect.cleandoc(command.__doc__).split("\n\n")]
        return group.command(name, help="\n\n".join(paragraphs), short_help=paragraphs[0])(command)

    return register


def fail(message: str, code: int) -> NoReturn:
    typer.echo(f"pollwatch: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def plain_errors() -> Iterator[None]:
    """Known failures as one line and an exit code, never a traceback."""
    try:
        yield
    except ConfigError as err:  # LayoutError is one too
        fail(str(err), EXIT_USAGE)
    except Exception as err:
        if not isinstance(err, StoreError):
            raise
        fail(str(err), EXIT_NOT_RUN)


def settings_for(data_dir: Path | None, **flags) -> Settings:
    """The settings of a command that needs its data directory to be there."""
    settings = load_settings(data_dir=data_dir, **flags)
    require_data_dir(settings)
    return settings


def _as_of_option(value: str | None) -> date | None:
    # One line, as every other usage error says (Typer's BadParameter drew a box of six).
    if value is None:
        return None
    try:
        return as_of_day(value, date.today())
    except ConfigError as err:
        fail(f"--as-of: {err}", EXIT_USAGE)


DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data directory (inbox/, archive/, quarantine/, polls.duckdb)."
        " Default: $POLLWATCH_DATA_DIR, else ./data.",
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
# Read as text and given to the command as a date (the callback's): Typer's own date option says
# "does not match the formats" of 2022-02-30 and takes any year.
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        callback=_as_of_option,
        metavar="YYYY-MM-DD",
        help="As it stood that day: only polls public by then, in the versions stored then.",
    ),
]
OutDir = Annotated[
    Path | None,
    typer.Option("--out", help="Report folder. Default: $POLLWATCH_REPORT_DIR, else ./reports."),
]
