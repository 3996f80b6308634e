"""The 95% band a line is drawn with.

The smoother's variance treats what was taken off the polls (house effects, population offsets) as
known, and a normal band can leave 0-100: the band adds what those estimates leave unknown, and
keeps a share's band inside the shares there can be.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from pollwatch.model.smoother import smoothed_columns

Z95 = 1.959964


def share_band(
    level: np.ndarray, variance: np.ndarray, low: float = 0, high: float = 100
) -> tuple[np.ndarray, np.ndarray]:
    """The 95% band of a share: the model's normal distribution of the day's level, truncated to
    0-100 (a net share: -100 to 100) and renormalised, since a share cannot leave it. Where the
    normal is well inside (most days of most series) this is the usual level +- 1.96 sd; where
    it reaches past 100 (a sparse series near 90%), the band is pulled inside and made lopsided
    rather than cut flat at the edge, and it holds 95% of what the model believes is possible.
    It always holds the most likely value, the level (at the edge, where the level is past it):
    polls of 0% drew a line at 0.08 in a band of 0.08-5.8, which left out the polls' own value
    and the figure their card gave. There the band reaches the edge and holds 97.5%."""
    sd = np.sqrt(np.maximum(variance, 1e-12))
    below, above = ndtr((low - level) / sd), ndtr((high - level) / sd)
    mass = np.maximum(above - below, 1e-12)
    lower = level + sd * ndtri(np.clip(below + 0.025 * mass, 1e-15, 1 - 1e-15))
    upper = level + sd * ndtri(np.clip(below + 0.975 * mass, 1e-15, 1 - 1e-15))
    likeliest = np.clip(level, low, high)
    lower, upper = np.minimum(lower, likeliest), np.maximum(upper, likeliest)
    return np.clip(lower, low, high), np.clip(upper, low, high)


def estimated_offsets_variance(
    codes: np.ndarray,
    house_se: np.ndarray,
    kept: np.ndarray,
    centre: np.ndarray,
    populations: np.ndarray,
    offset_sd: dict[str, float],
    obs_var: np.ndarray,
    day: np.ndarray,
    days: int,
    drift: float,
) -> np.ndarray:
    """What the line's variance lacks when the house effects and population offsets taken off
    its polls are treated as known: each day's level is a weighted sum of the polls, so an
    error e in what is taken off one pollster's polls moves it by that pollster's share of the
    day's weight times e. The shares are the smoother's own response to each pollster's polls
    (an indicator smoothed like the polls). House effects are centred on the average pollster
    (of `centre`, reference_pollsters), so a day weighing those pollsters alike loses nothing
    to them, and one resting on a single pollster's polls loses that pollster's uncertainty:
    the variance is the sum over pollsters of var(effect) times (its share minus its part of
    the centre), squared. A population's offset is measured on other data (the polls reporting
    two populations), and an error in it moves the line by its polls' share of the day less
    what their pollsters' leans take back: a lean is measured from polls the offset was taken
    off, so it absorbs that error in proportion to its polls of the population and to how much
    of its mean residual it keeps (`kept`, house_effects: none where every lean is shrunk to
    zero, where reading it off the standard errors counted the error as absorbed in full).
    Counted whole, as if the leans knew nothing of it, one pair by a daily tracker of likely
    voters made a year of its polls 8.7 points wide where 1.4 was right with no pair; now 1.6.
    On 538's Biden polls (78 pollsters, three populations) these terms widened the band from
    1.63 to 1.86 points on average when the offsets were counted whole (1.50 in all now); on
    the simulations, where pollsters take turns evenly, by little (96.3% to 96.4% of days held
    on a pure random walk)."""
    known = np.nan_to_num(house_se) > 0
    if not known.any() and not offset_sd:
        return np.zeros(days)
    # One smoothing of every pollster's and every population's indicator, in that order.
    pollster = codes[:, None] == np.arange(len(house_se))
    population = populations[:, None] == np.array(list(offset_sd), dtype=object)
    indicators = np.hstack([pollster, population]).astype("float64")
    shares = smoothed_columns(indicators, obs_var, day, days, drift)
    by_pollster, by_population = shares[:, : len(house_se)], shares[:, len(house_se) :]
    total = by_pollster.sum(axis=1, keepdims=True)
    spread = by_pollster - total * centre
    extra = (spread[:, known] ** 2 * house_se[known] ** 2).sum(axis=1)
    if not offset_sd:
        return extra
    precision = 1 / obs_var
    count = len(house_se)
    mine = np.bincount(codes, weights=precision, minlength=count)
    for k, (name, sd) in enumerate(offset_sd.items()):
        side = populations == name
        absorbed = np.bincount(codes[side], weights=precision[side], minlength=count) / mine * kept
        moved = by_pollster @ absorbed - by_population[:, k] - total[:, 0] * (centre @ absorbed)
        extra = extra + moved**2 * sd**2
    return extra
