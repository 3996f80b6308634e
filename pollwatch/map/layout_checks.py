"""What is wrong with a layout file, in words that name the key and the fix.

A layout is written by hand, by whoever adds a pollster: a mistake in it is refused when the
layouts are loaded, with one line naming the file and the key, rather than every row of every
file being rejected for it, or read wrong without a word.
"""

from __future__ import annotations

import re
from pathlib import Path

from pollwatch.map.categories import read_category, read_mode, read_population
from pollwatch.map.drop_cadence import cadence_problem
from pollwatch.map.folding import fold_value
from pollwatch.map.layout import ANSWER_SHARES, AS_WRITTEN, as_list, with_both_ends
from pollwatch.map.row_filters import row_filter
from pollwatch.map.terms_of_office import FOREVER, terms_problem, toml_day
from pollwatch.read.header import normalise_header
from schemas.columns import CANONICAL_COLUMNS, CATEGORY_COLUMNS, REQUIRED_COLUMNS
from schemas.countries import ISO_3166_ALPHA2

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
DATE_KEYS = (
    "formats",
    "day_first",
    "precision",
    "month_only_published_is_fieldwork",
    "published_is_entry",
    "published_precision_column",
)
# The directives strptime knows (Python 3.11's): a format with another one reads no date, and
# every row of every file would be rejected as not_a_date rather than the layout refused.
STRPTIME_DIRECTIVES = set("%ABGHIMSUVWXYZabcdfjmpuwxyz")


def layout_problem(spec: dict, path: Path) -> str | None:
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
            if not all(_row_value(v) for v in as_list(wanted)):
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
    keep, drop = (row_filter(rows.get(kind, {})) for kind in ("keep", "drop"))
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
                toml_day(term.get(key, FOREVER))
            except ValueError:
                return f"[[leader_by_date]] {key} = {term[key]!r} is not a date (YYYY-MM-DD)"
    terms = terms_problem(spec.get("leader_by_date", ()))
    if terms:
        return terms
    cadence = cadence_problem(spec.get("cadence"))
    if cadence:
        return f"[cadence] {cadence}"
    answers = _answers_problem(spec.get("answers"), columns)
    if answers:
        return f"[answers] {answers}"
    sources = with_both_ends(columns, constants)  # as load_layout reads them
    for required in REQUIRED_COLUMNS:
        if (
            required not in sources
            and required not in constants
            and not (required == "leader" and spec.get("leader_by_date"))
            and not (required == "positive_pct" and "answers" in spec)
        ):
            return f"{required} is neither read from a column nor a constant"
    return None


CATEGORY_READERS = {"mode": read_mode, "population": read_population}


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
        answers = as_list(spec.get(role, []))
        if role in spec and not (answers and all(isinstance(a, str) for a in answers)):
            return f'{role} must be an answer or a list of them, as {role} = ["Satisfied"]'
        for answer in answers:
            if (other := seen.setdefault(fold_value(answer), role)) != role:
                return f"{answer!r} is both a {other} and a {role} answer"
    if read := [f for role, f in ANSWER_SHARES.items() if role in spec and f in columns]:
        return f"{', '.join(read)} read from [columns] and from [answers]: name it in one only"
    return None


def _row_value(value: object) -> bool:
    """A value a row filter can hold: a text, or a whole number (not true or false, which TOML
    also reads as one, nor a fraction, which a file may write as 2.5 or 2.50)."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _names(value: object) -> bool:
    """Whether `value` is a list of column names, none empty."""
    return isinstance(value, list) and all(isinstance(n, str) and n.strip() for n in value)
