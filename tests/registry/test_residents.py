"""Registering residents: validation, sealed numbers, duplicates, moves, reveal, merge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.audit.models import AuditEvent
from fengqiao.registry import services
from fengqiao.registry.models import Occupancy, Resident
from tests.registry.conftest import ID_LI, ID_ZHANG, PHONE_ZHANG

pytestmark = pytest.mark.django_db


def test_resident_numbers_are_stored_sealed_masked_and_derived(registry):
    zhang = Resident.objects.get(pk=registry.zhang.pk)
    row = Resident.objects.filter(pk=zhang.pk).values().get()
    assert ID_ZHANG not in str(row) and PHONE_ZHANG not in str(row)
    assert zhang.id_masked == "330***********0014"
    assert zhang.phone_masked == "138****5678"
    assert zhang.id_number == ID_ZHANG and zhang.phone == "+86" + PHONE_ZHANG
    assert zhang.birth_date == dt.date(1980, 1, 1) and zhang.sex == "male"
    assert (zhang.name_pinyin, zhang.name_initials) == ("zhangsan", "zs")


def test_every_bad_field_is_reported_at_once_and_nothing_is_stored(world, registry):
    before = Resident.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.register_resident(
            actor=world.officer_a,
            house=registry.house_a,
            name="",
            id_number="330699198001010015",
            phone="12345",
            moved_in="2099-01-01",
        )
    errors = caught.value.message_dict
    assert set(errors) == {"name", "id_number", "phone", "moved_in"}
    assert "校验位" in errors["id_number"][0]
    assert Resident.objects.count() == before


def test_a_legacy_15_digit_number_is_upgraded(world, registry):
    resident = services.register_resident(
        actor=world.officer_a, house=registry.house_a, name="王五", id_number="330699800101003"
    )
    assert resident.id_number == "330699198001010030"


def test_the_same_document_is_not_registered_twice(world, registry):
    with pytest.raises(ValidationError) as caught:
        services.register_resident(
            actor=world.officer_a, house=registry.house_a, name="张三", id_number=ID_ZHANG.lower()
        )
    assert "合并" in caught.value.message_dict["id_number"][0]


def test_a_house_outside_the_officers_jurisdiction_is_refused(world, registry):
    with pytest.raises(PermissionDenied):
        services.register_resident(
            actor=world.officer_a, house=registry.house_b, name="赵六", id_number=""
        )


def test_moving_keeps_the_history_and_follows_the_new_jurisdiction(world, registry):
    moved = services.move_resident(
        actor=world.county_admin,
        resident=registry.zhang,
        house=registry.house_b,
        on=dt.date(2025, 3, 1),
        residence_type="floating",
    )
    assert moved.scope_path == world.grid_b1.path
    stays = list(Occupancy.objects.filter(resident=moved).order_by("id"))
    assert [s.house_id for s in stays] == [registry.house_a.pk, registry.house_b.pk]
    assert stays[0].moved_out == dt.date(2025, 3, 1) and stays[1].moved_out is None


def test_reveal_needs_a_reason_and_leaves_who_what_and_why(world, registry):
    with pytest.raises(ValidationError):
        services.reveal(actor=world.officer_a, record=registry.zhang, field="id_number", reason="")
    assert not AuditEvent.objects.filter(action="registry.revealed").exists()
    value = services.reveal(
        actor=world.officer_a, record=registry.zhang, field="id_number", reason="调解需核对身份"
    )
    assert value == ID_ZHANG
    event = AuditEvent.objects.get(action="registry.revealed")
    assert event.actor == world.officer_a and event.object_id == str(registry.zhang.pk)
    assert event.changes == {"field": "id_number", "reason": "调解需核对身份"}


def test_reveal_is_refused_to_a_grid_worker_and_outside_the_jurisdiction(world, registry):
    for actor, record in ((world.grid_worker_a1, registry.zhang), (world.officer_a, registry.li)):
        with pytest.raises(PermissionDenied):
            services.reveal(actor=actor, record=record, field="phone", reason="核对身份信息")
    assert not AuditEvent.objects.filter(action="registry.revealed").exists()


def test_merge_moves_every_link_to_the_kept_record(world, registry):
    duplicate = services.register_resident(
        actor=world.county_admin,
        house=registry.house_a,
        name="张叁",
        id_number="330699198001010057",
    )
    kept = services.merge_residents(
        actor=world.county_admin, keep=registry.zhang, duplicate=duplicate, reason="同一人"
    )
    assert not Resident.objects.filter(pk=duplicate.pk).exists()
    assert Occupancy.objects.filter(resident=kept).count() == 2
    assert AuditEvent.objects.filter(action="registry.resident.merged").count() == 1


def test_an_unknown_id_type_and_a_bad_permit_prefix_are_named(world, registry):
    with pytest.raises(ValidationError) as caught:
        services.register_resident(
            actor=world.officer_a,
            house=registry.house_a,
            name="陈七",
            id_type="hmt_residence_permit",
            id_number=ID_LI,
        )
    assert "81" in caught.value.message_dict["id_number"][0]
