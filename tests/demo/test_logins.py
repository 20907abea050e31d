"""Every demo login works and sees its own jurisdiction."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from fengqiao.demo.staff import DEMO_LOGINS, DEMO_PASSWORD
from fengqiao.org.models import Assignment
from fengqiao.org.permissions import roles_of
from fengqiao.org.scope import scope_for
from fengqiao.places.models import Building, subtree_q

pytestmark = pytest.mark.usefixtures("demo_county")


@pytest.mark.parametrize(("username", "role"), DEMO_LOGINS)
def test_each_demo_login_can_log_in_with_its_role(client, db, username, role):
    assert client.login(username=username, password=DEMO_PASSWORD)
    user = get_user_model().objects.get(username=username)
    if role == "resident":
        assert not hasattr(user, "person")
        assert scope_for(user).empty
    else:
        assert roles_of(user) == {role}
        assert not scope_for(user).empty


def test_only_the_chief_and_the_admin_open_the_admin_site(db):
    staff = set(get_user_model().objects.filter(is_staff=True).values_list("username", flat=True))
    assert staff == {"chief", "admin"}
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
