"""The known layouts as `pollwatch layouts` lists them: how each is recognised, the columns it
needs, and when its drops are expected."""

from __future__ import annotations

from pollwatch.map.layout_files import load_layouts
from pollwatch.map.layout_listing import layouts_text


def test_each_layout_says_how_it_is_recognised_and_the_columns_it_needs():
    known = load_layouts()
    text = layouts_text(known)
    entries = [line for line in text.splitlines() if not line.startswith(" ")]
    assert [entry.split()[0] for entry in entries] == list(known)
    assert "canonical                      pollwatch canonical layout\n" in text
    assert "recognised by its header; columns: " in text
    assert "recognised in inbox/levada_putin_approval/ or --layout; columns: " in text


def test_a_layout_whose_drops_come_on_a_cadence_says_when():
    known = load_layouts()
    due = [layout for layout in known.values() if layout.cadence]
    assert due, "a shipped layout expects its drops on a cadence"
    text = layouts_text({due[0].name: due[0]})
    assert text.splitlines()[-1] == " " * 31 + f"drops expected {due[0].cadence.describe()}"
