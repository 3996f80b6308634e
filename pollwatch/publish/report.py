"""One call makes the report from what is stored: each series' trend fitted (or reused from the
last report), its real-time line, then the charts and pages written beside the report's place
and swapped in whole; and what the new report changed, for its summary and the alerts.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from pollwatch.config import ConfigError, Settings, report_url
from pollwatch.model.as_of import ever_corrected, stood_on
from pollwatch.model.publication import first_public, public_by
from pollwatch.model.series import Series, all_series, fit_series
from pollwatch.model.trends import Trend
from pollwatch.processes import OWNER, clear_abandoned, owned_folder
from pollwatch.publish.cache import Cache, realtime_unfinished, series_key
from pollwatch.publish.dated_events import load_events
from pollwatch.publish.moves import (
    SNAPSHOT,
    moves,
    read_snapshot,
    snapshot,
    with_polls,
    written_at,
)
from pollwatch.publish.pages import write_pages
from pollwatch.publish.parallel import run_all
from pollwatch.publish.realtime import with_realtime
from pollwatch.publish.report_folder import check_writable, swap_in
from pollwatch.store import Store, open_store


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
    check_writable(out_dir)
    polls, versions, facts = _read_store(open_store(settings, read_only=True), as_of)
    if as_of is not None and polls.empty and not versions.empty:  # as `trend --as-of` says
        raise ConfigError(f"no poll was public by {as_of.isoformat()}: {first_public(versions)}")
    until = None if as_of is None else pd.Timestamp(as_of)
    events = load_events(settings.events_path)
    before = read_snapshot(out_dir / SNAPSHOT)
    since = written_at(out_dir / SNAPSHOT)
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
        written = write_pages(
            staging, out_dir, settings, polls, facts, events, fitted, cache, as_of
        )
        cache.save()
        after = snapshot(trends)
        (staging / SNAPSHOT).write_text(json.dumps(after, indent=1), encoding="utf-8")
        (staging / OWNER).unlink()
        swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Report(
        out_dir / "index.html",
        [out_dir / p for p in written["pages"]],
        written["charts"],
        len(trends),
        time.perf_counter() - started,
        moved=with_polls(
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
