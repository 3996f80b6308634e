"""Exporting the stored polls: CSV and Parquet read back as written, text a spreadsheet would
run as a formula made inert in CSV only, numbers left alone, and a write that either replaces the
file whole or leaves nothing behind."""

from __future__ import annotations

import pandas as pd
import pytest

from pollwatch.config import ConfigError
from pollwatch.publish.export import chosen_format, write_polls

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
