"""Pollsters' steady leans (house effects): measured against the line from the average pollster of
the population it reads as, and shrunk toward the pollsters' mean.

An average of polls can only know the pollsters' consensus, so which pollsters make the centre,
and how far a pollster of few polls keeps its own lean, decide where the line sits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# How many pollsters of adults (in pollsters' worth of their polls) make the average pollster of
# adults, which a line mixing populations measures house effects from (reference_pollsters):
# as a gap's spread between pollsters is estimated once three pollsters give one.
REFERENCE_POLLSTERS = 3.0


def reference_pollsters(
    codes: np.ndarray, count: int, populations: pd.Series, as_reference: set[str]
) -> np.ndarray:
    """Each pollster's part in the average pollster the house effects are measured from: its share
    of polls read as the reference population's (`as_reference`: adults and polls not saying
    theirs), normalised. A line mixing populations reads as adults, and the pollsters who poll only
    likely voters are not the average pollster of adults: on 538's files those are largely one kind
    of firm, and measured from the average of every pollster, the mixed line sat 0.6 points above
    the adults' own line on Trump's polls and 0.4 below on Biden's. A share, not all or nothing: a
    firm of 150 likely-voter polls and 2 of adults, alone counted whole, set a line of 8 other
    firms' polls to its own lean (5 points). The average pollster of adults is known only from a few
    of them: under REFERENCE_POLLSTERS (in pollsters' worth of polls read as adults'), the centre
    leans that far toward every pollster alike, as before populations were read (one firm's 2 polls
    of adults among 150 of voters made it the whole centre where no other firm polled adults). Every
    pollster counts alike in a line of one population."""
    taken = populations.isin(list(as_reference)).to_numpy()
    polls = np.bincount(codes, minlength=count).astype("float64")
    share = np.bincount(codes, weights=taken.astype("float64"), minlength=count) / polls
    known = min(share.sum() / REFERENCE_POLLSTERS, 1.0)
    alike = np.full(count, 1 / count)
    return alike if not share.any() else known * share / share.sum() + (1 - known) * alike


def house_effects(residual, obs_var, codes, centre):
    """Each pollster's lean: its mean residual against the trend, measured from the average
    pollster (of `centre`, reference_pollsters: the leans average zero over them, since an
    average can only know the pollsters' consensus), and shrunk toward their mean by an
    empirical-Bayes prior, so that a pollster with few polls keeps little of its apparent lean.
    The prior's mean is the pollsters' mean weighted by how well each one's is known (its
    variance with the spread between pollsters), not their plain mean: shrunk toward the plain
    mean, a pollster of many polls kept the distance that a few single polls put between it and
    that mean, and Levada's 44 polls of Putin were read 0.8 points lower for one poll each by
    FOM and VTsIOM below them. Their standard errors: a lone pollster's is unknown (NaN: there
    is no one to measure it against); where the pollsters' means differ no more than their
    polls' noise, every lean is shrunk to zero, but with the standard error of the pollster's
    own mean, not none: the data cannot tell zero from that. And how much of a change in each
    pollster's mean residual its lean keeps (0 where every lean is shrunk to zero)."""
    count = len(centre)
    if count < 2:
        return np.zeros(count), np.full(count, np.nan), np.zeros(count)
    precision = np.bincount(codes, weights=1 / obs_var, minlength=count)
    raw = np.bincount(codes, weights=residual / obs_var, minlength=count) / precision
    spread = max(float(np.mean((raw - raw.mean()) ** 2 - 1 / precision)), 0.0)
    if spread == 0:
        return np.zeros(count), np.sqrt(1 / precision), np.zeros(count)
    known = 1 / (spread + 1 / precision)
    mean = raw @ known / known.sum()
    posterior = precision + 1 / spread
    kept = precision / posterior
    house = mean + (raw - mean) * kept
    return house - house @ centre, np.sqrt(1 / posterior), kept
