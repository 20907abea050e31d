"""Point-in-grid lookup over grid polygons (GeoJSON, WGS84 lon/lat), with shapely 2.

Pure geometry: no Django here, so the index can be built and benchmarked without a database
(``bench/locate.py``). ``places.selectors`` wraps it with the database and the cache.

Distances are in metres in a local equirectangular frame: each grid gets its own origin
(its bounding-box centre) and longitudes are scaled by the cosine of that latitude. A grid
spans a few kilometres at most, so the scale error inside it is about 1e-4 of the distance,
far below GPS error, and no projection library is needed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.errors
from shapely.geometry import shape

# Mean Earth radius (IUGG); one degree of latitude is this many metres.
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180

# A point closer than this to its grid's edge may belong to the neighbour: GPS on a phone is
# rarely better, so such a report deserves a human look.
NEAR_BOUNDARY_M = 30.0

_NO_GRID = -1


@dataclass(frozen=True, slots=True)
class GridHit:
    """The grid a point lies in, and how far the point is from that grid's edge."""

    grid_id: int
    boundary_distance_m: float
    near_boundary: bool


def geometry_from_geojson(geojson: Mapping) -> shapely.Geometry:
    """The shapely geometry of a GeoJSON geometry dict (raises on malformed input)."""
    return shape(geojson)


def metres_per_degree_lon(lat: float | np.ndarray) -> float | np.ndarray:
    return METRES_PER_DEGREE * np.cos(np.radians(lat))


def area_m2(geometries) -> np.ndarray:
    """Approximate area in square metres of lon/lat geometries (scaled at each centroid)."""
    geometries = np.asarray(geometries, dtype=object)
    lat = shapely.get_y(shapely.centroid(geometries))
    return shapely.area(geometries) * METRES_PER_DEGREE * metres_per_degree_lon(lat)


def _to_local_metres(geometries: np.ndarray, lon0: np.ndarray, lat0: np.ndarray) -> np.ndarray:
    """Each geometry moved into its own metric frame centred on (lon0[i], lat0[i])."""
    coords, owner = shapely.get_coordinates(geometries, return_index=True)
    scale_x = metres_per_degree_lon(lat0)[owner]
    local = np.column_stack(
        (
            (coords[:, 0] - lon0[owner]) * scale_x,
            (coords[:, 1] - lat0[owner]) * METRES_PER_DEGREE,
        )
    )
    # set_coordinates fills the array it is given; the caller passes fresh geometries.
    return shapely.set_coordinates(geometries, local)


def _parse_dict(geojson: Mapping) -> shapely.Geometry | None:
    try:
        return shape(geojson)
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        shapely.errors.ShapelyError,
    ):
        return None


def _polygonal_part(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygons of a repaired geometry (make_valid may add stray lines or points)."""
    polygons = [
        part
        for part in shapely.get_parts(geometry)
        if part.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()


class GridIndex:
    """Which grid holds a point: an STRtree over prepared grid polygons.

    Build it once from ``(grid_id, geojson)`` pairs, the GeoJSON geometry as a dict or as
    JSON text, and query it many times; it is read-only after construction, so one instance
    may be shared between threads. Grids whose polygon is missing, empty or unreadable are
    left out. An invalid polygon (self-intersecting) is repaired with ``make_valid`` so that
    one bad grid does not break the lookup of every other.
    """

    def __init__(
        self,
        grids: Iterable[tuple[int, Mapping | str | None]],
        *,
        near_boundary_m: float = NEAR_BOUNDARY_M,
    ) -> None:
        ids: list[int] = []
        sources: list[Mapping | str] = []
        for grid_id, geojson in grids:
            if geojson:
                ids.append(int(grid_id))
                sources.append(geojson)
        parsed = np.array(
            [_parse_dict(g) if isinstance(g, Mapping) else None for g in sources], dtype=object
        )
        texts = [position for position, g in enumerate(sources) if isinstance(g, str)]
        if texts:
            # One vectorised parse in GEOS for text from the database: no json.loads per row.
            parsed[texts] = shapely.from_geojson([sources[i] for i in texts], on_invalid="ignore")
        keep = ~(shapely.is_missing(parsed) | shapely.is_empty(parsed))
        invalid = keep & ~shapely.is_valid(parsed)
        for position in np.flatnonzero(invalid):
            parsed[position] = _polygonal_part(shapely.make_valid(parsed[position]))
        keep &= ~shapely.is_empty(parsed)
        self.near_boundary_m = float(near_boundary_m)
        self.ids = np.asarray(ids, dtype=np.int64)[keep]
        self.geometries = np.asarray(parsed, dtype=object)[keep]
        # Prepared polygons make the many point-in-polygon tests of a bulk query cheap.
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)
        bounds = shapely.bounds(self.geometries).reshape(-1, 4)
        self._lon0 = (bounds[:, 0] + bounds[:, 2]) / 2
        self._lat0 = (bounds[:, 1] + bounds[:, 3]) / 2
        self._scale_x = metres_per_degree_lon(self._lat0)
        self._local_edges = _to_local_metres(
            shapely.boundary(self.geometries), self._lon0, self._lat0
        )

    def __len__(self) -> int:
        return len(self.ids)

    def locate(self, lon: float, lat: float) -> GridHit | None:
        """The grid holding (lon, lat), or None when the point lies in no grid.

        Same answers as ``locate_many``, on a shorter path for the one-point case.
        """
        if len(self.ids) == 0:
            return None
        candidates = self.tree.query(shapely.Point(lon, lat))
        hits = candidates[shapely.intersects_xy(self.geometries[candidates], lon, lat)]
        if len(hits) == 0:
            return None
        best = hits[np.argmin(self.ids[hits])]
        distance = float(self._edge_distance_m(best, lon, lat))
        return GridHit(int(self.ids[best]), distance, distance <= self.near_boundary_m)

    def locate_many(
        self, points: Sequence[tuple[float, float]] | np.ndarray
    ) -> list[GridHit | None]:
        """``locate`` for many (lon, lat) points at once, in the same order."""
        grid_ids, distances = self.locate_arrays(points)
        near = distances <= self.near_boundary_m
        return [
            GridHit(int(grid_id), float(distance), bool(is_near)) if grid_id != _NO_GRID else None
            for grid_id, distance, is_near in zip(
                grid_ids.tolist(), distances.tolist(), near.tolist(), strict=True
            )
        ]

    def locate_arrays(self, points) -> tuple[np.ndarray, np.ndarray]:
        """The vectorised core: grid ids (-1 for none) and edge distances in metres (NaN).

        A point on an edge shared by two grids goes to the grid with the lowest id, so the
        answer never depends on the order grids were loaded; its distance is 0, so it is
        always flagged as near the boundary.
        """
        xy = np.asarray(points, dtype=float).reshape(-1, 2)
        count = len(xy)
        grid_ids = np.full(count, _NO_GRID, dtype=np.int64)
        distances = np.full(count, np.nan)
        if count == 0 or len(self.ids) == 0:
            return grid_ids, distances
        lon, lat = xy[:, 0], xy[:, 1]
        # Bounding-box candidates from the tree, then the exact test on prepared polygons
        # straight from the coordinates (no point geometries needed for it).
        point_idx, tree_idx = self.tree.query(shapely.points(xy))
        inside = shapely.intersects_xy(self.geometries[tree_idx], lon[point_idx], lat[point_idx])
        point_idx, tree_idx = point_idx[inside], tree_idx[inside]
        if len(point_idx) == 0:
            return grid_ids, distances
        # Per point, keep the hit with the lowest grid id.
        order = np.lexsort((self.ids[tree_idx], point_idx))
        point_idx, tree_idx = point_idx[order], tree_idx[order]
        first = np.flatnonzero(np.r_[True, point_idx[1:] != point_idx[:-1]])
        point_idx, tree_idx = point_idx[first], tree_idx[first]
        grid_ids[point_idx] = self.ids[tree_idx]
        distances[point_idx] = self._edge_distance_m(tree_idx, lon[point_idx], lat[point_idx])
        return grid_ids, distances

    def _edge_distance_m(self, tree_idx: np.ndarray, lon: np.ndarray, lat: np.ndarray):
        local_points = shapely.points(
            (lon - self._lon0[tree_idx]) * self._scale_x[tree_idx],
            (lat - self._lat0[tree_idx]) * METRES_PER_DEGREE,
        )
        return shapely.distance(local_points, self._local_edges[tree_idx])

    def overlaps(
        self, geometries: Sequence[shapely.Geometry], *, min_area_m2: float = 1.0
    ) -> list[tuple[int, int, float]]:
        """``(input index, grid id, overlap m²)`` for each input overlapping an indexed grid.

        Touching edges and slivers up to ``min_area_m2`` do not count: coordinates digitised
        from different maps rarely meet exactly.
        """
        if len(self.ids) == 0 or len(geometries) == 0:
            return []
        return _overlapping_pairs(
            np.asarray(geometries, dtype=object), self.tree, self.ids, min_area_m2
        )


def overlaps_within(
    geometries: Sequence[shapely.Geometry], *, min_area_m2: float = 1.0
) -> list[tuple[int, int, float]]:
    """``(i, j, overlap m²)`` with i < j for each pair of ``geometries`` that overlap."""
    array = np.asarray(geometries, dtype=object)
    if len(array) < 2:
        return []
    tree = shapely.STRtree(array)
    pairs = _overlapping_pairs(array, tree, np.arange(len(array)), min_area_m2)
    return [(i, j, area) for i, j, area in pairs if i < j]


def _overlapping_pairs(
    geometries: np.ndarray, tree: shapely.STRtree, tree_ids: np.ndarray, min_area_m2: float
) -> list[tuple[int, int, float]]:
    input_idx, tree_idx = tree.query(geometries, predicate="intersects")
    if len(input_idx) == 0:
        return []
    shared = shapely.intersection(geometries[input_idx], tree.geometries[tree_idx])
    areas = area_m2(shared)
    keep = areas > min_area_m2
    return [
        (int(i), int(grid_id), float(area))
        for i, grid_id, area in zip(
            input_idx[keep], tree_ids[tree_idx[keep]], areas[keep], strict=True
        )
    ]
