"""places.selectors.locate: point -> grid and region path, against the database."""

import pytest

from fengqiao.places.selectors import locate, locate_many
from tests.factories import RegionFactory, square

# Metres per degree of longitude at 30°N, to place points a known distance from an edge.
LON_METRES_AT_30N = 6_371_008.8 * 3.141592653589793 / 180 * 0.8660254


def codes(location):
    return [region.code for region in location.regions]


def test_a_point_inside_a_grid_gives_the_grid_and_its_path_from_the_root(world):
    location = locate(120.005, 30.005)
    assert location.grid == world.grid_a1
    assert codes(location) == ["330699", "330699001", "330699001001", "330699001001G01"]
    assert not location.near_boundary
    assert location.boundary_distance_m == pytest.approx(481.5, abs=1)


def test_a_point_outside_every_grid_gives_none(world):
    assert locate(121.5, 31.5) is None
    assert locate(120.05, 30.005) is None  # between grid_a2 and grid_b1


def test_a_point_within_30_metres_of_the_edge_is_flagged(world):
    location = locate(120.00 + 20 / LON_METRES_AT_30N, 30.005)
    assert location.grid == world.grid_a1
    assert location.near_boundary
    assert location.boundary_distance_m == pytest.approx(20, abs=0.05)


def test_a_point_100_metres_inside_is_not_flagged(world):
    location = locate(120.00 + 100 / LON_METRES_AT_30N, 30.005)
    assert location.grid == world.grid_a1
    assert not location.near_boundary
    assert location.boundary_distance_m == pytest.approx(100, abs=0.1)


def test_a_point_on_the_edge_between_two_grids_picks_one_and_flags_it(world):
    location = locate(120.01, 30.005)
    assert location.grid in (world.grid_a1, world.grid_a2)
    assert location.grid == locate(120.01, 30.005).grid
    assert location.near_boundary and location.boundary_distance_m == 0


def test_a_grid_added_through_the_orm_is_found_without_a_restart(world):
    assert locate(120.055, 30.005) is None
    new_grid = RegionFactory(
        code="330699001001G03",
        name="甲村三网格",
        level="grid",
        parent=world.community_a,
        boundary=square(120.05, 30.00),
    )
    assert locate(120.055, 30.005).grid == new_grid


def test_a_moved_boundary_is_seen_at_once(world):
    assert locate(120.105, 30.005).grid == world.grid_b1
    world.grid_b1.boundary = square(120.20, 30.00)
    world.grid_b1.save()
    assert locate(120.105, 30.005) is None
    assert locate(120.205, 30.005).grid == world.grid_b1


def test_a_deleted_grid_is_no_longer_found(world):
    assert locate(120.105, 30.005).grid == world.grid_b1
    world.building_b1.delete()
    world.grid_b1.delete()
    assert locate(120.105, 30.005) is None


@pytest.mark.parametrize(
    ("lon", "lat", "message"),
    [
        (181, 30, "经度必须在 -180 到 180 之间"),
        (-180.5, 30, "经度必须在 -180 到 180 之间"),
        (120, 91, "纬度必须在 -90 到 90 之间"),
        (float("nan"), 30, "经度必须在 -180 到 180 之间"),
        ("东经120度", 30, "经纬度必须是数字"),
    ],
)
def test_bad_coordinates_are_refused_with_a_message(world, lon, lat, message):
    with pytest.raises(ValueError, match=message):
        locate(lon, lat)


def test_a_lookup_costs_one_query_once_the_index_is_built(world, django_assert_num_queries):
    locate(120.005, 30.005)
    with django_assert_num_queries(2):  # the signature, and the one region not read yet
        assert locate(120.015, 30.005).grid == world.grid_a2
    with django_assert_num_queries(1):  # the signature: the path's regions are kept
        located = locate(120.016, 30.006)
    assert located.grid == world.grid_a2
    assert [r.code for r in located.regions] == [
        "330699",
        "330699001",
        "330699001001",
        "330699001001G02",
    ]


def test_a_region_saved_after_its_path_was_read_is_seen_at_once(world):
    assert locate(120.005, 30.005).regions[-2].name == "甲村"
    world.community_a.name = "甲村社区"
    world.community_a.save()
    assert locate(120.005, 30.005).regions[-2].name == "甲村社区"


def test_each_lookup_gets_regions_of_its_own(world):
    located = locate(120.005, 30.005)
    located.grid.name = "改过的名字"
    assert locate(120.005, 30.005).grid.name == "甲村一网格"


def test_a_point_outside_every_grid_costs_one_query(world, django_assert_num_queries):
    locate(120.005, 30.005)
    with django_assert_num_queries(1):  # no path to read: the signature alone
        assert locate(0.0, 0.0) is None


def test_a_grid_saved_after_the_index_was_built_is_seen_at_once(world):
    assert locate(120.205, 30.005) is None
    RegionFactory(
        code="330699002001G02",
        name="乙社区二网格",
        level="grid",
        parent=world.community_b,
        boundary=square(120.20, 30.00),
    )
    assert locate(120.205, 30.005).grid.code == "330699002001G02"


def test_a_grid_moved_after_the_index_was_built_answers_from_the_new_shape(world):
    assert locate(120.005, 30.005).grid == world.grid_a1
    # grid_a1 moves away; grid_a2 takes its place on the map (saved: updated_at changes).
    world.grid_a1.boundary = square(121.00, 31.00)
    world.grid_a1.save()
    world.grid_a2.boundary = square(120.00, 30.00)
    world.grid_a2.save()
    assert locate(120.005, 30.005).grid == world.grid_a2


def test_locate_many_answers_in_order_with_two_queries(world, django_assert_num_queries):
    locate(120.005, 30.005)
    with django_assert_num_queries(2):
        locations = locate_many([(120.105, 30.005), (0.0, 0.0), (120.005, 30.005)])
    assert [loc.grid.code if loc else None for loc in locations] == [
        "330699002001G01",
        None,
        "330699001001G01",
    ]
    assert codes(locations[0])[:2] == ["330699", "330699002"]


def test_locate_many_refuses_any_bad_point(world):
    with pytest.raises(ValueError, match="纬度"):
        locate_many([(120.0, 30.0), (120.0, -95.0)])
