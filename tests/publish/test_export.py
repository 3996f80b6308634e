"""Exporting the stored polls: CSV and Parquet read back as written, text a spreadsheet would
run as a formula made inert in CSV only, numbers left alone, and a write that either replaces the
file whole or leaves nothing behind."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pollwatch.config import ConfigError, load_settings
from pollwatch.ingest.run import run_ingest
from pollwatch.model.as_of import series_trend, stood_on
from pollwatch.publish.export import chosen_format, write_polls
from pollwatch.store import open_store
from pollwatch.store.records import PROVENANCE_COLUMNS, STORED_COLUMNS
from tests.helpers import poll_row, settle, write_csv

RISKY = ['=HYPERLINK("http://x")', "+7 495 229", "-2 points", "@SUM(A1)", "\tx"]


def polls(pollsters: list[str] | None = None) -> pd.DataFrame:
    """Stored polls as the store hands them over: typed columns, dates as dates."""
    names = pollsters or ["Levada Center", "FOM", "KIIS"]
    count = len(names)
    return pd.DataFrame(
        {
            "poll_key": [f"k{i}" for i in range(count)],
            "pollster": pd.Series(names, dtype="str"),
            "leader": pd.Series(["Vladimir Putin"] * count, dtype="str"),
            "fieldwork_start": pd.date_range("2022-01-01", periods=count, freq="MS").astype(
                "datetime64[us]"
            ),
            "published": pd.Series([pd.Timestamp("2022-02-24")] + [pd.NaT] * (count - 1)).astype(
                "datetime64[us]"
            ),
            "sample_size": pd.array([1600] + [None] * (count - 1), dtype="Int64"),
            "positive_pct": [-0.5 if i == 1 else 71.5 for i in range(count)],
            "tracking": [False] * count,
            "notes": pd.Series(["=1+1"] + [None] * (count - 1), dtype="str"),
        }
    )


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_csv_export_reads_back_as_the_stored_polls(tmp_path):
    frame = polls()
    path = write_polls(frame, tmp_path / "out" / "polls.csv")
    assert path == tmp_path / "out" / "polls.csv"
    back = pd.read_csv(path, keep_default_na=False)
    assert back.columns.tolist() == frame.columns.tolist()
    assert back["poll_key"].tolist() == ["k0", "k1", "k2"]
    assert back["pollster"].tolist() == ["Levada Center", "FOM", "KIIS"]
    assert back["fieldwork_start"].tolist() == ["2022-01-01", "2022-02-01", "2022-03-01"]
    assert back["published"].tolist() == ["2022-02-24", "", ""]
    assert back["sample_size"].astype("str").tolist() == ["1600", "", ""]
    assert back["positive_pct"].tolist() == [71.5, -0.5, 71.5]
    assert leftovers(tmp_path / "out") == ["polls.csv"]


def test_a_parquet_export_reads_back_with_its_types(tmp_path):
    frame = polls()
    path = write_polls(frame, tmp_path / "polls.parquet", "parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(path), frame)
    assert leftovers(tmp_path) == ["polls.parquet"]


@pytest.mark.parametrize("text", RISKY)
def test_text_a_spreadsheet_would_run_gets_a_leading_apostrophe_in_csv(tmp_path, text):
    path = write_polls(polls([text, "Levada Center"]), tmp_path / "polls.csv")
    back = pd.read_csv(path, keep_default_na=False)
    assert back["pollster"].tolist() == ["'" + text, "Levada Center"]
    assert back["notes"].tolist()[0] == "'=1+1"


@pytest.mark.parametrize("text", ["\rx", "a\rb"])
def test_a_carriage_return_in_a_text_cell_keeps_its_record_whole_in_csv(tmp_path, text):
    path = write_polls(polls([text, "Levada Center"]), tmp_path / "polls.csv")
    back = pd.read_csv(path, keep_default_na=False)
    assert back["poll_key"].tolist() == ["k0", "k1"]
    assert back["pollster"].tolist()[1] == "Levada Center"


def test_parquet_keeps_formula_looking_text_as_stored(tmp_path):
    frame = polls(RISKY)
    back = pd.read_parquet(write_polls(frame, tmp_path / "polls.parquet", "parquet"))
    assert back["pollster"].tolist() == RISKY
    assert back["notes"].tolist()[0] == "=1+1"


def test_numbers_are_not_made_text_even_when_negative(tmp_path):
    path = write_polls(polls(), tmp_path / "polls.csv")
    line = path.read_text().splitlines()[2]  # the row with a share of -0.5
    assert ",-0.5," in line and "'-" not in line
    assert pd.read_csv(path)["positive_pct"].dtype == "float64"


def test_text_that_only_contains_a_formula_sign_is_left_alone(tmp_path):
    path = write_polls(polls(["Ifop-Fiducial", "a=b", "Kantar+"]), tmp_path / "polls.csv")
    assert pd.read_csv(path)["pollster"].tolist() == ["Ifop-Fiducial", "a=b", "Kantar+"]


def test_an_unknown_format_is_refused_and_writes_nothing(tmp_path):
    with pytest.raises(ConfigError, match="--format must be one of csv, parquet, not 'json'"):
        write_polls(polls(), tmp_path / "polls.json", "json")
    assert leftovers(tmp_path) == []


def test_the_format_is_the_one_the_file_name_says_and_another_suffix_is_refused(tmp_path):
    """`--out polls.json` wrote CSV under a JSON name."""
    assert chosen_format(tmp_path / "polls.parquet", None) == "parquet"
    assert chosen_format(tmp_path / "polls.CSV", None) == "csv"
    assert chosen_format(tmp_path / "polls", None) == "csv"
    assert chosen_format(tmp_path / "polls.json", "csv") == "csv"  # asked for: as asked
    with pytest.raises(ConfigError, match="name the file polls.csv or polls.parquet"):
        chosen_format(tmp_path / "polls.json", None)


def test_a_write_that_fails_leaves_the_old_file_whole_and_no_temporary_file(tmp_path):
    path = write_polls(polls(), tmp_path / "polls.parquet", "parquet")
    before = path.read_bytes()
    unwritable = pd.DataFrame({"sample_size": pd.Series([1600, "n/a"], dtype=object)})
    with pytest.raises(Exception, match="sample_size"):
        write_polls(unwritable, path, "parquet")
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == ["polls.parquet"]


def test_a_new_export_replaces_the_old_one_whole(tmp_path):
    path = write_polls(polls(["A", "B", "C", "D"]), tmp_path / "polls.csv")
    write_polls(polls(["E"]), path)
    assert pd.read_csv(path)["pollster"].tolist() == ["E"]
    assert leftovers(tmp_path) == ["polls.csv"]


# A poll published on a known day, and FOM's poll of 27 February 2022 reported "in March": its
# publication is known to the month alone, stored as 31 March with published_precision 'month'.
MONTH_PUBLISHED = [
    poll_row(
        pollster="FOM",
        metric="trust",
        fieldwork_start=start,
        fieldwork_end=start,
        published=published,
        positive_pct=share,
        negative_pct="",
        undecided_pct="",
    )
    for start, published, share in (
        ("2022-02-20", "2022-02-24", "60"),
        ("2022-02-27", "2022-03", "71"),
        ("2022-03-06", "2022-03-10", "75"),
        ("2022-03-13", "2022-03-17", "76"),
    )
]
POLL_FACTS = [name for name in STORED_COLUMNS if name not in PROVENANCE_COLUMNS]


def two_data_dirs(tmp_path) -> tuple:
    """The settings of the data directory an export is written from, and of a fresh one."""
    first, second = (
        load_settings(data_dir=tmp_path / name, settle_seconds=0) for name in ("first", "second")
    )
    for config in (first, second):
        config.data_dir.mkdir()
    return first, second


def stored_facts(config) -> pd.DataFrame:
    facts = open_store(config).polls()[[*POLL_FACTS, "published_precision"]]
    return facts.sort_values(["pollster", "poll_key"]).reset_index(drop=True)


def as_of_trend(config, day: str) -> pd.DataFrame:
    stood = stood_on(open_store(config).versions(), date.fromisoformat(day))
    return series_trend(stood, "Vladimir Putin", "trust", as_of=date.fromisoformat(day)).daily


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_export_ingested_into_a_new_store_gives_back_every_poll_fact(tmp_path, fmt):
    """`pollwatch export`, then `pollwatch ingest` of it into a fresh data directory: the
    export's published_precision was an ignored column, so a poll whose publication was known
    to the month alone came back published on the month's last day, and `--as-of` on 3 March
    no longer saw it (public from 2 March: the first store's line was 65.6, the second's 60).
    A Parquet export goes back through CSV, as the refusal of a Parquet drop says to."""
    first, second = two_data_dirs(tmp_path)
    run_ingest([write_csv(tmp_path / "fom.csv", MONTH_PUBLISHED)], first)
    exported = write_polls(open_store(first).polls(), tmp_path / f"polls.{fmt}", fmt)
    if fmt == "parquet":  # as the drop's refusal says: "write the table as CSV (pandas: to_csv)"
        exported = tmp_path / "from-parquet.csv"
        pd.read_parquet(tmp_path / "polls.parquet").to_csv(exported, index=False)
        settle(exported)
    run = run_ingest([exported], second)
    assert [f.status for f in run.files] == ["loaded"]
    assert not [w for w in run.files[0].warnings if "published_precision" in w]
    pd.testing.assert_frame_equal(stored_facts(second), stored_facts(first))
    assert stored_facts(second)["published_precision"].tolist() == ["day", "month", "day", "day"]
    pd.testing.assert_frame_equal(
        as_of_trend(second, "2022-03-03"), as_of_trend(first, "2022-03-03")
    )


def test_text_made_inert_in_a_csv_export_reads_back_as_it_was_stored(tmp_path):
    """The CSV export writes `@FOM` as `'@FOM` and `-2 points` as `'-2 points`, so that a
    spreadsheet does not run them; ingested again, the apostrophe was kept as part of the text:
    into the same store, the poll was "corrected" to sponsor `'@FOM` (the old value in
    revisions), and into a new one every such name and note came back changed."""
    first, second = two_data_dirs(tmp_path)
    rows = [
        poll_row(sponsor="@FOM", notes="+3 since the week before", poll_key="a"),
        poll_row(sponsor="=Ministry", notes="-2 points; weekly", poll_key="b"),
        poll_row(sponsor="Rosbalt", notes="'quoted' as it was", poll_key="c"),
    ]
    run_ingest([write_csv(tmp_path / "drop.csv", rows)], first)
    exported = write_polls(open_store(first).polls(), tmp_path / "polls.csv")
    assert "'@FOM" in exported.read_text()  # the export still makes them inert
    again = run_ingest([exported], first)
    assert (again.files[0].rows_updated, again.files[0].rows_duplicate) == (0, 3)
    run_ingest([exported], second)
    pd.testing.assert_frame_equal(stored_facts(second), stored_facts(first))
    assert stored_facts(second)["sponsor"].tolist() == ["@FOM", "=Ministry", "Rosbalt"]


def test_an_export_ingested_into_a_new_store_keeps_each_poll_s_spelling_as_written(tmp_path):
    """`pollwatch export` writes pollster_as_written and leader_as_written, the spellings the
    source files used (`Левада-Центр`, `Путин`; none where a layout's constant named them);
    ingested into a fresh data directory they were ignored and made again from the export's
    stored names, so every poll said it was written `Levada Center` / `Vladimir Putin`, and the
    sources' own spellings were lost with the first store."""
    first, second = two_data_dirs(tmp_path)
    rows = [
        poll_row(pollster="Левада-Центр", leader="Путин", poll_key="a"),
        poll_row(pollster="Levada", leader="Putin", poll_key="b"),
        poll_row(poll_key="c"),
    ]
    monthly = write_csv(
        first.inbox / "levada_putin_approval" / "levada.csv",
        [{"Date": "2022-03-01", "Approve": "83", "Disapprove": "15", "No_answer": "2"}],
        ["Date", "Approve", "Disapprove", "No_answer"],
    )
    run_ingest([write_csv(tmp_path / "drop.csv", rows)], first)
    run_ingest([], first)
    assert not monthly.exists()  # read from the inbox by its folder's layout
    exported = write_polls(open_store(first).polls(), tmp_path / "polls.csv")
    run = run_ingest([exported], second)
    assert [f.status for f in run.files] == ["loaded"]
    assert not run.files[0].warnings

    def written(config) -> list[tuple]:
        found = open_store(config).polls().sort_values("poll_key")
        columns = ["poll_key", "pollster", "pollster_as_written", "leader_as_written"]
        return [
            tuple(None if pd.isna(v) else v for v in row)
            for row in found[columns].itertuples(index=False)
        ]

    assert written(second) == written(first)
    assert [(w[2], w[3]) for w in written(second)] == [
        ("Левада-Центр", "Путин"),
        ("Levada", "Putin"),
        ("Levada Center", "Vladimir Putin"),
        (None, None),  # the monthly file named neither: its layout did
    ]
