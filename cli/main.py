"""The `pollwatch` command.

Every command says what it did; `--json` gives scripts the same facts. Exit codes: 0 all loaded
or already known, 1 something was rejected (valid rows still stored), 2 usage or configuration
error, 3 the run could not happen (the database is held by another process).

Commands that run a pipeline (ingest, report) go through its Prefect flow. Heavy modules (Prefect,
pandas, pandera) are imported inside the commands that use them, so the library stays free of
Prefect and `pollwatch status` answers in a fraction of a second.

The commands live by group (pipeline.py, reading.py, serving.py, alerts.py); here they are put
in the order `pollwatch --help` lists them.
"""

from __future__ import annotations

import sys

import typer

from cli.alerts import alerts_app
from cli.options import listed
from cli.pipeline import ingest, rebuild, report
from cli.reading import export, layouts, status, trend
from cli.serving import serve, trigger, view

app = typer.Typer(
    help="pollwatch: poll CSV drops in, validated rows in DuckDB, trends and a report out.",
    no_args_is_help=True,
    add_completion=False,
)
for command in (ingest, report, trend, export, view, status, rebuild, layouts, serve, trigger):
    listed(app)(command)
app.add_typer(alerts_app, name="alerts")


def main() -> None:
    """The `pollwatch` console script.

    pandera imports hypothesis, when it is installed (as in a development environment), to offer
    data synthesis that pollwatch never uses: 0.2-0.3 s of every command that validates rows,
    a fifth of a small ingest. The command runs without it; tests and notebooks are unaffected.
    """
    sys.modules.setdefault("hypothesis", None)
    app()
