"""A member of staff's roles and Django permissions are read together, once per request,
and mean what they meant when they were read apart."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from fengqiao.org.models import Person
from fengqiao.org.permissions import ROLE_PERMISSIONS, roles_of

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The user as a new request loads it: nothing cached on the object."""
    return get_user_model().objects.get(pk=user.pk)


def _permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def test_roles_and_own_and_group_permissions_come_in_one_read(world, django_assert_num_queries):
    officer = world.officer_a
    officer.user_permissions.add(_permission("view_logentry"))
    group = Group.objects.create(name="值班")
    group.permissions.add(_permission("view_session"))
    officer.groups.add(group)
    user = _fresh(officer)
    # The staff profile, then roles with both kinds of permission.
    with django_assert_num_queries(2):
        granted = user.get_all_permissions()
        assert user.has_perm("admin.view_logentry") and user.has_perm("sessions.view_session")
    assert roles_of(user) == {"community_police"}
    assert ROLE_PERMISSIONS["community_police"] <= granted
    assert {"admin.view_logentry", "sessions.view_session"} <= granted
    assert not user.has_perm("auth.delete_user")


def test_someone_taken_off_duty_keeps_their_own_grants_but_none_of_their_roles(world):
    officer = world.officer_a
    officer.user_permissions.add(_permission("view_logentry"))
    Person.objects.filter(user=officer).update(active=False)
    user = _fresh(officer)
    assert roles_of(user) == frozenset()
    assert user.get_all_permissions() == {"admin.view_logentry"}


def test_a_superuser_holds_every_permission_and_still_their_roles(world):
    officer = world.officer_a
    officer.is_superuser = True
    officer.save(update_fields=["is_superuser"])
    user = _fresh(officer)
    assert roles_of(user) == {"community_police"}
    assert user.has_perm("auth.delete_user")
    assert len(user.get_all_permissions()) >= Permission.objects.count()


def test_a_permission_taken_away_is_gone_on_the_next_request(world):
    officer = world.officer_a
    officer.user_permissions.add(_permission("view_logentry"))
    assert _fresh(officer).has_perm("admin.view_logentry")
    officer.user_permissions.clear()
    assert not _fresh(officer).has_perm("admin.view_logentry")
