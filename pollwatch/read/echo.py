"""What a file holds, echoed back to a person in a message: capped, since a file can hold
anything. A header of 100,000 columns once went whole into a reason, 789 KB of it into the
database, the terminal and the quarantine note. And the small words of such messages: counts
and lists."""

from __future__ import annotations

import pandas as pd

NAMES_SHOWN = 20
CHARS_SHOWN = 300
LINES_SHOWN = 10


def listed(names: list[str], shown: int = NAMES_SHOWN, chars: int = 60) -> str:
    """'a, b, c' or, past `shown`, 'a, b, ... and 99,980 more', each name capped at `chars`."""
    named = ", ".join(capped(name, chars) for name in names[:shown])
    more = len(names) - shown
    return f"{named} ... and {more:,} more" if more > 0 else named


def counted(n: int, thing: str) -> str:
    """'1 poll', '2 polls'."""
    return f"{n} {thing}" + ("" if n == 1 else "s")


def joined(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def line_numbers(lines: list[int], shown: int = LINES_SHOWN) -> str:
    """'3, 7, 12' or, past `shown`, the first of them and ' ...'."""
    return ", ".join(map(str, lines[:shown])) + (" ..." if len(lines) > shown else "")


def line_runs(numbers: list[int], shown: int = 3) -> str:
    """'lines 2-5, 9 and 12-20' (the first `shown` runs, then how many more lines)."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    named = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs[:shown]]
    rest = sum(b - a + 1 for a, b in runs[shown:])
    more = f" and {rest} more" if rest else ""
    return f"line{'s' if len(numbers) > 1 else ''} {joined(named)}{more}"


def capped(text: str, chars: int = CHARS_SHOWN) -> str:
    """The text, cut to `chars` characters with the length of what was cut said."""
    if len(text) <= chars:
        return text
    return f"{text[:chars]}... ({len(text):,} characters)"


def capped_column(values: pd.Series, chars: int = CHARS_SHOWN) -> pd.Series:
    """`capped` over a column of texts, touching only the long ones."""
    text = values.astype("str")
    long = text.str.len().fillna(0) > chars
    if not long.any():
        return values
    out = values.copy()
    out[long] = text[long].map(lambda t: capped(t, chars))
    return out
