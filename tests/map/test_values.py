"""Reading cell text into values: the spellings real poll files use."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from pollwatch.map import values
from pollwatch.map.categories import read_mode, read_population
from pollwatch.map.dates import is_month, read_date
from pollwatch.map.distinct_cells import BAD


def cells(*texts: str) -> pd.Series:
    return pd.Series(texts, dtype="str")


def test_numbers_read_with_decimal_commas_percent_signs_and_missing_markers():
    parsed = values.parse_number(
        cells("71", "71.5", "71,5", "71%", " 83 % ", "", "NA", "n/a", "-", "abc", "1,234.5")
    )
    assert parsed.values.tolist()[:5] == [71.0, 71.5, 71.5, 71.0, 83.0]
    assert parsed.values.iloc[5:10].isna().all()
    assert parsed.bad.tolist() == [False] * 9 + [True, True]


def test_sample_sizes_keep_weighted_fractions_and_read_dots_between_thousands_as_thousands():
    parsed = values.parse_sample_size(
        cells(
            "1600", "2202.5", "1,600.5", "1 600", "2202,5", "1.000", "12.500", "2.202,5",
            "999.125", "850.000", "1.234.567", "about 900", "",
        )
    )  # fmt: skip
    assert parsed.values.tolist()[:11] == [
        1600, 2202.5, 1600.5, 1600, 2202.5, 1000, 12500, 2202.5, 999.125, 850, 1234567
    ]  # fmt: skip
    assert parsed.bad.tolist() == [False] * 11 + [True, False]


def test_japanese_and_korean_dates_and_a_full_width_percent_sign_are_read():
    """NHK's table writes 2009年1月10日 and 23％: every row was not_a_date unless its layout gave
    the format, and a share with the full-width sign was not_a_number."""
    start = values.parse_date(
        cells(
            "2009年1月10日", "２０１２年９月７日", "2017년 5월 10일", "2009年1月", "2009年13月1日"
        )
    )
    assert start.values.iloc[:4].tolist() == [
        pd.Timestamp("2009-01-10"), pd.Timestamp("2012-09-07"), pd.Timestamp("2017-05-10"),
        pd.Timestamp("2009-01-01"),
    ]  # fmt: skip
    assert start.bad.tolist() == [False] * 4 + [True]
    assert read_date("2009年1月", period_end=True) == pd.Timestamp("2009-01-31")
    assert values.parse_number(cells("23％", "２３", "23 %")).values.tolist() == [23.0] * 3


def test_dates_read_days_and_months_and_a_month_ends_on_its_last_day():
    start = values.parse_date(cells("2022-02-24", "2022-02", "24.02.2022x", ""))
    end = values.parse_date(cells("2022-02-24", "2022-02"), period_end=True)
    assert start.values.iloc[0] == pd.Timestamp("2022-02-24")
    assert start.values.iloc[1] == pd.Timestamp("2022-02-01")
    assert end.values.iloc[1] == pd.Timestamp("2022-02-28")
    assert start.bad.tolist() == [False, False, True, False]


def test_french_month_abbreviations_are_months():
    """As French tables abbreviate them, with a full stop: 'avr.' was not read."""
    months = [
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ]
    parsed = values.parse_date(cells(*(f"{m} 2022" for m in months)))
    assert not parsed.bad.any()
    assert [day.month for day in parsed.values] == list(range(1, 13))


def test_days_spelled_as_french_and_american_publishers_write_them():
    """'1er mars 2024' (how French writes the first of a month), 'fév. 2024' (as common as
    'févr.') and 'March 12, 2024' (an American release's date) were each not_a_date, and with
    them the row."""
    parsed = values.parse_date(
        cells(
            "1er mars 2024", "1er février 2024", "fév. 2024", "Fév 2024", "March 12, 2024",
            "Mar. 1, 2024", "Sept 3 2024", "12 mars 2024", "Blue 12, 2024",
        )
    )  # fmt: skip
    assert parsed.values.iloc[:8].tolist() == [
        pd.Timestamp(day)
        for day in (
            "2024-03-01", "2024-02-01", "2024-02-01", "2024-02-01", "2024-03-12",
            "2024-03-01", "2024-09-03", "2024-03-12",
        )
    ]  # fmt: skip
    assert parsed.bad.tolist() == [False] * 8 + [True]
    assert is_month("fév. 2024") and not is_month("March 12, 2024")


@pytest.mark.parametrize("text", ["03/2022", "3/2022", "2022/03", "03-2022", "03.2022", "2022-03"])
def test_a_month_written_with_numbers_is_that_month(text):
    """ "03/2022", as a spreadsheet writes a month, was not_a_date, and with it the poll, though
    "03.2022" and "2022-03" were read."""
    assert read_date(text) == pd.Timestamp("2022-03-01")
    assert read_date(text, period_end=True) == pd.Timestamp("2022-03-31")
    assert is_month(text)
    assert is_month(text, day_first=True)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("13-14 mars 2024", "2024-03-13", "2024-03-14"),  # Ipsos, Wikipedia's tables
        ("1er-3 mars 2024", "2024-03-01", "2024-03-03"),
        ("13 – 14 March 2024", "2024-03-13", "2024-03-14"),
        ("Jul. 25-27, 2025", "2025-07-25", "2025-07-27"),  # Silver Bulletin
        ("2025 Jul 7-21", "2025-07-07", "2025-07-21"),  # Gallup
        ("28 fév. – 3 mars 2024", "2024-02-28", "2024-03-03"),
        ("Feb 28 - Mar 3, 2024", "2024-02-28", "2024-03-03"),
        ("2024-03-13/2024-03-14", "2024-03-13", "2024-03-14"),  # ISO 8601's interval
        ("janvier – février 2024", "2024-01-01", "2024-02-29"),
        # two months joined by a bare hyphen (Gallup, AP-NORC, Wikipedia's tables)
        ("Jan 30-Feb 5, 2017", "2017-01-30", "2017-02-05"),
        ("Jan. 30-Feb. 5, 2017", "2017-01-30", "2017-02-05"),
        ("30 Jan-5 Feb 2017", "2017-01-30", "2017-02-05"),
        ("2017 Jan 30-Feb 5", "2017-01-30", "2017-02-05"),  # Gallup: the start's year
        ("2024 Dec 16-Jan 5", "2024-12-16", "2025-01-05"),  # ... and the next one's
        ("10.01.2025-11.01.2025", "2025-01-10", "2025-01-11"),
        ("10-14.01.2025", "2025-01-10", "2025-01-14"),
        ("30.12-05.01.2025", "2024-12-30", "2025-01-05"),  # across a year's end
        ("28.02-01.03.2024", "2024-02-28", "2024-03-01"),
        # the words around a period in French, Russian, Ukrainian and English
        ("du 10 au 11 janvier 2025", "2025-01-10", "2025-01-11"),
        ("1er au 3 mars 2025", "2025-03-01", "2025-03-03"),
        ("с 10 по 14 января 2025 г.", "2025-01-10", "2025-01-14"),
        ("10–14 січня 2025 року", "2025-01-10", "2025-01-14"),
        ("from Jan 10 to 14, 2025", "2025-01-10", "2025-01-14"),
        # slashed days with the year said once, after a comma (RealClearPolitics, Silver Bulletin)
        ("3/20 - 3/24, 2019", "2019-03-20", "2019-03-24"),
        ("5/30 - 6/1, 2025", "2025-05-30", "2025-06-01"),
        ("12/30 - 1/2, 2019", "2018-12-30", "2019-01-02"),
        ("3/20-3/24, 2019", "2019-03-20", "2019-03-24"),
        ("3/20/2019-3/24/2019", "2019-03-20", "2019-03-24"),
    ],
)
def test_a_fieldwork_period_written_in_one_cell_is_its_first_and_last_day(text, first, last):
    """Every row of a table writing its fieldwork so was not_a_date."""
    assert read_date(text) == pd.Timestamp(first)
    assert read_date(text, period_end=True) == pd.Timestamp(last)
    assert not is_month(text)


@pytest.mark.parametrize(
    ("text", "day", "month_end"),
    [
        ("Jan-22", "2022-01-01", "2022-01-31"),  # a spreadsheet's mmm-yy
        ("янв.22", "2022-01-01", "2022-01-31"),  # Levada's tables
        ("май22", "2022-05-01", "2022-05-31"),  # ... where a month's name is short already
        ("авг.99", "1999-08-01", "1999-08-31"),  # strptime's %y: 69-99 are the 1900s
        ("Jan '22", "2022-01-01", "2022-01-31"),
        ("январь 2025 г.", "2025-01-01", "2025-01-31"),
        ("травень 2022 р.", "2022-05-01", "2022-05-31"),
        ("10-Jan-2025", "2025-01-10", "2025-01-10"),  # a spreadsheet's d-mmm-yyyy
        ("10-Jan-25", "2025-01-10", "2025-01-10"),
    ],
)
def test_months_and_days_as_spreadsheets_and_russian_tables_write_them(text, day, month_end):
    """Each of these was not_a_date, and a layout's [dates] formats cannot say a Russian or
    Ukrainian month (strptime's %b is English)."""
    assert read_date(text) == pd.Timestamp(day)
    assert read_date(text, period_end=True) == pd.Timestamp(month_end)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("März 2024", "2024-03-01", "2024-03-31"),  # Infratest dimap's DeutschlandTrend
        ("Dezember 2023", "2023-12-01", "2023-12-31"),
        ("Okt. 2023", "2023-10-01", "2023-10-31"),
        ("Jänner 2024", "2024-01-01", "2024-01-31"),  # Austria's
        ("7. März 2024", "2024-03-07", "2024-03-07"),  # a German day is written with a dot
        ("4. bis 6. März 2024", "2024-03-04", "2024-03-06"),
        ("4.–6. März 2024", "2024-03-04", "2024-03-06"),
        ("28. Februar – 1. März 2024", "2024-02-28", "2024-03-01"),
        ("12.-15.02.2024", "2024-02-12", "2024-02-15"),  # Forschungsgruppe Wahlen, Forsa
        ("05.03.-07.03.2024", "2024-03-05", "2024-03-07"),
        ("14.02.24", "2024-02-14", "2024-02-14"),  # a German spreadsheet's short date
    ],
)
def test_german_months_and_periods_are_read(text, first, last):
    """A German poll table's dates: 'März 2024' and '4. bis 6. März 2024' were not_a_date, and
    no layout could read them (strptime's %B is English); nor '12.-15.02.2024' or '14.02.24'."""
    assert read_date(text) == pd.Timestamp(first)
    assert read_date(text, period_end=True) == pd.Timestamp(last)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        # Spanish: El Financiero's and Mitofsky's Mexican approval, Chile's Cadem and Criteria
        ("marzo 2024", "2024-03-01", "2024-03-31"),
        ("Marzo de 2024", "2024-03-01", "2024-03-31"),
        ("septiembre del 2023", "2023-09-01", "2023-09-30"),
        ("setiembre 2023", "2023-09-01", "2023-09-30"),  # Peru's and Uruguay's spelling
        ("12 de marzo de 2024", "2024-03-12", "2024-03-12"),
        ("1º de julio de 2024", "2024-07-01", "2024-07-01"),
        ("del 10 al 14 de marzo de 2024", "2024-03-10", "2024-03-14"),
        ("10 al 14 de marzo de 2024", "2024-03-10", "2024-03-14"),
        ("10 y 11 de enero de 2025", "2025-01-10", "2025-01-11"),
        ("del 28 de febrero al 3 de marzo de 2024", "2024-02-28", "2024-03-03"),
        ("del 28 de diciembre de 2024 al 3 de enero de 2025", "2024-12-28", "2025-01-03"),
        ("28 de diciembre al 3 de enero de 2025", "2024-12-28", "2025-01-03"),
        ("31 Mar – 2 Abr 2026", "2026-03-31", "2026-04-02"),  # Spanish Wikipedia's tables
        ("5 Ene 2026", "2026-01-05", "2026-01-05"),
        ("10-ene-2025", "2025-01-10", "2025-01-10"),  # a Spanish spreadsheet's d-mmm-yyyy
        ("dic-23", "2023-12-01", "2023-12-31"),
        # Portuguese: Brazil's Datafolha, Quaest, AtlasIntel
        ("fevereiro de 2024", "2024-02-01", "2024-02-29"),
        ("março de 2024", "2024-03-01", "2024-03-31"),
        ("12 de fevereiro de 2024", "2024-02-12", "2024-02-12"),
        ("de 10 a 13 de fevereiro de 2023", "2023-02-10", "2023-02-13"),
        ("entre 25 e 26 de março de 2010", "2010-03-25", "2010-03-26"),
        ("entre os dias 10 e 13 de fevereiro de 2023", "2023-02-10", "2023-02-13"),
        ("28 de fevereiro a 3 de março de 2024", "2024-02-28", "2024-03-03"),
        ("out/2023", "2023-10-01", "2023-10-31"),  # a Brazilian spreadsheet's mmm/aaaa
        ("dez/23", "2023-12-01", "2023-12-31"),
        # Italian: SWG, Ipsos, Demos
        ("gennaio 2024", "2024-01-01", "2024-01-31"),
        ("12 giugno 2024", "2024-06-12", "2024-06-12"),
        ("1° luglio 2024", "2024-07-01", "2024-07-01"),
        ("dal 10 al 14 marzo 2024", "2024-03-10", "2024-03-14"),
        ("10-12 ottobre 2023", "2023-10-10", "2023-10-12"),
        ("dal 28 febbraio al 4 marzo 2024", "2024-02-28", "2024-03-04"),
        ("gen-24", "2024-01-01", "2024-01-31"),
        ("3 dic 2023", "2023-12-03", "2023-12-03"),
    ],
)
def test_spanish_portuguese_and_italian_months_and_periods_are_read(text, first, last):
    """Approval series in Spanish, Portuguese and Italian ("marzo 2024", "fevereiro de 2024",
    "del 10 al 14 de marzo de 2024", "gennaio 2024") were each not_a_date, every row of such a
    table rejected, and no layout could read them (strptime's %B is English)."""
    assert read_date(text) == pd.Timestamp(first)
    assert read_date(text, period_end=True) == pd.Timestamp(last)


@pytest.mark.parametrize(
    "text",
    [
        "7/31 - 8/4",
        "13-03-2024",
        "Q1-2 2024",
        "2024-03-13 - soon",
        "Jan 22",
        "COVID-19",
        "Feb 5-Jan 30, 2017",  # a slip: read across the year's end, a poll of 360 days
        "2023 Mar 30-Feb 5",
    ],
)
def test_what_names_no_period_of_known_days_is_still_not_a_date(text):
    """RealClear's "7/31 - 8/4" gives no year; 13-03-2024 is the day first, which the file
    must show (day_order); the rest names no day."""
    assert read_date(text) is BAD


def test_booleans_read_common_spellings_and_empty_means_false():
    parsed = values.parse_bool(cells("true", "FALSE", "1", "0", "yes", "", "maybe"))
    assert parsed.values.tolist() == [True, False, True, False, True, False, False]
    assert parsed.bad.tolist() == [False] * 6 + [True]


def test_modes_are_read_from_the_words_publishers_use():
    """538's methodologies since 2023 ("Online Panel", "Probability Panel", "Text-to-Web") were
    each rejected as unknown modes, and with them every such poll."""
    read = {
        "Online Panel": "online",
        "Probability Panel": "online",
        "Text-to-Web": "online",
        "Mail-to-Web": "online",
        "App Panel": "online",
        "Email": "online",
        "Online Panel/Text-to-Web": "online",
        "Live Phone": "phone",
        "Mail-to-Phone": "phone",
        "CATI": "phone",
        "Automated Phone": "ivr",
        "IVR/Online Panel": "mixed",
        "Live Phone/Text-to-Web": "mixed",
        "phone&internet": "mixed",
        # a mail survey beside another mode (538 since 2024): 309 of 3,292 rows were rejected
        "Online Panel/Mail": "mixed",
        "Live Phone/Mail": "mixed",
        "Face to face": "face_to_face",
        "unknown": "unknown",
        "": None,
    }
    assert {text: read_mode(text) for text in read} == read
    # Nothing in them says how: left as written, to be rejected by name (known_mode).
    assert read_mode("Mail") == "mail"
    assert read_mode("Carrier pigeon") == "carrier_pigeon"


def test_a_layout_s_date_formats_still_read_iso_days_and_times_after_a_day():
    """538's layout gives m/d/yy: its file re-saved by a spreadsheet or a script, with ISO days,
    lost every row (not_a_date), and so did a created_at written "1/27/23 9:10 AM" or in ISO
    with a zone. An ISO day cannot be misread, so it is read whatever the formats; a time after
    a day is dropped."""
    formats = ("%m/%d/%y", "%m/%d/%Y")
    written = [
        "2023-01-27",
        "1/27/23",
        "1/27/23 9:10 AM",
        "1/27/2023 13:31",
        "2023-01-27T09:10:00Z",
        "2023-01-27T09:10:00.5+02:00",
        "2023-01-27 09:10:00 UTC",
    ]
    parsed = values.parse_date(cells(*written), formats=formats)
    assert not parsed.bad.any()
    assert set(parsed.values) == {pd.Timestamp("2023-01-27")}
    # still a day the formats do not give, and not a date at all
    assert values.parse_date(cells("27.01.2023", "2023-02-30"), formats=formats).bad.all()
    # a format that reads the time itself still reads it (stripping the time first broke it),
    # as a day, as every date is stored; one with a zone too (it stopped the run)
    timed = values.parse_date(
        cells("1/20/2023 9:00 AM", "20/01/2023 23:30 +0200"),
        formats=("%m/%d/%Y %I:%M %p", "%d/%m/%Y %H:%M %z"),
    )
    assert timed.values.tolist() == [pd.Timestamp("2023-01-20")] * 2
    # a year-first format other than year-day-month leaves ISO days to be read
    assert read_date("2023-01-27", formats=("%Y-%m",)) == datetime(2023, 1, 27)
    # a layout writing its dashed dates year first, day second, is read as it says, never ISO
    odd = values.parse_date(cells("2023-02-01", "2023-01-13"), formats=("%Y-%d-%m",))
    assert odd.values.tolist()[0] == pd.Timestamp("2023-01-02") and odd.bad.tolist() == [
        False,
        True,
    ]


def test_populations_are_read_from_their_words():
    """A poll of "All adults" or "Adults 18+" was rejected as of an unknown population. 538's
    codes and the usual spellings are read, and a population nothing names is left as written,
    to be rejected by name."""
    read = {
        "All adults": "adults",
        "Adults 18+": "adults",
        "A": "adults",
        "Registered Voters": "registered_voters",
        "rv": "registered_voters",
        "Likely voters": "likely_voters",
        "LV": "likely_voters",
        "RVs": "registered_voters",
        "LVs": "likely_voters",
        "v": "voters",
        "unknown": "unknown",
        # abbreviated, they were read as voters, and given no offset
        "Reg. voters": "registered_voters",
        "Regd voters": "registered_voters",
        "Lik. voters": "likely_voters",
        "Regular voters": "voters",
        "Reg. adults": "adults",
    }
    assert {text: read_population(text) for text in read} == read
    assert read_population("General population") == "general_population"
    assert read_population("Non-voters") == "non_voters"
    assert read_population("Unregistered") == "unregistered"


def test_names_compare_without_case_accents_marks_spaces_or_dashes():
    """Élisabeth Borne typed plainly, a surname in capitals, Arabic written with its vowel marks
    and without: one name each (trend --leader folded every mark before they shared a fold).
    Nor do spaces and dashes between words count: 'SavantaComRes' is Savanta ComRes."""
    from pollwatch.map.folding import fold_name, fold_series

    pairs = [
        ("Élisabeth Borne", "ELISABETH  BORNE"),
        ("مُحَمَّد", "محمد"),
        ("Семён", "семен"),
        ("Savanta ComRes", "SavantaComRes"),
        ("Levada-Center", "Levada Center"),
        ("Ipsos\u2013MORI", "Ipsos MORI"),
        ("Beto O'Rourke", "Beto O\u2019Rourke"),
        ("Robert F. Kennedy Jr.", "Robert F Kennedy Jr"),
        ("Robert F. Kennedy, Jr.", "Robert F. Kennedy Jr."),
    ]
    for one, other in pairs:
        assert fold_name(one) == fold_name(other)
        assert fold_series(pd.Series([one, other])).nunique() == 1


@pytest.mark.parametrize(
    ("text", "population"),
    [
        ("Inscrits sur les listes électorales", "registered_voters"),
        ("Français âgés de 18 ans et plus", "adults"),
        ("Ensemble des Français", "adults"),
        ("Électeurs français", "voters"),
        ("взрослое население", "adults"),
        ("Non inscrits", "non_inscrits"),  # the opposite: left as written, to be refused
        ("Adults, nationally representative", "adults"),
        # Two populations in one cell: which the poll's figures are of, nothing says.
        ("adults, registered voters", "adults,_registered_voters"),
        ("registered or likely voters", "registered_or_likely_voters"),
        ("RV/LV", "rv/lv"),
        ("Adults or likely voters", "adults_or_likely_voters"),
        # A subgroup of a population (HuffPost Pollster's partisan rows): not a poll of it.
        ("Registered Voters - Democrat", "registered_voters_democrat"),
        ("Adults - Republican", "adults_republican"),
        ("Likely voters 18-29", "likely_voters_18_29"),
        ("Adults 18+", "adults"),
        ("Adults (18 and older)", "adults"),
        ("All adults 18 and over", "adults"),
        ("adults-registered voters", "adults_registered_voters"),
        ("adults vs registered voters", "adults_vs_registered_voters"),
        ("adults (registered voters)", "adults_(registered_voters)"),
        ("Adults - RV", "adults_rv"),
        ("likely-voters", "likely_voters"),
        ("Registered voters (RV)", "registered_voters"),
    ],
)
def test_populations_as_french_and_russian_barometers_name_them(text, population):
    """Each was rejected (known_population), and its poll with it."""
    assert read_population(text) == population
