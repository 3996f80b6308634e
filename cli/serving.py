"""The commands around a running pipeline: serve (the schedule, and the Prefect server the runs
report to), trigger (a run of a served deployment, now), view (the report on 127.0.0.1). Each
checks its options, makes the call and says what it started or where."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from cli.options import DataDir, OutDir, fail, plain_errors, settings_for
from pollwatch.config import ConfigError, load_settings
from pollwatch.exit_codes import EXIT_INTERRUPTED, EXIT_NOT_RUN


def view(
    data_dir: DataDir = None,
    out: OutDir = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one.")] = 0,
) -> None:
    """Serve the report on 127.0.0.1 and print its address; Ctrl-C stops."""
    from pollwatch.publish.viewer import report_server

    with plain_errors():
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
    with plain_errors():
        settings = settings_for(data_dir, report_dir=out, cron=cron)
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
        fail(
            f"a pollwatch serve is already serving {settings.data_dir} (Prefect UI "
            f"{serving.removesuffix('/api')}): stop it first, or use it (`pollwatch trigger`)",
            EXIT_NOT_RUN,
        )
    own = None
    configured = configured_api_url()
    if configured is not None and not answers(configured.api_url):
        fail(
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

    with plain_errors():
        settings = settings_for(data_dir)
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
        fail(f"could not start a {which} run: {err}", EXIT_NOT_RUN)
    except KeyboardInterrupt:
        fail("stopped following the run; it goes on (see the Prefect UI)", EXIT_INTERRUPTED)
    typer.echo(f"flow run {done.flow_run_id}: {done.url}")
    if wait:
        rejects = "; rows were rejected (see the run's artifacts)" if done.rejects else ""
        typer.echo(f"finished: {done.state}{': ' + done.message if done.message else ''}{rejects}")
    raise typer.Exit(done.exit_code)
