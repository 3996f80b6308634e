"""One series' trend as a person or a script reads it: the CSV of its daily line, and the notes
said beside it (where the line is one poll, not an average; where it ends short of its as-of day;
the stretches far from any poll; which population its polls are read as).

The notes are the caveats the report draws (a card, a dashed stretch, an offset in a legend), put
in words for a reader of the bare numbers; kept apart from the CSV so that the CSV stays four
columns a script can load. Pure text from a fitted Trend, so the command, a flow or a notebook
says the same.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pollwatch.model.populations import ALL_POPULATIONS, measured_by
from pollwatch.model.trends import FAR_DAYS, Trend
from pollwatch.read.echo import counted

if TYPE_CHECKING:
    import pandas as pd

TREND_COLUMNS = ["date", "estimate", "lower", "upper"]
STRETCHES_NAMED = 3


def trend_csv(trend: Trend) -> str:
    """date,estimate,lower,upper (the 95% band), a row a day, in points to two decimals."""
    return trend.daily[TREND_COLUMNS].to_csv(
        index=False, float_format="%.2f", date_format="%Y-%m-%d"
    )


def trend_notes(trend: Trend, as_of: date | None) -> list[str]:
    """What a reader of `trend_csv` should know and the numbers do not say, a line each."""
    notes = _population_notes(trend)
    end = trend.daily["date"].iloc[-1]
    if len(trend.polls) == 1:
        notes.append(_one_poll_note(trend, end))
    if as_of is not None and end.date() < as_of:  # its newest poll is more than FAR_DAYS older
        notes.append(
            f"the newest poll public by {as_of:%Y-%m-%d} ended {end:%Y-%m-%d}, more than"
            f" {FAR_DAYS} days before it: the line ends there, as the report of that day ends it"
        )
    stretches = trend.far_stretches()
    if stretches:
        notes.append(_far_note(stretches))
    return notes


def _population_notes(trend: Trend) -> list[str]:
    """The offsets a line of several populations takes off its polls (said beside the CSV, not in
    it), or, in a line of every population, the one population all its polls are of, where it is
    not adults. Read off the fitted line's population, not the option as typed: `--population
    All` and `all_polls` (538's name) ask for that line too, and were given no such note."""
    reference = trend.reference.replace("_", " ")
    if trend.population_effects is not None:
        return [
            f"populations read as {reference}"
            + ("" if trend.reference == "adults" else " (no poll of this line is of adults)")
            + ": "
            + "; ".join(
                f"{e.population.replace('_', ' ')} {e.effect:+.2f} ({e.lower:+.2f} to "
                f"{e.upper:+.2f}; {measured_by(e)})"
                if e.pollsters
                else f"{e.population.replace('_', ' ')} not measured (no pollster asks it beside"
                f" {reference}: its gap stays in its pollsters' leans, read against the"
                f" pollsters of {reference})"
                for e in trend.population_effects.itertuples()
            )
        ]
    if trend.population == ALL_POPULATIONS and trend.reference == "unknown":
        return ["no poll of this line says its population"]
    if trend.population == ALL_POPULATIONS and trend.reference != "adults":
        return [f"every poll of this line is of {reference}"]
    return []


def _one_poll_note(trend: Trend, end: pd.Timestamp) -> str:
    """A series of one poll is that poll, not an average: where the report gives it instead
    (its card, has_measure_line)."""
    [poll] = trend.polls.itertuples()
    carried = f" carried forward to {end:%Y-%m-%d}" if end > poll.fieldwork_end else ""
    if trend.measure == "positive":
        where = "(the report shows it as a card)"
    elif trend.population == ALL_POPULATIONS:
        where = "(the report gives it on the poll's card)"
    else:  # a population's card gives the poll's positive share alone
        where = (
            f"(the report's card of {trend.population.replace('_', ' ')} gives its"
            f" {trend.metric} alone)"
        )
    return (
        f"one poll only ({poll.pollster}, fieldwork ended {poll.fieldwork_end:%Y-%m-%d}):"
        f" this is that poll{carried}, not an average {where}"
    )


def _far_note(stretches: list[tuple[pd.Timestamp, pd.Timestamp]]) -> str:
    """The stretches of days further than FAR_DAYS from any poll, where the line is the model's
    guess (the report dashes it): the first few by their days, and the days in all."""
    shown = ", ".join(f"{a:%Y-%m-%d} to {b:%Y-%m-%d}" for a, b in stretches[:STRETCHES_NAMED])
    more = (
        f" and {len(stretches) - STRETCHES_NAMED} more" if len(stretches) > STRETCHES_NAMED else ""
    )
    days = sum((b - a).days + 1 for a, b in stretches)
    return (
        f"no poll within {FAR_DAYS} days of {shown}{more}"
        f" ({counted(days, 'day')}): there the line is the"
        " model's guess between polls, not a measurement (the report dashes it)"
    )
