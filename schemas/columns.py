"""The canonical poll record's columns and allowed values, as plain data.

Kept apart from the pandera model (polls.py) so that code which only needs the names (the
store, the layouts, the command line) does not load pandas and pandera to get them.
"""

METRICS = ("approval", "trust", "support", "favorability", "performance")
POPULATIONS = ("adults", "registered_voters", "likely_voters", "voters", "unknown")
MODES = ("phone", "online", "face_to_face", "ivr", "mixed", "unknown")

CANONICAL_COLUMNS = (
    "pollster",
    "sponsor",
    "country",
    "leader",
    "metric",
    "population",
    "mode",
    "fieldwork_start",
    "fieldwork_end",
    "published",
    "sample_size",
    "positive_pct",
    "negative_pct",
    "undecided_pct",
    "tracking",
    "poll_key",
    "source_url",
    "notes",
)
# Columns a canonical file must have in its header; the others have a default or may be empty.
REQUIRED_COLUMNS = (
    "pollster",
    "country",
    "leader",
    "metric",
    "fieldwork_start",
    "fieldwork_end",
    "positive_pct",
)
# The rule an empty positive share breaks (the column's not_nullable, named for what it means):
# every poll is stored by its positive share, and a row giving only the negative share (538's
# favorability rows with `favorable` empty) is not one pollwatch can average.
POSITIVE_SHARE_REQUIRED = "positive_share_required"
# What a poll whose file does not say its population or mode is stored with.
DEFAULTS = {"population": "unknown", "mode": "unknown"}
TEXT_COLUMNS = ("pollster", "sponsor", "leader", "poll_key", "source_url", "notes")
CATEGORY_COLUMNS = {"metric": METRICS, "population": POPULATIONS, "mode": MODES}
DATE_COLUMNS = ("fieldwork_start", "fieldwork_end", "published")
SHARE_COLUMNS = ("positive_pct", "negative_pct", "undecided_pct")
REJECT_COLUMNS = ("line_number", "column", "rule", "value")
# What a poll is about: a correction may change its values, never these; a poll key another
# file gives to a poll differing in any of them belongs to another poll.
IDENTITY_COLUMNS = ("pollster", "country", "leader", "metric")
# What names a poll: its key, within its pollster's keys. Publishers number their own polls, so
# KIIS's poll 1 and Levada's poll 1 are two polls.
POLL_NAME = ("pollster", "poll_key")
# What a poll asked is, however many rows it is stored as (a row a question, a population): its
# pollster's fieldwork for one client in a country. FOM's weekly poll asks of trust, approval and
# performance; 538 lists a poll once per population. The count pages and `status` give.
POLL_ASKED = ("pollster", "sponsor", "country", "fieldwork_start", "fieldwork_end")
