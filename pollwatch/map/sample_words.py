"""A sample size written with the population it is of: '1,500 LV', 'n=1,012', '800 (A)'.

Poll tables put whom a poll asked beside its size; read as a number, every such cell rejected
its poll. Here the number and the population are told apart, and a population that disagrees
with the row's own population column is found, for the user to hear of.
"""

from __future__ import annotations

import functools
import re

import pandas as pd

from pollwatch.map.categories import read_population
from pollwatch.map.cell_text import FOOTNOTE_MARKS, clean_text
from schemas.columns import POPULATIONS

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
