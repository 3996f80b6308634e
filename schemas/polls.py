"""The canonical poll record: the one statement of what a valid poll row is.

Every source layout is mapped to these columns before anything is stored, and this model is the
gate. Rules carry names that read as the rule in an error message, because a person fixing a
rejected file sees exactly these names next to the line and column that broke them.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.columns import (
    METRICS,
    MODES,
    POPULATIONS,
    REJECT_COLUMNS,
    SHARE_COLUMNS,
)
from schemas.countries import ISO_3166_ALPHA2

# Three shares, each rounded by its pollster to a whole point, can add up to 101.5.
SHARES_ROUNDING_TOLERANCE = 1.5
EARLIEST_FIELDWORK = pd.Timestamp("1900-01-01")


class PollRecord(pa.DataFrameModel):
    """One measured share of one leader by one pollster over one fieldwork period.

    The frame's index is the line number in the source file, so every failure points at a line.
    """

    pollster: Series[str]
    sponsor: Series[str] = pa.Field(nullable=True)
    country: Series[str]
    leader: Series[str]
    metric: Series[str]
    population: Series[str]
    mode: Series[str]
    fieldwork_start: Series[pa.DateTime]
    fieldwork_end: Series[pa.DateTime]
    published: Series[pa.DateTime] = pa.Field(nullable=True)
    sample_size: Series[pd.Int64Dtype] = pa.Field(gt=0, nullable=True)
    positive_pct: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 100})
    negative_pct: Series[float] = pa.Field(
        in_range={"min_value": 0, "max_value": 100}, nullable=True
    )
    undecided_pct: Series[float] = pa.Field(
        in_range={"min_value": 0, "max_value": 100}, nullable=True
    )
    tracking: Series[bool]
    poll_key: Series[str]
    source_url: Series[str] = pa.Field(nullable=True)
    notes: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        ordered = False

    @pa.check("pollster", "leader", "poll_key", name="not_blank")
    def _not_blank(cls, column: Series[str]) -> Series[bool]:
        return column.str.strip().str.len() > 0

    @pa.check("country", name="iso_3166_alpha2_country")
    def _iso_country(cls, country: Series[str]) -> Series[bool]:
        return country.isin(ISO_3166_ALPHA2)

    @pa.check("metric", name="known_metric")
    def _known_metric(cls, metric: Series[str]) -> Series[bool]:
        return metric.isin(METRICS)

    @pa.check("population", name="known_population")
    def _known_population(cls, population: Series[str]) -> Series[bool]:
        return population.isin(POPULATIONS)

    @pa.check("mode", name="known_mode")
    def _known_mode(cls, mode: Series[str]) -> Series[bool]:
        return mode.isin(MODES)

    @pa.check("fieldwork_start", name="fieldwork_after_1900")
    def _fieldwork_after_1900(cls, start: Series[pa.DateTime]) -> Series[bool]:
        return start >= EARLIEST_FIELDWORK

    @pa.check("fieldwork_end", name="fieldwork_end_not_in_future")
    def _fieldwork_not_in_future(cls, end: Series[pa.DateTime]) -> Series[bool]:
        return end <= pd.Timestamp.now().normalize() + pd.Timedelta(days=1)

    @pa.dataframe_check(name="fieldwork_end_not_before_start")
    def _fieldwork_order(cls, df: pd.DataFrame) -> Series[bool]:
        missing = df["fieldwork_start"].isna() | df["fieldwork_end"].isna()
        return missing | (df["fieldwork_end"] >= df["fieldwork_start"])

    @pa.dataframe_check(name="published_not_before_fieldwork_end")
    def _published_after_fieldwork(cls, df: pd.DataFrame) -> Series[bool]:
        missing = df["published"].isna() | df["fieldwork_end"].isna()
        return missing | (df["published"] >= df["fieldwork_end"])

    @pa.dataframe_check(name="shares_sum_at_most_100")
    def _shares_sum(cls, df: pd.DataFrame) -> Series[bool]:
        shares = df[list(SHARE_COLUMNS)]
        out_of_range = ((shares < 0) | (shares > 100)).any(axis=1)
        return out_of_range | (shares.fillna(0).sum(axis=1) <= 100 + SHARES_ROUNDING_TOLERANCE)


# Row-wide rules pass when a value they compare is missing or out of range: that value is
# reported by its own column's rule, once. A row-wide rule is reported once per row, against the
# column a person would edit to fix it.
ROW_RULE_COLUMNS = {
    "fieldwork_end_not_before_start": ("fieldwork_end", ("fieldwork_start", "fieldwork_end")),
    "published_not_before_fieldwork_end": ("published", ("fieldwork_end", "published")),
    "shares_sum_at_most_100": ("+".join(SHARE_COLUMNS), SHARE_COLUMNS),
}


def validate_polls(frame: pd.DataFrame) -> pd.DataFrame:
    """One reject row (line, column, rule, value) per broken rule of every row: lazily, so that
    everything wrong is reported in one pass."""
    try:
        PollRecord.validate(frame, lazy=True)
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
    for rule, (column, involved) in ROW_RULE_COLUMNS.items():
        failed = frame.loc[lines[rules == rule].unique(), list(involved)]
        if failed.empty:
            continue
        shown = [name + "=" + failed[name].map(format_value) for name in involved]
        parts.append(
            pd.DataFrame(
                {
                    "line_number": failed.index.to_numpy(),
                    "column": column,
                    "rule": rule,
                    "value": shown[0].str.cat(shown[1:], sep=", ").to_numpy(),
                }
            )
        )
    rejects = pd.concat(parts, ignore_index=True)
    return rejects.sort_values(["line_number", "column"], kind="stable", ignore_index=True)
