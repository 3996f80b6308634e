"""The canonical poll record: the one statement of what a valid poll row is.

Every source layout is mapped to these columns before anything is stored, and this model is the
gate. Rules carry names that read as the rule in an error message, because a person fixing a
rejected file sees exactly these names next to the line and column that broke them.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from schemas.columns import (
    METRICS,
    MODES,
    POPULATIONS,
    REJECT_COLUMNS,
    SHARE_COLUMNS,
)
from schemas.countries import ISO_3166_ALPHA2
from schemas.rules import RowRule, Rule

# Three shares, each rounded by its pollster to a whole point, can add up to 101.5.
SHARES_ROUNDING_TOLERANCE = 1.5
EARLIEST_FIELDWORK = pd.Timestamp("1900-01-01")


# The rules on single values, by column; each column's type and whether it may be empty follow.
# A name with a line break in it is never a name: it is a stray quote (`"Ifop` with no closing
# quote until lines later) that took the lines between, whole polls, into one cell.
ONE_LINE = Rule("one_line_(a_stray_quote?)", "one_line")

# A pollster named as an average is a row of the table's average, not a poll: RealClearPolitics'
# "RCP Average" row was stored as a poll and counted in ours. Not "média": in French it is the
# press ("Sondage Média").
AN_AVERAGE = Rule(
    "an_average_not_a_poll",
    "not_naming",
    r"\b(?:average|avg|mean|aggregate|moyenne|promedio|durchschnitt|mittelwert)\b"
    r"|\bpolls? of polls\b|средн|середн|平均|평균",
)

COLUMN_RULES: dict[str, tuple[Rule, ...]] = {
    "pollster": (Rule("not_blank", "not_blank"), ONE_LINE, AN_AVERAGE),
    "sponsor": (ONE_LINE,),
    "country": (Rule("iso_3166_alpha2_country", "one_of", tuple(sorted(ISO_3166_ALPHA2))),),
    "leader": (Rule("not_blank", "not_blank"), ONE_LINE),
    "metric": (Rule("known_metric", "one_of", METRICS),),
    "population": (Rule("known_population", "one_of", POPULATIONS),),
    "mode": (Rule("known_mode", "one_of", MODES),),
    "fieldwork_start": (Rule("fieldwork_after_1900", "at_least", EARLIEST_FIELDWORK),),
    "fieldwork_end": (Rule("fieldwork_end_not_in_future", "not_after_tomorrow"),),
    "published": (Rule("published_not_in_future", "not_after_tomorrow"),),
    # More people than any country has: a typing slip, or two columns run together.
    "sample_size": (
        Rule("greater_than(0)", "greater_than", 0),
        Rule("at_most_100_million", "at_most", 100_000_000),
    ),
    **{name: (Rule("in_range(0, 100)", "between", (0, 100)),) for name in SHARE_COLUMNS},
    "poll_key": (Rule("not_blank", "not_blank"), ONE_LINE),
}
COLUMN_TYPES: dict[str, object] = {
    "pollster": str,
    "sponsor": str,
    "country": str,
    "leader": str,
    "metric": str,
    "population": str,
    "mode": str,
    "fieldwork_start": pa.DateTime,
    "fieldwork_end": pa.DateTime,
    "published": pa.DateTime,
    "sample_size": float,  # an effective (weighted) sample may be fractional
    "positive_pct": float,
    "negative_pct": float,
    "undecided_pct": float,
    "tracking": bool,
    "poll_key": str,
    "source_url": str,
    "notes": str,
}
NULLABLE = frozenset(
    {"sponsor", "published", "sample_size", "negative_pct", "undecided_pct", "source_url", "notes"}
)


ROW_RULES = (
    RowRule(
        "fieldwork_end_not_before_start",
        "not_before",
        ("fieldwork_start", "fieldwork_end"),
        reported="fieldwork_end",
    ),
    # A poll whose fieldwork a source gives as a month only may be reported before that month
    # ends (Levada's monthly polls, published in the last week of their month): its end is the
    # month's last day only as pollwatch reads the month, and the poll was lost.
    RowRule(
        "published_not_before_fieldwork_end",
        "not_before",
        ("fieldwork_end", "published"),
        reported="published",
        month_of="fieldwork_start",
    ),
    RowRule(
        "shares_sum_at_most_100",
        "sum_at_most",
        SHARE_COLUMNS,
        reported="+".join(SHARE_COLUMNS),
        bound=100 + SHARES_ROUNDING_TOLERANCE,
    ),
    # 0.41 and 0.56 for 41% and 56%: no poll finds 98% undecided (one that says so, its three
    # shares making up the whole sample, 1, 0.5 and 98.5, is taken at its word; 0.40, 0.57 and
    # a don't-know share of 3 is not). Stored with a warning (as they were), they corrected
    # stored polls to under 1% and pulled a line of Macron's from 30 to 23.
    RowRule(
        "shares_are_percentages_not_proportions",
        "sum_more_than",
        SHARE_COLUMNS,
        reported="positive_pct+negative_pct",
        bound=2,
        whole=100 - SHARES_ROUNDING_TOLERANCE,
    ),
)
# Rows that are stored but named in a warning, with what to check: possible values, more likely
# a slip (a year of 1901 for 2019, a start date from another row, 1.000 meant as 1,000).
WARNING_RULES = (
    (
        RowRule(
            "fieldwork longer than a year",
            "span_at_most",
            ("fieldwork_start", "fieldwork_end"),
            reported="fieldwork_start",
            bound=366,
        ),
        "check the dates",
    ),
    (
        RowRule(
            "fieldwork starting before 1930",
            "year_at_least",
            ("fieldwork_start",),
            reported="fieldwork_start",
            bound=1930,
        ),
        "check the dates",
    ),
    (
        RowRule(
            "a sample of fewer than 50 people",
            "value_at_least",
            ("sample_size",),
            reported="sample_size",
            bound=50,
        ),
        "check the sample size",
    ),
    (
        # 12.345.678 is read as twelve million: the largest published polls ask tens of
        # thousands, and a sample of millions would outweigh every other poll but for the
        # survey error the model adds.
        RowRule(
            "a sample of more than a million people",
            "value_at_most",
            ("sample_size",),
            reported="sample_size",
            bound=1_000_000,
        ),
        "check the sample size",
    ),
)
# A row-wide rule is reported once per row, against the column a person would edit to fix it.
ROW_RULE_COLUMNS = {rule.name: (rule.reported, rule.columns) for rule in ROW_RULES}

# One measured share of one leader by one pollster over one fieldwork period. The frame's index
# is the line number in the source file, so every failure points at a line.
POLL_RECORD = pa.DataFrameSchema(
    {
        name: pa.Column(
            kind,
            checks=[rule.check() for rule in COLUMN_RULES.get(name, ())],
            nullable=name in NULLABLE,
        )
        for name, kind in COLUMN_TYPES.items()
    },
    checks=[rule.check() for rule in ROW_RULES],
    strict=True,
    ordered=False,
    name="PollRecord",
)


def validate_polls(frame: pd.DataFrame) -> pd.DataFrame:
    """One reject row (line, column, rule, value) per broken rule of every row: lazily, so that
    everything wrong is reported in one pass."""
    try:
        POLL_RECORD.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _failure_cases_to_rejects(errors.failure_cases, frame)
    return pd.DataFrame({name: pd.Series(dtype="object") for name in REJECT_COLUMNS})


def format_value(value: object) -> str:
    """Show a failing value the way it would look in the source file."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _failure_cases_to_rejects(cases: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    column_level = cases[cases["index"].isna()]
    if not column_level.empty:
        # A column-level failure (wrong dtype, missing column) means the mapping is broken, not
        # the data: that is a bug to surface loudly, never a row to quietly reject.
        raise ValueError(f"canonical frame does not match the poll model:\n{column_level}")
    lines = cases["index"].astype("int64")
    rules = cases["check"].astype("str")
    by_cell = ~rules.isin(ROW_RULE_COLUMNS)
    parts = [
        pd.DataFrame(
            {
                "line_number": lines[by_cell].to_numpy(),
                "column": cases.loc[by_cell, "column"].astype("str").to_numpy(),
                "rule": rules[by_cell].to_numpy(),
                "value": [format_value(v) for v in cases.loc[by_cell, "failure_case"]],
            }
        )
    ]
    for rule in ROW_RULES:
        failed = frame.loc[lines[rules == rule.name].unique(), list(rule.columns)]
        if not failed.empty:
            parts.append(row_rule_rejects(rule, failed))
    rejects = pd.concat(parts, ignore_index=True)
    return rejects.sort_values(["line_number", "column"], kind="stable", ignore_index=True)


def row_rule_rejects(rule: RowRule, failed: pd.DataFrame) -> pd.DataFrame:
    """A reject per row that broke `rule` (`failed`: its compared values, by line), showing
    them as `fieldwork_start=2023-01-05, fieldwork_end=2023-01-01`."""
    shown = [name + "=" + failed[name].map(format_value) for name in rule.columns]
    return pd.DataFrame(
        {
            "line_number": failed.index.to_numpy(),
            "column": rule.reported,
            "rule": rule.name,
            "value": shown[0].str.cat(shown[1:], sep=", ").to_numpy(),
        }
    )
