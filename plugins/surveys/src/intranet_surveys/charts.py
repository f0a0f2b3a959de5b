"""Charts drawn on the server as SVG (templates ``surveys/charts/*.svg.html``), each shown with its data table.

The geometry is worked out here; the templates write it out, escaping
every label. Charts are ``aria-hidden``: the table next to each is what a
screen reader reads, and carries the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH = 320
"""The viewBox width: the chart scales to the page (360 px phones included)."""
LABEL_CHARS = 48


def short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


@dataclass
class Bar:
    label: str
    text: str
    y: float
    width: float
    text_x: float


def bars(items: list[tuple[str, float, str]], *, maximum: float | None = None) -> dict[str, Any]:
    """Horizontal bars: ``(label, value, text shown at the bar's end)``; the label sits above its bar."""
    top = maximum if maximum else max((value for _label, value, _text in items), default=0) or 1
    row = 36
    span = WIDTH - 70
    drawn = []
    for index, (label, value, text) in enumerate(items):
        width = max(0.0, min(1.0, value / top)) * span
        drawn.append(Bar(label=short(label), text=text, y=index * row, width=round(width, 1),
                         text_x=round(width + 6, 1)))
    return {"kind": "bars", "width": WIDTH, "height": max(row, len(items) * row), "bars": drawn}


@dataclass
class Column:
    label: str
    x: float
    y: float
    width: float
    height: float


def columns(items: list[tuple[str, float]], *, label_every: int = 1) -> dict[str, Any]:
    """Vertical columns (the hours of a day); every ``label_every``-th label is written under the axis."""
    top = max((value for _label, value in items), default=0) or 1
    plot_height = 120
    gap = 2
    count = max(1, len(items))
    width = (WIDTH - 10) / count
    drawn = []
    for index, (label, value) in enumerate(items):
        height = round(plot_height * value / top, 1)
        drawn.append(Column(label=label if index % label_every == 0 else "", x=round(5 + index * width, 1),
                            y=round(plot_height - height, 1), width=round(max(1.0, width - gap), 1), height=height))
    return {"kind": "columns", "width": WIDTH, "height": plot_height + 20, "plot_height": plot_height,
            "columns": drawn, "label_y": plot_height + 14}


@dataclass
class Point:
    label: str
    x: float
    y: float
    text: str


def line(items: list[tuple[str, float | None, str]], *, low: float, high: float,
         label_every: int = 1) -> dict[str, Any]:
    """A line over ``items`` ``(label, value or None for a gap, text)``, on a scale from ``low`` to ``high``."""
    plot_height = 120
    left, right = 34, WIDTH - 8
    count = len(items)
    step = (right - left) / (count - 1) if count > 1 else 0
    span = (high - low) or 1
    points: list[Point] = []
    segments: list[list[str]] = []
    current: list[str] = []
    for index, (label, value, text) in enumerate(items):
        x = round(left + index * step, 1)
        if value is None:
            if current:
                segments.append(current)
            current = []
            points.append(Point(label=label if index % label_every == 0 else "", x=x, y=-1, text=text))
            continue
        y = round(10 + (plot_height - 10) * (1 - (value - low) / span), 1)
        current.append(f"{x},{y}")
        points.append(Point(label=label if index % label_every == 0 else "", x=x, y=y, text=text))
    if current:
        segments.append(current)
    ticks = [(round(10 + (plot_height - 10) * (1 - i / 4), 1), _tick(low + span * i / 4)) for i in range(5)]
    return {"kind": "line", "width": WIDTH, "height": plot_height + 22, "plot_height": plot_height, "left": left,
            "right": right, "points": points, "paths": [" ".join(s) for s in segments], "ticks": ticks,
            "label_y": plot_height + 16, "dots": count <= 40}


def _tick(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
