"""Keeping the catalogue: who may, what is checked, and closing and opening a service."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.audit.models import AuditEvent
from fengqiao.services import catalogue, selectors
from fengqiao.services.models import Service
from tests.services.conftest import make_service

pytestmark = pytest.mark.django_db


def test_a_chief_adds_a_service_to_his_station_audited(world, permit):
    assert permit.materials == ["居民身份证", "租房合同", "居住登记凭证"]
    assert permit.channels == ["online", "kiosk", "window", "door"]
    assert permit.days_allowed == 10
    event = AuditEvent.objects.get(action="services.service_saved", object_id=str(permit.pk))
    assert event.actor == world.chief


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"promised_days": 20}, "promised_days"),
        ({"time_limit_days": 0}, "time_limit_days"),
        ({"time_limit_days": "十五"}, "time_limit_days"),
        ({"channels": ["fax"]}, "channels"),
        ({"channels": []}, "channels"),
        ({"name": ""}, "name"),
        ({"kind": "passport"}, "kind"),
        ({"slot_capacity": -1}, "slot_capacity"),
        ({"materials": ["很" * 60]}, "materials"),
    ],
)
def test_bad_values_are_refused_by_field(world, overrides, field):
    with pytest.raises(ValidationError) as caught:
        make_service(world, "a", **overrides)
    assert field in caught.value.message_dict
    assert not Service.objects.unscoped_for_jobs().exists()


def test_the_same_name_twice_at_one_station_is_refused(world, permit):
    with pytest.raises(ValidationError) as caught:
        make_service(world, "a")
    assert "同名" in caught.value.message_dict["name"][0]


def test_a_chief_cannot_keep_another_townships_catalogue_nor_an_officer_any(world, permit_b):
    with pytest.raises(ValidationError) as caught:
        make_service(world, "a", station=world.station_b, name="别处")
    assert "station" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        catalogue.set_service_open(actor=world.chief, service=permit_b, open=False)
    with pytest.raises(PermissionDenied):
        catalogue.save_service(
            actor=world.officer_a,
            station=world.station_a,
            kind="other",
            name="x",
            time_limit_days=1,
            channels=["window"],
        )
    assert Service.objects.unscoped_for_jobs().get(pk=permit_b.pk).open


def test_a_closed_service_leaves_the_public_catalogue_and_comes_back(world, permit):
    assert list(selectors.public_catalogue()) == [permit]
    catalogue.set_service_open(actor=world.chief, service=permit, open=False, reason="系统升级")
    assert list(selectors.public_catalogue()) == []
    catalogue.set_service_open(actor=world.chief, service=permit, open=True)
    assert list(selectors.public_catalogue(township=world.township_a.code, q="居住")) == [permit]
    assert list(selectors.public_catalogue(township=world.township_b.code)) == []
    actions = list(
        AuditEvent.objects.filter(object_id=str(permit.pk)).values_list("action", flat=True)
    )
    assert "services.service_closed" in actions and "services.service_opened" in actions
