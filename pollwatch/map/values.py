"""Turn the text of CSV cells into typed values, column at a time.

Each parser returns the typed column and a mask of cells whose text could not be read, so the
caller can reject exactly those cells with the original text beside the rule they broke.

Poll files repeat themselves: a million rows hold a few pollsters, a few thousand dates, a few
hundred shares. So each column is dictionary-encoded once, every distinct text is read once by a
plain Python function, and the results are spread back by code. That is fast for a 50-row drop
(no per-column pandas machinery) and for a million rows (a few thousand parses, then a take).
Only free text that is mostly distinct (ids, notes) is cleaned by vectorised string operations.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from schemas.columns import MODES, POPULATIONS

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "—"})
TRUE_TOKENS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_TOKENS = frozenset({"false", "f", "no", "n", "0"})
BAD = object()  # what a scalar parser returns for text it cannot read


@dataclass
class Parsed:
    """A typed column and the cells (True in `bad`) whose text did not parse."""

    values: pd.Series
    bad: pd.Series
    rule: str


# -- spreading per-value results over a column ------------------------------------------------


def _mostly_distinct(column: pd.Series, sample: int = 20_000) -> bool:
    """Judged on a sample: a column of ids or notes (nine in ten sampled cells distinct) gains
    nothing from dictionary work. A column of 12,000 dates over a million rows shows about half
    its sampled cells distinct, and gains a lot."""
    if len(column) <= sample:
        return False
    return column.iloc[:sample].nunique(dropna=False) > 0.9 * sample


def _by_value(read: Callable[[object], object], column: pd.Series, dtype: str, rule: str) -> Parsed:
    """Apply `read` to each distinct cell; BAD marks a cell that does not parse."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    results = [read(value) for value in uniques]
    bad = pd.Series([result is BAD for result in results], dtype=bool)
    clean = pd.Series([None if r is BAD else r for r in results], dtype=object)
    values = clean.astype(dtype) if dtype != "object" else clean
    return Parsed(
        values.take(codes).set_axis(column.index), bad.take(codes).set_axis(column.index), rule
    )


def per_unique(func: Callable[[pd.Series], pd.Series], column: pd.Series) -> pd.Series:
    """`func` (cell by cell in effect) applied once per distinct cell, then spread back."""
    if _mostly_distinct(column):
        return func(column)
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return func(pd.Series(uniques, dtype=column.dtype)).take(codes).set_axis(column.index)


# -- the scalar readers -----------------------------------------------------------------------


# Space and the characters that show as nothing (zero-width spaces and joiners, a stray
# byte-order mark): a name made only of them is no name.
EDGES = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")


def clean(value: object) -> str | None:
    """Trimmed text, or None for the usual spellings of 'no value'."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text.isascii():
        text = EDGES.sub("", text)
    return None if text.lower() in MISSING_TOKENS else text


# Reference marks at the end of a cell, as Wikipedia's tables write them and a copy keeps them:
# "Gallup[20]", "47%[a]", "Jan 21–27, 2025[note 1]". "Gallup[20]" beside "Gallup" was a second
# pollster, and the same poll from two tables two polls.
# Letters only in lower case, as Wikipedia writes them: "Ipsos [UK]" is a name. Asterisks and
# daggers too, as RealClearPolitics marks its notes: "RMG Research*" was a second firm.
FOOTNOTE_MARKS = re.compile(
    r"(?:\s*(?:\[(?:\d{1,3}|[a-z]{1,2}|(?i:(?:note|nb|n) ?\d{1,3}|citation needed))\]|[*†‡]+))+$"
)
SPACES = re.compile(r"[\s\u00a0\u202f]")
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
# '1.000' and '12.500' as a count are thousands with dots, as Russian and German tables write
# them: a sample of one person and a half is not a poll. One dot after three digits is a
# decimal point ('999.125', '850.000' as a weighted size): read as thousands, they were
# samples of 999,125 and 850,000 people, stored without a word.
DOT_THOUSANDS = re.compile(r"\d{1,2}(\.\d{3})+|\d{3}(\.\d{3}){2,}")
# '2.202,5': dots for thousands and a decimal comma, as German and Russian tables write a
# weighted size.
DOT_THOUSANDS_COMMA = re.compile(r"\d{1,3}(\.\d{3})+,\d+")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


# A sample written with the population it is of, as poll tables write it ('1,500 LV', '1000 RV',
# '800 (A)', 'n=1,012', YouGov's '1,578 U.S. adult citizens'): the number, and words read as
# the population column reads its cells; or words that only say what was counted ('1,000
# respondents', '1000 répondants', 'n=800 interviews'), an approximation ('~1,000', 'approx.
# 1000') and a footnote's asterisk ('1000*'): each of these rejected the poll, for a figure
# that only weighs it. A population alone ('RV', as RealClearPolitics writes a size it does not
# give) is that population and no size. Words that name neither ('1,000 (est.)') leave the cell
# as written, and it is then not a number. PLAIN_COUNT: the cells with nothing to split, alike
# in Python's and DuckDB's (RE2) regular expressions.
SAMPLE_WITH_WORDS = re.compile(
    r"\s*(?:n\s*=\s*)?(?:(?:~|≈|approx\.?|approximately|about|around|ca\.|circa|environ|около)\s*)?"
    r"(\d(?:[\d.,\s]*\d)?)?\s*([^\W\d_(][^()]*?|\([^()]*\)|[^\W\d_(][^()]*?\s*\([^()]*\))?\s*",
    re.IGNORECASE,
)
# The population before the number ("RV 1,200", "LV: 1000").
POPULATION_FIRST = re.compile(r"([^\W\d_][^\d()]*?)\s*:?\s*(\d(?:[\d.,\s]*\d)?)")
# Words that say what a sample counted, not whom ("1,000 LV respondents", "1000 interviews
# (RV)"), and a footnote's marks: taken out before the rest is read as a population.
COUNTED = re.compile(
    r"\b(?:respondents?|people|persons?|interviews?|completes|cases|répondants|personnes|"
    r"personas|entrevistas|befragte|опрошенных|респондентов|человек|чел|респондентів|осіб|"
    r"опитаних)\b\.?|[()†]",
    re.IGNORECASE,
)
PLAIN_COUNT = r"[0-9.,\s]*"


@functools.lru_cache(maxsize=1 << 12)
def read_sample_words(cell: str) -> tuple[str, str | None] | None:
    """('1,500', 'likely_voters') for '1,500 LV', ('1,012', None) for 'n=1,012', ('',
    'registered_voters') for 'RV'; None where the cell is not a number written with a
    population, or a population alone."""
    text = FOOTNOTE_MARKS.sub("", cell).replace("*", " ").strip()
    found = SAMPLE_WITH_WORDS.fullmatch(text)
    if found is None:
        return None
    number, words = found.groups()
    if number is None and (first := POPULATION_FIRST.fullmatch(text)):  # "RV 1,200"
        words, number = first.groups()
    words = " ".join(COUNTED.sub(" ", words or "").split())
    if not words:
        return None if number is None else (number, None)
    population = read_population(words)
    if population not in POPULATIONS or population == "unknown":
        return None
    return number or "", population


def split_samples(
    sample: pd.Series, population: pd.Series
) -> tuple[pd.Series, pd.Series, tuple[list, tuple[str, str]] | None]:
    """Sample cells written with their population ('1,500 LV') as the number alone, and that
    population where the row's own population cell is empty (a population given wins); with
    the rows (by index) where the two name different populations, and the first one's two
    readings, which the user should hear of: one of them is wrong, and only the file's
    publisher knows which."""
    candidates = ~sample.fillna("").str.fullmatch(PLAIN_COUNT)
    if not candidates.any():  # most files: one scan, nothing to split
        return sample, population, None
    read = sample[candidates].map(read_sample_words).dropna()
    if read.empty:
        return sample, population, None
    number = read.map(lambda parts: parts[0])
    said = read.map(lambda parts: parts[1]).reindex(sample.index)
    given = clean_text(population).notna()
    disagree = {}
    for line in said.index[said.notna() & given]:
        stated = read_population(population[line])
        if stated in POPULATIONS and stated not in ("unknown", said[line]):
            disagree[line] = (said[line], stated)
    split = sample.copy()
    split[number.index] = number
    taken = said.notna() & ~given
    return (
        split,
        population.mask(taken, said),
        (list(disagree), next(iter(disagree.values()))) if disagree else None,
    )


def read_number(value: object) -> float | None | object:
    """'71', '71.5', '71,5', '71%', ' 83 % ', '23％' (a full-width sign, as Japanese tables
    write it) as numbers; None when empty; BAD otherwise."""
    text = clean(value)
    if text is None:
        return None
    text = SPACES.sub("", FOOTNOTE_MARKS.sub("", text).removesuffix("%").removesuffix("％"))
    if DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    if not NUMBER.fullmatch(text):
        return BAD
    number = float(text)
    return number if math.isfinite(number) else BAD


def read_sample_size(value: object) -> float | None | object:
    """A count of interviews, or an effective (weighted) one, which may be fractional ('2202.5'
    in 538's files); thousands separators allowed ('1,600', '1 600', '1.600', '2.202,5')."""
    text = clean(value)
    if text is None:
        return None
    text = SPACES.sub("", FOOTNOTE_MARKS.sub("", text))
    if THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    elif DOT_THOUSANDS.fullmatch(text):
        text = text.replace(".", "")
    elif DOT_THOUSANDS_COMMA.fullmatch(text):
        text = text.replace(".", "").replace(",", ".")
    number = read_number(text)
    # 0 is how some tables write a size they do not know (ElectIndex's Morning Consult rows):
    # rejected as no sample at all, the poll was lost for a figure that only weighs it.
    return None if number == 0 else number


def read_bool(value: object, default: bool = False) -> bool | object:
    text = clean(value)
    if text is None:
        return default
    text = text.lower()
    if text in TRUE_TOKENS:
        return True
    return False if text in FALSE_TOKENS else BAD


def read_category(value: object) -> str | None:
    """Lower-case, words joined by underscores: 'Face-to-face' and 'face to face' agree."""
    text = clean(value)
    return None if text is None else re.sub(r"[\s\-]+", "_", text.lower())


# How a poll was conducted, from the words publishers use: each part of "Live Phone/Online
# Panel" or "phone&internet" read by the first of these patterns it holds (in this order, so
# that "automated phone" is IVR and "mail-to-phone" a phone poll); parts of two kinds are mixed.
# A paper mail survey is a kind MODES has no name for: alone it is rejected by name, and beside
# another ("Online Panel/Mail", as 538 writes since 2024) it makes the poll mixed.
MODE_WORDS = (
    ("ivr", re.compile(r"ivr|automated|robo|interactive voice")),
    ("face_to_face", re.compile(r"face|in.person|capi|door|f2f")),
    ("phone", re.compile(r"phone|cati|landline")),
    ("online", re.compile(r"online|web|internet|panel|text|sms|e-?mail|app|cawi")),
    ("mixed", re.compile(r"mixed|multi")),
    ("mail", re.compile(r"mail|postal|paper")),
)
# Whom a poll asked, likewise ("All adults", "Adults 18+", "Registered Voters", 538's "rv").
# French barometers say "Inscrits sur les listes électorales", "Français âgés de 18 ans et plus",
# "Ensemble des Français"; Russian and Ukrainian ones "взрослое население", "дорослі".
POPULATION_WORDS = (
    # "Lik. voters", "Reg voters", "Regd. voters": abbreviated, they were read as voters.
    # "RVs", "LVs": 538's codes in the plural, as tables headed by counts write them.
    ("likely_voters", re.compile(r"likely|^lvs?$|\blik\b\.?\s*voter")),
    ("registered_voters", re.compile(r"registered|^rvs?$|inscrits|\breg(?:d|istd)?\b\.?\s*voter")),
    ("adults", re.compile(r"adult|^a$|18\s*ans|ensemble des fran|взросл|доросл")),
    ("voters", re.compile(r"voter|^v$|électeurs|electeurs|votants")),
)
# "Non-voters", "unregistered", "not likely to vote": the opposite of what their words name.
NEGATED = re.compile(r"\b(?:non|not|un)\b|\bnon-|\bun(?:registered|likely)")
# A part of a population, not a population: HuffPost Pollster's "Registered Voters - Democrat"
# was stored as a poll of registered voters (89% approving), and its full sample's row, keyed
# alike, rejected with it. Left as written, such a row is rejected by name.
SUBGROUP = re.compile(
    r"democrat|republican|independent|partisan|\b(?:dem|rep|gop|ind)\b|\bmen\b|women|\bmale|"
    r"female|hispanic|latin[oa]|black|white|asian|\bages?\b|\d+\s*[-–]\s*\d+"
)
PARTS = re.compile(r"\s*(?:/|&|\+|,|;|\band\b)\s*")
# ... and a population's, where "or", "vs", a dash or brackets join two as well ("registered or
# likely voters", "adults vs registered voters", "Adults - RV", "adults (registered voters)").
POPULATION_PARTS = re.compile(
    r"\s*(?:/|&|\+|,|;|\(|\)|\s-\s|(?<=[^\W\d_])-(?=[^\W\d_])|"
    r"\b(?:and|or|vs\.?|versus|et|ou|и|или|і|або)\b)\s*"
)


def read_mode(value: object) -> str | None:
    """A category of MODES: the value itself if it is one, else read from its words (538's
    "Online Panel", "Probability Panel", "Text-to-Web", "IVR/Online Panel", as published since
    2023, were each rejected, and with them the poll)."""
    return _read_by_words(value, MODES, MODE_WORDS, mixed="mixed")


def read_population(value: object) -> str | None:
    """A category of POPULATIONS: the value itself if it is one, else read from its words ("All
    adults" and "Adults 18+" were rejected, and with them the poll). A negated one is left as
    written."""
    lowered = str(value).lower()
    if NEGATED.search(lowered) or SUBGROUP.search(lowered):
        return read_category(value)
    category = read_category(value)
    if category is None or category in POPULATIONS:
        return category
    # Each part's: "adults, registered voters" or "registered or likely voters" names two, and
    # is left as written, to be rejected by name; it was read as its first (registered voters'
    # offset taken off a poll that may be of adults), while "RV/LV" was rejected. Parts naming
    # none ("18+", "et plus", "national sample") say nothing against the one that is named.
    parts = POPULATION_PARTS.split(str(value).strip().lower())
    kinds = {_kind(part, POPULATION_WORDS) for part in parts} - {None}
    if len(kinds) > 1 and kinds & {"likely_voters", "registered_voters"}:
        kinds.discard("voters")  # "likely-voters": voters is what likely ones are
    return kinds.pop() if len(kinds) == 1 else category


def _kind(part: str, words) -> str | None:
    """The kind of the first of `words` (kind, pattern) whose pattern the part holds."""
    return next((kind for kind, pattern in words if pattern.search(part)), None)


def _read_by_words(value, known, words, mixed: str | None = None) -> str | None:
    """The category of `known` a cell names, by itself or by the first of `words` (kind,
    pattern) each of its parts holds (parts of two kinds: `mixed`; split only where a `mixed`
    is given). A cell whose words say nothing is left as written, to be rejected by name (its
    column's known_ rule) and added to its layout's values."""
    category = read_category(value)
    if category is None or category in known:
        return category
    text = str(value).strip().lower()
    kinds = set()
    for part in PARTS.split(text) if mixed else [text]:
        if not part:
            continue
        kind = _kind(part, words)
        if kind is None:
            return category
        kinds.add(kind)
    if len(kinds) == 1:
        kind = kinds.pop()
        return kind if kind in known else category
    return mixed if kinds and mixed else category


def read_country(value: object) -> str | None:
    text = clean(value)
    return None if text is None else text.upper()


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
# The longest fieldwork a period whose start is put in the year before its end's (or its end
# in the year after its start's) may have: "28 déc. – 3 janv. 2025" is a week; "Feb 5-Jan 30,
# 2017", a slip for Jan 30-Feb 5, was stored as a poll of 360 days.
ROLLED_OVER_DAYS = 92
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


def read_date(
    value: object, period_end: bool = False, formats: tuple[str, ...] = (), day_first: bool = False
) -> datetime | None | object:
    """A date; a month stands for its whole span: `period_end` gives its last day. `day_first`:
    a date with the year last puts the day first (14/03/2023, 14-03-2023), not the month."""
    found = _period(value, formats, day_first)
    if found is None or found is BAD:
        return found
    return found[1] if period_end else found[0]


@functools.lru_cache(maxsize=1 << 16)
def _period(value: object, formats: tuple[str, ...], day_first: bool = False):
    """The first and last day a cell names: one day, a month, or a period written in one cell
    (DAY_SPAN, TWO_DATES), whose first day is a fieldwork's start and last day its end; every
    row of a table writing its fieldwork so was not_a_date."""
    found = _date_and_span(value, formats, day_first)
    if found is BAD and (text := clean(value)) is not None:
        text = FOOTNOTE_MARKS.sub("", text)
        return _written_period(DATE_WORDS.sub("", text.lower()), formats, day_first)
    if found is None or found is BAD:
        return found
    day, is_month = found
    return day, _month_end(day) if is_month else day


def _written_period(text: str, formats: tuple[str, ...], day_first: bool):
    """A period written in one cell, its two ends read as dates are (BAD if it is none). Where
    the year is said once, the other end takes it; and where the period would then end before
    it starts, it is read across the year's end instead, if that makes it a fieldwork's length
    ("28 déc. – 3 janv. 2025", Gallup's "2024 Dec 16-Jan 5")."""
    days = DAY_SPAN.search(text)
    across = None  # the ends read across the year's end
    if days and any(char.isalpha() for char in text):  # days of a month named in words
        start, end = (text[: days.start()] + day + text[days.end() :] for day in days.groups())
    elif dotted := DAYS_OF_DOTTED_DATE.fullmatch(text):  # "10-14.01.2025"
        start, end = (day + dotted.group(3) for day in dotted.groups()[:2])
    elif dotted := DAY_MONTH_OF_DOTTED_DATE.fullmatch(text):  # "30.12-05.01.2025"
        day, end, year = dotted.group(1), f"{dotted.group(2)}.{dotted.group(3)}", dotted.group(3)
        start, across = _with_year(day, int(year)), (_with_year(day, int(year) - 1), end)
    elif two := TWO_DATES.fullmatch(text):
        start, end = two.groups()
        end = SLASHED_THEN_YEAR.sub(r"\1/\2", end)  # RealClearPolitics' "3/20 - 3/24, 2019"
        years = YEAR.findall(end)
        if not YEAR.search(start) and years:  # "28 fév. – 3 mars 2024": the year is said once
            year = int(years[-1])
            start, across = _with_year(start, year), (_with_year(start, year - 1), end)
        elif (first_year := YEAR.match(start)) and not years:  # Gallup's "2017 Jan 30-Feb 5"
            year = int(first_year.group())
            end, across = f"{year} {end}", (start, f"{year + 1} {end}")
    else:
        return BAD
    first, last = (_date_and_span(t, formats, day_first) for t in (start, end))
    if BAD in (first, last) or None in (first, last):
        return BAD
    if across is not None and first[0] > last[0]:
        first, last = (_date_and_span(t, formats, day_first) for t in across)
        if BAD in (first, last) or None in (first, last):
            return BAD
        if (last[0] - first[0]).days > ROLLED_OVER_DAYS:
            return BAD
    return first[0], _month_end(last[0]) if last[1] else last[0]


def _with_year(start: str, year: int) -> str:
    """A period's start given its year: after a space ("28 déc. 2024"), or as a dotted or
    slashed date's ("30.12.2024", "3/20/2019")."""
    for mark in ".", "/":
        if re.fullmatch(rf"\d{{1,2}}\{mark}\d{{1,2}}", start):
            return f"{start}{mark}{year}"
    return f"{start} {year}"


def is_month(value: object, formats: tuple[str, ...] = (), day_first: bool = False) -> bool:
    found = _date_and_span(value, formats, day_first)
    return found is not None and found is not BAD and found[1]


@functools.lru_cache(maxsize=1 << 16)
def _date_and_span(value: object, formats: tuple[str, ...], day_first: bool = False):
    """The day a cell names and whether it names a whole month. Cached: each end of a fieldwork
    period is read twice (as a start and as an end), and drops repeat their dates."""
    text = clean(value)
    if text is None:
        return None
    text = FOOTNOTE_MARKS.sub("", text)
    bare = TIME_OF_DAY.sub("", text)
    if formats:
        # The cell as written first: a layout's format may read the time itself.
        for fmt in formats:
            parsed = _strptime(text, fmt) or (_strptime(bare, fmt) if bare != text else None)
            if parsed is not None:
                # A day, as every date is stored: a time kept made a poll that ended at 9:00
                # on the day it began at 17:00 end before it began (and a zone, %z, stopped the
                # run).
                return datetime(parsed.year, parsed.month, parsed.day), "%d" not in fmt
        if any(fmt.startswith("%Y-%d") for fmt in formats):
            return BAD  # the layout writes its dashed dates year first, day second
    text = bare
    # ISO days are read whatever other formats a layout gives: they cannot be misread, and a
    # publisher's export re-saved by a spreadsheet or a script writes them (538's m/d/yy files
    # re-saved as 2023-01-27 lost every row).
    if iso := ISO_DAY.fullmatch(text):
        try:
            return datetime(*map(int, iso.groups())), False
        except ValueError:
            return BAD
    if written := YEAR_MONTH_DAY_MARKED.fullmatch(text):  # "2009年1月10日", "2017년 5월 10일"
        year, month, day = (int(part) if part else None for part in written.groups())
        try:
            return datetime(year, month, day or 1), day is None
        except ValueError:
            return BAD
    if formats:
        return BAD
    lowered, month, year = DATE_WORDS.sub("", text.lower()), None, None
    if (spelled := SPELLED.fullmatch(lowered)) and spelled.group(2) in MONTH_NUMBER:
        day, month, year = spelled.groups()
    elif american := SPELLED_MONTH_FIRST.fullmatch(lowered):
        month, day, year = american.groups()
    elif year_first := SPELLED_YEAR_FIRST.fullmatch(lowered):
        year, month, day = year_first.groups()
    elif dashed := SPELLED_DASHED.fullmatch(lowered):
        day, month, year = dashed.groups()
    elif short := SPELLED_SHORT_YEAR.fullmatch(lowered):
        month, year, day = *short.groups(), None
    if year is not None and len(year) == 2:
        year = str(_strptime(year, "%y").year)
    if month in MONTH_NUMBER:
        number = MONTH_NUMBER[month]
        if day is None:
            return datetime(int(year), number, 1), True
        parsed = _strptime(f"{year}-{number}-{day}", "%Y-%m-%d")
        return (parsed, False) if parsed is not None else BAD
    for pattern, fmt, month_only in DAY_FIRST_PATTERNS if day_first else AUTO_DATE_PATTERNS:
        if pattern.fullmatch(text):
            parsed = _strptime(text, fmt)
            return (parsed, month_only) if parsed is not None else BAD
    return BAD


def _strptime(text: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return None


def _month_end(day: datetime) -> datetime:
    following = day.replace(day=28) + timedelta(days=4)
    return following - timedelta(days=following.day)


# -- the column parsers -----------------------------------------------------------------------


def _clean_vectorised(raw: pd.Series) -> pd.Series:
    text = raw.astype("str").str.strip().str.replace(EDGES.pattern, "", regex=True)
    return text.where(~text.str.lower().isin(MISSING_TOKENS)).astype("str")


def clean_text(raw: pd.Series) -> pd.Series:
    """Trim whitespace and treat the usual spellings of 'no value' as missing."""
    if _mostly_distinct(raw):
        return _clean_vectorised(raw)
    return _by_value(clean, raw, "str", "text").values


def key_part(raw: pd.Series) -> pd.Series:
    """A cell of a source's own poll key, as the source means it: 538's `RV` and `rv` are one
    population, an id saved by a spreadsheet as `80795.0` the id 80795. Read as written, a
    correction with either was stored as a second poll beside the one it corrects."""
    text = clean_text(raw).str.lower()
    return text.str.replace(WHOLE_FLOAT, r"\1", regex=True)


WHOLE_FLOAT = r"^([0-9]+)\.0+$"


# What a spreadsheet runs as a formula when a text cell starts with it, and the apostrophe before
# it that makes such text inert (the OWASP advice, which pollwatch's CSV export follows and
# spreadsheets read as no part of the text): `'@FOM` is the sponsor @FOM. Kept, a poll read back
# from an export was "corrected" to sponsor `'@FOM`.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The same as a pattern both Python and DuckDB (RE2) read.
INERT_FORMULA = r"^'[=+\-@\t\r]"


def without_inert_mark(text: pd.Series) -> pd.Series:
    """Text as it was before a CSV export made it inert (FORMULA_STARTS)."""
    inert = text.str.contains(INERT_FORMULA, regex=True, na=False)
    return text.where(~inert, text.str[1:]) if inert.any() else text


def parse_text(raw: pd.Series) -> Parsed:
    return Parsed(without_inert_mark(clean_text(raw)), pd.Series(False, index=raw.index), "text")


# A name given as a link, as a web table exported with its markup writes it (Silver Bulletin's
# Datawrapper table: <a href='...pollster-ratings...'>Trafalgar Group</a>): the link's text.
# Each poll's link differed, so each poll was a pollster of its own, with a lean of its own.
LINKED_NAME = re.compile(r"<a\b[^>]*>([^<]*)</a>", re.IGNORECASE)


def parse_name(raw: pd.Series) -> Parsed:
    """A name (pollster, sponsor, leader): text, a link's text where the cell is one link."""
    text = without_inert_mark(clean_text(raw))
    linked = text.str.fullmatch(LINKED_NAME.pattern, case=False).fillna(False).astype(bool)
    if linked.any():
        text = text.copy()
        text[linked] = text[linked].str.extract(LINKED_NAME.pattern, flags=re.IGNORECASE)[0]
        text = clean_text(text)
    return Parsed(text, pd.Series(False, index=raw.index), "text")


def parse_category(raw: pd.Series) -> Parsed:
    return _by_value(read_category, raw, "str", "category")


def parse_mode(raw: pd.Series) -> Parsed:
    return _by_value(read_mode, raw, "str", "category")


def parse_population(raw: pd.Series) -> Parsed:
    return _by_value(read_population, raw, "str", "category")


def parse_country(raw: pd.Series) -> Parsed:
    return _by_value(read_country, raw, "str", "country")


def parse_number(raw: pd.Series) -> Parsed:
    return _by_value(read_number, raw, "float64", "not_a_number")


def parse_sample_size(raw: pd.Series) -> Parsed:
    return _by_value(read_sample_size, raw, "float64", "not_a_number")


def parse_bool(raw: pd.Series, default: bool = False) -> Parsed:
    return _by_value(lambda v: read_bool(v, default), raw, "bool", "not_true_or_false")


def parse_date(
    raw: pd.Series, period_end: bool = False, formats: tuple[str, ...] = (), day_first: bool = False
) -> Parsed:
    """Dates in the given strptime `formats`, or else in any of the usual spellings."""
    return _by_value(
        lambda v: read_date(v, period_end, formats, day_first), raw, "datetime64[us]", "not_a_date"
    )


def is_month_only(
    raw: pd.Series, formats: tuple[str, ...] = (), day_first: bool = False
) -> pd.Series:
    """Cells that name a month and no day, whose span the other end of a period can borrow."""
    return _by_value(lambda v: is_month(v, formats, day_first), raw, "bool", "month").values
