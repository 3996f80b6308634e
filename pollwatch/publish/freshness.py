"""How recent each leader's polls are: a series past the stale limit is warned of, unless it
reads as ended, a past leader's whose successor is polled now.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

# A series unpolled this many times longer than the stale limit, after which another leader's
# polls of its country and measure came, is read as ended (a past leader's), not as awaiting a
# drop: Newspoll's Bob Hawke got "no new poll for 12783 days" beside fourteen such lines, one a
# past prime minister. One no other leader's polls followed is a sitting leader's gone quiet
# (the samples' Putin approval, years old): it is warned of.
ENDED_STALE_TIMES = 10


def series_freshness(polls: pd.DataFrame, stale_days: int, today: date) -> list[dict]:
    newest = polls.groupby(["leader", "metric"])["fieldwork_end"].max().reset_index()
    today = pd.Timestamp(today)
    return [
        {
            "leader": r.leader,
            "metric": r.metric,
            "newest": f"{r.fieldwork_end:%Y-%m-%d}",
            "age": (today - r.fieldwork_end).days,
            "stale": (today - r.fieldwork_end).days > stale_days,
            "ended": (today - r.fieldwork_end).days > ENDED_STALE_TIMES * stale_days
            and _followed(polls, r.leader, r.metric, r.fieldwork_end),
        }
        for r in newest.sort_values("fieldwork_end", ascending=False).itertuples()
    ]


def _followed(polls: pd.DataFrame, leader: str, metric: str, newest: pd.Timestamp) -> bool:
    """Whether another leader's polls of this series' country and measure came after its newest
    poll: a successor's (Yeltsin's line, once Putin's began)."""
    same = polls["metric"] == metric
    countries = polls.loc[same & (polls["leader"] == leader), "country"].unique()
    return bool(
        (same & polls["country"].isin(countries) & (polls["leader"] != leader))
        .where(polls["fieldwork_end"] > newest, False)
        .any()
    )
