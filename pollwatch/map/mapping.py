"""Map a raw table of text cells to canonical poll rows, as the file's layout says.

Mapping takes each canonical field from its source column or the layout's constant, translates
the publisher's spellings (value maps, then the alias tables), parses the text into its type and
records every cell that does not parse, so a bad cell costs its row and nothing else. Validation
of the typed rows is the poll model's job, not this one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from pollwatch.map import values
from pollwatch.map.cell_text import FOOTNOTE_MARKS, clean_text, key_part
from pollwatch.map.distinct_cells import Parsed, per_unique
from pollwatch.map.folding import fold_series, fold_value, fold_values
from pollwatch.map.layout import AS_WRITTEN, MONTH_PRECISION, Layout
from pollwatch.map.sample_words import split_samples
from pollwatch.map.share_scale import proportions_warning
from pollwatch.read.cells import MAX_FIELD_CHARS, RawTable
from pollwatch.read.decoding import UnreadableFile
from pollwatch.read.echo import line_numbers, listed
from schemas.columns import (
    CANONICAL_COLUMNS,
    CATEGORY_COLUMNS,
    DATE_COLUMNS,
    DEFAULTS,
    REJECT_COLUMNS,
    SHARE_COLUMNS,
    TEXT_COLUMNS,
)

# The fields that make two rows the same poll when a source has no id of its own.
POLL_KEY_FIELDS = ("pollster", "leader", "metric", "population", "fieldwork_start", "fieldwork_end")
# How the file wrote its rows, kept beside the canonical columns as provenance (Mapped.as_written).
WRITTEN_COLUMNS = (*(f"{name}_as_written" for name in AS_WRITTEN), "published_precision")
# A whole number as a row filter compares it: its digits, and a decimal part of zeros.
WHOLE = r"([+-]?)0*([0-9]+)(?:\.0+)?"
# A proportion times 100, rounded past float noise (0.57 * 100 is 56.99999999999999).
PROPORTION_DIGITS = 9
ALIASED = ("pollster", "leader")
NAME_COLUMNS = ("pollster", "sponsor", "leader")

PARSERS: dict[str, Callable[[pd.Series], Parsed]] = {
    **{name: values.parse_text for name in TEXT_COLUMNS},
    **{name: values.parse_name for name in NAME_COLUMNS},
    **{name: values.parse_category for name in CATEGORY_COLUMNS},
    "mode": values.parse_mode,
    "population": values.parse_population,
    **{name: values.parse_number for name in SHARE_COLUMNS},
    "country": values.parse_country,
    "sample_size": values.parse_sample_size,
    "tracking": values.parse_bool,
}


@dataclass
class Mapped:
    """Typed canonical rows (index: source line) and the cells that could not be read."""

    source_name: str
    polls: pd.DataFrame
    rejects: pd.DataFrame  # cells that did not parse, by canonical field
    cells: pd.DataFrame  # each field's text as it stands in the file, to quote in a reject
    column_names: dict[str, str]  # canonical field -> the file's column it was read from
    # Pollster and leader as the file spells them, and whether it gave the day of publication
    # or its month alone (WRITTEN_COLUMNS).
    as_written: pd.DataFrame
    rows_read: int
    rows_skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    # Its poll keys are the source's own ids ([poll_key] columns), one poll's whoever the
    # source names as its pollster, not a pollster's own (store.duckdb.loading._renamed).
    source_keys: bool = False
    spelled: dict[str, str] = field(default_factory=dict)  # header name -> the file's spelling


# Line numbers of several files mapped together are kept apart by this much per file: far beyond
# any file's line count.
LINE_SPAN = 10**12


def map_many(
    raws: list[RawTable], layout: Layout, aliases: dict[str, dict[str, str]]
) -> list[Mapped]:
    """Several files of one layout, one header and one way of reading mapped in a single pass,
    then split back: mapping costs tens of milliseconds a call whatever the rows, which is most
    of a 50-row drop's time. Each file keeps its own line numbers and rows."""
    if len(raws) < 2 or layout.filters_rows:  # a file's skipped rows are its own: one by one
        return [map_rows(raw, layout, aliases) for raw in raws]
    offsets = [index * LINE_SPAN for index in range(len(raws))]
    first = raws[0]
    together = RawTable(
        first.header,
        pd.concat([renumbered(raw.cells, o) for raw, o in zip(raws, offsets, strict=True)]),
        [
            (line + o, count)
            for raw, o in zip(raws, offsets, strict=True)
            for line, count in raw.ragged
        ],
        first.header_line,
        first.encoding,
        first.delimiter,
        list(first.notes),
        [line + o for raw, o in zip(raws, offsets, strict=True) for line in raw.oversized],
    )
    mapped = map_rows(together, layout, aliases)
    owners = mapped.rejects["line_number"] // LINE_SPAN
    rejects = {owner: found for owner, found in mapped.rejects.groupby(owners, sort=False)}
    # polls, cells and as_written share their rows, in file order: each file's rows are one
    # slice of them all, found once.
    bounds = mapped.polls.index.searchsorted([*offsets, len(raws) * LINE_SPAN]).tolist()
    return [
        _one_file(mapped, index, bounds[index], bounds[index + 1], rejects, raw)
        for index, raw in enumerate(raws)
    ]


class NothingKept(UnreadableFile):
    """A file whose every row its layout skips: read, by a layout, and nothing to store."""

    def __init__(self, reason: str, source_name: str, rows_read: int):
        super().__init__(reason, rule="no_row_kept")
        self.source_name, self.rows_read = source_name, rows_read


def nothing_kept(mapped: Mapped) -> NothingKept | None:
    """Why a file whose every row its layout skips has nothing to store (a 538 poll list of
    voters' rows alone, under a layout that keeps "All polls"; a series' file of placeholder
    weeks): it is set aside with that reason, as a file no layout reads is, rather than called
    rejected with no rejected row; its rows are counted as read and skipped."""
    if not mapped.rows_read or mapped.rows_skipped < mapped.rows_read:
        return None
    why = "; ".join(note for note in mapped.warnings if note.startswith("skipped "))
    return NothingKept(f"no row to store: {why}", mapped.source_name, mapped.rows_read)


def renumbered(frame: pd.DataFrame, shift: int) -> pd.DataFrame:
    """The frame with its line numbers shifted, sharing its data: set_axis would copy every
    column, a millisecond a file in a batch of fifty."""
    moved = frame.copy(deep=False)
    moved.index = pd.Index(frame.index + shift, name=frame.index.name)
    return moved


def _one_file(
    mapped: Mapped, index: int, start: int, stop: int, rejects: dict, raw: RawTable
) -> Mapped:
    """File `index`'s part of rows mapped together (rows `start` to `stop`), numbered as in the
    file."""
    offset = index * LINE_SPAN
    lines = pd.Index(mapped.polls.index[start:stop] - offset, name="line_number")

    def own(frame: pd.DataFrame) -> pd.DataFrame:
        part = frame.iloc[start:stop]  # a new frame on the same data: its index is its own
        part.index = lines
        return part

    mine = rejects.get(index)
    return Mapped(
        mapped.source_name,
        own(mapped.polls),
        mapped.rejects.iloc[:0]
        if mine is None
        else mine.assign(line_number=mine["line_number"] - offset).reset_index(drop=True),
        own(mapped.cells),
        mapped.column_names,
        own(mapped.as_written),
        raw.rows_read,
        0,
        list(mapped.warnings),
        mapped.source_keys,
        raw.spelled,
    )


def column_sources(
    header: list[str], layout: Layout, spelled: dict[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Each canonical field's column in a file with this header, and a warning naming the
    columns the layout does not read, as the header spells them (`spelled`)."""
    spelled = spelled or {}
    warnings = proportions_warning(layout, header, spelled)
    extra = [spelled.get(name, name) for name in header if name not in layout.known_columns()]
    if extra:
        warnings.append(
            f"ignored column{'s' if len(extra) > 1 else ''} not in the "
            f"{layout.name} layout: {listed(extra)}"
        )
    names = {
        name: source for name in CANONICAL_COLUMNS if (source := layout.source_column(header, name))
    }
    return names, warnings


def map_rows(raw: RawTable, layout: Layout, aliases: dict[str, dict[str, str]]) -> Mapped:
    column_names, extra = column_sources(raw.header, layout, raw.spelled)
    warnings = [*raw.notes, *extra]
    kept, filtered = _filter_rows(raw.cells, layout, warnings)
    if layout.answers is not None:
        kept, joined = _polls_of_answers(kept, layout, warnings)
        filtered += joined
        column_names |= {name: layout.answers.source(name) for name in layout.answers.shares}
    cells = pd.DataFrame(index=kept.index)
    for name in CANONICAL_COLUMNS:
        if name in column_names:
            cells[name] = kept[column_names[name]]
        else:
            cells[name] = pd.Series(layout.constants.get(name, ""), index=cells.index, dtype="str")
    cells, skipped = _skip_placeholders(cells, layout, warnings)
    skipped += filtered
    text = _translate(cells, layout, aliases, warnings)
    polls, rejects = _parse(text, cells, layout, said_months(kept.loc[cells.index], layout))
    _apply_terms_of_office(polls, layout)
    for name, default in DEFAULTS.items():
        polls[name] = polls[name].fillna(default)
    source_keys = _source_keys(raw.cells.loc[cells.index], layout)
    polls["poll_key"] = polls["poll_key"].fillna(source_keys)
    keyless = polls["poll_key"].isna()
    if keyless.any():
        polls.loc[keyless, "poll_key"] = derive_poll_keys(polls[keyless])

    as_written = pd.DataFrame(index=cells.index)
    for name in AS_WRITTEN:
        said = layout.as_written_columns.get(name)
        if said in raw.header:  # the file says how its source wrote it (pollwatch's export)
            spelled = values.parse_text(kept.loc[cells.index, said]).values
        elif name in column_names:
            spelled = clean_text(cells[name])
        else:
            spelled = pd.Series(pd.NA, index=cells.index, dtype="str")
        as_written[f"{name}_as_written"] = spelled
    as_written["published_precision"] = polls["published_precision"]
    rejects = pd.concat([_ragged_rejects(raw), rejects], ignore_index=True)
    return Mapped(
        layout.name,
        polls[list(CANONICAL_COLUMNS)],
        rejects,
        cells,
        column_names,
        as_written,
        raw.rows_read,
        skipped,
        warnings,
        bool(layout.poll_key_columns),
        raw.spelled,
    )


def _filter_rows(
    cells: pd.DataFrame, layout: Layout, warnings: list[str]
) -> tuple[pd.DataFrame, int]:
    """The rows the layout keeps ([rows] keep and drop, on the file's own columns): 538 repeats
    each poll once per subgroup, of which a tracker wants one."""
    if not (layout.keep_rows or layout.drop_rows):
        return cells, 0
    keep = pd.Series(True, index=cells.index)
    for column, wanted in layout.keep_rows.items():
        keep &= _among(cells[column], wanted)
    for column, unwanted in layout.drop_rows.items():
        keep &= ~_among(cells[column], unwanted)
    skipped = int((~keep).sum())
    if skipped:
        rules = [f"{c} is {_either(v)}" for c, v in layout.keep_rows.items()]
        rules += [f"{c} is not {_either(v)}" for c, v in layout.drop_rows.items()]
        warnings.append(
            f"skipped {skipped} row(s) the {layout.name} layout does not keep "
            f"(it keeps rows where {' and '.join(rules)})"
        )
    return cells[keep], skipped


def _polls_of_answers(
    cells: pd.DataFrame, layout: Layout, warnings: list[str]
) -> tuple[pd.DataFrame, int]:
    """A file of one row an answer ([answers]) as one row a poll, on the line of its first
    answer: the rows alike in every other column the layout reads are one poll's (not in the
    columns it does not: Irish B&A's rows give each answer's share among men, women, ages...),
    and each share is the sum of its answers' ("Strongly approve" and "Somewhat approve"); a
    share one of whose answers is not a number is that answer's text, to be rejected as
    written. Returns the polls and how many rows were not a poll's own line (joined into one,
    of an answer the layout does not read, or repeating an answer of the same poll, which is
    then read from its first row)."""
    answers = layout.answers
    said = fold_values(cells[answers.column].fillna(""))
    share_of = {answer: name for name, listed_ in answers.shares.items() for answer in listed_}
    role = said.map(share_of)
    unread = cells.loc[role.isna(), answers.column].fillna("")
    if len(unread):
        warnings.append(
            f"skipped {len(unread)} row(s) whose {answers.column} the layout's [answers] does not"
            f" read as a share: {listed(list(dict.fromkeys(unread)))}"
        )
    read = layout.used_columns() - {answers.column, answers.share}
    others = [c for c in cells.columns if c in read]
    rows = cells[role.notna()]
    poll = (
        rows[others].fillna("").groupby(others, sort=False).ngroup()
        if others
        else pd.Series(0, index=rows.index)  # the layout reads nothing else: one poll
    )
    first = pd.Series(rows.index, index=rows.index).groupby(poll).transform("min")
    repeated = pd.DataFrame({"poll": poll, "said": said[rows.index]}).duplicated()
    if repeated.any():
        warnings.append(
            f"line(s) {line_numbers(list(rows.index[repeated]))} repeat an answer of a poll"
            " given on an earlier line: the first is read"
        )
    rows, first = rows[~repeated], first[~repeated]
    number = values.parse_number(rows[answers.share])
    parts = pd.DataFrame(
        {"line": first, "share": role[rows.index], "value": number.values, "bad": number.bad}
    )
    polls = cells.loc[sorted(set(first)), others]
    for name in answers.shares:
        mine = parts[parts["share"] == name]
        total = mine.groupby("line")["value"].sum(min_count=1).dropna()
        total = total.map(lambda v: format(v, ".10g"))
        bad = rows.loc[mine.index[mine["bad"]], answers.share].groupby(mine["line"]).first()
        text = bad.combine_first(total).reindex(polls.index)
        polls[answers.source(name)] = pd.Series(text, index=polls.index, dtype="str")
    return polls, len(cells) - len(polls)


def _among(cells: pd.Series, wanted: frozenset[str]) -> pd.Series:
    """Which cells are one of a row filter's values, as fold_values compares them; a whole
    number however written ("01" and "1.0" are a filter's 1, as a spreadsheet writes it). Only
    a whole one, and digit by digit: "2022.10", October's wave, is not "2022.1"."""
    found = fold_values(cells.fillna("")).isin({fold_value(value) for value in wanted})
    numbers = {_whole(value) for value in wanted} - {None}
    if numbers:
        found |= cells.fillna("").map(_whole).isin(numbers)
    return found


def _whole(text: str) -> str | None:
    """A whole number's digits with its sign ("-7" for "-007.0"; "0" for "-0"), else None."""
    number = re.fullmatch(WHOLE, text.strip())
    if number is None:
        return None
    sign, digits = number.groups()
    return digits if sign != "-" or digits == "0" else f"-{digits}"


def _either(values: frozenset[str]) -> str:
    """A filter's values as its warning says them: spaced as they are compared (fold_value),
    "  SEVASTOPOL " as SEVASTOPOL; an empty one is "empty" ('keep = { state = "" }' read
    "keeps rows where state is ", with nothing after it)."""
    said = sorted({" ".join(value.split()) for value in values}, key=fold_value)
    return " or ".join(value or "empty" for value in said)


def _skip_placeholders(
    cells: pd.DataFrame, layout: Layout, warnings: list[str]
) -> tuple[pd.DataFrame, int]:
    """Drop rows a series uses to mark a period without a poll (all shares NA)."""
    if not layout.skip_rows_without_shares:
        return cells, 0
    empty = pd.concat([clean_text(cells[s]).isna() for s in SHARE_COLUMNS], axis=1).all(axis=1)
    if empty.any():
        lines = list(cells.index[empty])
        named = line_numbers(lines)
        warnings.append(
            f"skipped {len(lines)} row(s) with no shares at all, the series' mark "
            f"for a period without a poll: line(s) {named}"
        )
    return cells[~empty], int(empty.sum())


def populations_disagree(lines: list[int], first: tuple[str, str]) -> str:
    """The warning for rows whose sample's letters ('1000 RV') and population cell ('adults')
    name different populations; `first` is the first such row's two readings."""
    return (
        f"{len(lines)} row(s) whose sample cell names another population than the population"
        f" column (line {lines[0]}: {first[0]} by the sample, {first[1]} by the column);"
        f" the column's was kept: line(s) {line_numbers(lines)}"
    )


def _translate(
    cells: pd.DataFrame, layout: Layout, aliases: dict[str, dict[str, str]], warnings: list[str]
) -> pd.DataFrame:
    """Publisher spellings to canonical ones: the layout's value maps, then the alias tables; a
    sample written with its population ('1,500 LV') split into the two fields."""
    text = cells.copy()
    for name in {*layout.values, *ALIASED}:
        text[name] = translate(name, text[name], layout, aliases)
    text["sample_size"], text["population"], disagree = split_samples(
        text["sample_size"], text["population"]
    )
    if disagree:
        warnings.append(populations_disagree(*disagree))
    if layout.month_only_published_is_fieldwork:
        undated = (
            clean_text(text["fieldwork_start"]).isna()
            & clean_text(text["fieldwork_end"]).isna()
            & values.is_month_only(text["published"], layout.date_formats, bool(layout.day_first))
        )
        text.loc[undated, "fieldwork_start"] = text.loc[undated, "published"]
        text.loc[undated, "published"] = ""
    return text


def translations(
    name: str, layout: Layout, aliases: dict[str, dict[str, str]]
) -> list[dict[str, str]]:
    """The tables a field's text goes through, in order: the layout's value map, then the
    alias table."""
    return [
        *([layout.values[name]] if name in layout.values else []),
        *([aliases.get(name, {})] if name in ALIASED else []),
    ]


def translate(
    name: str, column: pd.Series, layout: Layout, aliases: dict[str, dict[str, str]]
) -> pd.Series:
    for table in translations(name, layout, aliases):
        column = per_unique(lambda c, t=table: _spelled_as(c, t), column)
    return column


def _spelled_as(column: pd.Series, table: dict[str, str]) -> pd.Series:
    """Each cell as the table spells it (compared folded), or, where the table does not know
    it, as its first spelling in the column: a French table's "Gabriel ATTAL" beside "Gabriel
    Attal" made two leaders, each with a page and a line of its own."""
    column = clean_text(column).str.replace(FOOTNOTE_MARKS, "", regex=True)
    folded = fold_series(column)
    first = column.groupby(folded, sort=False).transform("first")
    return folded.map(table).fillna(first).fillna(column).astype("str")


def said_months(cells: pd.DataFrame, layout: Layout) -> pd.Series:
    """Which rows' publication date the file says stands for its month alone, in the layout's
    published_precision_column (pollwatch's export: 31 March, 'month')."""
    column = layout.published_precision_column
    if column is None or column not in cells:
        return pd.Series(False, index=cells.index)
    said = clean_text(cells[column]).str.lower()
    return said.eq(MONTH_PRECISION).fillna(False).astype(bool)


def _parse(
    text: pd.DataFrame, cells: pd.DataFrame, layout: Layout, said_month: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    polls = pd.DataFrame(index=text.index)
    rejects = []
    for name in CANONICAL_COLUMNS:
        parsed = parse_column(name, text[name], layout)
        polls[name] = parsed.values
        if parsed.bad.any():
            bad = cells.loc[parsed.bad, name]
            rejects.append(
                pd.DataFrame(
                    {
                        "line_number": bad.index,
                        "column": name,
                        "rule": parsed.rule,
                        "value": bad.to_numpy(),
                    }
                )
            )
    _settle_fieldwork_periods(polls, text, layout)
    # A month reads as its last day, a day as itself: a cell is a month when its first day differs.
    first_day = parse_column("published", text["published"], layout, other_end=True).values
    polls["published_precision"] = pd.Series("day", polls.index, dtype="str").mask(
        (first_day != polls["published"]) | said_month, "month"
    )
    polls.loc[said_month, "published"] = month_end(polls.loc[said_month, "published"])
    if layout.published_is_entry:
        entered_early = polls["published"] < polls["fieldwork_end"]
        polls.loc[entered_early, "published"] = polls.loc[entered_early, "fieldwork_end"]
        polls.loc[entered_early, "published_precision"] = "day"
    polls.loc[polls["published"].isna(), "published_precision"] = pd.NA
    frame = (
        pd.concat(rejects, ignore_index=True)
        if rejects
        else pd.DataFrame(columns=list(REJECT_COLUMNS))
    )
    return polls, frame


def parse_column(name: str, text: pd.Series, layout: Layout, other_end: bool = False) -> Parsed:
    """A field's text as its type; `other_end` reads a date as the other end of the
    period would (a month is its first day at the start, its last at the end)."""
    if name in DATE_COLUMNS:
        period_end = (name != "fieldwork_start") != other_end
        return values.parse_date(
            text, period_end, layout.date_formats, day_first=bool(layout.day_first)
        )
    parsed = PARSERS[name](text)
    if name in SHARE_COLUMNS and layout.proportions:  # above 1, not a proportion (share_scale)
        over = parsed.values > 1
        scaled = (parsed.values * 100).round(PROPORTION_DIGITS).mask(over)
        return Parsed(scaled, parsed.bad | over, "not_a_proportion")
    return parsed


def month_end(days: pd.Series) -> pd.Series:
    """Each day's month, as its last day."""
    return days.dt.to_period("M").dt.end_time.dt.normalize().astype("datetime64[us]")


def _settle_fieldwork_periods(polls: pd.DataFrame, text: pd.DataFrame, layout: Layout) -> None:
    """Turn a series' date stamps into fieldwork periods, and let a month fill an empty end."""
    start, end = polls["fieldwork_start"], polls["fieldwork_end"]
    # A month reads as its first day at the start and its last day at the end; a day reads the
    # same either way. So a start cell is a month exactly when its two readings differ.
    start_as_end = parse_column("fieldwork_start", text["fieldwork_start"], layout, True).values
    end_as_start = parse_column("fieldwork_end", text["fieldwork_end"], layout, True).values
    fill_end = end.isna() & start_as_end.notna() & (start_as_end != start)
    fill_start = start.isna() & end_as_start.notna() & (end_as_start != end)
    if layout.date_precision == "month":
        polls["fieldwork_start"] = start.dt.to_period("M").dt.start_time.astype("datetime64[us]")
        polls["fieldwork_end"] = month_end(end)
    elif layout.date_precision == "week_ending":
        polls["fieldwork_start"] = end - pd.Timedelta(days=6)
    polls.loc[fill_end, "fieldwork_end"] = start_as_end
    polls.loc[fill_start, "fieldwork_start"] = end_as_start


def _apply_terms_of_office(polls: pd.DataFrame, layout: Layout) -> None:
    """A series of 'the president' names whoever held the office when fieldwork ended."""
    for term in layout.leader_by_date:
        held = (polls["fieldwork_end"] >= term.start) & (polls["fieldwork_end"] <= term.end)
        polls.loc[held, "leader"] = term.leader


def _source_keys(cells: pd.DataFrame, layout: Layout) -> pd.Series:
    """`<prefix>-<id>-<id>...` from the source's own id columns, where it has them all."""
    if not layout.poll_key_columns:
        return pd.Series(pd.NA, index=cells.index, dtype="str")
    parts = [key_part(cells[c]) for c in layout.poll_key_columns]
    key = parts[0].str.cat(parts[1:], sep="-")
    return (layout.poll_key_prefix + "-" + key) if layout.poll_key_prefix else key


def derive_poll_keys(polls: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.Series:
    """A stable key for sources without poll ids: a hash of what makes a poll the same poll."""
    fields = [key_text(polls[name]) for name in POLL_KEY_FIELDS + extra]
    joined = fields[0].str.cat(fields[1:], sep="|")
    return joined.map(lambda text: "pw-" + hashlib.sha256(text.encode()).hexdigest()[:20])


def key_text(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").fillna("")
    return column.astype("str").str.lower().fillna("")


def _ragged_rejects(raw: RawTable) -> pd.DataFrame:
    """The records that were not read into cells: ragged, or with a cell too long to be data."""
    width = len(raw.header)
    rows = [
        (line, "", "wrong_field_count", f"{count} fields where the header has {width}")
        for line, count in raw.ragged
    ] + [
        (line, "", "field_too_long", f"a cell of over {MAX_FIELD_CHARS:,} characters")
        for line in raw.oversized
    ]
    return pd.DataFrame(rows, columns=list(REJECT_COLUMNS))
