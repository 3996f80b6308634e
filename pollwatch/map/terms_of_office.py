"""A layout's [[leader_by_date]]: a series of "the president" names whoever held the office.

The terms are read into the order in which they apply and checked for overlaps, since a typo
in a date would otherwise move a predecessor's last polls to the successor without a word.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class OfficeTerm:
    leader: str
    start: datetime
    end: datetime


# An open term (no `until`): pandas timestamps end in 2262.
FOREVER = "2262-01-01"


def read_terms(specs) -> tuple[OfficeTerm, ...]:
    """In the order they apply, a later one winning: terms with no `until` first, by when they
    began (each holds until a later one begins), then those with one, by when they began (an
    interlude inside an open term, as Medvedev's inside Putin's, and a hand-over day the new
    holder's, however the file lists them)."""
    ordered = sorted(specs, key=lambda spec: (not _open(spec), toml_day(spec["from"])))
    handed_over = {_term(spec).start for spec in ordered if _open(spec)}
    return tuple(
        replace(term, end=term.end - timedelta(days=1)) if term.end in handed_over else term
        for term in map(_term, ordered)
    )


def _term(spec: dict) -> OfficeTerm:
    return OfficeTerm(
        spec["leader"], toml_day(spec["from"]), toml_day(spec.get("until") or FOREVER)
    )


def _open(spec: dict) -> bool:
    """A term with no `until`: it holds until a later one begins."""
    return spec.get("until") is None


def terms_problem(specs) -> str | None:
    """A term ending before it begins, two open terms beginning the same day, or two terms with
    ends sharing more than a hand-over day: the last listed took the polls, so a typo in a date
    moved a predecessor's last polls to the successor, without a word."""
    bounded, open_starts = [], {}
    for spec in specs:
        term = _term(spec)
        if _open(spec):
            if term.start in open_starts:
                return (
                    f"[[leader_by_date]] {open_starts[term.start]}'s and {term.leader}'s terms"
                    f" both begin {term.start:%Y-%m-%d}: which holds the office then?"
                )
            open_starts[term.start] = term.leader
        elif term.end < term.start:
            return (
                f"[[leader_by_date]] {term.leader}'s term ends ({term.end:%Y-%m-%d}) before it"
                f" begins ({term.start:%Y-%m-%d})"
            )
        else:
            bounded.append(term)
    bounded.sort(key=lambda term: term.start)
    for term in bounded:  # an open term beginning inside one with an end, not at its end
        for start, leader in open_starts.items():
            if term.start < start < term.end:
                return _overlap(term, OfficeTerm(leader, start, start))
    for earlier, later in zip(bounded, bounded[1:], strict=False):
        if later.start < earlier.end:
            return _overlap(earlier, later)
    return None


def _overlap(earlier: OfficeTerm, later: OfficeTerm) -> str:
    return (
        f"[[leader_by_date]] terms overlap: {earlier.leader}'s runs until"
        f" {earlier.end:%Y-%m-%d} and {later.leader}'s begins {later.start:%Y-%m-%d};"
        " a poll ending in both would be given to either, so end one term the day before"
        " (or the day) the next begins"
    )


def toml_day(value) -> datetime:
    """A TOML date, quoted or not, as the midnight it starts."""
    return datetime.fromisoformat(str(value))
