"""Which polls moved an average, and how much: each poll's share of the latest estimate.

Read off the filter's gains of a fitted line, for the report, which lists the polls behind a
change of its average with their share of it.
"""

from __future__ import annotations

import numpy as np

from pollwatch.model.smoother import filter_gains, filter_steps
from pollwatch.model.trends import Trend


def latest_shares(trend: Trend) -> np.ndarray:
    """Each poll's share of the latest estimate (in trend.polls' order; 0 for polls left out of
    the fit). The latest estimate is the filter's last level, a weighted sum of the days' poll
    means: a day's weight is its Kalman gain times what every later day's gain left of it, and a
    poll's is its day's, split by precision. Tells which polls moved an average, and how much."""
    polls = trend.polls
    precision = polls["weight"].to_numpy(dtype="float64")
    used = precision > 0
    day = (polls["day"] - trend.daily["date"].iloc[0]).dt.days.to_numpy()
    shares = np.zeros(len(polls))
    if not used.any():
        return shares
    drift = trend.drift_sd**2
    # The filter's own steps (the values do not matter to its gains, only the precisions).
    polled, _, variances = filter_steps(
        np.zeros(used.sum()), 1 / precision[used], day[used], len(trend.daily), drift
    )
    gains = filter_gains(polled, variances, drift)
    left = np.append(np.cumprod((1 - gains)[::-1])[::-1][1:], 1.0)  # what later days leave
    at = np.searchsorted(polled, day[used])
    by_day = np.bincount(at, weights=precision[used])
    shares[used] = (gains * left)[at] * precision[used] / by_day[at]
    return shares
