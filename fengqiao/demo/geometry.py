"""Plane geometry for the demo county: an outline, well-spread seed points, and nested
Voronoi partitions that tile each parent exactly (no gaps, no overlaps, one polygon each).

Everything is computed in kilometres on a local plane and turned into WGS84 longitude and
latitude only at the end, so cells are not stretched east-west by the latitude.
"""

from __future__ import annotations

import math
import random

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon

KM_PER_DEGREE_LAT = 110.574
COORDINATE_DECIMALS = 6
# Pieces smaller than this share of their parent are slivers: merged into a neighbour.
SLIVER_SHARE = 1e-5


def county_outline(rng: random.Random, radius_km: float) -> Polygon:
    """An irregular, county-like blob about ``2 * radius_km`` across, centred on (0, 0)."""
    harmonics = [
        (k, rng.uniform(0.04, 0.16) / math.sqrt(k), rng.uniform(0, 2 * math.pi))
        for k in range(2, 9)
    ]
    ring = []
    steps = 144
    for i in range(steps):
        theta = 2 * math.pi * i / steps
        wobble = sum(amp * math.sin(k * theta + phase) for k, amp, phase in harmonics)
        jitter = rng.uniform(-0.015, 0.015)
        r = radius_km * (1 + wobble + jitter)
        ring.append((r * math.cos(theta), r * math.sin(theta)))
    outline = Polygon(ring)
    return outline if outline.is_valid else shapely.make_valid(outline).buffer(0)


def random_points_in(polygon: Polygon, count: int, rng: random.Random) -> np.ndarray:
    """``count`` uniformly random points inside ``polygon`` (rejection sampling, vectorised)."""
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    found: list[np.ndarray] = [np.empty((0, 2))]
    total = 0
    np_rng = np.random.default_rng(rng.getrandbits(32))
    while total < count:
        batch = max(16, int((count - total) * 2.5))
        xs = np_rng.uniform(minx, maxx, batch)
        ys = np_rng.uniform(miny, maxy, batch)
        inside = shapely.contains_xy(polygon, xs, ys)
        points = np.column_stack([xs[inside], ys[inside]])
        found.append(points)
        total += len(points)
    return np.concatenate(found)[:count]


def spread_points(
    polygon: Polygon,
    count: int,
    rng: random.Random,
    *,
    fixed: np.ndarray | None = None,
    candidates: int = 10,
) -> np.ndarray:
    """``count`` points inside ``polygon``, evenly spread (Mitchell's best candidate).

    ``fixed`` are points already placed (kept away from, not returned).
    """
    placed = np.empty((0, 2)) if fixed is None else np.asarray(fixed, dtype=float)
    pool = random_points_in(polygon, count * candidates, rng)
    chosen: list[np.ndarray] = []
    for i in range(count):
        options = pool[i * candidates : (i + 1) * candidates]
        if len(placed) == 0:
            best = options[0]
        else:
            gaps = np.min(
                np.hypot(
                    options[:, None, 0] - placed[None, :, 0],
                    options[:, None, 1] - placed[None, :, 1],
                ),
                axis=1,
            )
            best = options[int(np.argmax(gaps))]
        chosen.append(best)
        placed = np.vstack([placed, best])
    return np.array(chosen)


def partition(parent: Polygon, seeds: np.ndarray) -> list[Polygon]:
    """Split ``parent`` into one polygon per seed (in seed order) that tile it exactly.

    Voronoi cells are clipped to the parent; where clipping cuts a cell in two (a concave
    parent), the piece without the seed is handed to the neighbour sharing most border, so
    every cell stays a single polygon and the union is still the whole parent.
    """
    if len(seeds) == 1:
        return [parent]
    cells = shapely.voronoi_polygons(
        MultiPoint([tuple(p) for p in seeds]), extend_to=parent, ordered=True
    )
    pieces: list[Polygon] = []
    orphans: list[Polygon] = []
    min_area = parent.area * SLIVER_SHARE
    for seed, cell in zip(seeds, cells.geoms, strict=True):
        clipped = _polygons(cell.intersection(parent))
        seed_point = Point(seed)
        clipped.sort(key=lambda poly: (not poly.covers(seed_point), -poly.area))
        pieces.append(clipped[0] if clipped else Polygon())
        orphans.extend(poly for poly in clipped[1:])
    for orphan in sorted(orphans, key=lambda poly: -poly.area):
        shared = [orphan.boundary.intersection(piece.boundary).length for piece in pieces]
        best = int(np.argmax(shared))
        if shared[best] == 0 and orphan.area < min_area:
            continue  # a speck touching nothing: too small to matter
        merged = _polygons(shapely.union(pieces[best], orphan))
        pieces[best] = max(merged, key=lambda poly: poly.area)
    return pieces


def _polygons(geometry) -> list[Polygon]:
    """The polygon parts of any geometry, made valid, without empty ones."""
    if geometry.is_empty:
        return []
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    if isinstance(geometry, Polygon):
        return [geometry]
    parts = []
    for part in getattr(geometry, "geoms", []):
        parts.extend(_polygons(part))
    return parts


class LocalPlane:
    """Kilometres east and north of an origin, to and from WGS84 degrees."""

    def __init__(self, lon: float, lat: float) -> None:
        self.lon = lon
        self.lat = lat
        self.km_per_degree_lon = KM_PER_DEGREE_LAT * 1.00336 * math.cos(math.radians(lat))

    def to_degrees(self, geometry):
        def project(coords: np.ndarray) -> np.ndarray:
            return np.column_stack(
                [
                    self.lon + coords[:, 0] / self.km_per_degree_lon,
                    self.lat + coords[:, 1] / KM_PER_DEGREE_LAT,
                ]
            )

        return shapely.transform(geometry, project)

    def point_to_degrees(self, x: float, y: float) -> tuple[float, float]:
        return (
            round(self.lon + x / self.km_per_degree_lon, COORDINATE_DECIMALS),
            round(self.lat + y / KM_PER_DEGREE_LAT, COORDINATE_DECIMALS),
        )


def snap_coverage(polygons: list[Polygon]) -> list[Polygon]:
    """The same tiling on a 1e-6 degree grid (about 0.1 m), each polygon valid.

    Rounding each polygon alone would move a vertex that lies mid-edge on its neighbour
    off that edge, leaving slivers of overlap. So the boundaries are noded and rounded
    together, the faces rebuilt from them, and each face given back to the polygon it
    lies in: neighbours then share every vertex exactly.
    """
    precision = 10**-COORDINATE_DECIMALS
    lines = shapely.union_all([polygon.boundary for polygon in polygons], grid_size=precision)
    faces = list(shapely.polygonize(list(shapely.get_parts(lines))).geoms)
    tree = shapely.STRtree(polygons)
    inside = shapely.point_on_surface(faces)
    owner: dict[int, int] = {}
    for face, polygon in zip(*tree.query(inside, predicate="within"), strict=True):
        owner.setdefault(int(face), int(polygon))
    owned: list[list[Polygon]] = [[] for _ in polygons]
    for i, face in enumerate(faces):
        if i not in owner:
            owner[i] = int(tree.query_nearest(inside[i])[0])
        owned[owner[i]].append(face)
    return [union_of(parts) for parts in owned]


def union_of(polygons: list[Polygon]) -> Polygon:
    """The union of snapped, edge-sharing polygons, kept on the same grid, as one polygon."""
    merged = shapely.union_all(polygons, grid_size=10**-COORDINATE_DECIMALS)
    return max(_polygons(merged), key=lambda polygon: polygon.area)


def to_geojson(polygon: Polygon) -> dict:
    """A GeoJSON Polygon with coordinates rounded to six decimals."""
    rings = [polygon.exterior, *polygon.interiors]
    return {
        "type": "Polygon",
        "coordinates": [
            np.round(shapely.get_coordinates(ring), COORDINATE_DECIMALS).tolist() for ring in rings
        ],
    }


def label_point(polygon: Polygon) -> tuple[float, float]:
    """The centroid, or a point surely inside when the centroid falls outside."""
    point = polygon.centroid
    if not polygon.contains(point):
        point = polygon.representative_point()
    return round(point.x, COORDINATE_DECIMALS), round(point.y, COORDINATE_DECIMALS)
