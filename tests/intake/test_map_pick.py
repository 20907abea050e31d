"""The report forms' place map: one village's grids and buildings drawn from our own data,
public data only on the public form, only the user's jurisdiction on staff's, cached by
ETag; and a building tapped on it places the report."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from fengqiao.intake.models import Report
from fengqiao.places import selectors as places
from tests.factories import BuildingFactory, RegionFactory, square

pytestmark = pytest.mark.django_db


def _public_map(client, **params):
    return client.get(reverse("intake:map"), params)


def test_the_public_map_draws_the_village_s_grids_and_buildings(client, world):
    response = _public_map(client, area=world.community_a.code)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<path") == 2
    assert f'data-grid="{world.grid_a1.code}"' in page and "甲村二网格" in page
    assert f'data-building="{world.building_a1.code}"' in page and "甲村1号" in page
    # One village at a time: the other township's grid and building are not drawn.
    assert world.grid_b1.code not in page and world.building_b1.code not in page
    assert "<script" not in page and "http" not in page  # nothing fetched from elsewhere


def test_the_public_map_shows_no_private_data(client, world):
    BuildingFactory(
        code="B-A2", name="甲村2号", grid=world.grid_a1, lon=120.002, lat=30.002, households=9753
    )
    client.post(
        reverse("intake:report"),
        {
            "kind": "dispute",
            "text": "楼上邻居半夜很吵，敲门也不理",
            "lon": "120.005",
            "lat": "30.006",
            "reporter_name": "王秘密",
            "reporter_phone": "13800138000",
            "client_key": "map-private-1",
        },
    )
    report = Report.objects.get()
    page = _public_map(client, area=world.community_a.code).content.decode()
    assert "甲村2号" in page
    for private in ("9753", "王秘密", "13800138000", "0138", "楼上邻居", report.tracking_code):
        assert private not in page
    assert "households" not in page and "floors" not in page


def test_use_my_location_draws_the_village_of_the_point_and_marks_it(client, world):
    page = _public_map(client, lon="120.015", lat="30.005").content.decode()
    assert f'data-area="{world.community_a.code}"' in page
    assert 'data-map-mark r="16" cx="' in page and 'display="none"' not in page


def test_an_unknown_area_or_a_point_outside_every_grid_draws_no_map(client, world):
    for params in ({"area": "nosuch"}, {"area": ""}, {"lon": "100", "lat": "10"}, {}):
        response = _public_map(client, **params)
        assert response.status_code == 200
        assert "<svg" not in response.content.decode()
    assert "<svg" not in _public_map(client, area=world.grid_a1.code).content.decode()


def test_the_map_is_cached_by_etag_and_redrawn_when_a_building_changes(client, world):
    first = _public_map(client, area=world.community_a.code)
    etag = first["ETag"]
    assert etag and "max-age" in first["Cache-Control"] and "private" in first["Cache-Control"]
    again = client.get(
        reverse("intake:map"), {"area": world.community_a.code}, HTTP_IF_NONE_MATCH=etag
    )
    assert again.status_code == 304 and again.content == b""

    world.building_a1.name = "甲村1号楼"
    world.building_a1.save()
    changed = client.get(
        reverse("intake:map"), {"area": world.community_a.code}, HTTP_IF_NONE_MATCH=etag
    )
    assert changed.status_code == 200 and "甲村1号楼" in changed.content.decode()
    assert changed["ETag"] != etag


# --- staff's map: their jurisdiction only --------------------------------------------------


def test_staff_of_township_a_get_only_township_a_s_buildings(client, world):
    client.force_login(world.officer_a)
    own = client.get(reverse("intake:staff_map"), {"area": world.community_a.code})
    assert world.building_a1.code in own.content.decode()
    other = client.get(reverse("intake:staff_map"), {"area": world.community_b.code})
    page = other.content.decode()
    assert other.status_code == 200 and "<svg" not in page
    assert world.building_b1.code not in page and "乙社区1幢" not in page
    # Nor through a point in township B's grid.
    by_point = client.get(reverse("intake:staff_map"), {"lon": "120.105", "lat": "30.005"})
    assert world.building_b1.code not in by_point.content.decode()


def test_a_grid_worker_s_map_shows_only_their_own_grid(client, world):
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("intake:staff_map"), {"area": world.community_a.code})
    page = page.content.decode()
    assert world.grid_a1.code in page and world.grid_a2.code not in page


def test_the_staff_form_lists_only_villages_in_scope(client, world):
    client.force_login(world.officer_a)
    page = client.get(reverse("intake:new")).content.decode()
    assert f'value="{world.community_a.code}"' in page
    assert f'value="{world.community_b.code}"' not in page


# --- the village list: grouped by township ------------------------------------------------


def _map_groups(page: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The map select's groups: (township label, [(option value, option text), ...])."""
    select = re.search(r'<select id="id_map_area"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [
        (label, re.findall(r'<option value="([^"]*)">([^<]*)</option>', body))
        for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)
    ]


@pytest.fixture
def township_c(world):
    """A township with no village level: its grid sits directly under it."""
    township = RegionFactory(
        code="330699003", name="丙镇", level="township", parent=world.township_a.parent
    )
    grid = RegionFactory(
        code="330699003G01",
        name="丙镇一网格",
        level="grid",
        parent=township,
        boundary=square(120.20, 30.00),
    )
    BuildingFactory(code="B-C1", name="丙镇1号", grid=grid, lon=120.205, lat=30.005)
    return township


def test_the_public_form_lists_villages_under_their_townships_in_code_order(
    client, world, township_c
):
    later = RegionFactory(
        code="330699001002", name="阿村", level="community", parent=world.township_a
    )
    RegionFactory(
        code="330699001002G01",
        name="阿村一网格",
        level="grid",
        parent=later,
        boundary=square(120.02, 30.00),
    )
    page = client.get(reverse("intake:report")).content.decode()
    assert _map_groups(page) == [
        ("甲镇", [(world.community_a.code, "甲村"), (later.code, "阿村")]),
        ("乙镇", [(world.community_b.code, "乙社区")]),
        ("丙镇", [(township_c.code, "丙镇（全镇）")]),
    ]


def test_the_village_list_is_read_in_one_query(world, township_c, django_assert_num_queries):
    with django_assert_num_queries(1):
        groups = places.pick_map_areas()
        labels = [(group.township.name, [area.name for area in group.areas]) for group in groups]
    assert labels == [("甲镇", ["甲村"]), ("乙镇", ["乙社区"]), ("丙镇", ["丙镇"])]


def test_a_township_without_villages_draws_its_own_grids(client, world, township_c):
    page = _public_map(client, area=township_c.code).content.decode()
    assert f'data-area="{township_c.code}"' in page and page.count("<path") == 1
    assert "丙镇一网格" in page and 'data-building="B-C1"' in page
    assert world.grid_a1.code not in page and world.building_b1.code not in page
    by_point = _public_map(client, lon="120.205", lat="30.005").content.decode()
    assert f'data-area="{township_c.code}"' in by_point and 'display="none"' not in by_point


def test_staff_see_only_their_township_s_group(client, world, township_c):
    client.force_login(world.officer_a)
    groups = _map_groups(client.get(reverse("intake:new")).content.decode())
    assert groups == [("甲镇", [(world.community_a.code, "甲村")])]
    # Nor is the other township's map drawn for them.
    other = client.get(reverse("intake:staff_map"), {"area": township_c.code}).content.decode()
    assert "<svg" not in other and "B-C1" not in other


def test_the_staff_map_needs_a_login_and_the_intake_permission(client, world):
    response = client.get(reverse("intake:staff_map"), {"area": world.community_a.code})
    assert response.status_code == 302
    client.force_login(world.resident)
    response = client.get(reverse("intake:staff_map"), {"area": world.community_a.code})
    assert response.status_code == 403


def test_the_staff_etag_differs_per_user(client, world):
    client.force_login(world.officer_a)
    first = client.get(reverse("intake:staff_map"), {"area": world.community_a.code})
    client.force_login(world.chief)
    second = client.get(
        reverse("intake:staff_map"),
        {"area": world.community_a.code},
        HTTP_IF_NONE_MATCH=first["ETag"],
    )
    assert second.status_code == 200 and second["ETag"] != first["ETag"]


# --- a building tapped on the map places the report ----------------------------------------


def test_a_building_from_the_public_map_places_the_report_in_its_grid(client, world):
    response = client.post(
        reverse("intake:report"),
        {
            "kind": "hazard",
            "text": "楼道里堆满了纸箱，容易着火",
            "building": world.building_a1.code,
            "lon": str(world.building_a1.lon),
            "lat": str(world.building_a1.lat),
            "address": world.building_a1.address or world.building_a1.name,
            "client_key": "map-building-1",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.grid == world.grid_a1 and report.building == world.building_a1


def test_staff_cannot_place_a_report_in_a_building_outside_their_scope(client, world):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("intake:new"),
        {
            "channel": "walk_in",
            "kind": "dispute",
            "text": "两家因为停车位吵起来了",
            "building": world.building_b1.code,
            "client_key": "map-staff-1",
        },
    )
    assert response.status_code == 200
    assert "所选楼栋不在您的辖区内" in response.content.decode()
    assert not Report.objects.exists()


def test_staff_place_a_report_in_a_building_they_tapped(client, world):
    client.force_login(world.officer_a)
    client.post(
        reverse("intake:new"),
        {
            "channel": "walk_in",
            "kind": "dispute",
            "text": "两家因为停车位吵起来了",
            "building": world.building_a1.code,
            "grid_code": world.grid_a1.code,
            "address": "甲村1号",
            "client_key": "map-staff-2",
        },
    )
    report = Report.objects.get()
    assert report.building == world.building_a1 and report.grid == world.grid_a1


def test_a_building_s_qr_link_carries_the_building_into_the_report(client, world):
    page = client.get(reverse("intake:report"), {"building": world.building_a1.code})
    assert f'name="building" id="id_building" value="{world.building_a1.code}"' in (
        page.content.decode()
    )
    client.post(
        reverse("intake:report"),
        {
            "kind": "hazard",
            "text": "楼道灯坏了，晚上看不见台阶",
            "building": world.building_a1.code,
            "grid_code": world.grid_a1.code,
            "client_key": "map-qr-1",
        },
    )
    report = Report.objects.get()
    assert report.building == world.building_a1 and report.grid == world.grid_a1
