"""The pure spatial index: no database."""

import json
import math
import random

from hypothesis import given
from hypothesis import strategies as st

from fengqiao.places.spatial import (
    METRES_PER_DEGREE,
    GridIndex,
    geometry_from_geojson,
    overlaps_within,
)
from tests.factories import square


def rectangle(lon, lat, width, height):
    ring = [
        [lon, lat],
        [lon + width, lat],
        [lon + width, lat + height],
        [lon, lat + height],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def test_point_on_a_shared_edge_goes_to_the_lowest_id_whatever_the_load_order():
    left, right = (7, square(120.00, 30.00)), (3, square(120.01, 30.00))
    for grids in ([left, right], [right, left]):
        hit = GridIndex(grids).locate(120.01, 30.005)
        assert hit.grid_id == 3
        assert hit.near_boundary and hit.boundary_distance_m == 0


def test_grids_without_a_polygon_are_left_out_and_an_empty_index_finds_nothing():
    assert len(GridIndex([(1, None), (2, {})])) == 0
    assert GridIndex([]).locate_many([(120.0, 30.0), (0, 0)]) == [None, None]


def test_a_self_intersecting_grid_is_repaired_rather_than_breaking_the_index():
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    index = GridIndex([(1, bow_tie), (2, square(120.0, 30.0))])
    assert index.locate(0.9, 0.5).grid_id == 1
    assert index.locate(120.005, 30.005).grid_id == 2


def test_locate_many_keeps_the_order_of_the_points():
    index = GridIndex([(1, square(120.00, 30.00)), (2, square(120.01, 30.00))])
    hits = index.locate_many([(120.015, 30.005), (50.0, 50.0), (120.005, 30.005)])
    assert [hit.grid_id if hit else None for hit in hits] == [2, None, 1]


def test_touching_squares_do_not_overlap_but_shifted_ones_do():
    a, b = (
        geometry_from_geojson(square(120.00, 30.00)),
        geometry_from_geojson(square(120.01, 30.00)),
    )
    shifted = geometry_from_geojson(square(120.005, 30.00))
    assert overlaps_within([a, b]) == []
    (pair,) = overlaps_within([a, shifted])
    # Half a 0.01° square at 30°N: about 481 m × 1112 m.
    assert pair[:2] == (0, 1) and math.isclose(pair[2], 535_365, rel_tol=1e-3)


@given(
    lon=st.floats(-179.0, 179.0),
    lat=st.floats(-80.0, 79.0),
    width=st.floats(1e-4, 0.5),
    height=st.floats(1e-4, 0.5),
    fx=st.floats(0.01, 0.99),
    fy=st.floats(0.01, 0.99),
)
def test_a_point_inside_a_rectangle_is_located_to_it_with_its_edge_distance(
    lon, lat, width, height, fx, fy
):
    index = GridIndex([(42, rectangle(lon, lat, width, height)), (7, square(0.5, 85.0))])
    hit = index.locate(lon + fx * width, lat + fy * height)
    assert hit is not None and hit.grid_id == 42
    metres_x = METRES_PER_DEGREE * math.cos(math.radians(lat + height / 2))
    expected = min(
        fx * width * metres_x,
        (1 - fx) * width * metres_x,
        fy * height * METRES_PER_DEGREE,
        (1 - fy) * height * METRES_PER_DEGREE,
    )
    # Centimetres: far finer than any phone GPS, and what single precision keeps.
    assert math.isclose(hit.boundary_distance_m, expected, rel_tol=1e-5, abs_tol=1e-2)
    assert hit.near_boundary == (hit.boundary_distance_m <= 30)


def test_one_point_and_many_points_give_the_same_answers():
    grids = [(n, square(120.0 + 0.01 * (n % 5), 30.0 + 0.01 * (n // 5))) for n in range(25)]
    index = GridIndex(grids)
    rng = random.Random(5)
    points = [(rng.uniform(119.99, 120.06), rng.uniform(29.99, 30.06)) for _ in range(500)]
    points += [(120.01, 30.01), (120.0, 30.0), (120.05, 30.05)]  # corners and the outer rim
    assert index.locate_many(points) == [index.locate(lon, lat) for lon, lat in points]


def test_polygons_may_come_as_json_text_and_unreadable_ones_are_skipped():
    index = GridIndex([(1, json.dumps(square(120.0, 30.0))), (2, "null"), (3, "{oops")])
    assert len(index) == 1 and index.locate(120.005, 30.005).grid_id == 1


def test_unreadable_dict_polygons_are_skipped():
    broken = {"type": "Polygon", "coordinates": [[[120.0, 30.0]]]}
    index = GridIndex([(1, broken), (2, {"type": "Nonsense"}), (3, square(120.0, 30.0))])
    assert len(index) == 1 and index.locate(120.005, 30.005).grid_id == 3


def test_a_point_on_a_vertex_s_latitude_is_inside_as_shapely_says():
    """The even-odd ray runs east along the point's latitude: when it passes exactly
    through a vertex (GPS fixes and drawn polygons both come to six decimals, so this
    happens), the vertex's two edges must agree on which side of the ray it lies, or the
    point is counted out of its own grid. Irregular polygons like the demo county's, each
    vertex's latitude crossed at six-decimal steps, against shapely's answer."""
    import shapely

    rng = random.Random(20261207)
    grids, shapes = [], {}
    for n in range(40):
        lon0, lat0 = 120.5 + 0.01 * (n % 8), 29.6 + 0.01 * (n // 8)
        ring = []
        for k in range(12):
            angle = 2 * math.pi * k / 12
            radius = rng.uniform(0.002, 0.0045)
            ring.append(
                [
                    round(lon0 + radius * math.cos(angle), 6),
                    round(lat0 + radius * math.sin(angle), 6),
                ]
            )
        ring.append(ring[0])
        polygon = {"type": "Polygon", "coordinates": [ring]}
        grids.append((n + 1, polygon))
        shapes[n + 1] = shapely.geometry.shape(polygon)
    index = GridIndex(grids)
    points, expected = [], []
    for grid_id, shape in shapes.items():
        minx, _miny, maxx, _maxy = shape.bounds
        for _lon, lat in shape.exterior.coords[:-1]:
            for step in range(1, 60):
                lon = round(minx + (maxx - minx) * step / 60, 6)
                point = shapely.Point(lon, lat)
                if shape.exterior.distance(point) * METRES_PER_DEGREE < 0.05:
                    continue  # on the edge, where either answer is a centimetre's rounding
                points.append((lon, lat))
                expected.append(grid_id if shape.contains(point) else None)
    found = [hit.grid_id if hit else None for hit in index.locate_many(points)]
    assert found == expected
    assert [index.locate(*p) for p in points] == index.locate_many(points)
