"""Mapping a table of text cells to canonical rows, as a shipped layout says: which column feeds
which field, the one spelling of every pollster and leader, dates as spans, and every cell that
does not parse set apart with its line, field and text, costing its row and nothing else."""

from __future__ import annotations

import pandas as pd
import pytest

from pollwatch.map.aliases import load_aliases
from pollwatch.map.layout_files import load_layouts
from pollwatch.map.mapping import Mapped, map_rows
from pollwatch.map.row_filters import among
from pollwatch.read.cells import parse_csv_text
from schemas.columns import CANONICAL_COLUMNS, REJECT_COLUMNS

FTE_HEADER = (
    "poll_id,question_id,politician,pollster,population,methodology,start_date,end_date,yes,no,"
    "sample_size"
)
COMPILED_HEADER = (
    "leader,country,pollster,metric,field_start,field_end,published,pct_positive,mode,moe_pct"
)


def mapped(text: str, layout: str) -> Mapped:
    return map_rows(parse_csv_text(text), load_layouts()[layout], load_aliases())


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def test_the_rows_have_the_canonical_columns_in_order_indexed_by_source_line():
    result = mapped(
        "Date,Approve,Disapprove,No_answer\n2022-02,71,27,2\n2022-03,83,15,2\n",
        "levada_putin_approval",
    )
    assert result.polls.columns.tolist() == list(CANONICAL_COLUMNS)
    assert result.polls.index.tolist() == [2, 3]
    assert result.rejects.columns.tolist() == list(REJECT_COLUMNS) and result.rejects.empty
    assert result.rows_read == 2


def test_columns_and_constants_fill_the_fields_the_layout_names():
    result = mapped(
        "Date,Approve,Disapprove,No.Answer\n2022-02-01,71,27,2\n", "levada_putin_approval"
    )
    row = result.polls.loc[2]
    assert (row["pollster"], row["leader"], row["country"], row["metric"]) == (
        "Levada Center",
        "Vladimir Putin",
        "RU",
        "approval",
    )
    assert (row["positive_pct"], row["negative_pct"], row["undecided_pct"]) == (71, 27, 2)
    assert result.column_names == {
        "fieldwork_start": "date",
        "fieldwork_end": "date",
        "positive_pct": "approve",
        "negative_pct": "disapprove",
        "undecided_pct": "no.answer",
    }


def test_publisher_spellings_are_read_as_the_one_stored_spelling():
    result = mapped(
        f"{COMPILED_HEADER}\n"
        "Путин,RU,Левада-Центр,approval,2022-02-17,2022-02-21,,71,face-to-face,\n"
        "zelenskyy,ua,  kyiv international institute of sociology ,approval,"
        "2022-02-05,2022-02-13,,41,CATI,\n",
        "leader_polls_compiled",
    )
    polls = result.polls
    assert polls["pollster"].tolist() == ["Levada Center", "KIIS"]
    assert polls["leader"].tolist() == ["Vladimir Putin", "Volodymyr Zelensky"]
    assert polls["country"].tolist() == ["RU", "UA"]
    assert polls["mode"].tolist() == ["face_to_face", "phone"]


def test_one_firm_under_its_clients_names_is_the_firm():
    """HuffPost's Obama file gives "Rasmussen", 538's "Rasmussen Reports/Pulse Opinion
    Research" and "Rasmussen (Pulse Opinion Research)": three pollsters, each with a lean of its
    own, and "YouGov/Economist" beside YouGov, where 538 names YouGov and the client apart."""
    rows = [
        "Rasmussen",
        "Rasmussen Reports/Pulse Opinion Research",
        "Rasmussen (Pulse Opinion Research)",
        "YouGov/Economist",
        "Reuters/Ipsos",
    ]
    result = mapped(
        f"{COMPILED_HEADER}\n"
        + "".join(
            f"Obama,US,{name},approval,2015-0{i + 1}-01,2015-0{i + 1}-03,,45,,\n"
            for i, name in enumerate(rows)
        ),
        "leader_polls_compiled",
    )
    assert result.polls["pollster"].tolist() == ["Rasmussen Reports"] * 3 + ["YouGov", "Ipsos"]


def test_the_file_s_own_spelling_is_kept_beside_the_row():
    result = mapped(
        f"{COMPILED_HEADER}\nПутин ,RU, Левада-Центр,approval,2022-02-17,2022-02-21,,71,,\n",
        "leader_polls_compiled",
    )
    written = result.as_written.loc[2]
    assert [written["pollster_as_written"], written["leader_as_written"]] == [
        "Левада-Центр",
        "Путин",
    ]


def test_a_layout_that_gives_pollster_and_leader_as_constants_has_no_spelling_as_written():
    result = mapped("Date,Approve,Disapprove,No_answer\n2022-02,71,27,2\n", "levada_putin_approval")
    written = result.as_written[["pollster_as_written", "leader_as_written"]]
    assert written.loc[2].isna().all()


def test_a_layout_s_value_map_turns_its_codes_into_canonical_values():
    result = mapped(
        f"{FTE_HEADER}\n1,10,Biden,YouGov,rv,Live Phone/Online,1/5/21,1/7/21,55,40,1500\n",
        "fte_approval_polls",
    )
    row = result.polls.loc[2]
    assert (row["population"], row["mode"], row["country"]) == (
        "registered_voters",
        "mixed",
        "US",
    )


def test_a_month_only_date_spans_the_whole_month():
    result = mapped(
        "pollster,country,leader,metric,fieldwork_start,fieldwork_end,positive_pct\n"
        "Levada,RU,Putin,approval,2022-02,,71\n"
        "Levada,RU,Putin,approval,березень 2024,,60\n"
        "Levada,RU,Putin,approval,2023-12,2023-12,65\n",
        "canonical",
    )
    spans = list(zip(result.polls["fieldwork_start"], result.polls["fieldwork_end"], strict=True))
    assert spans == [
        (day("2022-02-01"), day("2022-02-28")),
        (day("2024-03-01"), day("2024-03-31")),
        (day("2023-12-01"), day("2023-12-31")),
    ]


def test_a_monthly_series_dated_mid_month_spans_that_whole_month():
    result = mapped(
        "Date,Approve,Disapprove,No_answer\n15.04.2022,82,16,2\n2024-02-01,86,12,2\n",
        "levada_putin_approval",
    )
    assert result.polls["fieldwork_start"].tolist() == [day("2022-04-01"), day("2024-02-01")]
    assert result.polls["fieldwork_end"].tolist() == [day("2022-04-30"), day("2024-02-29")]


def test_a_month_only_publication_without_fieldwork_becomes_the_fieldwork_month():
    result = mapped(
        f"{COMPILED_HEADER}\nPutin,RU,Levada,approval,,,2022-03,80,,\n"
        "Putin,RU,Levada,approval,,2022-04-10,2022-05,80,,\n",
        "leader_polls_compiled",
    )
    first, second = result.polls.loc[2], result.polls.loc[3]
    assert (first["fieldwork_start"], first["fieldwork_end"]) == (
        day("2022-03-01"),
        day("2022-03-31"),
    )
    assert pd.isna(first["published"])
    assert second["published"] == day("2022-05-31")  # a dated poll keeps its publication


def test_a_weekly_series_date_is_the_last_day_of_a_seven_day_week():
    result = mapped("Date,Approve,Disapprove\n2022-03-20,77,19\n", "vtsiom_presidential_approval")
    row = result.polls.loc[2]
    assert (row["fieldwork_start"], row["fieldwork_end"]) == (day("2022-03-14"), day("2022-03-20"))


def test_the_office_holder_is_named_by_when_fieldwork_ended():
    result = mapped(
        "Date,Approve,Disapprove\n2008-05-04,80,15\n2008-05-11,70,20\n2012-05-13,60,30\n",
        "vtsiom_presidential_approval",
    )
    assert result.polls["leader"].tolist() == [
        "Vladimir Putin",
        "Dmitry Medvedev",
        "Vladimir Putin",
    ]


@pytest.mark.parametrize(
    ("field", "cell", "rule"),
    [
        ("positive_pct", "5x", "not_a_number"),
        ("sample_size", "nine hundred", "not_a_number"),
        ("fieldwork_start", "13/45/21", "not_a_date"),
    ],
)
def test_a_bad_cell_is_a_reject_of_its_field_traceable_to_the_file_s_column(field, cell, rule):
    cells = {"start_date": "1/5/21", "yes": "55", "sample_size": "1500"}
    source = {"positive_pct": "yes", "sample_size": "sample_size", "fieldwork_start": "start_date"}
    cells[source[field]] = cell
    result = mapped(
        f"{FTE_HEADER}\n1,10,Biden,YouGov,rv,Online,1/5/21,1/7/21,55,40,1500\n"
        f"2,20,Biden,YouGov,rv,Online,{cells['start_date']},1/9/21,{cells['yes']},40,"
        f"{cells['sample_size']}\n",
        "fte_approval_polls",
    )
    assert result.rejects.to_dict("records") == [
        {"line_number": 3, "column": field, "rule": rule, "value": cell}
    ]
    assert result.column_names[field] == source[field]
    assert pd.isna(result.polls.loc[3, field])
    assert result.polls.loc[2, "positive_pct"] == 55  # the good row is untouched


def test_a_ragged_row_is_a_reject_of_its_own_line():
    result = mapped(
        "Date,Approve,Disapprove,No_answer\n2022-02,71,27,2\n2022-03,83\n", "levada_putin_approval"
    )
    assert result.polls.index.tolist() == [2]
    assert result.rejects.to_dict("records") == [
        {
            "line_number": 3,
            "column": "",
            "rule": "wrong_field_count",
            "value": "2 fields where the header has 4",
        }
    ]
    assert result.rows_read == 2


def test_a_delimiter_after_a_row_s_last_cell_is_not_a_ragged_row_but_a_fifth_value_is():
    """Excel's trailing delimiter on every data row, not on the header: every row was rejected
    as 5 fields of 4 in a small file, while a big file's reader loaded them all."""
    result = mapped(
        "Date,Approve,Disapprove,No_answer\n2022-02,71,27,2,\n2022-03,83,15,2, \n"
        "2022-04,82,16,2,9\n",
        "levada_putin_approval",
    )
    assert result.polls.index.tolist() == [2, 3]
    assert [r["line_number"] for r in result.rejects.to_dict("records")] == [4]


def test_a_stray_delimiter_in_one_row_of_a_file_without_trailing_ones_is_a_ragged_row():
    """An unquoted '1,032' moved the row's cells right, and its empty last cell made the surplus
    look like Excel's trailing delimiter: three wrong values were said instead."""
    result = mapped(
        "Date,N,Approve,Disapprove,No_answer\n2022-02,1600,71,27,2\n2022-03,1,032,83,15,\n"
        "2022-04,1600,82,16,2\n",
        "levada_putin_approval",
    )
    assert result.polls.index.tolist() == [2, 4]
    assert [(r["line_number"], r["rule"]) for r in result.rejects.to_dict("records")] == [
        (3, "wrong_field_count")
    ]


def test_rows_without_any_share_are_skipped_where_the_layout_says_so():
    result = mapped(
        "Date,Approve,Disapprove,hard_to_say\n2022-03-06,71,20,9\n2022-03-13,NA,NA,NA\n"
        "2022-03-20, , - ,\n2022-03-27,70,,\n",
        "fom_putin_approval",
    )
    assert result.polls.index.tolist() == [2, 5]
    assert result.rows_skipped == 2
    assert result.rejects.empty
    assert any("skipped 2 row(s) with no shares" in w and "3, 4" in w for w in result.warnings)


def test_rows_without_shares_are_kept_for_the_model_where_the_layout_does_not_skip():
    result = mapped(
        f"{COMPILED_HEADER}\nPutin,RU,Levada,approval,2022-02,,,,,\n", "leader_polls_compiled"
    )
    assert result.polls.index.tolist() == [2] and result.rows_skipped == 0
    assert pd.isna(result.polls.loc[2, "positive_pct"])


def test_a_source_with_its_own_ids_keys_polls_by_them():
    result = mapped(
        f"{FTE_HEADER}\n77,123,Biden,YouGov,lv,Online,1/5/21,1/7/21,55,40,1500\n",
        "fte_approval_polls",
    )
    assert result.polls.loc[2, "poll_key"] == "538-77-123-lv"


def test_a_source_without_ids_gets_the_same_derived_key_for_the_same_poll():
    text = "Date,Approve,Disapprove,No_answer\n2022-02-01,71,27,2\n2022-03-01,83,15,2\n"
    first = mapped(text, "levada_putin_approval").polls["poll_key"]
    again = mapped(text.replace("2022-02-01", "2022-02-15"), "levada_putin_approval")
    assert first.str.startswith("pw-").all() and first.nunique() == 2
    assert again.polls["poll_key"].tolist() == first.tolist()


def test_columns_the_layout_does_not_know_are_named_in_a_warning():
    result = mapped(
        "Date,Approve,Disapprove,No_answer,source,wave,region\n2022-02,71,27,2,x,3,all\n",
        "levada_putin_approval",
    )
    assert result.warnings == [
        "ignored columns not in the levada_putin_approval layout: wave, region"
    ]


def test_a_row_filter_compares_whole_numbers_digit_by_digit_and_the_rest_as_text():
    """A filter's 1 keeps "01" and "1.0"; a float compared "12345678901234567" and
    "...568" equal, and "2022.1" (January's wave) kept "2022.10" (October's)."""
    cells = pd.Series(["01", "1.0", "-0", "12345678901234568", "2022.10", "2022.1", None])
    kept = among(cells, frozenset({"1", "0", "12345678901234567", "2022.1"}))
    assert kept.tolist() == [True, True, True, False, False, True, False]
