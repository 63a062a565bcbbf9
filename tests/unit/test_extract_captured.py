"""Extraction over guide pages captured from every sandbox archetype, on PC and mobile.

The pages in ``tests/fixtures/captured/`` are what the journey stored (the DOM after tabs and
sections were opened); each ``.json`` beside them is the sandbox's truth for that guide. To
capture them again after the sandbox changes: ``python -m bench.capture_fixtures``.
"""

from __future__ import annotations

import json

import pytest

from probes.judge.extract import extract
from tests.support import FIXTURES

CAPTURED = FIXTURES / "captured"
PAGES = sorted(p.stem for p in CAPTURED.glob("*.html"))


def test_every_archetype_is_captured_on_both_channels():
    archetypes = {"epoint", "jsonapi", "listfw", "zjsearch"}
    assert set(PAGES) == {f"{a}-{c}" for a in archetypes for c in ("pc", "mobile")}


@pytest.mark.parametrize("stem", PAGES)
def test_the_elements_read_from_a_captured_guide_are_the_truths(stem):
    truth = json.loads((CAPTURED / f"{stem}.json").read_text(encoding="utf-8"))
    ex = extract((CAPTURED / f"{stem}.html").read_text(encoding="utf-8"), truth["url"])
    assert sorted(ex.elements) == truth["present"]
    assert [m.name for m in ex.materials] == truth["materials"]
