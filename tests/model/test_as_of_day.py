"""The day an as-of question names: one of the calendar, that has come, or one line saying why
not."""

from __future__ import annotations

from datetime import date

import pytest

from pollwatch.config import ConfigError
from pollwatch.model.as_of_day import as_of_day

TODAY = date(2024, 5, 1)


def test_a_day_that_has_come_is_read_with_the_spaces_around_it_ignored():
    assert as_of_day(" 2022-03-01 ", TODAY) == date(2022, 3, 1)
    assert as_of_day("2024-05-01", TODAY) == TODAY


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2024-05-02", "2024-05-02 is after today (2024-05-01): nothing stood then yet"),
        ("2022-02-30", "2022-02-30 is not a day of the calendar"),
        ("14.03.2022", "'14.03.2022' is not a day: write it YYYY-MM-DD"),
    ],
)
def test_a_day_not_yet_come_or_not_of_the_calendar_says_why(typed, message):
    with pytest.raises(ConfigError) as refused:
        as_of_day(typed, TODAY)
    assert str(refused.value) == message
