"""places.locate_text: address text -> grid through the index of place names, or "not sure"
with the candidates, never a guess; and the intake door that uses it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fengqiao.intake import services as intake
from fengqiao.intake.models import Report
from fengqiao.places.place_names import PlaceNames, RegionRow
from fengqiao.places.selectors import locate_text
from tests.factories import BuildingFactory, RegionFactory, square


def _labels(found) -> list[str]:
    return [candidate.label for candidate in found.candidates]


@pytest.fixture
def second_jiacun(world):
    """A village in township B with the same name as township A's 甲村, and its one grid."""
    village = RegionFactory(
        code="330699002002", name="甲村", level="community", parent=world.township_b
    )
    return RegionFactory(
        code="330699002002G01",
        name="乙镇甲村网格",
        level="grid",
        parent=village,
        boundary=square(120.20, 30.00),
    )


def test_a_grid_named_in_the_text_is_found(world):
    found = locate_text("甲村二网格村口小卖部旁")
    assert found.found and found.grid == world.grid_a2 and found.building is None


def test_a_community_with_one_grid_gives_that_grid(world):
    assert locate_text("乙社区菜场门口").grid == world.grid_b1


def test_a_community_with_several_grids_is_not_sure_and_names_its_grids(world):
    found = locate_text("甲村村委会旁边")
    assert found.not_sure and found.grid is None
    assert _labels(found) == ["甲村一网格（甲村）", "甲村二网格（甲村）"]
    assert [candidate.code for candidate in found.candidates] == [
        world.grid_a1.code,
        world.grid_a2.code,
    ]


def test_two_villages_of_one_name_in_different_townships_are_not_sure(world, second_jiacun):
    found = locate_text("甲村三组12号")
    assert found.not_sure
    assert _labels(found) == ["甲村（甲镇）", "甲村（乙镇）"]


def test_the_township_named_in_the_text_tells_same_named_villages_apart(world, second_jiacun):
    assert locate_text("乙镇甲村三组12号").grid == second_jiacun


def test_a_search_within_a_township_sees_only_its_places(world, second_jiacun):
    assert locate_text("甲村三组12号", within=world.township_b.path).grid == second_jiacun
    assert not locate_text("乙社区一网格", within=world.township_a.path).found


def test_the_longest_name_wins_where_a_grid_name_contains_a_community_name(world):
    # "甲村" alone is a community of two grids; inside "甲村一网格" it is the grid's name.
    assert locate_text("甲村一网格3号楼").grid == world.grid_a1


def test_two_different_grids_named_are_not_sure(world):
    found = locate_text("甲村一网格和乙社区一网格交界处")
    assert found.not_sure
    assert _labels(found) == ["甲村一网格（甲村）", "乙社区一网格（乙社区）"]


def test_a_text_costs_three_queries_once_the_index_is_built(world, django_assert_num_queries):
    locate_text("甲村二网格")
    with django_assert_num_queries(3):  # building address, index signature, the grid
        assert locate_text("甲村二网格村口").grid == world.grid_a2


def test_a_text_naming_no_place_is_not_found(world):
    for text in ("", "a", "人民路88号", "丙村"):
        found = locate_text(text)
        assert not found.found and not found.not_sure


def test_a_grid_added_after_the_first_lookup_is_found(world):
    assert not locate_text("丙村一网格门口").found
    village = RegionFactory(
        code="330699001002", name="丙村", level="community", parent=world.township_a
    )
    grid = RegionFactory(
        code="330699001002G01",
        name="丙村一网格",
        level="grid",
        parent=village,
        boundary=square(120.30, 30.00),
    )
    assert locate_text("丙村一网格门口").grid == grid
    grid.name = "丙村中心网格"
    grid.save()
    assert locate_text("丙村中心网格门口").grid == grid


def test_a_buildings_exact_address_gives_the_building_and_its_grid(world):
    world.building_a1.address = "甲村1号"
    world.building_a1.save()
    found = locate_text(" 甲村1号 ")
    assert found.grid == world.grid_a1 and found.building == world.building_a1


def test_one_address_on_buildings_in_two_grids_is_not_sure(world):
    for building in (world.building_a1, world.building_b1):
        building.address = "人民路1号"
        building.save()
    found = locate_text("人民路1号")
    assert found.not_sure
    assert _labels(found) == ["甲村1号（甲村一网格）", "乙社区1幢（乙社区一网格）"]
    BuildingFactory(grid=world.grid_a1, address="人民路2号")
    BuildingFactory(grid=world.grid_a1, address="人民路2号")
    found = locate_text("人民路2号")
    assert found.grid == world.grid_a1 and found.building is None


def test_the_name_index_needs_no_database():
    names = PlaceNames(
        [
            RegionRow(1, "T1", "甲镇", "township", "/T1/", None),
            RegionRow(2, "C1", "甲村", "community", "/T1/C1/", 1),
            RegionRow(3, "G1", "甲村网格", "grid", "/T1/C1/G1/", 2),
        ]
    )
    assert names.find("甲镇甲村五组").grid_id == 3
    assert names.find("甲村网格").grid_id == 3
    assert names.find("乙村").grid_id is None and names.find("乙村").candidate_ids == ()
    assert PlaceNames([]).find("甲村").grid_id is None


# --- the intake door -----------------------------------------------------------------


def _report_by_address(address: str, actor):
    return intake.submit_report(
        actor=actor,
        channel="web",
        kind="dispute",
        category="neighbourhood",
        risk="blue",
        level=1,
        text="楼上每天半夜拖椅子，沟通多次没用",
        address=address,
        reporter_name="李大姐",
        reporter_phone="138 1234 5678",
    )


def test_intake_refuses_an_ambiguous_address_naming_the_candidates(world, second_jiacun):
    with pytest.raises(ValidationError) as error:
        _report_by_address("甲村三组12号", world.county_admin)
    assert error.value.message_dict["address"] == [
        "地址可能在多个地方：甲村（甲镇）、甲村（乙镇），请在地图上选择或选择网格"
    ]
    assert Report.objects.count() == 0


def test_intake_names_at_most_three_candidates(world):
    for number in range(2, 6):
        RegionFactory(
            code=f"330699001001G0{number + 1}",
            name=f"甲村{number + 1}号网格",
            level="grid",
            parent=world.community_a,
        )
    with pytest.raises(ValidationError) as error:
        _report_by_address("甲村村委会旁边", world.county_admin)
    (message,) = error.value.message_dict["address"]
    assert message.count("（甲村）") == 3
    assert Report.objects.count() == 0


def test_intake_places_an_address_the_township_makes_clear(world, second_jiacun):
    report = _report_by_address("乙镇甲村三组12号", world.county_admin).report
    assert report.grid == second_jiacun and report.building is None


def test_intake_keeps_its_message_for_an_address_it_cannot_place(world):
    with pytest.raises(ValidationError) as error:
        _report_by_address("人民路88号", world.county_admin)
    assert error.value.message_dict["address"] == [
        "无法确定位置：请在地图上点选、选择网格，或填写更具体的地址"
    ]
    assert Report.objects.count() == 0
