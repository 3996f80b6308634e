"""Map a raw table of text cells to canonical poll rows, as the file's layout says.

Mapping takes each canonical field from its source column or the layout's constant, translates
the publisher's spellings (value maps, then the alias tables), parses the text into its type and
records every cell that does not parse, so a bad cell costs its row and nothing else. Validation
of the typed rows is the poll model's job, not this one. Each step is its own module
(row_filters, answer_rows, translation, typed_fields, poll_keys); this one runs them in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pollwatch.map import values
from pollwatch.map.answer_rows import polls_of_answers
from pollwatch.map.cell_text import clean_text
from pollwatch.map.layout import AS_WRITTEN, Layout
from pollwatch.map.poll_keys import derive_poll_keys, source_poll_keys
from pollwatch.map.row_filters import filter_rows, skip_placeholders
from pollwatch.map.share_scale import proportions_warning
from pollwatch.map.translation import translate_cells
from pollwatch.map.typed_fields import parse_fields, said_months
from pollwatch.read.decoding import UnreadableFile
from pollwatch.read.echo import listed
from pollwatch.read.raw_table import RawTable
from pollwatch.read.record_reader import MAX_FIELD_CHARS
from schemas.columns import CANONICAL_COLUMNS, DEFAULTS, REJECT_COLUMNS

# How the file wrote its rows, kept beside the canonical columns as provenance (Mapped.as_written).
WRITTEN_COLUMNS = (*(f"{name}_as_written" for name in AS_WRITTEN), "published_precision")


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
    # source names as its pollster, not a pollster's own (store.duckdb.twins.renamed_pollsters).
    source_keys: bool = False
    spelled: dict[str, str] = field(default_factory=dict)  # header name -> the file's spelling


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
    kept, filtered = filter_rows(raw.cells, layout, warnings)
    if layout.answers is not None:
        kept, joined = polls_of_answers(kept, layout, warnings)
        filtered += joined
        column_names |= {name: layout.answers.source(name) for name in layout.answers.shares}
    cells = pd.DataFrame(index=kept.index)
    for name in CANONICAL_COLUMNS:
        if name in column_names:
            cells[name] = kept[column_names[name]]
        else:
            cells[name] = pd.Series(layout.constants.get(name, ""), index=cells.index, dtype="str")
    cells, skipped = skip_placeholders(cells, layout, warnings)
    skipped += filtered
    text = translate_cells(cells, layout, aliases, warnings)
    polls, rejects = parse_fields(text, cells, layout, said_months(kept.loc[cells.index], layout))
    _apply_terms_of_office(polls, layout)
    for name, default in DEFAULTS.items():
        polls[name] = polls[name].fillna(default)
    source_keys = source_poll_keys(raw.cells.loc[cells.index], layout)
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


def _apply_terms_of_office(polls: pd.DataFrame, layout: Layout) -> None:
    """A series of 'the president' names whoever held the office when fieldwork ended."""
    for term in layout.leader_by_date:
        held = (polls["fieldwork_end"] >= term.start) & (polls["fieldwork_end"] <= term.end)
        polls.loc[held, "leader"] = term.leader


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
