"""The clean data out: every stored poll with its provenance, as CSV or Parquet.

Names and notes come from untrusted CSV files, and a CSV is often opened in a spreadsheet, where a
cell starting with `=`, `+`, `-` or `@` is run as a formula. In CSV output such text cells get a
leading apostrophe (the OWASP advice); numbers are left alone, and Parquet keeps every value as
stored, since nothing executes it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from pollwatch.config import ConfigError, Settings
from pollwatch.map.cell_text import FORMULA_STARTS  # and the reading back of what is made inert
from pollwatch.store import open_store
from schemas.columns import DATE_COLUMNS

FORMATS = ("csv", "parquet")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, made inert with a leading `'`."""
    safe = frame.copy()
    for column in safe.columns:
        if pd.api.types.is_string_dtype(safe[column]) or safe[column].dtype == object:
            text = safe[column]
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
            safe[column] = text.where(~risky, "'" + text.astype("str"))
    return safe


def number_text(value: float) -> str:
    """A sample size as published: 1600 not 1600.0, a weighted 2202.5 as it is; empty when
    missing."""
    if pd.isna(value):
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def check_out_file(path: Path) -> None:
    """A path a person gave to write the export to: a file in a folder that exists (a typo in
    the folder is said, not made into new folders)."""
    if path.is_dir():
        raise ConfigError(f"--out {path} is a folder: name the file, e.g. {path / 'polls.csv'}")
    if not path.parent.is_dir():
        raise ConfigError(f"--out {path}: there is no folder {path.parent} to write it in")


def chosen_format(path: Path, fmt: str | None) -> str:
    """The format to write: the one asked for, else the one --out's suffix names (csv when it
    has none). A suffix naming another format is refused: `--out polls.json` wrote CSV under a
    JSON name, which the next program read as broken JSON."""
    if fmt is not None:
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if suffix and suffix != "txt":
        raise ConfigError(
            f"--out {path}: pollwatch writes {' or '.join(FORMATS)}; name the file"
            f" {path.with_suffix('.csv').name} or {path.with_suffix('.parquet').name}, or give"
            " --format"
        )
    return "csv"


def write_polls(frame: pd.DataFrame, path: Path, fmt: str = "csv") -> Path:
    """Write atomically: a reader never sees half a file."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        if fmt == "csv":
            as_text = frame.copy()
            for column in DATE_COLUMNS:
                if column in as_text and pd.api.types.is_datetime64_any_dtype(as_text[column]):
                    as_text[column] = as_text[column].dt.strftime("%Y-%m-%d")
            # CRLF, as RFC 4180 has it: the csv writer quotes a cell holding any character of the
            # line end, so a bare carriage return in a note cannot split a record in two.
            as_text = neutralise_formulas(as_text)
            if "sample_size" in as_text:  # a count stays a count: 1600, not 1600.0
                as_text["sample_size"] = as_text["sample_size"].map(number_text)
            as_text.to_csv(temporary, index=False, lineterminator="\r\n")
        else:
            frame.to_parquet(temporary, index=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def export_store(settings: Settings, path: Path, fmt: str | None = None) -> tuple[int, str]:
    """Every poll the store holds, with its provenance, written to `path` in `fmt` (else the
    one its suffix names, chosen_format): how many polls, and the format written."""
    chosen = chosen_format(path, fmt)
    polls = open_store(settings, read_only=True).polls()
    write_polls(polls, path, chosen)
    return len(polls), chosen
