"""The columns of a header that say whose polls a file gives: its pollster, leader, country.

A layout that would drop such a column and store its own constants files one publisher's polls
under another's name, as VTsIOM's layout stored a YouGov poll of Americans as VTsIOM's poll of
Putin: choosing a layout, and telling why none fits, both ask these questions.
"""

from __future__ import annotations

import re

from pollwatch.map.layout import Layout

# Fields that say whose poll a row is. A header with a column of one of them that a layout does
# not know is not a file of that layout: it would drop the column and store its own constants,
# as VTsIOM's layout stored a YouGov poll of Americans as VTsIOM's poll of Putin.
IDENTIFYING_FIELDS = ("pollster", "leader", "country", "metric", "population", "poll_key")
# Their spellings in tables no layout reads: RealClearPolitics' `Poll` is the pollster.
UNREAD_SPELLINGS = ("poll",)
# A column no layout knows that names whose polls a row gives (`pollster_name`, `Polling firm`,
# `Poll source`, `Umfrageinstitut`, `politician name`, `Presidente`): dropped in VTsIOM's folder,
# a file of Ipsos polls of Biden with such columns was stored as VTsIOM's polls of Putin. Stems
# no other column has (STRONG), whatever else the name says (`Pollster ID`); words other columns
# share (WEAK), unless the column is about a measure, a link or a count (`Prime_minister_approve`,
# `Party_rating`, `Company_url`, `Person_count`), which a series' file may carry beside its own.
# The French and Spanish words in the singular alone: `Personne` names one, `Personnes
# interrogées` and `Personas encuestadas` count respondents (a Levada file carrying one was
# refused whole).
# A column named `name` alone names someone; `Survey name` or `Wave name` does not.
WHOSE_STRONG = re.compile(
    r"pollster|institut|encuestadora|sondeur|politician|politiker|candidat|organi[sz]ation"
    r"|компани|организаци|президент|социолог|(?<![a-z])(?:poll(?:ing)?|polled|fieldwork"
    r"|conducted)[ _]?(?:source|by|firm|company|house|agency)(?![a-z])|^name$"
)
WHOSE_WEAK = re.compile(
    r"(?<![a-z])(?:firms?|compan(?:y|ies)|agenc(?:y|ies)|empresas?|leaders?|presidents?"
    r"|presidente|presidenta|persons?|personne|personnalit[eé]s?|persona|part(?:y|ies)"
    r"|parti|partei|partido|premiers?|ministers?"
    r"|governors?)(?![a-z])"
)
ABOUT_A_MEASURE = re.compile(
    r"approv|rating|trust|support|favou?r|satisf|pct|percent|share|vote|score|%"
)
ABOUT_SOMETHING_ELSE = re.compile(
    r"url|link|weight|grade|sample|count|size|(?<![a-z])(?:id|n|nr|no)(?![a-z])"
)


def column_spellings(layouts: dict[str, Layout], fields: tuple[str, ...]) -> set[str]:
    """The column names that give these fields: the fields' own, and every layout's column
    read as one (538's `politician` and `president`, pollsposition's `sondage`)."""
    return {
        *fields,
        *(c for layout in layouts.values() for f in fields for c in layout.columns.get(f, ())),
    }


def whose_columns(header: list[str], layouts: dict[str, Layout]) -> list[str]:
    """The columns of the header that name a row's pollster or leader."""
    spellings = column_spellings(layouts, ("pollster", "leader"))
    return [column for column in header if column in spellings]


def says_whose(column: str) -> bool:
    if ABOUT_A_MEASURE.search(column):
        return False
    return bool(WHOSE_STRONG.search(column)) or (
        bool(WHOSE_WEAK.search(column)) and not ABOUT_SOMETHING_ELSE.search(column)
    )


def ignores_whose(layout: Layout, header: list[str], whose: set[str]) -> list[str]:
    """The columns of the header saying whose polls these are that the layout would drop: those
    spelled as some layout reads one (`whose`), and, where it gives every row its own pollster
    or leader, any says_whose names one (538's `pollster_rating_name` beside a layout
    reading `pollster` is a rating's column, not another pollster)."""
    known = layout.known_columns()
    constant = not {"pollster", "leader"}.isdisjoint(layout.constants)
    return [
        column
        for column in header
        if column not in known and (column in whose or constant and says_whose(column))
    ]


def identifying_columns(header: list[str], layouts: dict[str, Layout]) -> set[str]:
    """The columns of the header that say whose poll a row is: named as one of those fields or
    read as one by some layout (column_spellings), in some layout's poll key, or spelled as a table
    no layout reads spells one."""
    keys = {c for layout in layouts.values() for c in layout.poll_key_columns}
    spellings = column_spellings(layouts, IDENTIFYING_FIELDS) | keys | set(UNREAD_SPELLINGS)
    return spellings.intersection(header)
