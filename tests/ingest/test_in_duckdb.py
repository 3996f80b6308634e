"""Big files are mapped and checked inside DuckDB: the rows stored and every reject must be what
the frame path gives for the same bytes, and a big drop must end as a small one would."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from pollwatch.ingest import file_mapping
from pollwatch.ingest.run import run_ingest
from pollwatch.map.mapping import Mapped
from pollwatch.validate.checks import check_rows
from tests.helpers import REAL, monthly_rows, poll_row, query, write_csv


def csv_bytes(rows: list[dict[str, str]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def messy_rows() -> list[dict[str, str]]:
    """Every kind of cell the frame path reads, good and bad, with repeats and a conflict."""
    rows = monthly_rows(12)
    rows[0].update(poll_key="k-1", fieldwork_start="24.03.2022", fieldwork_end="3/30/2022")
    rows[1].update(poll_key=" k-2 ", positive_pct="71,5", negative_pct="27 %", sample_size="1 600")
    rows[2].update(positive_pct="140", negative_pct="", undecided_pct="")  # out of range
    rows[3].update(fieldwork_start="2023-05", fieldwork_end="")  # a month: its end is filled in
    rows[4].update(fieldwork_end="2014-01-01")  # ends before it starts
    rows[5].update(country="XX", mode="Face-to-face", population="N/A")
    rows[6].update(sample_size="1600.5", tracking="maybe", published="2031-13-45")
    rows[3].update(sample_size="1.000")  # thousands with a dot
    rows[4].update(sample_size="nine hundred")
    rows[7].update(pollster="  Левада-Центр ", leader="Путин", positive_pct="abc")
    rows[8].update(poll_key="dup", positive_pct="60", negative_pct="30", undecided_pct="10")
    rows[9] = dict(rows[8])  # an exact repeat: stored once
    rows[10].update(poll_key="clash", positive_pct="55")
    rows[11] = dict(rows[10], positive_pct="56")  # one poll, two values: both rejected
    rows.append(poll_row(fieldwork_start="1 March 2022", fieldwork_end="марта 2022", notes="x"))
    rows.append(poll_row(pollster="", leader="   ", fieldwork_end="2099-01-01"))
    rows.append(poll_row(positive_pct="60", negative_pct="50", undecided_pct="5"))  # sum 115
    rows.append(poll_row(published="2022-02-01", sample_size="0", source_url="NULL"))
    return rows


def both_paths(monkeypatch, settings, data: bytes, layout: str | None = None):
    monkeypatch.setattr(file_mapping, "SQL_FROM_ROWS", 0)
    path = settings.inbox / "drop.csv"
    [framed] = file_mapping.map_files([(path, data)], settings, layout, in_duckdb=False).values()
    [in_duckdb] = file_mapping.map_files([(path, data)], settings, layout).values()
    assert isinstance(framed, Mapped) and isinstance(in_duckdb, tuple), "a path was not taken"
    return check_rows(framed), in_duckdb[1]


def stored(polls) -> list[tuple]:
    frame = polls.reset_index() if isinstance(polls, pd.DataFrame) else polls.to_pandas()
    frame = frame.sort_values("line_number", ignore_index=True)
    for name in ("fieldwork_start", "fieldwork_end", "published"):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[us]")
    return [
        tuple(None if pd.isna(v) else v for v in row)
        for row in frame.astype(object).itertuples(index=False)
    ]


def assert_same(framed, in_duckdb):
    assert stored(in_duckdb.polls) == stored(framed.polls)
    assert (
        in_duckdb.rejects.astype(str).values.tolist() == framed.rejects.astype(str).values.tolist()
    )
    assert (in_duckdb.warnings, in_duckdb.rows_duplicate) == (
        framed.warnings,
        framed.rows_duplicate,
    )


@pytest.mark.parametrize(
    ("delimiter", "encoding"), [(",", "utf-8"), (";", "cp1251"), ("\t", "utf-8-sig")]
)
def test_a_messy_canonical_file_gives_the_same_rows_and_rejects_both_ways(
    monkeypatch, settings, delimiter, encoding
):
    framed, in_duckdb = both_paths(
        monkeypatch, settings, csv_bytes(messy_rows(), delimiter, encoding)
    )
    assert len(framed.rejects) > 10 and len(framed.polls) >= 3  # the file tests something
    assert framed.rows_duplicate == 1 and "same_poll_key_different_values" in set(
        framed.rejects["rule"]
    )
    assert_same(framed, in_duckdb)


def test_a_publication_month_is_stored_as_a_month_both_ways(monkeypatch, settings):
    """A month of publication is stored as its last day, and said to be a month: a poll public
    on 4 March must not wait for the 31st in an average as it stood
    (model.publication.public_from)."""
    rows = monthly_rows(5)
    days = ["2022-03", "March 2022", "2022-03-04", "", "4 March 2022"]
    for i, (row, published) in enumerate(zip(rows, days, strict=True)):
        row.update(poll_key=f"p{i}", fieldwork_end="2022-02-27", published=published)
        row.update(fieldwork_start="2022-02-25")
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    assert_same(framed, in_duckdb)
    stored = framed.polls.sort_index()
    precision = stored["published_precision"].fillna("none").tolist()
    assert precision == ["month", "month", "day", "none", "day"]
    assert stored["published"].dt.strftime("%Y-%m-%d").tolist()[:3] == [
        "2022-03-31",
        "2022-03-31",
        "2022-03-04",
    ]


def test_a_publication_date_said_to_be_a_month_is_stored_as_a_month_both_ways(
    monkeypatch, settings
):
    """pollwatch's export writes a month of publication as its last day and says 'month' in
    published_precision: read back, it is that month, not a day published weeks late."""
    said = [  # published, published_precision -> stored published, precision
        ("2022-03-31", "month", "2022-03-31", "month"),
        ("2022-03-15", " Month ", "2022-03-31", "month"),
        ("2022-03-04", "day", "2022-03-04", "day"),
        ("2022-03-04", "", "2022-03-04", "day"),
        ("2022-03", "day", "2022-03-31", "month"),  # the date itself says it is a month
        ("", "month", None, None),
    ]
    rows = monthly_rows(len(said))
    for i, (row, (published, precision, _, _)) in enumerate(zip(rows, said, strict=True)):
        row.update(fieldwork_start="2022-02-25", fieldwork_end="2022-02-27", poll_key=f"p{i}")
        row.update(published=published, published_precision=precision)
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    assert_same(framed, in_duckdb)
    stored = framed.polls.sort_index()
    assert stored["published"].dt.strftime("%Y-%m-%d").replace({pd.NA: None}).tolist() == [
        s[2] for s in said
    ]
    assert stored["published_precision"].replace({pd.NA: None}).tolist() == [s[3] for s in said]
    assert not framed.warnings  # a column of the canonical layout, not an ignored one


def test_text_a_csv_export_made_inert_is_read_as_it_was_both_ways(monkeypatch, settings):
    """pollwatch's CSV export writes `@FOM` as `'@FOM`: read back, the apostrophe is no part of
    the text; one before anything else is."""
    written = ["'@FOM", "'=Ministry", "'+3 since February", "'-2 points", "'quoted'", "it's"]
    rows = [
        poll_row(poll_key=f"k{i}", sponsor=text, notes=text, source_url=text)
        for i, text in enumerate(written)
    ]
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    assert_same(framed, in_duckdb)
    read = ["@FOM", "=Ministry", "+3 since February", "-2 points", "'quoted'", "it's"]
    stored = framed.polls.sort_index()
    for name in ("sponsor", "notes", "source_url"):
        assert stored[name].tolist() == read


def test_a_month_s_poll_reported_inside_its_month_is_stored_both_ways(monkeypatch, settings):
    """Levada publishes its monthly poll in the month's last week: a source giving the fieldwork
    as the month alone and the report's day ("2022-04", published 2022-04-28) lost the poll as
    published_not_before_fieldwork_end, the month's last day being pollwatch's reading of the
    month. A poll with its exact days, or reported before its month began, still is refused."""
    cases = [  # fieldwork start, end, published; stored?
        ("2022-03", "", "2022-03-31", True),
        ("2022-04", "", "2022-04-28", True),
        ("May 2022", "", "10.05.2022", True),
        ("2022-06", "2022-06", "2022-06-01", True),
        ("2022-07-04", "2022-07-20", "2022-07-15", False),  # its own days: the report came first
        ("2022-08", "", "2022-07-29", False),  # before its month
        ("2022-09-01", "2022-09-30", "2022-09-20", True),  # a month written as days is a month
    ]
    rows = [
        poll_row(poll_key=f"m{i}", fieldwork_start=start, fieldwork_end=end, published=published)
        for i, (start, end, published, _) in enumerate(cases)
    ]
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    assert_same(framed, in_duckdb)
    assert sorted(framed.polls["poll_key"]) == [f"m{i}" for i, c in enumerate(cases) if c[3]]
    assert set(framed.rejects["rule"]) == {"published_not_before_fieldwork_end"}


def test_a_sample_written_with_its_population_gives_both_the_same_both_ways(monkeypatch, settings):
    """Poll tables write '1,500 LV' in one cell (RealClearPolitics, Wikipedia; YouGov '1,578
    U.S. adult citizens'): the sample is the number and the population the words, unless the
    row gives its own population. Each such row was rejected as not_a_number."""
    cells = [
        ("1,500 LV", ""),
        ("1000 RV", "adults"),  # the row's own population stands
        ("800 (A)", "N/A"),
        ("n=1,012", ""),
        ("2202.5 rv", ""),
        ("950 V", ""),
        ("1,000 (est.)", ""),  # words naming no population: still not a number
        ("1,200 rv", "Registered voters"),  # the two agree: nothing to say
        ("1,578 U.S. adult citizens", ""),
        ("1,200 Adults 18+[c]", ""),  # a reference mark copied from Wikipedia
        ("1600", ""),
    ]
    rows = [
        poll_row(
            sample_size=sample,
            population=population,
            fieldwork_start=f"2022-02-{10 + i}",
            fieldwork_end=f"2022-02-{10 + i}",
        )
        for i, (sample, population) in enumerate(cells)
    ]
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    polls = framed.polls.sort_index()
    assert polls["sample_size"].tolist() == [
        1500,
        1000,
        800,
        1012,
        2202.5,
        950,
        1200,
        1578,
        1200,
        1600,
    ]
    assert polls["population"].tolist() == [
        "likely_voters",
        "adults",
        "adults",
        "unknown",  # no population anywhere in the row
        "registered_voters",
        "voters",
        "registered_voters",
        "adults",
        "adults",
        "unknown",
    ]
    assert framed.rejects[["column", "rule", "value"]].values.tolist() == [
        ["sample_size", "not_a_number", "1,000 (est.)"]
    ]
    second_row = framed.polls.sort_index().index[1]
    assert [w for w in framed.warnings if "another population" in w] == [
        "1 row(s) whose sample cell names another population than the population column"
        f" (line {second_row}: registered_voters by the sample, adults by the column);"
        f" the column's was kept: line(s) {second_row}"
    ]
    assert_same(framed, in_duckdb)


def test_a_sample_written_with_what_it_counted_is_its_number_both_ways(monkeypatch, settings):
    """'1,000 respondents', '~1,000', 'approx. 1000', '1000*' and '1000 répondants' each
    rejected a poll (not_a_number), for a figure that only weighs it in the average."""
    cells = [
        "1,000 respondents",
        "1000 people",
        "~1,000",
        "approx. 1000",
        "1000*",
        "1000 répondants",
        "n = 800 interviews",
        "1 600 человек",
        "1,000 LV respondents",  # with a population: the row's own population still stands
        "1,000 respondents (LV)",
        "1000* RV",
        "0",  # how some tables write a size they do not know: the poll, with none
        "one thousand",  # a number in words: still not a number
    ]
    rows = [
        poll_row(
            sample_size=sample,
            fieldwork_start=f"2022-02-{10 + i}",
            fieldwork_end=f"2022-02-{10 + i}",
        )
        for i, sample in enumerate(cells)
    ]
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    assert framed.polls.sort_index()["sample_size"].fillna(-1).tolist() == [
        1000,
        1000,
        1000,
        1000,
        1000,
        1000,
        800,
        1600,
        1000,
        1000,
        1000,
        -1,
    ]
    assert framed.rejects[["column", "rule", "value"]].values.tolist() == [
        ["sample_size", "not_a_number", "one thousand"]
    ]
    assert_same(framed, in_duckdb)


def test_a_name_given_as_a_link_is_the_link_s_text_both_ways(monkeypatch, settings):
    """Silver Bulletin's Datawrapper table names each poll's pollster as a link to its rating:
    each link differed, so each poll was a pollster of its own, with a lean of its own."""
    link = "<a href='https://www.natesilver.net/p/pollster-ratings#{}'>Trafalgar Group</a>"
    rows = [
        poll_row(pollster=link.format(i), poll_key=f"t{i}", fieldwork_start=f"2022-02-1{i}",
                 fieldwork_end=f"2022-02-1{i}")
        for i in range(3)
    ] + [poll_row(pollster="P <img src=x>", poll_key="markup")]  # fmt: skip
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    assert sorted(set(framed.polls["pollster"])) == ["P <img src=x>", "Trafalgar Group"]
    assert framed.rejects.empty
    assert_same(framed, in_duckdb)


def office_layout(settings, name: str, terms: str) -> None:
    """A layout of NHK's cabinet approval by date, naming the leader by `terms` of office."""
    settings.local_layouts.mkdir()
    (settings.local_layouts / f"{name}.toml").write_text(
        f'name = "{name}"\nby_header = false\n[columns]\nfieldwork_start = "date"\n'
        'fieldwork_end = "date"\npositive_pct = "approve"\n[constants]\npollster = "NHK"\n'
        'country = "JP"\nmetric = "approval"\n' + terms,
        encoding="utf-8",
    )


def test_a_date_in_no_term_of_office_is_said_so_both_ways(monkeypatch, settings):
    """A layout naming the leader by its [[leader_by_date]] terms alone: a row outside every
    term was "column leader: not_nullable (value '')", of a file with no leader column."""
    office_layout(
        settings,
        "cabinet",
        '[[leader_by_date]]\nleader = "Naoto Kan"\nfrom = "2010-06-08"\nuntil = "2011-09-02"\n',
    )
    data = b"date,approve\n2010-09-18,65\n2012-01-10,30\n"
    framed, in_duckdb = both_paths(monkeypatch, settings, data, "cabinet")
    for checked in (framed, in_duckdb):
        assert checked.rejects[["column", "rule"]].values.tolist() == [
            ["date", "fieldwork_in_no_leader_by_date_term"]
        ]
    assert_same(framed, in_duckdb)


def test_a_date_in_no_term_names_the_file_s_end_column_and_the_day(monkeypatch, settings):
    """Gallup's presidential approval back to 1945 (peytonl7/cs229-final-project,
    data/labels/gallup_pres_approval.csv), read with terms from Obama on: its 1953 rows were
    each "column leader: fieldwork_in_no_leader_by_date_term (value '')", naming a column the
    file does not have and no day, so the reader could not tell which date fell outside."""
    office_layout(
        settings,
        "gallup_pres",
        '[[leader_by_date]]\nleader = "Barack Obama"\nfrom = "2009-01-20"\n',
    )
    text = (settings.local_layouts / "gallup_pres.toml").read_text(encoding="utf-8")
    text = text.replace('fieldwork_start = "date"', 'fieldwork_start = "Start"')
    text = text.replace('fieldwork_end = "date"', 'fieldwork_end = "End"')
    text = text.replace('positive_pct = "approve"', 'positive_pct = "Approve"')
    (settings.local_layouts / "gallup_pres.toml").write_text(text, encoding="utf-8")
    data = b"Start,End,Approve\n12/19/2016,12/25/2016,56\n05/09/1953,05/14/1953,74\n"
    framed, in_duckdb = both_paths(monkeypatch, settings, data, "gallup_pres")
    for checked in (framed, in_duckdb):
        assert checked.rejects[["line_number", "column", "rule", "value"]].values.tolist() == [
            [3, "End", "fieldwork_in_no_leader_by_date_term", "1953-05-14"]
        ]
    assert_same(framed, in_duckdb)


def test_a_hand_over_day_is_the_new_holder_s_however_the_terms_are_listed(monkeypatch, settings):
    """Terms were applied in the order the file lists them, the last listed winning: a poll
    ending on the day one prime minister hands over went to whichever came last in the file."""
    office_layout(
        settings,
        "cabinet",
        '[[leader_by_date]]\nleader = "Yoshihiko Noda"\nfrom = "2011-09-02"\n'
        '[[leader_by_date]]\nleader = "Naoto Kan"\nfrom = "2010-06-08"\nuntil = "2011-09-02"\n',
    )
    data = b"date,approve\n2011-08-20,18\n2011-09-02,60\n2011-10-10,55\n"
    framed, in_duckdb = both_paths(monkeypatch, settings, data, "cabinet")
    leaders = framed.polls.sort_values("fieldwork_end")["leader"].tolist()
    assert leaders == ["Naoto Kan", "Yoshihiko Noda", "Yoshihiko Noda"]
    assert_same(framed, in_duckdb)


def test_open_terms_hold_until_the_next_begins_and_an_interlude_inside_one(monkeypatch, settings):
    """Terms with no `until` hold until a later one begins (this once was refused as an overlap
    running to 2262); a term with an `until` inside an open one is an interlude, after which the
    open term's holder is back, as VTsIOM's Medvedev inside Putin's years."""
    office_layout(
        settings,
        "office",
        '[[leader_by_date]]\nleader = "C"\nfrom = "2012-05-07"\nuntil = "2013-01-01"\n'
        '[[leader_by_date]]\nleader = "B"\nfrom = "2008-05-07"\n'
        '[[leader_by_date]]\nleader = "A"\nfrom = "1940-01-01"\n',
    )
    data = b"date,approve\n2000-01-10,50\n2010-01-10,51\n2012-06-10,52\n2014-01-10,53\n"
    framed, in_duckdb = both_paths(monkeypatch, settings, data, "office")
    leaders = framed.polls.sort_values("fieldwork_end")["leader"].tolist()
    assert leaders == ["A", "B", "C", "B"]
    assert_same(framed, in_duckdb)


def test_a_row_of_the_table_s_average_is_not_a_poll_both_ways(monkeypatch, settings):
    """RealClearPolitics' table opens with its 'RCP Average' row, which was stored as a poll
    and counted in our average."""
    rows = [
        poll_row(pollster="RCP Average", poll_key="avg"),
        poll_row(pollster="Ipsos", poll_key="ipsos"),
        poll_row(pollster="Moyenne des sondages", poll_key="moyenne"),
        poll_row(pollster="Averages Research", poll_key="firm"),  # a firm's name, not an average
        *[
            poll_row(pollster=name, poll_key=name)
            for name in ("Poll of polls", "Mean", "Средняя", "平均", "Aggregate", "Sondage Média")
        ],
    ]
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    assert sorted(framed.polls["pollster"]) == ["Averages Research", "Ipsos", "Sondage Média"]
    assert framed.rejects[["column", "rule", "value"]].values.tolist() == [
        ["pollster", "an_average_not_a_poll", "RCP Average"],
        ["pollster", "an_average_not_a_poll", "Moyenne des sondages"],
        *[
            ["pollster", "an_average_not_a_poll", name]
            for name in ("Poll of polls", "Mean", "Средняя", "平均", "Aggregate")
        ],
    ]
    assert_same(framed, in_duckdb)


def test_a_dot_after_three_digits_of_a_sample_is_a_decimal_point_both_ways(monkeypatch, settings):
    """'999.125' and '850.000', weighted sizes, were read as thousands: samples of 999,125 and
    850,000 stored without a word, weighing their polls a thousandfold. '1.600' and '12.500'
    are still thousands, as Russian and German tables write them."""
    cells = ["999.125", "850.000", "1.600", "12.500", "1.234.567", "1002.375"]
    rows = [
        poll_row(
            sample_size=size, fieldwork_start=f"2022-02-{10 + i}", fieldwork_end=f"2022-02-{10 + i}"
        )
        for i, size in enumerate(cells)
    ]
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    sizes = framed.polls.sort_index()["sample_size"].tolist()
    assert sizes == [999.125, 850, 1600, 12500, 1234567, 1002.375]
    assert_same(framed, in_duckdb)


def test_a_sample_cell_of_a_population_alone_is_that_population_and_no_size_both_ways(
    monkeypatch, settings
):
    """RealClearPolitics writes 'RV' where it gives no size: the CNN and Pew polls of its table
    were rejected (not_a_number). They are polls of that population, with no size."""
    cells = ["RV", "LV", "(A)", "Registered voters", "RV 1,200", "LV: 900", "est."]
    rows = [
        poll_row(
            sample_size=sample,
            population="",
            fieldwork_start=f"2022-02-{10 + i}",
            fieldwork_end=f"2022-02-{10 + i}",
        )
        for i, sample in enumerate(cells)
    ]
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    polls = framed.polls.sort_index()
    assert polls["sample_size"].fillna(-1).tolist() == [-1, -1, -1, -1, 1200, 900]
    assert polls["population"].tolist() == [
        "registered_voters",
        "likely_voters",
        "adults",
        "registered_voters",
        "registered_voters",  # the population written first, then the number
        "likely_voters",
    ]
    assert framed.rejects[["column", "rule", "value"]].values.tolist() == [
        ["sample_size", "not_a_number", "est."]
    ]
    assert_same(framed, in_duckdb)


def test_wikipedia_s_reference_marks_are_not_part_of_a_cell_both_ways(monkeypatch, settings):
    """A table copied from Wikipedia keeps its reference marks: 'Gallup[20]' beside 'Gallup' was
    a second pollster (and the same poll from two tables two polls); '47%[a]' was not a
    number and '2022-02-21[b]' not a date."""
    rows = [
        poll_row(pollster="Gallup", poll_key="g1"),
        poll_row(
            pollster="Gallup[20]",
            leader="Vladimir Putin[a]",
            positive_pct="47%[a]",
            sample_size="1,001[note 3]",
            fieldwork_end="2022-02-22[b]",
            poll_key="g2",
        ),
        poll_row(pollster="Gallup [12][13]", fieldwork_end="2022-02-23", poll_key="g3"),
        poll_row(pollster="Gallup[twenty]", fieldwork_end="2022-02-23", poll_key="g4"),
        poll_row(pollster="Ipsos [UK]", fieldwork_end="2022-02-23", poll_key="g5"),  # a name
        # RealClearPolitics marks its notes with asterisks: "RMG Research*" was a second firm
        poll_row(pollster="Gallup*", fieldwork_end="2022-02-24", poll_key="g6"),
        poll_row(
            pollster="Gallup **", positive_pct="47*", fieldwork_end="2022-02-24", poll_key="g7"
        ),
        poll_row(pollster="Gallup†", fieldwork_end="2022-02-23", poll_key="g8"),
    ]
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    polls = framed.polls.sort_index()
    assert polls["pollster"].tolist() == [
        "Gallup",
        "Gallup",
        "Gallup",
        "Gallup[twenty]",
        "Ipsos [UK]",
        "Gallup",
        "Gallup",
        "Gallup",
    ]
    assert polls["leader"].tolist() == ["Vladimir Putin"] * 8
    assert polls["positive_pct"].tolist()[1] == 47 and polls["sample_size"].tolist()[1] == 1001
    assert str(polls["fieldwork_end"].tolist()[1].date()) == "2022-02-22"
    assert framed.rejects.empty
    assert_same(framed, in_duckdb)


def test_rows_without_a_poll_key_get_the_same_derived_key_both_ways(monkeypatch, settings):
    rows = [
        poll_row(
            pollster=p, fieldwork_start=f"2022-0{m}-01", fieldwork_end=f"2022-0{m}-20", published=""
        )
        for p in ("FOM", "ВЦИОМ")
        for m in (1, 2, 3)
    ]
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    keys = [row[list(framed.polls.columns).index("poll_key") + 1] for row in stored(framed.polls)]
    assert all(key.startswith("pw-") for key in keys) and len(set(keys)) == 6
    assert_same(framed, in_duckdb)


def test_a_new_name_written_several_ways_is_its_first_line_s_spelling_both_ways(
    monkeypatch, settings
):
    """A name the alias table does not know is stored as the file first writes it: in DuckDB
    the spellings came in DISTINCT's order, and 'VERIAN' then 'Verian' was stored as 'verian'.
    A space between words is no more part of the name than case: a UK table's 'SavantaComRes'
    beside its 'Savanta ComRes' were two pollsters, each with its own house effect."""
    spellings = ["VERIAN", "Verian", "verian", "Cluster17", "CLUSTER17", "cluster17"]
    spellings += ["Savanta ComRes", "SavantaComRes", "Savanta-ComRes"]
    rows = [
        poll_row(
            pollster=spellings[i % len(spellings)],
            leader=["Gabriel ATTAL", "Gabriel Attal", "gabriel attal"][i % 3],
            poll_key=f"k{i}",
        )
        for i in range(300)
    ]
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    assert set(framed.polls["pollster"]) == {"VERIAN", "Cluster17", "Savanta ComRes"}
    assert set(framed.polls["leader"]) == {"Gabriel ATTAL"}
    assert_same(framed, in_duckdb)


@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("fte_president_approval_polls_biden_2023-01.csv", None),
        ("fte_president_approval_polls_2021-01_head3000.csv", None),
        ("pollsposition_popularite.csv", None),
    ],
)
def test_real_files_give_the_same_rows_both_ways(monkeypatch, settings, name, layout):
    framed, in_duckdb = both_paths(monkeypatch, settings, (REAL / name).read_bytes(), layout)
    assert len(framed.polls) > 250
    assert_same(framed, in_duckdb)


def test_538_methodologies_of_today_are_read_the_same_both_ways(monkeypatch, settings):
    """538's file as published since 2023: its methodology spellings were rejected, poll by
    poll; each is now read as a mode, on the frame path and in DuckDB alike."""
    text = (REAL / "fte_president_approval_polls_biden_2023-01.csv").read_text()
    header, *lines = text.splitlines()
    rows = list(csv.DictReader([header, *lines[:6]]))
    spelled = ["Online Panel", "Probability Panel", "Live Phone/Text-to-Web", "Mail-to-Web"]
    for row, methodology in zip(rows, [*spelled, "IVR/Online Panel", "App Panel"], strict=True):
        row["methodology"] = methodology
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    framed, in_duckdb = both_paths(monkeypatch, settings, out.getvalue().encode())
    assert_same(framed, in_duckdb)
    assert framed.rejects.empty
    modes = framed.polls.sort_index()["mode"].tolist()
    assert modes == ["online", "online", "mixed", "online", "mixed", "online"]


def test_a_big_drop_with_three_bad_rows_loads_the_rest_and_names_each_bad_line(settings):
    rows = [poll_row(poll_key=f"k{i}") for i in range(file_mapping.SQL_FROM_ROWS + 500)]
    rows[2].update(positive_pct="140", negative_pct="", undecided_pct="")  # line 4
    rows[9_000].update(fieldwork_end="2022-01-01")  # line 9,002: ends before it starts
    rows[-1]["country"] = "XX"  # the last line
    path = write_csv(settings.inbox / "big.csv", rows)
    [result] = run_ingest([], settings).files
    last = len(rows) + 1
    assert (result.status, result.rows_read, result.rows_loaded) == (
        "partial",
        len(rows),
        len(rows) - 3,
    )
    assert [(r["line"], r["column"], r["rule"]) for r in result.rejects] == [
        (4, "positive_pct", "in_range(0, 100)"),
        (9_002, "fieldwork_end", "fieldwork_end_not_before_start"),
        (last, "country", "iso_3166_alpha2_country"),
    ]
    assert not path.exists() and (settings.quarantine / "big.csv").exists()
    lines = query(
        settings,
        "SELECT min(line_number) AS first, max(line_number) AS last, count(*) AS n FROM polls",
    )
    assert lines.values.tolist() == [[2, last - 1, len(rows) - 3]]


@pytest.mark.parametrize("filled", ["pollster", "metric"])
def test_a_last_row_of_one_word_is_a_row_and_the_file_still_read_in_duckdb(
    monkeypatch, settings, filled
):
    """A last row whose one filled cell is a word, padded to the header's width, is no note (the
    record-by-record reader keeps it as a row): the fast reader read such a file all the same,
    not leaving it to that reader (a 1,000,000-row file ending so took 2.5 times as long and
    four times the memory)."""
    rows = monthly_rows(3)
    rows.append({name: "Levada" if name == filled else "" for name in rows[0]})
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    assert len(framed.polls) == 3 and set(framed.rejects["line_number"]) == {5}
    assert_same(framed, in_duckdb)


def test_rejects_name_the_column_as_the_file_spells_it_both_ways(monkeypatch, settings):
    """README: a reject names the file's own column. It named the one every step compares:
    `column positive_pct` for a file whose header says `Positive_Pct`, `cducsu` for `CDUCSU`;
    so did the warning naming the columns a layout does not read."""
    rows = [poll_row(positive_pct="abc", poll_key="k1"), poll_row(poll_key="k2")]
    header, *lines = csv_bytes(rows).decode("utf-8").splitlines()
    spelled = header.replace("positive_pct", "Positive_PCT").replace("pollster", "POLLSTER")
    data = "\n".join([f"{spelled},Moe_PCT", *(f"{line},3" for line in lines)]).encode()
    framed, in_duckdb = both_paths(monkeypatch, settings, data)
    assert framed.rejects[["column", "rule"]].values.tolist() == [["Positive_PCT", "not_a_number"]]
    assert "ignored column not in the canonical layout: Moe_PCT" in framed.warnings
    assert_same(framed, in_duckdb)


def test_an_export_s_spellings_as_written_are_read_the_same_both_ways(monkeypatch, settings):
    """pollwatch's export gives each poll's pollster and leader as its source wrote them: read
    back, a cell is that spelling (its inert mark gone), an empty one none, and a file without
    the columns its own spelling."""
    written = [("Левада-Центр", "Путин"), ("", ""), ("'@Home", "Putin"), ("NA", "V. Putin")]
    rows = [
        dict(poll_row(poll_key=f"w{i}"), pollster_as_written=p, leader_as_written=leader)
        for i, (p, leader) in enumerate(written)
    ]
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(rows))
    assert_same(framed, in_duckdb)
    assert not framed.warnings
    stored = framed.polls.sort_index()
    as_written = stored[["pollster_as_written", "leader_as_written"]].astype(object)
    assert as_written.where(as_written.notna(), None).values.tolist() == [
        ["Левада-Центр", "Путин"],
        [None, None],
        ["@Home", "Putin"],
        [None, "V. Putin"],
    ]
    plain = [poll_row(pollster="Levada", leader="Путин", poll_key="p")]
    framed, in_duckdb = both_paths(monkeypatch, settings, csv_bytes(plain))
    assert_same(framed, in_duckdb)
    assert framed.polls[["pollster_as_written", "leader_as_written"]].values.tolist() == [
        ["Levada", "Путин"]
    ]
