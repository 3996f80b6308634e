"""The static HTML report: a front page with every leader's headline numbers and charts, a page
per leader with its polls and house effects, the data-quality panel, and the clean data as CSV.

Every name on the pages comes from untrusted CSV files, so the templates autoescape. Links are
relative, so the report works opened from disk and when served. The report is written beside its
place and swapped in whole, so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import jinja2
import pandas as pd
from slugify import slugify

from pollwatch.config import ConfigError, Settings, report_url
from pollwatch.model.as_of import ever_corrected, first_public, public_by, stood_on
from pollwatch.model.measures import MEASURES, giving
from pollwatch.model.poll_shares import latest_shares
from pollwatch.model.polls import effective_sample_sizes, one_version_per_poll
from pollwatch.model.populations import ALL_POPULATIONS
from pollwatch.model.series import Series, all_series, fit_series
from pollwatch.model.trends import Trend
from pollwatch.processes import OWNER, clear_abandoned, owned_folder
from pollwatch.publish import charts
from pollwatch.publish.cache import (
    Cache,
    chart_key,
    frame_digest,
    realtime_unfinished,
    series_key,
)
from pollwatch.publish.export import write_polls
from pollwatch.publish.parallel import run_all
from pollwatch.publish.realtime import with_realtime
from pollwatch.read.echo import counted
from pollwatch.store import Store, modified_at, open_store, utc_now
from schemas.columns import POLL_ASKED

log = logging.getLogger("pollwatch.publish")

TEMPLATES = Path(__file__).parent / "templates"
MARKER = ".pollwatch-report"
DOWNLOAD = "data/polls.csv"
AVERAGES = "data/averages.csv"
SNAPSHOT = "data/latest.json"
LATEST_POLLS = 15
COMPARISON_YEARS = 5
COMPARISON_MIN_POLLS = 3
COMPARISON_MOST = 8
# A chart takes about as long to draw as 5,000 polls to fit (0.9 s, laid out and saved twice):
# Ipsos' 41 politicians, 126 polls in all, drew 124 charts on one core in 110 s.
CHART_WORTH = 5_000
CHANGE_DAYS = 30  # a headline's move: over its last 30 days


@dataclass
class Report:
    index: Path
    pages: list[Path]
    charts: int
    series: int
    seconds: float
    # Series whose latest average moved at least settings.move_points since the last report.
    moved: list[dict] = field(default_factory=list)
    # Series whose newest poll is older than settings.stale_days.
    stale: list[dict] = field(default_factory=list)
    # The charts drawn this time; the others were unchanged and copied from the last report.
    redrawn: list[str] = field(default_factory=list)
    # Days of the real-time lines left for the next reports (POLLWATCH_REALTIME_SECONDS).
    realtime_unfinished: int = 0


def needs_report(changed_rows: int, settings: Settings, out_dir: Path | None = None) -> bool:
    """Render when the data changed, when there is no report to show yet, or when the last one
    left days of its real-time lines to refit."""
    folder = out_dir or settings.report_dir
    return (
        changed_rows > 0 or not (folder / "index.html").exists() or realtime_unfinished(folder) > 0
    )


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


def build_report(
    settings: Settings, out_dir: Path | None = None, as_of: date | None = None
) -> Report:
    """The report; with `as_of`, as it would have stood that day (only the polls public by then,
    in the versions stored then, averages ending that day), beside the current one in
    `<report dir>-as-of-<day>`, however the report folder is named (`--out` or the settings):
    written into the folder `--out` named, it replaced the current report there."""
    started = time.perf_counter()
    out_dir = settings.report_dir if out_dir is None else out_dir
    if as_of is not None:  # resolved first: "." has no name to add to
        out_dir = out_dir.resolve()
        out_dir = out_dir.with_name(f"{out_dir.name}-as-of-{as_of.isoformat()}")
    _check_writable(out_dir)
    polls, versions, facts = _read_store(open_store(settings, read_only=True), as_of)
    if as_of is not None and polls.empty and not versions.empty:  # as `trend --as-of` says
        raise ConfigError(f"no poll was public by {as_of.isoformat()}: {first_public(versions)}")
    until = None if as_of is None else pd.Timestamp(as_of)
    events = charts.load_events(settings.events_path)
    before = _read_snapshot(out_dir / SNAPSHOT)
    since = _written_at(out_dir / SNAPSHOT)
    # Beside the report; the folders of reports killed before they finished go first.
    clear_abandoned(out_dir.parent, f".{out_dir.name}.")
    staging = owned_folder(out_dir.parent, f".{out_dir.name}.")
    try:
        cache = Cache(out_dir, staging)
        fitted = _fitted(all_series(polls, until), cache)
        keys = [key for _, key in fitted]
        lines = with_realtime(
            [trend for trend, _ in fitted], versions, cache, settings.realtime_seconds, until
        )
        fitted = list(zip(lines, keys, strict=True))
        trends = [trend for trend, _ in fitted]
        written = _write(staging, out_dir, settings, polls, facts, events, fitted, cache, as_of)
        cache.save()
        after = _snapshot(trends)
        (staging / SNAPSHOT).write_text(json.dumps(after, indent=1), encoding="utf-8")
        (staging / OWNER).unlink()
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Report(
        out_dir / "index.html",
        [out_dir / p for p in written["pages"]],
        written["charts"],
        len(trends),
        time.perf_counter() - started,
        moved=_with_polls(
            moves(before, after, settings.move_points),
            trends,
            polls,
            since,
            {
                leader: f"{report_url(settings, out_dir)}/{href}"
                for leader, href in written["leader_pages"].items()
            },
        ),
        stale=[f for f in written["freshness"] if f["stale"]],
        redrawn=written["redrawn"],
        realtime_unfinished=cache.realtime_unfinished,
    )


def _fitted(series: list[Series], cache: Cache) -> list[tuple[Trend, str]]:
    """Each series' trend, with the key its chart is cached under: reused from the last report
    when its polls and the model are unchanged, else fitted (on every core when it is worth it)."""
    keys = [series_key(s) for s in series]
    found = {key: cache.trend(key) for key in keys}
    missing = [(s, key) for s, key in zip(series, keys, strict=True) if found[key] is None]
    fits = run_all(fit_series, [s for s, _ in missing], polls=sum(len(s.polls) for s, _ in missing))
    for (_, key), trend in zip(missing, fits, strict=True):
        found[key] = trend
        cache.keep_trend(key, trend)
    return [(found[key], key) for key in keys]


def _draw(jobs: list[tuple[charts.ChartJob, str]], cache: Cache, before: Path) -> list[str]:
    """Copy each chart that the last report drew from the same things; draw the others (on every
    core when it is worth it). Returns the charts drawn."""
    todo = [(job, key) for job, key in jobs if not cache.chart(job.stem, key, before, job.out_dir)]
    weight = sum(len(t.polls) for job, _ in todo for t in job.trends) + CHART_WORTH * len(todo)
    drawn = run_all(charts.draw, [job for job, _ in todo], polls=weight)
    if boxed := sorted({name for files in drawn for name in files.boxed}):
        log.warning(
            "charts: no installed font has every letter of %s, drawn as boxes in the charts"
            " (the pages' text shows them): install one that has them, such as Debian's"
            " fonts-noto-cjk, and report again",
            ", ".join(boxed),
        )
    for job, key in todo:
        cache.keep_chart(job.stem, key)
    return [job.stem for job, _ in todo]


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


def _credit(polls: pd.DataFrame, as_of: date | None = None) -> str:
    """What a chart says of its data; nothing that changes when the data does not, so an
    unchanged chart is the same file. An as-of chart says its day: a PNG is shared alone."""
    return (
        f"pollwatch · {counted(polls_asked(polls), 'poll')} by"
        f" {counted(polls['pollster'].nunique(), 'pollster')} · "
        f"fieldwork to {polls['fieldwork_end'].max():%Y-%m-%d}"
        + ("" if as_of is None else f" · as it stood on {as_of.isoformat()}")
    )


def _read_store(store: Store, as_of: date | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The polls, every version of them (for the real-time lines) and the data-quality facts,
    read together on one connection; with `as_of`, the polls public by then as they were
    stored then."""
    if not store.exists():
        return store.polls(), store.versions(), store.overview()
    with store.session():
        versions, facts = store.versions(), store.overview()
        # Without corrections the versions are the polls, in the order polls() gives: one read,
        # one copy in memory (a million polls: 340 MB less).
        polls = store.polls() if ever_corrected(versions) else versions
    if as_of is not None:
        polls = public_by(stood_on(versions, as_of), as_of)
    return polls, versions, facts


def _snapshot(trends: list[Trend]) -> dict[str, dict]:
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


def _written_at(path: Path) -> datetime | None:
    """When the last report was written (its snapshot's time), in the store's clock (UTC)."""
    try:
        return modified_at(path)
    except OSError:
        return None


def _with_polls(
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


def _read_snapshot(path: Path) -> dict[str, dict]:
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


def _write(
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
                continue  # the poll's card gives its other side and net (_single_poll)
            rows = line_rows(trend, mine)
            view = _series_view(trend, page_slug, settings, mine, rows)
            # One poll is shown as itself, a card: a chart of it would be a dot and a wedge.
            if view["single"] is None and trend.population == ALL_POPULATIONS:
                stem, credit = view["key"], _credit(rows, as_of)
                job = charts.ChartJob(stem, [trend], events, countries, staging / "charts", credit)
                drawn = (*_drawn_with(events, countries), _realtime_digest(trend))
                key = chart_key(stem, keys[id(trend)], credit, *drawn)
                jobs.append((job, key))
                view |= {"png": f"charts/{stem}.png", "svg": f"charts/{stem}.svg"}
            # said beside the chart as on it
            later = view.get("png") and charts.realtime_later(trend.realtime)
            view["realtime_later"] = charts.REALTIME_LATER if later else None
            series.append(view)
        shown = charts.events_for(
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
    comparison = _comparison(fitted, events, polls, staging, as_of)
    if comparison is not None:
        jobs.append(comparison[0])
    redrawn = _draw(jobs, cache, previous / "charts")
    freshness = _freshness(polls, settings.stale_days, as_of or date.today())
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
        "far_days": charts.FAR_DAYS,
        "freshness": freshness,
    }
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    environment.filters["band"] = charts.band_text
    environment.filters["signed"] = charts.signed_text
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
    _averages([trend for trend, _ in fitted]).to_csv(
        staging / AVERAGES, index=False, float_format="%.2f", date_format="%Y-%m-%d"
    )
    (staging / MARKER).write_text(f"written by pollwatch at {generated}\n", encoding="utf-8")
    return {
        "pages": ["index.html", *(p["href"] for p in pages)],
        "leader_pages": {p["leader"]: p["href"] for p in pages},
        "charts": len(jobs),
        "redrawn": redrawn,
        "freshness": freshness,
    }


def _realtime_digest(trend: Trend) -> str:
    """The real-time line a chart draws, and whether days of it are left for later (its
    legend says so)."""
    if trend.realtime is None:
        return ""
    return frame_digest(trend.realtime) + str(trend.realtime.attrs.get("unfinished", 0) > 0)


def _averages(trends: list[Trend]) -> pd.DataFrame:
    """Every series' daily average with its band, one row per day, measure and population: the
    figures the charts draw, for a spreadsheet. `realtime` is what the tracker would have
    published that day: the figure of its last refit, `realtime_fitted_on`, as the chart's steps
    draw it. `days_from_poll` says which days no poll saw: the charts dash the line there, a
    spreadsheet cannot."""
    columns = [
        "leader",
        "metric",
        "measure",
        "population",
        "date",
        "estimate",
        "lower",
        "upper",
        "realtime",
        "realtime_fitted_on",
        "days_from_poll",
    ]
    frames = []
    for t in trends:  # a one-poll series too, as `trend` gives it (its card has no chart)
        days = _with_realtime_column(t)
        frames.append(
            days.assign(
                leader=t.leader,
                metric=t.metric,
                measure=t.measure,
                population=t.population,
                days_from_poll=replace(t, daily=days).days_from_poll(),
            )
        )
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def _with_realtime_column(trend: Trend) -> pd.DataFrame:
    """The line's days with the real-time figure of each beside them: its last refit's, which
    stands until the next (the chart's steps; filled on refit days alone, a spreadsheet drew
    the line as dots a week apart). The real-time line ends on the day its newest poll was
    public, after the smoothed line (which ends with the fieldwork): those days are rows of
    their own, with no smoothed estimate, as the chart draws them."""
    if trend.realtime is None or trend.realtime.empty:  # none, or none refitted yet
        return trend.daily.assign(realtime=float("nan"), realtime_fitted_on=pd.NaT)
    line = trend.realtime[["date", "estimate"]].rename(columns={"estimate": "realtime"})
    line = line.assign(realtime_fitted_on=line["date"])
    days = trend.daily.merge(line, on="date", how="outer").sort_values("date", ignore_index=True)
    # Day by day up to the real-time line's last day: the days between the fieldwork's end and
    # the newest poll's publication were rows on refit days alone.
    every_day = pd.date_range(days["date"].iloc[0], days["date"].iloc[-1], freq="D")
    days = days.set_index("date").reindex(every_day).rename_axis("date").reset_index()
    steps = ["realtime", "realtime_fitted_on"]
    days[steps] = days[steps].ffill().where(days["date"] <= line["date"].max())
    return days


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


def _series_view(
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
        "measure_label": charts.measure_label(trend.metric, trend.measure),
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
        "margin": float(charts.own_margins(trend)[0]),
        "lower": float(trend.daily["lower"].iloc[-1]),
        "upper": float(trend.daily["upper"].iloc[-1]),
        # a poll that gives no sample size: the margin is of the size the model assumes
        "assumed_size": None
        if pd.notna(poll.sample_size)
        else _sample_size(float(effective_sample_sizes(trend.polls).iloc[0])),
        "negative": negative,
        "net": None if negative is None else float(sides["positive_pct"].iloc[0]) - negative,
        "negative_label": charts.measure_label(trend.metric, "negative"),
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
    before = poll_days.between(start - pd.Timedelta(days=charts.FAR_DAYS), start)
    return change if before.any() and (poll_days > start).any() else None


def _sample_size(size: float) -> str:
    """As published: a whole count with separators, an effective (weighted) one to a decimal."""
    if pd.isna(size):
        return ""
    return f"{size:,.0f}" if float(size).is_integer() else f"{size:,.1f}"


def _period(start: pd.Timestamp, end: pd.Timestamp) -> str:
    return f"{start:%Y-%m-%d}" if start == end else f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def _comparison(
    fitted: list[tuple[Trend, str]],
    events: pd.DataFrame,
    polls: pd.DataFrame,
    staging: Path,
    as_of: date | None = None,
) -> tuple[tuple[charts.ChartJob, str], str] | None:
    """The comparison chart's job and key, and what its caption says of the years it spans and
    the lines it leaves out: Obama's line of 2015-16, out of the five years before Abe's last
    poll, was left out without a word, and Abe's drawn from mid-2016, where his polls start in
    January."""
    lines = [
        (t, key) for t, key in fitted if t.population == ALL_POPULATIONS and t.measure == "positive"
    ]
    chosen = [(t, key) for t, key in lines if len(t.polls) >= COMPARISON_MIN_POLLS]
    # A line of two polls has a chart of its own but too little to compare: it is named, not
    # left out without a word (the samples' Zelensky support); one poll is a card, not a line.
    few = [t for t, _ in lines if 1 < len(t.polls) < COMPARISON_MIN_POLLS]
    shown = [t for t, _ in chosen]
    if len(shown) < 2:
        return None
    end = max(t.daily["date"].iloc[-1] for t in shown)
    start = end - pd.DateOffset(years=COMPARISON_YEARS)
    in_window = [(t, key) for t, key in chosen if (t.daily["date"] >= start).any()]
    # Lines of other years leave a comparison of one (pollsposition's presidents of 1978-2022
    # drew Macron's alone under "Leaders compared"): none then.
    if len(in_window) < 2:
        return None
    # Past eight lines (the palette's colours), a chart of Ipsos' 41 French politicians shrank
    # its plot to a strip and cut its legend off after 26 names: the most polled in the window
    # are drawn, the others named in the caption.
    polled = {id(t): int((t.polls["day"] >= start).sum()) for t, _ in in_window}
    ranked = sorted(in_window, key=lambda pair: -polled[id(pair[0])])
    in_window, crowded = ranked[:COMPARISON_MOST], [t for t, _ in ranked[COMPARISON_MOST:]]
    windowed = [
        replace(trend, daily=trend.daily[trend.daily["date"] >= start]) for trend, _ in in_window
    ]
    # The credit counts the polls drawn, not the store's (those of the lines, in the window),
    # and the events marked are those of the lines' countries.
    drawn = polls.set_index(["leader", "metric"]).index.isin(
        [(t.leader, t.metric) for t in windowed]
    ) & (polls["fieldwork_end"] >= start)
    credit, countries = _credit(polls[drawn], as_of), set(polls.loc[drawn, "country"])
    job = charts.ChartJob(
        "comparison", windowed, events, countries, staging / "charts", credit, comparison=True
    )
    drawn_from = [key for _, key in in_window]
    charted = {id(trend) for trend, _ in in_window} | {id(trend) for trend in crowded}  # or named
    left = [t for t in shown if id(t) not in charted]
    first = min(t.daily["date"].iloc[0] for t in windowed)
    window = f"From {first:%Y-%m-%d} to {end:%Y-%m-%d}, at most {COMPARISON_YEARS} years" + (
        "; not drawn, all of whose polls are older: "
        + ", ".join(
            f"{t.leader} ({t.metric}, to {t.daily['date'].iloc[-1]:%Y-%m-%d})" for t in left
        )
        if left
        else ""
    )
    # Older than the window too: a line of three such polls is named above, and one of two
    # was left out without a word.
    if few:
        window += f"; not drawn, of fewer than {COMPARISON_MIN_POLLS} polls: " + ", ".join(
            f"{t.leader} ({t.metric}, {counted(len(t.polls), 'poll')})" for t in few
        )
    if crowded:
        window += (
            f"; not drawn, past the {COMPARISON_MOST} lines with the most polls: "
            + ", ".join(
                f"{t.leader} ({t.metric}, {counted(polled[id(t)], 'poll')})" for t in crowded
            )
        )
    key = chart_key("comparison", credit, *drawn_from, *_drawn_with(events, countries))
    return (job, key), window


def _drawn_with(events: pd.DataFrame, countries: set[str]) -> tuple[str, str]:
    """What else a chart shows: the events file, and the countries it marks events for."""
    return frame_digest(events), ",".join(sorted(countries))


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


# A series unpolled this many times longer than the stale limit, after which another leader's
# polls of its country and measure came, is read as ended (a past leader's), not as awaiting a
# drop: Newspoll's Bob Hawke got "no new poll for 12783 days" beside fourteen such lines, one a
# past prime minister. One no other leader's polls followed is a sitting leader's gone quiet
# (the samples' Putin approval, years old): it is warned of.
ENDED_STALE_TIMES = 10


def _freshness(polls: pd.DataFrame, stale_days: int, today: date) -> list[dict]:
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


def _check_writable(out_dir: Path) -> None:
    """Only a folder pollwatch wrote (or an empty or missing one) is replaced."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--out {out_dir} is a file: the report is written to a folder")
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise ConfigError(
            f"{out_dir} holds files pollwatch did not write; choose another "
            "--out folder (the report replaces its folder whole)"
        )


def _swap_in(staging: Path, out_dir: Path) -> None:
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{time.time_ns()}")
        out_dir.rename(old)
    staging.rename(out_dir)
    out_dir.chmod(0o755)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
