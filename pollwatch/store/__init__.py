from pollwatch.store.duckdb import *  # noqa: F403  (temporary while the Store object lands)
from pollwatch.store.duckdb import _first_line, _lock_holder  # noqa: F401
