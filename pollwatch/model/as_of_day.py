"""The day an as-of question names, read from what a person typed.

A report or a trend "as of" a day asks what stood then, so the day must be one of the calendar
that has come: what stood on a later one is not known, and a line drawn to the year 9999 is
millions of days. Read here rather than by the command line's option parser, so a script that
takes a day from its own user reads it, and says what is wrong with it, the same way.
"""

from __future__ import annotations

import re
from datetime import date

from pollwatch.config import ConfigError


def as_of_day(text: str, today: date) -> date:
    """The day `text` (YYYY-MM-DD, spaces around it allowed) names, if it has come by `today`;
    else a ConfigError in one line that says why and how to write it."""
    typed = text.strip()
    try:
        day = date.fromisoformat(typed)
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", typed):
            raise ConfigError(f"{typed} is not a day of the calendar") from None
        raise ConfigError(f"{text!r} is not a day: write it YYYY-MM-DD") from None
    if day > today:
        raise ConfigError(
            f"{day.isoformat()} is after today ({today.isoformat()}): nothing stood then yet"
        )
    return day
