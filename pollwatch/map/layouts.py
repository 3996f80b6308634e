"""Source layouts: how a publisher's CSV maps to the canonical poll record.

A layout is data, one TOML file in schemas/sources/, so adding a pollster is adding a file. This
module loads and checks those files, picks the layout a dropped file is in (its folder, else its
header), and holds the alias tables that give each pollster and leader one spelling.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import schemas
from pollwatch.config import ConfigError
from pollwatch.map.values import read_category, read_mode, read_population
from pollwatch.read.cells import normalise_header, told_column
from pollwatch.read.decoding import UnreadableFile
from pollwatch.read.echo import capped, counted, joined, listed
from schemas.columns import CANONICAL_COLUMNS, CATEGORY_COLUMNS, REQUIRED_COLUMNS
from schemas.countries import ISO_3166_ALPHA2

if TYPE_CHECKING:  # `pollwatch layouts` reads these files without paying for pandas
    import pandas as pd

SCHEMAS = Path(schemas.__file__).parent  # where the package is, in a checkout or a wheel
LAYOUT_DIR = SCHEMAS / "sources"
ALIASES_FILE = SCHEMAS / "aliases.toml"
PRECISIONS = ("day", "month", "week_ending")
# The keys whose value is a table of its own.
TABLES = (
    "columns",
    "constants",
    "values",
    "dates",
    "poll_key",
    "rows",
    "shares",
    "answers",
    "as_written",
)
# Every key a layout may have: those tables, and the keys of plain values.
TOP_LEVEL_KEYS = {
    *TABLES,
    "cadence",
    "name",
    "title",
    "by_header",
    "optional",
    "ignore",
    "leader_by_date",
}
# The names whose spelling in the file is kept beside the stored one (pollster_as_written, ...);
# [as_written] may name a column giving it, as pollwatch's export does.
AS_WRITTEN = ("pollster", "leader")
# [answers]: which answers each share adds up, by the share's name there.
ANSWER_SHARES = {
    "positive": "positive_pct",
    "negative": "negative_pct",
    "undecided": "undecided_pct",
}
DATE_KEYS = (
    "formats",
    "day_first",
    "precision",
    "month_only_published_is_fieldwork",
    "published_is_entry",
    "published_precision_column",
)
# What a published_precision_column cell says of a date known to its month alone, as pollwatch's
# export writes it (store.records.PROVENANCE_COLUMNS).
MONTH_PRECISION = "month"
# The directives strptime knows (Python 3.11's): a format with another one reads no date, and
# every row of every file would be rejected as not_a_date rather than the layout refused.
STRPTIME_DIRECTIVES = set("%ABGHIMSUVWXYZabcdfjmpuwxyz")


class LayoutError(ConfigError):
    """A layout file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class OfficeTerm:
    leader: str
    start: datetime
    end: datetime


# An open term (no `until`): pandas timestamps end in 2262.
FOREVER = "2262-01-01"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Cadence:
    """When a source's drops are expected: weekly on a weekday (`on`, 0 Monday), or monthly by a
    day of the month (`by_day`); a drop later than `grace_days` past that is overdue."""

    every: str  # week or month
    on: int | None = None
    by_day: int | None = None
    grace_days: int = 2

    def describe(self) -> str:
        when = (
            f"weekly on {WEEKDAYS[self.on].title()}s"
            if self.every == "week"
            else f"monthly by day {self.by_day}"
        )
        return f"{when}, {self.grace_days} days' grace"


@dataclass(frozen=True)
class Answers:
    """A file giving each answer of a poll on a row of its own ([answers]: Irish B&A's
    Satisfied / Dissatisfied / No opinion rows): the column naming the answer, the column giving
    its share, and the answers (folded) each share of the poll adds up."""

    column: str
    share: str
    shares: dict[str, frozenset[str]]  # positive_pct, ... -> answers

    def source(self, name: str) -> str:
        """The column a share is read from, as mapping._polls_of_answers names it and a reject
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


def load_layouts(local: Path | None = None) -> dict[str, Layout]:
    """The shipped layouts, then any in `local` (a data directory's layouts/ folder)."""
    paths = sorted(LAYOUT_DIR.glob("*.toml"))
    paths += sorted(local.glob("*.toml")) if local is not None and local.is_dir() else []
    return _unchanged_or_read(("layouts", *paths), lambda: _read_layouts(paths))


def _read_layouts(paths: list[Path]) -> dict[str, Layout]:
    layouts: dict[str, Layout] = {}
    for path in paths:
        layout = load_layout(path)
        if layout.name in layouts:
            raise LayoutError(f"{path}: a layout named {layout.name!r} already exists")
        layouts[layout.name] = layout
    return layouts


_READ: dict[tuple, tuple[tuple, object]] = {}


def _unchanged_or_read(key: tuple, read):
    """Read files again only when one of them changed: a batch of a thousand drops should not
    parse the same layout files a thousand times, and an edited layout is seen at once."""
    stamps = tuple((stat.st_mtime_ns, stat.st_size) for stat in (p.stat() for p in key[1:]))
    cached = _READ.get(key)
    if cached is not None and cached[0] == stamps:
        return cached[1]
    value = read()
    _READ[key] = (stamps, value)
    return value


def _layout_text(path: Path) -> str:
    """A layout file's text: UTF-8, with or without the byte-order mark Windows editors write.
    Saved as "ANSI" (cp1252), it is refused naming the line, not with a traceback."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise LayoutError(
            f"{path}: not UTF-8 text (byte 0x{data[err.start]:02x} on line {line}): "
            "save it as UTF-8"
        ) from None


def load_layout(path: Path) -> Layout:
    try:
        spec = tomllib.loads(_layout_text(path))
    except tomllib.TOMLDecodeError as err:
        raise LayoutError(f"{path}: not valid TOML: {err}") from None
    problem = _problem(spec, path)
    if problem:
        raise LayoutError(f"{path}: {problem}")
    dates, key, rows = spec.get("dates", {}), spec.get("poll_key", {}), spec.get("rows", {})
    return Layout(
        name=spec["name"],
        title=spec.get("title", spec["name"]),
        by_header=spec.get("by_header", True),
        columns=_with_both_ends(
            {name: tuple(_lower(_as_list(source))) for name, source in spec["columns"].items()},
            spec.get("constants", {}),
        ),
        optional=frozenset(spec.get("optional", ())),
        constants=dict(spec.get("constants", {})),
        values={
            name: {fold_name(k): v for k, v in table.items()}
            for name, table in spec.get("values", {}).items()
        },
        ignore=frozenset(_lower(spec.get("ignore", ()))),
        date_formats=tuple(dates.get("formats", ())),
        day_first=dates.get("day_first"),
        date_precision=dates.get("precision", "day"),
        month_only_published_is_fieldwork=dates.get("month_only_published_is_fieldwork", False),
        published_is_entry=dates.get("published_is_entry", False),
        published_precision_column=(
            normalise_header(dates["published_precision_column"])
            if "published_precision_column" in dates
            else None
        ),
        poll_key_prefix=key.get("prefix", ""),
        poll_key_columns=tuple(_lower(key.get("columns", ()))),
        skip_rows_without_shares=rows.get("skip_without_shares", False),
        keep_rows=_row_filter(rows.get("keep", {})),
        drop_rows=_row_filter(rows.get("drop", {})),
        leader_by_date=_terms(spec.get("leader_by_date", ())),
        cadence=_cadence(spec.get("cadence")),
        proportions=spec.get("shares", {}).get("proportions"),
        proportions_declared="proportions" in spec.get("shares", {}),
        answers=_answers(spec.get("answers")),
        as_written_columns={
            name: normalise_header(column) for name, column in spec.get("as_written", {}).items()
        },
    )


def _answers(spec: dict | None) -> Answers | None:
    if spec is None:
        return None
    return Answers(
        normalise_header(spec["column"]),
        normalise_header(spec["share"]),
        {
            field: frozenset(fold_value(a) for a in _as_list(spec[role]))
            for role, field in ANSWER_SHARES.items()
            if role in spec
        },
    )


def _answers_problem(spec: object, columns: dict) -> str | None:
    """What is wrong with a layout's [answers], or None."""
    if spec is None:
        return None
    if stray := set(spec) - {"column", "share", *ANSWER_SHARES}:
        known = ", ".join(["column", "share", *ANSWER_SHARES])
        return f"has unknown key(s) {', '.join(sorted(stray))} (known: {known})"
    for key in ("column", "share"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            return (
                f"needs {key} = the name of the column giving each row's"
                f" {'answer' if key == 'column' else 'share of that answer'}"
            )
    if "positive" not in spec:
        return 'needs positive = the answers the positive share adds up, as ["Satisfied"]'
    seen: dict[str, str] = {}
    for role in ANSWER_SHARES:
        answers = _as_list(spec.get(role, []))
        if role in spec and not (answers and all(isinstance(a, str) for a in answers)):
            return f'{role} must be an answer or a list of them, as {role} = ["Satisfied"]'
        for answer in answers:
            if (other := seen.setdefault(fold_value(answer), role)) != role:
                return f"{answer!r} is both a {other} and a {role} answer"
    if read := [f for role, f in ANSWER_SHARES.items() if role in spec and f in columns]:
        return f"{', '.join(read)} read from [columns] and from [answers]: name it in one only"
    return None


def _cadence(spec: dict | None) -> Cadence | None:
    if spec is None:
        return None
    on = spec.get("on")
    return Cadence(
        spec["every"],
        None if on is None else WEEKDAYS.index(on.lower()),
        spec.get("by_day"),
        spec.get("grace_days", 2),
    )


def _cadence_problem(spec: object) -> str | None:
    if spec is None:
        return None
    if not isinstance(spec, dict):
        return 'must be a table: every = "week" with on = a weekday, or "month" with by_day'
    stray = set(spec) - {"every", "on", "by_day", "grace_days"}
    if stray:
        return (
            f"has unknown key(s) {', '.join(sorted(stray))} (known: every, on, by_day, grace_days)"
        )
    grace = spec.get("grace_days", 2)
    if not isinstance(grace, int) or isinstance(grace, bool) or grace < 0:
        return f"grace_days = {grace!r} must be a whole number of days, 0 or more"
    if spec.get("every") == "week":
        on = spec.get("on")
        if not isinstance(on, str) or on.lower() not in WEEKDAYS or "by_day" in spec:
            return f'every = "week" needs on = a weekday ({", ".join(WEEKDAYS)}), not by_day'
        return None
    if spec.get("every") == "month":
        day = spec.get("by_day")
        if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 28 or "on" in spec:
            return 'every = "month" needs by_day = a day of the month from 1 to 28, not on'
        return None
    return f'every = {spec.get("every")!r} must be "week" or "month"'


def _row_filter(spec: dict[str, str | int | list[str | int]]) -> dict[str, frozenset[str]]:
    """Column -> the values it is filtered on, as the layout writes them (cells are compared
    with them folded); a whole number (`wave = 3`, as TOML reads it unquoted) as the file
    writes it."""
    return {
        normalise_header(column): frozenset(str(v) for v in _as_list(wanted))
        for column, wanted in spec.items()
    }


def _row_value(value: object) -> bool:
    """A value a row filter can hold: a text, or a whole number (not true or false, which TOML
    also reads as one, nor a fraction, which a file may write as 2.5 or 2.50)."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _problem(spec: dict, path: Path) -> str | None:
    """The first thing wrong with a layout file, in words, or None."""
    unknown = set(spec) - TOP_LEVEL_KEYS
    if unknown:
        return f"unknown key(s) {', '.join(sorted(unknown))}"
    if spec.get("name") != path.stem:
        return f"name = {spec.get('name')!r} must equal the file name {path.stem!r}"
    for section in TABLES:
        if not isinstance(spec.get(section, {}), dict):
            return f"{section} must be a table: [{section}], then key = value lines"
    if not isinstance(spec.get("by_header", True), bool):
        return "by_header must be true or false"
    if not isinstance(spec.get("title", ""), str):
        return "title must be a text"
    # A text where a list is wanted would be read letter by letter.
    for key, what, example in (
        ("optional", "fields", "sample_size"),
        ("ignore", "columns", "source"),
    ):
        value = spec.get(key, [])
        if isinstance(value, list) and all(isinstance(n, str) for n in value) and not _names(value):
            return (
                f"{key} = {value!r} names an empty {what[:-1]}: a column with no name in the"
                " header is read as unnamed_ and its place, counting from 1 (unnamed_1 first)"
            )
        if not _names(value):
            return f'{key} must be a list of {what}, as {key} = ["{example}"]'
    for name, source in spec.get("columns", {}).items():
        names = [source] if isinstance(source, str) else source
        if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
            return f"[columns] {name} = {source!r} must be a column name, or a list of them"
        if not names or not all(n.strip() for n in names):
            return f"[columns] {name} = {source!r} names no column: no file could have it"
    for column, spelled in spec.get("values", {}).items():
        if not isinstance(spelled, dict):
            return f"[values] {column} must be a table: [values.{column}], then as written = value"
        for written, value in spelled.items():
            # One value each: a text, or a number or true/false ("Y" = true for tracking).
            if isinstance(value, dict | list):
                return f"[values.{column}] {written!r} = {value!r} must be one value"
    columns, constants = spec.get("columns", {}), spec.get("constants", {})
    for section, names in (
        ("columns", columns),
        ("constants", constants),
        ("values", spec.get("values", {})),
        ("optional", spec.get("optional", ())),
    ):
        stray = [n for n in names if n not in CANONICAL_COLUMNS]
        if stray:
            return f"[{section}] names {', '.join(stray)}, not canonical columns"
    for name, value in constants.items():
        if isinstance(value, dict | list):
            return f"[constants] {name} = {value!r} must be one value, not a list or table"
    both = set(columns) & set(constants)
    if both:
        return f"{', '.join(sorted(both))} is both read from a column and a constant"
    for name, allowed in CATEGORY_COLUMNS.items():
        targets = list(spec.get("values", {}).get(name, {}).values())
        targets += [constants[name]] if name in constants else []
        # Read as a file's cell is, which is how they are read ("Adults 18+" was refused here).
        read = CATEGORY_READERS.get(name, read_category)
        wrong = [str(t) for t in targets if not isinstance(t, str) or read(t) not in allowed]
        if wrong:
            return f"{name} value(s) {', '.join(wrong)} are not among {', '.join(allowed)}"
    # Checked as the poll model checks a row's (read_country upper-cases it), or every row of
    # every file would be rejected for the layout's mistake.
    countries = list(spec.get("values", {}).get("country", {}).values())
    countries += [constants["country"]] if "country" in constants else []
    wrong = [str(c) for c in countries if str(c).strip().upper() not in ISO_3166_ALPHA2]
    if wrong:
        return f"country value(s) {', '.join(wrong)} are not ISO 3166-1 alpha-2 codes (RU, UA, US)"
    rows = spec.get("rows", {})
    stray = set(rows) - {"skip_without_shares", "keep", "drop"}
    if stray:
        known = "skip_without_shares, keep, drop"
        return f"[rows] has unknown key(s) {', '.join(sorted(stray))} (known: {known})"
    for kind in ("keep", "drop"):
        if not isinstance(rows.get(kind, {}), dict):
            return (
                f"[rows] {kind} must be a table of column = value(s), as"
                f' {kind} = {{ subgroup = "All polls" }}'
            )
        for column, wanted in rows.get(kind, {}).items():
            if not column.strip():
                return f"[rows.{kind}] names an empty column: no file could have it"
            if not all(_row_value(v) for v in _as_list(wanted)):
                return f"[rows.{kind}] {column} must be a text, a whole number or a list of them"
            if wanted == []:
                return f"[rows.{kind}] {column} lists no value: it would {kind} no row"
        folded = [normalise_header(column) for column in rows.get(kind, {})]
        if twice := sorted({c for c in folded if folded.count(c) > 1}):
            return f"[rows.{kind}] names {', '.join(twice)} twice (case and spaces do not count)"
    shares = spec.get("shares", {})
    if stray := set(shares) - {"proportions"}:
        return f"[shares] has unknown key(s) {', '.join(sorted(stray))} (known: proportions)"
    if not isinstance(shares.get("proportions", False), bool):
        return "[shares] proportions must be true or false"
    key = spec.get("poll_key", {})
    if stray := set(key) - {"prefix", "columns"}:
        return f"[poll_key] has unknown key(s) {', '.join(sorted(stray))} (known: prefix, columns)"
    named = key.get("columns", [])
    if not (isinstance(named, list) and _names(named)):
        return '[poll_key] columns must be a list of column names, as columns = ["poll_id"]'
    if not isinstance(key.get("prefix", ""), str):
        return "[poll_key] prefix must be a text"
    if not isinstance(rows.get("skip_without_shares", False), bool):
        return "[rows] skip_without_shares must be true or false"
    keep, drop = (_row_filter(rows.get(kind, {})) for kind in ("keep", "drop"))
    for column in keep.keys() & drop.keys():
        dropped = {fold_value(value) for value in drop[column]}
        if both := {value for value in keep[column] if fold_value(value) in dropped}:
            return f"[rows] both keeps and drops {column} = {', '.join(sorted(both))}"
    dates = spec.get("dates", {})
    if stray := set(dates) - set(DATE_KEYS):
        return (
            f"[dates] has unknown key(s) {', '.join(sorted(stray))} (known: {', '.join(DATE_KEYS)})"
        )
    for flag in ("day_first", "month_only_published_is_fieldwork", "published_is_entry"):
        if not isinstance(dates.get(flag, False), bool):
            return f"[dates] {flag} must be true or false"
    said = dates.get("published_precision_column")
    if "published_precision_column" in dates and (not isinstance(said, str) or not said.strip()):
        return (
            f"[dates] published_precision_column = {said!r} must name the column saying whether"
            ' each publication date is a "day" or a "month"'
        )
    for name, column in spec.get("as_written", {}).items():
        if name not in AS_WRITTEN:
            return f"[as_written] names {name}: only {' and '.join(AS_WRITTEN)} are kept as written"
        if not isinstance(column, str) or not column.strip():
            return f"[as_written] {name} = {column!r} must name the column giving its spelling"
    precision = dates.get("precision", "day")
    if precision not in PRECISIONS:
        return f"[dates] precision = {precision!r} is not one of {', '.join(PRECISIONS)}"
    formats = dates.get("formats", [])
    if not (isinstance(formats, list) and all(isinstance(f, str) and f for f in formats)):
        return '[dates] formats must be a list of strptime formats, as formats = ["%m/%d/%Y"]'
    for fmt in formats:
        unknown = [d for d in re.findall(r"%(.?)", fmt) if d not in STRPTIME_DIRECTIVES]
        if unknown:
            return (
                f"[dates] formats: {fmt!r} has {'%' + unknown[0] if unknown[0] else 'a lone %'},"
                " not a strptime directive (%d day, %m month, %Y year, %y its last two digits)"
            )
    for term in spec.get("leader_by_date", ()):
        if not isinstance(term, dict) or "leader" not in term or "from" not in term:
            return "each [[leader_by_date]] needs leader and from (and may have until)"
        if not isinstance(term["leader"], str) or not term["leader"].strip():
            return f"[[leader_by_date]] leader = {term['leader']!r} must be a name"
        for key in ("from", "until"):
            try:
                _day(term.get(key, FOREVER))
            except ValueError:
                return f"[[leader_by_date]] {key} = {term[key]!r} is not a date (YYYY-MM-DD)"
    terms = _terms_problem(spec.get("leader_by_date", ()))
    if terms:
        return terms
    cadence = _cadence_problem(spec.get("cadence"))
    if cadence:
        return f"[cadence] {cadence}"
    answers = _answers_problem(spec.get("answers"), columns)
    if answers:
        return f"[answers] {answers}"
    sources = _with_both_ends(columns, constants)  # as load_layout reads them
    for required in REQUIRED_COLUMNS:
        if (
            required not in sources
            and required not in constants
            and not (required == "leader" and spec.get("leader_by_date"))
            and not (required == "positive_pct" and "answers" in spec)
        ):
            return f"{required} is neither read from a column nor a constant"
    return None


FIELDWORK_ENDS = ("fieldwork_start", "fieldwork_end")
CATEGORY_READERS = {"mode": read_mode, "population": read_population}


def _with_both_ends(columns: dict, constants: dict) -> dict:
    """A fieldwork date column mapped to one end alone is read as both: a period in one cell
    ("Jan 30-Feb 5, 2017") gives its first and last days, a month its first and last, and a
    day is a one-day poll (as the README says; such a layout was refused)."""
    given = [end for end in FIELDWORK_ENDS if end in columns]
    if len(given) == 1:
        other = next(end for end in FIELDWORK_ENDS if end != given[0])
        if other not in constants:
            return {**columns, other: columns[given[0]]}
    return columns


def _names(value: object) -> bool:
    """Whether `value` is a list of column names, none empty."""
    return isinstance(value, list) and all(isinstance(n, str) and n.strip() for n in value)


def _as_list(value: str | int | list) -> list:
    """A value or a list of them as a list (`keep = { Wave = 1 }` raised a TypeError)."""
    return list(value) if isinstance(value, list) else [value]


def _terms(specs) -> tuple[OfficeTerm, ...]:
    """In the order they apply, a later one winning: terms with no `until` first, by when they
    began (each holds until a later one begins), then those with one, by when they began (an
    interlude inside an open term, as Medvedev's inside Putin's, and a hand-over day the new
    holder's, however the file lists them)."""
    ordered = sorted(specs, key=lambda spec: (not _open(spec), _day(spec["from"])))
    handed_over = {_term(spec).start for spec in ordered if _open(spec)}
    return tuple(
        replace(term, end=term.end - timedelta(days=1)) if term.end in handed_over else term
        for term in map(_term, ordered)
    )


def _term(spec: dict) -> OfficeTerm:
    return OfficeTerm(spec["leader"], _day(spec["from"]), _day(spec.get("until") or FOREVER))


def _open(spec: dict) -> bool:
    """A term with no `until`: it holds until a later one begins."""
    return spec.get("until") is None


def _terms_problem(specs) -> str | None:
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


def _day(value) -> datetime:
    """A TOML date, quoted or not, as the midnight it starts."""
    return datetime.fromisoformat(str(value))


def _lower(names) -> list[str]:
    return [normalise_header(n) for n in names]


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


def load_aliases(local: Path | None = None) -> dict[str, dict[str, str]]:
    """field -> {folded spelling: the one stored spelling} for pollster and leader: the shipped
    table, then `local` (a data directory's aliases.toml), whose entries win."""
    paths = [ALIASES_FILE, *([local] if local is not None and local.is_file() else [])]
    return _unchanged_or_read(("aliases", *paths), lambda: _read_aliases(paths))


def aliased_leader(leader: str, local: Path | None = None) -> str:
    """The leader a name a person typed stands for in the alias tables (load_aliases), else the
    name: `trend --leader Путин` finds Vladimir Putin's polls as a file's cell would."""
    return load_aliases(local)["leader"].get(fold_name(leader), leader)


def with_stored_names(
    aliases: dict[str, dict[str, str]], stored: dict[str, list[str]]
) -> dict[str, dict[str, str]]:
    """The alias tables, and each name already stored as its own spelling where they do not
    know it: a later file's "Gabriel ATTAL" or "VERIAN" is the stored Gabriel Attal or Verian
    (stored apart, a correction of the same poll was rejected as another poll's key, and the
    pollster's house effect split in two)."""
    return {
        field: {**{fold_name(name): name for name in stored.get(field, [])}, **table}
        for field, table in aliases.items()
    }


def _read_aliases(paths: list[Path]) -> dict[str, dict[str, str]]:
    """Each file's entries over the earlier files': an entry naming a spelling an earlier file
    reads as some name takes all of that name's spellings ("Gallup Organization" = ["Gallup"]
    in a data directory moved Gallup alone, and the shipped table's "Gallup Poll" stayed
    Gallup: one firm stored under two names)."""
    aliases: dict[str, dict[str, str]] = {kind: {} for kind in ALIASED}
    written: list[str] = []  # the leaders' spellings as written (the tables' keys are folded)
    for path in paths:
        for kind, table in _alias_tables(path).items():
            known = aliases[kind]
            for canonical, spellings in table.items():
                folded = [fold_name(spelling) for spelling in [canonical, *spellings]]
                taken = {known[f] for f in folded if f in known}
                known |= {f: canonical for f, name in known.items() if name in taken}
                known |= dict.fromkeys(folded, canonical)
                written += [canonical, *spellings] if kind == "leader" else []
    aliases["leader"] = _with_surname_first(aliases["leader"], written)
    return aliases


def _with_surname_first(table: dict[str, str], written: list[str]) -> dict[str, str]:
    """The leaders' table, and each of its names of two words or more surname first, as lists
    and registers write them: "Putin, Vladimir", "Zelenskyy Volodymyr", or with the initials of
    the given names, "Путин В.В." (from "Владимир Владимирович Путин"); each was a leader of
    its own. A spelling the table lists stays its own, and one two leaders' names would both
    give is neither's."""
    derived: dict[str, set[str]] = {}
    for spelling in written:
        words = spelling.split()
        if len(words) < 2:
            continue
        given, surname = words[:-1], words[-1]
        initials = "".join(f"{word[0]}." for word in given)
        for turned in (" ".join([surname, *given]), f"{surname} {initials}"):
            derived.setdefault(fold_name(turned), set()).add(table[fold_name(spelling)])
    return {
        **{spelling: next(iter(found)) for spelling, found in derived.items() if len(found) == 1},
        **table,
    }


ALIASED = ("pollster", "leader")


def _alias_tables(path: Path) -> dict[str, dict[str, list[str]]]:
    """An alias file's tables; a mistake is refused naming the file and the name, as in a
    layout file (a text where the list belongs would be read letter by letter)."""
    try:
        tables = tomllib.loads(_layout_text(path))
    except tomllib.TOMLDecodeError as err:
        raise LayoutError(f"{path}: not valid TOML: {err}") from None
    unknown = sorted(set(tables) - set(ALIASED))
    if unknown:
        raise LayoutError(
            f"{path}: unknown table(s) {', '.join(unknown)} (known: [pollster], [leader])"
        )
    for kind, table in tables.items():
        if not isinstance(table, dict):
            raise LayoutError(f"{path}: {kind} must be a table: [{kind}], then names")
        for canonical, spellings in table.items():
            if not (
                fold_name(canonical)
                and isinstance(spellings, list)
                and all(isinstance(s, str) and fold_name(s) for s in spellings)
            ):
                raise LayoutError(
                    f"{path}: [{kind}] {canonical!r} must list the spellings read as it,"
                    ' as "Gallup" = ["Gallup Organization", "Gallup Poll"]'
                )
    return tables


def folder_layout(
    path: Path, roots: Path | tuple[Path, ...], layouts: dict[str, Layout]
) -> str | None:
    """The nearest enclosing folder named after a layout: inside one of `roots` (the inbox, and
    archive/ and quarantine/, which mirror it, for a rebuild), any folder up to it; elsewhere,
    the file's own folder."""
    resolved = path.resolve()
    inside = [r.resolve() for r in ((roots,) if isinstance(roots, Path) else roots)]
    root = next((r for r in inside if resolved.is_relative_to(r)), None)
    folders = resolved.relative_to(root).parts[:-1] if root else (resolved.parent.name,)
    return next((name for name in reversed(folders) if name in layouts), None)


def choose_layout(
    header: list[str], layouts: dict[str, Layout], named: str | None = None, line: int = 1
) -> Layout:
    """The layout a file is in: the one named (by its folder or by the user), else the only one
    whose required columns its header has. `line`: the header's (under a title, not 1)."""
    if len(header) == 1 and len(header[0].split()) > 1:
        # A table aligned with spaces (Jiji Press's "date1 date2 app_rate nap_rate n_resp") was
        # told it lacked the very names its header shows.
        raise UnreadableFile(
            f"the header is read as one column ({capped(header[0], 80)!r}): the file looks"
            " aligned with spaces, which pollwatch does not split on (it reads commas,"
            " semicolons, tabs and bars); save it as CSV or tab-separated",
            line=line,
            rule="one_column_header",
        )
    if named is not None:
        if named not in layouts:
            raise UnreadableFile(
                f"no layout named {capped(named, 60)!r}; known layouts: {', '.join(layouts)}",
                rule="unknown_layout",
            )
        missing = layouts[named].missing_columns(header)
        if missing:
            raise UnreadableFile(
                f"layout {named} needs {_columns(missing)} (the header has: {listed(header)})",
                line=line,
                rule="missing_required_columns",
            )
        # Gallup's approval of every president, dropped in VTsIOM's folder, was stored as 397
        # VTsIOM polls of Putin and Medvedev: its `president` column was ignored with a warning.
        if whose := _ignores_whose(layouts[named], header, set(_whose_columns(header, layouts))):
            raise UnreadableFile(
                f"layout {named} would ignore {listed(whose)}, which"
                f" say{'s' if len(whose) == 1 else ''} whose polls these are: it gives every row"
                " its own pollster and leader. A file of other pollsters or leaders needs a"
                " layout reading those columns (layouts/ in the data directory); if the file is"
                f" {named}'s series, list the column{'s' if len(whose) > 1 else ''} under"
                f" `ignore` in a copy of {named}'s layout saved under a new name in layouts/ (in"
                " the layout itself, if it is your own) and drop the file in that layout's"
                " folder",
                line=line,
                rule="layout_ignores_whose_columns",
            )
        return layouts[named]
    fitting = [
        layout
        for layout in layouts.values()
        if layout.by_header and not layout.missing_columns(header)
    ]
    if len(fitting) == 1:
        return fitting[0]
    if fitting:
        raise UnreadableFile(
            f"the header fits more than one layout ({', '.join(f.name for f in fitting)}); "
            "put the file in the folder of the right one, e.g. inbox/"
            f"{fitting[0].name}/",
            line=line,
            rule="ambiguous_layout",
        )
    identifying = _identifying_columns(header, layouts)
    whole = [
        layout for layout in layouts.values() if not _ignores_whose(layout, header, identifying)
    ]
    # A layout recognised by its header, short only of its filter's or key's column, is the
    # file's (one read from a folder says nothing of a file outside it: a user's folder layout
    # keyed on a wave column told Levada's series it needed that column).
    short = [
        layout
        for layout in whole
        if layout.by_header and layout.lacks_only_key_or_filter_columns(header)
    ]
    if short:
        raise UnreadableFile(_short_of_filters(header, short), line=line, rule="unknown_layout")
    by_folder = sorted(
        (layout for layout in whole if not layout.missing_columns(header)),
        key=lambda layout: _closeness(layout, header),
        reverse=True,
    )
    if by_folder:
        raise UnreadableFile(_whose_folder(header, by_folder), line=line, rule="unknown_layout")
    raise UnreadableFile(_closest(header, layouts, identifying), line=line, rule="unknown_layout")


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


def _spellings(layouts: dict[str, Layout], fields: tuple[str, ...]) -> set[str]:
    """The column names that give these fields: the fields' own, and every layout's column
    read as one (538's `politician` and `president`, pollsposition's `sondage`)."""
    return {
        *fields,
        *(c for layout in layouts.values() for f in fields for c in layout.columns.get(f, ())),
    }


def _whose_columns(header: list[str], layouts: dict[str, Layout]) -> list[str]:
    """The columns of the header that name a row's pollster or leader."""
    spellings = _spellings(layouts, ("pollster", "leader"))
    return [column for column in header if column in spellings]


def _says_whose(column: str) -> bool:
    if ABOUT_A_MEASURE.search(column):
        return False
    return bool(WHOSE_STRONG.search(column)) or (
        bool(WHOSE_WEAK.search(column)) and not ABOUT_SOMETHING_ELSE.search(column)
    )


def _ignores_whose(layout: Layout, header: list[str], whose: set[str]) -> list[str]:
    """The columns of the header saying whose polls these are that the layout would drop: those
    spelled as some layout reads one (`whose`), and, where it gives every row its own pollster
    or leader, any _says_whose names one (538's `pollster_rating_name` beside a layout
    reading `pollster` is a rating's column, not another pollster)."""
    known = layout.known_columns()
    constant = not {"pollster", "leader"}.isdisjoint(layout.constants)
    return [
        column
        for column in header
        if column not in known and (column in whose or constant and _says_whose(column))
    ]


def _identifying_columns(header: list[str], layouts: dict[str, Layout]) -> set[str]:
    """The columns of the header that say whose poll a row is: named as one of those fields or
    read as one by some layout (_spellings), in some layout's poll key, or spelled as a table
    no layout reads spells one."""
    keys = {c for layout in layouts.values() for c in layout.poll_key_columns}
    spellings = _spellings(layouts, IDENTIFYING_FIELDS) | keys | set(UNREAD_SPELLINGS)
    return spellings.intersection(header)


def _short_of_filters(header: list[str], layouts: list[Layout]) -> str:
    """The reason for a header with every column a layout reads a field from, short only of
    a column its row filter or poll key names: that layout's file, whatever else it fits."""
    told = [f"{layout.name} needs {_columns(layout.missing_columns(header))}" for layout in layouts]
    return (
        f"no known layout fits this header ({listed(header)}): {joined(told)}; it has every"
        f" other column {'that layout reads' if len(layouts) == 1 else 'those layouts read'}"
    )


def _columns(names: list[str]) -> str:
    return f"column{'s' if len(names) > 1 else ''} {', '.join(names)}"


# Columns of an average, not of polls: 538's toplines (modeldate, approve_estimate, approve_hi,
# approve_lo; pct_estimate), others' trend and smoothed lines.
AVERAGE_COLUMNS = re.compile(
    r"estimate|model_?date|average|moyenne|smoothed|trend|^(?:[^\W_]+_)?(?:hi|lo)$"
)


def _closest(header: list[str], layouts: dict[str, Layout], identifying: set[str]) -> str:
    """Why no layout reads a header, and which come closest: those sharing the most of its
    columns, all of them where several do (naming one of a tie, as before, sent a French file
    to Russia's VTsIOM layout for a shared date column), none where none shares a column. A
    layout that would drop a column saying whose poll a row is says so: it may need nothing
    else, and would still not be the file's layout."""
    add = (
        ""
        # the header says whose polls they are (Ipsos' `Personne`): no layout's series
        if identifying or any(_says_whose(column) for column in header)
        else "a series without pollster or leader columns goes in its layout's folder"
        " (inbox/<layout>/); "
    ) + (
        "a new source needs a layout of its own"
        " (DATA_DIR/layouts/<name>.toml, as `pollwatch layouts` shows);"
        f" known layouts: {', '.join(layouts)}"
    )
    fits = f"no known layout fits this header ({listed(header)})"
    averaged = [column for column in header if AVERAGE_COLUMNS.search(column)]
    pollster_named = _spellings(layouts, ("pollster",)) & set(header)
    if averaged and not pollster_named:  # 538's poll list has a modeldate too
        # Told as the closest layout's, 538's topline was sent to its poll list's layout, and
        # its model date to a layout of one publisher's series: one rename from storing an
        # average as polls.
        return (
            f"{fits}: {listed(averaged)} {'is' if len(averaged) == 1 else 'are'} an average's"
            f" column{'' if len(averaged) == 1 else 's'}, not a poll's; pollwatch"
            " stores polls and draws its own average from them: drop the polls the average was"
            " drawn from"
        )
    closeness = {layout.name: _closeness(layout, header) for layout in layouts.values()}
    ranked = sorted(layouts.values(), key=lambda layout: closeness[layout.name], reverse=True)
    most = closeness[ranked[0].name][0]
    # One column shared says nothing of a source: Ipsos' barometer was pointed at Russia's three
    # series for its `date`, Newspoll's at pollsposition's for a spreadsheet's index column.
    if most < 2:
        return f"{fits}, and none shares more than one of its columns; {add}"
    tied = [layout for layout in ranked if closeness[layout.name][0] == most]

    def told(layout: Layout) -> str:
        shared = [c for c in header if c in layout.used_columns()]
        missing = layout.missing_columns(header)
        dropped = _ignores_whose(layout, header, identifying)
        told = [f"shares {listed(shared)}"]
        told += [f"needs {', '.join(missing)}"] if missing else []
        told += [f"would ignore {', '.join(dropped)}"] if dropped else []
        return f"{layout.name} ({'; '.join(told)})"

    if len(tied) == 1:
        return f"{fits}; the closest is {told(tied[0])}; {add}"
    return (
        f"{fits}; {len(tied)} come as close, sharing {counted(most, 'column')} each:"
        f" {joined([told(layout) for layout in tied])}; {add}"
    )


def _whose_folder(header: list[str], fitting: list[Layout]) -> str:
    """The reason for a header that has every column of layouts read only from their folders:
    one publisher's series with no pollster or leader column, whose folder says whose it is.
    No folder is chosen for the user: a bare date,approve,disapprove fits VTsIOM's layout as
    well as it fits anyone's series, and a guess would file one publisher's polls under
    another's name."""
    if len(fitting) == 1:
        where = (
            f"if the file is that series, put it in inbox/{fitting[0].name}/ (or name its"
            f" layout: pollwatch ingest --layout {fitting[0].name} FILE)"
        )
    else:
        where = (
            "if the file is one of these series, put it in that one's folder (inbox/<layout>/,"
            " or name it: pollwatch ingest --layout <layout> FILE)"
        )
    return (
        f"this header ({listed(header)}) has every column of"
        f" {joined([f'{layout.name} ({layout.title})' for layout in fitting])}, read only from"
        f" {'its' if len(fitting) == 1 else 'their'} own folder, since a series without"
        f" pollster or leader columns takes them from it: {where}; another publisher's series"
        " needs a layout of its own (layouts/ in the data directory)"
    )


def _closeness(layout: Layout, header: list[str]) -> tuple[int, int]:
    """Columns of the header the layout reads, then fewest of its required ones missing: a
    layout sharing seven columns with a file is closer than one that needs only two it lacks.
    Columns it ignores do not count: 538's raw-poll layout ignores seventeen, and a canonical
    file keeping a few of them was sent to it rather than told the one column it lacked."""
    used = layout.used_columns()
    return sum(c in used for c in header), -len(layout.missing_columns(header))
