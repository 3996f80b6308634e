"""What changed since the last report: each series' latest average is kept beside the report, so
the next one can tell which averages moved and which new polls moved them, for its summary and
the alerts.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd

from pollwatch.model.poll_shares import latest_shares
from pollwatch.model.trends import Trend
from pollwatch.store import modified_at

SNAPSHOT = "data/latest.json"


def snapshot(trends: list[Trend]) -> dict[str, dict]:
    """Each series' latest average, kept with the report to tell what the next one changed."""
    return {
        f"{t.leader}|{t.metric}|{t.population}"
        + ("" if t.measure == "positive" else f"|{t.measure}"): {
            "leader": t.leader,
            "metric": t.metric,
            "population": t.population,
            "measure": t.measure,
            "estimate": round(float(t.latest["estimate"]), 2),
            "as_of": f"{t.latest['date']:%Y-%m-%d}",
        }
        for t in trends
    }


def written_at(path: Path) -> datetime | None:
    """When the last report was written (its snapshot's time), in the store's clock (UTC)."""
    try:
        return modified_at(path)
    except OSError:
        return None


def with_polls(
    moved: list[dict],
    trends: list[Trend],
    polls: pd.DataFrame,
    since: datetime | None,
    pages: dict[str, str],
) -> list[dict]:
    """Each moved average with its page and the polls stored since the last report that moved
    it: pollster, fieldwork, value and their share of the new average (latest_shares), the
    largest first."""
    new = polls if since is None else polls[polls["ingested_at"] > since]
    by_series = {(t.leader, t.metric, t.population, t.measure): t for t in trends}
    found = []
    for move in moved:
        trend = by_series[(move["leader"], move["metric"], move["population"], move["measure"])]
        mine = new[(new["leader"] == trend.leader) & (new["metric"] == trend.metric)]
        fresh = (
            trend.polls[["pollster", "fieldwork_start", "fieldwork_end"]]
            .merge(
                mine[["pollster", "fieldwork_start", "fieldwork_end"]].drop_duplicates(),
                how="left",
                indicator=True,
            )["_merge"]
            .eq("both")
            .to_numpy()
        )
        shares = latest_shares(trend)
        chosen = trend.polls.assign(share=shares)[fresh & (shares > 0)]
        found.append(
            move
            | {
                "page": pages.get(trend.leader),
                "polls": [
                    {
                        "pollster": p.pollster,
                        "fieldwork_start": f"{p.fieldwork_start:%Y-%m-%d}",
                        "fieldwork_end": f"{p.fieldwork_end:%Y-%m-%d}",
                        "value": round(float(p.value), 2),
                        "share": round(float(p.share), 3),
                    }
                    for p in chosen.sort_values("share", ascending=False).head(5).itertuples()
                ],
            }
        )
    return found


def read_snapshot(path: Path) -> dict[str, dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def moves(before: dict[str, dict], after: dict[str, dict], points: float) -> list[dict]:
    """Series whose latest average moved at least `points` between two reports."""
    moved = []
    for key, now in after.items():
        then = before.get(key)
        if then is not None and abs(now["estimate"] - then["estimate"]) >= points:
            moved.append(
                now
                | {
                    "before": then["estimate"],
                    "change": round(now["estimate"] - then["estimate"], 2),
                }
            )
    return sorted(moved, key=lambda m: -abs(m["change"]))
