"""Checking mapped rows: a poll repeated exactly is stored once with a warning, one poll key with
two sets of values rejects both rows, every reject names the line, the file's own column and the
text as written there, and checking files in one batch rejects exactly what checking each alone
does."""

from __future__ import annotations

import pandas as pd

from pollwatch.map.aliases import load_aliases
from pollwatch.map.layout_files import load_layouts
from pollwatch.map.mapping import Mapped, map_rows
from pollwatch.read.cells import parse_csv_text
from pollwatch.validate.checks import batch_frame, check_rows, implausible, validate_batch

FTE_HEADER = (
    "poll_id,question_id,politician,pollster,population,methodology,start_date,end_date,yes,no,"
    "sample_size"
)
FTE_ROW = "{id},10,Biden,YouGov,rv,Online,1/5/21,1/7/21,{yes},{no},{n}"
LEVADA_HEADER = "Date,Approve,Disapprove,No_answer"


def fte(*rows: dict) -> Mapped:
    lines = [FTE_ROW.format(**({"id": i, "yes": 55, "no": 40, "n": 1500} | r)) for i, r in rows]
    return mapped("\n".join([FTE_HEADER, *lines]) + "\n", "fte_approval_polls")


def mapped(text: str, layout: str) -> Mapped:
    return map_rows(parse_csv_text(text), load_layouts()[layout], load_aliases())


def records(rejects: pd.DataFrame) -> list[tuple]:
    return [tuple(r) for r in rejects[["line_number", "column", "rule", "value"]].to_numpy()]


def test_clean_rows_pass_untouched_and_keep_their_lines():
    checked = check_rows(fte((1, {}), (2, {"yes": 60})))
    assert checked.rejects.empty
    assert checked.polls.index.tolist() == [2, 3]
    assert checked.polls["positive_pct"].tolist() == [55, 60]
    assert (checked.rows_duplicate, checked.warnings) == (0, [])


def test_an_exact_repeat_is_stored_once_with_a_warning_naming_its_line():
    checked = check_rows(fte((1, {}), (2, {}), (1, {})))
    assert checked.polls.index.tolist() == [2, 3]
    assert checked.polls["poll_key"].tolist() == ["538-1-10-rv", "538-2-10-rv"]
    assert checked.rows_duplicate == 1
    assert checked.rejects.empty
    assert checked.warnings == ["line 4 repeats an earlier row exactly; the poll is stored once"]


def test_several_exact_repeats_are_named_together():
    checked = check_rows(fte((1, {}), (1, {}), (1, {}), (2, {})))
    assert checked.polls.index.tolist() == [2, 5]
    assert checked.rows_duplicate == 2
    assert checked.warnings == ["lines 3, 4 repeat earlier rows exactly; each poll is stored once"]


def test_one_poll_key_with_different_values_rejects_both_rows():
    checked = check_rows(fte((1, {}), (2, {}), (1, {"yes": 56, "no": 41})))
    assert checked.polls.index.tolist() == [3]
    assert records(checked.rejects) == [
        (2, "yes,no", "same_poll_key_different_values", "poll_key 538-1-10-rv on lines 2, 4"),
        (4, "yes,no", "same_poll_key_different_values", "poll_key 538-1-10-rv on lines 2, 4"),
    ]


def test_a_key_given_different_values_on_many_lines_names_how_many_and_the_first():
    """Every reject of a key on thousands of lines quoted all their numbers, cut off after 300
    characters with the length of the rest ("(128,938 characters)"), not how many there were."""
    checked = check_rows(fte(*((1, {"n": 1000 + n}) for n in range(2000))))
    assert checked.polls.empty and len(checked.rejects) == 2000
    [reason] = set(checked.rejects["value"])
    assert reason == "poll_key 538-1-10-rv on 2,000 lines: 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 ..."


def test_a_repeat_of_a_conflicting_row_does_not_save_either_value():
    checked = check_rows(fte((1, {}), (1, {}), (1, {"yes": 56})))
    assert checked.polls.empty
    assert checked.rejects["line_number"].tolist() == [2, 4]
    assert set(checked.rejects["rule"]) == {"same_poll_key_different_values"}
    assert checked.rows_duplicate == 1


def test_a_model_reject_names_the_file_s_column_and_quotes_the_cell_as_written():
    checked = check_rows(fte((1, {}), (2, {"yes": " 140 %", "no": ""}), (3, {"n": "-3"})))
    assert checked.polls.index.tolist() == [2]
    assert records(checked.rejects) == [
        (3, "yes", "in_range(0, 100)", " 140 %"),
        (4, "sample_size", "greater_than(0)", "-3"),
    ]


def test_a_cell_that_did_not_parse_is_rejected_once_under_the_file_s_column():
    checked = check_rows(fte((1, {"yes": "5x"})))
    assert records(checked.rejects) == [(2, "yes", "not_a_number", "5x")]
    assert checked.polls.empty


def test_a_row_rule_names_every_file_column_it_involves_as_the_file_does():
    """The reject named the file's columns but showed the canonical ones' values, and one the
    file does not have: 'positive_pct=70, negative_pct=40, undecided_pct='."""
    checked = check_rows(fte((1, {"yes": 70, "no": 40})))
    [reject] = checked.rejects.to_dict("records")
    assert (reject["line_number"], reject["column"], reject["rule"]) == (
        2,
        "yes+no",  # the file has no undecided column
        "shares_sum_at_most_100",
    )
    assert reject["value"] == "yes=70, no=40"


def test_rejects_are_ordered_by_line_whatever_the_rule_that_found_them():
    checked = check_rows(fte((1, {"n": "-3"}), (2, {"yes": "x", "n": "-1"}), (3, {"no": "y"})))
    assert checked.rejects["line_number"].tolist() == [2, 3, 3, 4]
    assert set(map(tuple, checked.rejects[["line_number", "column"]].values.tolist())) == {
        (2, "sample_size"),
        (3, "sample_size"),
        (3, "yes"),
        (4, "no"),
    }


def test_a_ragged_row_stays_a_reject_without_a_column():
    checked = check_rows(
        mapped(f"{LEVADA_HEADER}\n2022-02,71,27,2\n2022-03,83\n", "levada_putin_approval")
    )
    assert records(checked.rejects) == [
        (3, "", "wrong_field_count", "2 fields where the header has 4")
    ]
    assert checked.polls.index.tolist() == [2]


def test_a_batch_rejects_in_each_file_exactly_what_checking_it_alone_does():
    files = [
        fte((1, {}), (2, {"yes": 140, "no": ""}), (1, {"yes": 56}), (4, {"n": "-3"})),
        mapped(f"{LEVADA_HEADER}\n2022-02,71,27,2\n2022-03,183,15,2\n", "levada_putin_approval"),
        fte((7, {}), (8, {})),
        mapped(
            f"{LEVADA_HEADER}\n2022-02,71,27,2\n2022-03,83,15,2\n2022-03,83,15,2\n2022-02,1,2,3\n",
            "levada_putin_approval",
        ),
    ]
    found = validate_batch(files)
    noted = implausible(batch_frame(files), len(files), found)
    assert len(found) == len(noted) == len(files)
    for one, its_own, its_notes in zip(files, found, noted, strict=True):
        together, alone = check_rows(one, its_own, its_notes), check_rows(one)
        pd.testing.assert_frame_equal(together.rejects, alone.rejects)
        pd.testing.assert_frame_equal(together.polls, alone.polls)
        assert together.warnings == alone.warnings
    assert [len(check_rows(f, r).rejects) for f, r in zip(files, found, strict=True)] == [
        4,
        1,
        0,
        2,
    ]


def test_a_batch_of_no_files_is_empty():
    assert validate_batch([]) == []


def test_a_batch_keeps_each_file_s_line_numbers():
    first = fte((1, {"n": "-3"}))
    second = fte((1, {}), (2, {}), (3, {"n": "-3"}))
    found = validate_batch([first, second])
    assert [f["line_number"].tolist() for f in found] == [[2], [4]]
