"""The `pollwatch` command.

Every command says what it did; `--json` gives scripts the same facts. Exit codes: 0 all loaded
or already known, 1 something was rejected (valid rows still stored), 2 usage or configuration
error, 3 the run could not happen (the database is held by another process).

Commands that run a pipeline go through its Prefect flow, imported only when needed, so the
library stays free of Prefect and `pollwatch status` starts fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pollwatch.config import ConfigError, load_settings, require_data_dir
from pollwatch.layouts import LayoutError, load_layouts
from pollwatch.runs import EXIT_NOT_RUN, EXIT_USAGE
from pollwatch.status import collect_status, status_text
from pollwatch.store import StoreBusy

app = typer.Typer(
    help="pollwatch: poll CSV drops in, validated rows in DuckDB, trends and a report out.",
    no_args_is_help=True,
    add_completion=False,
)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data directory (inbox/, archive/, quarantine/, polls.duckdb)."
        " Default: $POLLWATCH_DATA_DIR, else ./data.",
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


def _fail(message: str, code: int) -> None:
    typer.echo(f"pollwatch: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to ingest. Default: every new file in DATA_DIR/inbox."
        ),
    ] = None,
    data_dir: DataDir = None,
    layout: Annotated[
        str | None,
        typer.Option(
            help="Source layout of every file given (see `pollwatch layouts`). Default: a file's "
            "folder, if named after a layout, else its header decides."
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Ingest poll CSV files: validate every row, store the good ones, quarantine the rest.

    Files in the inbox are moved to archive/ (all rows stored) or quarantine/ (something was
    rejected; the reasons are written beside the file). Files named from elsewhere are copied.
    Exit code 0: everything loaded or already known; 1: rows or files were rejected.
    """
    try:
        settings = load_settings(data_dir=data_dir)
        require_data_dir(settings)
        for path in paths or []:
            if not path.exists():
                raise ConfigError(f"{path}: no such file or directory")
        known = load_layouts(settings.local_layouts)
        if layout is not None and layout not in known:
            raise ConfigError(
                f"--layout {layout}: no such layout; known layouts: {', '.join(known)}"
            )
        from flows.ingest import ingest_polls

        run = ingest_polls(
            paths=[str(p) for p in paths or []], data_dir=str(settings.data_dir), layout=layout
        )
    except (ConfigError, LayoutError) as err:
        _fail(str(err), EXIT_USAGE)
    except StoreBusy as err:
        _fail(str(err), EXIT_NOT_RUN)
    from pollwatch.summary import run_text

    typer.echo(json.dumps(run.as_dict(), indent=2) if as_json else run_text(run))
    raise typer.Exit(run.exit_code)


@app.command()
def status(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """What is stored: rows per leader and metric, files by status, the last run, the newest poll,
    and the settings in use."""
    try:
        settings = load_settings(data_dir=data_dir)
        require_data_dir(settings)
        facts = collect_status(settings)
    except ConfigError as err:
        _fail(str(err), EXIT_USAGE)
    except StoreBusy as err:
        _fail(str(err), EXIT_NOT_RUN)
    typer.echo(json.dumps(facts, indent=2, default=str) if as_json else status_text(facts))


@app.command()
def layouts(data_dir: DataDir = None) -> None:
    """The source layouts pollwatch knows (schemas/sources/*.toml, then DATA_DIR/layouts/*.toml)
    and how each is recognised."""
    try:
        known = load_layouts(load_settings(data_dir=data_dir).local_layouts)
    except (ConfigError, LayoutError) as err:
        _fail(str(err), EXIT_USAGE)
    for layout in known.values():
        how = "by its header" if layout.by_header else f"in inbox/{layout.name}/ or --layout"
        required = ", ".join(layout.missing_columns([]))
        typer.echo(
            f"{layout.name:<30} {layout.title}\n{'':<30} recognised {how}; columns: {required}"
        )
