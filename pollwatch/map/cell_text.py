"""A cell's text as the data means it: trimmed, missing when it says "no value", unmarked.

Publishers pad cells with spaces and invisible characters, write "n/a" or "—" for nothing, add
Wikipedia's footnote marks, and a CSV export makes formula-like text inert with an apostrophe:
each reader of a cell starts from its text cleaned here, the one way.
"""

from __future__ import annotations

import re

import pandas as pd

from pollwatch.map.distinct_cells import BAD, by_value, mostly_distinct

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "—"})
TRUE_TOKENS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_TOKENS = frozenset({"false", "f", "no", "n", "0"})
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


def read_bool(value: object, default: bool = False) -> bool | object:
    text = clean(value)
    if text is None:
        return default
    text = text.lower()
    if text in TRUE_TOKENS:
        return True
    return False if text in FALSE_TOKENS else BAD


def _clean_vectorised(raw: pd.Series) -> pd.Series:
    text = raw.astype("str").str.strip().str.replace(EDGES.pattern, "", regex=True)
    return text.where(~text.str.lower().isin(MISSING_TOKENS)).astype("str")


def clean_text(raw: pd.Series) -> pd.Series:
    """Trim whitespace and treat the usual spellings of 'no value' as missing."""
    if mostly_distinct(raw):
        return _clean_vectorised(raw)
    return by_value(clean, raw, "str", "text").values


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
