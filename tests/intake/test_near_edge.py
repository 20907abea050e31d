"""Near a grid's edge the public form asks the reporter which grid they mean."""

from __future__ import annotations

from fengqiao.places import selectors as places

# grid_a1 is the square 120.00–120.01 E, grid_a2 the square east of it: they share the
# meridian 120.01. 0.0001° of longitude at 30° N is about 9.6 m.
NEAR_EDGE = (120.0099, 30.005)
MIDDLE = (120.005, 30.005)


def test_grids_near_a_point_by_an_edge_are_both_sides_nearest_first(world):
    assert places.grids_near(*NEAR_EDGE) == [world.grid_a1, world.grid_a2]
    assert places.locate(*NEAR_EDGE).near_boundary


def test_a_point_in_the_middle_of_a_grid_has_only_its_own(world):
    assert places.grids_near(*MIDDLE) == [world.grid_a1]
    assert places.grids_near(130.0, 10.0) == []
