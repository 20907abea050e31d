"""Every write service checks who acts and where, whatever door the request came through:
a member of staff of township A cannot put a report or a case into township B by naming a
map point, a grid or a building there, through a page, the API or the service itself."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from fengqiao.disputes import services as disputes
from fengqiao.intake import services as intake
from tests.snapshots import db_snapshot

KEY = "probe-0000001"
POINT_IN_B = {"lon": 120.105, "lat": 30.005}


def _staff_form(**place) -> dict:
    return {
        "channel": "walk_in",
        "kind": "dispute",
        "category": "neighbourhood",
        "risk": "yellow",
        "text": "两户因为楼道堆物吵了起来",
        "client_key": KEY,
        **place,
    }


@pytest.mark.parametrize(
    "place",
    [POINT_IN_B, {"building": "B-B1"}, {"grid_code": "330699002001G01"}],
    ids=["map point", "building", "grid"],
)
def test_the_service_refuses_a_place_outside_the_actors_jurisdiction(world, place):
    before = db_snapshot()
    if "building" in place:
        place = {"building": world.building_b1}
    with pytest.raises(ValidationError) as refused:
        intake.submit_report(actor=world.officer_a, **_staff_form(**place))
    assert "这个位置不在您的辖区内" in str(refused.value)
    assert db_snapshot() == before


def test_the_staff_page_refuses_a_map_point_in_another_township(client, world):
    client.force_login(world.officer_a)
    before = db_snapshot()
    response = client.post(reverse("intake:new"), _staff_form(**POINT_IN_B))
    assert response.status_code == 200
    assert "这个位置不在您的辖区内" in response.content.decode()
    assert db_snapshot() == before


def test_the_api_refuses_a_map_point_in_another_township(world):
    api = APIClient()
    api.force_authenticate(world.officer_a)
    before = db_snapshot()
    response = api.post(reverse("api:report-list"), _staff_form(**POINT_IN_B), format="json")
    assert response.status_code == 400 and set(response.json()) == {"lon"}
    assert db_snapshot() == before


def test_the_same_point_inside_the_jurisdiction_is_taken(world):
    report = intake.submit_report(
        actor=world.officer_a, **_staff_form(lon=120.005, lat=30.005)
    ).report
    assert report.grid == world.grid_a1 and report.case.grid == world.grid_a1


def test_residents_and_anonymous_visitors_report_only_through_public_channels(world):
    before = db_snapshot()
    for actor in (world.resident, None):
        with pytest.raises(PermissionDenied):
            intake.submit_report(actor=actor, **_staff_form(lon=120.005, lat=30.005))
    assert db_snapshot() == before
    public = {**_staff_form(lon=120.105, lat=30.005), "channel": "web"}
    report = intake.submit_report(actor=world.resident, **public).report
    assert report.grid == world.grid_b1  # a resident may report wherever they are


def test_staff_without_the_intake_permission_are_refused(world):
    from tests.factories import PersonFactory, UserFactory

    user = UserFactory(username="procurator_a")
    PersonFactory(user=user, name="检察官", unit=world.station_a, role_codes=["procurator"])
    before = db_snapshot()
    with pytest.raises(PermissionDenied):
        intake.submit_report(actor=user, **_staff_form(lon=120.005, lat=30.005))
    assert db_snapshot() == before


def _case_values() -> dict:
    return {
        "title": "楼道堆物",
        "narrative": "两户因为楼道堆物吵了起来",
        "category": "neighbourhood",
        "risk": "yellow",
        "channel": "walk_in",
    }


def test_opening_a_case_directly_checks_the_actor_and_the_grid(world):
    before = db_snapshot()
    for actor, grid in (
        (world.officer_a, world.grid_b1),
        (None, world.grid_a1),
        (world.resident, world.grid_a1),
    ):
        with pytest.raises(PermissionDenied):
            disputes.open_case(actor=actor, grid=grid, **_case_values())
    assert db_snapshot() == before
    case = disputes.open_case(actor=world.officer_a, grid=world.grid_a1, **_case_values())
    assert case.grid == world.grid_a1


def test_a_case_for_a_report_sits_in_the_reports_grid(world):
    # The one door that asks no staff permission of the actor: intake's, for a report it
    # has already authorized. It opens nothing a saved report in that grid could not.
    report = intake.submit_report(
        actor=world.officer_a,
        channel="walk_in",
        kind="hazard",
        text="楼道灭火器过期，需要更换",
        grid_code=world.grid_a1.code,
    ).report
    before = db_snapshot()
    for source, grid in ((report, world.grid_b1), (None, world.grid_a1)):
        with pytest.raises(PermissionDenied):
            disputes.open_case_for_report(
                report=source, actor=world.resident, grid=grid, **_case_values()
            )
    assert db_snapshot() == before
    case = disputes.open_case_for_report(
        report=report, actor=None, grid=world.grid_a1, **_case_values()
    )
    assert case.grid == world.grid_a1


def test_a_building_must_lie_in_the_cases_grid(world):
    before = db_snapshot()
    with pytest.raises(ValidationError):
        disputes.open_case(
            actor=world.county_admin,
            grid=world.grid_a1,
            building=world.building_b1,
            **_case_values(),
        )
    assert db_snapshot() == before


def test_the_case_api_refuses_a_grid_in_another_township(world):
    api = APIClient()
    api.force_authenticate(world.officer_a)
    before = db_snapshot()
    body = {**_case_values(), "grid_code": world.grid_b1.code}
    response = api.post(reverse("api:case-list"), body, format="json")
    assert response.status_code in (400, 403, 404)
    assert db_snapshot() == before


def test_a_report_that_has_its_case_cannot_be_given_another(world):
    report = intake.submit_report(
        actor=world.officer_a,
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk="yellow",
        text="两户因为楼道堆物吵了起来",
        grid_code=world.grid_a1.code,
    ).report
    assert report.case_id is not None
    before = db_snapshot()
    with pytest.raises(PermissionDenied):
        disputes.open_case_for_report(
            report=report, actor=None, grid=world.grid_a1, **_case_values()
        )
    assert db_snapshot() == before
