"""Shares and sample sizes as poll tables write them: '71,5', '83 %', '1.600', '2.202,5'.

A decimal comma, a thousands separator of either kind and a percent sign each change what the
digits say: read wrong, a sample of 1,600 is one of 1.6 people, and a decimal read as thousands
is a sample of 999,125.
"""

from __future__ import annotations

import math
import re

from pollwatch.map.cell_text import FOOTNOTE_MARKS, clean
from pollwatch.map.distinct_cells import BAD

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
