"""The report's pages and downloads: a front page with every leader's headline numbers and
charts, a page per leader with its polls and house effects, the data-quality panel, and the
clean data and the averages as CSV.

Every name on the pages comes from untrusted CSV files, so the templates autoescape. Links are
relative, so the report works opened from disk and when served.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import jinja2
import pandas as pd
from slugify import slugify

from pollwatch.config import Settings
from pollwatch.model.measures import MEASURES
from pollwatch.model.populations import ALL_POPULATIONS
from pollwatch.model.trends import FAR_DAYS, Trend
from pollwatch.publish.averages import write_averages
from pollwatch.publish.cache import Cache
from pollwatch.publish.chart_jobs import comparison_job, draw_charts, series_job
from pollwatch.publish.chart_marks import REALTIME_LATER, realtime_later
from pollwatch.publish.dated_events import events_for
from pollwatch.publish.export import write_polls
from pollwatch.publish.freshness import ENDED_STALE_TIMES, series_freshness
from pollwatch.publish.report_folder import MARKER
from pollwatch.publish.series_view import line_rows, polls_asked, series_view
from pollwatch.publish.wording import band_text, signed_text
from pollwatch.store import utc_now

TEMPLATES = Path(__file__).parent / "templates"
DOWNLOAD = "data/polls.csv"
AVERAGES = "data/averages.csv"


def slug(text: str, taken: set[str]) -> str:
    """A file-name-safe, unique slug that a person can read: names in Cyrillic and other scripts
    are transliterated (Зеленський: zelenskii); what has no letters at all gets a short hash."""
    base = slugify(text, max_length=60)
    base = base or "n-" + hashlib.sha1(text.encode()).hexdigest()[:8]
    candidate, counter = base, 2
    while candidate in taken:
        candidate, counter = f"{base}-{counter}", counter + 1
    taken.add(candidate)
    return candidate


def write_pages(
    staging: Path,
    previous: Path,
    settings: Settings,
    polls: pd.DataFrame,
    facts: dict,
    events: pd.DataFrame,
    fitted: list[tuple[Trend, str]],
    cache: Cache,
    as_of: date | None = None,
) -> dict:
    """The pages, the downloads and the charts of a report, written into `staging`; the charts
    the report in `previous` drew from the same things are copied from it. Returns what the
    report tells of them: its pages, its charts and the series' freshness."""
    generated = f"{utc_now():%Y-%m-%d %H:%M} UTC"
    keys = {id(trend): key for trend, key in fitted}
    taken: set[str] = set()
    pages, jobs = [], []
    for leader, leader_trends in _by_leader([trend for trend, _ in fitted]).items():
        page_slug = slug(leader, taken)
        mine = polls[polls["leader"] == leader]
        countries = set(mine["country"])
        series = []
        for trend in leader_trends:
            if trend.measure != "positive" and len(trend.polls) == 1:
                continue  # the poll's card gives its other side and net (series_view)
            rows = line_rows(trend, mine)
            view = series_view(trend, page_slug, settings, mine, rows)
            # One poll is shown as itself, a card: a chart of it would be a dot and a wedge.
            if view["single"] is None and trend.population == ALL_POPULATIONS:
                stem = view["key"]
                jobs.append(
                    series_job(
                        trend, stem, keys[id(trend)], rows, events, countries, staging, as_of
                    )
                )
                view |= {"png": f"charts/{stem}.png", "svg": f"charts/{stem}.svg"}
            # said beside the chart as on it
            later = view.get("png") and realtime_later(trend.realtime)
            view["realtime_later"] = REALTIME_LATER if later else None
            series.append(view)
        shown = events_for(
            events, countries, mine["fieldwork_start"].min(), mine["fieldwork_end"].max()
        )
        pages.append(
            {
                "leader": leader,
                "slug": page_slug,
                "href": f"leader-{page_slug}.html",
                "series": series,
                "countries": sorted(countries),  # a reader of many countries' leaders asks
                "polls": polls_asked(mine),
                "pollsters": mine["pollster"].nunique(),
                "first": f"{mine['fieldwork_start'].min():%Y-%m-%d}",
                "newest": f"{mine['fieldwork_end'].max():%Y-%m-%d}",
                "events": [
                    {"date": f"{e.date:%Y-%m-%d}", "label": e.label} for e in shown.itertuples()
                ],
            }
        )
    comparison = comparison_job(fitted, events, polls, staging, as_of)
    if comparison is not None:
        jobs.append(comparison[0])
    redrawn = draw_charts(jobs, cache, previous / "charts")
    freshness = series_freshness(polls, settings.stale_days, as_of or date.today())
    context = {
        "pages": pages,
        "generated": generated,
        "download": DOWNLOAD,
        "averages": AVERAGES,
        "as_of": None if as_of is None else f"{as_of:%Y-%m-%d}",
        "total_polls": polls_asked(polls),
        "total_pollsters": polls["pollster"].nunique(),
        "headline_series": [s for p in pages for s in p["series"] if s["population"] == "all"],
        "comparison": comparison
        and {
            "png": "charts/comparison.png",
            "svg": "charts/comparison.svg",
            "window": comparison[1],
        },
        "quality": _quality(facts),
        "stale_days": settings.stale_days,
        "ended_days": ENDED_STALE_TIMES * settings.stale_days,
        "far_days": FAR_DAYS,
        "freshness": freshness,
    }
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    environment.filters["band"] = band_text
    environment.filters["signed"] = signed_text
    (staging / "index.html").write_text(
        environment.get_template("index.html.j2").render(context), encoding="utf-8"
    )
    for page in pages:
        (staging / page["href"]).write_text(
            environment.get_template("leader.html.j2").render(context | {"page": page}),
            encoding="utf-8",
        )
    for asset in ("style.css", "favicon.svg"):
        shutil.copy(TEMPLATES / asset, staging / asset)

    write_polls(polls, staging / DOWNLOAD)
    write_averages([trend for trend, _ in fitted], staging / AVERAGES)
    (staging / MARKER).write_text(f"written by pollwatch at {generated}\n", encoding="utf-8")
    return {
        "pages": ["index.html", *(p["href"] for p in pages)],
        "leader_pages": {p["leader"]: p["href"] for p in pages},
        "charts": len(jobs),
        "redrawn": redrawn,
        "freshness": freshness,
    }


def _by_leader(trends: list[Trend]) -> dict[str, list[Trend]]:
    """Leaders with the most recent polls first; each leader's measures in a steady order."""
    leaders: dict[str, list[Trend]] = {}
    for trend in sorted(trends, key=lambda t: (-t.daily["date"].iloc[-1].value, t.leader)):
        leaders.setdefault(trend.leader, []).append(trend)
    return {
        name: sorted(
            found,
            key=lambda t: (
                t.metric,
                t.population != ALL_POPULATIONS,
                t.population,
                MEASURES.index(t.measure),
            ),
        )
        for name, found in leaders.items()
    }


def _quality(facts: dict) -> dict:
    return {
        "polls": facts["polls"],
        "polls_asked": facts["polls_asked"],
        "files": facts["files"],
        "files_total": sum(facts["files"].values()),
        "last_run": facts["last_run"],
        "rows_rejected": facts["rows_rejected"],
        "rows_skipped": facts.get("rows_skipped", 0),
        "reject_rules": facts["reject_rules"],
        "files_refused": facts.get("files_refused", []),
    }
