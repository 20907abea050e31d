"""Registry editing through the services: the police add, correct and end at once; the
ground submits and the police apply or send back; every change is audited with masked
old and new values; refusals change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.audit.models import AuditEvent
from fengqiao.identity import check_character
from fengqiao.registry import editing
from fengqiao.registry.models import (
    Address,
    Employment,
    Establishment,
    Occupancy,
    RegistryChange,
    Resident,
)
from tests.conftest import _staff
from tests.registry.conftest import ID_LI, ID_ZHANG, PHONE_ZHANG

pytestmark = pytest.mark.django_db

FIRST17 = "33069919950303001"
ID_WANG = FIRST17 + check_character(FIRST17)
NEW_WANG = {"name": "王小二", "id_number": ID_WANG, "phone": "139 0000 1111"}


def _state():
    return (
        Resident.objects.count(),
        RegistryChange.objects.count(),
        AuditEvent.objects.count(),
        list(Resident.objects.values_list("name", "phone_hash", "moved_out").order_by("pk")),
    )


# --- the police edit at once -----------------------------------------------------------


def test_an_officer_adds_a_resident_at_once_and_the_audit_has_the_masked_values(world, registry):
    edit = editing.add_resident(actor=world.officer_a, house=registry.house_a, values=NEW_WANG)
    assert edit.created and edit.applied
    wang = edit.change.resident
    assert (wang.name, wang.house, wang.id_number, wang.phone) == (
        "王小二",
        registry.house_a,
        ID_WANG,
        "+8613900001111",
    )
    assert Occupancy.objects.filter(resident=wang, moved_out__isnull=True).count() == 1
    event = AuditEvent.objects.get(action="registry.resident.added")
    fields = event.changes["fields"]
    assert fields["name"] == {"old": None, "new": "王小二"}
    assert fields["id_number"]["new"].startswith(ID_WANG[:3] + "*")
    assert ID_WANG not in str(event.changes) and "13900001111" not in str(event.changes)


def test_an_officer_corrects_the_phone_and_the_audit_shows_old_and_new_masked(world, registry):
    zhang = registry.zhang
    edit = editing.correct_resident(
        actor=world.officer_a, resident=zhang, values={"phone": "13700002222"}
    )
    assert edit.applied
    zhang.refresh_from_db()
    assert zhang.phone == "+8613700002222"
    event = AuditEvent.objects.get(action="registry.resident.corrected")
    change = event.changes["fields"]
    assert set(change) == {"phone"}
    assert change["phone"]["old"].startswith("138****5678")
    assert change["phone"]["new"].startswith("137****2222")
    assert PHONE_ZHANG not in str(event.changes) and "13700002222" not in str(event.changes)


def test_a_corrected_id_number_never_shows_the_old_one_in_the_audit(world, registry):
    first17 = "33069919800101003"
    new_id = first17 + check_character(first17)
    editing.correct_resident(
        actor=world.officer_a, resident=registry.zhang, values={"id_number": new_id}
    )
    registry.zhang.refresh_from_db()
    assert registry.zhang.id_number == new_id
    event = AuditEvent.objects.get(action="registry.resident.corrected")
    text = str(event.changes)
    assert ID_ZHANG not in text and new_id not in text
    old, new = event.changes["fields"]["id_number"].values()
    assert old != new  # the fingerprint tells them apart though the masks look alike


def test_ending_a_stay_keeps_the_record_with_date_and_reason(world, registry):
    zhang = registry.zhang
    editing.end_resident(
        actor=world.officer_a, resident=zhang, values={"on": "2025-06-01", "reason": "moved_away"}
    )
    zhang.refresh_from_db()
    assert (zhang.moved_out, zhang.end_reason, zhang.house) == (
        dt.date(2025, 6, 1),
        "moved_away",
        None,
    )
    stay = Occupancy.objects.get(resident=zhang)
    assert (stay.moved_out, stay.end_reason) == (dt.date(2025, 6, 1), "moved_away")
    event = AuditEvent.objects.get(action="registry.resident.ended")
    assert event.changes["fields"]["moved_out"] == {"old": None, "new": "2025-06-01"}


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({**NEW_WANG, "id_number": ID_WANG[:-1] + "0"}, "id_number", "校验位"),
        ({**NEW_WANG, "phone": "12345"}, "phone", ""),
        ({**NEW_WANG, "name": ""}, "name", "请填写姓名"),
        ({**NEW_WANG, "id_number": ID_ZHANG}, "id_number", "张三"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(world, registry, values, field, words):
    before = _state()
    with pytest.raises(ValidationError) as caught:
        editing.add_resident(actor=world.officer_a, house=registry.house_a, values=values)
    assert field in caught.value.message_dict
    assert words in " ".join(caught.value.message_dict[field])
    assert _state() == before


def test_a_duplicate_in_another_township_is_named_without_revealing_it(world, registry):
    with pytest.raises(ValidationError) as caught:
        editing.add_resident(
            actor=world.officer_a, house=registry.house_a, values={**NEW_WANG, "id_number": ID_LI}
        )
    message = " ".join(caught.value.message_dict["id_number"])
    assert "其他辖区" in message
    assert "李四" not in message and str(registry.li.pk) not in message


def test_an_end_date_before_moving_in_is_refused(world, registry):
    zhang = registry.zhang
    editing.correct_resident(
        actor=world.officer_a, resident=zhang, values={"moved_in": "2020-01-01"}
    )
    before = _state()
    with pytest.raises(ValidationError) as caught:
        editing.end_resident(
            actor=world.officer_a, resident=zhang, values={"on": "2019-12-31", "reason": "died"}
        )
    assert "不能早于迁入日期" in caught.value.message_dict["on"][0]
    assert _state() == before


def test_a_correction_cannot_set_anything_but_the_residents_fields(world, registry):
    before = _state()
    for values in ({"scope_path": "/"}, {"roles": ["admin"]}, {"house": registry.house_b.pk}):
        with pytest.raises(ValidationError):
            editing.correct_resident(actor=world.officer_a, resident=registry.zhang, values=values)
    assert _state() == before


# --- scope -----------------------------------------------------------------------------


def test_no_one_edits_outside_their_area_or_without_a_role(world, registry):
    before = _state()
    with pytest.raises(PermissionDenied):
        editing.correct_resident(actor=world.officer_b, resident=registry.zhang, values=NEW_WANG)
    with pytest.raises(PermissionDenied):
        editing.add_resident(actor=world.grid_worker_a1, house=registry.house_b, values=NEW_WANG)
    with pytest.raises(PermissionDenied):
        editing.add_resident(actor=world.resident, house=registry.house_a, values=NEW_WANG)
    with pytest.raises(PermissionDenied):
        editing.end_resident(actor=world.resident, resident=registry.zhang, values={})
    assert _state() == before


# --- the ground submits, the police verify ---------------------------------------------


def test_a_grid_workers_add_waits_until_the_officer_applies_it(world, registry):
    edit = editing.add_resident(
        actor=world.grid_worker_a1, house=registry.house_a, values=NEW_WANG, client_key="k-000001"
    )
    assert edit.created and not edit.applied
    assert not Resident.objects.filter(name="王小二").exists()
    assert edit.change.id_sealed and ID_WANG not in str(edit.change.values)
    # A double tap finds the first submission.
    again = editing.add_resident(
        actor=world.grid_worker_a1, house=registry.house_a, values=NEW_WANG, client_key="k-000001"
    )
    assert (again.change.pk, again.created) == (edit.change.pk, False)
    with pytest.raises(PermissionDenied):
        editing.apply_change(actor=world.officer_b, change=edit.change)
    change = editing.apply_change(actor=world.officer_a, change=edit.change, note="上门核实")
    assert change.status == RegistryChange.Status.APPLIED
    assert change.resident.id_number == ID_WANG
    assert change.reviewed_by == world.officer_a
    with pytest.raises(ValidationError):
        editing.apply_change(actor=world.officer_a, change=change)


def test_a_rejected_correction_changes_nothing_in_the_registry(world, registry):
    edit = editing.correct_resident(
        actor=world.grid_worker_a1, resident=registry.zhang, values={"phone": "13700002222"}
    )
    assert not edit.applied
    with pytest.raises(ValidationError):
        editing.reject_change(actor=world.officer_a, change=edit.change, reason=" ")
    change = editing.reject_change(actor=world.officer_a, change=edit.change, reason="电话打不通")
    assert change.status == RegistryChange.Status.REJECTED
    registry.zhang.refresh_from_db()
    assert registry.zhang.phone == "+86" + PHONE_ZHANG
    assert AuditEvent.objects.filter(action="registry.change.rejected").count() == 1


def test_a_building_head_may_submit_an_add_but_not_apply_it(world, registry):
    head, _person = _staff(
        "head_a1", ["building_head"], region=world.grid_a1, grant_region=world.grid_a1
    )
    edit = editing.add_resident(actor=head, house=registry.house_a, values=NEW_WANG)
    assert not edit.applied
    with pytest.raises(PermissionDenied):
        editing.apply_change(actor=head, change=edit.change)
    with pytest.raises(PermissionDenied):  # they never read residents, so never correct them
        editing.correct_resident(actor=head, resident=registry.zhang, values={"name": "张叁"})


# --- houses, units, employees, addresses -----------------------------------------------


def test_house_unit_employee_and_address_are_corrected_and_ended_with_audit(world, registry):
    officer = world.officer_a
    house = registry.house_a
    editing.correct_house(actor=officer, house=house, values={"use": "rented", "area_m2": "88.5"})
    house.refresh_from_db()
    assert (house.use, float(house.area_m2)) == ("rented", 88.5)
    fields = AuditEvent.objects.get(action="registry.house.corrected").changes["fields"]
    assert fields["use"] == {"old": "own", "new": "rented"}
    with pytest.raises(ValidationError, match="迁出"):
        editing.end_house(actor=officer, house=house, reason="拆迁")
    unit = Establishment.objects.create(
        name="小卖部", kind="shop", address=registry.address_a, scope_path=house.scope_path
    )
    job = Employment.objects.create(
        establishment=unit, resident=registry.zhang, since=dt.date(2024, 1, 1)
    )
    with pytest.raises(ValidationError):
        editing.end_employment(actor=officer, employment=job, on="2023-12-31")
    editing.end_employment(actor=officer, employment=job, on="2024-06-30")
    editing.correct_establishment(actor=officer, unit=unit, values={"name": "便民超市"})
    editing.close_establishment(actor=officer, unit=unit, on="2024-07-01", reason="停业")
    editing.end_resident(actor=officer, resident=registry.zhang, values={"reason": "moved_away"})
    editing.end_house(actor=officer, house=house, reason="拆迁")
    editing.retire_address(actor=officer, address=registry.address_a, reason="整村拆迁")
    assert Address.objects.get(pk=registry.address_a.pk).retired_on is not None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "registry.employee.left",
        "registry.establishment.corrected",
        "registry.establishment.closed",
        "registry.house.ended",
        "registry.address.retired",
    } <= actions
    with pytest.raises(PermissionDenied):
        editing.correct_house(actor=world.officer_b, house=registry.house_a, values={"use": "own"})


def test_a_grid_worker_cannot_edit_in_the_next_grid_of_the_same_township(world, registry):
    from fengqiao.registry import services
    from tests.registry.conftest import address_in

    address = address_in(world.grid_a2, "5组3号", actor=world.county_admin)
    house = services.register_house(actor=world.county_admin, address=address)
    neighbour = services.register_resident(
        actor=world.county_admin, house=house, name="赵五", id_number=ID_WANG
    )
    before = _state()
    with pytest.raises(PermissionDenied):
        editing.add_resident(
            actor=world.grid_worker_a1, house=house, values={**NEW_WANG, "id_number": ""}
        )
    with pytest.raises(PermissionDenied):
        editing.correct_resident(
            actor=world.grid_worker_a1, resident=neighbour, values={"name": "赵六"}
        )
    with pytest.raises(PermissionDenied):
        editing.end_resident(actor=world.grid_worker_a1, resident=neighbour, values={})
    assert _state() == before
    # The officer of the township may.
    assert editing.correct_resident(
        actor=world.officer_a, resident=neighbour, values={"name": "赵六"}
    ).applied


def test_two_officers_applying_the_same_change_at_once_apply_it_once(world, registry):
    edit = editing.correct_resident(
        actor=world.grid_worker_a1, resident=registry.zhang, values={"note": "新备注"}
    )
    stale = RegistryChange.objects.get(pk=edit.change.pk)  # read before the other applies
    chief = world.chief
    editing.apply_change(actor=world.officer_a, change=edit.change)
    before = _state()
    with pytest.raises(ValidationError, match="处理过"):
        editing.apply_change(actor=chief, change=stale)
    assert _state() == before
    assert AuditEvent.objects.filter(action="registry.resident.corrected").count() == 1
