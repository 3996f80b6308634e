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
from pollwatch.model.polls import effective_sample_sizes, one_version_per_poll, other_versions
from pollwatch.model.populations import population_effects
from pollwatch.model.series import all_series, fit_series, select_series, series_trends
from pollwatch.model.trends import Trend, fit_trend


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


def polls_frame(values, start="2022-01-01", every=3, pollster="P", size=1000, **extra):
    dates = pd.date_range(start, periods=len(values), freq=f"{every}D")
    return pd.DataFrame(
        {
            "pollster": pollster,
            "leader": "L",
            "metric": "approval",
            "population": "adults",
            "fieldwork_start": dates,
            "fieldwork_end": dates + pd.Timedelta(days=2),
            "sample_size": size,
            "positive_pct": values,
            "tracking": False,
            **extra,
        }
    )


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


OFFSETS = {"adults": 0.0, "registered_voters": 1.5, "likely_voters": 3.5}


def test_a_line_of_several_populations_reads_as_adults_with_offsets_measured_within_polls():
    """Registered and likely voters read above adults; a line mixing them drifts with the mix.
    Their offsets are measured within the polls that report adults too, and taken off."""
    _offsets_measured(simulate_polls(seed=5, populations=OFFSETS), widest=2.5)


def test_a_pollster_asking_each_population_in_turn_measures_their_offsets():
    """No poll reports two populations: each asks one, as most published polls do. A pollster
    asking likely voters one week and adults the next still measures the gap, against the line
    on each poll's day (its lean cancels out). Read from polls reporting both alone, both
    offsets were 0 (+-5.9, 'not measured') and the line sat at the polls' mix, 1.2 points off
    the adults' truth."""
    for seed, spread in ((5, 0.0), (7, 1.0)):
        sim = simulate_polls(seed=seed, populations=OFFSETS, paired=0, population_spread=spread)
        effects = _offsets_measured(sim, widest=4)
        assert (effects["pairs"] == 0).all() and (effects["apart"] > 0).all()


def _offsets_measured(sim, widest: float) -> pd.DataFrame:
    """Both offsets inside their 95% intervals and measured (narrower than `widest`, not the
    prior's +-5.9), and the line within 0.6 of the adults' truth, where the same polls read as
    one population are not. Returns the offsets."""
    series = select_series(sim.polls, "Simulated Leader", "approval")
    fitted = fit_series(series)
    effects = fitted.population_effects.set_index("population")
    for population in ("registered_voters", "likely_voters"):
        low, high = effects.loc[population, ["lower", "upper"]]
        assert low <= OFFSETS[population] <= high, (population, low, high)
        assert high - low < widest
    truth = sim.truth.reindex(fitted.daily["date"]).to_numpy()
    error = np.abs(fitted.daily["estimate"].to_numpy() - truth).mean()
    plain = fit_trend(series.polls.assign(population="adults"), "Simulated Leader", "approval")
    plain_truth = sim.truth.reindex(plain.daily["date"]).to_numpy()
    unadjusted = np.abs(plain.daily["estimate"].to_numpy() - plain_truth).mean()
    assert error < 0.6 < unadjusted
    return effects


def test_pollsters_of_likely_voters_alone_do_not_move_a_line_read_as_adults():
    """A line mixing populations reads as adults as the average pollster of adults measures
    them. Pollsters who poll only likely voters and lean together (as on 538's files, where they
    are largely one kind of firm) keep their lean as a house effect; measured from the average of
    every pollster, they pulled the mixed line off the adults' own (0.6 points on Trump's
    polls, 0.4 on Biden's)."""
    sim = simulate_polls(seed=5, populations=OFFSETS)
    rng = np.random.default_rng(7)
    ends = np.arange(3, len(sim.truth), 6)
    lean = OFFSETS["likely_voters"] - 3.0  # their screen's offset, and a lean of their own
    screened = pd.DataFrame(
        {
            "pollster": [f"Screen {k % 5}" for k in range(len(ends))],
            "leader": "Simulated Leader",
            "metric": "approval",
            "population": "likely_voters",
            "fieldwork_start": sim.truth.index[ends - 2],
            "fieldwork_end": sim.truth.index[ends],
            "sample_size": 1000,
            "positive_pct": sim.truth.to_numpy()[ends - 1] + lean + rng.normal(0, 2, len(ends)),
            "tracking": False,
        }
    )
    polls = pd.concat([sim.polls, screened], ignore_index=True)
    fitted = fit_series(select_series(polls, "Simulated Leader", "approval"))
    adults = fit_series(select_series(polls, "Simulated Leader", "approval", "adults"))
    truth = sim.truth.reindex(fitted.daily["date"]).to_numpy()
    bias = (fitted.daily["estimate"].to_numpy() - truth).mean()
    apart = (fitted.daily["estimate"] - adults.daily["estimate"]).mean()
    assert abs(bias) < 0.25 and abs(apart) < 0.25, (bias, apart)
    house = fitted.house_effects.set_index("pollster")["effect"]
    assert (house.filter(like="Screen") < -2).all()


def test_pollsters_whose_polls_do_not_say_their_population_count_in_the_average_pollster():
    """Polls of an unmeasured population (here, ones not saying theirs) are taken as adults', so
    their pollsters count in the average pollster beside the one pollster of adults: measured
    from that one alone, the line took its lean."""
    sim = simulate_polls(seed=4, tracker=False)
    leaning = sim.house_effects.idxmax()
    polls = sim.polls.assign(
        population=np.where(sim.polls["pollster"] == leaning, "adults", "unknown")
    )
    fitted = fit_series(select_series(polls, "Simulated Leader", "approval"))
    truth = sim.truth.reindex(fitted.daily["date"]).to_numpy()
    bias = (fitted.daily["estimate"].to_numpy() - truth).mean()
    assert sim.house_effects.max() > 1.5 and abs(bias) < 0.5, (sim.house_effects.max(), bias)


def test_a_firm_polling_only_a_population_nothing_measured_does_not_move_the_line():
    """20 weekly adults' polls by three firms and a likely-voter firm 6.5 points higher every
    other week, no poll reporting both: counted in the average pollster of adults, that firm
    drew the line 1.6 points above the adults' own."""
    rng = np.random.default_rng(5)
    adults = polls_frame(
        np.round(42.5 + rng.normal(0, 0.8, 20)), "2024-01-01", 7, negative_pct=54.0
    ).assign(pollster=["Gallup", "Ipsos", "YouGov", "Gallup", "Ipsos"] * 4)
    voters = polls_frame(
        np.round(49 + rng.normal(0, 0.8, 10)), "2024-01-04", 14, "Rasmussen", 1500
    ).assign(population="likely_voters", negative_pct=49.0)
    mixed = fit_series(
        select_series(pd.concat([adults, voters], ignore_index=True), "L", "approval")
    ).daily
    alone = fit_series(select_series(adults, "L", "approval")).daily
    both = mixed.merge(alone, on="date", suffixes=("", "_adults"))
    assert (both["estimate"] - both["estimate_adults"]).abs().mean() < 0.3


def test_a_firm_with_a_few_polls_of_adults_among_many_of_voters_does_not_set_the_line():
    """Eight firms polling registered voters (a gap nothing measures, so taken as adults') and
    one polling likely voters 150 times and adults twice, 5 points high: counted whole as the
    one pollster of adults, that firm set the line to its lean."""
    sim = simulate_polls(seed=6, pollsters=8, tracker=False)
    rng = np.random.default_rng(3)
    ends = np.sort(rng.choice(np.arange(3, len(sim.truth)), 152, replace=False))
    screened = pd.DataFrame(
        {
            "pollster": "Screen",
            "leader": "Simulated Leader",
            "metric": "approval",
            "population": ["adults"] * 2 + ["likely_voters"] * 150,
            "fieldwork_start": sim.truth.index[ends - 2],
            "fieldwork_end": sim.truth.index[ends],
            "sample_size": 1000,
            "positive_pct": sim.truth.to_numpy()[ends - 1] + 5 + rng.normal(0, 2, len(ends)),
            "tracking": False,
        }
    )
    voters = sim.polls.assign(population="registered_voters")
    polls = pd.concat([voters, screened], ignore_index=True)
    fitted = fit_series(select_series(polls, "Simulated Leader", "approval"))
    truth = sim.truth.reindex(fitted.daily["date"]).to_numpy()
    bias = (fitted.daily["estimate"].to_numpy() - truth).mean()
    assert abs(bias) < 1.0, bias
    # Two of its likely voters' polls report adults and registered voters too, so both gaps
    # are measured: nothing but those two polls is read as adults', and that firm was the
    # whole centre (4.4 points up in a probe) until a centre of under three pollsters' worth
    # of adults' polls leaned toward every pollster alike.
    voted = screened[screened["population"] == "likely_voters"]
    pairs = [voted.head(2).assign(population=name) for name in ("adults", "registered_voters")]
    polls = pd.concat([voters, voted, *pairs], ignore_index=True)
    fitted = fit_series(select_series(polls, "Simulated Leader", "approval"))
    bias = (fitted.daily["estimate"].to_numpy() - truth).mean()
    assert fitted.population_effects.set_index("population").loc["registered_voters", "pairs"]
    assert abs(bias) < 1.5, bias


def _paired_polls(gaps: dict[str, tuple[float, int]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Polls that report adults and registered voters: each pollster's voters read its own gap
    above its adults (give or take half a point), in as many polls as given."""
    adults, voters = [], []
    for pollster, (gap, count) in gaps.items():
        for k in range(count):
            end = pd.Timestamp("2022-01-01") + pd.Timedelta(days=k)
            poll = {
                "pollster": pollster,
                "leader": "Joe Biden",
                "metric": "approval",
                "fieldwork_start": end - pd.Timedelta(days=2),
                "fieldwork_end": end,
                "negative_pct": 50.0,
            }
            adults.append(poll | {"population": "adults", "positive_pct": 45.0})
            wobble = 0.5 if k % 2 else -0.5
            voters.append(
                poll | {"population": "registered_voters", "positive_pct": 45.0 + gap + wobble}
            )
    return pd.DataFrame(adults + voters), pd.DataFrame(voters)


def test_a_net_s_population_offset_is_its_two_shares_offsets_apart():
    """Registered voters read 3 points above adults in approval and 3 below in disapproval: 6
    above in net. Net was shrunk toward none by a share's prior, twice as hard: on
    RealClearPolitics' Trump polls the net offset was +2.54 where its shares' gave +5.2, and the
    net line sat 0.78 points off approval less disapproval."""
    polls, others = _paired_polls({"A": (3.0, 2), "B": (3.0, 1)})
    for frame in (polls, others):
        voters = frame["population"] == "registered_voters"
        frame.loc[voters, "negative_pct"] = 100 - frame.loc[voters, "positive_pct"] - 5
    offsets = {
        measure: population_effects(polls, others, measure).iloc[0]
        for measure in ("positive", "negative", "net")
    }
    positive, negative, net = (offsets[m] for m in ("positive", "negative", "net"))
    assert negative["effect"] == pytest.approx(-positive["effect"])
    assert net["effect"] == pytest.approx(positive["effect"] - negative["effect"])
    assert net["upper"] - net["lower"] == pytest.approx(2 * (positive["upper"] - positive["lower"]))


def fit_versions(polls: pd.DataFrame) -> Trend:
    """Joe Biden's approval line from polls some of which report two populations."""
    return fit_trend(
        one_version_per_poll(polls),
        "Joe Biden",
        "approval",
        others=other_versions(polls),
    )


def test_a_line_with_no_poll_of_adults_reads_as_its_first_population_not_as_adults():
    """Registered and likely voters alone: nothing measures their gap from adults, so the line
    reads as registered voters, with likely voters' gap measured in the polls that report both
    (it was 'read as adults' with nothing adjusted)."""
    paired, _ = _paired_polls({f"P{k}": (2.0, 4) for k in range(5)})
    paired = paired.assign(
        population=paired["population"].map(
            {"adults": "registered_voters", "registered_voters": "likely_voters"}
        )
    )
    alone = paired[paired["population"] == "likely_voters"].head(3).assign(pollster="Lone")
    polls = pd.concat([paired, alone], ignore_index=True).assign(sample_size=1000, tracking=False)
    fitted = fit_versions(polls)
    assert fitted.reference == "registered_voters"
    effect = fitted.population_effects.set_index("population").loc["likely_voters"]
    assert effect["pairs"] == 20 and 1.5 < effect["effect"] < 2.5


def test_one_pollsters_many_pairs_do_not_set_every_pollsters_population_offset():
    """On 538's Biden file YouGov gives 125 of 343 adults-and-voters pairs, with a gap of +2.4,
    and most other pollsters +0.5 or less. The offset taken off another pollster's voters is the
    mean over pollsters, and its interval says how far pollsters stray, however many pairs one
    of them gives."""
    gaps = {"Big": (2.4, 100)} | {f"Small {k}": (0.5, 3) for k in range(10)}
    polls, others = _paired_polls(gaps)
    effect = population_effects(polls, others).set_index("population")
    low, mean, high = effect.loc["registered_voters", ["lower", "effect", "upper"]]
    assert 0.5 <= mean < 1.0 and low <= 0.67 <= high  # the pairs' own mean is 1.96

    polls, others = _paired_polls({f"Once {k}": (1.5, 1) for k in range(6)})
    low, mean, high = population_effects(polls, others).iloc[0][["lower", "effect", "upper"]]
    assert 0 < low < mean < high and high - low < 1.5  # six agreeing once each: measured

    polls, others = _paired_polls({"Big": (2.4, 100)})
    low, mean, high = population_effects(polls, others).iloc[0][["lower", "effect", "upper"]]
    assert 2.0 < mean < 2.4 and high - low > 3  # one pollster cannot say how far others stray


def test_a_line_resting_on_voters_polls_is_as_unsure_as_the_offset_it_took_off_them():
    """A line taken to adults, whose polls are for months all of registered voters, is no surer
    than the voters' offset from adults: its band is at least that offset's interval wide, however
    many voters' polls there are. The band once took the offset as known: 0.8 points wide, beside
    an offset measured to within 3.7."""
    paired, _ = _paired_polls({"Big": (2.4, 30)})  # one pollster: others may stray from it
    rng = np.random.default_rng(2)
    voters = pd.DataFrame(
        {
            "pollster": [f"Q{k % 5}" for k in range(100)],
            "leader": "Joe Biden",
            "metric": "approval",
            "population": "registered_voters",
            "fieldwork_start": pd.date_range("2022-03-01", periods=100, freq="D"),
            "fieldwork_end": pd.date_range("2022-03-03", periods=100, freq="D"),
            "positive_pct": 47.4 + rng.normal(0, 1, 100),
            "negative_pct": 50.0,
        }
    )
    polls = pd.concat([paired, voters], ignore_index=True).assign(sample_size=3000, tracking=False)
    fitted = fit_versions(polls)
    offset = fitted.population_effects.set_index("population").loc["registered_voters"]
    day = fitted.daily.set_index("date").loc["2022-05-01"]
    assert day["upper"] - day["lower"] >= 0.95 * (offset["upper"] - offset["lower"])


def test_a_population_no_pollster_asks_beside_adults_and_a_line_of_one_population_stay_as_polled():
    """Each pollster asks one population only: its lean and its population's gap are one
    number, which nothing separates; the population is not adjusted, and said so."""
    sim = simulate_polls(seed=5, populations=OFFSETS, paired=0)
    letter = sim.polls["pollster"].str[-1].map(ord) % 3
    polls = sim.polls.assign(population=letter.map(dict(enumerate(OFFSETS))))
    series = select_series(polls, "Simulated Leader", "approval")
    effects = fit_series(series).population_effects
    assert effects["effect"].tolist() == [0.0, 0.0] and effects["pollsters"].tolist() == [0, 0]
    voters = select_series(sim.polls, "Simulated Leader", "approval", "likely_voters")
    assert fit_series(voters).population_effects is None


def test_a_population_s_offset_widens_the_band_only_as_far_as_the_leans_do_not_absorb_it():
    """A daily tracker of likely voters for a year, and a month of other firms' polls of adults
    at its end: the likely voters' gap is measured by no one and taken off as none, and kept in
    the tracker's lean, yet the band paid for it all the same (the prior's 3 points): 2.8
    points wide alone, 12.2 beside the month of adults' polls (Rasmussen's tracker of Obama)."""
    rng = np.random.default_rng(4)
    tracker = polls_frame(np.round(46 + rng.normal(0, 1.2, 360)), "2015-01-01", 1, "Tracker")
    tracker = tracker.assign(population="likely_voters")
    adults = [
        polls_frame(np.round(44 + rng.normal(0, 1.5, 6)), "2015-12-01", 5, f"Firm{k}")
        for k in range(4)
    ]
    polls = pd.concat([tracker, *adults], ignore_index=True)
    alone = fit_trend(tracker, "L", "approval").daily.set_index("date")
    year = slice("2015-02-01", "2015-10-31")
    narrow = 1.5 * (alone["upper"] - alone["lower"])[year].mean()
    mixed = fit_trend(polls, "L", "approval").daily.set_index("date")
    assert (mixed["upper"] - mixed["lower"])[year].mean() < narrow
    # Once the tracker asks adults too, on one day, the offset is measured from that pair; its
    # error is the tracker's lean's, which the month beside other firms measures: counted
    # whole, the year was 8.7 points wide.
    pair = tracker.iloc[[200]].assign(population="adults", positive_pct=44.0)
    pair["tracking"] = False
    versions = pd.concat([polls, pair], ignore_index=True)
    paired = fit_versions(versions).daily.set_index("date")
    assert (paired["upper"] - paired["lower"])[year].mean() < narrow


def test_where_every_lean_is_shrunk_to_zero_an_offset_s_error_stays_in_the_band():
    """Pollsters agreeing within their noise keep no lean, so none takes back an error in the
    offset taken off their polls: read off the leans' standard errors, the band counted it as
    taken back in full, and a tracker's year of likely voters' polls, read as adults through an
    offset known to +-4.3 points, was drawn 1.7 points wide."""
    tracker = polls_frame(np.full(360, 48.0), "2015-01-01", 1, "Tracker")
    tracker = tracker.assign(population="likely_voters")
    adults = [polls_frame(np.full(6, 45.0), "2015-12-01", 5, f"Firm{k}") for k in range(4)]
    pair = tracker.iloc[[200]].assign(population="adults", positive_pct=45.0)
    fitted = fit_versions(pd.concat([tracker, *adults, pair], ignore_index=True))
    assert (fitted.house_effects["effect"] == 0).all()  # the case: every lean shrunk to zero
    offset = fitted.population_effects.set_index("population").loc["likely_voters"]
    year = fitted.daily.set_index("date")["2015-02-01":"2015-10-31"]
    assert (year["upper"] - year["lower"]).min() >= 0.95 * (offset["upper"] - offset["lower"])


def test_a_measure_s_line_takes_offsets_only_of_the_populations_whose_polls_give_it():
    """Registered voters' polls giving approval alone: the disapproval line has none of them,
    and listed their offset as taken off all the same."""
    paired, _ = _paired_polls({f"P{k}": (2.0, 4) for k in range(5)})
    alone = paired[paired["population"] == "registered_voters"].head(3).assign(pollster="Solo")
    polls = pd.concat([paired, alone], ignore_index=True)
    voters = polls["population"] == "registered_voters"
    polls = polls.assign(
        negative_pct=polls["negative_pct"].where(~voters), sample_size=1000, tracking=False
    )
    approve = fit_versions(polls)
    assert approve.population_effects["population"].tolist() == ["registered_voters"]
    disapprove = fit_trend(
        one_version_per_poll(polls),
        "Joe Biden",
        "approval",
        measure="negative",
        others=other_versions(polls),
    )
    assert disapprove.population_effects is None
    assert disapprove.reference == "adults"


def test_a_population_a_series_has_no_poll_of_is_told_which_it_has():
    """`--population Adults` (or rv) on 538's Biden voters said only "no polls of ...": which
    populations the series has is what to try next."""
    polls = polls_frame([44.0, 45.0]).assign(population=["registered_voters", "likely_voters"])
    with pytest.raises(ConfigError, match="its polls are of registered_voters, likely_voters"):
        select_series(polls, "L", "approval", "adults")
