"""A sample cell that names its population ("1,600 adults") read for a file mapped in DuckDB
(sql.py) as sample_words reads it for a small file: the few cells so written go once each
through sample_words and are joined back, and the lines where those words name another
population than the row's own are found for the file's warning.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from pollwatch.map import cell_text, sample_words
from schemas.columns import POPULATIONS
from schemas.rules import literal


def disagreeing_populations(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[int], tuple[str, str]] | None:
    """sample_words.split_samples' third answer: the lines where a sample's words name another
    population than the one the row's population column gives (and the row keeps), and the
    first one's two readings."""
    stated = ", ".join(literal(p) for p in POPULATIONS if p != "unknown")
    found = con.execute(
        "SELECT m.line_number, s.sample_said, m.population"
        " FROM mapped m JOIN src s USING (line_number)"
        f" WHERE m.population IN ({stated}) AND m.population <> s.sample_said"
        " ORDER BY m.line_number"
    ).fetchall()
    return ([line for line, _, _ in found], found[0][1:]) if found else None


def split_samples(
    con: duckdb.DuckDBPyConnection, sample: str, population: str
) -> tuple[str, str, str, str]:
    """sample_words.split_samples in SQL, from the file's sample and population (SQL expressions):
    the sample's and the population's text, the population the sample's words name (NULL
    where none), and the join that gives it. The cells that may be so written are read by
    sample_words.read_sample_words, once each."""
    found = con.execute(
        f"SELECT DISTINCT {sample} FROM cells c"
        f" WHERE NOT regexp_full_match(coalesce({sample}, ''), {literal(sample_words.PLAIN_COUNT)})"
    ).fetchall()
    read = {
        raw: parts for (raw,) in found if raw and (parts := sample_words.read_sample_words(raw))
    }
    if not read:
        return sample, population, "NULL::VARCHAR", ""
    con.register(
        "lk_sample",
        pa.table(
            {
                "raw": pa.array(list(read), pa.string()),
                "number": pa.array([number for number, _ in read.values()], pa.string()),
                "said": pa.array([said for _, said in read.values()], pa.string()),
            }
        ),
    )
    missing = ", ".join(map(literal, sorted(cell_text.MISSING_TOKENS)))
    empty = f"coalesce(lower(trim({population})), '') IN ({missing})"
    return (
        f"coalesce(sp.number, {sample})",
        f"CASE WHEN sp.said IS NOT NULL AND {empty} THEN sp.said ELSE {population} END",
        "sp.said",
        f" LEFT JOIN lk_sample sp ON sp.raw = {sample}",
    )
