"""The poll average: it recovers a known curve and known house effects from simulated polls,
resists outliers, and never mixes measures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.accuracy import SIMULATIONS
from bench.simulation import moving_average, simulate_polls
from pollwatch.config import ConfigError
from pollwatch.model import smoother
from pollwatch.model.band import share_band
from pollwatch.model.measures import MEASURES
from pollwatch.model.polls import effective_sample_sizes, one_version_per_poll
from pollwatch.model.series import all_series, fit_series, select_series, series_trends
from pollwatch.model.trends import fit_trend
from tests.helpers import polls_frame


@pytest.fixture(scope="module")
def simulated():
    sim = simulate_polls(seed=3)
    fitted = fit_trend(one_version_per_poll(sim.polls), "Simulated Leader", "approval")
    return sim, fitted


def test_a_known_curve_is_recovered_closer_than_a_moving_average(simulated):
    sim, fitted = simulated
    daily = fitted.daily.set_index("date")
    truth = sim.truth.reindex(daily.index)
    error = (daily["estimate"] - truth).abs().mean()
    plain = (moving_average(sim.polls, daily.index) - truth).abs().mean()
    assert error < 0.6
    assert error < 0.5 * plain


def test_the_95_percent_band_holds_the_truth_on_most_days(simulated):
    sim, fitted = simulated
    daily = fitted.daily.set_index("date")
    truth = sim.truth.reindex(daily.index)
    covered = ((truth >= daily["lower"]) & (truth <= daily["upper"])).mean()
    assert 0.9 <= covered <= 0.995


def test_where_the_truth_is_a_random_walk_the_band_holds_it_on_about_95_percent_of_days():
    """The model's own assumptions (the truth a random walk; pollsters with leans, extra error,
    a few wild polls, a daily tracker): over eight simulations its 95% band holds the truth on
    94-97% of days. It held 93.4%: the band counted a poll near the line as more precise than
    any poll is (the Student-t's expected precision, not its expected variance), and the house
    effects taken off the polls as known."""
    held = [days_held(simulate_polls(seed, swing=0)) for seed in range(1, 9)]
    assert 0.94 <= np.mean(held) <= 0.97, held


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_where_the_truth_swings_smoothly_the_band_is_no_wider_than_95_percent(kind):
    """The benchmark's simulations (a 240-day swing beside the walk; a dozen pollsters and a
    tracker, or two pollsters a month): over 20 seeds the 95% band holds the truth on 93-97% of
    days, as issue 12 asks. Fitted to forecast each poll one ahead (the marginal likelihood), the
    walk took the swing for drift and its band held the truth on 98.7% and 97.7%."""
    held = [days_held(simulate_polls(seed, **SIMULATIONS[kind])) for seed in range(1, 21)]
    assert 0.93 <= np.mean(held) <= 0.97, held


def days_held(sim) -> float:
    """The share of days the fitted 95% band holds the simulation's truth."""
    daily = fit_trend(
        one_version_per_poll(sim.polls), "Simulated Leader", "approval"
    ).daily.set_index("date")
    truth = sim.truth.reindex(daily.index)
    return ((truth >= daily["lower"]) & (truth <= daily["upper"])).mean()


def test_a_poll_s_leave_one_out_estimate_is_the_line_fitted_without_it():
    """The drift and extra error are chosen by how well the smoother predicts each poll from
    the others; that prediction is read off one smoothing, and it is what refitting without the
    poll gives (to 3e-5 in all: the first poll's day is also where the filter's diffuse start
    sits, and refitting without it moves that start to the next poll's day)."""
    rng = np.random.default_rng(3)
    days, drift = 120, 0.2
    day = np.sort(rng.integers(0, days, 25))
    day[4] = day[3]  # two polls on one day
    y, obs_var = 50 + rng.normal(0, 2, len(day)), rng.uniform(2, 6, len(day))
    refitted = 0.0
    for i in range(len(y)):
        others = np.arange(len(y)) != i
        level, level_var = smoother.smooth(y[others], obs_var[others], day[others], days, drift)
        spread = level_var[day[i]] + obs_var[i]
        refitted -= 0.5 * (np.log(2 * np.pi * spread) + (y[i] - level[day[i]]) ** 2 / spread)
    assert smoother._leave_one_out(y, obs_var, day, days, drift) == pytest.approx(
        refitted, abs=1e-4
    )


def test_known_house_effects_are_recovered(simulated):
    sim, fitted = simulated
    found = fitted.house_effects.set_index("pollster")
    effect = found["effect"].reindex(sim.house_effects.index)
    assert (effect - sim.house_effects).abs().mean() < 0.5
    assert np.corrcoef(effect, sim.house_effects)[0, 1] > 0.95
    lower, upper = (found[side].reindex(sim.house_effects.index) for side in ("lower", "upper"))
    inside = (sim.house_effects >= lower) & (sim.house_effects <= upper)
    assert inside.mean() >= 0.8


def test_a_net_line_of_monthly_polls_that_swing_follows_its_two_shares():
    """NHK's monthly polls of Naoto Kan's cabinet, approve and disapprove (2010-06 to 2011-08).
    The net line's fit stopped at a second mode of its hyperparameters, a line that barely moves
    among polls far off it: +2.5 on the day of the 65-21 poll, where the approval and
    disapproval lines read 62.2 and 23.4, and 55 days outside its own band of their gap."""
    approve = [61, 39, 41, 65, 48, 31, 25, 29, 21, 27, 28, 25, 16, 18]
    disapprove = [23, 45, 43, 21, 35, 51, 58, 59, 64, 59, 55, 57, 68, 65]
    days = ["2010-06-11", "2010-07-17", "2010-08-06", "2010-09-18", "2010-10-09", "2010-11-05"]
    days += ["2010-12-10", "2011-01-08", "2011-02-11", "2011-04-15", "2011-05-13", "2011-06-10"]
    days += ["2011-07-08", "2011-08-05"]
    polls = polls_frame(approve, pollster="NHK", negative_pct=disapprove).assign(
        fieldwork_start=pd.to_datetime(days), fieldwork_end=pd.to_datetime(days)
    )
    lines = {
        measure: fit_trend(polls, "L", "approval", measure=measure).daily.set_index("date")
        for measure in MEASURES
    }
    gap = lines["positive"]["estimate"] - lines["negative"]["estimate"]
    net = lines["net"]
    assert gap.between(net["lower"], net["upper"]).all()
    assert abs(net.loc["2010-09-18", "estimate"] - gap.loc["2010-09-18"]) < 5  # it was 36.3


def test_a_line_at_the_edge_of_a_share_is_drawn_on_it_inside_its_band():
    """A poll of 0% was drawn at 0.08 in a band of 0.08-5.8 (the truncated normal's equal
    tails), which left out the poll's own value and the figure its card gave. The band holds
    the most likely value: at the edge, the edge."""
    none = fit_trend(polls_frame([0.0]), "L", "trust").daily
    assert none["estimate"].iloc[-1] == 0.0 and none["lower"].iloc[-1] == 0.0
    assert none["upper"].iloc[-1] > 1
    every = fit_trend(polls_frame([100.0]), "L", "trust").daily
    assert every["estimate"].iloc[-1] == 100.0 and every["upper"].iloc[-1] == 100.0


def test_a_poll_s_net_and_disapproval_come_from_the_questions_and_versions_that_give_them():
    """One poll asked approve-and-disapprove (40/50) and approve alone (60): its net was
    mean(40, 60) - 50 = 0, where the question that measured both says -10. Another gave
    disapproval only for its registered voters: the disapproval line left the poll out, taking
    its adults' version, which gave none."""
    both = polls_frame([40.0], pollster="Eps", negative_pct=50.0)
    alone = polls_frame([60.0], pollster="Eps")
    others = polls_frame([45.0, 44.0], pollster="Zeta", every=7, negative_pct=[48.0, 49.0])
    polls = pd.concat([both, alone, others], ignore_index=True)
    net = select_series(polls, "L", "approval", measure="net")
    assert one_version_per_poll(net.polls)["positive_pct"].tolist()[0] == 40.0
    fitted = fit_series(net)
    assert fitted.polls.set_index("pollster").loc["Eps", "value"] == -10.0
    approve = fit_series(select_series(polls, "L", "approval"))
    assert approve.polls.set_index("pollster").loc["Eps", "value"] == 50.0  # both questions
    # the report's series (all_series) read them as `trend` (select_series) does
    [reported] = [s for s in all_series(polls) if s.measure == "net"]
    assert reported.polls.equals(net.polls)

    voters = polls_frame([42.0], pollster="Tau", population="registered_voters", negative_pct=50.0)
    adults = polls_frame([40.0], pollster="Tau")
    polls = pd.concat([adults, voters, others], ignore_index=True)
    disapprove = fit_series(select_series(polls, "L", "approval", measure="negative"))
    assert "Tau" in set(disapprove.polls["pollster"]) and len(disapprove.polls) == 3


def test_a_net_line_is_its_two_shares_apart_with_a_band_as_wide_as_theirs_together():
    """With the undecided steady, net = 2 x approval - 96: its line and band are twice a
    share's. Held to a share's priors, three polls by three pollsters drew net's band 0.7
    times that width, and two pollsters' single polls got leans of +-4.9 on net that neither
    share showed."""
    approve = [30.0, 35.0, 33.0]
    polls = pd.concat(
        [
            polls_frame([a], f"2024-0{2 * i + 2}-08", pollster=p, negative_pct=96 - a)
            for i, (a, p) in enumerate(zip(approve, ("Ifop", "Elabe", "Ipsos"), strict=True))
        ],
        ignore_index=True,
    )
    share = fit_trend(polls, "L", "approval").daily.iloc[-1]
    net = fit_trend(polls, "L", "approval", measure="net")
    last = net.daily.iloc[-1]
    assert last["estimate"] == pytest.approx(2 * share["estimate"] - 96, abs=0.5)
    width = (last["upper"] - last["lower"]) / (share["upper"] - share["lower"])
    assert 1.8 < width < 2.2
    two = polls.iloc[:2].assign(negative_pct=[58.0, 50.0], positive_pct=[38.0, 44.0])
    leans = fit_trend(two, "L", "approval", measure="net").house_effects["effect"]
    assert leans.abs().max() < 0.5


def test_a_surname_two_leaders_share_names_both_not_every_series():
    """`--leader Smith` beside John and Jane Smith listed every stored series as if no Smith
    were there; one Smith is found by the surname alone."""
    polls = pd.concat(
        [polls_frame([40.0, 41.0]).assign(leader=name) for name in ("John Smith", "Jane Smith")]
    )
    with pytest.raises(ConfigError, match=r"^Smith could be Jane Smith or John Smith: name one"):
        select_series(polls, "Smith", "approval")
    assert select_series(polls.iloc[:2], "smith", "approval").leader == "John Smith"


def test_a_leader_is_found_by_a_part_of_a_compound_surname():
    """pollsposition's `--leader Giscard` was "no polls of Giscard" beside Valéry Giscard
    d'Estaing, as `Lula` would be beside Luiz Inácio Lula da Silva: only a name's last words
    were looked for."""
    names = ("Valéry Giscard d'Estaing", "Luiz Inácio Lula da Silva")
    polls = pd.concat([polls_frame([40.0, 41.0]).assign(leader=name) for name in names])
    assert select_series(polls, "Giscard", "approval").leader == names[0]
    assert select_series(polls, "lula", "approval").leader == names[1]


def test_single_polls_by_other_pollsters_do_not_move_a_regular_pollster_s_line():
    """44 monthly polls by one pollster and one poll each by two others, a few points below
    it (as FOM's and VTsIOM's beside Levada's in the samples): the leans were shrunk toward
    the pollsters' plain mean, which the two single polls set, so the regular pollster kept
    the whole distance as its lean (+1.1) and its line was read 1.1 points below its polls."""
    rng = np.random.default_rng(1)
    regular = polls_frame(np.round(65 + rng.normal(0, 0.7, 44)), "2021-01-01", 30, "Regular")
    single = [polls_frame([61.0], "2022-03-01", pollster="Once")]
    single.append(polls_frame([63.0], "2022-04-10", pollster="Twice"))
    fitted = fit_trend(pd.concat([regular, *single], ignore_index=True), "L", "approval")
    lean = fitted.house_effects.set_index("pollster")["effect"]
    assert abs(lean["Regular"]) < 0.3, lean
    assert abs(fitted.daily["estimate"].mean() - regular["positive_pct"].mean()) < 0.3


def test_one_wild_poll_barely_moves_the_average():
    rng = np.random.default_rng(5)
    calm = polls_frame(50 + rng.normal(0, 1.5, 60))
    wild = calm.copy()
    wild.loc[30, "positive_pct"] = 85.0
    base = fit_trend(calm, "L", "approval").daily.set_index("date")["estimate"]
    fitted = fit_trend(wild, "L", "approval")
    moved = (fitted.daily.set_index("date")["estimate"] - base).abs().max()
    assert moved < 0.5
    assert fitted.polls["outlier"].sum() == 1


def test_the_survey_error_s_tails_are_as_heavy_as_the_polls_show():
    """Heavy tails where polls go wild, near normal where none does: fixed heavy tails took the
    first polls of a real move at the end of a line for outliers, and the line lagged the turn."""
    wild = simulate_polls(seed=2)  # 2% of polls 12 points off
    calm = simulate_polls(seed=2, outlier_share=0.0)
    fitted = {
        name: fit_trend(one_version_per_poll(sim.polls), "S", "approval")
        for name, sim in (("wild", wild), ("calm", calm))
    }
    assert fitted["wild"].dof < 8
    assert fitted["calm"].dof > 20


def test_a_series_of_one_or_two_polls_gets_a_wide_honest_band():
    fitted = fit_trend(polls_frame([91.0, 93.0], every=10), "L", "support")
    latest = fitted.latest
    assert 88 < latest["estimate"] < 96
    assert latest["upper"] - latest["lower"] > 3
    single = fit_trend(polls_frame([79.0]), "L", "performance")
    assert len(single.daily) == 3 and single.latest["estimate"] == pytest.approx(79.0)


def test_a_share_s_band_is_the_usual_one_inside_and_stays_within_0_to_100_at_the_edges():
    lower, upper = share_band(np.array([45.0, 90.0, 3.0]), np.array([1.0, 100.0, 9.0]))
    assert lower[0] == pytest.approx(45 - 1.96, abs=0.01)
    assert upper[0] == pytest.approx(45 + 1.96, abs=0.01)
    assert 0 <= lower[2] < 3 < upper[2] and 0 < lower[1] < 90 < upper[1] < 100
    assert upper[1] - 90 < 90 - lower[1]  # lopsided: less room above than below


def test_a_sparse_series_near_90_percent_keeps_its_band_inside_0_to_100():
    """KIIS's trust in Zelensky, as the bundled sample has it: seven polls over three years,
    from 37% to 90% within three months. Between polls the model knows little and its band is
    wide, but it neither leaves 0-100 nor lies flat against 100 (as a clipped band did on 506
    days)."""
    months = ["2022-02", "2022-05", "2023-12", "2024-02", "2024-05", "2024-12", "2025-05"]
    frame = polls_frame([37.0, 90.0, 77.0, 64.0, 59.0, 52.0, 74.0], size=1000)
    frame["fieldwork_start"] = pd.to_datetime(months)
    frame["fieldwork_end"] = frame["fieldwork_start"] + pd.Timedelta(days=10)
    daily = fit_trend(frame, "Volodymyr Zelensky", "trust").daily
    assert (daily["upper"] < 99.5).all() and (daily["lower"] > 0).all()
    assert ((daily["lower"] <= daily["estimate"]) & (daily["estimate"] <= daily["upper"])).all()
    assert (daily["upper"] - daily["lower"]).max() > 30  # honest about the gaps


def test_a_poll_of_several_populations_counts_once_as_adults_and_questions_average():
    frame = pd.concat(
        [
            polls_frame([40.0], population="likely_voters"),
            polls_frame([44.0], population="adults"),
            polls_frame([46.0], population="adults"),
            polls_frame([42.0], population="registered_voters"),
        ],
        ignore_index=True,
    )
    once = one_version_per_poll(frame)
    assert once[["population", "positive_pct", "questions"]].values.tolist() == [
        ["adults", 45.0, 2]
    ]


def test_missing_sample_sizes_take_the_pollsters_then_the_overall_median():
    frame = pd.concat(
        [
            polls_frame([50.0, 51.0], pollster="A", size=800),
            polls_frame([50.0], pollster="A", size=None),
            polls_frame([49.0, 48.0], pollster="B", size=2000),
            polls_frame([52.0], pollster="C", size=None),
        ],
        ignore_index=True,
    )
    sizes = effective_sample_sizes(frame).tolist()
    assert sizes == [800, 800, 800, 2000, 2000, 1400]


def test_overlapping_tracking_waves_count_only_their_new_days():
    frame = polls_frame([50.0, 50.5, 51.0, 50.0], every=1, tracking=True, size=1500)
    assert effective_sample_sizes(frame).tolist() == [1500, 500, 500, 500]


def test_measures_are_never_averaged_together_and_populations_get_their_own_trends():
    frame = pd.concat(
        [
            polls_frame(np.full(20, 60.0)),
            polls_frame(np.full(20, 80.0)).assign(metric="trust"),
            polls_frame(np.full(20, 58.0), start="2022-01-02").assign(population="likely_voters"),
        ],
        ignore_index=True,
    )
    found = {(t.metric, t.population): round(t.latest["estimate"]) for t in series_trends(frame)}
    # The one pollster asks adults and likely voters in turn, 2 points apart: the line of both
    # reads as adults (it sat at their mix, 59, when only a poll reporting both measured that).
    assert found == {
        ("approval", "all"): 60,
        ("approval", "adults"): 60,
        ("approval", "likely_voters"): 58,
        ("trust", "all"): 80,
    }
