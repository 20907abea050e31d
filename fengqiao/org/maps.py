"""The maps of places with the people on them: the grids under some regions drawn as SVG
(``places.maps``) and, when the list is short enough to read, who packages each grid."""

from __future__ import annotations

from fengqiao.org.selectors import responsibles_for_grids
from fengqiao.places.maps import area_map
from fengqiao.places.selectors import grids_under

# Above this many grids a page shows its map without the grid-by-grid table.
GRID_TABLE_LIMIT = 80


def grids_overview(user, regions, *, highlighted: set[int] = frozenset()) -> dict:
    """The map of the grids under ``regions`` and, when few enough, who packages each."""
    grids = grids_under(user, regions)
    count = grids.count()
    overview = {"grid_count": count, "map": area_map(user, regions, grids, count, highlighted)}
    if count <= GRID_TABLE_LIMIT:
        rows = list(grids)
        responsible = responsibles_for_grids(rows)
        overview["grid_rows"] = [(grid, responsible[grid.pk]) for grid in rows]
    return overview
