"""The maps pages show: grids (or, for big areas, the areas one level down) drawn as SVG.

Who packages each grid is org's to add (``fengqiao.org.maps``): places knows no people.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse

from fengqiao.places.map_svg import MapPoint, MapShape, SvgMap, draw
from fengqiao.places.models import Region
from fengqiao.places.selectors import PickMapPlaces

# Above this many grids the map draws the areas one level down instead: a county's
# thousands of grid outlines would weigh megabytes on a phone and show nothing readable.
MAP_GRID_LIMIT = 400


def _shapes(regions, css_class: str, highlighted: set[int] = frozenset()) -> list[MapShape]:
    return [
        MapShape(
            key=region.code,
            label=region.name,
            geometry=region.boundary,
            href=reverse("places:region", args=[region.code]),
            css_class=f"{css_class} selected" if region.pk in highlighted else css_class,
        )
        for region in regions
    ]


def grid_map(
    grids, *, buildings=(), selected: Region | None = None, highlighted: set[int] = frozenset()
) -> SvgMap | None:
    """The SVG map of ``grids`` (each linking to its page), with ``buildings`` as dots;
    ``selected`` or ``highlighted`` grids stand out."""
    points = [
        MapPoint(b.name, b.lon, b.lat, reverse("places:building", args=[b.pk])) for b in buildings
    ]
    if selected is not None:
        highlighted = {selected.pk}
    return draw(_shapes(grids, "grid", highlighted), points)


def area_map(
    user, regions, grids: QuerySet[Region], grid_count: int, highlighted: set[int] = frozenset()
) -> SvgMap | None:
    """The map of ``regions``: their ``grids`` when few enough, else the areas one level down."""
    if grid_count <= MAP_GRID_LIMIT:
        return grid_map(grids, highlighted=highlighted)
    areas = (
        Region.objects.for_user(user)
        .filter(parent__in=list(regions), boundary__isnull=False)
        .order_by("path")
    )
    return draw(_shapes(areas, "area"), shows="areas")


def pick_map(places: PickMapPlaces) -> SvgMap | None:
    """The map a report form picks its place from: the area's grids (named, not linked)
    and its buildings as dots carrying their code, address and grid for the page's script.
    Only what ``places`` holds is drawn; which places those are is the selector's to scope."""
    shapes = [
        MapShape(key=grid.code, label=grid.name, geometry=grid.boundary, css_class="grid")
        for grid in places.grids
    ]
    points = [
        MapPoint(
            building.name,
            building.lon,
            building.lat,
            key=building.code,
            detail=building.address or building.name,
            group=building.grid.code,
        )
        for building in places.buildings
    ]
    return draw(shapes, points)
