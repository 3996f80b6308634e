"""The known layouts as a person choosing where to drop a file reads them: each one's title, how
it is recognised (by its header, or only in its own inbox folder), the columns it needs, and how
often its drops are expected. Said from the Layout objects, so the list cannot drift from what
ingest does."""

from __future__ import annotations

from pollwatch.map.layout import Layout

NAME_WIDTH = 30


def layouts_text(known: dict[str, Layout]) -> str:
    """One entry per layout, in the order given; each entry's later lines indented under its
    title."""
    entries = []
    for layout in known.values():
        how = "by its header" if layout.by_header else f"in inbox/{layout.name}/ or --layout"
        required = ", ".join(layout.missing_columns([]))
        due = (
            f"\n{'':<{NAME_WIDTH}} drops expected {layout.cadence.describe()}"
            if layout.cadence
            else ""
        )
        entries.append(
            f"{layout.name:<{NAME_WIDTH}} {layout.title}\n{'':<{NAME_WIDTH}} recognised {how};"
            f" columns: {required}" + due
        )
    return "\n".join(entries)
