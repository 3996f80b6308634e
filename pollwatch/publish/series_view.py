"""What the pages show of one line: its headline numbers, its latest polls, its house and
population effects, or, for a series of one poll, that poll as a card of its own; and how polls
are counted wherever a page or chart counts them.
"""

from __future__ import annotations

import re

import pandas as pd

from pollwatch.config import Settings
from pollwatch.model.measures import giving
from pollwatch.model.polls import effective_sample_sizes, one_version_per_poll
from pollwatch.model.populations import ALL_POPULATIONS
from pollwatch.model.trends import FAR_DAYS, Trend
from pollwatch.publish.chart_marks import own_margins
from pollwatch.publish.wording import measure_label
from schemas.columns import POLL_ASKED

LATEST_POLLS = 15
CHANGE_DAYS = 30  # a headline's move: over its last 30 days


def polls_asked(rows: pd.DataFrame) -> int:
    """How many polls the rows are: a poll is stored as a row a question (FOM's weekly poll
    asks of trust, approval and performance; a barometer of forty politicians), so it is its
    pollster's fieldwork for one client in a country, counted once (a chart's polls are of one
    country). Not by sample size, which differs between a poll's populations: 538's 2,316
    polls of 2017-21 (3,000 rows) count 2,285 so; without the client, 2,197 (Harris for
    Harvard and for Hill.TV on the same days were one poll)."""
    return len(rows.drop_duplicates([c for c in POLL_ASKED if c in rows]))


def line_rows(trend: Trend, stored: pd.DataFrame) -> pd.DataFrame:
    """The stored rows a line is read from (its leader's, metric's and population's, of those
    giving its measure): what its card and chart count with polls_asked. The line's own polls
    are one per pollster and fieldwork, which counted a firm's poll for two clients once (538's
    Biden cards said 2,656 polls where his page said 2,699)."""
    rows = stored[(stored["leader"] == trend.leader) & (stored["metric"] == trend.metric)]
    if trend.population != ALL_POPULATIONS:
        rows = rows[rows["population"] == trend.population]
    return giving(rows, trend.measure)


def series_view(
    trend: Trend, page_slug: str, settings: Settings, stored: pd.DataFrame, rows: pd.DataFrame
) -> dict:
    """What the pages show of one line; `stored`: its leader's polls as stored (the provenance
    a one-poll card gives); `rows`: those the line is read from (line_rows), which it counts."""
    latest = trend.latest
    polls = trend.polls.sort_values("fieldwork_end", ascending=False)
    key = (
        f"{page_slug}-{trend.metric}"
        + ("" if trend.population == ALL_POPULATIONS else f"-{trend.population}")
        + ("" if trend.measure == "positive" else f"-{trend.measure}")
    )
    return {
        "key": re.sub(r"[^a-z0-9-]+", "-", key.lower()),
        "leader": trend.leader,
        "metric": trend.metric,
        "measure": trend.measure,
        "measure_label": measure_label(trend.metric, trend.measure),
        "unit": " pts" if trend.measure == "net" else "%",
        "number": "%+.1f" if trend.measure == "net" else "%.1f",  # a net's sign is its news
        "population": trend.population,
        "population_label": trend.population.replace("_", " "),
        "reads_as": trend.reference.replace("_", " "),
        # How a page names it: a line of adults reads as one of all adults.
        "reads_as_label": (
            "all adults" if trend.reference == "adults" else trend.reference.replace("_", " ")
        ),
        "estimate": float(latest["estimate"]),
        "lower": float(latest["lower"]),
        "upper": float(latest["upper"]),
        "as_of": f"{latest['date']:%Y-%m-%d}",
        "change": _measured_change(trend, CHANGE_DAYS),
        "single": _single_poll(trend, stored),
        "polls": polls_asked(rows),
        "pollsters": rows["pollster"].nunique(),
        # A line of several populations is read at its reference's level, which its polls of
        # that population set: 5 of 60 on a Trump table, whose card said only "60 polls". A
        # poll of the reference and of another population is the reference's (one version).
        "reference_polls": None
        if trend.population_effects is None
        else polls_asked(rows[rows["population"] == trend.reference]),
        "latest_polls": [
            {
                "fieldwork": _period(p.fieldwork_start, p.fieldwork_end),
                "pollster": p.pollster,
                "population": p.population.replace("_", " "),
                "sample_size": _sample_size(p.sample_size),
                "value": p.value,
                "adjusted": p.adjusted,
                "outlier": bool(p.outlier),
            }
            for p in polls.head(LATEST_POLLS).itertuples()
        ],
        # A lone pollster's lean has no interval (NaN): None, which the page says in words.
        "house_effects": trend.house_effects.astype(object)
        .where(trend.house_effects.notna(), None)
        .to_dict("records"),
        "population_effects": []
        if trend.population_effects is None
        else [
            {**effect, "population": effect["population"].replace("_", " ")}
            for effect in trend.population_effects.to_dict("records")
        ],
    }


WEB_ADDRESS = re.compile(r"https?://[^\s\"<>]+$", re.IGNORECASE)


def _single_poll(trend: Trend, stored: pd.DataFrame) -> dict | None:
    """The one poll of a series that has only one: what its card shows. Its figure with its own
    95% margin of sampling error (the sample size the model weighs) and the average's band of its
    latest day, as averages.csv and `trend` give it (the card showed the margin alone, and a
    reader of 98.5% +-0.7 found 93.8-99.9 in the download), the other side of the
    question and the net where the poll gives them, and where it came from (the stored rows of
    that poll: its source and publication day)."""
    if len(trend.polls) != 1:
        return None
    [poll] = trend.polls.itertuples()
    rows = stored[
        (stored["pollster"] == poll.pollster)
        & (stored["leader"] == trend.leader)
        & (stored["metric"] == trend.metric)
        & (stored["fieldwork_start"] == poll.fieldwork_start)
        & (stored["fieldwork_end"] == poll.fieldwork_end)
    ]
    # The other side and the net from the versions and questions that give it, as `trend`
    # reads them: the card said net +0 of a poll whose question asking both said -10 (it took
    # the mean approval of that question and one asking approve alone).
    sides = one_version_per_poll(giving(rows, "negative"))
    negative = float(sides["negative_pct"].iloc[0]) if len(sides) == 1 else None
    # Only web addresses become links: a cell of a CSV could say javascript:.
    sources = sorted(
        {url for url in rows.get("source_url", pd.Series()).dropna() if WEB_ADDRESS.match(url)}
    )
    published = rows.get("published", pd.Series()).dropna()
    return {
        "value": float(poll.value),
        "margin": float(own_margins(trend)[0]),
        "lower": float(trend.daily["lower"].iloc[-1]),
        "upper": float(trend.daily["upper"].iloc[-1]),
        # a poll that gives no sample size: the margin is of the size the model assumes
        "assumed_size": None
        if pd.notna(poll.sample_size)
        else _sample_size(float(effective_sample_sizes(trend.polls).iloc[0])),
        "negative": negative,
        "net": None if negative is None else float(sides["positive_pct"].iloc[0]) - negative,
        "negative_label": measure_label(trend.metric, "negative"),
        "pollster": poll.pollster,
        "fieldwork": _period(poll.fieldwork_start, poll.fieldwork_end),
        "sample_size": _sample_size(poll.sample_size),
        "published": f"{published.min():%Y-%m-%d}" if len(published) else None,
        "sources": sources,
    }


def _measured_change(trend: Trend, days: int) -> float | None:
    """The average's move over its last `days` days, where polls measured it: one poll at most
    FAR_DAYS before the start and one after it. KIIS's trust in Zelensky, polled in December
    and May, read "+3.6 pts in 30 days": the slope of the line drawn between two polls five
    months apart, which no poll of those 30 days measured; an as-of line carried flat to its day
    read "+0.0 pts in 30 days" of months without a poll."""
    change = trend.change(days) if len(trend.polls) > 1 else None
    if change is None:
        return None
    end = trend.daily["date"].iloc[-1]
    start = end - pd.Timedelta(days=days)
    poll_days = trend.polls["day"]
    before = poll_days.between(start - pd.Timedelta(days=FAR_DAYS), start)
    return change if before.any() and (poll_days > start).any() else None


def _sample_size(size: float) -> str:
    """As published: a whole count with separators, an effective (weighted) one to a decimal."""
    if pd.isna(size):
        return ""
    return f"{size:,.0f}" if float(size).is_integer() else f"{size:,.1f}"


def _period(start: pd.Timestamp, end: pd.Timestamp) -> str:
    return f"{start:%Y-%m-%d}" if start == end else f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
