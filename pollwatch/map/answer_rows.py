"""A file giving each answer of a poll on a row of its own, read as one row a poll ([answers]).

Irish B&A writes Satisfied, Dissatisfied and No opinion on three rows; the canonical record has
one row a poll with a share for each, and a share may add up several answers ("Strongly
approve" and "Somewhat approve").
"""

from __future__ import annotations

import pandas as pd

from pollwatch.map import values
from pollwatch.map.folding import fold_values
from pollwatch.map.layout import Layout
from pollwatch.read.echo import line_numbers, listed


def polls_of_answers(
    cells: pd.DataFrame, layout: Layout, warnings: list[str]
) -> tuple[pd.DataFrame, int]:
    """A file of one row an answer ([answers]) as one row a poll, on the line of its first
    answer: the rows alike in every other column the layout reads are one poll's (not in the
    columns it does not: Irish B&A's rows give each answer's share among men, women, ages...),
    and each share is the sum of its answers' ("Strongly approve" and "Somewhat approve"); a
    share one of whose answers is not a number is that answer's text, to be rejected as
    written. Returns the polls and how many rows were not a poll's own line (joined into one,
    of an answer the layout does not read, or repeating an answer of the same poll, which is
    then read from its first row)."""
    answers = layout.answers
    said = fold_values(cells[answers.column].fillna(""))
    share_of = {answer: name for name, listed_ in answers.shares.items() for answer in listed_}
    role = said.map(share_of)
    unread = cells.loc[role.isna(), answers.column].fillna("")
    if len(unread):
        warnings.append(
            f"skipped {len(unread)} row(s) whose {answers.column} the layout's [answers] does not"
            f" read as a share: {listed(list(dict.fromkeys(unread)))}"
        )
    read = layout.used_columns() - {answers.column, answers.share}
    others = [c for c in cells.columns if c in read]
    rows = cells[role.notna()]
    poll = (
        rows[others].fillna("").groupby(others, sort=False).ngroup()
        if others
        else pd.Series(0, index=rows.index)  # the layout reads nothing else: one poll
    )
    first = pd.Series(rows.index, index=rows.index).groupby(poll).transform("min")
    repeated = pd.DataFrame({"poll": poll, "said": said[rows.index]}).duplicated()
    if repeated.any():
        warnings.append(
            f"line(s) {line_numbers(list(rows.index[repeated]))} repeat an answer of a poll"
            " given on an earlier line: the first is read"
        )
    rows, first = rows[~repeated], first[~repeated]
    number = values.parse_number(rows[answers.share])
    parts = pd.DataFrame(
        {"line": first, "share": role[rows.index], "value": number.values, "bad": number.bad}
    )
    polls = cells.loc[sorted(set(first)), others]
    for name in answers.shares:
        mine = parts[parts["share"] == name]
        total = mine.groupby("line")["value"].sum(min_count=1).dropna()
        total = total.map(lambda v: format(v, ".10g"))
        bad = rows.loc[mine.index[mine["bad"]], answers.share].groupby(mine["line"]).first()
        text = bad.combine_first(total).reindex(polls.index)
        polls[answers.source(name)] = pd.Series(text, index=polls.index, dtype="str")
    return polls, len(cells) - len(polls)
