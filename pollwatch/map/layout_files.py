"""Loading the layout files: the shipped ones in schemas/sources/, then a data directory's.

Each file is checked as it is read (layout_checks.py), and read again only when it changed: a
batch of a thousand drops does not parse the same files a thousand times, and an edited layout
is seen at once.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import schemas
from pollwatch.map.drop_cadence import read_cadence
from pollwatch.map.folding import fold_name, fold_value
from pollwatch.map.layout import (
    ANSWER_SHARES,
    Answers,
    Layout,
    LayoutError,
    as_list,
    with_both_ends,
)
from pollwatch.map.layout_checks import layout_problem
from pollwatch.map.row_filters import row_filter
from pollwatch.map.terms_of_office import read_terms
from pollwatch.read.header import normalise_header

SCHEMAS = Path(schemas.__file__).parent  # where the package is, in a checkout or a wheel
LAYOUT_DIR = SCHEMAS / "sources"


def load_layouts(local: Path | None = None) -> dict[str, Layout]:
    """The shipped layouts, then any in `local` (a data directory's layouts/ folder)."""
    paths = sorted(LAYOUT_DIR.glob("*.toml"))
    paths += sorted(local.glob("*.toml")) if local is not None and local.is_dir() else []
    return unchanged_or_read(("layouts", *paths), lambda: _read_layouts(paths))


def _read_layouts(paths: list[Path]) -> dict[str, Layout]:
    layouts: dict[str, Layout] = {}
    for path in paths:
        layout = load_layout(path)
        if layout.name in layouts:
            raise LayoutError(f"{path}: a layout named {layout.name!r} already exists")
        layouts[layout.name] = layout
    return layouts


_READ: dict[tuple, tuple[tuple, object]] = {}


def unchanged_or_read(key: tuple, read):
    """Read files again only when one of them changed: a batch of a thousand drops should not
    parse the same layout files a thousand times, and an edited layout is seen at once."""
    stamps = tuple((stat.st_mtime_ns, stat.st_size) for stat in (p.stat() for p in key[1:]))
    cached = _READ.get(key)
    if cached is not None and cached[0] == stamps:
        return cached[1]
    value = read()
    _READ[key] = (stamps, value)
    return value


def layout_text(path: Path) -> str:
    """A layout file's text: UTF-8, with or without the byte-order mark Windows editors write.
    Saved as "ANSI" (cp1252), it is refused naming the line, not with a traceback."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise LayoutError(
            f"{path}: not UTF-8 text (byte 0x{data[err.start]:02x} on line {line}): "
            "save it as UTF-8"
        ) from None


def load_layout(path: Path) -> Layout:
    try:
        spec = tomllib.loads(layout_text(path))
    except tomllib.TOMLDecodeError as err:
        raise LayoutError(f"{path}: not valid TOML: {err}") from None
    problem = layout_problem(spec, path)
    if problem:
        raise LayoutError(f"{path}: {problem}")
    dates, key, rows = spec.get("dates", {}), spec.get("poll_key", {}), spec.get("rows", {})
    return Layout(
        name=spec["name"],
        title=spec.get("title", spec["name"]),
        by_header=spec.get("by_header", True),
        columns=with_both_ends(
            {name: tuple(_lower(as_list(source))) for name, source in spec["columns"].items()},
            spec.get("constants", {}),
        ),
        optional=frozenset(spec.get("optional", ())),
        constants=dict(spec.get("constants", {})),
        values={
            name: {fold_name(k): v for k, v in table.items()}
            for name, table in spec.get("values", {}).items()
        },
        ignore=frozenset(_lower(spec.get("ignore", ()))),
        date_formats=tuple(dates.get("formats", ())),
        day_first=dates.get("day_first"),
        date_precision=dates.get("precision", "day"),
        month_only_published_is_fieldwork=dates.get("month_only_published_is_fieldwork", False),
        published_is_entry=dates.get("published_is_entry", False),
        published_precision_column=(
            normalise_header(dates["published_precision_column"])
            if "published_precision_column" in dates
            else None
        ),
        poll_key_prefix=key.get("prefix", ""),
        poll_key_columns=tuple(_lower(key.get("columns", ()))),
        skip_rows_without_shares=rows.get("skip_without_shares", False),
        keep_rows=row_filter(rows.get("keep", {})),
        drop_rows=row_filter(rows.get("drop", {})),
        leader_by_date=read_terms(spec.get("leader_by_date", ())),
        cadence=read_cadence(spec.get("cadence")),
        proportions=spec.get("shares", {}).get("proportions"),
        proportions_declared="proportions" in spec.get("shares", {}),
        answers=_answers(spec.get("answers")),
        as_written_columns={
            name: normalise_header(column) for name, column in spec.get("as_written", {}).items()
        },
    )


def _answers(spec: dict | None) -> Answers | None:
    if spec is None:
        return None
    return Answers(
        normalise_header(spec["column"]),
        normalise_header(spec["share"]),
        {
            field: frozenset(fold_value(a) for a in as_list(spec[role]))
            for role, field in ANSWER_SHARES.items()
            if role in spec
        },
    )


def _lower(names) -> list[str]:
    return [normalise_header(n) for n in names]
