"""Why no layout reads a file's header, and what would: the reason a refused file is told.

A file no layout fits is quarantined whole with one line a person can act on: which layouts
come closest and what they lack, the folder a series without pollster columns goes in, or that
the file is an average rather than polls.
"""

from __future__ import annotations

import re

from pollwatch.map.layout import Layout
from pollwatch.map.whose_columns import column_spellings, ignores_whose, says_whose
from pollwatch.read.echo import counted, joined, listed


def short_of_filters(header: list[str], layouts: list[Layout]) -> str:
    """The reason for a header with every column a layout reads a field from, short only of
    a column its row filter or poll key names: that layout's file, whatever else it fits."""
    told = [
        f"{layout.name} needs {named_columns(layout.missing_columns(header))}" for layout in layouts
    ]
    return (
        f"no known layout fits this header ({listed(header)}): {joined(told)}; it has every"
        f" other column {'that layout reads' if len(layouts) == 1 else 'those layouts read'}"
    )


def named_columns(names: list[str]) -> str:
    return f"column{'s' if len(names) > 1 else ''} {', '.join(names)}"


# Columns of an average, not of polls: 538's toplines (modeldate, approve_estimate, approve_hi,
# approve_lo; pct_estimate), others' trend and smoothed lines.
AVERAGE_COLUMNS = re.compile(
    r"estimate|model_?date|average|moyenne|smoothed|trend|^(?:[^\W_]+_)?(?:hi|lo)$"
)


def closest_layouts(header: list[str], layouts: dict[str, Layout], identifying: set[str]) -> str:
    """Why no layout reads a header, and which come closest: those sharing the most of its
    columns, all of them where several do (naming one of a tie, as before, sent a French file
    to Russia's VTsIOM layout for a shared date column), none where none shares a column. A
    layout that would drop a column saying whose poll a row is says so: it may need nothing
    else, and would still not be the file's layout."""
    add = (
        ""
        # the header says whose polls they are (Ipsos' `Personne`): no layout's series
        if identifying or any(says_whose(column) for column in header)
        else "a series without pollster or leader columns goes in its layout's folder"
        " (inbox/<layout>/); "
    ) + (
        "a new source needs a layout of its own"
        " (DATA_DIR/layouts/<name>.toml, as `pollwatch layouts` shows);"
        f" known layouts: {', '.join(layouts)}"
    )
    fits = f"no known layout fits this header ({listed(header)})"
    averaged = [column for column in header if AVERAGE_COLUMNS.search(column)]
    pollster_named = column_spellings(layouts, ("pollster",)) & set(header)
    if averaged and not pollster_named:  # 538's poll list has a modeldate too
        # Told as the closest layout's, 538's topline was sent to its poll list's layout, and
        # its model date to a layout of one publisher's series: one rename from storing an
        # average as polls.
        return (
            f"{fits}: {listed(averaged)} {'is' if len(averaged) == 1 else 'are'} an average's"
            f" column{'' if len(averaged) == 1 else 's'}, not a poll's; pollwatch"
            " stores polls and draws its own average from them: drop the polls the average was"
            " drawn from"
        )
    closeness = {layout.name: layout_closeness(layout, header) for layout in layouts.values()}
    ranked = sorted(layouts.values(), key=lambda layout: closeness[layout.name], reverse=True)
    most = closeness[ranked[0].name][0]
    # One column shared says nothing of a source: Ipsos' barometer was pointed at Russia's three
    # series for its `date`, Newspoll's at pollsposition's for a spreadsheet's index column.
    if most < 2:
        return f"{fits}, and none shares more than one of its columns; {add}"
    tied = [layout for layout in ranked if closeness[layout.name][0] == most]

    def told(layout: Layout) -> str:
        shared = [c for c in header if c in layout.used_columns()]
        missing = layout.missing_columns(header)
        dropped = ignores_whose(layout, header, identifying)
        told = [f"shares {listed(shared)}"]
        told += [f"needs {', '.join(missing)}"] if missing else []
        told += [f"would ignore {', '.join(dropped)}"] if dropped else []
        return f"{layout.name} ({'; '.join(told)})"

    if len(tied) == 1:
        return f"{fits}; the closest is {told(tied[0])}; {add}"
    return (
        f"{fits}; {len(tied)} come as close, sharing {counted(most, 'column')} each:"
        f" {joined([told(layout) for layout in tied])}; {add}"
    )


def whose_folder(header: list[str], fitting: list[Layout]) -> str:
    """The reason for a header that has every column of layouts read only from their folders:
    one publisher's series with no pollster or leader column, whose folder says whose it is.
    No folder is chosen for the user: a bare date,approve,disapprove fits VTsIOM's layout as
    well as it fits anyone's series, and a guess would file one publisher's polls under
    another's name."""
    if len(fitting) == 1:
        where = (
            f"if the file is that series, put it in inbox/{fitting[0].name}/ (or name its"
            f" layout: pollwatch ingest --layout {fitting[0].name} FILE)"
        )
    else:
        where = (
            "if the file is one of these series, put it in that one's folder (inbox/<layout>/,"
            " or name it: pollwatch ingest --layout <layout> FILE)"
        )
    return (
        f"this header ({listed(header)}) has every column of"
        f" {joined([f'{layout.name} ({layout.title})' for layout in fitting])}, read only from"
        f" {'its' if len(fitting) == 1 else 'their'} own folder, since a series without"
        f" pollster or leader columns takes them from it: {where}; another publisher's series"
        " needs a layout of its own (layouts/ in the data directory)"
    )


def layout_closeness(layout: Layout, header: list[str]) -> tuple[int, int]:
    """Columns of the header the layout reads, then fewest of its required ones missing: a
    layout sharing seven columns with a file is closer than one that needs only two it lacks.
    Columns it ignores do not count: 538's raw-poll layout ignores seventeen, and a canonical
    file keeping a few of them was sent to it rather than told the one column it lacked."""
    used = layout.used_columns()
    return sum(c in used for c in header), -len(layout.missing_columns(header))
