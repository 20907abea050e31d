"""Reads of the places app: which grid (and region path) holds a point, and the scoped
reads of the region tree that pages and the API show a user.

``locate`` is the system lookup behind intake and dispatch (DESIGN.md §3): it answers for
any point, whoever is asking, because routing a report must work before anyone's scope is
known. Everything a user browses goes through the scoped reads at the end of this module.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from fengqiao.places.models import PATH_SEPARATOR, Building, Region, subtree_q
from fengqiao.places.spatial import METRES_PER_DEGREE, NEAR_BOUNDARY_M, GridHit, GridIndex
from fengqiao.places.text_locate import TextLocation as TextLocation  # address text -> grid
from fengqiao.places.text_locate import locate_text as locate_text


@dataclass(frozen=True)
class Location:
    """Where a point is: its grid, the grid's region path, and whether it sits near an edge.

    ``regions`` runs from the root of the tree down to the grid itself (the grid is last).
    ``near_boundary`` means the point is within ``spatial.NEAR_BOUNDARY_M`` metres of the
    grid's edge and may really belong to a neighbouring grid.
    """

    grid: Region
    regions: tuple[Region, ...]
    near_boundary: bool
    boundary_distance_m: float


def _validated(lon, lat) -> tuple[float, float]:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError) as exc:
        raise ValueError(_("经纬度必须是数字（longitude/latitude must be numbers）")) from exc
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise ValueError(_("经度必须在 -180 到 180 之间（longitude out of range）: %s") % lon)
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise ValueError(_("纬度必须在 -90 到 90 之间（latitude out of range）: %s") % lat)
    return lon, lat


# --- the per-process index --------------------------------------------------------------
#
# Building the index reads every grid polygon, which is far too slow to do per lookup at
# province scale. So each process keeps the last index it built, together with the
# signature of the grid table it was built from, and asks the database for the signature
# before every use. An import or edit in any process changes the signature, and every
# other process rebuilds on its next lookup: the cache can be stale for no request, so it
# is not state that must be kept consistent (DESIGN.md §6).


@dataclass(frozen=True)
class _CachedIndex:
    signature: tuple
    index: GridIndex
    paths: dict[int, str]
    regions: dict[str, Region] = field(default_factory=dict)  # filled as paths are asked for


_cached: _CachedIndex | None = None
_build_lock = threading.Lock()


def _grid_signature() -> tuple:
    """Changes whenever a grid is added, removed or saved: one query of three index reads.

    The row count catches inserts and deletes, even from transactions that commit out of
    order; the newest ``updated_at`` and id catch edits. They are taken over all regions,
    not just grids: SQLite counts a whole table from its page tree at almost no cost but
    must walk the index entry by entry for ``level = 'grid'`` (13 ms at 100,000 grids), and
    a change to a non-grid region, which merely rebuilds the index once, is rare. Written as
    scalar subqueries because one ``aggregate(Count, Max, Max)`` makes the database scan
    the table, where each subquery alone is answered from its own index.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(_signature_parts()))
        return tuple(cursor.fetchone())


def _signature_parts() -> list[str]:
    table = connection.ops.quote_name(Region._meta.db_table)
    return [
        f"(SELECT COUNT(*) FROM {table})",
        f"(SELECT MAX(updated_at) FROM {table})",
        f"(SELECT MAX(id) FROM {table})",
    ]


def grid_index() -> tuple[GridIndex, dict[int, str]]:
    """The spatial index of all grids as they are in the database now, and each grid's path.

    Costs one small query when nothing changed; rebuilds when any grid did. Edits that skip
    ``Model.save`` (``QuerySet.update`` on boundaries) do not touch ``updated_at`` and are
    not seen: change grids through the places services or admin. Edits are recognised by
    ``updated_at``, which the saving server's clock sets, so servers keep their clocks in
    step (NTP); a grid deleted meanwhile is answered as no grid by ``_locations``.
    """
    global _cached
    signature = _grid_signature()
    cached = _cached
    if cached is not None and cached.signature == signature:
        return cached.index, cached.paths
    with _build_lock:
        cached = _cached
        if cached is None or cached.signature != signature:
            # The polygons as JSON text, parsed in one vectorised GEOS call by GridIndex
            # rather than one json.loads per row here.
            rows = list(
                Region.objects.filter(level="grid", boundary__isnull=False)
                .annotate(geojson=Cast("boundary", TextField()))
                .values_list("id", "path", "geojson")
            )
            cached = _CachedIndex(
                signature=signature,
                index=GridIndex((pk, boundary) for pk, _path, boundary in rows),
                paths={pk: path for pk, path, _boundary in rows},
            )
            _cached = cached
    return cached.index, cached.paths


def _codes_on(path: str) -> list[str]:
    return [code for code in path.split(PATH_SEPARATOR) if code]


def _locations(hits: list[GridHit | None], paths: dict[int, str]) -> list[Location | None]:
    """Hits turned into Locations, with the regions on their paths from the process's copy
    (read once per index, and only the paths asked for)."""
    codes = {code for hit in hits if hit for code in _codes_on(paths[hit.grid_id])}
    return _located(hits, paths, _regions_by_code(codes).values())


def _regions_by_code(codes: set[str]) -> dict[str, Region]:
    """The regions with these codes, as of the index ``grid_index`` last checked: a report
    reads its grid's path on every request, and reading five regions again each time was
    a tenth of a report's cost. Kept with the index, so the signature that throws the index
    away throws these away too. Each caller gets its own copies (callers hang related
    objects on them); the polygons are left unread (``grid_index`` holds the geometry)."""
    cached = _cached
    regions = cached.regions if cached is not None else {}
    missing = codes - regions.keys()
    if missing:
        for region in Region.objects.filter(code__in=missing).defer("boundary"):
            regions[region.code] = region
    return {code: copy.copy(regions[code]) for code in codes if code in regions}


def county_code_on(path: str) -> str:
    """The code of the county on a region path (the path's first code when none is a
    county), from the regions this process keeps with its grid index: a case's reference
    number starts with it, and a report has just read its path."""
    codes = _codes_on(path)
    regions = _regions_by_code(set(codes))
    counties = [code for code in codes if code in regions and regions[code].level == "county"]
    return counties[0] if counties else codes[0]


def _located(hits, paths: dict[int, str], regions) -> list[Location | None]:
    by_code = {region.code: region for region in regions}
    locations: list[Location | None] = []
    for hit in hits:
        if hit is None:
            locations.append(None)
            continue
        regions = tuple(by_code[code] for code in _codes_on(paths[hit.grid_id]) if code in by_code)
        if not regions or regions[-1].pk != hit.grid_id:
            # The grid vanished between building the index and this read.
            locations.append(None)
            continue
        locations.append(
            Location(
                grid=regions[-1],
                regions=regions,
                near_boundary=hit.near_boundary,
                boundary_distance_m=hit.boundary_distance_m,
            )
        )
    return locations


def locate(lon: float, lat: float) -> Location | None:
    """The grid holding the WGS84 point (lon, lat), with its region path; None if no grid.

    Raises ``ValueError`` (with a message for the user) when lon or lat is out of range.
    One query of three index reads (the grid table's signature) when the process's index
    is current; more only when a grid changed or a path's regions are read for the first
    time since.
    """
    lon, lat = _validated(lon, lat)
    index, paths = grid_index()
    return _locations([index.locate(lon, lat)], paths)[0]


def locate_many(points: Sequence[tuple[float, float]]) -> list[Location | None]:
    """``locate`` for many (lon, lat) points, in order, with the same two queries in all."""
    checked = [_validated(lon, lat) for lon, lat in points]
    if not checked:
        return []
    index, paths = grid_index()
    return _locations(index.locate_many(checked), paths)


def grids_near(lon: float, lat: float, *, within_m: float = NEAR_BOUNDARY_M) -> list[Region]:
    """The grids within ``within_m`` metres of (lon, lat), nearest first: the one holding
    the point (0 m) and the neighbours it may really belong to. For asking someone whose
    point ``locate`` marks ``near_boundary`` which grid they mean. Unscoped, like ``locate``.
    """
    lon, lat = _validated(lon, lat)
    index, _paths = grid_index()
    if len(index) == 0:
        return []
    scale = np.array([METRES_PER_DEGREE * math.cos(math.radians(lat)), METRES_PER_DEGREE])
    margin_lat = within_m / METRES_PER_DEGREE
    margin_lon = within_m / max(scale[0], 1.0)
    box = shapely.box(lon - margin_lon, lat - margin_lat, lon + margin_lon, lat + margin_lat)
    candidates = index.tree.query(box)
    # Each candidate in local metres around the point, so its distance is one GEOS call.
    local = shapely.transform(
        index.geometries[candidates], lambda xy: (xy - np.array([lon, lat])) * scale
    )
    distances = shapely.distance(local, shapely.Point(0, 0))
    near = sorted(
        (float(distance), int(index.ids[position]))
        for position, distance in zip(candidates, distances, strict=True)
        if distance <= within_m
    )
    by_id = Region.objects.in_bulk([grid_id for _distance, grid_id in near])
    return [by_id[grid_id] for _distance, grid_id in near if grid_id in by_id]


# --- scoped reads for pages and the API --------------------------------------------


def regions_for(user, *, q: str = "", level: str = "") -> QuerySet[Region]:
    regions = Region.objects.for_user(user).select_related("parent")
    q = q.strip()
    if q:
        regions = regions.filter(
            Q(name__icontains=q) | Q(code__startswith=q) | Q(stat_code__startswith=q)
        )
    if level:
        regions = regions.filter(level=level)
    return regions


def children_with_counts(user, region: Region) -> QuerySet[Region]:
    return (
        region.children.for_user(user)
        .annotate(child_count=Count("children", distinct=True))
        .order_by("code")
    )


def grids_under(user, regions) -> QuerySet[Region]:
    """Grids at or under any of ``regions``, inside the user's scope."""
    condition = Q()
    for region in regions:
        condition |= subtree_q(region.path)
    if not condition:
        return Region.objects.none()
    return Region.objects.for_user(user).filter(condition, level="grid").order_by("path")


def buildings_for(user, *, grid: Region | None = None) -> QuerySet[Building]:
    buildings = Building.objects.for_user(user).select_related("grid")
    return buildings.filter(grid=grid) if grid is not None else buildings


# --- the map a report form picks its place from -------------------------------------
#
# One village/community (or a township's own grids) at a time: a phone draws a few dozen
# grid outlines and a few hundred building dots, never a county. Two variants: the public
# form's (grid outlines and building names, addresses and points, all of which are on
# the grid boards and the buildings' QR pages) and staff's (only the grids and buildings
# inside the user's jurisdiction, so a point never names a place they may not see).

PICK_MAP_GRID_LIMIT = 120
PICK_MAP_BUILDING_LIMIT = 600
PICK_MAP_AREA_LEVELS = ("community", "township")


@dataclass(frozen=True)
class PickMapPlaces:
    area: Region
    grids: list[Region]
    buildings: list[Building]


@dataclass(frozen=True)
class PickMapGroup:
    """One township's entries in the map's village list: the township itself first when
    grids sit directly under it (its whole map), then its villages/communities by code."""

    township: Region
    areas: list[Region]


def pick_map_areas(user=None) -> list[PickMapGroup]:
    """The areas a report map can show, grouped by township (townships in code order):
    every village/community holding a grid, and every township holding a grid directly,
    for the public form (``user`` None); for staff those holding a grid of their
    jurisdiction. One query."""
    if user is None:
        grids = Region.objects.filter(level="grid")
    else:
        grids = Region.objects.for_user(user).filter(level="grid")
    areas = (
        Region.objects.filter(pk__in=grids.values("parent_id"), level__in=PICK_MAP_AREA_LEVELS)
        .select_related("parent")
        .only("code", "name", "level", "path", "parent__code", "parent__name", "parent__level")
    )
    groups: dict[str, PickMapGroup] = {}
    for area in areas:
        township = area if area.level == "township" or area.parent is None else area.parent
        group = groups.setdefault(township.code, PickMapGroup(township=township, areas=[]))
        group.areas.append(area)
    for group in groups.values():
        group.areas.sort(key=lambda area: (area.level != "township", area.code))
    return [groups[code] for code in sorted(groups)]


def pick_map_area_at(lon, lat) -> str:
    """The code of the village/community holding the point (for "use my location"), or ""."""
    try:
        location = locate(lon, lat)
    except ValueError:
        return ""
    if location is None or len(location.regions) < 2:
        return ""
    return location.regions[-2].code


def pick_map_places(code: str, user=None) -> PickMapPlaces | None:
    """The grids and buildings of the area ``code`` names, as the public (``user`` None)
    or that member of staff may see them; None for no such area or nothing to show."""
    area = (
        Region.objects.filter(code=(code or "")[:32], level__in=PICK_MAP_AREA_LEVELS)
        .only("code", "name", "level", "path")
        .first()
    )
    if area is None:
        return None
    grids = Region.objects.filter(subtree_q(area.path), level="grid", boundary__isnull=False)
    buildings = Building.objects.published()
    if user is not None:
        grids = grids.for_user(user)
        buildings = Building.objects.for_user(user)
    grids = list(
        grids.only("code", "name", "path", "boundary", "parent_id").order_by("path")[
            :PICK_MAP_GRID_LIMIT
        ]
    )
    if not grids:
        return None
    chosen = (
        buildings.filter(grid__in=[grid.pk for grid in grids])
        .select_related("grid")
        .only("code", "name", "address", "lon", "lat", "grid__code", "grid__name")
        .order_by("code")[:PICK_MAP_BUILDING_LIMIT]
    )
    return PickMapPlaces(area=area, grids=grids, buildings=list(chosen))


def pick_map_version(code: str, user=None) -> str:
    """What the area's map was drawn from, cheaply: changes when a grid or building in it
    is saved, added or removed (for the map's ETag)."""
    area = Region.objects.filter(code=(code or "")[:32]).only("path").first()
    if area is None:
        return "none"
    grids = Region.objects.filter(subtree_q(area.path))
    buildings = Building.objects.filter(subtree_q(area.path, "grid__path"))
    if user is not None:
        grids, buildings = grids.for_user(user), buildings.for_user(user)
    grid_stats = grids.aggregate(n=Count("id"), at=Max("updated_at"))
    building_stats = buildings.aggregate(n=Count("id"), at=Max("updated_at"))
    return "|".join(
        str(value)
        for value in (grid_stats["n"], grid_stats["at"], building_stats["n"], building_stats["at"])
    )
