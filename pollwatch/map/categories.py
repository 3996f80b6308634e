"""Categories from the words publishers use: how a poll was conducted and whom it asked.

"Live Phone/Online Panel", "All adults", "Inscrits sur les listes électorales" and 538's "rv"
each name one of the canonical categories (schemas.columns MODES, POPULATIONS); a cell whose
words name none, two, or only a part of a population is left as written, to be rejected by name.
"""

from __future__ import annotations

import re

from pollwatch.map.cell_text import clean
from schemas.columns import MODES, POPULATIONS


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
