"""`pollwatch alerts`: messages to a webhook on pollwatch's events, kept as Prefect automations by
the server `pollwatch serve` runs. Each command finds that server, makes one call to flows.alerts
and says what it did."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from cli.options import DataDir, listed, plain_errors, settings_for
from pollwatch.config import ConfigError, Settings

alerts_app = typer.Typer(
    help="Messages to a webhook (Slack, Teams, a relay) when a drop is rejected, an average "
    "moves, an expected drop is overdue or a run fails: Prefect automations on pollwatch's "
    "events, kept by the Prefect server `pollwatch serve` starts.",
    no_args_is_help=True,
)


def _alerts_server(data_dir: Path | None) -> Settings:
    """Point Prefect at the server the alerts live in, or say there is none."""
    from flows.server import find_server

    settings = settings_for(data_dir)
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
    with plain_errors():
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
    with plain_errors():
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
    with plain_errors():
        from flows.alerts import remove

        settings = _alerts_server(data_dir)
        gone = remove(target, settings.data_dir)
    typer.echo(f"removed {len(gone)} automation(s) and the webhook's block")
