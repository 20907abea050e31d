"""Grids drawn as inline SVG: no tile server, no JavaScript, works on an isolated intranet."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shapely.geometry import shape

VIEW_WIDTH = 1000


@dataclass(frozen=True)
class MapShape:
    key: str
    label: str
    geometry: dict
    href: str = ""
    css_class: str = "grid"


@dataclass(frozen=True)
class MapPoint:
    label: str
    lon: float
    lat: float
    href: str = ""
    # For a map a form picks from: the point's code, address and grid (all public data).
    key: str = ""
    detail: str = ""
    group: str = ""


@dataclass(frozen=True)
class DrawnShape:
    key: str
    label: str
    d: str
    href: str
    css_class: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class DrawnPoint:
    label: str
    x: float
    y: float
    href: str
    key: str = ""
    detail: str = ""
    group: str = ""
    lon: float = 0.0
    lat: float = 0.0


@dataclass(frozen=True)
class Projection:
    """How lon/lat became SVG units, so a page's script can turn a tap back into lon/lat:
    x = (lon - west) * x_factor * scale, y = (north - lat) * scale."""

    west: float
    north: float
    x_factor: float
    scale: float


@dataclass(frozen=True)
class SvgMap:
    width: int
    height: int
    shapes: list[DrawnShape]
    points: list[DrawnPoint]
    # "grids" or "areas": what the shapes are, for the caption.
    shows: str = "grids"
    projection: Projection | None = None


def _rings(geometry) -> Iterable[Sequence[tuple[float, float]]]:
    polygons = getattr(geometry, "geoms", [geometry])
    for polygon in polygons:
        yield polygon.exterior.coords
        for interior in polygon.interiors:
            yield interior.coords


def draw(
    shapes: Sequence[MapShape], points: Sequence[MapPoint] = (), *, shows: str = "grids"
) -> SvgMap | None:
    """Project shapes and points into one SVG viewBox, simplified to what a phone can show.

    Longitude is scaled by cos(latitude) so grids keep their true proportions.
    """
    geometries = []
    for item in shapes:
        if not item.geometry:
            continue
        try:
            geometries.append((item, shape(item.geometry)))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue  # a malformed boundary is not drawn rather than breaking the page
    if not geometries:
        return None
    min_x = min(g.bounds[0] for _, g in geometries)
    min_y = min(g.bounds[1] for _, g in geometries)
    max_x = max(g.bounds[2] for _, g in geometries)
    max_y = max(g.bounds[3] for _, g in geometries)
    x_factor = math.cos(math.radians((min_y + max_y) / 2))
    span = max((max_x - min_x) * x_factor, max_y - min_y, 1e-9)
    scale = VIEW_WIDTH / span
    height = max(int((max_y - min_y) * scale), 1)
    # Anything finer than ~one SVG unit is invisible; dropping it keeps big maps small.
    tolerance = 0.6 / scale

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - min_x) * x_factor * scale, 1), round((max_y - lat) * scale, 1))

    drawn: list[DrawnShape] = []
    for item, geometry in geometries:
        simple = geometry.simplify(tolerance, preserve_topology=True)
        parts = []
        for ring in _rings(simple):
            coords = [project(lon, lat) for lon, lat in ring]
            parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in coords[:-1]) + "Z")
        anchor = geometry.representative_point()
        label_x, label_y = project(anchor.x, anchor.y)
        drawn.append(
            DrawnShape(
                item.key, item.label, "".join(parts), item.href, item.css_class, label_x, label_y
            )
        )
    drawn_points = [
        DrawnPoint(
            point.label,
            *project(point.lon, point.lat),
            point.href,
            point.key,
            point.detail,
            point.group,
            point.lon,
            point.lat,
        )
        for point in points
    ]
    projection = Projection(min_x, max_y, x_factor, scale)
    return SvgMap(VIEW_WIDTH, height, drawn, drawn_points, shows, projection)
