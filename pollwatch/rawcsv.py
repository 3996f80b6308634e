"""Read a dropped file into a table of text cells keyed by the line each record starts on.

This is the only place that touches the raw bytes. It decides whether a file is a CSV at all and
says why not in words a person can act on; everything after it works on text cells and line
numbers, so every later error can point at the exact line of the original file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

# A cell longer than this is not poll data; csv refuses it instead of reading it whole.
MAX_FIELD_CHARS = 1_000_000


class UnreadableFile(Exception):
    """The file as a whole cannot be read as a CSV table; the message says why, in one line."""

    def __init__(self, reason: str, line: int | None = None, rule: str = "not_a_csv"):
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.rule = rule


@dataclass
class RawTable:
    """Text cells under their normalised header names, indexed by source line number."""

    header: list[str]
    cells: pd.DataFrame
    # Records that cannot be lined up with the header: (line, field count).
    ragged: list[tuple[int, int]] = field(default_factory=list)
    header_line: int = 1

    @property
    def rows_read(self) -> int:
        return len(self.cells) + len(self.ragged)


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without a byte-order mark) and refuse what is not text."""
    if not data.strip():
        raise UnreadableFile(
            "empty file: no header and no rows" if data else "empty file (0 bytes)",
            rule="empty_file",
        )
    if b"\x00" in data[:4096]:
        raise UnreadableFile("not a CSV: binary data (NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise UnreadableFile(
            f"not UTF-8 text: byte 0x{data[err.start]:02x} on line {line} cannot be decoded; "
            "save the file as UTF-8",
            line,
            rule="not_utf8",
        ) from None
    _refuse_markup(text)
    return text


def _refuse_markup(text: str) -> None:
    start = text.lstrip()[:200].lower()
    if start.startswith(("<?xml", "<!doctype", "<html", "<head", "<body")):
        first = text.lstrip().splitlines()[0][:60]
        raise UnreadableFile(
            f"not a CSV: an HTML/XML page (it starts with {first!r}); "
            "the download probably failed, fetch the file again"
        )


def normalise_header(name: str) -> str:
    return name.strip().lower()


def read_raw_csv(path: Path) -> RawTable:
    """Read `path` as comma-separated UTF-8 text with a header row."""
    return parse_csv_text(decode(path.read_bytes()))


def parse_csv_text(text: str) -> RawTable:
    records, starts = _read_records(text)
    if not records:
        raise UnreadableFile("empty file: no header and no rows", rule="empty_file")
    header = [normalise_header(name) or f"unnamed_{i}" for i, name in enumerate(records[0], 1)]
    _check_header(header, starts[0])
    width = len(header)
    rows, lines, ragged = [], [], []
    for record, line in zip(records[1:], starts[1:], strict=True):
        if len(record) == width:
            rows.append(record)
            lines.append(line)
        else:
            ragged.append((line, len(record)))
    if not rows and not ragged:
        raise UnreadableFile("header only: the file has no data rows", starts[0], "header_only")
    cells = pd.DataFrame(
        rows, columns=header, index=pd.Index(lines, name="line_number"), dtype="str"
    )
    return RawTable(header, cells, ragged, starts[0])


def _read_records(text: str) -> tuple[list[list[str]], list[int]]:
    """Parse every record and the physical line it starts on (quoted newlines span lines)."""
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records, starts = [], []
    line = 0
    while True:
        start = line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            raise UnreadableFile(
                f"not a valid CSV at line {reader.line_num}: {err}", reader.line_num
            ) from None
        line = reader.line_num
        if record and any(cell.strip() for cell in record):
            records.append(record)
            starts.append(start)
    return records, starts


def _check_header(header: list[str], line: int) -> None:
    seen = set()
    for name in header:
        if name in seen:
            raise UnreadableFile(f"header names column {name!r} twice", line, "duplicate_column")
        seen.add(name)
