"""Dated events (an invasion, an election) marked on the charts and listed on the leaders' pages:
read from the events file, chosen by country and period, drawn as dotted lines with labels.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd

from pollwatch.config import ConfigError
from pollwatch.map import values

EVENT_LABEL_GAP = 0.022  # of the axis width: closer event labels would overlap
# An event's label: over its dotted line (zorder 1), under every poll's dot (2) and line.
EVENT_LABEL_Z = 1.5


def load_events(path: Path) -> pd.DataFrame:
    """Dated events to mark (date, label, countries); a missing file means none."""
    if not path.exists():
        return pd.DataFrame(
            {"date": pd.Series(dtype="datetime64[us]"), "label": [], "countries": []}
        )
    raw = pd.read_csv(path, dtype="str", keep_default_na=False)
    dates = values.parse_date(raw["date"])
    if dates.bad.any():
        bad = ", ".join(raw.loc[dates.bad, "date"])
        raise ConfigError(f"{path}: not a date: {bad} (write dates as 2022-02-24)")
    countries = raw.get("countries", "")
    return pd.DataFrame(
        {"date": dates.values, "label": raw["label"].str.strip(), "countries": countries}
    ).sort_values("date", ignore_index=True)


def events_for(events: pd.DataFrame, countries: set[str], start, end) -> pd.DataFrame:
    """Events inside [start, end] that concern one of `countries` (or no country in particular)."""
    concerns = (
        events["countries"]
        .fillna("")
        .map(lambda text: not text.split() or bool(set(text.split()) & countries))
    )
    return events[concerns & (events["date"] >= start) & (events["date"] <= end)]


def mark_events(ax, events: pd.DataFrame) -> None:
    """A dotted line per event; a label where it does not crowd the previous one, drawn under
    the polls, the band and the lines (EVENT_LABEL_Z): in its white box above them it hid the
    one VTsIOM poll of Putin's approval and a stretch of his average."""
    left, right = (mdates.num2date(x).replace(tzinfo=None) for x in ax.get_xlim())
    span = (right - left).total_seconds() or 1
    last_labelled = None
    for row in events.itertuples(index=False):
        ax.axvline(row.date, color="#7a7a7a", linestyle=":", linewidth=1, zorder=1)
        position = (row.date - left).total_seconds() / span
        if last_labelled is not None and position - last_labelled < EVENT_LABEL_GAP:
            continue
        last_labelled = position
        ax.annotate(
            row.label,
            (row.date, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -4),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="left",
            fontsize=7.5,
            color="#555555",
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75},
            zorder=EVENT_LABEL_Z,
        )
