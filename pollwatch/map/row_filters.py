"""A layout's [rows] keep and drop: which of a file's rows are the polls it wants.

538 repeats each poll once per subgroup, of which a tracker wants one; a filter names the
source column and the values to keep or drop, as the layout writes them.
"""

from __future__ import annotations

from pollwatch.map.layout import as_list
from pollwatch.read.cells import normalise_header


def row_filter(spec: dict[str, str | int | list[str | int]]) -> dict[str, frozenset[str]]:
    """Column -> the values it is filtered on, as the layout writes them (cells are compared
    with them folded); a whole number (`wave = 3`, as TOML reads it unquoted) as the file
    writes it."""
    return {
        normalise_header(column): frozenset(str(v) for v in as_list(wanted))
        for column, wanted in spec.items()
    }
