"""A line mixing populations reads as its reference population (adults): each population's
offset is measured within pollsters, from polls reporting both and from pollsters asking each
apart, taken off its polls, and carried into the band as far as the leans do not absorb it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.simulation import simulate_polls
from pollwatch.config import ConfigError
from pollwatch.model.polls import one_version_per_poll, other_versions
from pollwatch.model.populations import population_effects
from pollwatch.model.series import fit_series, select_series
from pollwatch.model.trends import Trend, fit_trend
from tests.helpers import polls_frame

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
