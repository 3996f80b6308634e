"""The ways poll tables write a date or a fieldwork period, as patterns and month names.

ISO days, dotted and slashed dates, months named in eight languages, Japanese and Korean marks,
periods in one cell ("28 fév. – 3 mars 2024"): dates.py reads a cell by trying these in turn.
Kept apart from the reading so the spellings can be read, and added to, as a list.
"""

from __future__ import annotations

import re

# Dates. Without given formats: ISO days and months, 24.03.2022, 3/24/2022, 3/24/22, 3-24-2022
# and 3-24-22 (year last with slashes or dashes: month first, as in American files, unless the
# file shows otherwise), 03.2022, 24.03.22 (a German spreadsheet's short date: dotted dates are
# always the day first), and month names in eight languages.
AUTO_DATE_PATTERNS = [
    (re.compile(r"\d{4}-\d{1,2}-\d{1,2}"), "%Y-%m-%d", False),
    (re.compile(r"\d{4}/\d{1,2}/\d{1,2}"), "%Y/%m/%d", False),
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}"), "%d.%m.%Y", False),
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{2}"), "%d.%m.%y", False),
    (re.compile(r"\d{1,2}/\d{1,2}/\d{4}"), "%m/%d/%Y", False),
    (re.compile(r"\d{1,2}/\d{1,2}/\d{2}"), "%m/%d/%y", False),
    (re.compile(r"\d{1,2}-\d{1,2}-\d{4}"), "%m-%d-%Y", False),
    (re.compile(r"\d{1,2}-\d{1,2}-\d{2}"), "%m-%d-%y", False),
    (re.compile(r"\d{4}-\d{1,2}"), "%Y-%m", True),
    (re.compile(r"\d{4}/\d{1,2}"), "%Y/%m", True),
    (re.compile(r"\d{1,2}\.\d{4}"), "%m.%Y", True),
    (re.compile(r"\d{1,2}/\d{4}"), "%m/%Y", True),  # as a spreadsheet writes a month
    (re.compile(r"\d{1,2}-\d{4}"), "%m-%Y", True),
]
# The same, where the file shows its dates with the year last put the day first (14/03/2023,
# 14-03-2023): decided per file, from the dates that prove it (see map/day_order.py).
DAY_FIRST_PATTERNS = [
    (pattern, re.sub(r"^%m([/-])%d", r"%d\1%m", fmt), month_only)
    for pattern, fmt, month_only in AUTO_DATE_PATTERNS
]
# The usual spelling, read without strptime (a tenth of its cost, on a million distinct days).
ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# A year, month and day each followed by its mark, as Japanese, Chinese and Korean tables write
# them ("2009年1月10日", "2017년 5월 10일"; the day may be left out for a month): every row of
# NHK's table was not_a_date unless its layout gave the format.
YEAR_MONTH_DAY_MARKED = re.compile(
    r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(?:(\d{1,2})\s*[日일])?"
)
# A time after the day, which a day's precision drops: "13:31", "9:10 AM", "09:10:00.5Z",
# "T09:10:00+02:00" (538's created_at, spreadsheet and ISO exports).
TIME_OF_DAY = re.compile(
    r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[ap]\.?m\.?)?"
    r"(?:\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?))?$",
    re.IGNORECASE,
)
# "12 mars 2024", "1er mars 2024" (French for the first), "12. März 2024" (German writes a day
# with a dot), "mars 2024"; Spanish and Portuguese join day, month and year with "de" ("12 de
# marzo de 2024", "fevereiro de 2024", "septiembre del 2023", "1º de julio"; Italian's first is
# "1° luglio"), and a Brazilian spreadsheet writes "out/2023"; and as American releases write a
# day, "March 12, 2024".
DAY_MARK = r"(?:er|st|nd|rd|th|º|°|\.)"
SPELLED = re.compile(
    rf"(?:(\d{{1,2}}){DAY_MARK}?\s+(?:de\s+)?)?([^\W\d_]+)(?:\.?,?\s+(?:del?\s+)?|/)(\d{{4}})"
)
SPELLED_MONTH_FIRST = re.compile(r"([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
# Gallup's tables: "2025 Jul 7".
SPELLED_YEAR_FIRST = re.compile(r"(\d{4})\s+([^\W\d_]+)\.?\s+(\d{1,2})")
# Spreadsheets' "10-Jan-2025" and "10-Jan-25"; a month with a two-digit year, as spreadsheets
# and Levada's tables write it: "Jan-22", "Jan.22", "янв.22", "май22", "Jan '22" (the year as
# strptime's %y reads it: 69-99 the 1900s, 00-68 the 2000s).
SPELLED_DASHED = re.compile(r"(\d{1,2})-([^\W\d_]+)\.?-(\d{4}|\d{2})")
SPELLED_SHORT_YEAR = re.compile(r"([^\W\d_]+)(?:\.\s*|-|/|\s*'|)(\d{2})")
# Words around a date that name no day: "du 10 au 11 janvier 2025", "с 10 по 14 января 2025 г.",
# "з 10 по 14 січня 2025 року", "from Jan 10 to 14, 2025", "del 10 al 14 de marzo de 2024",
# "dal 10 al 14 marzo 2024", "de 10 a 13 de fevereiro", "entre os dias 10 e 13 de fevereiro".
DATE_WORDS = re.compile(
    r"^(?:du|from|с|з|від|от|del?|dal|entre(?:\s+(?:os|los|las)\s+d[ií]as)?)\s+"
    r"|(?<=\d)\s*(?:г|года|р|року)\.?$"
)
# What joins a period's two ends in words: English, French, Russian, German, Spanish ("al",
# "a", "y"), Portuguese ("a", "e") and Italian ("al").
PERIOD_WORDS = r"to|au|по|до|bis|al|a|e|y"
# A fieldwork period in one cell, as poll tables write it (Wikipedia's, Ipsos', RealClear's):
# days of one month ("13-14 mars 2024", "Jul. 25-27, 2025", "2025 Jul 7-21"), or two dates
# ("28 fév. – 3 mars 2024", "Feb 28 - Mar 3, 2024", "2024-03-13/2024-03-14").
# Two dates joined without spaces: "Jan 30-Feb 5, 2017" (Gallup, AP-NORC), "30 Jan-5 Feb 2017",
# "10.01.2025-11.01.2025", "3/20-3/24, 2019", "3/20/2019-3/24/2019"; and days before a dotted
# date: "10-14.01.2025".
# German days carry a dot: "4.–6. März 2024", Infratest dimap's "4. bis 6. März 2024".
DAY_SPAN = re.compile(
    rf"(?<![\d/.-])(\d{{1,2}}){DAY_MARK}?"
    rf"(?:\s*[-–—]\s*|\s+(?:{PERIOD_WORDS})\s+)(\d{{1,2}})(?:\.(?=\s))?(?![\d/.-])"
)
TWO_DATES = re.compile(
    rf"(.+?)(?:\s*[–—]\s*|\s+-\s+|\s+(?:{PERIOD_WORDS})\s+|(?:(?<=-\d)|(?<=-\d\d))/(?=\d{{4}}-)"
    r"|(?<=\d)-(?=[^\W\d_])|(?<=[^\W\d_])\.?-(?=\d{1,2}\s*[^\W\d_])|(?<=\d{4})-(?=\d{1,2}\.)"
    r"|(?:(?<=/\d)|(?<=/\d\d)|(?<=/\d{4}))\s*-\s*(?=\d{1,2}/\d))(.+)"
)
# ... the first day with a dot or not: "12.-15.02.2024" (Forschungsgruppe Wahlen, Forsa).
DAYS_OF_DOTTED_DATE = re.compile(r"(\d{1,2})\.?\s*[-–—]\s*(\d{1,2})(\.\d{1,2}\.\d{4})")
# ... and a day and month before one, across a month's end: "30.12-05.01.2025".
DAY_MONTH_OF_DOTTED_DATE = re.compile(
    r"(\d{1,2}\.\d{1,2})\.?\s*[-–—]\s*(\d{1,2}\.\d{1,2})\.(\d{4})"
)
YEAR = re.compile(r"\d{4}")
# A slashed day and month with the year after a comma, as the end of RealClearPolitics' and
# Silver Bulletin's periods writes it ("3/24, 2019"): read as "3/24/2019".
SLASHED_THEN_YEAR = re.compile(r"^(\d{1,2}/\d{1,2})\s*,?\s*(\d{4})$")
# Month names in English, French, German, Russian, Ukrainian, Spanish, Portuguese and Italian,
# in the nominative and genitive, and as each abbreviates them (German's as Germany and Austria
# write them: "März", "Mär.", "Jänner"; Spanish's "setiembre" as Peru and Uruguay do).
MONTH_NAMES = {
    1: "january jan janvier janv januar jänner jän январь января янв січень січня січ "
    "enero ene janeiro gennaio gen",
    2: "february feb février fevrier févr fevr fév fev februar "
    "февраль февраля фев лютий лютого лют febrero fevereiro febbraio",
    3: "march mar mars märz mär maerz март марта мар березень березня бер marzo março marco",
    4: "april apr avril avr апрель апреля апр квітень квітня квіт abril abr aprile",
    5: "may mai май мая травень травня трав mayo maio maggio mag",
    6: "june jun juin juni июнь июня июн червень червня черв junio junho giugno giu",
    7: "july jul juillet juil juli июль июля июл липень липня лип julio julho luglio lug",
    8: "august aug août aout август августа авг серпень серпня серп agosto ago",
    9: "september sep sept septembre сентябрь сентября сен сент вересень вересня вер "
    "septiembre setiembre setembro settembre set",
    10: "october oct octobre oktober okt октябрь октября окт жовтень жовтня жовт "
    "octubre outubro out ottobre ott",
    11: "november nov novembre ноябрь ноября ноя нояб листопад листопада лист noviembre novembro",
    12: "december dec décembre decembre déc dezember dez декабрь декабря дек грудень грудня груд "
    "diciembre dezembro dicembre dic",
}
MONTH_NUMBER = {name: number for number, names in MONTH_NAMES.items() for name in names.split()}
