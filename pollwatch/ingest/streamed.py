"""A file too big to hold, mapped in bounded memory: DuckDB reads it where it lies and keeps its
mapped rows on disk until they commit.

Held whole, a million-row file was its bytes, its cells and DuckDB's copy of them; streamed, it
costs the connection's memory limit. Its work lies under the data folder (STAGING), so a run
killed midway leaves nothing that the next run does not clear.
"""

from __future__ import annotations

from pathlib import Path

from pollwatch.config import Settings
from pollwatch.ingest.file_mapping import InDuckDB, file_layout, map_files
from pollwatch.ingest.files import ChangedSinceRead, Read, changed_while_read, unchanged, whole
from pollwatch.ingest.outcomes import Waiting
from pollwatch.map.aliases import load_aliases, with_stored_names
from pollwatch.map.layout_choice import folder_layout
from pollwatch.map.layout_files import load_layouts
from pollwatch.map.mapping import Mapped
from pollwatch.map.sql import connect, map_cells, sql_ready
from pollwatch.read.cells import reading_notes
from pollwatch.read.decoding import Decoded, UnreadableFile
from pollwatch.read.in_duckdb import read_in_place
from pollwatch.validate.sql import check_in_duckdb

# Under the data folder: a streamed file's work in progress (its mapping past mapping_memory_mb,
# its rows until they commit), removed after its batch, or by the next run after a kill.
STAGING = ".staging."


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
            chosen = file_layout(header, layouts, named, con)
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
