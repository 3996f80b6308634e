"""One series' trend from the store, as a person names it: the leader in any spelling the alias
table knows, the polls stored now or, with a day, those that stood then.

`pollwatch trend` asks this, and so may a script or a notebook: the way from a typed name and a
data directory to a fitted Trend is one call, not a sequence each caller repeats (and gets
subtly different, reading today's values for a past day).
"""

from __future__ import annotations

from datetime import date

from pollwatch.config import Settings
from pollwatch.map.aliases import aliased_leader
from pollwatch.model.as_of import series_trend, stood_on
from pollwatch.model.populations import ALL_POPULATIONS
from pollwatch.model.trends import Trend
from pollwatch.store import open_store


def stored_trend(
    settings: Settings,
    leader: str,
    metric: str,
    population: str = ALL_POPULATIONS,
    measure: str = "positive",
    as_of: date | None = None,
) -> Trend:
    """The daily average of `leader` (as typed) and `metric` from the store `settings` names,
    read only: today's, or with `as_of` the one the report of that day drew, from the values
    stored then."""
    name = aliased_leader(leader, settings.local_aliases)
    store = open_store(settings, read_only=True)
    stored = store.polls() if as_of is None else stood_on(store.versions(), as_of)
    return series_trend(stored, name, metric, population, measure, as_of)
