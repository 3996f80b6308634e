"""Source layouts: how a publisher's CSV maps to the canonical poll record.

A layout is data, one TOML file in schemas/sources/, so adding a pollster is adding a file.
This is the form the rest of pollwatch reads a layout in: which columns give which field, the
constants and value maps, and what the header must have; layout_files.py loads the files,
layout_checks.py says what is wrong with one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pollwatch.config import ConfigError
from pollwatch.map.drop_cadence import Cadence
from pollwatch.map.terms_of_office import OfficeTerm
from pollwatch.read.header import told_column

# The names whose spelling in the file is kept beside the stored one (pollster_as_written, ...);
# [as_written] may name a column giving it, as pollwatch's export does.
AS_WRITTEN = ("pollster", "leader")
# [answers]: which answers each share adds up, by the share's name there.
ANSWER_SHARES = {
    "positive": "positive_pct",
    "negative": "negative_pct",
    "undecided": "undecided_pct",
}
# What a published_precision_column cell says of a date known to its month alone, as pollwatch's
# export writes it (store.records.PROVENANCE_COLUMNS).
MONTH_PRECISION = "month"


class LayoutError(ConfigError):
    """A layout file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Answers:
    """A file giving each answer of a poll on a row of its own ([answers]: Irish B&A's
    Satisfied / Dissatisfied / No opinion rows): the column naming the answer, the column giving
    its share, and the answers (folded) each share of the poll adds up."""

    column: str
    share: str
    shares: dict[str, frozenset[str]]  # positive_pct, ... -> answers

    def source(self, name: str) -> str:
        """The column a share is read from, as answer_rows.polls_of_answers names it and a reject
        shows it: "pct (positive)"."""
        role = next(role for role, field in ANSWER_SHARES.items() if field == name)
        return f"{self.share} ({role})"


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    by_header: bool
    # canonical field -> the source column(s) it is read from, first present wins (lower case)
    columns: dict[str, tuple[str, ...]]
    optional: frozenset[str]
    constants: dict[str, str]
    # canonical field -> {source text, lower case: canonical text}
    values: dict[str, dict[str, str]]
    ignore: frozenset[str]
    date_formats: tuple[str, ...] = ()
    # Whether a slashed date puts the day first (14/03/2023): declared ([dates] day_first), or
    # None, for each file to settle from its own dates (map/day_order.py).
    day_first: bool | None = None
    date_precision: str = "day"
    month_only_published_is_fieldwork: bool = False
    # `published` is the day a tracker entered the poll (538's created_at), which can fall inside
    # a rolling poll's period: such a poll counts as published when its fieldwork ended.
    published_is_entry: bool = False
    # The column saying of each row's publication date whether it is a day or stands for its
    # month ("day" / "month", as pollwatch's export writes published_precision): a month's last
    # day, read as a day, would make it public weeks late for `--as-of`.
    published_precision_column: str | None = None
    poll_key_prefix: str = ""
    poll_key_columns: tuple[str, ...] = ()
    skip_rows_without_shares: bool = False
    leader_by_date: tuple[OfficeTerm, ...] = field(default_factory=tuple)
    # source column -> the values (folded) a row must have to be kept / is dropped for
    keep_rows: dict[str, frozenset[str]] = field(default_factory=dict)
    drop_rows: dict[str, frozenset[str]] = field(default_factory=dict)
    cadence: Cadence | None = None
    # Whether the file's shares are proportions (0.62 for 62%): declared ([shares] proportions,
    # then proportions_declared), or settled from each file's own shares (share_scale.py).
    proportions: bool | None = None
    proportions_declared: bool = False
    answers: Answers | None = None
    # name (AS_WRITTEN) -> the column giving its spelling as a source wrote it, where a file says
    # so itself ([as_written]: pollwatch's export, read back, keeps the first source's spelling).
    as_written_columns: dict[str, str] = field(default_factory=dict)

    @property
    def filters_rows(self) -> bool:
        """Whether rows are kept, dropped or joined by the layout: read one file at a time, by
        mapping.py alone."""
        return bool(
            self.skip_rows_without_shares or self.keep_rows or self.drop_rows or self.answers
        )

    def source_column(self, header: list[str], name: str) -> str | None:
        """The column `name` is read from in a file with this header, if it has one."""
        return next((c for c in self.columns.get(name, ()) if c in header), None)

    def required_columns(self) -> dict[tuple[str, ...], str]:
        """The source columns a file must have, each a tuple of alternatives, in order, with
        where the layout asks for it when it is no field's column: a column required by a row
        filter or the poll key is otherwise a mystery to whoever reads that it is missing."""
        required = {s: "" for name, s in self.columns.items() if name not in self.optional}
        for column in self.poll_key_columns:
            required.setdefault((column,), "[poll_key] columns")
        for kind, table in (("keep", self.keep_rows), ("drop", self.drop_rows)):
            for column in table:
                required.setdefault((column,), f"[rows] {kind}")
        if self.answers is not None:
            for column in (self.answers.column, self.answers.share):
                required.setdefault((column,), "[answers]")
        return required

    def _absent(self, header: list[str]) -> list[tuple[tuple[str, ...], str]]:
        """The required columns (required_columns' items) none of whose alternatives `header`
        has."""
        return [
            (sources, why)
            for sources, why in self.required_columns().items()
            if not any(c in header for c in sources)
        ]

    def missing_columns(self, header: list[str]) -> list[str]:
        """Required source columns absent from `header` ('a or b' for alternatives, and where
        the layout asks for one that is no field's column)."""
        return [
            " or ".join(map(told_column, sources)) + (f" (from {why})" if why else "")
            for sources, why in self._absent(header)
        ]

    def lacks_only_key_or_filter_columns(self, header: list[str]) -> bool:
        """Whether the header has every field column of this layout and lacks only columns of
        its row filter or poll key: a file in it, short of a column the filter or key reads."""
        lacking = self._absent(header)
        return bool(lacking) and all(why for _, why in lacking)

    def used_columns(self) -> set[str]:
        """The source columns the layout reads (not those it ignores): what a header shares with
        it, since a file of 538's ignored columns says nothing of being 538's file."""
        mapped = {c for sources in self.columns.values() for c in sources}
        answers = [] if self.answers is None else [self.answers.column, self.answers.share]
        return mapped | set(self.poll_key_columns) | {*self.keep_rows, *self.drop_rows, *answers}

    def known_columns(self) -> set[str]:
        precision = {self.published_precision_column} - {None}
        return self.used_columns() | self.ignore | precision | set(self.as_written_columns.values())


FIELDWORK_ENDS = ("fieldwork_start", "fieldwork_end")


def with_both_ends(columns: dict, constants: dict) -> dict:
    """A fieldwork date column mapped to one end alone is read as both: a period in one cell
    ("Jan 30-Feb 5, 2017") gives its first and last days, a month its first and last, and a
    day is a one-day poll (as the README says; such a layout was refused)."""
    given = [end for end in FIELDWORK_ENDS if end in columns]
    if len(given) == 1:
        other = next(end for end in FIELDWORK_ENDS if end != given[0])
        if other not in constants:
            return {**columns, other: columns[given[0]]}
    return columns


def as_list(value: str | int | list) -> list:
    """A value or a list of them as a list (`keep = { Wave = 1 }` raised a TypeError)."""
    return list(value) if isinstance(value, list) else [value]
