"""Every rule of the canonical poll record, each broken on its own row.

A rejected row must be reported with its source line, the column to fix, the rule's name and the
value found, while the valid rows of the same file go on.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from pollwatch.map.aliases import load_aliases
from pollwatch.map.layout_files import load_layouts
from pollwatch.map.mapping import map_rows
from pollwatch.read.cells import parse_csv_text
from pollwatch.validate.checks import check_rows
from schemas.columns import CANONICAL_COLUMNS, REQUIRED_COLUMNS
from tests.helpers import poll_row


def check(rows: list[dict[str, str]], columns: list[str] | None = None):
    handle = io.StringIO()
    writer = csv.DictWriter(handle, columns or list(CANONICAL_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    raw = parse_csv_text(handle.getvalue())
    return check_rows(map_rows(raw, load_layouts()["canonical"], load_aliases()))


def only_reject(rows):
    checked = check(rows)
    assert len(checked.rejects) == 1, checked.rejects
    return checked.rejects.iloc[0].to_dict()


def test_a_valid_row_passes_with_its_values_typed():
    checked = check([poll_row()])
    assert checked.rejects.empty
    row = checked.polls.iloc[0]
    assert row["positive_pct"] == 71.0
    assert row["fieldwork_start"] == pd.Timestamp("2022-02-17")
    assert row["sample_size"] == 1600
    assert row["tracking"] is False or row["tracking"] == False  # noqa: E712 (numpy bool)
    assert checked.polls.index.tolist() == [2]


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("positive_pct", "101", "in_range(0, 100)"),
        ("positive_pct", "-1", "in_range(0, 100)"),
        ("negative_pct", "140", "in_range(0, 100)"),
        ("undecided_pct", "-0.5", "in_range(0, 100)"),
        ("sample_size", "-5", "greater_than(0)"),
        ("sample_size", "-5", "greater_than(0)"),  # 0 is no size given (values)
        ("country", "XX", "iso_3166_alpha2_country"),
        ("country", "Russia", "iso_3166_alpha2_country"),
        ("metric", "telepathy", "known_metric"),
        ("population", "martians", "known_population"),
        ("mode", "carrier_pigeon", "known_mode"),
        ("positive_pct", "seventy", "not_a_number"),
        ("sample_size", "1,5OO", "not_a_number"),
        ("fieldwork_start", "yesterday", "not_a_date"),
        ("tracking", "maybe", "not_true_or_false"),
        ("fieldwork_start", "1899-12-31", "fieldwork_after_1900"),
    ],
)
def test_a_value_that_breaks_a_column_rule_is_rejected_with_line_column_and_value(
    field, value, rule
):
    overrides = {field: value}
    if field == "fieldwork_start":
        overrides["fieldwork_end"] = "2022-02-21"
    if field.endswith("_pct"):  # keep the sum of shares out of it
        overrides = {"positive_pct": "50", "negative_pct": "", "undecided_pct": ""} | overrides
    checked = check([poll_row(), poll_row(**overrides, poll_key="bad")])
    assert checked.polls["poll_key"].tolist() != ["bad"] and len(checked.polls) == 1
    rejects = checked.rejects.to_dict("records")
    assert {"line_number": 3, "column": field, "rule": rule, "value": value} in rejects


@pytest.mark.parametrize(
    "field", ["pollster", "leader", "country", "metric", "positive_pct", "fieldwork_start"]
)
def test_an_empty_required_value_is_rejected(field):
    overrides = {field: "", "poll_key": "k"}
    if field == "fieldwork_start":
        overrides["fieldwork_end"] = ""
    checked = check([poll_row(**overrides)])
    assert checked.polls.empty
    # The positive share's is named for what it means (ingest/test_ingest.py tells its message).
    rule = "positive_share_required" if field == "positive_pct" else "not_nullable"
    assert (field, rule) in set(
        zip(checked.rejects["column"], checked.rejects["rule"], strict=True)
    )


def test_fieldwork_ending_before_it_starts_is_rejected():
    reject = only_reject(
        [poll_row(fieldwork_start="2022-03-10", fieldwork_end="2022-03-01", published="")]
    )
    assert reject["rule"] == "fieldwork_end_not_before_start"
    assert reject["column"] == "fieldwork_end"
    assert reject["value"] == "fieldwork_start=2022-03-10, fieldwork_end=2022-03-01"


def test_publication_before_fieldwork_ended_is_rejected():
    reject = only_reject([poll_row(published="2022-02-20")])
    assert reject["rule"] == "published_not_before_fieldwork_end"
    assert reject["column"] == "published"


def test_fieldwork_in_the_future_is_rejected():
    next_year = pd.Timestamp.now().year + 1
    reject = only_reject(
        [
            poll_row(
                fieldwork_start=f"{next_year}-01-01",
                fieldwork_end=f"{next_year}-01-05",
                published="",
            )
        ]
    )
    assert reject["rule"] == "fieldwork_end_not_in_future"


@pytest.mark.parametrize(
    ("shares", "ok"),
    [
        (("79", "11", "11"), True),  # FOM: 101, rounding
        (("50", "50", "1.5"), True),
        (("60", "40", "2"), False),
        (("91", "12", ""), False),
    ],
)
def test_shares_may_exceed_100_only_by_rounding(shares, ok):
    positive, negative, undecided = shares
    checked = check(
        [poll_row(positive_pct=positive, negative_pct=negative, undecided_pct=undecided)]
    )
    if ok:
        assert checked.rejects.empty
    else:
        assert checked.rejects["rule"].tolist() == ["shares_sum_at_most_100"]
        assert checked.rejects["column"].tolist() == ["positive_pct+negative_pct+undecided_pct"]


def test_every_broken_rule_of_a_row_is_reported_and_the_good_rows_survive():
    rows = [
        poll_row(poll_key="a"),
        poll_row(
            poll_key="b", country="XX", positive_pct="80", negative_pct="30", sample_size="-3"
        ),
        poll_row(poll_key="c"),
    ]
    checked = check(rows)
    assert checked.polls["poll_key"].tolist() == ["a", "c"]
    assert set(checked.rejects["rule"]) == {
        "iso_3166_alpha2_country",
        "greater_than(0)",
        "shares_sum_at_most_100",
    }
    assert set(checked.rejects["line_number"]) == {3}


def test_a_share_out_of_range_is_not_reported_again_as_a_bad_sum():
    reject = only_reject([poll_row(positive_pct="140")])
    assert (reject["column"], reject["rule"]) == ("positive_pct", "in_range(0, 100)")


def test_a_cell_that_does_not_parse_is_reported_once_not_again_as_missing():
    checked = check([poll_row(positive_pct="n.a.x")])
    assert checked.rejects[["column", "rule"]].values.tolist() == [["positive_pct", "not_a_number"]]


def test_line_numbers_count_physical_lines_across_quoted_newlines():
    rows = [
        poll_row(poll_key="a", notes="first line\nsecond line"),
        poll_row(poll_key="b", country="XX"),
    ]
    checked = check(rows)
    assert checked.polls.index.tolist() == [2]
    assert checked.rejects["line_number"].tolist() == [4]


def test_a_month_only_fieldwork_spans_the_whole_month():
    checked = check([poll_row(fieldwork_start="2022-02", fieldwork_end="", published="")])
    row = checked.polls.iloc[0]
    assert (row["fieldwork_start"], row["fieldwork_end"]) == (
        pd.Timestamp("2022-02-01"),
        pd.Timestamp("2022-02-28"),
    )


def test_optional_columns_may_be_absent_and_take_their_defaults():
    checked = check([poll_row()], columns=list(REQUIRED_COLUMNS))
    row = checked.polls.iloc[0]
    assert checked.rejects.empty
    assert (row["population"], row["mode"], bool(row["tracking"])) == ("unknown", "unknown", False)
    assert row["poll_key"].startswith("pw-")


def test_categories_and_countries_are_read_in_any_case_and_spacing():
    checked = check([poll_row(country=" ru ", mode="Face-to-face", metric="Approval")])
    row = checked.polls.iloc[0]
    assert (row["country"], row["mode"], row["metric"]) == ("RU", "face_to_face", "approval")


def test_the_same_poll_twice_with_the_same_values_is_kept_once():
    checked = check([poll_row(), poll_row()])
    assert len(checked.polls) == 1
    assert checked.rows_duplicate == 1
    assert checked.rejects.empty
    assert any("line 3 repeats" in w for w in checked.warnings)


def test_the_same_poll_twice_with_different_values_rejects_both():
    checked = check(
        [
            poll_row(poll_key="k"),
            poll_row(poll_key="k", positive_pct="70"),
            poll_row(poll_key="other"),
        ]
    )
    assert checked.polls["poll_key"].tolist() == ["other"]
    assert checked.rejects["line_number"].tolist() == [2, 3]
    assert set(checked.rejects["rule"]) == {"same_poll_key_different_values"}
    assert set(checked.rejects["column"]) == {"positive_pct"}


def test_derived_poll_keys_are_stable_and_tell_polls_apart():
    first = check([poll_row(), poll_row(leader="Volodymyr Zelensky", country="UA")]).polls
    again = check([poll_row()]).polls
    assert first["poll_key"].nunique() == 2
    assert first["poll_key"].iloc[0] == again["poll_key"].iloc[0]
