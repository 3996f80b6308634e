"""A layout's [cadence]: when a source's drops are expected, read and checked.

The alerts say a source is overdue by it (alerts/cadence.py); it is declared beside the rest of
the source's layout, so adding a pollster stays adding a file.
"""

from __future__ import annotations

from dataclasses import dataclass

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Cadence:
    """When a source's drops are expected: weekly on a weekday (`on`, 0 Monday), or monthly by a
    day of the month (`by_day`); a drop later than `grace_days` past that is overdue."""

    every: str  # week or month
    on: int | None = None
    by_day: int | None = None
    grace_days: int = 2

    def describe(self) -> str:
        when = (
            f"weekly on {WEEKDAYS[self.on].title()}s"
            if self.every == "week"
            else f"monthly by day {self.by_day}"
        )
        return f"{when}, {self.grace_days} days' grace"


def read_cadence(spec: dict | None) -> Cadence | None:
    if spec is None:
        return None
    on = spec.get("on")
    return Cadence(
        spec["every"],
        None if on is None else WEEKDAYS.index(on.lower()),
        spec.get("by_day"),
        spec.get("grace_days", 2),
    )


def cadence_problem(spec: object) -> str | None:
    if spec is None:
        return None
    if not isinstance(spec, dict):
        return 'must be a table: every = "week" with on = a weekday, or "month" with by_day'
    stray = set(spec) - {"every", "on", "by_day", "grace_days"}
    if stray:
        return (
            f"has unknown key(s) {', '.join(sorted(stray))} (known: every, on, by_day, grace_days)"
        )
    grace = spec.get("grace_days", 2)
    if not isinstance(grace, int) or isinstance(grace, bool) or grace < 0:
        return f"grace_days = {grace!r} must be a whole number of days, 0 or more"
    if spec.get("every") == "week":
        on = spec.get("on")
        if not isinstance(on, str) or on.lower() not in WEEKDAYS or "by_day" in spec:
            return f'every = "week" needs on = a weekday ({", ".join(WEEKDAYS)}), not by_day'
        return None
    if spec.get("every") == "month":
        day = spec.get("by_day")
        if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 28 or "on" in spec:
            return 'every = "month" needs by_day = a day of the month from 1 to 28, not on'
        return None
    return f'every = {spec.get("every")!r} must be "week" or "month"'
