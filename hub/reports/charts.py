"""Small inline-SVG charts (no script, no external asset): trend sparklines for the scorecards."""
from __future__ import annotations


def sparkline(values: list[float], width: int = 120, height: int = 28, pad: int = 3) -> str:
    """The polyline points of a series scaled into the box; one value is a flat line, none is ""."""
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = [(pad + i * step, height - pad - (v - low) / span * (height - 2 * pad)) for i, v in enumerate(values)]
    if len(points) == 1:
        points.append((width - pad, points[0][1]))
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
