"""The alias tables: one stored spelling for each pollster and leader.

A pollster or leader spelled two ways is two pollsters or leaders, each with a house effect or
a page of its own. The shipped table (schemas/aliases.toml) and a data directory's own say which
spellings are one name; names already stored count too.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pollwatch.map.folding import fold_name
from pollwatch.map.layout import LayoutError
from pollwatch.map.layout_files import SCHEMAS, layout_text, unchanged_or_read

ALIASES_FILE = SCHEMAS / "aliases.toml"
ALIASED = ("pollster", "leader")


def load_aliases(local: Path | None = None) -> dict[str, dict[str, str]]:
    """field -> {folded spelling: the one stored spelling} for pollster and leader: the shipped
    table, then `local` (a data directory's aliases.toml), whose entries win."""
    paths = [ALIASES_FILE, *([local] if local is not None and local.is_file() else [])]
    return unchanged_or_read(("aliases", *paths), lambda: _read_aliases(paths))


def aliased_leader(leader: str, local: Path | None = None) -> str:
    """The leader a name a person typed stands for in the alias tables (load_aliases), else the
    name: `trend --leader Путин` finds Vladimir Putin's polls as a file's cell would."""
    return load_aliases(local)["leader"].get(fold_name(leader), leader)


def with_stored_names(
    aliases: dict[str, dict[str, str]], stored: dict[str, list[str]]
) -> dict[str, dict[str, str]]:
    """The alias tables, and each name already stored as its own spelling where they do not
    know it: a later file's "Gabriel ATTAL" or "VERIAN" is the stored Gabriel Attal or Verian
    (stored apart, a correction of the same poll was rejected as another poll's key, and the
    pollster's house effect split in two)."""
    return {
        field: {**{fold_name(name): name for name in stored.get(field, [])}, **table}
        for field, table in aliases.items()
    }


def _read_aliases(paths: list[Path]) -> dict[str, dict[str, str]]:
    """Each file's entries over the earlier files': an entry naming a spelling an earlier file
    reads as some name takes all of that name's spellings ("Gallup Organization" = ["Gallup"]
    in a data directory moved Gallup alone, and the shipped table's "Gallup Poll" stayed
    Gallup: one firm stored under two names)."""
    aliases: dict[str, dict[str, str]] = {kind: {} for kind in ALIASED}
    written: list[str] = []  # the leaders' spellings as written (the tables' keys are folded)
    for path in paths:
        for kind, table in _alias_tables(path).items():
            known = aliases[kind]
            for canonical, spellings in table.items():
                folded = [fold_name(spelling) for spelling in [canonical, *spellings]]
                taken = {known[f] for f in folded if f in known}
                known |= {f: canonical for f, name in known.items() if name in taken}
                known |= dict.fromkeys(folded, canonical)
                written += [canonical, *spellings] if kind == "leader" else []
    aliases["leader"] = _with_surname_first(aliases["leader"], written)
    return aliases


def _with_surname_first(table: dict[str, str], written: list[str]) -> dict[str, str]:
    """The leaders' table, and each of its names of two words or more surname first, as lists
    and registers write them: "Putin, Vladimir", "Zelenskyy Volodymyr", or with the initials of
    the given names, "Путин В.В." (from "Владимир Владимирович Путин"); each was a leader of
    its own. A spelling the table lists stays its own, and one two leaders' names would both
    give is neither's."""
    derived: dict[str, set[str]] = {}
    for spelling in written:
        words = spelling.split()
        if len(words) < 2:
            continue
        given, surname = words[:-1], words[-1]
        initials = "".join(f"{word[0]}." for word in given)
        for turned in (" ".join([surname, *given]), f"{surname} {initials}"):
            derived.setdefault(fold_name(turned), set()).add(table[fold_name(spelling)])
    return {
        **{spelling: next(iter(found)) for spelling, found in derived.items() if len(found) == 1},
        **table,
    }


def _alias_tables(path: Path) -> dict[str, dict[str, list[str]]]:
    """An alias file's tables; a mistake is refused naming the file and the name, as in a
    layout file (a text where the list belongs would be read letter by letter)."""
    try:
        tables = tomllib.loads(layout_text(path))
    except tomllib.TOMLDecodeError as err:
        raise LayoutError(f"{path}: not valid TOML: {err}") from None
    unknown = sorted(set(tables) - set(ALIASED))
    if unknown:
        raise LayoutError(
            f"{path}: unknown table(s) {', '.join(unknown)} (known: [pollster], [leader])"
        )
    for kind, table in tables.items():
        if not isinstance(table, dict):
            raise LayoutError(f"{path}: {kind} must be a table: [{kind}], then names")
        for canonical, spellings in table.items():
            if not (
                fold_name(canonical)
                and isinstance(spellings, list)
                and all(isinstance(s, str) and fold_name(s) for s in spellings)
            ):
                raise LayoutError(
                    f"{path}: [{kind}] {canonical!r} must list the spellings read as it,"
                    ' as "Gallup" = ["Gallup Organization", "Gallup Poll"]'
                )
    return tables
