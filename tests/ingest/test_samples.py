"""The bundled sample drops: what `make run` loads on a fresh clone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pollwatch.ingest.run import run_ingest
from tests.helpers import ROOT, query, settle

SAMPLES = ROOT / "data" / "samples"


def test_every_sample_loads_without_a_reject_and_holds_the_headline_figures(settings):
    settings.inbox.mkdir()
    for sample in SAMPLES.glob("*.csv"):
        settle(Path(shutil.copy(sample, settings.inbox)))
    run = run_ingest([], settings)
    assert run.exit_code == 0
    assert {Path(f.path).name: f.rows_loaded for f in run.files} == {
        "levada_putin_approval_2021-2024.csv": 44,
        "fom_vtsiom_putin_2022.csv": 6,
        "rating_group_zelensky_2022.csv": 2,
        "kiis_zelensky_trust_2022-2025.csv": 7,
    }
    figures = query(
        settings,
        "SELECT pollster, metric, strftime(fieldwork_end, '%Y-%m') AS month,"
        " positive_pct FROM polls",
    )
    headline = {tuple(r[:3]): r[3] for r in figures.itertuples(index=False)}
    assert headline[("Levada Center", "approval", "2022-02")] == 71
    assert headline[("Levada Center", "approval", "2022-03")] == 83
    assert headline[("FOM", "trust", "2022-02")] == 71
    assert headline[("Rating Group", "support", "2022-02")] == 91
    assert headline[("Rating Group", "support", "2022-03")] == 93
    assert headline[("KIIS", "trust", "2022-05")] == 90


@pytest.mark.parametrize("named", ["the folder", "file by file"])
def test_the_samples_folder_given_as_it_is_loads_and_leaves_its_readme(settings, tmp_path, named):
    """`pollwatch ingest data/samples`, or `data/samples/*` (the shell names the README.md
    with the drops): the folder's README.md is a document, named, not quarantined as a failed
    drop (it was, and the run exited 1)."""
    drops = Path(shutil.copytree(SAMPLES, tmp_path / "samples"))
    for path in drops.iterdir():
        settle(path)
    run = run_ingest([drops] if named == "the folder" else sorted(drops.iterdir()), settings)
    assert run.exit_code == 0
    assert sorted(Path(f.path).name for f in run.files) == sorted(
        p.name for p in SAMPLES.glob("*.csv")
    )
    assert run.ignored == [
        (str(drops / "README.md"), "a document (.md), not a poll table: left as it is")
    ]
    assert not settings.quarantine.exists() or not any(settings.quarantine.iterdir())
