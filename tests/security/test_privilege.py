"""Nobody grants themselves more than they hold: roles and access grants change only through
org.services, never one's own, never above one's own role, only inside one's jurisdiction,
and every change is audited with old and new values."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.org import services
from fengqiao.org.models import AccessGrant, Person
from tests.factories import PersonFactory, RegionFactory, UserFactory


def _roles(person) -> list[str]:
    return sorted(person.roles.values_list("code", flat=True))


def _person_form(person, **changes) -> dict:
    """The admin change form of ``person`` as it stands, with ``changes`` applied."""
    data = {
        "name": person.name,
        "phone": person.phone,
        "roles": _roles(person),
        "unit": person.unit_id or "",
        "region": person.region_id or "",
        "user": person.user_id or "",
        "active": "on" if person.active else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def _change_person(client, person, **changes):
    url = reverse("admin:org_person_change", args=[person.pk])
    return client.post(url, _person_form(person, **changes))


def _role_audits():
    return AuditEvent.objects.filter(action="org.roles_changed")


# --- roles ------------------------------------------------------------------------------


def test_a_chief_adding_admin_to_their_own_profile_is_refused_on_the_form(client, world):
    me = world.chief.person
    client.force_login(world.chief)
    response = _change_person(client, me, roles=["station_chief", "admin"])
    assert response.status_code == 200
    assert "不能修改自己的角色" in response.content.decode()
    assert _roles(me) == ["station_chief"]
    assert not _role_audits().exists()
    assert not AuditEvent.objects.filter(action="admin.change", object_id=str(me.pk)).exists()
    # ... so the pages only an administrator opens stay closed.
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:org_accessgrant_add")).status_code == 403


def test_a_chief_may_still_edit_their_own_name(client, world):
    me = world.chief.person
    client.force_login(world.chief)
    assert _change_person(client, me, name="甲所长").status_code == 302
    me.refresh_from_db()
    assert me.name == "甲所长" and _roles(me) == ["station_chief"]


def test_a_chief_cannot_give_a_role_above_the_station(client, world):
    worker = world.grid_worker_a1.person
    client.force_login(world.chief)
    response = _change_person(client, worker, roles=["grid_worker", "admin"])
    assert response.status_code == 200
    assert "您无权授予或撤销以下角色" in response.content.decode()
    assert _roles(worker) == ["grid_worker"]
    assert not _role_audits().exists()


def test_a_chief_cannot_reach_someone_in_township_b(client, world):
    officer_b = world.officer_b.person
    client.force_login(world.chief)
    response = _change_person(client, officer_b, roles=["community_police", "volunteer"])
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.set_roles(
            actor=world.chief, person=officer_b, roles=["community_police", "volunteer"]
        )
    assert _roles(officer_b) == ["community_police"]
    assert not _role_audits().exists()


def test_a_chief_gives_a_station_role_and_the_audit_keeps_old_and_new(client, world):
    worker = world.grid_worker_a1.person
    client.force_login(world.chief)
    response = _change_person(client, worker, roles=["grid_worker", "volunteer"])
    assert response.status_code == 302
    assert _roles(worker) == ["grid_worker", "volunteer"]
    event = _role_audits().get()
    assert event.actor == world.chief and event.object_id == str(worker.pk)
    assert event.changes == {"roles": {"old": ["grid_worker"], "new": ["grid_worker", "volunteer"]}}


def test_a_chief_cannot_change_a_fellow_chief(client, world):
    deputy = PersonFactory(
        user=UserFactory(username="deputy"), unit=world.station_a, role_codes=["station_chief"]
    )
    client.force_login(world.chief)
    response = _change_person(client, deputy, roles=["community_police"])
    assert response.status_code == 403
    with pytest.raises(ValidationError) as refused:
        services.set_roles(actor=world.chief, person=deputy, roles=["community_police"])
    assert "所长" in refused.value.message_dict["roles"][0]
    assert _roles(deputy) == ["station_chief"]


def test_an_administrator_appoints_a_chief_audited_but_not_another_administrator(client, world):
    officer_a = world.officer_a.person
    client.force_login(world.county_admin)
    response = _change_person(client, officer_a, roles=["community_police", "station_chief"])
    assert response.status_code == 302
    event = _role_audits().get()
    assert event.actor == world.county_admin
    assert event.changes["roles"] == {
        "old": ["community_police"],
        "new": ["community_police", "station_chief"],
    }
    with pytest.raises(ValidationError) as refused:
        services.set_roles(actor=world.county_admin, person=officer_a, roles=["admin"])
    assert "系统管理员" in refused.value.message_dict["roles"][0]
    assert _roles(officer_a) == ["community_police", "station_chief"]
    assert _role_audits().count() == 1


def test_a_superuser_may_appoint_an_administrator(world):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    officer_a = world.officer_a.person
    services.set_roles(actor=root, person=officer_a, roles=["admin"])
    assert _roles(officer_a) == ["admin"]
    assert _role_audits().get().changes["roles"]["new"] == ["admin"]


def test_a_chief_cannot_link_an_account_with_wider_grants_to_a_new_person(client, world):
    wide = UserFactory(username="wide")
    AccessGrant.objects.create(user=wide, region=world.county)
    client.force_login(world.chief)
    response = client.post(
        reverse("admin:org_person_add"),
        {"name": "新人", "unit": world.station_a.pk, "user": wide.pk, "roles": ["volunteer"]},
    )
    assert response.status_code == 200
    assert "超出您辖区" in response.content.decode()
    assert not Person.objects.filter(user=wide).exists()


# --- access grants ----------------------------------------------------------------------


def test_a_chief_cannot_add_access_grants(client, world):
    client.force_login(world.chief)
    before = AccessGrant.objects.count()
    response = client.post(
        reverse("admin:org_accessgrant_add"),
        {"user": world.grid_worker_a1.pk, "unit": world.station_a.pk},
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.grant_access(actor=world.chief, user=world.grid_worker_a1, unit=world.station_a)
    assert AccessGrant.objects.count() == before


def test_an_administrator_grants_inside_the_county_audited(client, world):
    client.force_login(world.county_admin)
    response = client.post(
        reverse("admin:org_accessgrant_add"),
        {"user": world.officer_a.pk, "region": world.township_b.pk},
    )
    assert response.status_code == 302
    grant = AccessGrant.objects.get(user=world.officer_a, region=world.township_b)
    event = AuditEvent.objects.get(action="org.access_granted")
    assert event.object_id == str(grant.pk)
    assert event.changes["grant"] == {
        "old": None,
        "new": {"user": world.officer_a.pk, "region": world.township_b.code, "unit": None},
    }
    services.revoke_access(actor=world.county_admin, grant=grant)
    assert not AccessGrant.objects.filter(pk=grant.pk).exists()
    revoked = AuditEvent.objects.get(action="org.access_revoked")
    assert revoked.changes["grant"]["new"] is None


def test_an_administrator_cannot_grant_outside_their_own_jurisdiction(client, world):
    elsewhere = RegionFactory(code="330700", name="别的区", level="county")
    client.force_login(world.county_admin)
    before = AccessGrant.objects.count()
    response = client.post(
        reverse("admin:org_accessgrant_add"),
        {"user": world.officer_a.pk, "region": elsewhere.pk},
    )
    # The place is not even offered: the region field's choices stop at the jurisdiction.
    assert response.status_code == 200
    with pytest.raises(ValidationError) as refused:
        services.grant_access(actor=world.county_admin, user=world.officer_a, region=elsewhere)
    assert "region" in refused.value.message_dict
    assert AccessGrant.objects.count() == before
    assert not AuditEvent.objects.filter(action__startswith="org.access").exists()


def test_nobody_grants_themselves_or_a_superuser(client, world):
    root = UserFactory(username="root", is_superuser=True)
    PersonFactory(user=root, unit=world.bureau)
    client.force_login(world.county_admin)
    before = AccessGrant.objects.count()
    for user in (world.county_admin, root):
        response = client.post(
            reverse("admin:org_accessgrant_add"), {"user": user.pk, "unit": world.station_a.pk}
        )
        assert response.status_code == 200
        assert "不能修改" in response.content.decode()
    assert AccessGrant.objects.count() == before


def test_an_administrator_cannot_move_their_own_grant(client, world):
    own = AccessGrant.objects.get(user=world.county_admin)
    client.force_login(world.county_admin)
    url = reverse("admin:org_accessgrant_change", args=[own.pk])
    response = client.post(url, {"region": world.county.pk})
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.unit == world.bureau and own.region is None


# --- accounts ---------------------------------------------------------------------------


def test_an_administrator_cannot_make_anyone_superuser_through_the_account_page(client, world):
    client.force_login(world.county_admin)
    officer = world.officer_a
    url = reverse("admin:auth_user_change", args=[officer.pk])
    response = client.post(
        url,
        {
            "username": officer.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [],
            "user_permissions": [],
        },
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.is_staff and not officer.is_superuser
    assert not officer.user_permissions.exists() and not officer.groups.exists()


def test_accounts_above_the_administrator_cannot_be_changed_or_their_password_reset(client, world):
    other_admin = UserFactory(username="other_admin", is_staff=True)
    PersonFactory(user=other_admin, unit=world.station_a, role_codes=["admin"])
    root = UserFactory(username="root", is_superuser=True)
    PersonFactory(user=root, unit=world.station_a)
    client.force_login(world.county_admin)
    for user in (other_admin, root, world.county_admin):
        password_url = reverse("admin:auth_user_password_change", args=[user.pk])
        response = client.post(
            password_url, {"password1": "new-pass-123x", "password2": "new-pass-123x"}
        )
        assert response.status_code == 403
        user.refresh_from_db()
        assert not user.check_password("new-pass-123x")
    response = client.post(
        reverse("admin:auth_user_change", args=[other_admin.pk]),
        {"username": "other_admin", "is_staff": "on"},
    )
    assert response.status_code == 403
    other_admin.refresh_from_db()
    assert other_admin.is_active
