"""The in-browser checks' judgements, pure: axe-core's counts by impact, and mobile adaptation
from what a page measured. The checks in Chromium are ``tests/e2e/test_browser_checks.py``."""

from __future__ import annotations

import pytest

from probes.check.browser_checks import axe_counts, mobile_adaptation

pytestmark = pytest.mark.browser


def test_axe_counts_are_by_impact_and_only_serious_and_critical_rules_are_named() -> None:
    violations = [
        {"id": "image-alt", "impact": "critical", "nodes": [{}, {}]},
        {"id": "color-contrast", "impact": "serious", "nodes": [{}]},
        {"id": "region", "impact": "moderate", "nodes": [{}]},
    ]
    assert axe_counts(violations) == {
        "critical": 1,
        "serious": 1,
        "moderate": 1,
        "minor": 0,
        "scored_rules": {"image-alt": 2, "color-contrast": 1},
    }


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ({"viewport_meta": "width=device-width, initial-scale=1", "scroll_width": 375,
          "text_chars": 100, "small_chars": 40}, (True, True, True)),
        ({"viewport_meta": "width=device-width", "scroll_width": 376,
          "text_chars": 100, "small_chars": 41}, (True, True, False)),
        ({"viewport_meta": None, "scroll_width": 980, "text_chars": 0, "small_chars": 0},
         (False, False, False)),
    ],
)  # fmt: skip
def test_mobile_adaptation_is_a_viewport_meta_no_sideways_scroll_and_readable_text(
    found, expected
) -> None:
    judged = mobile_adaptation(found)
    assert (judged["device_width"], judged["fits"], judged["readable"]) == expected
