"""The report's figures as SVG text, drawn by matplotlib with a CJK font.

Part of the *report* step of the data flow (README, architecture). Each function takes plain
values (Chinese labels, scores 0..100, ``None`` for not measured) and returns one ``<svg>``
element (no XML prolog, no metadata) to inline in HTML:

* ``indicator_bars``  first-level indicators, national
* ``region_bars``     the six regions
* ``ranking_bars``    the city ranking, best at the top
* ``quadrant_scatter`` online against offline, with the mean of each side and city labels

Text stays text (``svg.fonttype = 'none'``), so an SVG is a few KB and its Chinese is drawn
by the browser from the ``font-family`` list (``CSS_FONTS``, the font found here first).
matplotlib lays the text out with the first CJK font it finds (``cjk_font``: Noto Sans CJK SC,
else another known CJK family); with none, charts still render, and a warning is logged once.
No pyplot, no display: each chart is its own ``Figure`` on the SVG canvas.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import warnings
from collections.abc import Sequence
from functools import cache
from html import escape

import matplotlib
from matplotlib.figure import Figure

logger = logging.getLogger(__name__)


# Families tried in order; then any installed family whose name says CJK.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)


# What the SVG asks the browser for: the family found first, then the usual CJK ones.
CSS_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "sans-serif",
)


NOT_MEASURED = "未测"


_BLUE, _GREY = "#3b6ea8", "#9aa5b1"


QUADRANT_COLOURS = {
    "both_high": "#2f855a",
    "both_low": "#c53030",
    "online_better": "#3b6ea8",
    "offline_better": "#d9822b",
}


@cache
def cjk_font() -> str | None:
    """The CJK font family matplotlib lays text out with, or ``None`` (logged once)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    others = sorted(n for n in installed if "CJK" in n)
    if others:
        return next((n for n in others if n.endswith(" SC")), others[0])
    logger.warning(
        "no CJK font found (install fonts-noto-cjk): charts render, but their Chinese text "
        "is laid out without one and may show as boxes where the browser has none either"
    )
    return None


def _css_fonts() -> str:
    families = dict.fromkeys(f for f in (cjk_font(), *CSS_FONTS) if f)
    return ", ".join(f if f == "sans-serif" else f"'{f}'" for f in families)


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.patch.set_facecolor("white")
    return fig


def _rc() -> dict:
    font = cjk_font()
    return {
        "svg.fonttype": "none",
        "font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
        "font.size": 10,
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _svg(draw, width: float, height: float, name: str, title: str) -> str:
    """Draw on a fresh figure and return its ``<svg>`` element, ids prefixed by ``name``."""
    with matplotlib.rc_context({**_rc(), "svg.hashsalt": name}), warnings.catch_warnings():
        # Missing glyphs (no CJK font) are reported once by cjk_font(), not per character.
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        fig = _figure(width, height)
        draw(fig)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r"font-family: [^;\"]*", f"font-family: {_css_fonts()}", text)
    # Several charts share one HTML page: keep their ids (clip paths, markers) apart.
    prefix = f"{name}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', text)
    label = escape(title, quote=True)
    return text.replace("<svg ", f'<svg role="img" aria-label="{label}" class="chart" ', 1)


def _bars(
    ax, labels: Sequence[str], values: Sequence[float | None], *, horizontal: bool, colour: str
) -> None:
    positions = range(len(labels))
    heights = [v if v is not None else 0 for v in values]
    if horizontal:
        bars = ax.barh(positions, heights, color=colour, height=0.7)
        ax.set_yticks(positions, labels)
        ax.set_ylim(max(len(labels), 1) - 0.5, -0.5)  # first label on top, no empty margin
        ax.set_xlim(0, 108)
    else:
        bars = ax.bar(positions, heights, color=colour, width=0.6)
        ax.set_xticks(positions, labels)
        ax.set_ylim(0, 108)
    for bar, value in zip(bars, values, strict=True):
        text = NOT_MEASURED if value is None else f"{value:.2f}"
        if horizontal:
            ax.text(
                bar.get_width() + 1,
                bar.get_y() + bar.get_height() / 2,
                text,
                va="center",
                fontsize=8,
                color=_GREY if value is None else "black",
            )
        else:
            ax.text(
                bar.get_x() + bar.get_width() / 2,
                bar.get_height() + 1,
                text,
                ha="center",
                va="bottom",
                fontsize=9,
                color=_GREY if value is None else "black",
            )


def indicator_bars(
    values: Sequence[tuple[str, float | None]], *, title: str = "一级指标得分（全国）"
) -> str:
    """Bars for (indicator name, score); ``None`` shows 未测."""

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        _bars(ax, [n for n, _ in values], [v for _, v in values], horizontal=False, colour=_BLUE)
        ax.set_ylabel("得分")
        ax.set_title(title)

    return _svg(draw, 6.4, 3.4, "indicators", title)


def region_bars(values: Sequence[tuple[str, float | None]], *, title: str = "六大区域得分") -> str:
    """Bars for (region, score); ``None`` (no complete city) shows 未测."""

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        _bars(ax, [n for n, _ in values], [v for _, v in values], horizontal=False, colour=_BLUE)
        ax.set_ylabel("得分")
        ax.set_title(title)

    return _svg(draw, 6.4, 3.4, "regions", title)


def ranking_bars(
    values: Sequence[tuple[str, float | None]], *, title: str = "城市排名（线上）"
) -> str:
    """Horizontal bars for (city name, score), in the order given (best first)."""

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        _bars(ax, [n for n, _ in values], [v for _, v in values], horizontal=True, colour=_BLUE)
        ax.set_xlabel("得分")
        ax.set_title(title)

    return _svg(draw, 6.4, 1.0 + 0.24 * max(len(values), 1), "ranking", title)


def quadrant_scatter(
    points: Sequence[tuple[str, float, float, str]],
    online_mean: float | None,
    offline_mean: float | None,
    *,
    title: str = "线上线下四象限",
    labels: dict[str, str] | None = None,
) -> str:
    """Scatter of (city name, online, offline, quadrant id) with each side's mean as a line.

    ``labels`` names the quadrants (``probes.score.offline.QUADRANTS``: 双高 ...), drawn in corners.
    """
    labels = labels or {}

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        for quadrant, colour in QUADRANT_COLOURS.items():
            mine = [p for p in points if p[3] == quadrant]
            if mine:
                ax.scatter(
                    [p[1] for p in mine],
                    [p[2] for p in mine],
                    s=22,
                    color=colour,
                    label=labels.get(quadrant, quadrant),
                    zorder=3,
                )
        for name, x, y, _ in points:
            ax.annotate(name, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7)
        if online_mean is not None:
            ax.axvline(online_mean, color=_GREY, linestyle="--", linewidth=1)
        if offline_mean is not None:
            ax.axhline(offline_mean, color=_GREY, linestyle="--", linewidth=1)
        if points:
            xs, ys = [p[1] for p in points], [p[2] for p in points]
            pad_x = max(2.0, (max(xs) - min(xs)) * 0.08)
            pad_y = max(2.0, (max(ys) - min(ys)) * 0.08)
            ax.set_xlim(max(0, min(xs) - pad_x), min(100, max(xs) + pad_x))
            ax.set_ylim(max(0, min(ys) - pad_y), min(100, max(ys) + pad_y))
            corners = {
                "both_high": (0.98, 0.98, "right", "top"),
                "offline_better": (0.02, 0.98, "left", "top"),
                "online_better": (0.98, 0.02, "right", "bottom"),
                "both_low": (0.02, 0.02, "left", "bottom"),
            }
            for quadrant, (x, y, ha, va) in corners.items():
                ax.text(
                    x,
                    y,
                    labels.get(quadrant, quadrant),
                    transform=ax.transAxes,
                    ha=ha,
                    va=va,
                    fontsize=9,
                    color=QUADRANT_COLOURS[quadrant],
                    alpha=0.8,
                )
        ax.set_xlabel("线上得分")
        ax.set_ylabel("线下得分")
        ax.set_title(title)

    return _svg(draw, 6.4, 5.2, "quadrants", title)
