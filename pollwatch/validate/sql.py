"""The poll contract checked inside DuckDB, for a file mapped there (map/sql.py).

The column and row rules are the SQL form of the declarations in schemas/polls.py
(schemas/rules.py writes both the pandera and the SQL form of each), so they run where the rows
are; only the failing rows come out, to be shown as the frame path shows them. Repeats and
conflicts of one poll key are found in SQL and judged by the same code as on the frame path, on
those rows only.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from pollwatch.map.mapping import WRITTEN_COLUMNS
from pollwatch.map.sql import MappedInDuckDB, cell_rejects
from pollwatch.read.cells import STR
from pollwatch.store import Staged
from pollwatch.validate.checks import (
    Checked,
    implausible_warning,
    in_file_terms,
    not_parse_failures,
    repeats_and_conflicts,
)
from schemas.columns import CANONICAL_COLUMNS, REJECT_COLUMNS
from schemas.polls import COLUMN_RULES, NULLABLE, ROW_RULES, WARNING_RULES, row_rule_rejects
from schemas.rules import literal

STORED = (*CANONICAL_COLUMNS, *WRITTEN_COLUMNS)


def check_in_duckdb(mapped: MappedInDuckDB, stage_to: Path | None = None) -> Checked:
    """Split the `mapped` table into rows to store and rejects. The rows to store are an Arrow
    table, or, with `stage_to`, left in a DuckDB file there (Staged) for the store to take."""
    con = mapped.con
    found = pd.concat([_column_rejects(mapped), _row_rejects(mapped)], ignore_index=True)
    rejects = pd.concat(
        [mapped.parse_rejects, not_parse_failures(found, mapped.parse_rejects)],
        ignore_index=True,
    )
    mapped.drop_cells()
    con.register("rejected", pa.table({"line_number": rejects["line_number"].astype("int64")}))
    shared = _frame(
        con.sql(
            "WITH kept AS (SELECT * FROM mapped ANTI JOIN rejected USING (line_number))"
            f" SELECT line_number, {', '.join(CANONICAL_COLUMNS)} FROM kept"
            " WHERE (pollster, poll_key) IN (SELECT (pollster, poll_key) FROM kept"
            " GROUP BY pollster, poll_key HAVING count(*) > 1)"
            " ORDER BY line_number"
        ).to_arrow_table()
    )
    warnings = list(mapped.warnings)
    for rule, advice in WARNING_RULES:
        lines = con.sql(
            f"SELECT line_number FROM mapped ANTI JOIN rejected USING (line_number)"
            f" WHERE NOT {rule.sql()} ORDER BY line_number"
        ).fetchnumpy()["line_number"]
        if len(lines):
            warnings.append(implausible_warning(rule.name, advice, lines.tolist()))
    repeated, conflicts, warnings = repeats_and_conflicts(shared, warnings)
    if not conflicts.empty:
        rejects = pd.concat([rejects, conflicts], ignore_index=True)
    dropped = pd.concat([rejects["line_number"], pd.Series(repeated, dtype="int64")])
    con.register("dropped", pa.table({"line_number": dropped.astype("int64")}))
    kept = (
        f"SELECT line_number, {', '.join(STORED)} FROM mapped ANTI JOIN dropped USING (line_number)"
    )
    if stage_to is None:
        polls = con.sql(kept).to_arrow_table()
    else:
        con.execute(f"ATTACH {literal(str(stage_to))} AS staged")
        con.execute(f"CREATE TABLE staged.polls AS {kept}")
        [(rows,)] = con.execute("SELECT count(*) FROM staged.polls").fetchall()
        con.execute("DETACH staged")
        polls = Staged(stage_to, rows)
    named = in_file_terms(
        rejects, mapped.column_names, mapped.spelled, lambda lines: _days(con, lines)
    )
    return Checked(polls, named, len(repeated), warnings)


def _days(con, lines: list[int]) -> list[str]:
    """The fieldwork end of each of `lines`, as YYYY-MM-DD (empty where it has none)."""
    con.register("asked", pa.table({"line_number": pa.array(lines, pa.int64())}))
    found = dict(
        con.execute(
            "SELECT line_number, strftime(fieldwork_end, '%Y-%m-%d') FROM mapped"
            " SEMI JOIN asked USING (line_number)"
        ).fetchall()
    )
    con.unregister("asked")
    return [found.get(line) or "" for line in lines]


def _column_rejects(mapped: MappedInDuckDB) -> pd.DataFrame:
    """Every broken column rule, with the cell as it stands in the file."""
    failing = []
    for name in CANONICAL_COLUMNS:
        column = f"m.{name}"
        if name not in NULLABLE:
            failing.append((name, "not_nullable", f"{column} IS NULL"))
        for rule in COLUMN_RULES.get(name, ()):
            failing.append((name, rule.name, f"NOT {rule.sql(column)}"))
    return cell_rejects(
        mapped.con, [(name, rule, f"{test} AND NOT m.{name}__bad") for name, rule, test in failing]
    )


def _row_rejects(mapped: MappedInDuckDB) -> pd.DataFrame:
    """The row-wide rules as SQL; the few failing rows' values are shown as the frame path
    shows them."""
    parts = []
    for rule in ROW_RULES:
        failed = _frame(
            mapped.con.sql(
                f"SELECT line_number, {', '.join(rule.columns)} FROM mapped WHERE NOT {rule.sql()}"
            ).to_arrow_table()
        )
        if not failed.empty:
            parts.append(row_rule_rejects(rule, failed))
    return (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(REJECT_COLUMNS))
    )


def _frame(table: pa.Table) -> pd.DataFrame:
    """Rows from DuckDB as the frame path types them, indexed by line number."""
    frame = table.to_pandas(
        types_mapper={
            pa.string(): STR,
            pa.int64(): pd.Int64Dtype(),
        }.get
    )
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].astype("datetime64[us]")
    return frame.set_index("line_number").rename_axis("line_number")
