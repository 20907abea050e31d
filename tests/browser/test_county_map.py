"""A county's map is drawn with fills: above the grid limit it shows the areas one level
down (``places.maps.area_map``), and those shapes are coloured like grids, not solid black."""

from __future__ import annotations

import pytest

from fengqiao.places import maps
from fengqiao.places.models import Region

pytestmark = pytest.mark.browser


def test_the_county_map_draws_its_townships_with_fills(world, logged_in_page, page_errors):
    # The test world's townships have no outline of their own: give each one of its grid's.
    for township, grid in ((world.township_a, world.grid_a1), (world.township_b, world.grid_b1)):
        Region.objects.filter(pk=township.pk).update(boundary=grid.boundary)
    maps.MAP_GRID_LIMIT, limit = 0, maps.MAP_GRID_LIMIT  # a county's worth of grids
    try:
        page = logged_in_page(world.county_admin)
        page.goto(f"/places/regions/{world.county.code}/")
        areas = page.locator("figure.map svg path.area")
        areas.first.wait_for()
        assert areas.count() >= 1
        fills = {
            areas.nth(i).evaluate("shape => getComputedStyle(shape).fill")
            for i in range(areas.count())
        }
        assert "rgb(0, 0, 0)" not in fills, fills
    finally:
        maps.MAP_GRID_LIMIT = limit
    assert page_errors == []
