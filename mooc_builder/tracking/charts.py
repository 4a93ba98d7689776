"""Inline SVG charts for the HTML report: no script, no font or image from outside the page.

Elements are built with :mod:`xml.etree.ElementTree` (text is escaped by construction), then
serialised without a namespace declaration: inline ``<svg>`` in HTML5 needs none, so the page
holds no URL at all.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

BAR = "#2f6fb3"
BAR_MET = "#2e8b57"
TARGET = "#c0392b"
GRID = "#d0d7de"
INK = "#1f2328"
MUTED = "#57606a"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"


@dataclass(frozen=True)
class CoverageBar:
    """One group in the coverage chart."""

    label: str
    coverage: float
    target: float
    detail: str
    met: bool


def _svg(width: int, height: int, title: str) -> ET.Element:
    svg = ET.Element(
        "svg",
        {
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "role": "img",
            "aria-label": title,
            "font-family": FONT,
            "font-size": "13",
        },
    )
    ET.SubElement(svg, "title").text = title
    return svg


def _text(parent: ET.Element, x: float, y: float, text: str, **attrs: str) -> None:
    element = ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", **attrs})
    element.text = text


def _to_string(svg: ET.Element) -> str:
    return ET.tostring(svg, encoding="unicode", short_empty_elements=True)


def coverage_chart(bars: Sequence[CoverageBar], *, title: str, target_label: str) -> str:
    """Coverage per group (0–100 %) as horizontal bars, each crossed by its target line.

    Group names can be long (Vietnamese official titles), so each sits on its own line above
    its bar rather than in a left margin.
    """
    left, plot, row, top = 8, 600, 58, 34
    width = left + plot + 80
    height = top + row * max(1, len(bars)) + 26
    svg = _svg(width, height, title)
    bottom = height - 24
    for pct in (0, 25, 50, 75, 100):
        x = left + plot * pct / 100
        ET.SubElement(
            svg,
            "line",
            {
                "x1": f"{x:.1f}",
                "x2": f"{x:.1f}",
                "y1": str(top),
                "y2": str(bottom),
                "stroke": GRID,
            },
        )
        anchor = "start" if pct == 0 else "end" if pct == 100 else "middle"
        _text(svg, x, height - 8, f"{pct}\u00a0%", fill=MUTED, **{"text-anchor": anchor})
    ET.SubElement(
        svg,
        "line",
        {
            "x1": str(left),
            "x2": str(left + 18),
            "y1": "14",
            "y2": "14",
            "stroke": TARGET,
            "stroke-width": "3",
            "stroke-dasharray": "4 2",
        },
    )
    _text(svg, left + 24, 18, target_label, fill=INK)
    for i, bar in enumerate(bars):
        y = top + i * row
        _text(svg, left, y + 14, _shorten(bar.label, 96), fill=INK)
        _text(
            svg,
            left + plot,
            y + 14,
            bar.detail,
            fill=MUTED,
            **{"text-anchor": "end", "font-size": "11"},
        )
        ET.SubElement(
            svg,
            "rect",
            {
                "x": str(left),
                "y": str(y + 22),
                "width": str(plot),
                "height": "24",
                "fill": "#eef2f6",
            },
        )
        length = plot * max(0.0, min(1.0, bar.coverage))
        ET.SubElement(
            svg,
            "rect",
            {
                "x": str(left),
                "y": str(y + 22),
                "width": f"{length:.1f}",
                "height": "24",
                "fill": BAR_MET if bar.met else BAR,
            },
        )
        tx = left + plot * bar.target
        ET.SubElement(
            svg,
            "line",
            {
                "x1": f"{tx:.1f}",
                "x2": f"{tx:.1f}",
                "y1": str(y + 18),
                "y2": str(y + 50),
                "stroke": TARGET,
                "stroke-width": "3",
                "stroke-dasharray": "4 2",
            },
        )
        _text(svg, left + plot + 8, y + 39, f"{bar.coverage * 100:.1f}\u00a0%", fill=INK)
    return _to_string(svg)


def monthly_chart(
    months: Sequence[tuple[str, int, int]], *, title: str, bar_label: str, total_label: str
) -> str:
    """Bars of people newly trained per month, with the running total as a line."""
    left, right, top, bottom = 56, 56, 52, 46
    n = max(1, len(months))
    step = max(14.0, min(64.0, 720 / n))
    width = int(left + right + step * n)
    plot_h = 220
    height = top + plot_h + bottom
    svg = _svg(width, height, title)
    peak = _nice(max([m[1] for m in months] + [1]))
    total_peak = _nice(max([m[2] for m in months] + [1]))
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - frac)
        ET.SubElement(
            svg,
            "line",
            {
                "x1": str(left),
                "x2": str(width - right),
                "y1": f"{y:.1f}",
                "y2": f"{y:.1f}",
                "stroke": GRID,
            },
        )
        _text(svg, left - 6, y + 4, _tick(peak * frac), fill=MUTED, **{"text-anchor": "end"})
        _text(svg, width - right + 6, y + 4, _tick(total_peak * frac), fill=TARGET)
    ET.SubElement(
        svg, "rect", {"x": str(left), "y": "6", "width": "12", "height": "12", "fill": BAR}
    )
    _text(svg, left + 18, 17, bar_label, fill=INK)
    ET.SubElement(
        svg,
        "line",
        {
            "x1": str(left - 3),
            "x2": str(left + 15),
            "y1": "31",
            "y2": "31",
            "stroke": TARGET,
            "stroke-width": "2",
        },
    )
    _text(svg, left + 18, 36, total_label + " →", fill=INK)
    points = []
    label_every = max(1, -(-56 // int(step)))
    for i, (month, trained, total) in enumerate(months):
        x = left + i * step
        h = plot_h * trained / peak
        rect = ET.SubElement(
            svg,
            "rect",
            {
                "x": f"{x + step * 0.15:.1f}",
                "y": f"{top + plot_h - h:.1f}",
                "width": f"{step * 0.7:.1f}",
                "height": f"{h:.1f}",
                "fill": BAR,
            },
        )
        ET.SubElement(rect, "title").text = f"{month}: {trained}"
        points.append(f"{x + step / 2:.1f},{top + plot_h * (1 - total / total_peak):.1f}")
        if i % label_every == 0:
            _text(
                svg,
                x + step / 2,
                top + plot_h + 16,
                month,
                fill=MUTED,
                **{"text-anchor": "middle", "font-size": "11"},
            )
    if points:
        ET.SubElement(
            svg,
            "polyline",
            {"points": " ".join(points), "fill": "none", "stroke": TARGET, "stroke-width": "2"},
        )
    return _to_string(svg)


def _nice(value: int) -> int:
    """An axis end >= value whose quarters are round numbers (4, 8, 20, 40, 80, 200, …)."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if 4 * factor * magnitude >= value:
                return 4 * factor * magnitude
        magnitude *= 10


def _tick(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
