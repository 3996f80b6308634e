"""How a measure is named and a figure written, in one way for the charts and the pages: a reader
who finds "net approval, -21.7 to -13.6" on a chart finds the same words on the page beside it.
"""

from __future__ import annotations

MEASURES = {
    "approval": "approve",
    "trust": "trust",
    "support": "support",
    "favorability": "have a favorable view",
    "performance": "say performs well",
}
# The other side of each measure, and the names of the three measures of a series.
NEGATIVE = {
    "approval": ("disapprove", "disapproval"),
    "trust": ("distrust", "distrust"),
    "support": ("oppose", "opposition"),
    "favorability": ("have an unfavorable view", "unfavorability"),
    "performance": ("say performs badly", "poor performance"),
}


def measure_label(metric: str, measure: str) -> str:
    """'approval', 'disapproval', 'net approval' (and so on for each metric)."""
    if measure == "negative":
        return NEGATIVE.get(metric, (f"not {metric}",) * 2)[1]
    return f"net {metric}" if measure == "net" else metric


# The most characters one line of the value axis's label holds beside a chart's plot (10 point
# type, the plot's height): "% who have a favorable view minus % who have an unfavorable view,
# points" on one line ran past the figure's top and over the credit line.
AXIS_LABEL_CHARS = 50


def axis_label(metric: str, measure: str) -> str:
    """The value axis's label; a net's on two lines, its two shares' one over the other, where
    one line would be longer than the plot is high (favorability's, performance's)."""
    verb = MEASURES.get(metric, metric)
    if measure == "negative":
        return f"% who {NEGATIVE.get(metric, (f'not {verb}',))[0]}"
    if measure == "net":
        label = f"% who {verb} minus % who {NEGATIVE.get(metric, (f'not {verb}',))[0]}, points"
        return label if len(label) <= AXIS_LABEL_CHARS else label.replace(" minus ", "\nminus ")
    return f"% who {verb}"


def signed_text(value: float) -> str:
    """A lean, an offset or a net as pages write it, its sign shown: +0.7, -2.1; one a hair
    below nought is +0.0, not -0.0."""
    return f"{round(value, 1) + 0.0:+.1f}"


def band_text(lower: float, upper: float) -> str:
    """A 95% band as charts and pages write it: 81.4–89.6, but -21.7 to -13.6 where a net
    share's bound is negative, since -21.7–-13.6 reads as a subtraction. Rounded first: -0.01
    is 0.0, not "-0.0 to 1.3"."""
    lower, upper = (round(bound, 1) + 0.0 for bound in (lower, upper))  # + 0.0: no -0.0
    joint = " to " if min(lower, upper) < 0 else "–"
    return f"{lower:.1f}{joint}{upper:.1f}"
