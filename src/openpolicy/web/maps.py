"""A district's shape as a small server-rendered SVG map: no tiles, no external service, readable without
JavaScript (role=img, title, desc).

The GeoJSON geometry (WGS84) is projected equirectangularly with longitude scaled by the cosine of the shape's
middle latitude (true proportions at city to province scale) and fitted into the view box; a point, when given,
is drawn as a marker.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from html import escape
from typing import Any

WIDTH = 320
HEIGHT = 240
PAD = 8


def _rings(geometry: dict[str, Any]) -> Iterator[Sequence[Sequence[float]]]:
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    for polygon in polygons:
        yield from polygon


def shape_svg(geometry: dict[str, Any], title: str, point: tuple[float, float] | None = None) -> str:
    """The SVG of a (Multi)Polygon ``geometry``; ``point`` is (lat, lon). Empty string for an empty geometry."""
    rings = [ring for ring in _rings(geometry) if len(ring) >= 3]
    if not rings:
        return ""
    xs = [p[0] for ring in rings for p in ring]
    ys = [p[1] for ring in rings for p in ring]
    if point is not None:
        xs.append(point[1])
        ys.append(point[0])
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    k = math.cos(math.radians((min_y + max_y) / 2)) or 1e-6
    span_x, span_y = max((max_x - min_x) * k, 1e-9), max(max_y - min_y, 1e-9)
    scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)
    off_x = (WIDTH - span_x * scale) / 2
    off_y = (HEIGHT - span_y * scale) / 2

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return off_x + (lon - min_x) * k * scale, off_y + (max_y - lat) * scale

    parts = []
    for ring in rings:
        points = [xy(p[0], p[1]) for p in ring]
        parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points) + " Z")
    marker = ""
    if point is not None:
        mx, my = xy(point[1], point[0])
        marker = (
            f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="5" fill="#b3261e" stroke="#fff" stroke-width="2">'
            f"<title>{point[0]:.5f}, {point[1]:.5f}</title></circle>"
        )
    label = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="map-title map-desc" class="district-map">'
        f'<title id="map-title">{label}</title>'
        f'<desc id="map-desc">Outline of {label}{" with the point looked up" if point else ""}.</desc>'
        f'<path d="{" ".join(parts)}" fill="#dbe7f5" stroke="#1a4f8b" stroke-width="1.5" fill-rule="evenodd"/>'
        f"{marker}</svg>"
    )
