"""The commands that run the pipeline or remake what it made: ingest, report, rebuild. Each
checks its options, runs as a Prefect flow run when a server is there to record it (runs.py),
else calls the library directly, and prints what the run returns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.options import AsOf, DataDir, JsonFlag, OutDir, plain_errors, settings_for
from cli.runs import interruptible, use_prefect


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

    Exit code 0: everything loaded or already known; 1: rows or files were rejected; 130 (143
    for SIGTERM): interrupted, what was committed stays and the rest stays in the inbox.

    With a Prefect server reachable (PREFECT_API_URL, or the one `pollwatch serve` runs) the run is
    a flow run with its logs and artifacts in the UI; otherwise it runs directly and is recorded in
    the store only.
    """
    from pollwatch.ingest.messages import run_text
    from pollwatch.ingest.request import check_ingest
    from pollwatch.ingest.run import RunInterrupted

    with plain_errors():
        settings = settings_for(data_dir)
        run = check_ingest(settings, paths or [], layout)
        if run is None:
            try:
                with interruptible():
                    if use_prefect(settings):
                        from flows import without_heartbeats
                        from flows.ingest import ingest_polls

                        with without_heartbeats():
                            run = ingest_polls(
                                paths=[str(p) for p in paths or []],
                                data_dir=str(settings.data_dir),
                                layout=layout,
                            )
                    else:
                        from pollwatch.ingest.run import run_ingest

                        run = run_ingest(paths or [], settings, trigger="command", layout=layout)
            except RunInterrupted as stop:
                run = stop.summary
    typer.echo(json.dumps(run.as_dict(), indent=2) if as_json else run_text(run))
    raise typer.Exit(run.exit_code)


def report(data_dir: DataDir = None, out: OutDir = None, as_of: AsOf = None) -> None:
    """Recompute every trend and chart and write the HTML report (index.html, a page per
    leader, charts as PNG and SVG, the data as CSV). A Prefect flow run when a server is
    reachable, as for `ingest`."""
    from pollwatch.publish.summary import report_line

    with plain_errors(), interruptible("interrupted: the report was left as it was"):
        settings = settings_for(data_dir)
        if use_prefect(settings):
            from flows import without_heartbeats
            from flows.report import render_report

            with without_heartbeats():
                written = render_report(
                    data_dir=str(settings.data_dir),
                    out_dir=str(out) if out else None,
                    as_of=as_of.isoformat() if as_of else None,
                )
        else:
            from pollwatch.publish.report import build_report

            written = build_report(settings, out, as_of)
    typer.echo(report_line(written))


def rebuild(data_dir: DataDir = None) -> None:
    """A new database from every file in archive/ and quarantine/, read in the order they
    arrived; nothing is moved. For a lost or damaged polls.duckdb: the one it replaces is kept
    beside it. Stop `pollwatch serve` first, so that no run writes meanwhile."""
    with plain_errors():
        from pollwatch.ingest.messages import rebuild_line
        from pollwatch.ingest.rebuild import rebuild as rebuild_database

        settings = settings_for(data_dir)
        summary, kept = rebuild_database(settings)
    typer.echo(rebuild_line(settings.db_path, summary, kept))
