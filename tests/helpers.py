"""Small builders for test drops: valid canonical rows that a test then breaks on purpose."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

from pollwatch.config import Settings
from pollwatch.ingest.streamed import STAGING
from schemas.columns import CANONICAL_COLUMNS

ROOT = Path(__file__).resolve().parents[1]  # the checkout
REAL = Path(__file__).parent / "fixtures" / "real"
SAMPLES = ROOT / "data" / "samples"


def poll_row(**overrides: object) -> dict[str, str]:
    """A valid canonical row (Levada, Feb 2022, 71% approval of Putin) with fields replaced."""
    row = {
        "pollster": "Levada Center",
        "sponsor": "",
        "country": "RU",
        "leader": "Vladimir Putin",
        "metric": "approval",
        "population": "adults",
        "mode": "face_to_face",
        "fieldwork_start": "2022-02-17",
        "fieldwork_end": "2022-02-21",
        "published": "2022-02-24",
        "sample_size": "1600",
        "positive_pct": "71",
        "negative_pct": "27",
        "undecided_pct": "2",
        "tracking": "false",
        "poll_key": "",
        "source_url": "https://www.levada.ru/",
        "notes": "",
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def monthly_rows(count: int, start: str = "2015-01", **overrides: object) -> list[dict[str, str]]:
    """`count` distinct valid polls, one per month."""
    months = pd.period_range(start, periods=count, freq="M")
    return [
        poll_row(
            fieldwork_start=f"{m.start_time:%Y-%m-%d}",
            fieldwork_end=f"{m.end_time:%Y-%m-%d}",
            published="",
            positive_pct=50 + i % 30,
            negative_pct=40 - i % 30,
            undecided_pct=10,
            **overrides,
        )
        for i, m in enumerate(months)
    ]


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    columns: list[str] | None = None,
    age_seconds: float = 60,
) -> Path:
    """Write rows as CSV and make the file look settled (last modified `age_seconds` ago)."""
    columns = columns or list(CANONICAL_COLUMNS)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    settle(path, age_seconds)
    return path


def settle(path: Path, age_seconds: float = 60) -> None:
    then = time.time() - age_seconds
    os.utime(path, (then, then))


def query(settings: Settings, sql: str) -> pd.DataFrame:
    """Read the store the way a user would, with a short connection of its own."""
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return con.execute(sql).df()


def hold_database(db_path, seconds=60):
    """Another process that holds the database open, as a second pollwatch would."""
    code = (
        f"import duckdb, time; con = duckdb.connect({str(db_path)!r}); "
        f"print('holding', flush=True); time.sleep({seconds})"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def big_drop(path: Path, rows: int, key_prefix: str = "k") -> Path:
    """`rows` distinct valid polls (poll keys k0, k1, ...): a load that takes a while. The same
    bytes as write_csv gives for those rows, but the one row is written by the csv module once
    and its key filled in per line: 500,000 rows took 5-12 s as dicts, under 1 s this way."""
    assert key_prefix.isalnum(), "a key the csv module would quote is not filled in as text"
    row = poll_row(poll_key="KEYHERE", negative_pct="", undecided_pct="")
    text = io.StringIO()
    writer = csv.DictWriter(text, list(CANONICAL_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    header, line = text.getvalue().splitlines(keepends=True)
    before, after = line.split("KEYHERE")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write(header)
        handle.writelines(f"{before}{key_prefix}{i}{after}" for i in range(rows))
    settle(path)
    return path


def lock_holder(db_path: Path) -> int | None:
    """The pid holding the database's writer lock, as the kernel lists it in /proc/locks (asking
    by taking the lock ourselves would change what we measure)."""
    try:
        inode = (db_path.parent / (db_path.name + ".lock")).stat().st_ino
    except FileNotFoundError:
        return None
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "FLOCK" in fields and fields[fields.index("FLOCK") + 4].endswith(f":{inode}"):
            return int(fields[fields.index("FLOCK") + 3])
    return None


# A drop whose commit holds the database for well over wait_until_held's 0.15 s (0.5-0.8 s here):
# 200,000 rows once did, until the store got faster (0.38 s, and less under load).
HOLDING_ROWS = 500_000


def wait_until_held(db_path: Path, pid: int | None = None, timeout: float = 120) -> int:
    """Wait until a process (`pid`, or any) has held the database for 0.15 s on end inside a big
    file's load: while the file's staging folder is there, not in the run's bookkeeping before
    it (0.03-0.07 s, but over 0.15 s on a loaded machine when the run creates the database's
    tables). Not longer: a signal sent 0.3 s into a 0.55 s commit once arrived, on a loaded
    machine, after the run had finished."""
    deadline = time.monotonic() + timeout
    held_since, holder = None, None
    while time.monotonic() < deadline:
        loading = any(db_path.parent.glob(STAGING + "*"))
        now = lock_holder(db_path) if loading else None
        if now is not None and now == holder and (pid is None or now == pid):
            if time.monotonic() - held_since >= 0.15:
                return now
        else:
            held_since, holder = time.monotonic(), now
        time.sleep(0.01)
    raise AssertionError("no run held the database")


def ingest_samples(settings: Settings) -> None:
    """The bundled sample drops and events, ingested as `make run` does."""
    from pollwatch.ingest.run import run_ingest

    settings.inbox.mkdir(exist_ok=True)
    for sample in SAMPLES.glob("*.csv"):
        settle(Path(shutil.copy(sample, settings.inbox)))
    shutil.copy(ROOT / "data" / "events.csv", settings.events_path)
    run_ingest([], settings)


def a_font_has(text: str) -> bool:
    """Whether a font installed here has every letter of `text` (charts can draw it); not
    matplotlib's Last Resort, whose letters are boxes."""
    from matplotlib import font_manager

    fonts = font_manager.fontManager.ttflist
    faces = [font_manager.get_font(f.fname) for f in fonts if "Last Resort" not in f.name]
    return any(all(face.get_char_index(ord(c)) for c in text) for face in faces)


def polls_frame(values, start="2022-01-01", every=3, pollster="P", size=1000, **extra):
    """Canonical polls of L's approval by one pollster, of adults every few days: a series for
    the model's tests to fit."""
    dates = pd.date_range(start, periods=len(values), freq=f"{every}D")
    return pd.DataFrame(
        {
            "pollster": pollster,
            "leader": "L",
            "metric": "approval",
            "population": "adults",
            "fieldwork_start": dates,
            "fieldwork_end": dates + pd.Timedelta(days=2),
            "sample_size": size,
            "positive_pct": values,
            "tracking": False,
            **extra,
        }
    )
