"""The `pollwatch` command.

Every command says what it did; `--json` gives scripts the same facts. Exit codes: 0 all loaded
or already known, 1 something was rejected (valid rows still stored), 2 usage or configuration
error, 3 the run could not happen (the database is held by another process).

Commands that run a pipeline (ingest, report) go through its Prefect flow. Heavy modules (Prefect,
pandas, pandera) are imported inside the commands that use them, so the library stays free of
Prefect and `pollwatch status` answers in a fraction of a second.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from pollwatch.config import ConfigError, Settings, load_settings, require_data_dir
from pollwatch.exit_codes import EXIT_INTERRUPTED, EXIT_NOT_RUN, EXIT_USAGE
from pollwatch.ingest.signals import stops_kept
from pollwatch.model.as_of_day import as_of_day
from pollwatch.store.errors import StoreError

log = logging.getLogger("pollwatch.cli")

app = typer.Typer(
    help="pollwatch: poll CSV drops in, validated rows in DuckDB, trends and a report out.",
    no_args_is_help=True,
    add_completion=False,
)


def listed(group: typer.Typer, name: str | None = None):
    """A command whose help is its docstring with each paragraph joined into one line, to be
    wrapped to the terminal's width: Typer's Rich help keeps a docstring's line breaks, so its
    text came out ragged ("... quarantine/ (something was" / "rejected; ..."). The first
    paragraph is its line in `pollwatch --help`'s list."""

    def register(command):
        paragraphs = [" ".join(p.split()) for p in inspect.cleandoc(command.__doc__).split("\n\n")]
        return group.command(name, help="\n\n".join(paragraphs), short_help=paragraphs[0])(command)

    return register


DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data directory (inbox/, archive/, quarantine/, polls.duckdb)."
        " Default: $POLLWATCH_DATA_DIR, else ./data.",
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


def _as_of_day(value: str | None) -> date | None:
    # One line, as every other usage error says (Typer's BadParameter drew a box of six).
    if value is None:
        return None
    try:
        return as_of_day(value, date.today())
    except ConfigError as err:
        _fail(f"--as-of: {err}", EXIT_USAGE)


# Read as text and given to the command as a date (the callback's): Typer's own date option says
# "does not match the formats" of 2022-02-30 and takes any year.
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        callback=_as_of_day,
        metavar="YYYY-MM-DD",
        help="As it stood that day: only polls public by then, in the versions stored then.",
    ),
]
OutDir = Annotated[
    Path | None,
    typer.Option("--out", help="Report folder. Default: $POLLWATCH_REPORT_DIR, else ./reports."),
]


def _fail(message: str, code: int) -> None:
    typer.echo(f"pollwatch: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def _plain_errors() -> Iterator[None]:
    """Known failures as one line and an exit code, never a traceback."""
    try:
        yield
    except ConfigError as err:  # LayoutError is one too
        _fail(str(err), EXIT_USAGE)
    except Exception as err:
        if not isinstance(err, StoreError):
            raise
        _fail(str(err), EXIT_NOT_RUN)


def _settings(data_dir: Path | None, **flags) -> Settings:
    settings = load_settings(data_dir=data_dir, **flags)
    require_data_dir(settings)
    return settings


@listed(app)
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

    with _plain_errors():
        settings = _settings(data_dir)
        run = check_ingest(settings, paths or [], layout)
        if run is None:
            try:
                with _interruptible():
                    if _use_prefect(settings):
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


class Terminated(KeyboardInterrupt):  # noqa: N818  (a stop, as KeyboardInterrupt is)
    """SIGTERM, raised where the program is, so a run stops as cleanly as on Ctrl-C. A kind of
    KeyboardInterrupt because DuckDB cancels a running query early only for that (often at
    once, sometimes still at its end): any other exception waited for the query's end, and a
    5-million-row file reads for half a minute, longer than a service manager waits before
    SIGKILL."""

    signal = signal.SIGTERM


@contextmanager
def _interruptible(
    unchanged: str = "interrupted before anything was stored; the inbox is as it was",
) -> Iterator[None]:
    """SIGTERM stops the work as Ctrl-C does; a stop that left nothing changed says so."""

    def terminate(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        with stops_kept():  # a stop inside a DuckDB query is still a stop
            yield
    except KeyboardInterrupt as stop:  # Ctrl-C, or Terminated
        code = 128 + stop.signal if isinstance(stop, Terminated) else EXIT_INTERRUPTED
        _fail(unchanged, code)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _use_prefect(settings: Settings) -> bool:
    """Run as a Prefect flow when a server is there to record it; else directly, saying how to
    get runs into the Prefect UI. The library's log goes to stderr either way."""
    from flows.server import find_server

    server = find_server(settings.prefect_home)
    if server is not None and server.reachable:
        os.environ["PREFECT_API_URL"] = server.api_url
        return True
    _log_library_to_stderr()
    if server is not None:
        log.warning(
            "the Prefect server at %s (from %s) does not answer: running without it, recorded in "
            "the store only (`pollwatch status`)",
            server.api_url,
            server.source,
        )
    else:
        log.info(
            "no Prefect server running: this run is recorded in the store (`pollwatch status`); "
            "to see runs in the Prefect UI, start `pollwatch serve` or set PREFECT_API_URL"
        )
    return False


def _log_library_to_stderr() -> None:
    """What a person at the command should see as it happens: waits for the database, warnings,
    and on a terminal a progress line; the per-file lines come in the summary at the end."""
    library = logging.getLogger("pollwatch")
    if any(getattr(h, "pollwatch_cli", False) for h in library.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.pollwatch_cli = True
    handler.setFormatter(logging.Formatter("pollwatch: %(message)s"))
    handler.addFilter(_shown_on_stderr)
    library.addHandler(handler)
    library.setLevel(logging.INFO)


def _shown_on_stderr(record: logging.LogRecord) -> bool:
    if record.name == "pollwatch.progress":
        return sys.stderr.isatty()
    if record.name == "pollwatch.ingest":  # the summary printed at the end says the same
        return False
    return record.levelno >= logging.WARNING or record.name in ("pollwatch.cli", "pollwatch.store")


@listed(app)
def report(data_dir: DataDir = None, out: OutDir = None, as_of: AsOf = None) -> None:
    """Recompute every trend and chart and write the HTML report (index.html, a page per
    leader, charts as PNG and SVG, the data as CSV). A Prefect flow run when a server is
    reachable, as for `ingest`."""
    from pollwatch.publish.summary import report_line

    with _plain_errors(), _interruptible("interrupted: the report was left as it was"):
        settings = _settings(data_dir)
        if _use_prefect(settings):
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


@listed(app)
def trend(
    leader: Annotated[
        str,
        typer.Option(
            help="The leader, in any spelling the alias table knows, or by a part of the"
            " surname (Giscard)."
        ),
    ],
    metric: Annotated[str, typer.Option(help="approval, trust, support, favorability, ...")],
    population: Annotated[
        str,
        typer.Option(
            help="adults, registered_voters, ... Default: all, one version per poll, each "
            "population's polls read as adults (the offsets are said on stderr)."
        ),
    ] = "all",
    measure: Annotated[
        str,
        typer.Option(
            help="positive (approve, trust, ...), negative (disapprove, distrust, ...) or net "
            "(positive minus negative, in points), from the polls that give it."
        ),
    ] = "positive",
    as_of: AsOf = None,
    data_dir: DataDir = None,
) -> None:
    """The daily poll average of one leader and measure as CSV on stdout:
    date,estimate,lower,upper (the 95% band). Stretches of days far from any poll, where the
    line is its guess between polls, are said on stderr."""
    from pollwatch.model.stored_trend import stored_trend
    from pollwatch.model.trend_text import trend_csv, trend_notes

    with _plain_errors():
        fitted = stored_trend(_settings(data_dir), leader, metric, population, measure, as_of)
    for note in trend_notes(fitted, population, as_of):
        typer.echo(note, err=True)
    sys.stdout.write(trend_csv(fitted))


@listed(app)
def export(
    out: Annotated[Path, typer.Option("--out", help="The file to write.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv or parquet. Default: from --out's suffix, else csv."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Every stored poll with its provenance. In CSV, text that a spreadsheet would run as a
    formula (starting with = + - @) is made inert with a leading apostrophe."""
    from pollwatch.publish.export import check_out_file, export_store

    with _plain_errors():
        check_out_file(out)
        count, chosen = export_store(_settings(data_dir), out, fmt)
    typer.echo(f"exported {count} polls to {out} ({chosen})")


@listed(app)
def view(
    data_dir: DataDir = None,
    out: OutDir = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one.")] = 0,
) -> None:
    """Serve the report on 127.0.0.1 and print its address; Ctrl-C stops."""
    from pollwatch.publish.viewer import report_server

    with _plain_errors():
        settings = load_settings(data_dir=data_dir, report_dir=out)
        server = report_server(settings.report_dir, port)
    typer.echo(
        f"serving {settings.report_dir} at http://127.0.0.1:{server.server_port}/ (Ctrl-C to stop)"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()


@listed(app)
def status(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """What is stored: rows, and polls per leader and metric (a poll once, however many rows),
    files by status, the last run, the newest poll, and the settings in use."""
    with _plain_errors():
        from pollwatch.status import collect_status, status_text

        facts = collect_status(_settings(data_dir))
    typer.echo(json.dumps(facts, indent=2, default=str) if as_json else status_text(facts))


@listed(app)
def rebuild(data_dir: DataDir = None) -> None:
    """A new database from every file in archive/ and quarantine/, read in the order they
    arrived; nothing is moved. For a lost or damaged polls.duckdb: the one it replaces is kept
    beside it. Stop `pollwatch serve` first, so that no run writes meanwhile."""
    with _plain_errors():
        from pollwatch.ingest.messages import rebuild_line
        from pollwatch.ingest.rebuild import rebuild as rebuild_database

        settings = _settings(data_dir)
        summary, kept = rebuild_database(settings)
    typer.echo(rebuild_line(settings.db_path, summary, kept))


@listed(app)
def layouts(data_dir: DataDir = None) -> None:
    """The source layouts pollwatch knows (schemas/sources/*.toml, then DATA_DIR/layouts/*.toml)
    and how each is recognised; DATA_DIR/aliases.toml is checked too."""
    with _plain_errors():
        from pollwatch.map.aliases import load_aliases
        from pollwatch.map.layout_files import load_layouts
        from pollwatch.map.layout_listing import layouts_text

        settings = load_settings(data_dir=data_dir)
        known = load_layouts(settings.local_layouts)
        load_aliases(settings.local_aliases)
    typer.echo(layouts_text(known))


@listed(app)
def serve(
    data_dir: DataDir = None,
    out: OutDir = None,
    cron: Annotated[
        str | None,
        typer.Option(
            help="When to run ingest-and-report, in cron syntax (UTC). "
            "Default: $POLLWATCH_CRON, else every 15 minutes."
        ),
    ] = None,
) -> None:
    """Run the pipeline on a schedule, and take hand runs, until Ctrl-C.

    Uses the Prefect server PREFECT_API_URL names (environment, ./prefect.toml or the active
    Prefect profile); otherwise starts one on 127.0.0.1 (its data in DATA_DIR/prefect/) and stops
    it on exit. Prints the UI address and the next run. Commands run meanwhile find it and report
    their runs to it.
    """
    with _plain_errors():
        settings = _settings(data_dir, report_dir=out, cron=cron)
    from flows.server import (
        answers,
        configured_api_url,
        read_address,
        start_server,
        stop_server,
        write_address,
    )

    serving = read_address(settings.prefect_home)
    if serving is not None and answers(serving):
        # A second serve would start a second server on the first one's database, and the two
        # would take each other's runs; when it ended, it removed the first one's address.
        _fail(
            f"a pollwatch serve is already serving {settings.data_dir} (Prefect UI "
            f"{serving.removesuffix('/api')}): stop it first, or use it (`pollwatch trigger`)",
            EXIT_NOT_RUN,
        )
    own = None
    configured = configured_api_url()
    if configured is not None and not answers(configured.api_url):
        _fail(
            f"the Prefect server at {configured.api_url} (from {configured.source}) does not "
            "answer: start it, or unset it to let `pollwatch serve` start its own",
            EXIT_NOT_RUN,
        )
    api_url = configured.api_url if configured else None
    try:
        if not api_url:
            typer.echo(f"starting a Prefect server (its data in {settings.prefect_home}) ...")
            own = start_server(settings.prefect_home)
            api_url = own.api_url
        os.environ["PREFECT_API_URL"] = api_url
        write_address(settings.prefect_home, api_url, os.getpid())
        from flows.serve import serve_deployments

        serve_deployments(settings, api_url)
    except KeyboardInterrupt:
        typer.echo("stopping")
    finally:
        (settings.prefect_home / "server.json").unlink(missing_ok=True)
        if own is not None:
            stop_server(own)
            typer.echo("Prefect server stopped")


@listed(app)
def trigger(
    which: Annotated[
        str, typer.Argument(help="pipeline, ingest, report or check (expected drops).")
    ] = "pipeline",
    wait: Annotated[
        bool,
        typer.Option(
            help="Follow the run to its end; exit with its "
            "outcome (0 done, 1 rows rejected, 3 failed)."
        ),
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Start a run of a deployment that `pollwatch serve` is serving, now."""
    from flows.server import find_server
    from flows.trigger import FLOWS, TriggerError
    from flows.trigger import trigger as start_run

    with _plain_errors():
        settings = _settings(data_dir)
        if which not in FLOWS:
            raise ConfigError(f"{which!r}: say {', '.join(FLOWS)}")
        server = find_server(settings.prefect_home)
        if server is None:
            raise ConfigError(
                "no Prefect server to send the run to: start `pollwatch serve` "
                "(or set PREFECT_API_URL)"
            )
    try:
        done = start_run(which, server.api_url, wait)
    except TriggerError as err:
        _fail(f"could not start a {which} run: {err}", EXIT_NOT_RUN)
    except KeyboardInterrupt:
        _fail("stopped following the run; it goes on (see the Prefect UI)", EXIT_INTERRUPTED)
    typer.echo(f"flow run {done.flow_run_id}: {done.url}")
    if wait:
        rejects = "; rows were rejected (see the run's artifacts)" if done.rejects else ""
        typer.echo(f"finished: {done.state}{': ' + done.message if done.message else ''}{rejects}")
    raise typer.Exit(done.exit_code)


alerts_app = typer.Typer(
    help="Messages to a webhook (Slack, Teams, a relay) when a drop is rejected, an average "
    "moves, an expected drop is overdue or a run fails: Prefect automations on pollwatch's "
    "events, kept by the Prefect server `pollwatch serve` starts.",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")


def _alerts_server(data_dir: Path | None) -> Settings:
    """Point Prefect at the server the alerts live in, or say there is none."""
    from flows.server import find_server

    settings = _settings(data_dir)
    server = find_server(settings.prefect_home)
    if server is None or not server.reachable:
        raise ConfigError(
            "alerts live in a Prefect server, and none answers: start `pollwatch serve` "
            "(or set PREFECT_API_URL)"
        )
    os.environ["PREFECT_API_URL"] = server.api_url
    return settings


@listed(alerts_app, "add")
def alerts_add(
    channel: Annotated[str, typer.Argument(help="webhook (the one kind there is so far).")],
    url: Annotated[str, typer.Argument(help='The address to POST {"text": ...} to.')],
    on: Annotated[
        str,
        typer.Option(
            help="What to tell, comma-separated: rejected (files refused in part or whole), "
            "moved (averages that moved POLLWATCH_MOVE_POINTS or more), stale (expected drops "
            "overdue), failed (runs that failed or crashed), loaded (every file stored)."
        ),
    ] = "rejected,moved,stale,failed",
    file: Annotated[
        Path | None,
        typer.Option(
            help="Write the automations to this YAML file for `prefect automation create "
            "--from-file` instead of creating them (the webhook's block is saved either way)."
        ),
    ] = None,
    plain: Annotated[
        bool,
        typer.Option(
            "--plain",
            help="Send through Prefect's own Custom Webhook block, for a Prefect server that "
            "does not have pollwatch installed (a failed send is then not retried later).",
        ),
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Send a message to URL for each run that has something to tell, one per kind."""
    with _plain_errors():
        if channel != "webhook":
            raise ConfigError(f"{channel!r}: the one kind of channel is webhook")
        from flows.alerts import add_webhook, kinds_from, masked

        kinds = kinds_from(on)
        settings = _alerts_server(data_dir)
        names = add_webhook(url, kinds, settings.data_dir, file, plain=plain)
    where = f"written to {file}" if file else "created"
    typer.echo(f"alerts to {masked(url)}: {', '.join(kinds)} ({len(names)} automations {where})")


@listed(alerts_app, "list")
def alerts_list(data_dir: DataDir = None) -> None:
    """pollwatch's alerts: what each tells, and where."""
    with _plain_errors():
        from flows.alerts import list_alerts

        _alerts_server(data_dir)
        found = list_alerts()
    if not found:
        typer.echo("no alerts: add one with `pollwatch alerts add webhook URL`")
    for alert in found:
        state = "" if alert["enabled"] else " (paused)"
        typer.echo(f"{alert['kind']:<9} {alert['webhook']}  [{alert['block']}]{state}")


@listed(alerts_app, "remove")
def alerts_remove(
    target: Annotated[str, typer.Argument(help="The webhook's address, or its block's name.")],
    data_dir: DataDir = None,
) -> None:
    """Stop sending to a webhook: its automations and its block go."""
    with _plain_errors():
        from flows.alerts import remove

        settings = _alerts_server(data_dir)
        gone = remove(target, settings.data_dir)
    typer.echo(f"removed {len(gone)} automation(s) and the webhook's block")


def main() -> None:
    """The `pollwatch` console script.

    pandera imports hypothesis, when it is installed (as in a development environment), to offer
    data synthesis that pollwatch never uses: 0.2-0.3 s of every command that validates rows,
    a fifth of a small ingest. The command runs without it; tests and notebooks are unaffected.
    """
    sys.modules.setdefault("hypothesis", None)
    app()
