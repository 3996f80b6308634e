"""Putting an ingested file away: archive/ or quarantine/ mirror the inbox's folders, nothing is
overwritten (a taken name gets the file's hash), a quarantined file's explanation is written
before the file moves, and a file from outside the inbox is copied, never moved."""

from __future__ import annotations

import csv
import hashlib
import os
import time

import pandas as pd
import pytest

from pollwatch.ingest.filing import choose_destination, put_away
from pollwatch.ingest.run import run_ingest
from tests.helpers import poll_row, write_csv

REJECTS = pd.DataFrame(
    {
        "line_number": [4, 7],
        "column": ["yes", "start_date"],
        "rule": ["in_range(0, 100)", "not_a_date"],
        "value": ["140", "13/45/21"],
    }
)


def drop(path, text="pollster,leader\nLevada,Putin\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path, hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    ("status", "folder"),
    [
        ("loaded", "archive"),
        ("duplicate", "archive"),
        ("partial", "quarantine"),
        ("rejected", "quarantine"),
    ],
)
def test_the_destination_mirrors_the_inbox_folder_under_archive_or_quarantine(
    settings, status, folder
):
    path, sha = drop(settings.inbox / "levada" / "2022" / "march.csv")
    destination = choose_destination(path, sha, status, settings)
    assert destination == settings.data_dir / folder / "levada" / "2022" / "march.csv"
    assert not destination.parent.exists()  # choosing creates nothing


def test_a_taken_name_gets_the_file_s_hash_added(settings):
    path, sha = drop(settings.inbox / "levada" / "march.csv")
    taken = settings.archive / "levada" / "march.csv"
    drop(taken, "an earlier file of the same name\n")
    destination = choose_destination(path, sha, "loaded", settings)
    assert destination == settings.archive / "levada" / f"march.{sha[:12]}.csv"
    assert taken.read_text() == "an earlier file of the same name\n"


@pytest.mark.parametrize("status", ["rejected", "loaded"])
def test_the_notes_of_a_quarantined_file_moved_back_to_be_tried_again_are_cleared(settings, status):
    """A file refused whole, moved back into the inbox once its layout was written (as README
    says to): its old notes ("no known layout fits") stayed in quarantine beside the new outcome,
    and a second refusal went to a hashed name beside them. A name whose file is still there
    keeps it, notes and all."""
    path, sha = drop(settings.inbox / "polls" / "march.csv")
    for suffix in (".summary.txt", ".errors.csv"):
        drop(settings.quarantine / "polls" / f"march.csv{suffix}", "kept from an earlier run\n")
    destination = choose_destination(path, sha, status, settings)
    assert destination.relative_to(settings.data_dir).parts[1:] == ("polls", "march.csv")
    assert not list((settings.quarantine / "polls").iterdir())

    for suffix in (".summary.txt", ".errors.csv"):  # refused at the root, tried in a folder
        drop(settings.quarantine / f"april.csv{suffix}", "kept from an earlier run\n")
    path, sha = drop(settings.inbox / "polls" / "april.csv")
    choose_destination(path, sha, status, settings)
    assert not list(settings.quarantine.glob("april.csv.*"))

    drop(settings.quarantine / "march.csv", "another file of that name, still there\n")
    drop(settings.quarantine / "march.csv.summary.txt", "its notes\n")
    path, sha = drop(settings.inbox / "march.csv")
    assert choose_destination(path, sha, "rejected", settings).name == f"march.{sha[:12]}.csv"
    assert (settings.quarantine / "march.csv.summary.txt").read_text() == "its notes\n"


def test_when_the_hashed_name_is_taken_too_a_counter_is_added(settings):
    path, sha = drop(settings.inbox / "march.csv")
    drop(settings.archive / "march.csv")
    drop(settings.archive / f"march.{sha[:12]}.csv")
    drop(settings.archive / f"march.{sha[:12]}.2.csv.errors.csv")
    destination = choose_destination(path, sha, "loaded", settings)
    assert destination.name == f"march.{sha[:12]}.3.csv"


def test_a_file_from_outside_the_inbox_goes_to_the_top_of_archive(settings, tmp_path):
    path, sha = drop(tmp_path / "downloads" / "levada" / "march.csv")
    assert choose_destination(path, sha, "loaded", settings) == settings.archive / "march.csv"


def test_a_loaded_file_is_moved_out_of_the_inbox_with_nothing_beside_it(settings):
    path, sha = drop(settings.inbox / "levada" / "march.csv")
    destination = choose_destination(path, sha, "loaded", settings)
    put_away(path, destination, settings)
    assert not path.exists()
    assert destination.read_text() == "pollster,leader\nLevada,Putin\n"
    assert sorted(p.name for p in destination.parent.iterdir()) == ["march.csv"]


def test_a_quarantined_file_has_its_rejected_lines_and_summary_beside_it(settings):
    path, sha = drop(settings.inbox / "fte" / "polls.csv")
    destination = choose_destination(path, sha, "partial", settings)
    put_away(path, destination, settings, rejects=REJECTS, summary="rejected: 2 rows\n")
    assert not path.exists() and destination.exists()
    with (settings.quarantine / "fte" / "polls.csv.errors.csv").open(newline="") as handle:
        errors = list(csv.DictReader(handle))
    assert errors == [
        {"line": "4", "column": "yes", "rule": "in_range(0, 100)", "value": "140"},
        {"line": "7", "column": "start_date", "rule": "not_a_date", "value": "13/45/21"},
    ]
    summary = settings.quarantine / "fte" / "polls.csv.summary.txt"
    assert summary.read_text(encoding="utf-8") == "rejected: 2 rows\n"


def test_the_explanation_is_written_before_the_file_moves(settings):
    # The move fails (the file vanished after it was read): its explanation is there already.
    path = settings.inbox / "gone.csv"
    settings.inbox.mkdir(parents=True)
    destination = settings.quarantine / "gone.csv"
    with pytest.raises(FileNotFoundError):
        put_away(path, destination, settings, rejects=REJECTS, summary="rejected: 2 rows\n")
    assert (settings.quarantine / "gone.csv.errors.csv").exists()
    assert (settings.quarantine / "gone.csv.summary.txt").read_text() == "rejected: 2 rows\n"
    assert not destination.exists()


def test_a_file_from_outside_the_inbox_is_copied_and_left_where_it_was(settings, tmp_path):
    path, sha = drop(tmp_path / "downloads" / "march.csv")
    then = 1_600_000_000
    os.utime(path, (then, then))
    destination = choose_destination(path, sha, "rejected", settings)
    before = time.time()
    put_away(path, destination, settings, rejects=REJECTS, summary="rejected\n")
    assert path.read_text() == destination.read_text() == "pollster,leader\nLevada,Putin\n"
    assert path.stat().st_mtime == then  # the user's file is left as it was
    # The filed copy is dated when it was filed: rebuild reads the filed drops in that order.
    assert destination.stat().st_mtime >= before - 1
    assert (settings.quarantine / "march.csv.errors.csv").exists()


def test_putting_away_a_second_file_of_the_same_name_keeps_both(settings):
    first, first_sha = drop(settings.inbox / "march.csv", "pollster\nLevada\n")
    put_away(first, choose_destination(first, first_sha, "loaded", settings), settings)
    second, second_sha = drop(settings.inbox / "march.csv", "pollster\nFOM\n")
    put_away(second, choose_destination(second, second_sha, "loaded", settings), settings)
    assert (settings.archive / "march.csv").read_text() == "pollster\nLevada\n"
    assert (settings.archive / f"march.{second_sha[:12]}.csv").read_text() == "pollster\nFOM\n"


def test_a_name_as_long_as_the_file_system_allows_is_filed_with_its_explanation(settings):
    """A 250-byte name (125 Cyrillic letters) left no room for `.errors.csv` beside it: the run
    ended on 'File name too long', and that file and every later one stayed in the inbox."""
    name = "опрос" * 25 + ".csv"  # 254 bytes
    assert len(name.encode()) == 254
    rows = [poll_row(poll_key="a"), poll_row(poll_key="b", positive_pct="abc")]
    write_csv(settings.inbox / name, rows, age_seconds=100)
    write_csv(settings.inbox / "later.csv", [poll_row(poll_key="c")], age_seconds=50)
    run = run_ingest([], settings)
    assert [f.status for f in run.files] == ["partial", "loaded"]
    [filed] = [
        p
        for p in settings.quarantine.iterdir()
        if p.name.endswith(".csv") and not p.name.endswith(".errors.csv")
    ]
    assert filed.name.startswith("опрос") and len(filed.name.encode()) <= 255 - 12
    assert (filed.parent / (filed.name + ".errors.csv")).exists()
    assert (filed.parent / (filed.name + ".summary.txt")).exists()
    assert not any(settings.inbox.rglob("*.csv"))
