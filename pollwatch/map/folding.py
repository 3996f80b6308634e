"""How two spellings of a name, or a cell and a row filter's value, are found to be the same.

Publishers spell one pollster or leader many ways ("Levada-Center", "Levada Center", "Élisabeth
BORNE"), and a layout's row filter is written by hand: both are compared folded, one way here,
for the alias tables, the mapping of cells, the SQL path and the trends alike.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `pollwatch layouts` reads these files without paying for pandas
    import pandas as pd

# Accents and other marks, as Unicode's decomposition sets them apart from their letters: Latin
# and Cyrillic accents, Hebrew points, Arabic vowel marks, and the supplementary blocks.
ACCENTS = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
# What a name's spelling may add or leave out between its letters: spaces (a table's
# "SavantaComRes" beside its "Savanta ComRes" made two pollsters), dashes of any kind, dots
# ("Robert F. Kennedy Jr."), a comma before a suffix ("Robert F. Kennedy, Jr."), apostrophes
# straight or curly ("Beto O’Rourke").
BETWEEN_LETTERS = re.compile(r"[\s\-\u2010-\u2015.,'\u2018\u2019`\u00b4]+")


def fold_name(text: str) -> str:
    """How names are compared: case, accents, spaces, dashes, dots and apostrophes do not
    matter ("Elisabeth BORNE" is Élisabeth Borne, "Levada-Center" Levada Center; a Russian
    file's "е" for "ё" is the same name)."""
    text = ACCENTS.sub("", unicodedata.normalize("NFKD", text))
    return BETWEEN_LETTERS.sub("", text.lower())


def fold_series(text: pd.Series) -> pd.Series:
    """fold_name of each cell."""
    bare = text.str.normalize("NFKD").str.replace(ACCENTS, "", regex=True)
    return bare.str.lower().str.replace(BETWEEN_LETTERS, "", regex=True)


def fold_value(text: str) -> str:
    """How a row filter's values are compared with cells: case, accents, runs of spaces and the
    kind of dash do not matter, a dash does (a grade's "C-" is not "C", as a name's dash is
    nothing)."""
    text = ACCENTS.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(re.sub("[\u2010-\u2015]", "-", text).lower().split())


def fold_values(text: pd.Series) -> pd.Series:
    """fold_value of each cell."""
    bare = text.str.normalize("NFKD").str.replace(ACCENTS, "", regex=True)
    dashes = bare.str.replace("[\u2010-\u2015]", "-", regex=True)
    return dashes.str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
