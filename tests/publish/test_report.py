"""The report from the bundled samples: what a reader sees, what a spreadsheet gets, and that
untrusted names stay text."""

from __future__ import annotations

import csv
import html
import re
import shutil
import struct
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from pollwatch.config import ConfigError
from pollwatch.ingest.run import run_ingest
from pollwatch.publish.export import write_polls
from pollwatch.publish.pages import slug
from pollwatch.publish.report import Report, build_report
from pollwatch.publish.viewer import report_server
from pollwatch.store import open_store
from schemas.columns import REQUIRED_COLUMNS
from tests.helpers import (
    REAL,
    a_font_has,
    ingest_samples,
    monthly_rows,
    poll_row,
    settle,
    write_csv,
)

EVIL = "<script>alert(1)</script>"


SVG = "{http://www.w3.org/2000/svg}"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_the_front_page_has_both_leaders_headlines_charts_and_the_quality_panel(sample_report):
    settings, report = sample_report
    html = report.index.read_text()
    for words in (
        "Vladimir Putin",
        "Volodymyr Zelensky",
        "Data quality",
        "Methodology",
        "95% band",
        "pts in 30 days",
        "Leaders compared",
    ):
        assert words in html
    images = re.findall(r'<img src="([^"]+)"', html)
    assert "charts/vladimir-putin-approval.png" in images
    assert "charts/volodymyr-zelensky-trust.png" in images
    for image in images:
        assert png_size(settings.report_dir / image) == (1500, 780)
        assert (settings.report_dir / image).with_suffix(".svg").stat().st_size > 5000


def test_headline_numbers_are_the_trend_estimates(sample_report):
    settings, _ = sample_report
    from pollwatch.model.series import fit_series, select_series

    polls = open_store(settings).polls()
    putin = fit_series(select_series(polls, "Vladimir Putin", "approval")).latest
    page = (settings.report_dir / "leader-vladimir-putin.html").read_text()
    assert f"{putin['estimate']:.1f}%" in page
    assert f"95% band {putin['lower']:.1f}–{putin['upper']:.1f}" in page
    # which country's leader: a report of Russia's, Ukraine's, America's and Australia's named none
    assert re.search(r'<p class="lede">\s*RU: \d+ polls by', page)


def test_an_old_newest_poll_raises_a_staleness_warning(sample_report):
    """The samples' newest poll of Zelensky is of May 2025: stale today, and past ten times the
    stale limit (from 2027) listed as a past series instead (test_as_of pins both by day)."""
    settings, _ = sample_report
    html = (settings.report_dir / "index.html").read_text()
    stale = (
        'data-stale="Volodymyr Zelensky"' in html and f"(more than {settings.stale_days})" in html
    )
    ended = re.search(r'<p class="ended">[^<]*Volodymyr Zelensky \(trust', html)
    assert stale or ended


def test_every_link_is_relative_and_leads_to_a_file(sample_report):
    """The report's own links work from disk; the one kind that leaves it is a poll's source,
    and only to a web address."""
    settings, _ = sample_report
    for page in settings.report_dir.glob("*.html"):
        html = page.read_text()
        sources = re.findall(r'<a class="source" href="([^"]+)"', html)
        assert all(re.match(r"https?://", url) for url in sources)
        html = re.sub(r'<a class="source" href="[^"]+"', "", html)
        targets = re.findall(r'(?:href|src)="([^"]+)"', html)
        assert targets
        for target in targets:
            assert not target.startswith(("/", "http:", "https:", "file:")), target
            assert (settings.report_dir / target.split("#")[0]).exists(), (page.name, target)


def test_the_download_is_the_clean_data(sample_report):
    settings, _ = sample_report
    with (settings.report_dir / "data" / "polls.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 59
    assert {"poll_key", "file_sha256", "line_number", "pollster_as_written"} <= set(rows[0])


def test_names_from_csv_files_show_as_text_not_markup(settings):
    write_csv(
        settings.inbox / "evil.csv",
        [
            poll_row(pollster=EVIL, leader=f"Evil {EVIL}", notes="<img src=x onerror=alert(2)>"),
            poll_row(
                pollster=EVIL,
                leader=f"Evil {EVIL}",
                fieldwork_start="2022-03-01",
                fieldwork_end="2022-03-05",
                published="",
            ),
            # a one-poll card links its source: only a web address
            poll_row(leader=f"Evil {EVIL}", metric="trust", source_url="javascript:alert(3)"),
        ],
    )
    run_ingest([], settings)
    written = build_report(settings)
    for page in written.pages:
        html = page.read_text()
        assert "<script>" not in html and "onerror=alert" not in html.replace("&lt;", "")
        assert "javascript:" not in html
    page = next(p for p in written.pages if p.name != "index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert all(re.fullmatch(r"[a-z0-9.-]+", p.name) for p in written.pages)


def test_a_weighted_sample_size_is_shown_as_published(settings):
    write_csv(
        settings.inbox / "weighted.csv",
        [
            poll_row(sample_size="2202.5"),
            poll_row(
                fieldwork_start="2022-03-01",
                fieldwork_end="2022-03-05",
                published="",
                sample_size="1.600",
            ),
        ],
    )
    run_ingest([], settings)
    page = next(p for p in build_report(settings).pages if p.name != "index.html").read_text()
    cells = re.findall(r'<td class="num">([0-9,.]+)</td>', page)
    assert "2,202.5" in cells and "1,600" in cells


def test_names_the_chart_fonts_lack_are_told_once_for_the_whole_report(settings, caplog):
    """A Chinese source's two leaders printed matplotlib's warning for each letter of each
    name, each time one of their charts (approval, disapproval, net) was drawn: over a hundred
    lines on stderr, and the charts' titles boxes nobody was told of."""
    drawable = a_font_has("习近平李强")  # a font with Chinese letters installed draws them
    rows = [r for name in ("习近平", "李强") for r in monthly_rows(4, leader=name, country="CN")]
    write_csv(settings.inbox / "cn.csv", rows)
    run_ingest([], settings)
    with caplog.at_level("WARNING", logger="pollwatch"):
        build_report(settings)
    told = [r.getMessage() for r in caplog.records if "installed font" in r.getMessage()]
    if drawable:
        assert told == [], told
    else:
        assert len(told) == 1 and "习近平, 李强" in told[0] and "fonts-noto-cjk" in told[0], told


def test_a_poll_asking_several_questions_counts_as_one_poll(settings):
    """FOM's weekly poll asks of trust, approval and performance, each stored as a row of its
    own, and a barometer asks of many politicians at once: the front page said "from 6 polls"
    and Putin's page "6 polls" of two polls. A poll is its pollster's fieldwork for a client
    in a country (the same firm's poll for another client on the same days is another poll);
    each series' card still counts its own."""
    week = dict(
        pollster="FOM", fieldwork_start="2022-03-18", fieldwork_end="2022-03-20", published=""
    )
    rows = [
        poll_row(poll_key=f"fom-{metric}", metric=metric, **week)
        for metric in ("trust", "approval", "performance")
    ]
    rows.append(poll_row(poll_key="fom-mishustin", leader="Mikhail Mishustin", **week))
    rows.append(poll_row(poll_key="fom-next", metric="trust", pollster="FOM"))
    rows.append(poll_row(poll_key="fom-for-a-client", sponsor="Izvestia", **week))
    rows.append(
        poll_row(
            poll_key="kiis",
            leader="Zelensky",
            country="UA",
            pollster="FOM",
            **{k: v for k, v in week.items() if k != "pollster"},
        )
    )
    write_csv(settings.inbox / "fom.csv", rows)
    run_ingest([], settings)
    quick = settings.model_copy(update={"realtime_seconds": 0})
    build_report(quick)
    index = (settings.report_dir / "index.html").read_text()
    assert re.search(r"for 3 leaders, from 4 polls\.", index), index[:3000]
    page = (settings.report_dir / "leader-vladimir-putin.html").read_text()
    assert re.search(r'<p class="lede">\s*RU: 3 polls by 1 pollster', page)


def test_spreadsheet_formulas_in_text_are_neutralised_in_csv_but_kept_in_parquet(
    settings, tmp_path
):
    write_csv(
        settings.inbox / "f.csv",
        [
            poll_row(
                pollster='=HYPERLINK("http://x","y")',
                notes="+1 call me",
                sponsor="@sum(A1)",
                source_url="-2+3",
            )
        ],
    )
    run_ingest([], settings)
    polls = open_store(settings).polls()
    write_polls(polls, tmp_path / "out.csv", "csv")
    write_polls(polls, tmp_path / "out.parquet", "parquet")
    [row] = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert row["pollster"] == '\'=HYPERLINK("http://x","y")'
    assert (row["notes"], row["sponsor"], row["source_url"]) == (
        "'+1 call me",
        "'@sum(A1)",
        "'-2+3",
    )
    assert row["positive_pct"] == "71.0" and row["fieldwork_start"] == "2022-02-17"
    parquet = pd.read_parquet(tmp_path / "out.parquet")
    assert parquet["pollster"].tolist() == ['=HYPERLINK("http://x","y")']


def test_the_report_never_replaces_a_folder_it_did_not_write(settings, tmp_path):
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "thesis.docx").write_text("precious")
    with pytest.raises(ConfigError, match="holds files pollwatch did not write"):
        build_report(settings, out_dir=mine)
    assert (mine / "thesis.docx").read_text() == "precious"


def test_view_serves_the_report_on_loopback(sample_report):
    settings, _ = sample_report
    server = report_server(settings.report_dir)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/"
        with urllib.request.urlopen(base) as response:
            assert "Where public support stands" in response.read().decode()
        with urllib.request.urlopen(base + "charts/vladimir-putin-approval.png") as response:
            assert response.headers["Content-Type"] == "image/png"
    finally:
        server.shutdown()
        server.server_close()
    assert server.server_address[0] == "127.0.0.1"


def test_view_without_a_report_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match="run `pollwatch report` first"):
        report_server(tmp_path)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Володимир Зеленський", "volodimir-zelenskii"),
        ("Владимир Путин", "vladimir-putin"),
        ("Valéry Giscard d'Estaing", "valery-giscard-d-estaing"),
        ("<script>alert(1)</script>", "script-alert-1-script"),
    ],
)
def test_page_names_are_readable_in_any_script(name, expected):
    assert slug(name, set()) == expected


def test_page_names_stay_unique_and_a_name_without_letters_gets_a_hash():
    taken: set[str] = set()
    assert [slug("Putin", taken), slug("putin", taken), slug("PUTIN!", taken)] == [
        "putin",
        "putin-2",
        "putin-3",
    ]
    assert re.fullmatch(r"n-[0-9a-f]{8}", slug("!!!", taken))


def copy_of_sample_report(sample_report, settings) -> Report:
    """The session's sample store and report, copied into this test's data and report folders,
    for a test that changes them; returns the report the copy is of."""
    sample_settings, report = sample_report
    shutil.copytree(sample_settings.data_dir, settings.data_dir, dirs_exist_ok=True)
    shutil.copytree(sample_settings.report_dir, settings.report_dir)
    return report


def test_a_report_after_a_one_file_ingest_redraws_only_what_that_file_touched(
    sample_report, settings
):
    """The first report of the samples draws every chart (the session's, copied here rather than
    drawn again); the next redraws none, and one after a one-poll drop redraws only that poll's
    charts."""
    first = copy_of_sample_report(sample_report, settings)
    assert "vladimir-putin-approval" in first.redrawn and len(first.redrawn) == first.charts
    charts = settings.report_dir / "charts"
    zelensky_trust = (charts / "volodymyr-zelensky-trust.png").read_bytes()

    again = build_report(settings)  # nothing new: every chart is the one already drawn
    assert again.redrawn == []
    assert (charts / "volodymyr-zelensky-trust.png").read_bytes() == zelensky_trust

    write_csv(
        settings.inbox / "levada-2024-09.csv",
        [
            poll_row(
                fieldwork_start="2024-09-19",
                fieldwork_end="2024-09-25",
                published="2024-09-30",
                positive_pct="85",
                negative_pct="13",
            )
        ],
    )
    run = run_ingest([], settings)
    assert run.totals["rows_loaded"] == 1, run.files[0].rejects
    after = build_report(settings)
    assert sorted(after.redrawn) == [
        "comparison",
        "vladimir-putin-approval",
        "vladimir-putin-approval-negative",  # the new poll gives disapproval too
        "vladimir-putin-approval-net",
    ]
    assert (charts / "volodymyr-zelensky-trust.png").read_bytes() == zelensky_trust


def test_a_report_drawn_on_every_core_says_what_one_core_says(
    sample_report, tmp_path, monkeypatch, caplog
):
    """The process pool that large reports use (forced here on the samples): the same numbers
    and the same charts as the report drawn in one process (the session's sample report, drawn
    the default way, from the same store this one reads)."""
    from pollwatch.publish import parallel

    settings, alone = sample_report
    monkeypatch.setattr(parallel, "WORTH_A_POOL", 0)
    with caplog.at_level("WARNING", logger="pollwatch.publish"):
        pooled = build_report(settings, tmp_path / "pooled")
    broke = [r.getMessage() for r in caplog.records if r.name == "pollwatch.publish"]
    assert not broke, f"the pool did not run: {broke}"
    assert pooled.redrawn == alone.redrawn and pooled.series == alone.series
    for name in ("data/latest.json", "charts/vladimir-putin-approval.png"):
        pooled_bytes = (tmp_path / "pooled" / name).read_bytes()
        assert pooled_bytes == (settings.report_dir / name).read_bytes(), name


def test_a_one_poll_card_with_no_sample_size_says_whose_margin_it_gives(settings):
    """A poll that gives no sample size has no margin of its own: the card says which size the
    margin is of (it said "its own" of an assumed 1,000)."""
    write_csv(settings.inbox / "one.csv", [poll_row(metric="performance", sample_size="")])
    run_ingest([], settings)
    build_report(settings)
    page = (settings.report_dir / "leader-vladimir-putin.html").read_text()
    section = page.split('id="vladimir-putin-performance"')[1].split("</section>")[0]
    assert "the 95% margin of sampling error of 1,000 people (the poll gives no sample size)" in (
        section
    )
    assert "its own 95% margin" not in section


def test_a_one_poll_card_reads_its_other_side_and_net_from_the_question_that_gives_both(settings):
    """One poll asked approve and disapprove (40/50) and approve alone (60): the card said
    "net +0.0" (the questions' mean approval less the one disapproval), where `trend` says
    -10."""
    both = poll_row(metric="performance", positive_pct="40", negative_pct="50", poll_key="q1")
    alone = poll_row(metric="performance", positive_pct="60", negative_pct="", poll_key="q2")
    other = poll_row(metric="performance", leader="Dmitry Medvedev", negative_pct="5")
    write_csv(settings.inbox / "one.csv", [both, alone, other])
    run_ingest([], settings)
    build_report(settings)
    page = (settings.report_dir / "leader-vladimir-putin.html").read_text()
    section = page.split('id="vladimir-putin-performance"')[1].split("</section>")[0]
    assert "50.0% (net -10.0 points)" in section


def test_a_one_poll_series_download_gives_its_other_side_and_net_as_its_card_does(settings):
    """A series of one poll giving approve and disapprove (71/27): its card shows 27% and net
    +44, and `trend --measure net` gives +44, but averages.csv held its approval alone. The
    download now has all three; the pages still show the one card, not three."""
    write_csv(settings.inbox / "one.csv", [poll_row(metric="performance")])
    run_ingest([], settings)
    report = build_report(settings)
    averages = pd.read_csv(settings.report_dir / "data" / "averages.csv")
    mine = averages[averages["metric"] == "performance"]
    latest = mine.groupby("measure")["estimate"].last()
    assert latest.round(1).to_dict() == {"negative": 27.0, "net": 44.0, "positive": 71.0}
    front = report.index.read_text()
    assert front.count('data-series="vladimir-putin-performance') == 1
    page = (settings.report_dir / "leader-vladimir-putin.html").read_text()
    assert page.count('class="card single-poll"') == 1
    assert "27.0% (net +44.0 points)" in page


def test_a_one_poll_card_at_the_edge_gives_its_margin_as_a_range_inside_0_to_100(settings):
    """A poll of 0% read "0.0% +-0.8 points": a share below none."""
    write_csv(
        settings.inbox / "one.csv",
        [poll_row(metric="performance", positive_pct="0", negative_pct="90", undecided_pct="10")],
    )
    run_ingest([], settings)
    build_report(settings)
    page = (settings.report_dir / "leader-vladimir-putin.html").read_text()
    section = page.split('id="vladimir-putin-performance"')[1].split("</section>")[0]
    assert re.search(r'<div class="band">0\.0&ndash;\d\.\d, its own 95% margin', section)
    assert "&plusmn;" not in section


def test_a_series_of_one_poll_is_a_card_not_a_chart(sample_report):
    """The samples hold one poll of Putin's performance: shown as that poll, with no average,
    band or chart made of it; with its own margin (79% of 1,500 people: +-2.1), the other side
    it gives (11%, net +68) and where it came from."""
    settings, report = sample_report
    page = (settings.report_dir / "leader-vladimir-putin.html").read_text()
    section = page.split('id="vladimir-putin-performance"')[1].split("</section>")[0]
    assert "one poll so far" in section and "<img" not in section
    assert "&plusmn;2.1 points, its own 95% margin" in section
    assert "11.0% (net +68.0 points)" in section
    assert re.search(r'published 2022-03-25, <a class="source" href="https?://[^"]+"', section)
    assert not (settings.report_dir / "charts" / "vladimir-putin-performance.png").exists()
    headline = report.index.read_text().split('data-series="vladimir-putin-performance"')[1]
    card = headline.split("</div>\n  </div>")[0]
    assert "one poll, no average yet: FOM, " in card
    # dated by its fieldwork alone: "as of" the report's day, an as-of report dated a February
    # poll 2022-03-14
    assert "as of" not in card


def test_a_sparse_series_shows_each_poll_s_margin_and_dashes_the_guess_between_polls(
    sample_report,
):
    """KIIS's seven polls of trust in Zelensky over three years: the line between polls months
    apart is drawn as the guess it is, and each poll with its own margin of error; the five that
    give no sample size with the margin of the size assumed, said to be so (they were drawn as
    if their own)."""
    settings, _ = sample_report
    svg = (settings.report_dir / "charts" / "volodymyr-zelensky-trust.svg").read_text()
    assert "a poll's own 95% margin" in svg
    assert "95% margin of an assumed sample (the poll gives none)" in svg
    assert "average, no poll within 45 days" in svg
    assert "7 polls by 1 pollster ·" in svg  # not "1 pollsters"


def share_of_pixels(png: Path, colour: tuple[int, int, int]) -> float:
    """The share of a rendered chart's pixels within a shade of `colour` (0-255 RGB)."""
    pixels = matplotlib.image.imread(png)[:, :, :3] * 255
    return float((np.abs(pixels - np.array(colour)).max(axis=2) <= 3).mean())


def test_years_without_a_poll_in_a_dense_series_are_dashed_not_drawn_as_data(settings):
    """538's Trump polls to January 2021 (2,205 of them) and eight of 2025: the chart drew the
    four years between as a solid line under a filled band a fifth of the chart wide, the
    comparison filled them too, and the averages download gave those days as any other. They
    are dashed and unfilled as a sparse series' are, and the download says how far each day
    is from a poll."""
    settings.inbox.mkdir(exist_ok=True)
    # The newest 800 rows of the file (fieldwork from mid-2020): dense enough, and a third of
    # the fits' time.
    lines = (REAL / "fte_president_approval_polls_2021-01_head3000.csv").read_text().splitlines()
    drop = settings.inbox / "trump_to_2021.csv"
    drop.write_text("\n".join(lines[:801]) + "\n")
    settle(drop)
    ends = pd.date_range("2025-01-27", "2025-03-27", periods=8)
    write_csv(
        settings.inbox / "trump_2025.csv",
        [
            poll_row(
                pollster=pollster,
                country="US",
                leader="Donald Trump",
                fieldwork_start=f"{end - pd.Timedelta(days=4):%Y-%m-%d}",
                fieldwork_end=f"{end:%Y-%m-%d}",
                positive_pct=share,
                sample_size=1000,
            )
            for end, pollster, share in zip(
                ends,
                ["Gallup", "Quinnipiac", "Emerson", "Ipsos"] * 2,
                [47, 46, 48, 44, 45, 42, 46, 43],
                strict=True,
            )
        ],
        columns=[*REQUIRED_COLUMNS, "sample_size"],
    )
    ingest_samples(settings)  # other leaders, for the comparison chart
    # The real-time line is not what is checked: no time spent refitting it (10 s of 14).
    build_report(settings.model_copy(update={"realtime_seconds": 0}))
    charts = settings.report_dir / "charts"
    band = (221, 221, 221)  # the 95% band's fill: ink at 15% on white
    assert share_of_pixels(charts / "donald-trump-approval.png", band) < 0.03  # it was 0.16
    assert "average, no poll within 45 days" in (charts / "donald-trump-approval.svg").read_text()
    trump_band = (217, 234, 243)  # the comparison's first colour, #0072B2, at 15% on white
    assert share_of_pixels(charts / "comparison.png", trump_band) < 0.01  # it was 0.07

    averages = pd.read_csv(settings.report_dir / "data" / "averages.csv", parse_dates=["date"])
    assert list(averages.columns[-3:]) == ["realtime", "realtime_fitted_on", "days_from_poll"]
    trump = averages[
        (averages["leader"] == "Donald Trump")
        & (averages["measure"] == "positive")
        & (averages["population"] == "all")
    ].set_index("date")["days_from_poll"]
    assert trump["2023-01-01"] > 700
    assert trump["2020-10-01"] <= 1 and trump["2025-03-01"] <= 10
    index = (settings.report_dir / "index.html").read_text()
    assert "On days more than 45 days from any poll, in any series" in index


def test_disapproval_and_net_have_their_own_averages_pages_and_download(sample_report):
    """Levada gives disapproval beside approval: Putin's page shows approval, disapproval and
    net approval, each fitted with its band; averages.csv carries all three."""
    settings, report = sample_report
    page = (settings.report_dir / "leader-vladimir-putin.html").read_text()
    for section in ("approval", "approval-negative", "approval-net"):
        assert f'id="vladimir-putin-{section}"' in page
        assert (settings.report_dir / "charts" / f"vladimir-putin-{section}.png").exists()
    assert "<h2>Disapproval</h2>" in page and "<h2>Net approval</h2>" in page
    averages = pd.read_csv(settings.report_dir / "data" / "averages.csv")
    putin = averages[(averages["leader"] == "Vladimir Putin") & (averages["metric"] == "approval")]
    latest = putin.groupby("measure").last()
    assert set(latest.index) == {"positive", "negative", "net"}
    assert (latest["lower"] <= latest["estimate"]).all() and (
        latest["estimate"] <= latest["upper"]
    ).all()
    gap = latest.loc["positive", "estimate"] - latest.loc["negative", "estimate"]
    assert abs(latest.loc["net", "estimate"] - gap) < 2  # fitted on its own, close to the gap
    # a one-poll series, shown as a card, is in the download as `trend` gives it (it was not)
    card = averages[
        (averages["leader"] == "Vladimir Putin") & (averages["metric"] == "performance")
    ]
    assert len(card) >= 1 and card["lower"].le(card["estimate"]).all()
    assert latest.loc["net", "upper"] - latest.loc["net", "lower"] > 0


def test_dollar_signs_in_names_are_drawn_as_text_not_math(settings):
    """`$...$` in a pollster's or leader's name was read by matplotlib as mathematics: a stray
    `$` ended the whole report with a ValueError, and `Cost $5 to $10 Polls` was drawn as italic
    `Cost 5to10 Polls`."""
    rows = [
        poll_row(
            pollster="Cost $5 to $10 Polls",
            leader="Mr $",
            poll_key=f"d{i}",
            fieldwork_start=f"2022-03-{i + 1:02d}",
            fieldwork_end=f"2022-03-{i + 1:02d}",
            published="",
        )
        for i in range(3)
    ]
    rows.append(dict(rows[0], pollster="Bad $\\frac{$ Research", poll_key="stray"))
    write_csv(settings.inbox / "dollars.csv", rows)
    run_ingest([], settings)
    written = build_report(settings)
    svg = written.pages[0].parent / "charts" / "mr-approval.svg"
    text = svg.read_text(encoding="utf-8")
    # As text elements of their own (mathematics is drawn glyph by glyph).
    assert re.search(r">Cost \$5 to \$10 Polls</text>", text)
    assert re.search(r">Mr \$: approval</text>", text)


def test_a_leader_page_says_how_each_population_was_read_as_adults(settings):
    """Polls of adults and of registered voters, six of them reporting both (voters 2 points
    above their adults): the leader page lists the offset taken off, its interval and the polls
    that measured it, and its latest-polls table says the values are adjusted for it. A
    population no pollster asks beside adults is said to be unmeasured, not shown as +0.0."""
    rows = []
    for month in range(1, 10):
        dates = {
            "fieldwork_start": f"2022-0{month}-03",
            "fieldwork_end": f"2022-0{month}-09",
            "published": "",
        }
        adults = 60 + month % 3
        rows.append(poll_row(population="adults", positive_pct=str(adults), **dates))
        if month <= 6:  # the same poll, its registered voters
            voters = poll_row(population="registered_voters", positive_pct=str(adults + 2), **dates)
            rows.append(voters)
        else:
            rows.append(poll_row(pollster="FOM", population="registered_voters", **dates))
    # and one poll of likely voters, which no poll reports beside adults: nothing measures them
    dates = {"fieldwork_start": "2022-05-12", "fieldwork_end": "2022-05-15", "published": ""}
    rows.append(poll_row(pollster="VTsIOM", population="likely_voters", **dates))
    write_csv(settings.inbox / "both.csv", rows, age_seconds=60)
    run_ingest([], settings)
    build_report(settings)
    page = (settings.report_dir / "leader-vladimir-putin.html").read_text()
    # approval first; disapproval and net have their own
    table = re.findall(r"<h3>Populations</h3>.*?</table>", page, re.S)[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert cells[0] == "registered voters" and cells[3:6] == ["6", "0", "1"]
    assert 1.5 <= float(cells[1]) <= 2.0  # +2 measured six times, shrunk a little toward 0
    assert cells[6:] == [
        "likely voters",
        # taken "as they are", it said, where the line sits at the adults' pollsters' level
        "not measured: no pollster asks it beside adults, so its gap from adults stays in its"
        " pollsters' leans, read against the pollsters of adults",
    ]
    assert "adjusted for house effect and population" in page
    # the card says how many polls are of the population the line reads as (it said "13 polls")
    assert "13 polls by 3 pollsters, 9 of adults; as of" in page
    # why the line of all polls can be less sure than one population's (RCP's 84 polls drew a
    # band 6.7 points wide, its 26 adults' polls 4.3, and nothing on the page said why)
    assert "can be less sure than the line of adults alone" in page
    # a lean is read after the population gap: a likely voters' pollster above the line can lean
    # below it (538's Rasmussen: -3.3, its polls above the line), which the table did not say
    houses = re.findall(r"<h3>House effects</h3>(.*?)</table>", page, re.S)[0]
    assert "measured after its polls' population gap (below) is taken off" in houses
    # the methodology says it per line, with the sign taken off (it showed -1.8 for +1.8)
    index = (settings.report_dir / "index.html").read_text()
    row = re.search(r"<td>Vladimir Putin · approval</td>.*?</tr>", index, re.S).group(0)
    assert f"registered voters {float(cells[1]):+.1f} (" in row


def test_the_methodology_says_what_each_line_takes_off_and_no_lean_is_shown_without_its_doubt(
    sample_report,
):
    """The methodology section lists, per line, what is adjusted and by how much. A lone
    pollster's lean is not measurable, and pollsters that agree within their noise lean by
    zero give or take what their polls allow: neither is "+0.0 to +0.0"."""
    settings, report = sample_report
    index = report.index.read_text()
    table = re.findall(r'<table class="adjustments">.*?</table>', index, re.S)[0]
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [html.unescape(cell) for cell in re.findall(r"<td>([^<]*)</td>", row)]
            for row in re.findall(r"<tr>.*?</tr>", table, re.S)
        )
        if cells
    }
    assert rows["Vladimir Putin · trust"] == [
        "all adults",
        "nothing: every poll is of adults",
        "none: its 2 pollsters differ no more than their polls' noise",
    ]
    assert re.fullmatch(r"3 pollsters, -\d\.\d to \+\d\.\d", rows["Vladimir Putin · approval"][2])
    assert rows["Volodymyr Zelensky · support"][2] == "none: one pollster"
    assert "+0.0 to +0.0" not in (settings.report_dir / "leader-vladimir-putin.html").read_text()
    ukraine = (settings.report_dir / "leader-volodymyr-zelensky.html").read_text()
    assert '<td>Rating Group</td><td colspan="2">not measured: the only pollster' in ukraine


def test_the_headline_chart_shows_what_the_tracker_said_as_it_went(sample_report):
    """Beside the average, which sees every poll, the line of what the tracker would have
    published each week: in March 2022 it said about 70% for Putin (Levada's and FOM's February
    polls), while today's average of those days already leans toward the 83% measured at the
    end of the month."""
    settings, _ = sample_report
    svg = (settings.report_dir / "charts" / "vladimir-putin-approval.svg").read_text()
    assert "as it stood then (refitted every 2 weeks)" in svg
    averages = pd.read_csv(settings.report_dir / "data" / "averages.csv", parse_dates=["date"])
    averages["realtime_fitted_on"] = pd.to_datetime(averages["realtime_fitted_on"])
    putin = averages[(averages["leader"] == "Vladimir Putin") & (averages["metric"] == "approval")]
    positive = putin[putin["measure"] == "positive"].set_index("date")
    said = positive[positive.index == positive["realtime_fitted_on"]]  # the refits' own days
    assert len(said) > 50
    assert set(said.index[:-1].day_of_week) == {0}  # Mondays, and the line's last day
    assert putin.loc[putin["measure"] != "positive", "realtime"].isna().all()
    march = said.loc["2022-03-07":"2022-03-21"].iloc[0]
    assert 68 <= march["realtime"] <= 73
    assert march["estimate"] > march["realtime"] + 2
    # each day between two refits has the figure that stood, as the chart's steps draw it (it
    # was empty: a spreadsheet drew dots weeks apart)
    refit = march.name
    stood = positive.loc[refit + pd.Timedelta(days=1) : refit + pd.Timedelta(days=6)]
    assert len(stood) == 6 and (stood["realtime"] == march["realtime"]).all()
    assert (stood["realtime_fitted_on"] == refit).all()


@dataclass
class ChartSvg:
    legend: list[str]  # the legend's names, in order
    notes: list[str]  # every other text
    red_lines: int  # lines drawn in the real-time line's red, outside the legend


def chart_svg(path: Path) -> ChartSvg:
    """What a chart's SVG shows, as a reader tells it apart: its legend and the rest."""
    root = ElementTree.parse(path).getroot()
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("legend"))
    inside = set(legend.iter())
    outside = [e for e in root.iter() if e not in inside]
    red = [e for e in outside if e.tag == f"{SVG}path" and "stroke: #b2182b" in e.get("style", "")]
    return ChartSvg(
        [e.text for e in legend.iter(f"{SVG}text")],
        [e.text for e in outside if e.tag == f"{SVG}text"],
        len(red),
    )


def test_a_report_out_of_time_draws_the_newest_days_and_the_next_reports_finish(settings):
    """POLLWATCH_REALTIME_SECONDS bounds the refits one report makes; what is left is done by
    the next, which the pipeline runs even when no data changed.

    And the chart says so: a first report of pollsposition's presidents drew no red steps on
    Giscard's chart and Biden's from August 2022 only (538's file starts in 2021), with nothing
    to say the rest was left for the next reports: it read as all the tracker had said. The
    legend says it. (One test for both: each is a hurried report of the samples, then a full
    one, the two slowest reports of this file.)"""
    from pollwatch.publish.report import needs_report

    ingest_samples(settings)
    hurried = settings.model_copy(update={"realtime_seconds": 0})
    first = build_report(hurried)
    assert first.realtime_unfinished > 50
    assert needs_report(0, hurried)
    averages = pd.read_csv(settings.report_dir / "data" / "averages.csv")
    assert averages["realtime"].isna().all()
    # no red steps are drawn, so the legend lists none (it listed a red line that was not
    # there), and a note on the chart and beside it says why
    chart = chart_svg(settings.report_dir / "charts" / "vladimir-putin-approval.svg")
    assert chart.red_lines == 0
    assert chart.legend == ["Levada Center", "FOM", "VTsIOM", "95% band", "average"]
    later = "real-time line (as it stood then): out of time to refit it, the next report draws it"
    assert later in chart.notes
    page = (settings.report_dir / "leader-vladimir-putin.html").read_text()
    assert f"the band its 95% interval. {later.capitalize()}." in page

    second = build_report(settings)
    assert second.realtime_unfinished == 0 and not needs_report(0, settings)
    averages = pd.read_csv(settings.report_dir / "data" / "averages.csv")
    assert averages["realtime"].notna().sum() > 50
    chart = chart_svg(settings.report_dir / "charts" / "vladimir-putin-approval.svg")
    assert chart.red_lines == 1
    assert chart.legend[-1] == "as it stood then (refitted every 2 weeks)"
    assert later not in chart.notes
    assert (
        later.capitalize() not in (settings.report_dir / "leader-vladimir-putin.html").read_text()
    )


def test_the_averages_download_keeps_the_real_time_figure_of_the_day_the_newest_poll_was_public(
    settings,
):
    """The real-time line ends on the day its newest poll was public, after its fieldwork (and
    the smoothed line) ended: the chart draws that last figure, the one that counts the newest
    poll. averages.csv merged the figures onto the smoothed line's days, so it dropped it (on
    the samples, Zelensky's trust said 52% where the chart said 74%)."""
    from pollwatch.model.as_of import series_trend, stood_on

    rows = [
        poll_row(
            pollster="Levada Center" if month % 2 else "FOM",
            fieldwork_start=f"2022-0{month}-03",
            fieldwork_end=f"2022-0{month}-09",
            published=f"2022-0{month}-20",
            positive_pct=str(60 + 3 * month),
            negative_pct=str(35 - 3 * month),
        )
        for month in range(1, 7)
    ]
    write_csv(settings.inbox / "late.csv", rows)
    run_ingest([], settings)
    build_report(settings)
    averages = pd.read_csv(settings.report_dir / "data" / "averages.csv", parse_dates=["date"])
    line = averages[(averages["measure"] == "positive") & (averages["population"] == "all")]
    said = line.dropna(subset=["realtime"]).set_index("date")["realtime"]
    assert said.index[-1] == pd.Timestamp("2022-06-20")  # the newest poll's publication
    store = open_store(settings, read_only=True)
    as_of = series_trend(
        stood_on(store.versions(), pd.Timestamp("2022-06-20").date()),
        "Vladimir Putin",
        "approval",
        as_of=pd.Timestamp("2022-06-20").date(),
    )
    assert said.iloc[-1] == pytest.approx(float(as_of.latest["estimate"]), abs=0.01)
    # the smoothed line still ends with the fieldwork; its band is not invented past it
    assert line.dropna(subset=["estimate"])["date"].max() == pd.Timestamp("2022-06-09")
    # and the days between are rows too, day by day, each with the figure that stood then (the
    # refit days alone were: 538's Biden line skipped 28 January 2023, Macron's 2-3 June 2022)
    after = line[line["date"] > pd.Timestamp("2022-06-09")].set_index("date")
    assert list(after.index) == list(pd.date_range("2022-06-10", "2022-06-20"))
    assert after["realtime"].notna().all() and after["estimate"].isna().all()
    stood = line.set_index("date")["realtime"].ffill()
    assert (after["realtime"] == stood[after.index]).all()


def test_a_line_of_voters_populations_is_not_labelled_as_its_first_population_s_own_line(settings):
    """No poll of adults: the line of every poll reads as registered voters, and registered and
    likely voters each have their own line too. Both the first and the registered voters' own
    line were headed "approval · registered voters", with different figures."""
    rows = []
    for month in range(1, 9):
        dates = {
            "fieldwork_start": f"2022-0{month}-10",
            "fieldwork_end": f"2022-0{month}-12",
            "published": "",
        }
        rows.append(poll_row(population="registered_voters", positive_pct="60", **dates))
        rows.append(
            poll_row(pollster="FOM", population="likely_voters", positive_pct="64", **dates)
        )
    write_csv(settings.inbox / "voters.csv", rows)
    run_ingest([], settings)
    build_report(settings)
    page = (settings.report_dir / "leader-vladimir-putin.html").read_text()
    heads = [html.unescape(h) for h in re.findall(r'<div class="what">([^<]*)</div>', page)]
    positive = [h for h in heads if h.startswith("Vladimir Putin · approval")]
    assert len(positive) == len(set(positive)) == 3, positive
    assert "Vladimir Putin · approval · all polls, read as registered voters" in positive
    assert "Vladimir Putin · approval · registered voters" in positive


def test_leaders_are_compared_only_when_two_lines_fall_in_the_comparison_s_years(settings):
    """pollsposition's file (presidents of 1978-2022): of six lines only Macron's ends within
    five years of the newest, so "Leaders compared" drew his line alone, under a credit of
    all 2,035 polls of six presidents. With fewer than two lines in its window there is no
    comparison; with two, its credit counts the polls it draws."""
    settings.inbox.mkdir(exist_ok=True)
    old = monthly_rows(24, start="2005-01", leader="Jacques Chirac", country="FR")
    new = monthly_rows(24, start="2020-01", leader="Emmanuel Macron", country="FR")
    write_csv(settings.inbox / "presidents.csv", old + new)
    run_ingest([], settings)
    quick = settings.model_copy(update={"realtime_seconds": 0})
    build_report(quick)
    index = (settings.report_dir / "index.html").read_text()
    assert "Leaders compared" not in index
    assert not (settings.report_dir / "charts" / "comparison.png").exists()

    newer = monthly_rows(12, start="2021-01", leader="Joe Biden", country="US")
    write_csv(settings.inbox / "biden.csv", newer)
    run_ingest([], settings)
    build_report(quick)
    index = (settings.report_dir / "index.html").read_text()
    assert "Leaders compared" in index
    svg = (settings.report_dir / "charts" / "comparison.svg").read_text()
    assert "pollwatch · 36 polls by 1 pollster" in svg  # Macron's 24 and Biden's 12, not 60
    # The caption says which years it spans and names the line left out (it said nothing).
    assert (
        "From 2020-01-01 to 2021-12-31, at most 5 years; not drawn, all of whose polls are"
        " older: Jacques Chirac (approval, to 2006-12-31)"
    ) in index


def test_a_comparison_of_many_leaders_draws_the_most_polled_and_names_the_others(settings):
    """Ipsos' barometer follows 41 French politicians: the comparison shrank its plot to a strip
    and cut its legend off after 26 names, the rest drawn but never named."""
    rows = []
    for n in range(10):
        rows += monthly_rows(3 + n, start="2020-01", leader=f"Leader {n:02d}", country="FR")
    write_csv(settings.inbox / "barometer.csv", rows)
    run_ingest([], settings)
    build_report(settings.model_copy(update={"realtime_seconds": 0}))
    index = (settings.report_dir / "index.html").read_text()
    assert (
        "not drawn, past the 8 lines with the most polls: Leader 01 (approval, 4 polls),"
        " Leader 00 (approval, 3 polls)"
    ) in index
    assert "all of whose polls are older" not in index  # they are not: there are too many lines
    svg = (settings.report_dir / "charts" / "comparison.svg").read_text()
    named = sorted(set(re.findall(r"Leader \d\d", svg)))
    assert named == [f"Leader {n:02d}" for n in range(2, 10)]


def test_a_comparison_names_the_lines_of_too_few_polls_it_leaves_out(settings):
    """Two leaders of a year's monthly polls, a third of two polls with a line and a chart of its
    own, and two lines of 2010, of two polls and of three: "Leaders compared" drew the first two
    and said nothing of the third (the samples' Zelensky support, two Rating Group polls, was
    missing from it without a word), and, once it named such lines, nothing of one of two polls
    older than its years, where one of three as old is named as older."""
    rows = monthly_rows(12, start="2023-01", leader="Emmanuel Macron", country="FR")
    rows += monthly_rows(12, start="2023-01", leader="Olaf Scholz", country="DE")
    rows += monthly_rows(2, start="2023-06", leader="Pedro Sanchez", country="ES")
    rows += monthly_rows(2, start="2010-06", leader="Jose Zapatero", country="ES")
    rows += monthly_rows(3, start="2010-06", leader="Mariano Rajoy", country="ES")
    write_csv(settings.inbox / "leaders.csv", rows)
    run_ingest([], settings)
    build_report(settings.model_copy(update={"realtime_seconds": 0}))
    index = html.unescape((settings.report_dir / "index.html").read_text())
    assert (settings.report_dir / "charts" / "pedro-sanchez-approval.png").exists()
    assert "all of whose polls are older: Mariano Rajoy (approval, to 2010-08-31)" in index
    few = index.split("not drawn, of fewer than 3 polls: ")[1].split(".")[0]
    named = re.findall(r"(\w+ \w+) \(approval, 2 polls\)", few)
    assert sorted(named) == ["Jose Zapatero", "Pedro Sanchez"], few


def headline(html_text: str, series: str) -> str:
    """The text of one headline card of a page."""
    card = re.search(
        rf'<div class="headline" data-series="{series}">(.*?)</div>\s*</div>', html_text, re.S
    )
    assert card, series
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card.group(1)))


def test_a_move_in_30_days_is_told_only_where_polls_measured_it(sample_report):
    """KIIS polled trust in Zelensky in December 2024 (52%) and May 2025 (74%): the card read
    "+3.6 pts in 30 days", the slope of the line between polls five months apart. Levada's
    monthly polls of Putin measure his month."""
    settings, _ = sample_report
    index = (settings.report_dir / "index.html").read_text()
    for quiet in ("volodymyr-zelensky-trust", "volodymyr-zelensky-trust-net"):
        assert "in 30 days" not in headline(index, quiet)
    assert "pts in 30 days" in headline(index, "vladimir-putin-approval")


def test_a_one_poll_card_on_the_front_page_gives_the_margin_it_speaks_of(sample_report):
    """The front page's card of Putin's one "performance" poll said "this is the poll itself,
    with its own margin of error" and gave none; his page gave +-2.1 (FOM, 1,500 people)."""
    settings, _ = sample_report
    index = (settings.report_dir / "index.html").read_text()
    start = index.index('<div class="card single-poll">')
    card = index[start : index.index("</p>", start)]
    text = html.unescape(re.sub(r"<[^>]+>", " ", card))
    assert "±2.1 points, its own 95% margin of sampling error" in text
    # ... and the average's band, as the download gives it: the card said the margin alone, and
    # a reader of 98.5% +-0.7 found 93.8-99.9 in averages.csv.
    averages = pd.read_csv(settings.report_dir / "data" / "averages.csv")
    card_rows = averages[(averages["metric"] == "performance")]
    last = card_rows[card_rows["measure"] == "positive"].iloc[-1]
    band = f"{last['lower']:.1f}–{last['upper']:.1f}"
    said = "the average's 95% band, as the data download gives it, is "
    assert said + band in " ".join(text.split())


def test_a_card_and_its_chart_count_polls_as_the_leader_page_does(settings):
    """A poll is its pollster's fieldwork for one client in a country (README, "The report"):
    FOM's week for itself and for Izvestia is two polls. The leader page and the front page said
    so, while the approval card and its chart's credit, counting the line's polls (which the
    model reads as one poll of two questions), said one fewer: 538's Biden polls were "2699
    polls" on his page and "2656 polls" on his cards and charts."""
    week = dict(
        pollster="FOM", fieldwork_start="2022-03-18", fieldwork_end="2022-03-20", published=""
    )
    rows = [
        poll_row(poll_key="fom", positive_pct="70", **week),
        poll_row(poll_key="fom-for-a-client", sponsor="Izvestia", positive_pct="72", **week),
        poll_row(poll_key="levada"),
        poll_row(
            poll_key="levada-voters",
            population="registered_voters",
            fieldwork_start="2022-01-17",
            fieldwork_end="2022-01-21",
            published="2022-01-24",
        ),
    ]
    write_csv(settings.inbox / "clients.csv", rows)
    run_ingest([], settings)
    build_report(settings.model_copy(update={"realtime_seconds": 0}))
    page = (settings.report_dir / "leader-vladimir-putin.html").read_text()
    assert re.search(r'<p class="lede">\s*RU: 4 polls by 2 pollsters', page)
    # the card of the line of every population, and how many of them are of adults
    assert "4 polls by 2 pollsters, 3 of adults; as of" in page
    svg = (settings.report_dir / "charts" / "vladimir-putin-approval.svg").read_text()
    assert "pollwatch · 4 polls by 2 pollsters ·" in svg


def test_the_quality_panel_counts_stored_rows_as_rows_not_as_polls(sample_report):
    """The samples store 59 rows (FOM's weekly poll is a row per question) of 56 polls: the
    front page said "from 56 polls" at its top and "59 polls stored" in its data-quality panel
    (538's two files: 4,984 polls and "6090 polls stored"). The panel counts the store's rows,
    as the last run's "59 rows new" beside it does, and says how many polls they are."""
    settings, report = sample_report
    text = " ".join(re.sub(r"<[^>]+>", " ", report.index.read_text()).split())
    assert "for 2 leaders, from 56 polls." in text
    assert "59 rows stored (56 polls) from 4 files" in text
    assert "polls stored" not in text
