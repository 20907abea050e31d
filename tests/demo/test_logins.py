"""Every demo login works and sees its own jurisdiction; the second township's officer and
chief see theirs and nothing of the showcase town's, nor it of theirs."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from fengqiao.demo import agencies
from fengqiao.demo.staff import DEMO_LOGINS, DEMO_PASSWORD
from fengqiao.disputes.models import Case
from fengqiao.org.models import AccessGrant, Assignment, Person
from fengqiao.org.permissions import roles_of
from fengqiao.org.scope import scope_for
from fengqiao.places.models import Building, Region, subtree_q

pytestmark = pytest.mark.usefixtures("demo_county")


@pytest.mark.parametrize(("username", "role"), [*DEMO_LOGINS, *agencies.LOGINS])
def test_each_demo_login_can_log_in_with_its_role(client, db, username, role):
    assert client.login(username=username, password=DEMO_PASSWORD)
    user = get_user_model().objects.get(username=username)
    if role == "resident":
        assert not hasattr(user, "person")
        assert scope_for(user).empty
    else:
        assert roles_of(user) == {role}
        assert not scope_for(user).empty


def test_only_the_chiefs_and_the_admin_open_the_admin_site(db):
    staff = set(get_user_model().objects.filter(is_staff=True).values_list("username", flat=True))
    assert staff == {"chief", "chief_b", "admin"}
    assert not get_user_model().objects.filter(is_superuser=True).exists()


def test_the_demo_police_officer_owns_a_beat_among_buildings(db):
    officer = get_user_model().objects.get(username="police").person
    beat_assignment = Assignment.objects.get(
        person=officer, duty="community_police", ends_on__isnull=True
    )
    area = beat_assignment.beat.areas.get()
    assert Building.objects.filter(subtree_q(area.path, "grid__path")).count() > 1
    assert scope_for(officer.user).covers_region_path(area.path)


def test_the_grid_and_building_logins_are_responsible_for_what_they_see(db):
    grid_user = get_user_model().objects.get(username="grid")
    grid = Assignment.objects.get(person=grid_user.person, duty="grid_worker").region
    assert scope_for(grid_user).region_paths == (grid.path,)
    head = get_user_model().objects.get(username="building")
    building = Assignment.objects.get(person=head.person, duty="building_head").building
    assert scope_for(head).covers_region_path(building.grid.path)


def _township_of(username: str) -> Region:
    return AccessGrant.objects.get(user__username=username).unit.jurisdiction


def _cases_listed(client, username: str) -> list[Case]:
    assert client.login(username=username, password=DEMO_PASSWORD)
    response = client.get(reverse("disputes:cases"), {"whose": "all", "state": ""})
    assert response.status_code == 200
    return list(response.context["page"].paginator.object_list)


def test_the_second_township_is_another_full_township_with_its_own_station(db):
    showcase, second = _township_of("police"), _township_of("police_b")
    assert second.level == "township" and second != showcase
    assert _township_of("chief_b") == second
    assert (
        Building.objects.filter(subtree_q(second.path, "grid__path")).exclude(use="public").exists()
    )
    assert Case.objects.filter(subtree_q(second.path, "scope_path")).count() > 10
    officer = get_user_model().objects.get(username="police_b").person
    beat = Assignment.objects.get(person=officer, duty="community_police", ends_on__isnull=True)
    assert beat.scope_path.startswith(second.path)


def test_each_township_officer_lists_only_their_own_townships_cases(client, db):
    showcase, second = _township_of("police"), _township_of("police_b")
    listed_b = _cases_listed(client, "police_b")
    assert listed_b
    assert all(case.scope_path.startswith(second.path) for case in listed_b)
    assert len(listed_b) == Case.objects.filter(subtree_q(second.path, "scope_path")).count()
    listed_a = _cases_listed(client, "police")
    assert listed_a
    assert not any(case.scope_path.startswith(second.path) for case in listed_a)
    assert all(case.scope_path.startswith(showcase.path) for case in listed_a)


def test_a_showcase_case_is_not_found_for_the_second_townships_officer(client, db):
    showcase = _township_of("police")
    case = Case.objects.filter(subtree_q(showcase.path, "scope_path")).order_by("pk").first()
    state, events = case.state, case.events.count()
    assert client.login(username="police", password=DEMO_PASSWORD)
    url = reverse("disputes:case", args=[case.reference])
    assert client.get(url).status_code == 200
    assert client.login(username="police_b", password=DEMO_PASSWORD)
    assert client.get(url).status_code == 404
    case.refresh_from_db()
    assert (case.state, case.events.count()) == (state, events)


def test_the_second_chief_administers_only_their_stations_people(client, db):
    second = _township_of("chief_b")
    station = AccessGrant.objects.get(user__username="chief_b").unit
    assert client.login(username="chief_b", password=DEMO_PASSWORD)
    response = client.get(reverse("admin:org_person_changelist"))
    assert response.status_code == 200
    shown = list(response.context["cl"].queryset.select_related("unit", "region", "user"))
    usernames = {person.user.username for person in shown if person.user_id}
    assert {"police_b", "chief_b"} <= usernames
    assert not usernames & {"police", "chief"}
    for person in shown:
        assert (person.unit and person.unit.path.startswith(station.path)) or (
            person.region and person.region.path.startswith(second.path)
        ), person.name
    showcase_chief = Person.objects.get(user__username="chief")
    before = (showcase_chief.name, showcase_chief.active)
    other = reverse("admin:org_person_change", args=[showcase_chief.pk])
    assert client.get(other).status_code == 404
    assert client.post(other, {"name": "改名", "active": ""}).status_code == 404
    showcase_chief.refresh_from_db()
    assert (showcase_chief.name, showcase_chief.active) == before
