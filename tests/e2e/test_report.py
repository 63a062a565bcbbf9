"""The report rendered in Chromium: its charts drawn and its Chinese shown in real glyphs."""

from __future__ import annotations

import pytest

from probes.report.data import render_html
from tests.support.report_data import make_data

pytestmark = pytest.mark.browser


def test_the_report_renders_in_chromium_with_charts_and_real_chinese_glyphs(chromium, tmp_path):
    """Opened in a real browser: every chart has drawn marks, and Chinese text is drawn with a
    CJK font (distinct characters come out as distinct images, never the same missing-glyph
    box)."""
    out = tmp_path / "report.html"
    out.write_text(render_html(make_data()), encoding="utf-8")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(out.as_uri())
        charts = page.locator("svg")
        assert charts.count() >= 3
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box and box["width"] > 100 and box["height"] > 100
            assert charts.nth(i).locator("path, rect, line, circle, use").count() > 3
        family = page.evaluate(
            "() => getComputedStyle(document.querySelector('svg text')).fontFamily"
        )
        glyphs = []
        for char in ("城", "市", "线", "区"):
            page.set_content(
                f'<span id="g" style="font: 64px {family}; display: inline-block">{char}</span>'
            )
            glyphs.append(page.locator("#g").screenshot())
        assert len(set(glyphs)) == 4, "Chinese characters render as identical boxes"
    finally:
        page.close()
