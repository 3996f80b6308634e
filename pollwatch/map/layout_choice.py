"""Which layout a dropped file is in: the one its folder or the user names, else its header's.

A wrong choice stores one publisher's polls under another's name, so a header that fits no
layout, or several, or one only by ignoring whose polls it gives, is refused with the reason
(layout_hints.py) rather than guessed.
"""

from __future__ import annotations

from pathlib import Path

from pollwatch.map.layout import Layout
from pollwatch.map.layout_hints import (
    closest_layouts,
    layout_closeness,
    named_columns,
    short_of_filters,
    whose_folder,
)
from pollwatch.map.whose_columns import identifying_columns, ignores_whose, whose_columns
from pollwatch.read.decoding import UnreadableFile
from pollwatch.read.echo import capped, listed


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
                f"layout {named} needs {named_columns(missing)} (the header has: {listed(header)})",
                line=line,
                rule="missing_required_columns",
            )
        # Gallup's approval of every president, dropped in VTsIOM's folder, was stored as 397
        # VTsIOM polls of Putin and Medvedev: its `president` column was ignored with a warning.
        if whose := ignores_whose(layouts[named], header, set(whose_columns(header, layouts))):
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
    identifying = identifying_columns(header, layouts)
    whole = [
        layout for layout in layouts.values() if not ignores_whose(layout, header, identifying)
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
        raise UnreadableFile(short_of_filters(header, short), line=line, rule="unknown_layout")
    by_folder = sorted(
        (layout for layout in whole if not layout.missing_columns(header)),
        key=lambda layout: layout_closeness(layout, header),
        reverse=True,
    )
    if by_folder:
        raise UnreadableFile(whose_folder(header, by_folder), line=line, rule="unknown_layout")
    raise UnreadableFile(
        closest_layouts(header, layouts, identifying), line=line, rule="unknown_layout"
    )
