"""A trend as its reader gets it: four columns of CSV, and beside them the notes of what the
numbers do not say (one poll, not an average; a line ending short of its day; stretches far
from any poll; the population its polls are read as)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pollwatch.model.as_of import series_trend
from pollwatch.model.trends import Trend
from pollwatch.publish.trend_text import trend_csv, trend_notes
from tests.helpers import polls_frame


def trend(poll_days: list[str], first: str, last: str, **fields) -> Trend:
    """A fitted-looking Trend of L's approval: a flat line from `first` to `last`, and a poll of
    P ending on each of `poll_days`."""
    dates = pd.date_range(first, last, freq="D")
    ends = pd.to_datetime(poll_days)
    return Trend(
        leader="L",
        metric=fields.pop("metric", "approval"),
        population=fields.pop("population", "all"),
        daily=pd.DataFrame({"date": dates, "estimate": 40.0, "lower": 38.5, "upper": 41.456}),
        house_effects=pd.DataFrame(),
        polls=pd.DataFrame({"pollster": "P", "day": ends, "fieldwork_end": ends}),
        drift_sd=0.1,
        extra_sd=1.0,
        **fields,
    )


def test_the_csv_is_four_columns_a_row_a_day_in_points_to_two_decimals():
    text = trend_csv(trend(["2022-01-01"], "2022-01-01", "2022-01-02"))
    assert text == (
        "date,estimate,lower,upper\n2022-01-01,40.00,38.50,41.46\n2022-01-02,40.00,38.50,41.46\n"
    )


def test_a_line_of_polls_near_each_other_needs_no_note():
    days = [f"2022-01-{d:02d}" for d in (1, 10, 20, 30)]
    assert trend_notes(trend(days, "2022-01-01", "2022-01-30"), None) == []


def test_a_line_of_one_poll_says_it_is_that_poll_and_which_card_of_the_report_gives_it():
    one = trend(["2022-03-20"], "2022-03-20", "2022-03-20")
    [note] = trend_notes(one, None)
    assert note == (
        "one poll only (P, fieldwork ended 2022-03-20): this is that poll, not an average"
        " (the report shows it as a card)"
    )
    negative = trend(["2022-03-20"], "2022-03-20", "2022-03-25", measure="negative")
    [note] = trend_notes(negative, date(2022, 3, 25))
    assert "this is that poll carried forward to 2022-03-25" in note
    assert note.endswith("(the report gives it on the poll's card)")
    voters = trend(
        ["2022-03-20"], "2022-03-20", "2022-03-20", measure="net", population="likely_voters"
    )
    assert trend_notes(voters, None)[0].endswith(
        "(the report's card of likely voters gives its approval alone)"
    )


def test_an_as_of_line_ending_before_its_day_says_where_and_why_it_ends():
    days = ["2022-01-01", "2022-01-20"]
    notes = trend_notes(trend(days, "2022-01-01", "2022-01-20"), date(2022, 6, 1))
    assert notes == [
        "the newest poll public by 2022-06-01 ended 2022-01-20, more than 45 days before it:"
        " the line ends there, as the report of that day ends it"
    ]


def test_stretches_far_from_any_poll_are_named_the_first_three_and_counted_in_days():
    # Polls 200 days apart: between each two, the days more than 45 from both.
    days = pd.date_range("2020-01-01", periods=6, freq="200D").strftime("%Y-%m-%d").tolist()
    [note] = trend_notes(trend(days, days[0], days[-1]), None)
    assert note.startswith(
        "no poll within 45 days of 2020-02-16 to 2020-06-03, 2020-09-03 to 2020-12-20,"
        " 2021-03-22 to 2021-07-08 and 2 more (545 days): there the line is the model's guess"
    )


def test_a_line_of_one_population_not_adults_says_so_where_all_were_asked_for():
    voters = trend(["2022-01-01"] * 2, "2022-01-01", "2022-01-01", reference="registered_voters")
    assert trend_notes(voters, None) == ["every poll of this line is of registered voters"]
    asked = trend(["2022-01-01"] * 2, "2022-01-01", "2022-01-01", population="registered_voters")
    assert trend_notes(asked, None) == []
    unknown = trend(["2022-01-01"] * 2, "2022-01-01", "2022-01-01", reference="unknown")
    assert trend_notes(unknown, None) == ["no poll of this line says its population"]


def test_a_line_of_several_populations_says_each_offset_and_what_measured_it():
    effects = pd.DataFrame(
        {
            "population": ["registered_voters", "voters"],
            "effect": [0.984, 0.0],
            "lower": [0.48, 0.0],
            "upper": [1.47, 0.0],
            "pairs": [3, 0],
            "apart": [0, 0],
            "pollsters": [2, 0],
        }
    )
    mixed = trend(["2022-01-01"] * 2, "2022-01-01", "2022-01-01", population_effects=effects)
    [note] = trend_notes(mixed, None)
    assert note.startswith("populations read as adults: registered voters +0.98 (+0.48 to +1.47; ")
    assert note.endswith(
        "; voters not measured (no pollster asks it beside adults: its gap stays in its"
        " pollsters' leans, read against the pollsters of adults)"
    )


@pytest.mark.parametrize("typed", ["all", "All", "all_polls", "All polls"])
def test_every_spelling_of_the_line_of_all_populations_gets_its_population_note(typed):
    """`--population All` or 538's `all_polls` ask for the line of every population as `all`
    does; the note that all its polls are of registered voters was given to `all` alone."""
    polls = polls_frame([44, 46, 45, 47, 45], population="registered_voters")
    fitted = series_trend(polls, "L", "approval", population=typed)
    assert trend_notes(fitted, None) == ["every poll of this line is of registered voters"]
