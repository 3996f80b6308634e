"""Every real published file in tests/fixtures/real (see SOURCE.md there) through the inbox.

Series without pollster or leader columns go in their layout's folder; the others are known by
their header. The counts pinned here are the table in the README.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import pytest

from pollwatch.config import load_settings
from pollwatch.ingest import files
from pollwatch.ingest.run import run_ingest
from tests.helpers import REAL, ROOT, query, settle
from tests.map.test_layouts import POLLLIST

FOLDERS = {
    "valchyshen_levada_putin_approval_1999-2024.csv": "levada_putin_approval",
    "biznesslanch_putin-approval-levada-1999.csv": "levada_putin_approval",
    "biznesslanch_putin-approval-fom.csv": "fom_putin_approval",
    "biznesslanch_vciom-presidential-approval-2006.csv": "vtsiom_presidential_approval",
}
# file: (layout, status, read, new, corrected, already known, rejected, skipped), in the order
# the run takes them (oldest first).
EXPECTED = {
    "fte_president_approval_polls_2021-01_head3000.csv": (
        "fte_approval_polls",
        "loaded",
        3000,
        3000,
        0,
        0,
        0,
        0,
    ),
    "fte_president_approval_polls_biden_2023-01.csv": (
        "fte_approval_polls",
        "loaded",
        3090,
        3090,
        0,
        0,
        0,
        0,
    ),
    "pollsposition_popularite.csv": ("pollsposition_popularity", "loaded", 2035, 2035, 0, 0, 0, 0),
    "seed_leader_polls_2022_from_pages.csv": (
        "leader_polls_compiled",
        "partial",
        20,
        18,
        0,
        0,
        2,
        0,
    ),
    "valchyshen_levada_putin_approval_1999-2024.csv": (
        "levada_putin_approval",
        "loaded",
        301,
        298,
        2,
        1,  # March 2022: the compiled file has it with its exact days (24-30 March)
        0,
        0,
    ),
    "biznesslanch_putin-approval-levada-1999.csv": (
        "levada_putin_approval",
        "loaded",
        252,
        0,
        0,
        252,
        0,
        0,
    ),
    "biznesslanch_putin-approval-fom.csv": ("fom_putin_approval", "partial", 374, 368, 0, 0, 6, 0),
    "biznesslanch_vciom-presidential-approval-2006.csv": (
        "vtsiom_presidential_approval",
        "partial",
        717,
        703,
        0,
        0,
        4,
        10,
    ),
    "fte_president_approval_polls_503_error_2021-03-09.csv": (None, "rejected", 0, 0, 0, 0, 0, 0),
    "fte_joe_biden_approval_average_old_model.csv": (None, "rejected", 0, 0, 0, 0, 0, 0),
    "fte_pollster_ratings_combined_2024.csv": (None, "rejected", 0, 0, 0, 0, 0, 0),
}


def drop_real_files(inbox: Path) -> None:
    """Copy every real file into the inbox, oldest first in the order of EXPECTED."""
    for age, name in enumerate(reversed(EXPECTED), start=60):
        target = inbox / FOLDERS.get(name, "") / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REAL / name, target)
        settle(target, age_seconds=age)


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    data = tmp_path_factory.mktemp("real") / "data"
    data.mkdir()
    settings = load_settings(data_dir=data, settle_seconds=2)
    drop_real_files(settings.inbox)
    return settings, run_ingest([], settings)


def test_every_real_file_ingests_with_the_counts_in_the_readme(real_run):
    _, run = real_run
    got = {
        Path(r.path).name: (
            r.source,
            r.status,
            r.rows_read,
            r.rows_loaded,
            r.rows_updated,
            r.rows_duplicate,
            r.rows_rejected,
            r.rows_skipped,
        )
        for r in run.files
    }
    assert got == EXPECTED
    assert list(got) == list(EXPECTED)


def test_the_html_error_page_is_quarantined_as_not_a_csv(real_run):
    _, run = real_run
    [page] = [r for r in run.files if "503_error" in r.path]
    assert page.message.startswith("not a CSV: an HTML/XML page")


def test_two_copies_of_a_page_that_is_no_csv_in_one_run_are_each_set_aside(tmp_path):
    """The same failed download saved twice stopped the run with a KeyError traceback: the
    second copy was taken for one whose rows were stored."""
    settings = load_settings(data_dir=tmp_path / "data", settle_seconds=0)
    settings.inbox.mkdir(parents=True)
    page = REAL / "fte_president_approval_polls_503_error_2021-03-09.csv"
    for name in ("monday.csv", "tuesday.csv"):
        shutil.copy(page, settings.inbox / name)
    shutil.copy(ROOT / "data" / "samples" / "levada_putin_approval_2021-2024.csv", settings.inbox)
    summary = run_ingest([], settings)
    by_name = {Path(r.path).name: r.status for r in summary.files}
    assert by_name == {
        "monday.csv": "rejected",
        "tuesday.csv": "rejected",
        "levada_putin_approval_2021-2024.csv": "loaded",
    }
    assert sorted(p.name for p in settings.quarantine.glob("*.csv")) == [
        "monday.csv",
        "monday.csv.errors.csv",
        "tuesday.csv",
        "tuesday.csv.errors.csv",
    ]


def test_an_average_is_quarantined_as_not_polls(real_run):
    _, run = real_run
    [average] = [r for r in run.files if "average_old_model" in r.path]
    assert average.rejects[0]["rule"] == "unknown_layout"
    assert "no known layout fits this header (politician, date, answer, pct_estimate" in (
        average.message
    )
    assert "pct_estimate, lo, hi are an average's columns, not a poll's" in average.message


def test_538_rows_keep_every_politician_population_and_question(real_run):
    settings, _ = real_run
    polls = query(
        settings,
        "SELECT leader, population, count(*) AS n FROM polls "
        "WHERE source_name = 'fte_approval_polls' GROUP BY ALL ORDER BY ALL",
    )
    assert polls.values.tolist() == [
        ["Donald Trump", "adults", 1002],
        ["Donald Trump", "likely_voters", 897],
        ["Donald Trump", "registered_voters", 1100],
        ["Donald Trump", "voters", 1],
        ["Joe Biden", "adults", 1559],
        ["Joe Biden", "likely_voters", 722],
        ["Joe Biden", "registered_voters", 806],
        ["Joe Biden", "voters", 3],
    ]


def test_538_poll_65791_listed_twice_stays_as_its_two_questions(real_run):
    """538 lists poll 65791 under two question ids with samples of 2,200 and 4,400 and the same
    dates and shares: two rows, as the source has them; the trend counts one poll per pollster,
    dates and population."""
    settings, _ = real_run
    rows = query(
        settings,
        "SELECT poll_key, sample_size, positive_pct, negative_pct, mode, "
        "tracking FROM polls WHERE poll_key LIKE '538-65791-%' ORDER BY 1",
    )
    assert rows.values.tolist() == [
        ["538-65791-121626-a", 2200, 43.0, 52.0, "online", False],
        ["538-65791-122144-a", 4400, 43.0, 52.0, "online", False],
    ]


def test_538_tracking_polls_and_methodologies_are_read(real_run):
    settings, _ = real_run
    tracking = query(settings, "SELECT count(*) AS n FROM polls WHERE tracking")["n"][0]
    assert tracking == 940 + 1339
    modes = query(
        settings,
        "SELECT mode, count(*) AS n FROM polls WHERE country = 'US' GROUP BY mode ORDER BY mode",
    )
    # From 538's methodology column: Online, Text, Online/Text are online; combinations mixed;
    # Live Phone is phone; IVR and Automated Phone are ivr; empty is unknown.
    assert dict(modes.values.tolist()) == {
        "ivr": 13,
        "mixed": 1061,
        "online": 4430,
        "phone": 573,
        "unknown": 13,
    }


def test_two_copies_of_levadas_series_stamping_months_differently_are_one_row_a_month(real_run):
    settings, _ = real_run
    months = query(
        settings,
        "SELECT count(*) AS n, count(DISTINCT fieldwork_start) AS months "
        "FROM polls WHERE source_name = 'levada_putin_approval'",
    )
    # 301 months; March 2022 is stored from the compiled file with its exact fieldwork days,
    # which the series' month-only copy of the same poll does not replace.
    assert months.values.tolist() == [[300, 300]]
    march = query(
        settings,
        "SELECT source_name, strftime(fieldwork_start, '%Y-%m-%d') AS s FROM polls"
        " WHERE pollster = 'Levada Center' AND fieldwork_start BETWEEN '2022-03-01'"
        " AND '2022-03-31'",
    )
    assert march.values.tolist() == [["leader_polls_compiled", "2022-03-24"]]
    feb_2022 = query(
        settings,
        "SELECT fieldwork_start, fieldwork_end, positive_pct FROM polls "
        "WHERE pollster = 'Levada Center' AND fieldwork_start = "
        "'2022-02-01'",
    )
    assert feb_2022.values.tolist()[0][2] == 71.0
    assert str(feb_2022.values.tolist()[0][1])[:10] == "2022-02-28"


def test_a_fuller_copy_of_a_poll_corrects_it_and_keeps_the_old_values(real_run):
    """The compiled seed file gives Levada's Jan and Feb 2022 figures without the don't-know
    share; the Levada series, taken after it, has it: a correction, old values kept."""
    settings, _ = real_run
    revised = query(
        settings,
        "SELECT strftime(fieldwork_start, '%Y-%m') AS month, "
        "source_name, undecided_pct, changed_columns FROM revisions "
        "ORDER BY month",
    )
    assert revised["month"].tolist() == ["2022-01", "2022-02"]
    assert set(revised["source_name"]) == {"leader_polls_compiled"}
    assert revised["undecided_pct"].isna().all()
    assert "undecided_pct" in list(revised["changed_columns"][0])


def test_fom_repeated_dates_with_different_values_are_both_rejected(real_run):
    _, run = real_run
    [fom] = [r for r in run.files if "fom" in r.path]
    lines = sorted({r["line"] for r in fom.rejects})
    assert lines == [13, 278, 279, 342, 352, 353]
    assert {r["rule"] for r in fom.rejects} == {"same_poll_key_different_values"}


def test_vtsiom_weeks_belong_to_the_president_of_the_day_and_na_weeks_are_skipped(real_run):
    settings, run = real_run
    [vtsiom] = [r for r in run.files if "vciom" in r.path]
    assert sorted({r["line"] for r in vtsiom.rejects}) == [8, 12, 248, 252]
    assert any("skipped 10 row(s) with no shares" in w for w in vtsiom.warnings)
    terms = query(
        settings,
        "SELECT leader, min(fieldwork_end) AS first, max(fieldwork_end) AS "
        "last FROM polls WHERE pollster = 'VTsIOM' AND source_name = "
        "'vtsiom_presidential_approval' GROUP BY leader ORDER BY first",
    )
    assert [(r[0], str(r[1])[:10], str(r[2])[:10]) for r in terms.values.tolist()] == [
        ("Vladimir Putin", "2006-01-15", "2020-08-23"),
        ("Dmitry Medvedev", "2008-05-11", "2012-04-29"),
    ]
    week = query(
        settings,
        "SELECT fieldwork_start, fieldwork_end FROM polls WHERE pollster = "
        "'VTsIOM' AND fieldwork_end = '2008-05-11'",
    )
    assert str(week.values.tolist()[0][0])[:10] == "2008-05-05"


def test_french_presidents_and_pollster_spellings_are_folded(real_run):
    settings, _ = real_run
    yougov = query(
        settings,
        "SELECT pollster, pollster_as_written, count(*) AS n FROM polls "
        "WHERE country = 'FR' AND pollster = 'YouGov' GROUP BY ALL "
        "ORDER BY ALL",
    )
    assert yougov.values.tolist() == [["YouGov", "YouGov", 3], ["YouGov", "Yougov", 33]]
    leaders = query(settings, "SELECT DISTINCT leader FROM polls WHERE country = 'FR' ORDER BY 1")
    assert leaders["leader"].tolist() == [
        "Emmanuel Macron",
        "François Hollande",
        "François Mitterrand",
        "Jacques Chirac",
        "Nicolas Sarkozy",
        "Valéry Giscard d'Estaing",
    ]


def test_the_compiled_file_maps_its_metrics_and_rejects_figures_without_fieldwork(real_run):
    settings, run = real_run
    [seed] = [r for r in run.files if "seed_leader" in r.path]
    assert {(r["line"], r["column"], r["rule"]) for r in seed.rejects} == {
        (11, "field_start", "not_nullable"),
        (11, "field_end", "not_nullable"),
        (12, "field_start", "not_nullable"),
        (12, "field_end", "not_nullable"),
    }
    metrics = query(
        settings,
        "SELECT metric, count(*) AS n FROM polls WHERE source_name = "
        "'leader_polls_compiled' GROUP BY 1 ORDER BY 1",
    )
    assert dict(metrics.values.tolist()) == {
        "approval": 3,
        "performance": 1,
        "support": 2,
        "trust": 10,
    }


def test_ingesting_the_whole_folder_again_changes_nothing(real_run, tmp_path):
    settings, _ = real_run
    before = query(settings, "SELECT * FROM polls ORDER BY poll_key")
    revisions = query(settings, "SELECT count(*) AS n FROM revisions")["n"][0]
    drop_real_files(settings.inbox)
    again = run_ingest([], settings)
    statuses = {Path(r.path).name: r.status for r in again.files}
    assert statuses == {
        name: "duplicate" if expected[1] != "rejected" else "rejected"
        for name, expected in EXPECTED.items()
    }
    assert query(settings, "SELECT * FROM polls ORDER BY poll_key").equals(before)
    assert query(settings, "SELECT count(*) AS n FROM revisions")["n"][0] == revisions


def test_538_weighted_sample_sizes_are_stored_as_published(tmp_path):
    """538's later files give effective (weighted) sample sizes such as 2202.5: each such poll is
    stored with it, none rejected."""
    settings = load_settings(data_dir=tmp_path / "data", settle_seconds=0)
    text = (REAL / "fte_president_approval_polls_biden_2023-01.csv").read_text()
    header, first, second, *rest = text.splitlines()
    sizes = header.split(",").index("sample_size")
    weighted = []
    for line, size in ((first, "2202.5"), (second, "1,187.25")):
        cells = next(csv.reader([line]))
        cells[sizes] = size
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(cells)
        weighted.append(out.getvalue())
    drop = settings.inbox / "weighted.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text("\n".join([header, *weighted, *rest]) + "\n")
    [result] = run_ingest([], settings).files
    assert (result.status, result.rows_rejected) == ("loaded", 0)
    keys = [f"538-{c[0]}-{c[16]}-{c[18]}" for c in csv.reader([first, second])]
    stored = query(
        settings,
        f"SELECT sample_size FROM polls WHERE poll_key IN ('{keys[0]}', '{keys[1]}') ORDER BY 1",
    )
    assert stored["sample_size"].tolist() == [1187.25, 2202.5]


def polllist(subgroups: tuple[str, ...]) -> tuple[str, list[dict]]:
    """538's approval_polllist.csv of the Biden file's first three polls, each once per subgroup
    given: the text, and the raw file's rows it came from."""
    text = (REAL / "fte_president_approval_polls_biden_2023-01.csv").read_text()
    raw = list(csv.DictReader(io.StringIO(text)))[:3]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(POLLLIST)
    for row in raw:
        for subgroup in subgroups:
            start, end = (
                f"{m}/{d}/20{y}"
                for m, d, y in (row[k].split("/") for k in ("start_date", "end_date"))
            )
            writer.writerow(
                [row["politician"], subgroup, "1/31/2023", start, end, row["pollster"], "B",
                 row["sample_size"], row["population"], "1", "0.5", row["yes"], row["no"], "", "",
                 "", row["tracking"], row["url"], row["poll_id"], row["question_id"], "1/29/2023",
                 "13:31:00 31 Jan 2023"]
            )  # fmt: skip
    return out.getvalue(), raw


def test_538_poll_list_keeps_one_row_per_poll_under_the_raw_files_key(tmp_path):
    """approval_polllist.csv lists each poll once per subgroup of 538's model: the layout keeps
    the "All polls" rows, says how many it skipped and why, and keys each poll as 538's raw file
    does, so the same poll from both files is one poll."""
    settings = load_settings(data_dir=tmp_path / "data", settle_seconds=0)
    text, raw = polllist(("Voters", "All polls", "Adults"))
    drop = settings.inbox / "approval_polllist.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text(text)
    [result] = run_ingest([], settings).files
    assert (result.source, result.status) == ("fte_approval_polllist", "loaded")
    assert (result.rows_read, result.rows_loaded, result.rows_skipped) == (9, 3, 6)
    assert any("skipped 6 row(s)" in w and "subgroup is All polls" in w for w in result.warnings)
    # kept in the file log and the run's, not only said once: read = stored + skipped
    logged = query(settings, "SELECT rows_read, rows_loaded, rows_skipped FROM files")
    assert logged.values.tolist() == [[9, 3, 6]]
    assert query(settings, "SELECT rows_skipped FROM runs")["rows_skipped"].tolist() == [6]
    stored = query(settings, "SELECT poll_key, positive_pct FROM polls ORDER BY poll_key")
    assert stored.values.tolist() == sorted(
        [f"538-{r['poll_id']}-{r['question_id']}-{r['population']}", float(r["yes"])] for r in raw
    )


def test_538_poll_list_after_the_raw_file_keeps_what_only_the_raw_file_says(tmp_path):
    """The poll list has no methodology column, so its polls' mode is unknown: loaded after the
    raw file, it corrected every poll they share from online or phone to unknown."""
    settings = load_settings(data_dir=tmp_path / "data", settle_seconds=0)
    settings.inbox.mkdir(parents=True)
    lines = (REAL / "fte_president_approval_polls_biden_2023-01.csv").read_text().splitlines()
    raw = settings.inbox / "raw.csv"
    raw.write_text("\n".join(lines[:4]) + "\n")
    os.utime(raw, (1_000_000, 1_000_000))  # the older: loaded first
    (settings.inbox / "approval_polllist.csv").write_text(polllist(("All polls",))[0])
    first, second = run_ingest([], settings).files
    assert (first.source, first.rows_loaded) == ("fte_approval_polls", 3)
    assert (second.source, second.rows_loaded) == ("fte_approval_polllist", 0)
    modes = query(settings, "SELECT mode FROM polls ORDER BY poll_key")["mode"].tolist()
    assert modes == ["mixed", "mixed", "online"]
    # the test's poll list gives every poll one entry day, which two of them correct
    changed = query(settings, "SELECT changed_columns FROM revisions")["changed_columns"]
    assert [list(c) for c in changed] == [["published"]] * second.rows_updated
    assert "mode of 3 poll(s)" in " ".join(second.warnings)


def test_a_file_whose_every_row_its_layout_skips_is_set_aside_with_why_and_the_next_loads(
    tmp_path,
):
    """A poll list of voters' rows alone has nothing the layout keeps. First in its batch, it
    stopped every run with a traceback and held up the files after it."""
    settings = load_settings(data_dir=tmp_path / "data", settle_seconds=0)
    settings.inbox.mkdir(parents=True)
    voters = settings.inbox / "approval_polllist.csv"
    voters.write_text(polllist(("Voters", "Adults"))[0])
    good = settings.inbox / "levada.csv"
    shutil.copy(ROOT / "data" / "samples" / "levada_putin_approval_2021-2024.csv", good)
    os.utime(voters, (1_000_000, 1_000_000))  # the older: first in the run
    summary = run_ingest([], settings)
    by_name = {Path(r.path).name: r for r in summary.files}
    assert by_name["levada.csv"].status == "loaded"
    skipped = by_name["approval_polllist.csv"]
    assert skipped.status == "rejected"
    assert skipped.message == (
        "no row to store: skipped 6 row(s) the fte_approval_polllist layout does not keep (it"
        " keeps rows where subgroup is All polls)"
    )
    assert (settings.quarantine / "approval_polllist.csv").exists()
    assert not list(settings.inbox.iterdir())
    # its rows are counted as read and skipped, in the run and in the file log
    assert (skipped.source, skipped.rows_read, skipped.rows_skipped) == (
        "fte_approval_polllist",
        6,
        6,
    )
    assert summary.totals["rows_skipped"] == 6
    logged = query(settings, "SELECT rows_read, rows_skipped FROM files WHERE status = 'rejected'")
    assert logged.values.tolist() == [[6, 6]]
    note = (settings.quarantine / "approval_polllist.csv.summary.txt").read_text()
    assert "Rows read: 6; no row to store: skipped 6 row(s)" in note
    assert "The other rows are stored" not in note


def test_538s_entry_dates_are_when_each_poll_was_public(real_run):
    """538's created_at is the day it entered each poll: the poll's published day, which as-of
    averages and the real-time line go by. A rolling poll entered before its period ended
    (SurveyMonkey's October 2020, entered on the 13th) is stored, published at its end."""
    settings, _ = real_run
    entered = query(
        settings,
        "SELECT published, fieldwork_end FROM polls WHERE poll_key = '538-82069-167720-a'",
    )
    assert entered["published"][0].date().isoformat() == "2023-01-29"  # 1/29/23 13:31
    rolling = query(
        settings,
        "SELECT published, fieldwork_end FROM polls WHERE poll_key = '538-70798-132452-rv'",
    )
    assert rolling["published"][0] == rolling["fieldwork_end"][0]
    assert rolling["fieldwork_end"][0].date().isoformat() == "2020-10-31"
    missing = query(
        settings,
        "SELECT count(*) AS n FROM polls WHERE poll_key LIKE '538-%' AND published IS NULL",
    )
    assert missing["n"][0] == 0


def test_a_bad_date_in_a_column_read_as_both_fieldwork_days_is_one_reject(tmp_path):
    """pollsposition's one date column is fieldwork start and end: a bad date there was listed
    twice, alike, on the screen and in the errors file (4,070 lines for 2,035 rows)."""
    settings = load_settings(data_dir=tmp_path / "data", settle_seconds=0)
    head = (REAL / "pollsposition_popularite.csv").read_text().splitlines()[:4]
    head[2] = "Total" + head[2][head[2].index(",") :]
    drop = settings.inbox / "popularite.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text("\n".join(head) + "\n")
    [result] = run_ingest([], settings).files
    assert [(r["line"], r["rule"]) for r in result.rejects] == [(3, "not_a_date")]


def _french_days(line: str) -> str:
    day, rest = line.split(",", 1)
    return f"{day[8:10]}/{day[5:7]}/{day[:4]},{rest}"


# pollsposition's table as people's tools write it back: (header, each line by its number).
REWRITTEN = {
    # pandas names the unnamed date column 'Unnamed: 0' and writes that name back: refused
    # whole, no layout fitting ('needs unnamed_1')
    "by pandas": (lambda h: "Unnamed: 0" + h, lambda i, line: line),
    # to_csv's default writes the index first, under an empty name: the index's 0, 1, 2 were
    # read as the dates, every row not_a_date
    "by pandas, with its index": (lambda h: ",Unnamed: 0" + h, lambda i, line: f"{i},{line}"),
    # a trailing empty column (a spreadsheet's last comma), read with the dates as the index
    # and written back: 'Unnamed: 7' where pandas read it, so no index was written first (the
    # dates were taken for unnamed_0, and no layout fitted)
    "by pandas, a trailing column": (lambda h: h + ",Unnamed: 7", lambda i, line: line + ","),
    # a French spreadsheet writes the days 28/09/1978: the layout named ISO alone, every row
    # not_a_date
    "by a French spreadsheet": (lambda h: h, lambda i, line: _french_days(line)),
}


@pytest.mark.parametrize("how", REWRITTEN)
def test_pollsposition_written_back_keeps_its_layout_and_its_dates(tmp_path, how):
    header, row = REWRITTEN[how]
    settings = load_settings(data_dir=tmp_path / "data", settle_seconds=0)
    lines = (REAL / "pollsposition_popularite.csv").read_text().splitlines()
    kept = [line for line in lines[1:] if ",macron2," in line]
    drop = settings.inbox / "macron2.csv"
    drop.parent.mkdir(parents=True)
    written = [row(i, line) for i, line in enumerate(kept)]
    drop.write_text("\n".join([header(lines[0]), *written]) + "\n")
    [result] = run_ingest([], settings).files
    assert (result.source, result.rows_loaded, result.rows_rejected) == (
        "pollsposition_popularity",
        len(kept),
        0,
    )
    stored = query(settings, "SELECT strftime(fieldwork_start, '%Y-%m-%d') AS d FROM polls")
    assert sorted(stored["d"]) == sorted(line.split(",")[0] for line in kept)


@pytest.mark.parametrize("streamed", [False, True], ids=["read whole", "streamed"])
def test_538s_polls_saved_from_a_spreadsheet_with_a_title_and_a_source_line_all_load(
    tmp_path, monkeypatch, streamed
):
    """A spreadsheet's title above the header and its source and note lines under the table,
    padded to the table's width as a spreadsheet pads them: the title was taken for the header
    (no layout fitted: 3,090 polls refused) and each note for a rejected row (the drop
    partial, exit 1). Read whole or, for a big file, as DuckDB streams it, the same."""
    if streamed:
        monkeypatch.setattr(files, "STREAM_FROM_BYTES", 0)
    settings = load_settings(data_dir=tmp_path / "data", settle_seconds=0)
    source = (REAL / "fte_president_approval_polls_biden_2023-01.csv").read_text()
    pad = "," * (source.splitlines()[0].count(","))
    drop = settings.inbox / "biden.csv"
    drop.parent.mkdir(parents=True)
    drop.write_text(
        f"Presidential approval polls: Joe Biden{pad}\n{source}"
        f"Source: FiveThirtyEight{pad}\n\"Note: 'a' is adults, 'rv' registered voters\"{pad}\n"
    )
    [result] = run_ingest([], settings).files
    status, counts = EXPECTED["fte_president_approval_polls_biden_2023-01.csv"][1:3]
    assert (result.source, result.status, result.rows_loaded, result.rows_rejected) == (
        "fte_approval_polls",
        status,
        counts,
        0,
    )
    last = 1 + len(source.splitlines()) + 2
    assert result.warnings == [
        "line 1 above the header skipped as a title: 'Presidential approval polls: Joe Biden'",
        f"lines {last - 1}-{last} under the table skipped as notes: 'Source: FiveThirtyEight'",
    ]
