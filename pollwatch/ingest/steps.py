"""A batch of files through the named steps of ingest: read, recognise, map, check, commit.

Reading, mapping and checking need no database, so they happen before this run asks for it: the
writer lock is held for two short moments per batch, to ask which files are already known and
to commit the rest, not while fifty files are parsed. The rows of a batch are validated in one
pass of the poll model; each file is still committed in its own transaction.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.compute as pc

from pollwatch.config import ConfigError, Settings, make_inbox
from pollwatch.ingest.commit import (
    Pending,
    commit_all,
    commit_duplicate,
    pending_mapped,
    pending_unreadable,
)
from pollwatch.ingest.discover import Discovery, document_reason, find_new_files
from pollwatch.ingest.files import (
    ChangedSinceRead,
    Read,
    TooLarge,
    changed_while_read,
    read_file,
    unchanged,
    whole,
)
from pollwatch.ingest.messages import describe_reject, file_line, shown
from pollwatch.ingest.outcomes import FileResult, Waiting
from pollwatch.ingest.signals import stops_held, stops_kept
from pollwatch.map.aliases import load_aliases, with_stored_names
from pollwatch.map.day_order import settle_day_order
from pollwatch.map.file_batches import map_many
from pollwatch.map.folding import fold_name
from pollwatch.map.layout import Layout
from pollwatch.map.layout_choice import choose_layout, folder_layout
from pollwatch.map.layout_files import load_layouts
from pollwatch.map.mapping import Mapped, nothing_kept
from pollwatch.map.share_scale import settle_proportions
from pollwatch.map.sql import MappedInDuckDB, connect, map_cells, map_in_duckdb, sql_ready
from pollwatch.processes import owned_folder
from pollwatch.read.cells import as_raw_table, as_raw_tables, reading_notes
from pollwatch.read.decoding import Decoded, UnreadableFile, decode
from pollwatch.read.delimiter import SNIFF_CHARS, sniff_delimiter
from pollwatch.read.fast_reader import ArrowCells, read_arrow
from pollwatch.read.in_duckdb import read_in_place
from pollwatch.read.raw_table import RawTable
from pollwatch.store import Staged, Store
from pollwatch.validate.checks import (
    Checked,
    batch_frame,
    check_rows,
    identities,
    implausible,
    taken_in_batch,
    validate_batch,
    without_taken_keys,
)
from pollwatch.validate.sql import check_in_duckdb
from schemas.rules import quoted

log = logging.getLogger("pollwatch.ingest")

# Files per batch (and per Prefect task): enough to spread a batch's fixed costs (its database
# session, a pass of the poll model, a Prefect task: about 100 ms), few enough that another run
# waiting for the database waits for one commit, not minutes. 1,000 drops of 50 rows took 7.6 s
# in batches of 50, 6.1 s in 100, 5.5 s in 200.
BATCH_FILES = 100
# A batch's files are held in memory together, read whole: past this many bytes, a new batch.
BATCH_BYTES = 64 << 20
# Rows a transaction takes from several files together; a bigger file is written alone.
WRITE_ROWS = 20_000
# Rows from which a file is mapped and checked inside DuckDB rather than as a pandas frame:
# below it, DuckDB's fixed cost per statement is more than the frame path's whole time.
SQL_FROM_ROWS = 20_000
# Bytes from which a batch asks the store which of its files it holds before mapping them.
ASK_FIRST_BYTES = 1 << 20

# Under the data folder: a streamed file's work in progress (its mapping past mapping_memory_mb,
# its rows until they commit), removed after its batch, or by the next run after a kill.
STAGING = ".staging."

# A file mapped and checked inside DuckDB: what it was mapped from, and the outcome.
InDuckDB = tuple[MappedInDuckDB, Checked]


def plan_files(paths: list[Path], settings: Settings) -> Discovery:
    """The files a run should take: the named ones, or every settled new file in the inbox."""
    make_inbox(settings)
    if not paths:
        return find_new_files(settings.inbox, settings.settle_seconds)
    plan = Discovery()
    for path in paths:
        if path.is_dir():
            found = find_new_files(path, settings.settle_seconds)
            plan.ready += found.ready
            plan.waiting += found.waiting
            plan.ignored += found.ignored
        elif path.is_file():
            # Named by a glob (`pollwatch ingest data/samples/*`), the folder's README is
            # still a document, not a failed drop that makes the run exit 1.
            if document := document_reason(path):
                plan.ignored.append((path, document))
            else:
                plan.ready.append(path)
        else:
            raise ConfigError(f"{path}: no such file or directory")
    return plan


def batches(
    paths: list[Path], size: int = BATCH_FILES, max_bytes: int = BATCH_BYTES
) -> list[list[Path]]:
    """The files in order, in batches of at most `size` files and, where a file allows,
    `max_bytes` bytes (a bigger file is a batch of its own)."""
    found: list[list[Path]] = []
    held = max_bytes
    for path in paths:
        try:
            weight = path.stat().st_size
        except OSError:  # gone, or unreadable: its reading says so, in its batch
            weight = 0
        if not found or len(found[-1]) >= size or held + weight > max_bytes:
            found.append([])
            held = 0
        found[-1].append(path)
        held += weight
    return found


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
            chosen = _file_layout(header, layouts, named, read)
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
    chosen = _file_layout(fast.header, layouts, named, (decoded, delimiter, fast))
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


def _file_layout(
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


@stops_kept()  # here, inside the Prefect task around it, so the task ends stopped, not failed
def ingest_batch(
    paths: list[Path], store: Store, settings: Settings, run_id: str, layout: str | None = None
) -> list[FileResult | Waiting | None]:
    """Take each file all the way. A file still changing is Waiting; one that vanished first
    (another run took it) is None.

    The files are written together, in transactions of up to WRITE_ROWS rows: a small drop's
    own transaction and statements cost more than its rows, while a big file is written alone so
    that a stop waits for no more than one file's commit.
    """
    read = [read_file(path, settings.max_file_bytes) for path in paths]
    got = [r for r in read if isinstance(r, Read)]
    # Asking first costs a connection (20 ms); mapping a file already stored costs its size.
    # A small batch is mapped unasked: a file found stored at commit is then put away as a
    # duplicate, as one another run stored meanwhile is.
    ask_first = sum(r.size for r in got) >= ASK_FIRST_BYTES
    known = store.known_files([r.sha256 for r in got]) if ask_first else {}
    fresh = [r for r in got if r.sha256 not in known]
    # A streamed file's mapping spills to disk, and its rows wait there for the commit.
    staging = (
        owned_folder(settings.data_dir, STAGING) if any(r.data is None for r in fresh) else None
    )
    # Names spelled as stored ones are written as those are (a connection, 20 ms).
    names = store.names() if fresh else {}
    try:
        mapped = map_files(
            [(r.path, r.data) for r in fresh if r.data is not None],
            settings,
            layout,
            stored_names=names,
        )
        # A streamed file spells new names by the batch's files mapped before it, too.
        before = list(mapped.values())
        for place, r in enumerate(fresh):
            if r.data is None:
                names = joined_names(names, before)
                stage = staging / f"{place}.duckdb"
                mapped[r.path] = map_streamed(r, settings, layout, stage, names)
                before = [mapped[r.path]]
        ordered = _check_and_commit(read, known, mapped, store, settings, run_id, layout)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    for path, result in zip(paths, ordered, strict=True):
        log_result(path, result)
    return ordered


def _check_and_commit(
    read: list[Read | TooLarge | Waiting | None],
    known: dict,
    mapped: dict[Path, Mapped | InDuckDB | UnreadableFile | Waiting | None],
    store: Store,
    settings: Settings,
    run_id: str,
    layout: str | None = None,
) -> list[FileResult | Waiting | None]:
    """Check the files mapped as frames in one pass of the poll model, then commit every file
    (and put away those the store already holds) while the database is held. `layout`: the
    one named for every file, which files them under its folder."""
    readable = [m for m in mapped.values() if isinstance(m, Mapped)]
    together = batch_frame(readable) if readable else None
    rejects = validate_batch(readable, together)
    found = dict(zip(map(id, readable), rejects, strict=True))
    implausible_rows = implausible(together, len(readable), rejects) if readable else []
    noted = dict(zip(map(id, readable), implausible_rows, strict=True))
    results: dict[int, FileResult | Waiting | None] = {}
    pending: dict[int, Pending] = {}
    checked: dict[int, tuple[Read, Mapped | MappedInDuckDB, Checked]] = {}
    for index, r in enumerate(read):
        if isinstance(r, TooLarge):
            pending[index] = pending_unreadable(r.path, r.sha256, r.reason, settings, run_id)
        elif not isinstance(r, Read) or r.sha256 in known:
            results[index] = r  # Waiting or gone; or known: put away below
        elif isinstance(outcome := mapped[r.path], UnreadableFile):
            pending[index] = pending_unreadable(r.path, r.sha256, outcome, settings, run_id, layout)
        elif outcome is None or isinstance(outcome, Waiting):
            results[index] = outcome  # changed or gone since it was hashed
        elif isinstance(outcome, tuple):
            checked[index] = (r, *outcome)
        else:
            checked[index] = (
                r,
                outcome,
                check_rows(outcome, found[id(outcome)], noted[id(outcome)]),
            )
    with store.session():
        for index, r in enumerate(read):
            if isinstance(r, Read) and r.sha256 in known:
                with stops_held():
                    results[index] = commit_duplicate(
                        r.path,
                        r.sha256,
                        known[r.sha256],
                        store,
                        settings,
                        run_id,
                        read_as=layout
                        or folder_layout(
                            r.path, settings.filed_roots, load_layouts(settings.local_layouts)
                        ),
                    )
        # Asked while the database is held, so no run can store a key between the question
        # and the commit.
        for index, (r, m, c) in _keys_checked(checked, together, store).items():
            pending[index] = pending_mapped(r, m, c, settings, run_id, layout)
        pending = dict(sorted(pending.items()))  # written in the batch's order
        for group in _write_groups(pending):
            with stops_held():
                done = commit_all([pending[i] for i in group], store, settings, run_id)
            results |= dict(zip(group, done, strict=True))
    return [results[index] for index in range(len(read))]


def map_streamed(
    read: Read,
    settings: Settings,
    layout: str | None,
    stage_to: Path,
    stored_names: dict[str, list[str]] | None = None,
) -> Mapped | InDuckDB | UnreadableFile | Waiting | None:
    """A big plain UTF-8 file mapped and checked in DuckDB as DuckDB reads it where it lies, in
    bounded memory (its rows to store are left in the DuckDB file `stage_to`); read whole and
    mapped as any other file where its records or its layout need that. Waiting if the file
    changed since it was hashed (its rows must be those of its hash); None if it is gone."""
    layouts = load_layouts(settings.local_layouts)
    aliases = with_stored_names(load_aliases(settings.local_aliases), stored_names or {})
    con = connect(spill_to=stage_to.parent, memory_mb=settings.mapping_memory_mb)
    try:
        found = read_in_place(con, read.path, read.plain)
        if not unchanged(read):
            return changed_while_read(read.path)
        if found is not None:
            header, spelled, delimiter, rows = found
            named = layout or folder_layout(read.path, settings.filed_roots, layouts)
            chosen = _file_layout(header, layouts, named, con)
            if sql_ready(chosen):
                notes = reading_notes(Decoded(None, "utf-8", False, b""), delimiter)
                mapped = map_cells(con, header, rows, chosen, aliases, notes, spelled)
                return mapped, check_in_duckdb(mapped, stage_to)
    except UnreadableFile as err:
        return err
    except FileNotFoundError:
        return None  # another run took it
    finally:
        con.close()
    try:
        data = whole(read, settings.max_file_bytes)
    except UnreadableFile as err:
        return err
    except ChangedSinceRead:
        return changed_while_read(read.path)
    except FileNotFoundError:
        return None
    return map_files([(read.path, data)], settings, layout)[read.path]


def _keys_checked(
    checked: dict[int, tuple[Read, Mapped | MappedInDuckDB, Checked]],
    together: pd.DataFrame | None,
    store: Store,
) -> dict[int, tuple[Read, Mapped | MappedInDuckDB, Checked]]:
    """Each file's rows less those whose poll key the store, or an earlier file of the batch,
    holds for another poll (another pollster, country, leader or measure). `together`: the
    batch_frame of the files mapped as frames, in the batch's order."""
    framed = [(i, m, c) for i, (_, m, c) in checked.items() if isinstance(m, Mapped)]
    in_arrow = [(i, c) for i, (_, m, c) in checked.items() if not isinstance(m, Mapped)]
    slims = identities(together, framed, in_arrow)
    found = [store.taken_keys(slim) for slim in slims]
    found.append(taken_in_batch(slims, {i: str(r.path) for i, (r, _, _) in checked.items()}))
    found = [part for part in found if not part.empty]
    by_file = {}
    if found:  # the store's answer first: a key it holds is owned there, not in the batch
        taken = pd.concat(found, ignore_index=True).drop_duplicates(["file", "line_number"])
        by_file = dict(iter(taken.groupby("file")))
    return {
        index: (r, m, without_taken_keys(c, by_file[index], m.column_names))
        if index in by_file
        else (r, m, c)
        for index, (r, m, c) in checked.items()
    }


def _write_groups(pending: dict[int, Pending]) -> list[list[int]]:
    """Files in order, grouped into transactions of up to WRITE_ROWS rows."""
    groups: list[list[int]] = []
    rows = 0
    for index, file in pending.items():
        size = len(file.record.polls) + len(file.rejects)
        if not groups or rows + size > WRITE_ROWS:
            groups.append([])
            rows = 0
        groups[-1].append(index)
        rows += size
    return groups


def log_result(path: Path, result: FileResult | Waiting | None) -> None:
    """A line per file and per reject, for the run's log (Prefect's UI shows them)."""
    if result is None:
        log.info("%s is gone: another run took it", shown(path))
    elif isinstance(result, Waiting):
        log.info("waiting: %s: %s", shown(result.path), result.reason)
    else:
        log.info("%s", file_line(result))
        for warning in result.warnings:
            log.warning("%s: %s", shown(result.path), warning)
        for reject in result.rejects:
            log.warning("%s", describe_reject(result.path, reject))
        if result.reject_reasons > len(result.rejects):  # the result keeps the first few
            more = result.reject_reasons - len(result.rejects)
            where = f": every reason is in {shown(result.stored_at)}.errors.csv"
            log.warning("... and %d more%s", more, where if result.stored_at else "")
