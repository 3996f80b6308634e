"""Real files come in every encoding, delimiter and number style; the canonical layout takes
them all and gets the same rows."""

from __future__ import annotations

import csv
import io

import pytest

from pollwatch.ingest.file_mapping import map_bytes
from pollwatch.ingest.run import run_ingest
from pollwatch.read.decoding import decode, guess_single_byte_encoding
from pollwatch.validate.checks import Checked, check_rows
from schemas.columns import CANONICAL_COLUMNS
from tests.helpers import poll_row, query, settle

RUSSIAN_ROWS = [
    poll_row(
        pollster="Левада-Центр",
        leader="Владимир Путин",
        positive_pct="71,5",
        negative_pct="26,5",
        undecided_pct="2",
        notes="опрос; «Левада»",
    ),
    poll_row(
        pollster="ВЦИОМ",
        leader="Путин",
        metric="trust",
        positive_pct="80,6",
        negative_pct="",
        undecided_pct="",
        fieldwork_start="2022-03-14",
        fieldwork_end="2022-03-20",
        published="2022-03-25",
        sample_size="1 600",
    ),
]


def as_text(rows, delimiter=",", line_end="\n") -> str:
    handle = io.StringIO()
    writer = csv.DictWriter(
        handle, list(CANONICAL_COLUMNS), delimiter=delimiter, lineterminator=line_end
    )
    writer.writeheader()
    writer.writerows(rows)
    return handle.getvalue()


def read_rows(settings, data: bytes) -> Checked:
    """A drop's bytes to the rows that would be stored, in memory: decoding, the CSV dialect,
    mapping and the checks, without a database."""
    return check_rows(map_bytes(data, settings.inbox / "drop.csv", settings))


def ingest_bytes(settings, name: str, data: bytes):
    path = settings.inbox / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    settle(path)
    [result] = run_ingest([], settings).files
    return result


STORED = (
    "SELECT pollster, leader, metric, positive_pct, negative_pct, sample_size, notes, "
    "pollster_as_written FROM polls ORDER BY positive_pct"
)


def test_a_cp1251_semicolon_file_with_decimal_commas_loads_the_same_rows_as_its_utf8_twin(
    settings, tmp_path
):
    from pollwatch.config import load_settings

    twin = load_settings(data_dir=tmp_path / "twin", settle_seconds=2)
    twin.data_dir.mkdir()
    utf8 = ingest_bytes(twin, "utf8.csv", as_text(RUSSIAN_ROWS).encode("utf-8"))
    cp1251 = ingest_bytes(
        settings,
        "cp1251.csv",
        as_text(RUSSIAN_ROWS, delimiter=";", line_end="\r\n").encode("cp1251"),
    )
    assert (utf8.status, cp1251.status) == ("loaded", "loaded")
    assert query(settings, STORED).equals(query(twin, STORED))
    stored = query(settings, STORED).values.tolist()
    assert stored[0][:6] == ["Levada Center", "Vladimir Putin", "approval", 71.5, 26.5, 1600]
    assert stored[0][6:] == ["опрос; «Левада»", "Левада-Центр"]
    assert stored[1][:4] == ["VTsIOM", "Vladimir Putin", "trust", 80.6]
    assert "read as cp1251 (it is not UTF-8)" in cp1251.warnings
    assert "fields separated by semicolons" in cp1251.warnings


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("utf-16", "\t"), ("utf-16", ","), ("utf-8", "|")],
)
def test_byte_order_marks_and_delimiters_are_recognised(settings, encoding, delimiter):
    checked = read_rows(settings, as_text(RUSSIAN_ROWS, delimiter=delimiter).encode(encoding))
    assert checked.rejects.empty
    assert checked.polls["pollster"].tolist() == ["Levada Center", "VTsIOM"]
    assert checked.polls["positive_pct"].tolist() == [71.5, 80.6]


def test_a_western_file_in_cp1252_is_read_as_cp1252(settings):
    rows = [
        poll_row(
            pollster="Ifop",
            country="FR",
            leader="Valéry Giscard d'Estaing",
            notes="baromètre mensuel, août",
        )
    ]
    checked = read_rows(settings, as_text(rows).encode("cp1252"))
    assert "read as cp1252 (it is not UTF-8)" in checked.warnings
    assert checked.polls["leader"].tolist() == ["Valéry Giscard d'Estaing"]
    assert checked.polls["notes"].tolist() == ["baromètre mensuel, août"]


def test_cyrillic_and_western_single_byte_text_are_told_apart():
    assert guess_single_byte_encoding("Левада-Центр, Путин".encode("cp1251")) == "cp1251"
    assert guess_single_byte_encoding("Février, Valéry, août".encode("cp1252")) == "cp1252"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("24.03.2022", "30.03.2022", ("2022-03-24", "2022-03-30")),
        ("3/24/22", "3/30/22", ("2022-03-24", "2022-03-30")),
        ("2022-03", "", ("2022-03-01", "2022-03-31")),
        ("March 2022", "", ("2022-03-01", "2022-03-31")),
        ("март 2022", "", ("2022-03-01", "2022-03-31")),
        ("03.2022", "", ("2022-03-01", "2022-03-31")),
    ],
)
def test_the_canonical_layout_reads_the_usual_date_spellings(settings, start, end, expected):
    rows = [poll_row(fieldwork_start=start, fieldwork_end=end, published="")]
    checked = read_rows(settings, as_text(rows).encode())
    assert checked.rejects.empty, checked.rejects
    [poll] = checked.polls.to_dict("records")
    assert (f"{poll['fieldwork_start']:%Y-%m-%d}", f"{poll['fieldwork_end']:%Y-%m-%d}") == expected


@pytest.mark.parametrize("missing", ["", "NA", "n/a", "-"])
def test_missing_values_are_spelled_many_ways(settings, missing):
    rows = [
        poll_row(
            negative_pct=missing, undecided_pct=missing, sample_size=missing, positive_pct="71%"
        )
    ]
    checked = read_rows(settings, as_text(rows).encode())
    assert checked.rejects.empty
    assert checked.polls["positive_pct"].tolist() == [71.0]
    assert checked.polls[["negative_pct", "sample_size"]].isna().all(axis=None)


def test_crlf_line_ends_and_quoted_newlines_keep_line_numbers_right(settings):
    rows = [poll_row(poll_key="a", notes="two\r\nlines"), poll_row(poll_key="b", country="XX")]
    checked = read_rows(settings, as_text(rows, line_end="\r\n").encode())
    assert checked.polls["notes"].tolist() == ["two\r\nlines"]
    assert checked.polls.index.tolist() == [2]
    assert checked.rejects.to_dict("records") == [
        {"line_number": 4, "column": "country", "rule": "iso_3166_alpha2_country", "value": "XX"}
    ]


def test_two_exports_joined_in_two_encodings_are_read_line_by_line(settings):
    """UTF-8 rows followed by cp1251 rows were all decoded as cp1251: pollster 'Р¤РћРњ' and a
    phantom leader with a report page of his own."""
    utf8 = as_text(RUSSIAN_ROWS).encode("utf-8")
    rows = [dict(r, poll_key=f"later-{i}", pollster="ФОМ") for i, r in enumerate(RUSSIAN_ROWS)]
    cp1251 = as_text(rows).split("\n", 1)[1].encode("cp1251")  # the rows, not the header again
    checked = read_rows(settings, utf8 + cp1251)
    assert checked.rejects.empty
    assert checked.polls["pollster"].tolist() == ["Levada Center", "VTsIOM", "FOM", "FOM"]
    assert checked.polls["leader"].nunique() == 1
    assert "the file joins two encodings: lines 2-3 read as UTF-8, the others as cp1251" in (
        checked.warnings
    )


def test_a_cp1251_line_that_happens_to_be_valid_utf8_is_still_cp1251():
    """'Сі' in cp1251 is the two bytes UTF-8 makes the old letter 'ѳ' of: not taken for UTF-8."""
    data = "pollster,notes\nKIIS,Сі\nКМІС,опитування\n".encode("cp1251")
    assert data.split(b"\n")[1].decode("utf-8") == "KIIS,ѳ"  # valid UTF-8 by chance
    decoded = decode(data)
    assert (decoded.encoding, decoded.utf8_lines) == ("cp1251", [])
    assert decoded.text.splitlines()[1] == "KIIS,Сі"
