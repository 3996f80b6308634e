"""Charts as a reader sees them: the latest value's label inside the plot and clear of the
legend, the credit line clear of the dates, whatever the series (real figures, laid out as they
are saved)."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib
import matplotlib.dates
import numpy as np
import pandas as pd
import pytest

from bench.simulation import simulate_polls
from pollwatch.model.measures import MEASURES, read_measure
from pollwatch.model.polls import one_version_per_poll
from pollwatch.model.trends import fit_trend
from pollwatch.publish import chart_labels, chart_style, charts, wording
from pollwatch.publish.dated_events import load_events
from schemas.columns import METRICS
from tests.helpers import a_font_has

NO_EVENTS = load_events(Path("/nonexistent/events.csv"))


def series(kind: str) -> pd.DataFrame:
    polls = simulate_polls(seed=5, days=900, pollsters=6).polls
    polls = polls.assign(leader="Leader", metric="approval", country="US")
    if kind == "sparse":
        polls = polls.iloc[::60]
    if kind == "long names":  # a wide legend makes the plot narrow
        polls = polls.assign(pollster=polls["pollster"] + " Research and Opinion Polling Group")
    return polls


@pytest.mark.parametrize("kind", ["dense", "sparse", "long names", "net", "net near -100"])
def test_the_latest_label_is_whole_beside_the_line_clear_of_the_legend_and_credit(kind):
    """The label hangs out of the plot, past the line's end and before the legend (widening
    the dates until it fitted inside ran them months past the last poll). Near -100 the label,
    two lines centred on the line's end, ran over the date axis."""
    polls = series(kind)
    if kind == "net":
        polls = polls.assign(negative_pct=100 - polls["positive_pct"] - 5)
    if kind == "net near -100":
        polls = polls.iloc[::40].assign(positive_pct=0.0, negative_pct=100.0)
    trend = fit_trend(
        one_version_per_poll(polls),
        "Leader",
        "approval",
        measure="net" if kind.startswith("net") else "positive",
    )
    with matplotlib.rc_context(chart_style.STYLE):
        fig = charts.trend_figure(trend, NO_EVENTS, {"US"}, "pollwatch · a credit line")
        fig.draw_without_rendering()
        [ax] = fig.axes
        [label] = [t for t in ax.texts if "(" in t.get_text()]
        box, plot = label.get_window_extent(), ax.get_window_extent()
        legend = ax.get_legend().get_window_extent()
        credit = fig.texts[0].get_window_extent()
        dates = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    assert plot.x0 <= box.x0 and box.x1 <= fig.bbox.x1, (box, plot)
    assert plot.y0 <= box.y0 and box.y1 <= plot.y1, (box, plot)
    assert not box.overlaps(legend)
    assert not any(credit.overlaps(d) for d in dates)


def test_a_pollster_named_by_a_whole_html_link_keeps_the_legend_on_the_figure():
    """Silver Bulletin's Datawrapper table names its pollsters with their links: the legend ran
    off the figure, "95% band" and "as it stood" with it, and matplotlib warned on stderr."""
    import warnings

    link = "<a href='https://www.natesilver.net/p/pollster-ratings-silver-bulletin'>Trafalgar</a>"
    polls = series("dense")
    polls = polls.assign(pollster=polls["pollster"].where(polls["pollster"] != "Pollster A", link))
    trend = fit_trend(one_version_per_poll(polls), "Leader", "approval")
    with matplotlib.rc_context(chart_style.STYLE), warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = charts.trend_figure(trend, NO_EVENTS, {"US"}, "pollwatch · a credit line")
        fig.canvas.draw()
        legend = fig.axes[0].get_legend()
        names = [t.get_text() for t in legend.get_texts()]
        inside = legend.get_window_extent().x1 <= fig.bbox.x1
    assert inside and "95% band" in names
    assert all(len(name) <= chart_labels.LEGEND_CHARS for name in names)


def test_a_poll_published_years_after_its_fieldwork_does_not_stretch_the_chart():
    """The real-time line ends as the newest poll was public: one published three years after
    its fieldwork drew three empty years of a flat step, every poll in a tenth of the chart."""
    import dataclasses

    trend = fit_trend(one_version_per_poll(series("sparse")), "Leader", "approval")
    end = trend.daily["date"].iloc[-1]
    weekly = pd.date_range(trend.daily["date"].iloc[0], end, freq="7D")
    days = weekly.append(pd.DatetimeIndex([end + pd.Timedelta(days=3 * 365)]))
    line = pd.DataFrame({"date": days, "estimate": 50.0})
    with matplotlib.rc_context(chart_style.STYLE):
        fig = charts.trend_figure(
            dataclasses.replace(trend, realtime=line), NO_EVENTS, {"US"}, "pollwatch"
        )
        [ax] = fig.axes
        right = matplotlib.dates.num2date(ax.get_xlim()[1]).replace(tzinfo=None)
    span = end - trend.daily["date"].iloc[0]
    assert right <= end + pd.Timedelta(days=charts.FAR_DAYS) + 0.3 * span, (right, end)


def kiis_like() -> pd.DataFrame:
    """Seven polls of trust over three years, as KIIS's of Zelensky: a jump, then months apart."""
    ends = pd.to_datetime(
        [
            "2022-02-10",
            "2022-05-20",
            "2023-12-01",
            "2024-02-20",
            "2024-05-25",
            "2024-12-10",
            "2025-05-05",
        ]
    )
    return pd.DataFrame(
        {
            "pollster": "KIIS",
            "leader": "Volodymyr Zelensky",
            "metric": "trust",
            "country": "UA",
            "population": "adults",
            "fieldwork_start": ends - pd.Timedelta(days=6),
            "fieldwork_end": ends,
            "sample_size": 1000,
            "positive_pct": [37.0, 90, 77, 64, 59, 52, 74],
            "tracking": False,
        }
    )


def filled_days(ax, colour=None) -> list[float]:
    """The x (matplotlib days) of every vertex of the filled bands drawn (in `colour`)."""
    found = []
    for collection in ax.collections:
        if type(collection).__name__ not in ("PolyCollection", "FillBetweenPolyCollection"):
            continue
        if colour is not None and not np.allclose(
            collection.get_facecolor()[0][:3], matplotlib.colors.to_rgb(colour)
        ):
            continue
        for path in collection.get_paths():
            found += list(path.vertices[:, 0])
    return found


def near_polls(trend, days: list[float]) -> bool:
    """Whether every one of `days` (matplotlib's numbers) is within FAR_DAYS of a poll."""
    poll_days = matplotlib.dates.date2num(trend.polls["day"])
    return all(np.abs(poll_days - day).min() <= charts.FAR_DAYS + 1 for day in days)


def own_chart_labels(trend, countries: set[str]) -> list[str]:
    """A series' own chart, whose band must be filled, and only near its polls: its lines'
    labels."""
    fig = charts.trend_figure(trend, NO_EVENTS, countries, "pollwatch")
    [ax] = fig.axes
    assert filled_days(ax) and near_polls(trend, filled_days(ax))
    return [line.get_label() for line in ax.get_lines()]


def test_a_sparse_series_fills_its_band_only_near_its_polls_on_its_chart_and_the_comparison():
    """Between polls months apart the band of a sparse series is 50 points wide: drawn filled,
    it hid every other line of the comparison chart. It is filled only within FAR_DAYS of a
    poll; beyond, its own chart outlines it dashed, and the comparison leaves it out."""
    sparse = fit_trend(one_version_per_poll(kiis_like()), "Volodymyr Zelensky", "trust")
    dense = fit_trend(one_version_per_poll(series("dense")), "Leader", "approval")
    assert (sparse.daily["upper"] - sparse.daily["lower"]).max() > 40  # what would be filled

    with matplotlib.rc_context(chart_style.STYLE):
        labels = own_chart_labels(sparse, {"UA"})
        assert f"95% band, no poll within {charts.FAR_DAYS} days" in labels

        fig = charts.comparison_figure([dense, sparse], NO_EVENTS, {"UA", "US"}, "pollwatch")
        [ax] = fig.axes
        mine = filled_days(ax, chart_style.OKABE_ITO[1])
        assert mine and near_polls(sparse, mine)
        assert filled_days(ax, chart_style.OKABE_ITO[0])  # the dense series keeps its whole band


def test_a_dense_series_that_pauses_for_a_year_is_dashed_there_not_drawn_as_data():
    """A series of hundreds of polls was never marked: 538's Trump polls to January 2021 and a
    few of 2025 drew four years without a poll as a solid line under a filled band, on its
    chart and the comparison. However many polls a series has, the days more than FAR_DAYS
    from any are dashed, the band there outlined on its chart and left out of the comparison."""
    polls = series("dense")
    start = polls["fieldwork_end"].min()
    paused = (polls["fieldwork_end"] > start + pd.Timedelta(days=250)) & (
        polls["fieldwork_end"] < start + pd.Timedelta(days=650)
    )
    polls = polls[~paused]
    assert len(polls) > 10 * charts.SPARSE_POLLS
    dense = fit_trend(one_version_per_poll(polls), "Leader", "approval")

    with matplotlib.rc_context(chart_style.STYLE):
        labels = own_chart_labels(dense, {"US"})
        assert f"average, no poll within {charts.FAR_DAYS} days" in labels
        assert f"95% band, no poll within {charts.FAR_DAYS} days" in labels

        fig = charts.comparison_figure([dense], NO_EVENTS, {"US"}, "pollwatch")
        [ax] = fig.axes
        assert filled_days(ax) and near_polls(dense, filled_days(ax))
        labels = [line.get_label() for line in ax.get_lines()]
        assert f"no poll within {charts.FAR_DAYS} days (no band drawn)" in labels


def test_a_negative_band_is_written_with_to_not_a_dash():
    """Macron's net approval: -21.7–-13.6 read as a subtraction on the chart and the page."""
    assert wording.band_text(-21.74, -13.61) == "-21.7 to -13.6"
    assert wording.band_text(-2.0, 3.04) == "-2.0 to 3.0"
    assert wording.band_text(81.44, 89.61) == "81.4–89.6"
    # a bound a hair below nought is nought: "+0.7 (-0.0 to 1.3)" read as a negative bound
    assert wording.band_text(-0.01, 1.32) == "0.0–1.3"
    assert [wording.signed_text(v) for v in (-0.01, 0.04, -2.06, 3)] == [
        "+0.0",
        "+0.0",
        "-2.1",
        "+3.0",
    ]


def test_a_poll_s_own_margin_is_its_own_and_stays_inside_0_100():
    """A poll of 99% of 800 people: its 95% margin is +-0.7 (98.3-99.7); the model's variance
    floor (that of a 95% share) drew it as +-1.5, past 100."""
    polls = kiis_like().assign(sample_size=800)
    polls.loc[1, "positive_pct"] = 99.0
    trend = fit_trend(one_version_per_poll(polls), "Volodymyr Zelensky", "trust")
    with matplotlib.rc_context(chart_style.STYLE):
        fig = charts.trend_figure(trend, NO_EVENTS, {"UA"}, "pollwatch")
        [ax] = fig.axes
        [bars] = [c for c in ax.collections if type(c).__name__ == "LineCollection"]
        spans = sorted((min(s[:, 1]), max(s[:, 1])) for s in bars.get_segments())
    low, high = spans[-1]  # the highest poll's bar
    assert (round(low, 1), round(high, 1)) == (98.3, 99.7)
    assert all(a >= 0 and b <= 100 for a, b in spans)


def test_a_net_poll_s_margin_is_its_own_near_100():
    """Net approval of a poll of 1,000 people, 99 approving and 1 disapproving (net +98): its
    own 95% margin is +-1.2 (1.96 sqrt((p + q - (p - q)^2) / n)); the model's floor (shares
    held within 5-95%) drew +-2.7, and a poll of no given size was drawn at 1,000 people
    whatever its pollster's other polls said."""
    polls = kiis_like().assign(sample_size=1000.0, negative_pct=30.0)
    polls.loc[1, ["positive_pct", "negative_pct"]] = (99.0, 1.0)
    polls.loc[2, "sample_size"] = None  # its pollster's median, 1,000, as the model weighs it
    trend = fit_trend(one_version_per_poll(polls), "Volodymyr Zelensky", "trust", measure="net")
    with matplotlib.rc_context(chart_style.STYLE):
        fig = charts.trend_figure(trend, NO_EVENTS, {"UA"}, "pollwatch")
        [ax] = fig.axes
        bars = [c for c in ax.collections if type(c).__name__ == "LineCollection"]
        spans = sorted((min(s[:, 1]), max(s[:, 1])) for b in bars for s in b.get_segments())
        # the poll of no given size has a bar of its own, dotted: a size assumed
        assert len(bars) == 2 and bars[1].get_linestyle() != bars[0].get_linestyle()
    low, high = spans[-1]
    assert (round(low, 1), round(high, 1)) == (96.8, 99.2)
    assert all(a >= -100 and b <= 100 for a, b in spans)


def test_no_line_of_the_comparison_is_dashed_as_a_guess_is():
    """Past seven colours the lines change style; a dashed one read as "no poll within 45 days"
    all the way, as the legend's dash says."""
    dense = fit_trend(one_version_per_poll(series("dense")), "Leader", "approval")
    with matplotlib.rc_context(chart_style.STYLE):
        fig = charts.comparison_figure([dense] * 12, NO_EVENTS, {"US"}, "pollwatch")
        [ax] = fig.axes
        styles = [line.get_linestyle() for line in ax.get_lines() if line.get_label()[0] != "_"]
    assert len(styles) == 12 and "--" not in styles


def date_ticks(polls: pd.DataFrame) -> tuple[list[str], str]:
    """The date axis of the polls' chart as drawn: its tick labels and its offset text."""
    trend = fit_trend(one_version_per_poll(polls), "Leader", "approval")
    with matplotlib.rc_context(chart_style.STYLE):
        fig = charts.trend_figure(trend, NO_EVENTS, {"US"}, "pollwatch")
        fig.draw_without_rendering()
        [ax] = fig.axes
        ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        return ticks, ax.xaxis.get_offset_text().get_text()


def test_a_chart_of_weeks_names_its_year_and_each_day_tick_its_month():
    """Under a chart of January and February 2022 matplotlib wrote "2022-Mar" (its last
    tick's month), and days as bare numbers."""
    polls = series("dense")
    ticks, offset = date_ticks(polls[polls["fieldwork_end"] < "2022-02-20"])
    assert offset == "2022"
    assert all(
        tick in ("Jan", "Feb", "Mar") or tick[-3:] in ("Jan", "Feb", "Mar") for tick in ticks
    )


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_a_band_among_hundreds_of_dots_has_its_edges_drawn(kind):
    """On 538's Biden polls 2,656 dots hid the band (15% grey, 1.4 points wide) the legend
    listed: among hundreds of polls its edges are drawn; a sparse chart's band shows as it is."""
    polls = series(kind)
    trend = fit_trend(one_version_per_poll(polls), "Leader", "approval")
    with matplotlib.rc_context(chart_style.STYLE):
        fig = charts.trend_figure(trend, NO_EVENTS, {"US"}, "pollwatch")
        [ax] = fig.axes
        near = ~trend.far_from_polls()
        edges = [
            line
            for line in ax.get_lines()
            for edge in ("lower", "upper")
            if len(line.get_ydata()) == len(trend.daily)
            and np.allclose(line.get_ydata()[near], trend.daily[edge].to_numpy()[near])
        ]
    assert len(polls) >= charts.CROWDED_POLLS if kind == "dense" else len(polls) < 100
    assert len(edges) == (2 if kind == "dense" else 0)


def test_a_chart_over_several_years_names_the_year_it_starts_in():
    """Ticks over several years name a year at each January only: KIIS's trust in Zelensky,
    from May 2022, read "Jul, 2023, Jul, 2024, ..." and never said 2022."""
    polls = series("dense")
    ticks, _ = date_ticks(polls[polls["fieldwork_end"] > "2022-05-15"])
    assert "2023" in ticks and ticks[0].endswith(" 2022")


def test_an_event_s_label_is_drawn_under_the_polls_and_lines_not_over_them(tmp_path):
    """The label of Russia's invasion, in a white box, was drawn over Putin's approval: it hid
    the one VTsIOM poll (78%, March 2022) and a stretch of the average; the comparison's
    "Russian presidential election" cut Putin's line. Data first: a label sits under the dots,
    the band and the lines, above the grid."""
    polls = series("dense")
    middle = polls["fieldwork_end"].min() + pd.Timedelta(days=300)
    events_csv = tmp_path / "events.csv"
    events_csv.write_text(
        f"date,label,countries\n{middle:%Y-%m-%d},Russia's full-scale invasion of Ukraine,US\n"
    )
    events = load_events(events_csv)
    trend = fit_trend(one_version_per_poll(polls), "Leader", "approval")
    with matplotlib.rc_context(chart_style.STYLE):
        own = charts.trend_figure(trend, events, {"US"}, "pollwatch")
        compared = charts.comparison_figure([trend, trend], events, {"US"}, "pollwatch")
        for fig in (own, compared):
            [ax] = fig.axes
            [label] = [t for t in ax.texts if t.get_text().startswith("Russia's")]
            dots = [c for c in ax.collections if type(c).__name__ == "PathCollection"]
            lines = [x for x in ax.get_lines() if x.get_label() in ("average", "Leader: approval")]
            assert lines and (dots or fig is compared)
            assert all(label.get_zorder() < drawn.get_zorder() for drawn in [*dots, *lines])


def one_day_polls() -> pd.DataFrame:
    """FOM's 79% and VTsIOM's 76% of Putin's performance, both asked on one Sunday."""
    polls = kiis_like().iloc[:2].assign(leader="Vladimir Putin", metric="performance")
    day = pd.Timestamp("2022-03-20")
    return polls.assign(
        pollster=["FOM", "VTsIOM"],
        fieldwork_start=day,
        fieldwork_end=day,
        sample_size=[1500, 1600],
        positive_pct=[79.0, 76.0],
    )


def test_polls_of_one_day_are_drawn_apart_each_on_its_own_margin():
    """Drawn on the day itself, the two polls' margins (76.9-81.1 and 73.9-78.1) lay on one
    another and read as one poll's 73.9-81.1. Each is now a few pixels to its side of the day,
    its bar under its dot."""
    polls = pd.concat([kiis_like().iloc[2:], one_day_polls()], ignore_index=True)
    polls = polls.assign(leader="Vladimir Putin", metric="performance")
    trend = fit_trend(one_version_per_poll(polls), "Vladimir Putin", "performance")
    with matplotlib.rc_context(chart_style.STYLE):
        fig = charts.trend_figure(trend, NO_EVENTS, {"RU"}, "pollwatch")
        [ax] = fig.axes
        dots = {
            c.get_label(): c.get_offsets()[0][0]
            for c in ax.collections
            if c.get_label() in ("FOM", "VTsIOM")
        }
        [bars] = [c for c in ax.collections if type(c).__name__ == "LineCollection"]
        bar_days = {round(s[0, 1], 1): s[0, 0] for s in bars.get_segments()}  # by lower end
        left, right = ax.get_xlim()
    fom, vtsiom = dots["FOM"], dots["VTsIOM"]
    day = matplotlib.dates.date2num(pd.Timestamp("2022-03-20"))
    assert fom < day < vtsiom and (vtsiom - fom) / (right - left) > 0.008  # pixels apart
    assert (bar_days[76.9], bar_days[73.9]) == (fom, vtsiom)


def test_a_series_of_one_day_draws_its_band_and_average_where_they_can_be_seen():
    """Its band and line over one day were drawn as nothing at all, under a legend naming
    both: a band of one day is now a bar, and the average a dot."""
    trend = fit_trend(one_version_per_poll(one_day_polls()), "Vladimir Putin", "performance")
    latest = trend.latest
    with matplotlib.rc_context(chart_style.STYLE):
        fig = charts.trend_figure(trend, NO_EVENTS, {"RU"}, "pollwatch")
        [ax] = fig.axes
        [band] = [c for c in ax.collections if c.get_label() == "95% band"]
        [average] = [line for line in ax.get_lines() if line.get_label() == "average"]
    [[(x, low), (_, high)]] = band.get_segments()
    assert (round(low, 2), round(high, 2)) == (round(latest["lower"], 2), round(latest["upper"], 2))
    assert x == matplotlib.dates.date2num(latest["date"]) and band.get_linewidth()[0] >= 10
    assert average.get_marker() == "o"


@pytest.mark.parametrize("metric", METRICS)
def test_each_line_the_report_names_can_be_asked_for_by_that_name(metric):
    """The report names a series' lines "unfavourability" or "poor performance", and
    `trend --measure unfavourability` was refused: what the report calls a line, trend takes."""
    for measure in MEASURES:
        assert read_measure(wording.measure_label(metric, measure)) == measure
    assert read_measure(metric.upper()) == "positive"


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("measure", MEASURES)
def test_the_value_axis_names_its_measure_inside_the_figure_clear_of_the_credit(metric, measure):
    """538's favorability polls: "% who have a favorable view minus % who have an unfavorable
    view, points" was taller than the figure, cut at its top and written over the credit line."""
    polls = series("sparse")
    polls = polls.assign(metric=metric, negative_pct=100 - polls["positive_pct"] - 5)
    trend = fit_trend(one_version_per_poll(polls), "Leader", metric, measure=measure)
    with matplotlib.rc_context(chart_style.STYLE):
        fig = charts.trend_figure(trend, NO_EVENTS, {"US"}, "pollwatch · a credit line")
        fig.draw_without_rendering()
        [ax] = fig.axes
        label = ax.yaxis.label.get_window_extent()
        credit = fig.texts[0].get_window_extent()
        plot = ax.get_window_extent()
    assert fig.bbox.y0 <= label.y0 and label.y1 <= fig.bbox.y1, (label, fig.bbox)
    assert not label.overlaps(credit)
    assert plot.y0 <= label.y0 + 1 and label.y1 <= plot.y1 + 1, (label, plot)


@pytest.mark.parametrize(
    ("first", "last"), [("2022-01-15", "2022-01-29"), ("2022-03-18", "2022-03-30")]
)
def test_the_date_ticks_of_a_few_weeks_at_a_month_s_end_do_not_overlap(first, last):
    """Day ticks restart on each month's 1st: a chart of 538's favorability polls of RFK Jr.,
    15-28 February 2024, ticked 29 Feb and 1 Mar and wrote "29 FebMar" (the plot narrowed by
    the legend of assumed samples' margins; here too, 31 Jan beside Feb)."""
    polls = series("dense")
    polls = polls[(polls["fieldwork_start"] >= first) & (polls["fieldwork_end"] <= last)]
    polls = polls.assign(sample_size=polls["sample_size"].where(polls.index % 3 > 0))
    trend = fit_trend(one_version_per_poll(polls), "Leader", "approval")
    with matplotlib.rc_context(chart_style.STYLE):
        fig = charts.trend_figure(trend, NO_EVENTS, {"US"}, "pollwatch")
        fig.draw_without_rendering()
        [ax] = fig.axes
        ticks = [t for t in ax.get_xticklabels() if t.get_text()]
        boxes = [t.get_window_extent() for t in ticks]
    names = [t.get_text() for t in ticks]
    assert len(names) >= 4, names
    assert all(left.x1 < right.x0 for left, right in itertools.pairwise(boxes)), names


def test_a_name_no_installed_font_draws_is_named_not_warned_per_glyph(tmp_path):
    """A Korean or Chinese source's leader (이재명, 李强) drew boxes in the chart's title and
    printed matplotlib's "Glyph ... missing from font(s) DejaVu Sans" for each letter of it,
    each time a figure was laid out and saved: over a hundred lines on stderr for one report.
    The chart is saved and names what it drew as boxes, for the report to tell once."""
    import warnings

    polls = series("sparse").assign(leader="李强")
    trend = fit_trend(one_version_per_poll(polls), "李强", "approval")
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        files = charts.trend_chart(trend, NO_EVENTS, {"CN"}, tmp_path, "li-qiang", "pollwatch")
    assert files.png.exists() and files.svg.exists()
    assert not [w for w in warned if "missing from font" in str(w.message)]
    if not a_font_has("李强"):  # else the fonts it falls back on may draw them
        assert files.boxed == ("李强",)


def test_a_chart_is_drawn_again_once_a_font_is_installed(monkeypatch):
    """The charts of names drawn as boxes were copied from the last report, boxes and all,
    after the font the warning named was installed: the key did not name the fonts."""
    from pollwatch.publish.cache import chart_key

    before = chart_key("li-qiang-approval")
    monkeypatch.setattr(chart_style, "FONTS", [*chart_style.FONTS, "Noto Sans CJK SC"])
    assert chart_key("li-qiang-approval") != before
