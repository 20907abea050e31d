"""The loaded demo county: its places tile, its paths agree, its people are complete."""

from __future__ import annotations

import pytest
import shapely
from django.db.models import Count, Q
from shapely.geometry import Point, shape

from fengqiao.demo.rows import COUNTY_CODE
from fengqiao.org.models import Assignment, Beat, Unit
from fengqiao.places.models import Building, Region

pytestmark = pytest.mark.usefixtures("demo_county")

# 1e-6 degrees is the rounding of the stored coordinates (about 0.1 m).
TOLERANCE = 2e-6


def _shapes(level: str) -> dict[str, object]:
    return {
        code: shape(boundary)
        for code, boundary in Region.objects.filter(level=level).values_list("code", "boundary")
    }


def test_the_county_has_every_level_from_province_to_grid(db):
    levels = dict(Region.objects.values_list("level").annotate(n=Count("id")))
    assert levels["province"] == levels["city"] == levels["county"] == 1
    assert levels["township"] >= 2
    assert levels["community"] > levels["township"]
    assert levels["grid"] >= levels["community"]
    county = Region.objects.get(code=COUNTY_CODE)
    assert county.parent.level == "city"


def test_every_grid_is_a_valid_polygon_inside_its_community(db):
    communities = _shapes("community")
    grids = Region.objects.filter(level="grid").select_related("parent")
    for grid in grids:
        polygon = shape(grid.boundary)
        assert grid.boundary["type"] == "Polygon"
        assert polygon.is_valid, grid.code
        assert polygon.area > 0, grid.code
        assert grid.parent.level == "community"
        assert communities[grid.parent.code].buffer(TOLERANCE).contains(polygon), grid.code
        assert polygon.contains(Point(grid.lon, grid.lat)), grid.code


def test_grids_tile_their_community_without_gaps(db):
    communities = _shapes("community")
    grids_of: dict[str, list] = {}
    for code, boundary in Region.objects.filter(level="grid").values_list(
        "parent__code", "boundary"
    ):
        grids_of.setdefault(code, []).append(shape(boundary))
    for code, community in communities.items():
        covered = shapely.union_all(grids_of[code]).area
        assert covered == pytest.approx(community.area, rel=1e-3), code


def test_no_two_grids_overlap(db):
    codes, polygons = zip(*_shapes("grid").items(), strict=True)
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i < j:
            overlap = polygons[i].intersection(polygons[j]).area
            smaller = min(polygons[i].area, polygons[j].area)
            assert overlap < smaller * 1e-4, (codes[i], codes[j])


def test_townships_tile_the_county(db):
    county = shape(Region.objects.get(code=COUNTY_CODE).boundary)
    townships = list(_shapes("township").values())
    assert sum(t.area for t in townships) == pytest.approx(county.area, rel=1e-3)


def test_every_path_is_the_parent_path_plus_the_code(db):
    regions = {r.pk: r for r in Region.objects.all()}
    for region in regions.values():
        parent = regions.get(region.parent_id)
        expected = f"{parent.path if parent else '/'}{region.code}/"
        assert region.path == expected
        assert region.depth == expected.count("/") - 1
    units = {u.pk: u for u in Unit.objects.all()}
    for unit in units.values():
        parent = units.get(unit.parent_id)
        assert unit.path == f"{parent.path if parent else '/'}{unit.code}/"


def test_codes_follow_the_twelve_digit_pattern(db):
    for region in Region.objects.filter(level__in=["township", "community", "grid"]):
        assert region.code.startswith(COUNTY_CODE)
        assert region.code[:-3] == region.parent.code or region.level == "grid"
    for grid in Region.objects.filter(level="grid").select_related("parent"):
        assert grid.code[:12] == grid.parent.code
        assert grid.code[12] == "G" and grid.code[13:].isdigit() and len(grid.code) == 15


def test_populations_add_up(db):
    for parent in Region.objects.filter(level__in=["county", "township", "community"]):
        children = parent.children.values_list("population", flat=True)
        assert sum(children) == parent.population, parent.code


def test_every_building_stands_inside_its_grid(db):
    grids = _shapes("grid")
    buildings = Building.objects.values_list("grid__code", "lon", "lat")
    assert buildings.count() > 0
    for grid_code, lon, lat in buildings:
        assert grids[grid_code].buffer(TOLERANCE).contains(Point(lon, lat))


def test_every_beat_has_exactly_one_current_community_police(db):
    beats = Beat.objects.annotate(
        current=Count(
            "assignments",
            filter=Q(assignments__duty="community_police", assignments__ends_on__isnull=True),
            distinct=True,
        ),
        areas_count=Count("areas", distinct=True),
    )
    assert beats.exists()
    for beat in beats:
        assert beat.current == 1, beat.code
        assert beat.areas_count >= 1, beat.code
    covered = set(Beat.areas.through.objects.values_list("region_id", flat=True))
    communities = set(Region.objects.filter(level="community").values_list("pk", flat=True))
    assert covered == communities


def test_every_grid_has_a_grid_worker_and_every_village_an_auxiliary(db):
    grids = Region.objects.filter(level="grid").annotate(
        workers=Count("assignments", filter=Q(assignments__duty="grid_worker"))
    )
    assert all(grid.workers >= 1 for grid in grids)
    villages = Region.objects.filter(level="community", urban=False).annotate(
        auxiliaries=Count("assignments", filter=Q(assignments__duty="auxiliary_police"))
    )
    assert villages.exists()
    assert all(village.auxiliaries == 1 for village in villages)


def test_assignment_scope_paths_are_what_save_would_set(db):
    assignments = Assignment.objects.select_related(
        "beat__unit__jurisdiction", "region", "building__grid"
    )
    for assignment in assignments:
        assert assignment.scope_path == assignment.target_path()
    assert Assignment.objects.filter(duty="building_head").exists()
