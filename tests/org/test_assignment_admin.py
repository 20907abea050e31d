"""The admin adds and ends assignments through org.services: same rules, same audit."""

from __future__ import annotations

from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.org.models import Assignment
from tests.factories import PersonFactory


def _add(client, **data):
    return client.post(reverse("admin:org_assignment_add"), data)


def test_admin_adds_a_grid_worker_and_the_audit_says_so(client, world):
    worker = PersonFactory(region=world.grid_a2, role_codes=["grid_worker"])
    client.force_login(world.county_admin)
    response = _add(
        client,
        person=worker.pk,
        duty="grid_worker",
        region=world.grid_a2.pk,
        starts_on="2026-03-01",
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(person=worker)
    assert AuditEvent.objects.filter(action="org.assign", object_id=str(assignment.pk)).exists()


def test_admin_refuses_a_second_community_officer_on_a_beat_and_names_the_holder(client, world):
    other = PersonFactory(unit=world.station_a, role_codes=["community_police"])
    client.force_login(world.county_admin)
    before = Assignment.objects.count()
    response = _add(
        client,
        person=other.pk,
        duty="community_police",
        beat=world.beat_a.pk,
        starts_on="2026-03-01",
    )
    assert response.status_code == 200
    assert "officer_a" in response.content.decode()
    assert Assignment.objects.count() == before


def test_admin_refuses_a_duty_the_persons_roles_do_not_cover(client, world):
    volunteer = PersonFactory(region=world.grid_a2, role_codes=["volunteer"])
    client.force_login(world.county_admin)
    response = _add(
        client,
        person=volunteer.pk,
        duty="grid_worker",
        region=world.grid_a2.pk,
        starts_on="2026-03-01",
    )
    assert response.status_code == 200 and "不能承担此职责" in response.content.decode()
    assert not Assignment.objects.filter(person=volunteer).exists()


def test_admin_ends_an_assignment_and_cannot_delete_it(client, world):
    assignment = Assignment.objects.get(duty="grid_worker", region=world.grid_a1)
    client.force_login(world.county_admin)
    url = reverse("admin:org_assignment_change", args=[assignment.pk])
    assert client.post(url, {"ends_on": "2026-09-30"}).status_code == 302
    assignment.refresh_from_db()
    assert str(assignment.ends_on) == "2026-09-30"
    assert AuditEvent.objects.filter(action="org.end_assignment").count() == 1
    delete = client.post(
        reverse("admin:org_assignment_delete", args=[assignment.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert Assignment.objects.filter(pk=assignment.pk).exists()
