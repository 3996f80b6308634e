"""Property-based: whatever arrives, a file ends loaded or quarantined with a reason, never in a
traceback, with every row it held accounted for and the store agreeing with what the run said;
valid records come back out exactly as they went in. Each example works in a temporary folder
that is removed after it."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pollwatch.config import Settings, load_settings
from pollwatch.ingest.outcomes import RunSummary
from pollwatch.ingest.run import run_ingest
from pollwatch.publish.export import number_text, write_polls
from pollwatch.store import open_store
from schemas.columns import CANONICAL_COLUMNS, METRICS, MODES, POPULATIONS
from tests.helpers import settle

QUICK = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@contextmanager
def ingested(data: bytes) -> Iterator[tuple[Settings, RunSummary]]:
    """The bytes dropped in a fresh inbox and ingested; the folder is gone after the block."""
    with tempfile.TemporaryDirectory(prefix="pollwatch-property-") as folder:
        root = Path(folder)
        (root / "data" / "inbox").mkdir(parents=True)
        path = root / "data" / "inbox" / "drop.csv"
        path.write_bytes(data)
        settle(path)
        config = load_settings(data_dir=root / "data", settle_seconds=0)
        yield config, run_ingest([], config)


def assert_handled(config: Settings, run: RunSummary) -> None:
    """Loaded or quarantined with its reasons; every row read accounted for once; the store holds
    exactly the rows the run says it loaded, each from a line the file has."""
    [result] = run.files
    assert result.status in ("loaded", "partial", "rejected")
    if result.status == "rejected":
        assert result.message and "\n" not in result.message
        assert result.rejects, "a rejected file carries its reasons"
    if result.status != "loaded":
        assert result.stored_at and "quarantine" in result.stored_at
        assert Path(result.stored_at + ".errors.csv").exists()
    assert not (config.inbox / "drop.csv").exists() and Path(result.stored_at).exists()
    assert result.rows_read == (
        result.rows_loaded + result.rows_rejected + result.rows_duplicate + result.rows_skipped
    ), "a row was neither stored, rejected, a repeat nor skipped"
    stored = open_store(config).polls()
    assert len(stored) == result.rows_loaded
    lines = Path(result.stored_at).read_bytes().count(b"\n") + 1
    assert stored["line_number"].between(2, lines).all()


@QUICK
@given(st.binary(max_size=3000))
@example(b"\r\x01\n")  # a carriage return inside the first line crashed the run (2026-11-30)
def test_random_bytes_are_loaded_or_quarantined_with_a_reason(data):
    with ingested(data) as (config, run):
        assert_handled(config, run)


CSVISH = st.lists(
    st.sampled_from(list(',;"\n\r\t 0123456789.-%/abcXYZ') + ["Левада", "NA", "2022-03", "71,5"]),
    max_size=300,
).map("".join)


@QUICK
@given(header=st.lists(st.sampled_from(CANONICAL_COLUMNS), max_size=10), body=CSVISH)
def test_csv_like_text_under_any_header_is_loaded_or_quarantined(header, body):
    with ingested((",".join(header) + "\n" + body).encode()) as (config, run):
        assert_handled(config, run)


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=3, max_size=20).map(
    lambda s: "Q" + " ".join(s.split())
)


@st.composite
def poll_records(draw, least: int = 1):
    records = []
    for index in range(draw(st.integers(least, 8))):
        start = date(1950, 1, 1) + timedelta(days=draw(st.integers(0, 25_000)))
        end = start + timedelta(days=draw(st.integers(0, 20)))
        positive = draw(st.integers(0, 1000)) / 10
        negative = draw(
            st.one_of(st.none(), st.integers(0, int(1000 - positive * 10)).map(lambda v: v / 10))
        )
        if negative is not None and positive + negative <= 2:
            negative = None  # as proportions (0.41 and 0.56), rejected
        records.append(
            {
                "pollster": draw(WORDS),
                "sponsor": draw(st.one_of(st.just(""), WORDS)),
                "country": draw(st.sampled_from(["RU", "UA", "US", "FR", "DE"])),
                "leader": draw(WORDS),
                "metric": draw(st.sampled_from(METRICS)),
                "population": draw(st.sampled_from(POPULATIONS)),
                "mode": draw(st.sampled_from(MODES)),
                "fieldwork_start": start.isoformat(),
                "fieldwork_end": end.isoformat(),
                "published": draw(
                    st.one_of(st.just(""), st.just((end + timedelta(days=3)).isoformat()))
                ),
                "sample_size": draw(
                    st.one_of(
                        st.just(""),
                        st.integers(1, 20_000).map(str),
                        st.integers(1, 40_000).map(lambda n: f"{n / 2:g}"),  # weighted: 2202.5
                    )
                ),
                "positive_pct": f"{positive:g}",
                "negative_pct": "" if negative is None else f"{negative:g}",
                "undecided_pct": "",
                "tracking": draw(st.sampled_from(["true", "false"])),
                "poll_key": f"key-{index}",
                "source_url": "",
                "notes": draw(st.one_of(st.just(""), WORDS)),
            }
        )
    return records


def as_csv(records: list[dict]) -> bytes:
    handle = io.StringIO()
    writer = csv.DictWriter(handle, list(CANONICAL_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return handle.getvalue().encode()


@QUICK
@given(poll_records())
def test_valid_records_survive_ingest_and_export_unchanged(records):
    with ingested(as_csv(records)) as (config, run):
        assert_valid_records_come_back(config, run, records)


def assert_valid_records_come_back(config: Settings, run: RunSummary, records: list[dict]):
    assert run.files[0].status == "loaded", run.files[0].rejects
    out = config.data_dir / "export.parquet"
    write_polls(open_store(config).polls(), out, "parquet")
    exported = pd.read_parquet(out).set_index("poll_key")
    for record in records:
        row = exported.loc[record["poll_key"]]
        for name in ("pollster", "country", "leader", "metric", "population", "mode"):
            assert row[name] == record[name]
        for name in ("sponsor", "notes"):
            assert (row[name] if pd.notna(row[name]) else "") == record[name]
        assert f"{row['fieldwork_start']:%Y-%m-%d}" == record["fieldwork_start"]
        assert f"{row['fieldwork_end']:%Y-%m-%d}" == record["fieldwork_end"]
        assert f"{row['positive_pct']:g}" == record["positive_pct"]
        assert number_text(row["sample_size"]) == record["sample_size"]
        assert bool(row["tracking"]) == (record["tracking"] == "true")


DAMAGE = st.sampled_from(
    [
        ("positive_pct", "abc"),
        ("positive_pct", "130"),
        ("country", "Narnia"),
        ("fieldwork_start", "2099-13-45"),
        ("sample_size", "-5"),
        ("metric", "vibes"),
        ("leader", ""),
        ("fieldwork_end", "1900-01-01"),
    ]
)


@QUICK
@given(
    records=poll_records(least=2),
    damage=st.lists(st.tuples(st.integers(0, 7), DAMAGE), min_size=1, max_size=4),
)
def test_damaged_rows_are_rejected_with_reasons_and_the_rest_load(records, damage):
    broken = set()
    for index, (field, value) in damage:
        index %= len(records)
        records[index][field] = value
        broken.add(index)
    with ingested(as_csv(records)) as (config, run):
        [result] = run.files
        rejected_lines = {r["line"] for r in result.rejects}
        assert rejected_lines == {index + 2 for index in broken}
        stored = set(open_store(config).polls()["poll_key"])
        assert stored == {r["poll_key"] for i, r in enumerate(records) if i not in broken}
