"""The state-space model's arithmetic: the Kalman filter and Rauch-Tung-Striebel smoother of a
daily random walk seen through noisy polls, the leave-one-out score its drift and extra error are
fitted by, and the Student-t degrees of freedom of the survey error.

Plain functions over arrays of poll values, variances and days, kept apart from the fit's
bookkeeping of pollsters and populations (trends.fit_trend): they run hundreds of times a fit, and
are tested and made fast on their own.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import gammaln

# Degrees of freedom of the Student-t survey error, which say how heavy its tails are, are
# fitted to each series (degrees_of_freedom) between these bounds (past 2 its variance is finite;
# past a few hundred it is a normal), under the gamma(2, 0.1) prior of Juarez and Steel (2010),
# whose mode, 10, is what a series too short to tell gets.
T_DOF_BOUNDS = (2.1, 300.0)
# Priors on the log variances: a daily drift of ~0.25 points and an extra survey error of ~2
# points, each give or take a factor of e (2.7) in variance. They decide little where there
# are hundreds of polls and keep a series of five polls from inventing wild swings.
PRIOR_LOG_DRIFT, PRIOR_LOG_EXTRA, PRIOR_SD = np.log(0.25**2), np.log(2.0**2), 1.0
# The coarse grid of drifts a fit's first search starts from (fit_hyperparameters): steps from
# the prior's mode in log variance, to a drift of 1.8 points a day (a monthly series' swings).
SEARCH_STEPS = (-2.0, 0.0, 2.0, 4.0)


def smoothed_columns(values, obs_var, day, days, drift) -> np.ndarray:
    """smooth's levels of each column of `values` (polls by columns) at once: the filter's and
    the smoother's gains depend on the polls' variances alone, not on their values, so they are
    computed once (the filter's own steps, on zeros) and applied to every column together."""
    polled, _, variances = filter_steps(np.zeros(len(day)), obs_var, day, days, drift)
    precision = np.bincount(day, weights=1 / obs_var, minlength=days)
    weighted = np.zeros((days, values.shape[1]))
    np.add.at(weighted, day, values / obs_var[:, None])
    means = weighted[polled] / precision[polled, None]
    gains = filter_gains(polled, variances, drift)
    filtered = means.copy()
    for k in range(1, len(polled)):
        filtered[k] = filtered[k - 1] + gains[k] * (means[k] - filtered[k - 1])
    daily, daily_var = _between_polls(polled, filtered, variances, days, drift)
    smooth = daily.copy()
    backward = daily_var[:-1] / (daily_var[:-1] + drift)  # the smoother's gains, as smooth's
    for t in range(days - 2, -1, -1):
        smooth[t] = daily[t] + backward[t] * (smooth[t + 1] - daily[t])
    return smooth


def degrees_of_freedom(surprise: np.ndarray) -> float:
    """The Student-t degrees of freedom that best explain the polls' standardised squared
    distances from the line (maximum a posteriori, as the ECME algorithm of Liu and Rubin (1995)
    fits them between EM rounds). A fixed, heavy tail (4 was the usual robust choice) takes the
    first polls of a real move, at the end of a line, for outliers: the line then lags a turn
    until later polls out-vote them, and an as-of line always stands at such an end. Fitted, a
    series with wild polls keeps heavy tails (the dense simulation, 2% of polls 12 points off:
    about 5) and one without them comes near normal (538's approval polls: 4 to 38)."""

    def cost(log_dof: float) -> float:
        dof = math.exp(log_dof)
        prior = dof / 10 - log_dof  # -log of the gamma(2, 0.1) density, up to a constant
        density = (
            gammaln((dof + 1) / 2)
            - gammaln(dof / 2)
            - 0.5 * math.log(dof * math.pi)
            - (dof + 1) / 2 * np.log1p(surprise / dof)
        )
        return prior - float(density.sum())

    low, high = T_DOF_BOUNDS
    found = minimize_scalar(cost, bounds=(math.log(low), math.log(high)), method="bounded")
    return float(math.exp(found.x))


def fit_hyperparameters(
    y, sampling_var, scale, day, days, start, prior=(PRIOR_LOG_DRIFT, PRIOR_LOG_EXTRA), search=False
) -> tuple[float, float]:
    """The drift and extra error under which the smoother best predicts each poll from all the
    others (the leave-one-out log density, _leave_one_out, under weak log-normal priors), not
    those of the largest marginal likelihood. The marginal likelihood scores the filter's
    forecasts one poll ahead: where the truth swings smoothly, each poll ahead of the forecast
    reads as drift, and a random walk fitted so took a daily step of 0.41 for a true 0.15 (the
    dense simulation) and drew a band that held the truth on 98.7% of days (97.7% sparse). The
    line people read is the smoother's, which sees each day from both sides: scored on that,
    the step is 0.25 and the band holds 96.3% (96.9% sparse, 40 seeds), while on a pure random
    walk, where both are right, it moves from 96.2% to 96.7%. Cross-validation is the known
    remedy where the model is not the truth (Sundararajan and Keerthi 2001; Bachoc 2013).

    The density can have two modes: a line that moves and polls near it, or a line that barely
    moves and polls far off it. With `search` (a fit's first round), the simplex starts from
    the best drift of a coarse grid (SEARCH_STEPS) at the prior's extra error, not from the
    prior's mode: NHK's monthly net approval of Naoto Kan (+38, -6, -2, +44, +13 ...) stopped
    at the second (a drift of 1.1 a day, an extra error of 12.4), and its line read +2.5 on the
    day of the +44 poll, where its approval and disapproval lines read 62.2 and 23.4; from the
    grid it finds the first (3 a day, 4). The grid runs over the drift alone: how fast a share
    moves differs between series a hundredfold, a survey's extra error does not (a few points).
    Over both, KIIS's seven polls of trust in Zelensky (37% in February 2022, 90% in May) were
    read as a flat 64 with an extra error of 15."""

    def cost(params):
        log_drift, log_extra = params
        penalty = ((log_drift - prior[0]) ** 2 + (log_extra - prior[1]) ** 2) / (2 * PRIOR_SD**2)
        return (
            -_leave_one_out(
                y, (sampling_var + np.exp(log_extra)) * scale, day, days, np.exp(log_drift)
            )
            + penalty
        )

    if search:
        grid = [(prior[0] + step, prior[1]) for step in SEARCH_STEPS]
        start = min([tuple(start), *grid], key=cost)
    found = minimize(
        cost,
        np.array(start),
        method="Nelder-Mead",
        options={"xatol": 0.01, "fatol": 0.01, "maxiter": 200},
    )
    return float(found.x[0]), float(found.x[1])


def _by_day(y, obs_var, day, days):
    """Same-day polls combined: their precision and their precision-weighted sum."""
    precision = np.bincount(day, weights=1 / obs_var, minlength=days)
    weighted = np.bincount(day, weights=y / obs_var, minlength=days)
    return precision, weighted


def _filter(y, obs_var, day, days, drift):
    """The Kalman filter of the random walk: each day's level and variance. The days between
    polls are filled in from the steps (filter_steps): each has the last update's level and
    the drift since."""
    return _between_polls(*filter_steps(y, obs_var, day, days, drift), days, drift)


def _between_polls(polled, levels, variances, days, drift):
    """Each day's filtered level and variance from the filter's updates (filter_steps): the
    last update's level (before the first poll, the diffuse start's: the first day's mean) and
    its variance with the drift since. `levels` may hold a column per series (smoothed_columns)."""
    every = np.arange(days)
    last = np.searchsorted(polled, every, side="right") - 1
    before = last < 0
    last = np.maximum(last, 0)
    variance = np.where(
        before, 1e4 + drift * every, variances[last] + drift * (every - polled[last])
    )
    return levels[last], variance


def filter_gains(polled, variances, drift) -> np.ndarray:
    """The Kalman gain of each of the filter's updates, from its variances after each: an update
    leaves (1 - gain) of the predicted variance. The filter starts from the first day's own
    mean, so the first day's gain is 1."""
    predicted = variances[:-1] + drift * np.diff(polled)
    return np.append(1.0, 1 - variances[1:] / predicted)


def filter_steps(y, obs_var, day, days, drift):
    """The filter's updates, one a day with polls: those days, and the level and variance after
    each. It steps from one day with polls to the next (a day without one only adds drift, so a
    monthly series over 25 years is 300 steps, not 9,000) and over Python floats rather than
    numpy scalars: the filter runs a few hundred times a fit (_leave_one_out), and indexing
    numpy arrays one day at a time made it three times slower."""
    precision, weighted = _by_day(y, obs_var, day, days)
    polled = np.flatnonzero(precision > 0)
    by_day, sums = precision[polled].tolist(), weighted[polled].tolist()
    first = int(polled[0])
    a, p = sums[0] / by_day[0], 1e4 + drift * first  # diffuse start at the first poll
    levels, variances = [0.0] * len(polled), [0.0] * len(polled)
    previous = first
    for k, t in enumerate(polled.tolist()):
        p += drift * (t - previous)
        previous = t
        seen = by_day[k]
        gain = p / (p + 1 / seen)
        a += gain * (sums[k] / seen - a)
        p *= 1 - gain
        levels[k], variances[k] = a, p
    return polled, np.asarray(levels), np.asarray(variances)


def _leave_one_out(y, obs_var, day, days, drift) -> float:
    """The log density of each poll under the smoother's estimate of its day from every other
    poll, summed. The smoothed day is the product of the poll's own likelihood and all else the
    model knows of that day, both normal, so taking the poll's precision out of it gives that
    estimate exactly, at the cost of one smoothing rather than one a poll; but for the polls of
    the first day, whose own mean also centres the filter's diffuse start (variance 1e4): where
    the other polls say little of that day (7 polls over three years, a daily drift variance of
    4), the first poll's term is off by up to 0.3 in log density, and the fitted drift and error
    by under 0.01."""
    polled, levels, variances = filter_steps(y, obs_var, day, days, drift)
    smooth, smooth_var = _smoothed_steps(polled, levels, variances, drift)
    at = np.searchsorted(polled, day)
    mean, variance = without_each(y, obs_var, smooth[at], smooth_var[at])
    spread = variance + obs_var
    return float(-0.5 * (np.log(2 * np.pi * spread) + (y - mean) ** 2 / spread).sum())


def without_each(y, obs_var, smooth, smooth_var):
    """Each poll's day as the other polls alone see it (mean, variance), from the smoothed
    day's (`smooth`, `smooth_var`, at each poll's day): the poll's own precision taken out."""
    rest = np.maximum(1 / smooth_var - 1 / obs_var, 1e-12)
    return (smooth / smooth_var - y / obs_var) / rest, 1 / rest


def _smoothed_steps(polled, levels, variances, drift):
    """Rauch-Tung-Striebel smoothing of filtered levels on the days `polled` (over Python floats,
    as the filter is): of the filter's updates alone (filter_steps), where between two days with
    polls the walk only adds drift, so one step spans the gap as the filter's do; or of every
    day (smooth)."""
    filtered, filtered_var = levels.tolist(), variances.tolist()
    smooth, smooth_var = filtered.copy(), filtered_var.copy()
    gaps = np.diff(polled).tolist()
    for k in range(len(filtered) - 2, -1, -1):
        predicted_var = filtered_var[k] + drift * gaps[k]
        gain = filtered_var[k] / predicted_var
        smooth[k] = filtered[k] + gain * (smooth[k + 1] - filtered[k])
        smooth_var[k] = filtered_var[k] + gain**2 * (smooth_var[k + 1] - predicted_var)
    return np.array(smooth), np.array(smooth_var)


def smooth(y, obs_var, day, days, drift):
    """Rauch-Tung-Striebel smoothing of the filtered random walk, day by day: the steps'
    smoother (_smoothed_steps) over every day, each a step of one day's drift."""
    level, level_var = _filter(y, obs_var, day, days, drift)
    return _smoothed_steps(np.arange(days), level, level_var, drift)
