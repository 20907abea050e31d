"""Point-in-grid lookup over grid polygons (GeoJSON, WGS84 lon/lat), with shapely 2 and numpy.

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
# Closer than this (a millimetre) to an edge is on it: coordinates are stored to ~0.1 m.
_ON_EDGE_M = 1e-3
# Lattice cells per grid for the candidate search, and a cap on its memory.
_CELLS_PER_GRID = 4
_MAX_CELLS = 8_000_000
# Edges measured per numpy pass (bounds the temporaries' memory).
_EDGE_CHUNK = 1_000_000


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


class _CellIndex:
    """Bounding-box candidates for many points by arithmetic: a uniform lattice of cells,
    each listing the grids whose bounding box touches it.

    For points given as coordinates it answers what ``STRtree.query`` answers, without
    making a point geometry per point or walking a tree; cells are sized so that a cell
    holds a grid or two.
    """

    def __init__(self, bounds: np.ndarray) -> None:
        self.bounds = bounds
        self.x0, self.y0 = bounds[:, 0].min(), bounds[:, 1].min()
        width = max(bounds[:, 2].max() - self.x0, 1e-9)
        height = max(bounds[:, 3].max() - self.y0, 1e-9)
        cells = min(_CELLS_PER_GRID * len(bounds), _MAX_CELLS)
        self.size = max(math.sqrt(width * height / cells), 1e-9)
        self.nx = int(width // self.size) + 1
        self.ny = int(height // self.size) + 1
        ix0, iy0 = self._cell_xy(bounds[:, 0], bounds[:, 1])
        ix1, iy1 = self._cell_xy(bounds[:, 2], bounds[:, 3])
        span_x, span_y = ix1 - ix0 + 1, iy1 - iy0 + 1
        per_grid = span_x * span_y
        grid = np.repeat(np.arange(len(bounds)), per_grid)
        k = np.arange(per_grid.sum()) - np.repeat(np.cumsum(per_grid) - per_grid, per_grid)
        cell = (iy0[grid] + k // span_x[grid]) * self.nx + ix0[grid] + k % span_x[grid]
        order = np.argsort(cell, kind="stable")
        self.members = grid[order]
        self.starts = np.searchsorted(cell[order], np.arange(self.nx * self.ny + 1))

    def _cell_xy(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ix = np.clip(((x - self.x0) // self.size).astype(np.int64), 0, self.nx - 1)
        iy = np.clip(((y - self.y0) // self.size).astype(np.int64), 0, self.ny - 1)
        return ix, iy

    def query(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point index, grid index) for each grid whose bounding box holds the point."""
        ix, iy = self._cell_xy(lon, lat)
        cell = iy * self.nx + ix
        first, counts = self.starts[cell], self.starts[cell + 1] - self.starts[cell]
        point = np.repeat(np.arange(len(lon)), counts)
        entry = np.repeat(first - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
        grid = self.members[entry]
        box = self.bounds[grid]
        px, py = lon[point], lat[point]
        keep = (box[:, 0] <= px) & (px <= box[:, 2]) & (box[:, 1] <= py) & (py <= box[:, 3])
        return point[keep], grid[keep]


class _EdgeTable:
    """Every grid's ring edges in the grid's own metric frame, stored flat for numpy.

    ``measure`` runs the even-odd (crossing number) point-in-polygon test and the distance
    to the nearest edge together, as whole-array arithmetic over all (point, grid) pairs:
    one pass over each candidate's edges instead of a GEOS call per pair and per question.
    """

    def __init__(self, geometries, lon0, lat0, scale_x) -> None:
        self.lon0, self.lat0, self.scale_x = lon0, lat0, scale_x
        parts, part_owner = shapely.get_parts(geometries, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        same_ring = coord_ring[1:] == coord_ring[:-1]
        start, end = coords[:-1][same_ring], coords[1:][same_ring]
        owner = part_owner[ring_part[coord_ring[:-1][same_ring]]]
        self.first = np.searchsorted(owner, np.arange(len(geometries)))
        self.count = np.diff(np.r_[self.first, len(owner)])
        # Single precision is ample inside one grid's frame (well under a millimetre across
        # tens of kilometres) and halves the memory traffic of the per-edge passes.
        ax = (start[:, 0] - lon0[owner]) * scale_x[owner]
        ay = (start[:, 1] - lat0[owner]) * METRES_PER_DEGREE
        by = (end[:, 1] - lat0[owner]) * METRES_PER_DEGREE
        dx = (end[:, 0] - lon0[owner]) * scale_x[owner] - ax
        dy = by - ay
        length2 = dx**2 + dy**2
        # Zero-length edges measure as their start point.
        inv_length2 = np.divide(1, length2, out=np.zeros_like(length2), where=length2 > 0)
        # A vertex's latitude is one number for both of its edges (the end of one, the start
        # of the next, computed alike): the ray test compares the point with it directly.
        self.ax, self.ay, self.by, self.dx, self.dy, self.inv_length2 = (
            a.astype(np.float32) for a in (ax, ay, by, dx, dy, inv_length2)
        )

    def measure(self, grid: np.ndarray, lon: np.ndarray, lat: np.ndarray):
        """For each pair (grid[i], point i): inside (bool) and distance to its edge (m)."""
        counts = self.count[grid]
        total = int(counts.sum())
        if total <= _EDGE_CHUNK:
            return self._measure(grid, lon, lat)
        # Bounded chunks keep the per-edge temporaries to a few tens of megabytes.
        inside = np.zeros(len(grid), dtype=bool)
        distance = np.zeros(len(grid))
        cuts = np.searchsorted(np.cumsum(counts), np.arange(_EDGE_CHUNK, total, _EDGE_CHUNK))
        for chunk in np.split(np.arange(len(grid)), np.unique(cuts)):
            if len(chunk):
                inside[chunk], distance[chunk] = self._measure(grid[chunk], lon[chunk], lat[chunk])
        return inside, distance

    def _measure(self, grid, lon, lat):
        counts = self.count[grid]
        offsets = np.cumsum(counts) - counts
        edge = np.repeat(self.first[grid] - offsets, counts) + np.arange(counts.sum())
        pair = np.repeat(np.arange(len(grid)), counts)
        # The point relative to each edge's start, in the grid's frame.
        rx = ((lon - self.lon0[grid]) * self.scale_x[grid]).astype(np.float32)[pair]
        py = ((lat - self.lat0[grid]) * METRES_PER_DEGREE).astype(np.float32)[pair]
        # Even-odd rule with a ray to the east: the edge straddles the point's latitude
        # (half-open, so a vertex on the ray counts once) and passes east of the point,
        # i.e. the cross product's sign agrees with the edge's direction. The straddle
        # compares the point with the edge's two end latitudes as stored, never with a
        # difference rounded on its own: a point on a vertex's latitude (six decimals,
        # like the polygon's) was otherwise counted by both edges or by neither, and so
        # found outside its grid, or inside one it is not in.
        straddles = (py < self.ay[edge]) != (py < self.by[edge])
        ry = py - self.ay[edge]
        rx -= self.ax[edge]
        dx, dy = self.dx[edge], self.dy[edge]
        east = (rx * dy < dx * ry) == (dy > 0)
        inside = (np.add.reduceat(straddles & east, offsets) & 1).astype(bool)
        t = rx * dx
        t += ry * dy
        t *= self.inv_length2[edge]
        np.clip(t, 0, 1, out=t)
        rx -= t * dx
        ry -= t * dy
        rx *= rx
        ry *= ry
        rx += ry
        distance = np.sqrt(np.minimum.reduceat(rx, offsets).astype(np.float64))
        return inside, distance


class GridIndex:
    """Which grid holds a point, and how far the point is from that grid's edge.

    Many points at once (``locate_arrays``, ``locate_many``) find their candidate grids in
    a lattice of cells and settle them with one numpy pass over the candidates' edges; one
    point (``locate``) finds its candidates in shapely's STRtree, which also serves the
    overlap checks of the grid import. Both give the same answers.

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
        self._cells = _CellIndex(bounds) if len(self.ids) else None
        self._edges = _EdgeTable(self.geometries, self._lon0, self._lat0, self._scale_x)

    def __len__(self) -> int:
        return len(self.ids)

    def locate(self, lon: float, lat: float) -> GridHit | None:
        """The grid holding (lon, lat), or None when the point lies in no grid.

        Same answers as ``locate_many``, on a shorter path for the one-point case.
        """
        if len(self.ids) == 0 or not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        # The tree's bounding-box query is cheaper than the lattice's array set-up for one.
        candidates = self.tree.query(shapely.Point(lon, lat))
        grid_ids, distances = np.full(1, _NO_GRID, dtype=np.int64), np.full(1, np.nan)
        self._resolve(
            np.zeros(len(candidates), dtype=np.int64),
            candidates,
            np.array([lon]),
            np.array([lat]),
            grid_ids,
            distances,
        )
        if grid_ids[0] == _NO_GRID:
            return None
        distance = float(distances[0])
        return GridHit(int(grid_ids[0]), distance, distance <= self.near_boundary_m)

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
        # Bounding-box candidates from the cell lattice; then, for every candidate, one pass over
        # its edges answers both "inside?" and "how far from the edge?".
        finite = np.isfinite(xy).all(axis=1)
        point_idx, tree_idx = self._cells.query(np.where(finite, lon, 0), np.where(finite, lat, 0))
        keep = finite[point_idx]
        self._resolve(point_idx[keep], tree_idx[keep], lon, lat, grid_ids, distances)
        return grid_ids, distances

    def _resolve(self, point_idx, tree_idx, lon, lat, grid_ids, distances) -> None:
        """Fill ``grid_ids`` and ``distances`` from candidate (point, grid) pairs."""
        if len(point_idx) == 0:
            return
        inside, edge_m = self._edges.measure(tree_idx, lon[point_idx], lat[point_idx])
        # A point on an edge counts as inside each grid sharing that edge.
        hit = inside | (edge_m <= _ON_EDGE_M)
        point_idx, tree_idx, edge_m = point_idx[hit], tree_idx[hit], edge_m[hit]
        if len(point_idx) == 0:
            return
        # Per point, keep the hit with the lowest grid id.
        order = np.lexsort((self.ids[tree_idx], point_idx))
        point_idx, tree_idx, edge_m = point_idx[order], tree_idx[order], edge_m[order]
        first = np.flatnonzero(np.concatenate(([True], point_idx[1:] != point_idx[:-1])))
        grid_ids[point_idx[first]] = self.ids[tree_idx[first]]
        # To the millimetre: finer digits are floating-point noise, not geography.
        distances[point_idx[first]] = np.round(edge_m[first], 3)

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
