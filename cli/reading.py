"""The commands that read what is stored and change nothing: trend, export, status, layouts.
Each makes one library call and prints what it returns."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.options import AsOf, DataDir, JsonFlag, plain_errors, settings_for
from pollwatch.config import load_settings


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
    from pollwatch.publish.trend_text import trend_csv, trend_notes

    with plain_errors():
        fitted = stored_trend(settings_for(data_dir), leader, metric, population, measure, as_of)
    for note in trend_notes(fitted, as_of):
        typer.echo(note, err=True)
    sys.stdout.write(trend_csv(fitted))


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

    with plain_errors():
        check_out_file(out)
        count, chosen = export_store(settings_for(data_dir), out, fmt)
    typer.echo(f"exported {count} polls to {out} ({chosen})")


def status(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """What is stored: rows, and polls per leader and metric (a poll once, however many rows),
    files by status, the last run, the newest poll, and the settings in use."""
    with plain_errors():
        from pollwatch.status import collect_status, status_text

        facts = collect_status(settings_for(data_dir))
    typer.echo(json.dumps(facts, indent=2, default=str) if as_json else status_text(facts))


def layouts(data_dir: DataDir = None) -> None:
    """The source layouts pollwatch knows (schemas/sources/*.toml, then DATA_DIR/layouts/*.toml)
    and how each is recognised; DATA_DIR/aliases.toml is checked too."""
    with plain_errors():
        from pollwatch.map.aliases import load_aliases
        from pollwatch.map.layout_files import load_layouts
        from pollwatch.map.layout_listing import layouts_text

        settings = load_settings(data_dir=data_dir)
        known = load_layouts(settings.local_layouts)
        load_aliases(settings.local_aliases)
    typer.echo(layouts_text(known))
