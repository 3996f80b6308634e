"""render-report and ingest-and-report on a real Prefect server, and the report commands."""

from __future__ import annotations

import csv
import io
import re

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from typer.testing import CliRunner

from cli.main import app
from flows.pipeline import ingest_and_report
from flows.report import render_report
from pollwatch.config import ConfigError
from tests.helpers import REAL, monthly_rows, write_csv

pytestmark = pytest.mark.usefixtures("prefect_server")
runner = CliRunner()


def test_render_report_leaves_a_link_artifact_to_the_report(settings):
    write_csv(settings.inbox / "a.csv", monthly_rows(12))
    ingest_and_report(data_dir=str(settings.data_dir))
    written = render_report(data_dir=str(settings.data_dir))
    with get_client(sync_client=True) as client:
        links = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["poll-report"]))
        )
    # Any test on the other worker may have written a newer "poll-report" link: find this one's.
    assert any(written.index.resolve().as_uri() in link.data for link in links), [
        link.data for link in links
    ]


def test_render_report_as_of_a_day_writes_that_day_s_report_beside_the_current_one(settings):
    write_csv(settings.inbox / "a.csv", monthly_rows(8))
    ingest_and_report(data_dir=str(settings.data_dir))
    written = render_report(data_dir=str(settings.data_dir), as_of="2015-04-10")
    assert written.index.parent.name == f"{settings.report_dir.name}-as-of-2015-04-10"
    assert "As it stood on 2015-04-10" in written.index.read_text()
    assert (settings.report_dir / "index.html").exists()  # the current report is left alone
    # The report folder named by --out: the same (it was written into it, over the current one).
    named = render_report(
        data_dir=str(settings.data_dir), out_dir=str(settings.report_dir), as_of="2015-04-10"
    )
    assert named.index == written.index
    assert "As it stood" not in (settings.report_dir / "index.html").read_text()


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2999-01-01", "2999-01-01 is after today"),
        ("2022-02-30", "2022-02-30 is not a day of the calendar"),
        ("14.03.2022", "'14.03.2022' is not a day: write it YYYY-MM-DD"),
    ],
)
def test_render_report_as_of_a_day_not_come_fails_the_run_in_one_line(settings, day, message):
    """A deployment's parameter is typed in Prefect's UI: it is read as `--as-of` is, and the
    run fails saying why, before any report folder is made."""
    write_csv(settings.inbox / "a.csv", monthly_rows(2))
    ingest_and_report(data_dir=str(settings.data_dir))
    with pytest.raises(ConfigError, match=re.escape(message)):
        render_report(data_dir=str(settings.data_dir), as_of=day)
    assert sorted(p.name for p in settings.report_dir.parent.glob("*-as-of-*")) == []


def test_the_pipeline_renders_only_when_the_data_changed(settings):
    write_csv(settings.inbox / "a.csv", monthly_rows(6))
    run, report = ingest_and_report(data_dir=str(settings.data_dir))
    assert run.changed_rows == 6 and report is not None
    first = report.index.stat().st_mtime_ns
    run, report = ingest_and_report(data_dir=str(settings.data_dir))
    assert run.files == [] and report is None
    assert (settings.report_dir / "index.html").stat().st_mtime_ns == first
    write_csv(settings.inbox / "b.csv", monthly_rows(2, start="2016-01"))
    run, report = ingest_and_report(data_dir=str(settings.data_dir))
    assert run.changed_rows == 2 and report is not None


def run_trend(settings, *options: str):
    return runner.invoke(app, ["trend", *options, "--data-dir", str(settings.data_dir)])


def test_report_trend_and_export_commands(settings, tmp_path):
    write_csv(settings.inbox / "a.csv", monthly_rows(8))
    runner.invoke(app, ["ingest", "--data-dir", str(settings.data_dir)])
    made = runner.invoke(app, ["report", "--data-dir", str(settings.data_dir)])
    assert made.exit_code == 0, made.output
    # approval, disapproval and net approval, each its own series and chart
    assert made.stdout.startswith(
        f"report: {settings.report_dir / 'index.html'} (3 series, 3 charts"
    )

    trend = run_trend(settings, "--leader", "putin", "--metric", "approval")
    assert trend.exit_code == 0, trend.output
    rows = list(csv.reader(io.StringIO(trend.stdout)))
    assert rows[0] == ["date", "estimate", "lower", "upper"]
    assert rows[1][0] == "2015-01-01" and len(rows) == 1 + 243
    assert all(float(r[2]) <= float(r[1]) <= float(r[3]) for r in rows[1:])

    net = run_trend(settings, "--leader", "Putin", "--metric", "approval", "--measure", "net")
    assert net.exit_code == 0, net.output
    nets = list(csv.reader(io.StringIO(net.stdout)))[1:]
    approve = {r[0]: float(r[1]) for r in rows[1:]}
    assert len(nets) == len(rows) - 1 and all(-100 <= float(r[2]) <= float(r[3]) for r in nets)
    assert all(float(r[1]) < approve[r[0]] for r in nets)  # approve minus a disapproval above 0
    # Spelled as a file or a person would: read as the stored names, not "no polls of ...".
    spelled = run_trend(settings, "--leader", "Putin", "--metric", "Approval", "--measure", "Net")
    assert spelled.exit_code == 0 and spelled.stdout == net.stdout
    then = run_trend(settings, "--leader", "Putin", "--metric", "approval", "--as-of", "2015-04-10")
    assert then.exit_code == 0, then.output
    as_it_stood = list(csv.reader(io.StringIO(then.stdout)))[1:]
    # March's poll ended on the 31st, public 3 days later; April's was not over.
    assert as_it_stood[-1][0] == "2015-04-10" and len(as_it_stood) == 31 + 28 + 31 + 10
    wrong = run_trend(settings, "--leader", "Putin", "--metric", "approval", "--measure", "gap")
    assert wrong.exit_code == 2 and "--measure must be one of positive, negative, net" in (
        wrong.stderr
    )

    missing = run_trend(settings, "--leader", "Putin", "--metric", "trust")
    assert missing.exit_code == 2
    assert "no polls of Vladimir Putin / trust; stored series: Vladimir Putin / approval" in (
        missing.stderr
    )

    out = tmp_path / "polls.parquet"
    exported = runner.invoke(
        app, ["export", "--out", str(out), "--data-dir", str(settings.data_dir)]
    )
    assert exported.stdout.strip() == f"exported 8 polls to {out} (parquet)"
    bad = runner.invoke(
        app,
        [
            "export",
            "--out",
            str(tmp_path / "x"),
            "--format",
            "xlsx",
            "--data-dir",
            str(settings.data_dir),
        ],
    )
    assert bad.exit_code == 2 and "--format must be one of csv, parquet" in bad.stderr


def test_trend_of_several_populations_says_how_each_was_read_as_adults(settings):
    """538's Biden polls mix adults, registered and likely voters: the average reads them all
    as adults, and says by how much beside the CSV, which stays plain."""
    real = REAL / "fte_president_approval_polls_biden_2023-01.csv"
    runner.invoke(app, ["ingest", str(real), "--data-dir", str(settings.data_dir)])
    mixed = run_trend(settings, "--leader", "Joe Biden", "--metric", "approval")
    assert mixed.exit_code == 0, mixed.output
    # Some pollsters ask a population and adults in separate polls: those measure it too.
    assert mixed.stderr.strip() == (
        "populations read as adults: registered voters +1.26 (+0.56 to +1.96; 343 polls"
        " reporting both and 39 polls asked apart, by 18 pollsters); likely voters +3.32 (+1.73"
        " to +4.91; 19 polls reporting both and 6 polls asked apart, by 8 pollsters); voters"
        " +0.15 (-4.41 to +4.72; 1 poll asked apart, by 1 pollster)"
    )
    assert mixed.stdout.splitlines()[0] == "date,estimate,lower,upper"
    adults = run_trend(
        settings, "--leader", "Joe Biden", "--metric", "approval", "--population", "adults"
    )
    assert adults.exit_code == 0 and adults.stderr == ""
    registered = run_trend(
        settings, "--leader", "Biden", "--metric", "approval", "--population", "registered_voters"
    )
    as_538_writes_it = run_trend(
        settings, "--leader", "Biden", "--metric", "approval", "--population", "rv"
    )
    assert as_538_writes_it.exit_code == 0, as_538_writes_it.output
    assert as_538_writes_it.stdout == registered.stdout != adults.stdout
    all_polls = run_trend(
        settings, "--leader", "Biden", "--metric", "approval", "--population", "All polls"
    )
    assert all_polls.exit_code == 0 and all_polls.stdout == mixed.stdout
    empty = run_trend(settings, "--leader", "Biden", "--metric", "approval", "--population", "")
    assert empty.exit_code == 2
    assert empty.stderr.strip() == (
        "pollwatch: --population is empty: name one, or leave the option out"
    )
