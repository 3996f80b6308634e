"""An ingest as asked for, checked before any run starts.

A path that is not there, a layout that does not exist, a broken layout or alias file: each is
one line before any work, not a run that fails half-way or a run recorded for nothing. An inbox
with nothing ready to take is no run at all (none is started or recorded), yet it is answered
the way a run is. The command line and a script that starts runs ask the same questions here.
"""

from __future__ import annotations

from pathlib import Path

from pollwatch.config import ConfigError, Settings, make_inbox
from pollwatch.ingest.discover import find_new_files
from pollwatch.ingest.outcomes import RunSummary
from pollwatch.ingest.run import idle_run
from pollwatch.map.aliases import load_aliases
from pollwatch.map.layout_files import load_layouts


def check_ingest(settings: Settings, paths: list[Path], layout: str | None) -> RunSummary | None:
    """None when there is something to ingest and the request is sound; the idle run's summary
    when nothing named and nothing in the inbox is ready; a ConfigError for a path or a layout
    that is not there. Makes the inbox if missing, where the README says to drop files."""
    for path in paths:
        if not path.exists():
            raise ConfigError(f"{path}: no such file or directory")
    make_inbox(settings)
    if not paths:
        found = find_new_files(settings.inbox, settings.settle_seconds)
        if not found.ready:
            return idle_run(found)  # nothing to take: no run to start or record
    known = load_layouts(settings.local_layouts)
    load_aliases(settings.local_aliases)  # a mistake in either is one line, before any work
    if layout is not None and layout not in known:
        raise ConfigError(f"--layout {layout}: no such layout; known layouts: {', '.join(known)}")
    return None
