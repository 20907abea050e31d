"""A member of staff's roles, Django permissions and access grants are read together, once
per request, and mean what they meant when they were read apart."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from fengqiao.org.models import AccessGrant, Person
from fengqiao.org.permissions import ROLE_PERMISSIONS, roles_of
from fengqiao.org.scope import Scope, forget_scope, person_of, scope_for

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


def _scope_as_read_apart(user) -> Scope:
    """The jurisdiction as ``scope_for`` computed it when it read the grants itself through
    the ORM: the reference the one-statement read must match."""
    user = _fresh(user)
    if not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    places = [(grant.region, grant.unit) for grant in user.access_grants.all()]
    person = Person.objects.filter(user=user).first()
    if person is not None and person.active:
        places.append((person.region, person.unit))
    regions = {region.path for region, _ in places if region is not None}
    regions |= {unit.jurisdiction.path for _, unit in places if unit is not None}
    units = {unit.path for _, unit in places if unit is not None}
    return Scope(region_paths=_outermost(regions), unit_paths=_outermost(units))


def _outermost(paths: set[str]) -> tuple[str, ...]:
    return tuple(sorted(p for p in paths if not any(p != o and p.startswith(o) for o in paths)))


def _scope_with_permissions_first(user) -> Scope:
    """As an API request finds it: permissions asked first, then the scope."""
    user = _fresh(user)
    user.get_all_permissions()
    return scope_for(user)


def _scope_alone(user) -> Scope:
    """As a session page finds it when no permission was asked before the scope."""
    return scope_for(_fresh(user))


def _assert_scope(user, expected: Scope) -> None:
    assert _scope_as_read_apart(user) == expected
    assert _scope_with_permissions_first(user) == expected
    assert _scope_alone(user) == expected


def test_roles_permissions_and_grants_come_in_one_read_and_the_scope_needs_no_other(
    world, django_assert_num_queries
):
    officer = world.officer_a
    AccessGrant.objects.create(user=officer, region=world.township_b)
    user = _fresh(officer)
    person_of(user)
    with django_assert_num_queries(1):
        granted = user.get_all_permissions()
    with django_assert_num_queries(0):
        scope = scope_for(user)
        assert roles_of(user) == {"community_police"}
    assert ROLE_PERMISSIONS["community_police"] <= granted
    assert scope == Scope(
        region_paths=tuple(sorted([world.township_a.path, world.township_b.path])),
        unit_paths=(world.station_a.path,),
    )


def test_the_scope_reads_the_grants_itself_when_no_permission_was_asked(
    world, django_assert_num_queries
):
    user = _fresh(world.officer_a)
    person_of(user)
    with django_assert_num_queries(1):
        scope = scope_for(user)
    assert scope.unit_paths == (world.station_a.path,)
    # Asked afterwards, the permissions do not read the grants again, nor change the scope.
    with django_assert_num_queries(1):
        user.get_all_permissions()
    assert scope_for(user) is scope


def test_a_posting_alone_opens_its_unit_and_area(world):
    AccessGrant.objects.filter(user=world.officer_a).delete()
    _assert_scope(
        world.officer_a,
        Scope(region_paths=(world.township_a.path,), unit_paths=(world.station_a.path,)),
    )
    _assert_scope(world.grid_worker_a1, Scope(region_paths=(world.grid_a1.path,)))


def test_a_region_grant_opens_that_region_beside_the_posting(world):
    AccessGrant.objects.create(user=world.grid_worker_a1, region=world.township_b)
    _assert_scope(
        world.grid_worker_a1,
        Scope(region_paths=tuple(sorted([world.grid_a1.path, world.township_b.path]))),
    )


def test_a_unit_grant_opens_that_unit_and_its_area(world):
    AccessGrant.objects.create(user=world.grid_worker_a1, unit=world.station_b)
    _assert_scope(
        world.grid_worker_a1,
        Scope(
            region_paths=tuple(sorted([world.grid_a1.path, world.township_b.path])),
            unit_paths=(world.station_b.path,),
        ),
    )
    # A grant over the bureau covers the stations below it: only the outermost paths stay.
    AccessGrant.objects.create(user=world.officer_b, unit=world.bureau)
    _assert_scope(
        world.officer_b,
        Scope(region_paths=(world.county.path,), unit_paths=(world.bureau.path,)),
    )


def test_off_duty_the_posting_opens_nothing_and_the_grants_still_count(world):
    officer = world.officer_a
    AccessGrant.objects.filter(user=officer).delete()
    AccessGrant.objects.create(user=officer, unit=world.station_b)
    Person.objects.filter(user=officer).update(active=False)
    _assert_scope(
        officer,
        Scope(region_paths=(world.township_b.path,), unit_paths=(world.station_b.path,)),
    )
    user = _fresh(officer)
    assert user.get_all_permissions() == set() and roles_of(user) == frozenset()


def test_an_inactive_account_sees_nothing_whatever_it_was_granted(world):
    officer = world.officer_a
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    _assert_scope(officer, Scope())


def test_a_superuser_sees_everything_and_their_read_skips_the_grants(
    world, django_assert_num_queries
):
    officer = world.officer_a
    officer.is_superuser = True
    officer.save(update_fields=["is_superuser"])
    _assert_scope(officer, Scope(everything=True))
    user = _fresh(officer)
    person_of(user)
    roles_of(user)
    with django_assert_num_queries(0):
        assert scope_for(user) == Scope(everything=True)


def test_a_revoked_grant_is_gone_on_the_next_request(world):
    officer = world.officer_a
    AccessGrant.objects.filter(user=officer).delete()
    AccessGrant.objects.create(user=officer, region=world.township_b)
    assert world.township_b.path in _scope_with_permissions_first(officer).region_paths
    AccessGrant.objects.filter(user=officer, region=world.township_b).delete()
    expected = Scope(region_paths=(world.township_a.path,), unit_paths=(world.station_a.path,))
    _assert_scope(officer, expected)


def test_forgetting_the_scope_forgets_the_grants_read_with_the_roles(world):
    officer = world.officer_a
    user = _fresh(officer)
    user.get_all_permissions()
    AccessGrant.objects.create(user=officer, region=world.township_b)
    forget_scope(user)
    assert world.township_b.path in scope_for(user).region_paths


def test_an_account_without_a_staff_profile_has_its_grants_and_nothing_else(world):
    AccessGrant.objects.create(user=world.resident, region=world.community_b)
    _assert_scope(world.resident, Scope(region_paths=(world.community_b.path,)))
    assert roles_of(_fresh(world.resident)) == frozenset()
