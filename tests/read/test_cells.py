"""Text to a table of cells: header names normalised, every record keyed by the physical line it
starts on, the delimiter found by itself, and a text that is no table refused with its rule."""

from __future__ import annotations

import pytest

from pollwatch.read.cells import parse_csv_text
from pollwatch.read.decoding import UnreadableFile, decode
from pollwatch.read.delimiter import sniff_delimiter
from pollwatch.read.record_reader import MAX_FIELD_CHARS


def lines_of(text: str) -> list[int]:
    return parse_csv_text(text).cells.index.tolist()


def test_header_names_are_trimmed_and_lower_cased():
    raw = parse_csv_text(" Pollster ,LEADER,Positive_PCT\nLevada,Putin,71\n")
    assert raw.header == ["pollster", "leader", "positive_pct"]
    assert raw.cells.columns.tolist() == raw.header
    assert raw.cells.loc[2].tolist() == ["Levada", "Putin", "71"]


def test_a_blank_header_cell_is_named_by_its_position():
    raw = parse_csv_text(",Approve,\n2022-02-01,71,x\n")
    assert raw.header == ["unnamed_1", "approve", "unnamed_3"]


def test_cells_stay_text_exactly_as_written():
    raw = parse_csv_text('a,b,c,d\n007," 71,5 ","x, y",\n')
    assert raw.cells.loc[2].tolist() == ["007", " 71,5 ", "x, y", ""]


def test_records_are_numbered_by_the_line_they_start_on_from_two():
    assert lines_of("a,b\n1,2\n3,4\n5,6\n") == [2, 3, 4]


def test_a_quoted_newline_pushes_later_records_down_a_line():
    text = 'a,b\n1,"first\nsecond"\n3,4\n5,"x\ny\nz"\n7,8\n'
    raw = parse_csv_text(text)
    assert raw.cells.index.tolist() == [2, 4, 5, 8]
    assert raw.cells.loc[2, "b"] == "first\nsecond"


def test_crlf_line_ends_count_the_same_and_stay_out_of_the_cells():
    raw = parse_csv_text('a,b\r\n1,"x\r\ny"\r\n3,4\r\n')
    assert raw.cells.index.tolist() == [2, 4]
    assert raw.cells.loc[4].tolist() == ["3", "4"]


def test_blank_lines_are_skipped_but_still_counted():
    assert lines_of("a,b\n\n1,2\n,\n3,4\n") == [3, 5]


def test_blank_lines_before_the_header_move_the_header_down():
    raw = parse_csv_text("\n\na,b\n1,2\n")
    assert (raw.header_line, raw.cells.index.tolist()) == (3, [4])


def test_a_crlf_file_of_plain_lines_keeps_carriage_returns_out_of_the_last_cell():
    raw = parse_csv_text("a,b\r\n1,2\r\n3,4")  # and the last line has no line end
    assert raw.cells.index.tolist() == [2, 3]
    assert raw.cells["b"].tolist() == ["2", "4"]


@pytest.mark.parametrize(
    ("delimiter", "words"),
    [(",", None), (";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")],
)
def test_the_delimiter_is_found_and_a_non_comma_one_is_said(delimiter, words):
    text = delimiter.join(["date", "approve", "disapprove"]) + "\n"
    text += delimiter.join(["2022-02-01", "71.5", "27"]) + "\n"
    assert sniff_delimiter(text) == delimiter
    raw = parse_csv_text(text)
    assert raw.delimiter == delimiter
    assert raw.header == ["date", "approve", "disapprove"]
    assert raw.cells.loc[2, "approve"] == "71.5"
    assert raw.notes == ([f"fields separated by {words}"] if words else [])


def test_the_delimiter_that_splits_rows_evenly_wins_over_one_used_inside_cells():
    # Commas appear in the decimal shares, but only semicolons give every row three fields.
    text = "date;approve;disapprove\n2022-02;71,5;27\n2022-03;83;15,5\n2022-04;82,1;16,2\n"
    assert sniff_delimiter(text) == ";"


def test_a_text_of_one_column_is_read_as_commas():
    assert sniff_delimiter("date\n2022-02-01\n") == ","


def test_rows_with_the_wrong_field_count_are_set_apart_with_their_line_and_count():
    raw = parse_csv_text("a,b\n1,2,3\n4,5\n6\n7,8\n")
    assert raw.cells.index.tolist() == [3, 5]
    assert raw.ragged == [(2, 3), (4, 1)]
    assert raw.rows_read == 4


@pytest.mark.parametrize("data", [b"", b"  \n\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused_as_empty(data):
    with pytest.raises(UnreadableFile) as caught:
        parse_csv_text(decode(data))
    assert caught.value.rule == "empty_file"


def test_empty_text_is_refused_as_empty():
    with pytest.raises(UnreadableFile) as caught:
        parse_csv_text("\n\n")
    assert caught.value.rule == "empty_file"
    assert "empty file" in caught.value.reason


@pytest.mark.parametrize(
    ("text", "line"), [("a,b\n", 1), ("a,b", 1), ("a;b\r\n", 1), ("\na,b\n", 2)]
)
def test_a_header_only_file_is_refused_with_the_header_line(text, line):
    with pytest.raises(UnreadableFile) as caught:
        parse_csv_text(text)
    assert caught.value.rule == "header_only"
    assert caught.value.line == line
    assert caught.value.reason == "header only: the file has no data rows"


@pytest.mark.parametrize(
    ("text", "line"), [("date,Approve,approve \n1,2,3\n", 1), ("\ndate,a,A\n1,2,3\n", 2)]
)
def test_a_header_naming_a_column_twice_is_refused_at_its_line(text, line):
    with pytest.raises(UnreadableFile) as caught:
        parse_csv_text(text)
    assert caught.value.rule == "duplicate_column"
    assert "twice" in caught.value.reason
    assert caught.value.line == line


@pytest.mark.parametrize("text", ["a,b\n\n", "a,b\n,\n"])
def test_a_header_followed_only_by_blank_lines_is_header_only(text):
    with pytest.raises(UnreadableFile) as caught:
        parse_csv_text(text)
    assert caught.value.rule == "header_only"


@pytest.mark.parametrize("quoted", [False, True])
def test_a_record_with_a_cell_longer_than_the_limit_is_not_read_and_the_others_are(quoted):
    """Its line is kept for its row's reject (field_too_long); the whole file was refused."""
    huge = "x" * (MAX_FIELD_CHARS + 1)
    cell = f'"{huge}"' if quoted else huge
    # A quoted newline elsewhere sends the quoted case down the record-by-record reader.
    text = f'a,b\n1,{cell}\n2,"p\nq"\n3,r\n' if quoted else f"a,b\n1,{cell}\n3,r\n"
    raw = parse_csv_text(text)
    assert raw.oversized == [2] and raw.rows_read == (3 if quoted else 2)
    assert raw.cells["a"].tolist() == (["2", "3"] if quoted else ["3"])


def test_a_quoted_cell_longer_than_the_limit_over_several_lines_refuses_the_file():
    """Past the limit inside a quoted cell over several lines, the rest of the cell would be read
    as records: the file is refused, as before."""
    huge = ("x" * 1000 + "\n") * (MAX_FIELD_CHARS // 1000 + 1)
    with pytest.raises(UnreadableFile) as caught:
        parse_csv_text(f'a,b\n1,"{huge}"\n3,r\n')
    assert caught.value.rule == "not_a_csv" and caught.value.line > 2
    assert "field larger than field limit" in caught.value.reason


def test_a_cell_at_the_limit_is_read_whole():
    raw = parse_csv_text("a,b\n1," + "x" * MAX_FIELD_CHARS + "\n")
    assert len(raw.cells.loc[2, "b"]) == MAX_FIELD_CHARS


def test_a_cp1251_semicolon_export_is_read_with_both_guesses_said():
    data = "Дата;Довіряю\r\nберезень 2024;59,5\r\n".encode("cp1251")
    raw = parse_csv_text(decode(data))
    assert raw.header == ["дата", "довіряю"]
    assert raw.cells.loc[2].tolist() == ["березень 2024", "59,5"]
    assert raw.encoding == "cp1251"
    assert raw.notes == ["read as cp1251 (it is not UTF-8)", "fields separated by semicolons"]


def test_a_byte_order_mark_stays_out_of_the_first_header_name():
    raw = parse_csv_text(decode(b"\xef\xbb\xbfPollster,Leader\nLevada,Putin\n"))
    assert raw.header == ["pollster", "leader"]
    assert (raw.encoding, raw.notes) == ("utf-8", [])


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("padded", [False, True])
def test_a_title_above_the_header_and_notes_under_the_table_are_skipped_and_said(delimiter, padded):
    """A spreadsheet saved as CSV: a title over the table, a blank line, and a source and a
    footnote under it, alone on their lines or padded to the table's width. The title was taken
    for the header (the file refused whole) and each note for a row (every drop partial)."""
    pad = delimiter * 2 if padded else ""
    text = (
        f'"Levada Center: approval of Putin, 2021-2022"{pad}\n\n'
        f"Date{delimiter}Approve{delimiter}Disapprove\n"
        f"2021-01{delimiter}64{delimiter}34\n2021-02{delimiter}65{delimiter}34\n\n"
        f"Source: levada.ru{pad}\n* adults 18+{pad}\n"
    )
    raw = parse_csv_text(text)
    assert raw.header == ["date", "approve", "disapprove"]
    assert (raw.header_line, raw.cells.index.tolist(), raw.ragged) == (3, [4, 5], [])
    assert raw.notes[-2:] == [
        "line 1 above the header skipped as a title: 'Levada Center: approval of Putin, 2021-2022'",
        "lines 7-8 under the table skipped as notes: 'Source: levada.ru'",
    ]


def test_a_header_naming_one_column_and_a_last_row_of_one_word_stay_a_header_and_a_row():
    """Neither is a note: a header may name one column of three, and a broken row give a name
    alone; the row is rejected with its reasons, as any row is."""
    raw = parse_csv_text(",Approve,\n2022-02-01,71,x\nLevada,,\n")
    assert raw.header == ["unnamed_1", "approve", "unnamed_3"]
    assert (raw.cells.index.tolist(), raw.notes) == ([2, 3], [])


@pytest.mark.parametrize(
    "text",
    [
        # A delimiter after every row's last cell but not the header's (Excel's).
        "Date;Approve;Disapprove\n2022-01;64,5;34,1;\n2022-02;65,2;33,8;\n",
        # A ragged row.
        "Date;Approve;Disapprove\n2022-01;64,5;34,1\n2022-02;65,2;33,8\n2022-03;71,3;27,0;x\n",
        # A source line under the table with as many commas as a row has decimal commas.
        "Date;Approve;Disapprove\n2022-01;64,5;34,1\n2022-02;65,2;33,8\n"
        "Source: Levada, Moscow, 2022\n",
        # A tab file's counts "1,600" and a tab after each row.
        "Date\tN\tApprove\n2022-01\t1,600\t64\t\n2022-02\t1,620\t65\t\n",
    ],
    ids=["trailing semicolons", "ragged row", "source line", "tab counts"],
)
def test_a_delimiter_that_makes_the_header_one_cell_loses_however_evenly_it_splits_the_rows(
    text,
):
    """Commas split these rows more evenly than their own delimiter (decimal commas, counts
    "1,600"), but make the header one cell: the header was taken for a title and the first row
    for the header (the file refused, no layout fitting)."""
    raw = parse_csv_text(text)
    assert raw.header[:3] in (["date", "approve", "disapprove"], ["date", "n", "approve"])
    assert raw.header_line == 1
    assert raw.cells.index.tolist()[:2] == [2, 3]


@pytest.mark.parametrize("blank", ["\xa0,\xa0,\xa0", '"","",""'])
def test_a_note_above_a_line_of_blank_cells_is_skipped_by_every_reader(blank):
    """A line of no-break spaces or of quoted empty cells is blank to the record-by-record reader:
    the note above it, padded to the table's width, is the table's last line, and the fast
    reader leaves the file to that reader as for a note on the last line (it read the note as a
    row: the drop partial)."""
    raw = parse_csv_text(f"Date,Approve,Disapprove\n2022-01,64,34\nSource: levada.ru,,\n{blank}\n")
    assert (raw.cells.index.tolist(), raw.ragged) == ([2], [])
    assert raw.notes == ["line 3 under the table skipped as notes: 'Source: levada.ru'"]


@pytest.mark.parametrize(
    ("text", "header", "lines"),
    [
        # a header naming its first column alone, padded as a title would be
        ("Polling firm,,\nLevada,2022-01-01,64\nVTsIOM,2022-02-01,65\n", "polling firm", [2, 3]),
        # a last row giving a pollster's name or a month alone: rows, rejected with reasons
        ("Pollster,Date,Approve\nLevada,2022-01-01,64\nLevada Center,,\n", "pollster", [2, 3]),
        ("Pollster,Date,Approve\nLevada,2022-01-01,64\nMarch 2022,,\n", "pollster", [2, 3]),
    ],
)
def test_a_padded_name_or_month_alone_is_a_header_or_a_row_not_a_note(text, header, lines):
    raw = parse_csv_text(text)
    assert (raw.header[0], raw.cells.index.tolist(), raw.notes) == (header, lines, [])
