"""What an earlier report already computed, kept beside it and reused when nothing it depends on
has changed: a series' fitted average (its polls and the model's code) and each chart (what it
shows and the drawing code). A report after a one-file ingest refits and redraws only the series
that file touched; everything else is copied from the report it replaces.

The cache lives in the report's own folder (data/cache/), which only pollwatch writes; anything
there that cannot be read back is simply computed again.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
from functools import cache
from pathlib import Path

import pandas as pd

from pollwatch import model
from pollwatch.model import as_of, as_of_day, publication, realtime_line, stored_trend
from pollwatch.model.series import Series
from pollwatch.model.trends import Trend
from pollwatch.publish import (
    chart_labels,
    chart_marks,
    chart_style,
    charts,
    date_axis,
    dated_events,
    wording,
)

FOLDER = "data/cache"
MANIFEST = "charts.json"
REALTIME = "realtime.json"
# The modules that draw a chart: a change to any of them draws every chart again.
DRAWING = (charts, chart_labels, chart_marks, chart_style, dated_events, date_axis, wording)


@cache
def code_version(module) -> str:
    """The module's source: a change to the model or the drawing invalidates what it made."""
    return hashlib.sha256(Path(module.__file__).read_bytes()).hexdigest()


# The modules of a past day's polls and the real-time line: their figures are keyed on these
# beside the fit's code, and a change to them alone leaves today's fits as they were.
AS_OF = (as_of, publication, realtime_line)
# The modules that read what a person asked for and hand it to the fit: they decide which polls
# and which day, which the key holds already, so a change to them leaves every fit as it was.
ASKING = (as_of_day, stored_trend)


@cache
def fit_code() -> str:
    """The fit's source: every module of the model but AS_OF's and ASKING's, so that a change to
    any part of the fit (a new module of it too) invalidates the fits it made."""
    folder = Path(model.__file__).parent
    outside = {Path(module.__file__) for module in (*AS_OF, *ASKING)}
    files = sorted(path for path in folder.glob("*.py") if path not in outside)
    return _digest(*(hashlib.sha256(path.read_bytes()).hexdigest() for path in files))


def frame_digest(frame: pd.DataFrame) -> str:
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    columns = "|".join(map(str, frame.columns)).encode()
    return hashlib.sha256(columns + hashed).hexdigest()


def series_key(series: Series) -> str:
    parts = [fit_code(), series.leader, series.metric, series.population, series.measure]
    parts.append("" if series.until is None else f"{series.until:%Y-%m-%d}")
    others = series.others if series.others is not None else pd.DataFrame()
    return _digest(*parts, frame_digest(series.polls), frame_digest(others))


def _realtime_code() -> str:
    return _digest(fit_code(), *map(code_version, AS_OF))


def chart_key(*parts: str) -> str:
    # The fonts found installed: a chart drawn with boxes for a name's letters is drawn again
    # once a font that has them is installed.
    return _digest(*map(code_version, DRAWING), *chart_style.FONTS, *parts)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class Cache:
    """Reads what the report in `previous` kept; keeps what the new one (in `staging`) uses."""

    def __init__(self, previous: Path, staging: Path) -> None:
        self.old, self.new = previous / FOLDER, staging / FOLDER
        self.new.mkdir(parents=True, exist_ok=True)
        self.charts_before = self._manifest(self.old / MANIFEST)
        self.charts_now: dict[str, str] = {}
        self.realtime_now: dict[str, float] = {}
        self.realtime_unfinished = 0

    def trend(self, key: str) -> Trend | None:
        path = self.old / f"{key}.pickle"
        try:
            trend = pickle.loads(path.read_bytes())
        except Exception:  # missing, or written by another version: fit it again
            return None
        if not isinstance(trend, Trend):
            return None
        shutil.copyfile(path, self.new / path.name)
        return trend

    def keep_trend(self, key: str, trend: Trend) -> None:
        (self.new / f"{key}.pickle").write_bytes(pickle.dumps(trend))

    def chart(self, stem: str, key: str, before: Path, now: Path) -> bool:
        """Copy the chart `stem` from the folder `before` into `now` if it was drawn from the
        same things; False when it must be drawn again."""
        files = [before / f"{stem}.{kind}" for kind in ("png", "svg")]
        if self.charts_before.get(stem) != key or not all(f.exists() for f in files):
            return False
        now.mkdir(parents=True, exist_ok=True)
        for file in files:
            shutil.copyfile(file, now / file.name)
        self.charts_now[stem] = key
        return True

    def keep_chart(self, stem: str, key: str) -> None:
        self.charts_now[stem] = key

    def realtime(self) -> dict[str, float]:
        """The real-time figures the last report computed, by day key (realtime_line.day_keys), if
        computed by the same model."""
        found = self._manifest(self.old / REALTIME)
        figures = found.get("figures")
        if found.get("model") != _realtime_code() or not isinstance(figures, dict):
            return {}
        return {k: v for k, v in figures.items() if isinstance(v, float)}

    def keep_realtime(self, line: pd.DataFrame) -> None:
        self.realtime_now.update(zip(line["key"], line["estimate"].astype(float), strict=True))

    def save(self) -> None:
        (self.new / MANIFEST).write_text(json.dumps(self.charts_now, indent=1), encoding="utf-8")
        kept = {
            "model": _realtime_code(),
            "unfinished": self.realtime_unfinished,
            "figures": self.realtime_now,
        }
        (self.new / REALTIME).write_text(json.dumps(kept), encoding="utf-8")

    @staticmethod
    def _manifest(path: Path) -> dict[str, str]:
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}


def realtime_unfinished(report_dir: Path) -> int:
    """How many days of the real-time lines the report in `report_dir` left to refit."""
    found = Cache._manifest(report_dir / FOLDER / REALTIME).get("unfinished", 0)
    return found if isinstance(found, int) else 0
