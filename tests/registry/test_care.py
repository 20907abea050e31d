"""Key people under care, as pages: the list with the most overdue first, a visit that
moves the next due date, enrolling from the resident's page, and sensitive groups kept
from those without their own permission."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.registry import care
from fengqiao.registry.models import CareVisit, KeyPerson
from tests.conftest import _staff

pytestmark = pytest.mark.django_db


def _days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


@pytest.fixture
def auxiliary(world):
    """An auxiliary police officer of station A: keeps the registry, but may not see the
    sensitive groups (medical, minors, domestic violence)."""
    user, _person = _staff(
        "aux_a", ["auxiliary_police"], unit=world.station_a, grant_unit=world.station_a
    )
    return user


@pytest.fixture
def records(world, registry):
    officer = world.officer_a
    late = care.enrol_key_person(
        actor=officer, resident=registry.zhang, kind="elderly_alone", since=_days_ago(45)
    )
    later = care.enrol_key_person(
        actor=officer, resident=registry.zhang, kind="petitioner", since=_days_ago(33)
    )
    sensitive = care.enrol_key_person(
        actor=officer, resident=registry.zhang, kind="severe_mental_disorder"
    )
    return late, later, sensitive


def test_the_list_puts_the_most_overdue_first_with_days_overdue(client, world, records):
    late, later, sensitive = records
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:care_list")).content.decode()
    assert page.index(reverse("registry:care", args=[late.pk])) < page.index(
        reverse("registry:care", args=[later.pk])
    )
    assert "逾期 15 天" in page and "逾期 3 天" in page
    overdue_only = client.get(reverse("registry:care_list"), {"overdue": "1"}).content.decode()
    assert reverse("registry:care", args=[sensitive.pk]) not in overdue_only


def test_recording_a_visit_moves_the_next_due_date(client, world, records):
    late, _later, _sensitive = records
    client.force_login(world.officer_a)
    url = reverse("registry:care", args=[late.pk])
    response = client.post(
        url, {"method": "home", "visited_on": "", "finding": "本人在家，身体尚好，需要送米"}
    )
    assert response.status_code == 302
    late.refresh_from_db()
    today = timezone.localdate()
    assert late.last_visit_on == today
    assert late.next_visit_due == today + dt.timedelta(days=late.visit_every_days)
    page = client.get(url).content.decode()
    assert "已记录走访" in page and "需要送米" in page and "逾期" not in page.split("<h1")[1][:200]


def test_a_visit_without_findings_is_refused_and_nothing_changes(client, world, records):
    late, _later, _sensitive = records
    client.force_login(world.officer_a)
    before = (AuditEvent.objects.count(), KeyPerson.objects.get(pk=late.pk).next_visit_due)
    response = client.post(reverse("registry:care", args=[late.pk]), {"method": "home"})
    assert response.status_code == 400
    assert "请写下走访情况" in response.content.decode()
    assert CareVisit.objects.count() == 0
    assert (AuditEvent.objects.count(), KeyPerson.objects.get(pk=late.pk).next_visit_due) == (
        before
    )


def test_sensitive_groups_are_hidden_from_those_without_the_permission(
    client, world, registry, records, auxiliary
):
    _late, _later, sensitive = records
    client.force_login(auxiliary)
    assert client.get(reverse("registry:care", args=[sensitive.pk])).status_code == 404
    listed = client.get(reverse("registry:care_list")).content.decode()
    resident_page = client.get(reverse("registry:resident", args=[registry.zhang.pk]))
    for page in (listed, resident_page.content.decode()):
        assert "严重精神障碍患者" not in page
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:resident", args=[registry.zhang.pk])).content.decode()
    assert "严重精神障碍患者" in page


def test_key_people_outside_the_jurisdiction_are_not_found(client, world, records):
    late, _later, _sensitive = records
    client.force_login(world.officer_b)
    assert client.get(reverse("registry:care", args=[late.pk])).status_code == 404
    response = client.post(
        reverse("registry:care", args=[late.pk]), {"method": "home", "finding": "越权记录走访"}
    )
    assert response.status_code == 404 and CareVisit.objects.count() == 0


def test_an_officer_enrols_a_resident_from_their_page(client, world, registry):
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:resident", args=[registry.zhang.pk])).content.decode()
    assert "纳入重点人群" in page
    url = reverse("registry:resident_enrol", args=[registry.zhang.pk])
    response = client.post(url, {"kind": "elderly_alone", "care_level": "1", "since": ""})
    assert response.status_code == 302
    record = KeyPerson.objects.get(resident=registry.zhang)
    assert (record.kind, record.care_level, record.visit_every_days) == ("elderly_alone", 1, 7)
    assert record.officer == world.officer_a.person


def test_enrolling_twice_in_one_group_is_refused_on_the_page(client, world, registry):
    client.force_login(world.officer_a)
    url = reverse("registry:resident_enrol", args=[registry.zhang.pk])
    client.post(url, {"kind": "elderly_alone", "care_level": "2"})
    response = client.post(url, {"kind": "elderly_alone", "care_level": "2"})
    assert response.status_code == 400 and "此人已在该类重点人群中" in response.content.decode()
    assert KeyPerson.objects.count() == 1


def test_a_grid_worker_cannot_enrol(client, world, registry):
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("registry:resident", args=[registry.zhang.pk])).content.decode()
    assert "纳入重点人群" not in page
    before = AuditEvent.objects.count()
    url = reverse("registry:resident_enrol", args=[registry.zhang.pk])
    assert client.post(url, {"kind": "elderly_alone", "care_level": "2"}).status_code == 403
    assert KeyPerson.objects.count() == 0 and AuditEvent.objects.count() == before


def test_a_sensitive_group_is_not_offered_to_those_who_may_not_see_it(
    client, world, registry, auxiliary
):
    client.force_login(auxiliary)
    url = reverse("registry:resident_enrol", args=[registry.zhang.pk])
    response = client.post(url, {"kind": "left_behind_child", "care_level": "2"})
    assert response.status_code == 400
    assert KeyPerson.objects.count() == 0
    page = client.get(reverse("registry:resident", args=[registry.zhang.pk])).content.decode()
    assert "留守儿童" not in page and "独居老人" in page
