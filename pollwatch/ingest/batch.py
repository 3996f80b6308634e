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

import pandas as pd

from pollwatch.config import Settings
from pollwatch.ingest.commit import (
    Pending,
    commit_all,
    commit_duplicate,
    pending_mapped,
    pending_unreadable,
)
from pollwatch.ingest.file_mapping import InDuckDB, joined_names, map_files
from pollwatch.ingest.files import Read, TooLarge, read_file
from pollwatch.ingest.messages import describe_reject, file_line, shown
from pollwatch.ingest.outcomes import FileResult, Waiting
from pollwatch.ingest.signals import stops_held, stops_kept
from pollwatch.ingest.streamed import STAGING, map_streamed
from pollwatch.map.layout_choice import folder_layout
from pollwatch.map.layout_files import load_layouts
from pollwatch.map.mapping import Mapped
from pollwatch.map.sql import MappedInDuckDB
from pollwatch.processes import owned_folder
from pollwatch.read.decoding import UnreadableFile
from pollwatch.store import Store
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

log = logging.getLogger("pollwatch.ingest")

# Rows a transaction takes from several files together; a bigger file is written alone.
WRITE_ROWS = 20_000
# Bytes from which a batch asks the store which of its files it holds before mapping them.
ASK_FIRST_BYTES = 1 << 20


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
