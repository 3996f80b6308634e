"""Which share a line is of: the positive (approve, trust, support), the negative, or their net.

Measures are never averaged together. Here a measure is read from the words people ask for it by,
each poll's value and sampling variance for it are given, and a series is said to have a line of
it or, where it has none, why: the report, its averages.csv and `trend` follow this one rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pollwatch.config import ConfigError
from pollwatch.model.polls import POLL_IDENTITY
from pollwatch.read.echo import counted

MEASURES = ("positive", "negative", "net")
# The words people ask for each measure by (`--measure disapprove` was refused), the report's
# own names of the lines among them (`unfavorability`, `poor performance` were refused).
POSITIVE_WORDS = (
    *("approve", "approval", "trust", "support", "yes", "satisfied", "satisfaction"),
    *("favorable", "favourable", "favorability", "favourability", "performance"),
)
MEASURE_WORDS = {
    "positive": POSITIVE_WORDS,
    "negative": (
        *("disapprove", "disapproval", "distrust", "oppose", "opposition", "no"),
        *("unfavorable", "unfavourable", "unfavorability", "unfavourability"),
        *("poor performance", "dissatisfied", "dissatisfaction"),
    ),
    "net": ("spread", "balance", *(f"net {word}" for word in POSITIVE_WORDS)),
}
# The priors of a line's fit and of its populations' offsets are in a share's points; a net (one
# share less the other) moves and errs about twice as far, so in a net's points each is this many
# times as wide.
NET_SCALE = 2.0
# A series gets disapproval and net lines when at least this many of its polls give disapproval.
MEASURED_POLLS = 2


def measured(polls: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The polls that carry `measure`, with its value per poll (`value`) and that value's
    sampling variance from one respondent (`spread`; divided by the effective sample size, it
    is the poll's sampling variance).

    positive is the share who approve (trust, support); negative the share who disapprove;
    net the gap between them, fitted as its own series: its sampling variance is that of a
    difference of two shares of one sample, (p + q - (p - q)^2) / n, so its band comes from the
    fit, not from the two others' bands added by hand."""
    if measure not in MEASURES:
        raise ConfigError(f"--measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    if measure != "positive":
        polls = polls[polls["negative_pct"].notna()]
    polls = polls.reset_index(drop=True)
    positive = polls["positive_pct"].to_numpy(dtype="float64")
    negative = polls["negative_pct"].to_numpy(dtype="float64")
    p, q = np.clip(positive, 5, 95) / 100, np.clip(negative, 5, 95) / 100
    value, spread = {
        "positive": (positive, p * (1 - p)),
        "negative": (negative, q * (1 - q)),
        "net": (positive - negative, np.maximum(p + q - (p - q) ** 2, 0.05)),
    }[measure]
    return polls.assign(value=value, spread=spread)


def measure_unit(measure: str) -> float:
    """How wide a prior in a share's points is in the measure's points (NET_SCALE)."""
    return NET_SCALE if measure == "net" else 1.0


def read_measure(text: str) -> str:
    """A measure of MEASURES from the words people use for it ("Disapprove", "net approval"),
    or the text folded, to be refused by name."""
    folded = " ".join(text.lower().split())
    return next((m for m, words in MEASURE_WORDS.items() if folded in words), folded)


def giving(rows: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The rows (versions and questions of polls) a measure's line is read from: for the
    disapproval and the net, those that give disapproval. A poll's net was its questions' mean
    approval (one asked approve alone) less the disapproval of the one that asked both, and a
    poll giving disapproval only for its registered voters was left out of the disapproval line
    for its adults' version, which gave none."""
    if measure == "positive":
        return rows
    if "negative_pct" not in rows:
        return rows.iloc[:0]
    return rows[rows["negative_pct"].notna()]


def polls_giving(rows: pd.DataFrame, measure: str) -> tuple[int, int]:
    """How many polls of `rows` (versions and questions of polls) give `measure`'s share, one
    version per poll, and how many polls there are."""

    def count(found: pd.DataFrame) -> int:
        return found.groupby(POLL_IDENTITY, dropna=False).ngroups if len(found) else 0

    return count(giving(rows, measure)), count(rows)


def has_measure_line(rows: pd.DataFrame, measure: str) -> bool:
    """Whether a series (`rows`: its polls, every version) has a line of `measure`: the
    positive share wherever it has polls; the negative and the net where at least
    MEASURED_POLLS polls give the negative, or the series' one poll does (its card gives both
    sides). The one rule the report, its averages.csv and `trend` follow: `trend --measure
    negative` drew a line from one poll of a series of several, which the report drew nowhere."""
    if measure == "positive":  # asked of each day a real-time line refits: no count
        return not rows.empty
    given, total = polls_giving(rows, measure)
    return given >= MEASURED_POLLS or given == total == 1


class NoMeasureLine(ConfigError):
    """A series asked for a disapproval or net line it has none of (has_measure_line): too few
    of its polls give the negative share."""


def no_measure_line(series: str, measure: str, given: int, total: int) -> NoMeasureLine:
    """Why `series` (its name) has no `measure` line: `given` of its `total` polls give the
    negative share (of the positive line, none gives the positive)."""
    if not given:
        side = "positive" if measure == "positive" else "negative"
        net = ", which net needs" if measure == "net" else ""
        return NoMeasureLine(f"no polls of {series} give a {side} share{net}")
    return NoMeasureLine(
        f"no {measure} line of {series}: {count_said(given, total)}, and a line needs"
        f" {MEASURED_POLLS} that do (the report and its averages.csv have none either)"
    )


def count_said(given: int, total: int, public: str = "") -> str:
    """How many of a series' `total` polls (`public`: those public by a day, said so) give the
    negative share."""
    polls = counted(total, "poll") + public
    if not given:
        return f"none of its {polls} gives a negative share"
    return f"{given} of its {polls} give{'s' * (given == 1)} a negative share"
