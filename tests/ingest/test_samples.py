"""The bundled sample drops: what `make run` loads on a fresh clone."""

from __future__ import annotations

import shutil
from pathlib import Path

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
