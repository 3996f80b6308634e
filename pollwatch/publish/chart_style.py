"""The look every chart is drawn under: its colours, its fonts and matplotlib's settings for them.

Colours are the Okabe-Ito palette, safe for the common forms of colour blindness; pollsters
beyond its seven colours are drawn in grey as "other pollsters", so no two pollsters share a hue.
Names come from the data in any script: the fonts are DejaVu Sans and whichever fonts with other
scripts' letters are installed, and a name no font can draw is told once, not once per letter.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager

import matplotlib
from matplotlib import font_manager

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"]
OTHER = "#9a9a9a"
INK = "#1b1b1b"

# Fonts with the letters DejaVu Sans lacks (Chinese, Japanese, Korean names), taken glyph by
# glyph where DejaVu has none, if installed: Debian's fonts-noto-cjk, fonts-wqy-zenhei,
# fonts-droid-fallback, fonts-nanum, fonts-ipafont.
FALLBACK_FONTS = (
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK KR",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "NanumGothic",
    "IPAGothic",
)
_INSTALLED = {font.name for font in font_manager.fontManager.ttflist}
FONTS = ["DejaVu Sans", *(name for name in FALLBACK_FONTS if name in _INSTALLED)]
# matplotlib's warning for each letter no font of FONTS has, each time a figure is drawn.
MISSING_GLYPH = re.compile(r"Glyph (\d+) .*missing from font")

STYLE = {
    "font.family": FONTS,
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e6e6e6",
    "grid.linewidth": 0.8,
    "svg.fonttype": "none",
    # Names come from the data: "$5 to $10" is text, never mathematics to typeset.
    "text.parse_math": False,
    "svg.hashsalt": "pollwatch",
}


@contextmanager
def drawing(names: list[str]):
    """Where a chart of `names` (its leaders', pollsters' and events') is drawn: under STYLE.
    Yields a list it fills with those of the names that have letters no chart font has (drawn
    as boxes), for the report to tell once, rather than matplotlib's warning for each letter
    each time the figure is drawn (over a hundred lines for a report of Chinese leaders);
    other warnings pass as they were."""
    boxed: list[str] = []
    with matplotlib.rc_context(STYLE), warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        yield boxed
    letters = set()
    for warning in warned:
        found = MISSING_GLYPH.search(str(warning.message))
        if found is None:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
        else:
            letters.add(chr(int(found.group(1))))
    boxed += sorted({name for name in names if letters.intersection(name)})
