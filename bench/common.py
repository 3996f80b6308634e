"""Shared pieces of the benchmarks: synthetic canonical drops and a timer.

Benchmarks print figures and ratios against a plain baseline measured in the same run; they
assert nothing (timings belong here, not in tests).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from schemas.columns import CANONICAL_COLUMNS

POLLSTERS = [
    "Levada Center",
    "FOM",
    "VTsIOM",
    "KIIS",
    "Rating Group",
    "YouGov",
    "Ipsos",
    "Morning Consult",
    "Ifop",
    "Elabe",
]
LEADERS = {
    "Vladimir Putin": "RU",
    "Volodymyr Zelensky": "UA",
    "Joe Biden": "US",
    "Emmanuel Macron": "FR",
}


def canonical_drop(path: Path, rows: int, seed: int = 1, key_prefix: str = "k") -> Path:
    """A canonical-layout CSV of `rows` valid polls with distinct poll keys."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("1990-01-01") + pd.to_timedelta(rng.integers(0, 12_000, rows), "D")
    end = start + pd.to_timedelta(rng.integers(0, 6, rows), "D")
    positive = rng.integers(200, 700, rows) / 10
    leaders = rng.choice(list(LEADERS), rows)
    frame = pd.DataFrame(
        {
            "pollster": rng.choice(POLLSTERS, rows),
            "sponsor": "",
            "country": [LEADERS[name] for name in leaders],
            "leader": leaders,
            "metric": rng.choice(["approval", "trust", "support"], rows),
            "population": rng.choice(["adults", "registered_voters", "likely_voters"], rows),
            "mode": rng.choice(["phone", "online", "face_to_face"], rows),
            "fieldwork_start": start.strftime("%Y-%m-%d"),
            "fieldwork_end": end.strftime("%Y-%m-%d"),
            "published": "",
            "sample_size": rng.integers(300, 3000, rows),
            "positive_pct": positive,
            "negative_pct": np.round((100 - positive) * rng.uniform(0.5, 0.95, rows), 1),
            "undecided_pct": "",
            "tracking": rng.choice(["true", "false"], rows),
            "poll_key": [f"{key_prefix}{i}" for i in range(rows)],
            "source_url": "https://example.org/poll",
            "notes": "",
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame[list(CANONICAL_COLUMNS)].to_csv(path, index=False)
    return path


@contextmanager
def timed(into: dict, name: str):
    started = time.perf_counter()
    yield
    into[name] = time.perf_counter() - started
