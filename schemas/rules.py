"""Rules on one column's values and on a row's values together, declared once and checked two
ways: by pandera on a frame, and by DuckDB as SQL where a big file is mapped without leaving the
database.

A rule is data (a kind and its bounds), not a function, so that both forms are generated from
the one declaration and cannot drift apart. Each rule passes a missing value: whether a column
may be empty is the column's own `nullable`, reported once as `not_nullable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
import pandera.pandas as pa


@dataclass(frozen=True)
class Rule:
    """`name` is what a reject shows; `kind` one of KINDS; `bound` its value or values."""

    name: str
    kind: str
    bound: object = None

    def check(self) -> pa.Check:
        """The pandera check (its error text is the rule's name, so failures are named so)."""
        if self.kind == "one_of":
            return pa.Check.isin(list(self.bound), name=self.name, error=self.name)
        if self.kind == "not_blank":
            return pa.Check.str_matches(r"\s*\S", name=self.name, error=self.name)
        if self.kind == "one_line":
            return pa.Check.str_matches(r"[^\r\n]*\Z", name=self.name, error=self.name)
        if self.kind == "not_naming":
            pattern = self.bound
            return pa.Check(
                lambda text: ~text.str.contains(pattern, case=False, regex=True),
                name=self.name,
                error=self.name,
            )
        if self.kind == "between":
            low, high = self.bound
            return pa.Check.in_range(low, high, name=self.name, error=self.name)
        if self.kind == "greater_than":
            return pa.Check.gt(self.bound, name=self.name, error=self.name)
        if self.kind == "at_least":
            return pa.Check.ge(self.bound, name=self.name, error=self.name)
        if self.kind == "at_most":
            return pa.Check.le(self.bound, name=self.name, error=self.name)
        if self.kind == "not_after_tomorrow":
            return pa.Check(lambda day: day <= tomorrow(), name=self.name, error=self.name)
        raise ValueError(f"unknown rule kind {self.kind!r}")

    def sql(self, column: str) -> str:
        """A DuckDB predicate over `column` that is false exactly where the pandera check fails
        (missing values pass, as pandera ignores them)."""
        if self.kind == "one_of":
            test = f"{column} IN ({', '.join(map(literal, self.bound))})"
        elif self.kind == "not_blank":
            # Values reach the rules trimmed (Python's notion of space, wider than SQL's), so a
            # value is blank here exactly when it has no character that is not a space.
            test = f"regexp_matches({column}, '^\\s*\\S')"
        elif self.kind == "one_line":
            test = f"NOT (contains({column}, chr(10)) OR contains({column}, chr(13)))"
        elif self.kind == "not_naming":  # a pattern both Python's re and RE2 read alike
            test = f"NOT regexp_matches({column}, {literal(self.bound)}, 'i')"
        elif self.kind == "between":
            low, high = self.bound
            test = f"{column} BETWEEN {literal(low)} AND {literal(high)}"
        elif self.kind == "greater_than":
            test = f"{column} > {literal(self.bound)}"
        elif self.kind == "at_least":
            test = f"{column} >= {literal(self.bound)}"
        elif self.kind == "at_most":
            test = f"{column} <= {literal(self.bound)}"
        elif self.kind == "not_after_tomorrow":
            test = f"{column} <= {literal(tomorrow())}"
        else:
            raise ValueError(f"unknown rule kind {self.kind!r}")
        return f"({column} IS NULL OR {test})"


def tomorrow() -> datetime:
    """The latest fieldwork end a poll may have: today, with a day's grace for time zones."""
    return datetime.combine(date.today() + timedelta(days=1), datetime.min.time())


def quoted(name: str) -> str:
    """A name as an SQL identifier, whatever characters a file's header gave it."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"no SQL literal for {value!r}")
    return repr(value)


@dataclass(frozen=True)
class RowRule:
    """A rule comparing a row's values: `columns` are those it compares, `reported` the column
    a person would edit to fix it. It passes where a value it needs is missing or out of its
    column's range: that value is reported by its own column's rule, once."""

    name: str
    # "not_before": columns[1] on or after columns[0]; "sum_at_most": total <= bound;
    # "span_at_most": columns[1] at most `bound` days after columns[0];
    # "year_at_least": columns[0] in the year `bound` or later; "value_at_least": columns[0]
    # at least `bound`; "value_at_most": columns[0] at most `bound`; "sum_more_than": the first
    # two's total > bound, where both are given, or (with `whole`) every value given and their
    # total at least `whole`
    kind: str
    columns: tuple[str, ...]
    reported: str
    bound: float = 0.0
    value_range: tuple[float, float] = (0, 100)
    whole: float | None = None
    # "not_before" only: the column where columns[0]'s period starts. Where that period is a
    # whole calendar month, columns[1] may fall anywhere in it: a month is what a source gave,
    # and its last day pollwatch's reading of it.
    month_of: str | None = None

    def check(self) -> pa.Check:
        return pa.Check(self.passes, name=self.name)

    def passes(self, df):
        """True for each row of the frame `df` that keeps the rule."""
        if self.kind == "not_before":
            first, then = (df[c] for c in self.columns)
            kept = first.isna() | then.isna() | (then >= first)
            if self.month_of is not None:
                start = df[self.month_of]
                month = (start.dt.day == 1) & (first == start + pd.offsets.MonthEnd(0))
                kept |= month & (then >= start)
            return kept
        if self.kind == "sum_at_most":
            values = df[list(self.columns)]
            low, high = self.value_range
            out_of_range = ((values < low) | (values > high)).any(axis=1)
            return out_of_range | (values.fillna(0).sum(axis=1) <= self.bound)
        if self.kind == "span_at_most":
            first, then = (df[c] for c in self.columns)
            return first.isna() | then.isna() | ((then - first).dt.days <= self.bound)
        if self.kind == "year_at_least":
            day = df[self.columns[0]]
            return day.isna() | (day.dt.year >= self.bound)
        if self.kind == "value_at_least":
            value = df[self.columns[0]]
            return value.isna() | (value >= self.bound)
        if self.kind == "value_at_most":
            value = df[self.columns[0]]
            return value.isna() | (value <= self.bound)
        if self.kind == "sum_more_than":
            values = df[list(self.columns)]
            first_two = values.iloc[:, :2]
            kept = first_two.isna().any(axis=1) | (first_two.sum(axis=1) > self.bound)
            if self.whole is not None:
                kept |= values.notna().all(axis=1) & (values.sum(axis=1) >= self.whole)
            return kept
        raise ValueError(f"unknown row rule kind {self.kind!r}")

    def sql(self) -> str:
        """A DuckDB predicate, over the columns by name, true for each row that keeps the rule."""
        if self.kind == "not_before":
            first, then = self.columns
            kept = f"{first} IS NULL OR {then} IS NULL OR {then} >= {first}"
            if self.month_of is not None:
                start = self.month_of
                kept += (
                    f" OR (day({start}) = 1 AND {first} = last_day({start}) AND {then} >= {start})"
                )
            return f"({kept})"
        if self.kind == "sum_at_most":
            low, high = self.value_range
            outside = " OR ".join(
                f"coalesce({c} < {literal(low)} OR {c} > {literal(high)}, false)"
                for c in self.columns
            )
            total = " + ".join(f"coalesce({c}, 0)" for c in self.columns)
            return f"({outside} OR {total} <= {literal(self.bound)})"
        if self.kind == "span_at_most":
            first, then = self.columns
            return (
                f"({first} IS NULL OR {then} IS NULL"
                f" OR date_diff('day', {first}, {then}) <= {literal(self.bound)})"
            )
        if self.kind == "year_at_least":
            day = self.columns[0]
            return f"({day} IS NULL OR year({day}) >= {literal(self.bound)})"
        if self.kind == "value_at_least":
            value = self.columns[0]
            return f"({value} IS NULL OR {value} >= {literal(self.bound)})"
        if self.kind == "value_at_most":
            value = self.columns[0]
            return f"({value} IS NULL OR {value} <= {literal(self.bound)})"
        if self.kind == "sum_more_than":
            missing = " OR ".join(f"{c} IS NULL" for c in self.columns[:2])
            kept = f"{missing} OR {' + '.join(self.columns[:2])} > {literal(self.bound)}"
            if self.whole is not None:  # NULL where a value is missing: not kept by this
                kept += f" OR coalesce({' + '.join(self.columns)} >= {literal(self.whole)}, false)"
            return f"({kept})"
        raise ValueError(f"unknown row rule kind {self.kind!r}")
