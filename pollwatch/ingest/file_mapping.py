"""Files' bytes to canonical rows: decoded, read into cells, their layout chosen and settled from
their own cells, mapped.

Files read the same way under the same header are mapped together, in one pass, and a big file is
mapped and checked inside DuckDB, where a frame would cost more than its rows. None of it needs
the store, so a batch maps its files before it asks for the database.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.compute as pc

from pollwatch.config import Settings
from pollwatch.ingest.outcomes import Waiting
from pollwatch.map.aliases import load_aliases, with_stored_names
from pollwatch.map.day_order import settle_day_order
from pollwatch.map.file_batches import map_many
from pollwatch.map.folding import fold_name
from pollwatch.map.layout import Layout
from pollwatch.map.layout_choice import choose_layout, folder_layout
from pollwatch.map.layout_files import load_layouts
from pollwatch.map.mapping import Mapped, nothing_kept
from pollwatch.map.share_scale import settle_proportions
from pollwatch.map.sql import MappedInDuckDB, map_in_duckdb, sql_ready
from pollwatch.read.cells import as_raw_table, as_raw_tables, reading_notes
from pollwatch.read.decoding import Decoded, UnreadableFile, decode
from pollwatch.read.delimiter import SNIFF_CHARS, sniff_delimiter
from pollwatch.read.fast_reader import ArrowCells, read_arrow
from pollwatch.read.raw_table import RawTable
from pollwatch.store import Staged
from pollwatch.validate.checks import Checked
from pollwatch.validate.sql import check_in_duckdb
from schemas.rules import quoted

# Rows from which a file is mapped and checked inside DuckDB rather than as a pandas frame:
# below it, DuckDB's fixed cost per statement is more than the frame path's whole time.
SQL_FROM_ROWS = 20_000

# A file mapped and checked inside DuckDB: what it was mapped from, and the outcome.
InDuckDB = tuple[MappedInDuckDB, Checked]


def map_bytes(data: bytes, path: Path, settings: Settings, layout: str | None = None) -> Mapped:
    """One file's bytes to canonical rows (map_files does many at once)."""
    [mapped] = map_files([(path, data)], settings, layout, in_duckdb=False).values()
    if isinstance(mapped, UnreadableFile):
        raise mapped
    return mapped


def map_files(
    files: list[tuple[Path, bytes]],
    settings: Settings,
    layout: str | None = None,
    in_duckdb: bool = True,
    stored_names: dict[str, list[str]] | None = None,
) -> dict[Path, Mapped | InDuckDB | UnreadableFile]:
    """Decode each file, split it into cells, pick its layout (the one named, else the one its
    folder is named after, else the one its header fits), and map it to canonical rows; files
    read the same way under the same header and layout are mapped together, in one pass. A big
    file is mapped and checked inside DuckDB (`in_duckdb`), where its layout allows. Names are
    spelled as the alias table or, where it does not know them, as `stored_names` are."""
    layouts = load_layouts(settings.local_layouts)
    aliases = with_stored_names(load_aliases(settings.local_aliases), stored_names or {})
    found: dict[Path, Mapped | InDuckDB | UnreadableFile] = {}
    # Files alike: read (a RawTable), or read whole by the fast reader and still in Arrow.
    alike: dict[tuple, list[tuple[Path, RawTable | tuple[Decoded, str, ArrowCells], Layout]]] = {}
    big: list[tuple[Path, Decoded, str, ArrowCells, Layout]] = []  # mapped in DuckDB, last
    for path, data in files:
        try:
            decoded = decode(data)
            named = layout or folder_layout(path, settings.filed_roots, layouts)
            delimiter = sniff_delimiter(decoded.head(SNIFF_CHARS + 1))
            fast = read_arrow(decoded, delimiter)
            if in_duckdb and (chosen := _duckdb_layout(decoded, delimiter, fast, named, layouts)):
                big.append((path, decoded, delimiter, fast, chosen))
                continue
            if fast is None or fast.blank_lines:
                read = as_raw_table(decoded, delimiter, fast)
                header, notes = read.header, read.notes
            else:
                read = (decoded, delimiter, fast)
                header, notes = fast.header, reading_notes(decoded, delimiter)
            chosen = file_layout(header, layouts, named, read)
        except UnreadableFile as err:
            found[path] = err
            continue
        key = (chosen.name, chosen.day_first, chosen.proportions, tuple(header), tuple(notes))
        alike.setdefault(key, []).append((path, read, chosen))
    for group in alike.values():
        in_arrow = [read for _, read, _ in group if isinstance(read, tuple)]
        converted = iter(as_raw_tables(in_arrow) if in_arrow else [])
        raws = [read if isinstance(read, RawTable) else next(converted) for _, read, _ in group]
        mapped = map_many(raws, group[0][2], aliases)
        found |= {path: nothing_kept(m) or m for (path, _, _), m in zip(group, mapped, strict=True)}
        # A new name is spelled in later files of the batch as this one first spells it, as it
        # would be in a later run: two files of other headers in one run stored 'Keir Starmer'
        # and 'KeirStarmer' as two leaders. Big files are mapped after the others, so that they
        # spell by them too, and each by the big ones before it.
        aliases = with_stored_names(aliases, joined_names({}, mapped))
    before = None  # the big file mapped last, whose names the next one spells by
    for path, decoded, delimiter, fast, chosen in big:
        if before is not None:
            aliases = with_stored_names(aliases, joined_names({}, [before]))
        try:
            found[path] = _in_duckdb(decoded, delimiter, fast, chosen, aliases)
        except UnreadableFile as err:
            found[path] = err
        before = found[path]
    return {path: found[path] for path, _ in files}


def joined_names(
    names: dict[str, list[str]], mapped: list[Mapped | InDuckDB | UnreadableFile | Waiting | None]
) -> dict[str, list[str]]:
    """`names` (pollsters and leaders), and those the rows to store of the `mapped` files name
    that are not among them as names fold: the first spelling of a name is the one kept."""
    found = {field: list(names.get(field, [])) for field in ("pollster", "leader")}
    for result in mapped:
        if isinstance(result, Mapped):
            rows = {field: result.polls[field].dropna().unique() for field in found}
        elif isinstance(result, tuple):  # mapped in DuckDB: an Arrow table, or staged on disk
            stored = result[1].polls
            table = stored.select(list(found)) if isinstance(stored, Staged) else stored
            rows = {field: pc.unique(table[field]).drop_null().to_pylist() for field in found}
        else:
            continue
        for field, spellings in found.items():
            known = {fold_name(name) for name in spellings}
            for name in rows[field]:
                if (folded := fold_name(name)) not in known:
                    known.add(folded)
                    spellings.append(name)
    return found


def _duckdb_layout(
    decoded: Decoded,
    delimiter: str,
    fast: ArrowCells | None,
    named: str | None,
    layouts: dict[str, Layout],
) -> Layout | None:
    """A big file's layout, where it is mapped and checked in DuckDB from the fast reader's
    cells; None where it takes the frame path (small, not one record a line, or a layout
    mapping.py alone handles)."""
    if fast is None or fast.blank_lines or fast.table.num_rows < SQL_FROM_ROWS:
        return None
    chosen = file_layout(fast.header, layouts, named, (decoded, delimiter, fast))
    return chosen if sql_ready(chosen) else None


def _in_duckdb(
    decoded: Decoded,
    delimiter: str,
    fast: ArrowCells,
    chosen: Layout,
    aliases: dict[str, dict[str, str]],
) -> InDuckDB:
    """A big file mapped and checked in DuckDB (_duckdb_layout)."""
    mapped = map_in_duckdb(fast, chosen, aliases, reading_notes(decoded, delimiter))
    try:
        return mapped, check_in_duckdb(mapped)
    finally:
        mapped.con.close()


def file_layout(
    header: list[str],
    layouts: dict[str, Layout],
    named: str | None,
    read: RawTable | tuple[Decoded, str, ArrowCells] | duckdb.DuckDBPyConnection,
) -> Layout:
    """The file's layout (choose_layout), with the order of its slashed dates and the scale of
    its shares settled from its own cells, however it was read: the same for a big file and a
    small one."""
    if isinstance(read, RawTable):

        def texts(column: str):
            return read.cells[column].unique()

        def line_of(column: str, text: str) -> int:
            return int(read.cells.index[read.cells[column] == text][0])
    elif isinstance(read, duckdb.DuckDBPyConnection):  # its `cells` table

        def texts(column: str):
            return [
                t
                for (t,) in read.execute(f"SELECT DISTINCT {quoted(column)} FROM cells").fetchall()
            ]

        def line_of(column: str, text: str) -> int:
            sql = f"SELECT min(line_number) FROM cells WHERE {quoted(column)} = ?"
            return int(read.execute(sql, [text]).fetchall()[0][0])
    else:
        table = read[2].table

        def texts(column: str):
            return pc.unique(table.column(column)).to_pylist()

        def line_of(column: str, text: str) -> int:
            return int(pc.index(table.column(column), text).as_py()) + 2  # ArrowCells' lines

    line = read.header_line if isinstance(read, RawTable) else 1
    chosen = settle_day_order(choose_layout(header, layouts, named, line), header, texts, line_of)
    return settle_proportions(chosen, header, texts)
