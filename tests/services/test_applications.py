"""Applying and booking: what is refused (a slot in the past, at the weekend, not a slot,
full; a closed service; a channel the service does not offer; bad phone or ID), the
idempotency key, the sealed numbers, and door-to-door routing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.org.models import Assignment
from fengqiao.services import catalogue
from fengqiao.services import services as svc
from fengqiao.services.models import Application, ApplicationEvent
from tests.services.conftest import ID_NUMBER, PHONE, book, make_service, next_slot

pytestmark = pytest.mark.django_db


def _refused(service, field: str, **kw) -> str:
    before = Application.objects.unscoped_for_jobs().count()
    with pytest.raises(ValidationError) as caught:
        book(service, **kw)
    assert Application.objects.unscoped_for_jobs().count() == before
    assert field in caught.value.message_dict, caught.value.message_dict
    return caught.value.message_dict[field][0]


def test_a_window_booking_is_kept_with_sealed_numbers_a_code_an_event_and_an_audit_row(permit):
    slot = next_slot()
    app = book(permit, slot=slot)
    assert app.state == "booked" and app.channel == "window" and app.booked_for == slot
    assert app.tracking_code.startswith("S") and len(app.tracking_code) == 11
    stored = Application.objects.unscoped_for_jobs().get(pk=app.pk)
    assert PHONE not in stored.phone_sealed and ID_NUMBER not in stored.id_sealed
    assert stored.phone_masked.endswith("5678") and "1234" not in stored.phone_masked
    assert stored.phone == "+86" + PHONE and stored.id_number == ID_NUMBER
    assert list(ApplicationEvent.objects.unscoped_for_jobs().values_list("type", flat=True)) == [
        "booked"
    ]
    assert AuditEvent.objects.filter(action="services.applied", object_id=str(app.pk)).exists()


def test_the_same_key_from_the_same_sender_returns_the_first_application(permit):
    first = book(permit, key="key-12345678", channel="online")
    again, created = svc.apply(
        sender="session:test",
        service=permit,
        channel="online",
        applicant_name="王小明",
        phone=PHONE,
        client_key="key-12345678",
    )
    assert again.pk == first.pk and created is False
    other = book(permit, key="key-12345678", channel="online", sender="session:other")
    assert other.pk != first.pk
    assert Application.objects.unscoped_for_jobs().count() == 2


def test_a_booking_in_the_past_is_refused(permit):
    past = next_slot() - dt.timedelta(days=7)
    while past > timezone.now():
        past -= dt.timedelta(days=7)
    assert "过去" in _refused(permit, "booked_for", slot=past)


def test_weekend_and_odd_times_are_not_slots(permit):
    slot = next_slot()
    saturday = slot + dt.timedelta(days=(5 - slot.weekday()) % 7 or 7)
    assert saturday.weekday() == 5
    assert "工作日" in _refused(permit, "booked_for", slot=saturday)
    assert "工作日" in _refused(permit, "booked_for", slot=slot + dt.timedelta(minutes=10))
    lunch = slot.replace(hour=12, minute=30)
    assert "工作日" in _refused(permit, "booked_for", slot=lunch)


def test_too_far_ahead_is_refused(permit):
    assert "天内" in _refused(permit, "booked_for", slot=next_slot(days_ahead=40))


def test_a_full_slot_is_refused_and_a_cancelled_booking_frees_its_place(permit):
    slot = next_slot()
    first = book(permit, slot=slot)
    book(permit, slot=slot)
    assert "约满" in _refused(permit, "booked_for", slot=slot)
    svc.cancel_by_applicant(tracking_code=first.tracking_code)
    assert book(permit, slot=slot).booked_for == slot


def test_a_closed_service_takes_no_applications(world, permit):
    catalogue.set_service_open(actor=world.chief, service=permit, open=False)
    assert "暂停受理" in _refused(permit, "service")


def test_a_channel_the_service_does_not_offer_is_refused(world):
    window_only = make_service(world, "a", name="户籍证明", channels=["window"])
    assert "网上办理" in _refused(window_only, "channel", channel="online")


def test_a_window_booking_needs_a_slot_and_a_service_without_bookings_takes_none(world, permit):
    with pytest.raises(ValidationError) as caught:
        svc.apply(
            sender="s",
            service=permit,
            channel="window",
            applicant_name="王",
            phone=PHONE,
        )
    assert "booked_for" in caught.value.message_dict
    no_slots = make_service(world, "a", name="出生登记", slot_capacity=0)
    assert "不接受预约" in _refused(no_slots, "booked_for")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("phone", "12345", "服务号码"),
        ("phone", "", "联系电话"),
        ("id_number", "330699198001010015", "校验位"),
        ("applicant_name", "  ", "姓名"),
    ],
)
def test_bad_applicant_details_are_refused_by_field(permit, field, value, words):
    assert words in _refused(permit, field, channel="online", **{field: value})


def test_a_door_request_reaches_the_community_police_of_the_building(world, permit):
    app = book(
        permit,
        channel="door",
        building=world.building_a1,
        address_detail="2单元301室",
        door_reason="elderly",
    )
    assert app.assignee.user == world.officer_a
    assert app.scope_path == world.grid_a1.path
    types = list(app.events.values_list("type", flat=True))
    assert types == ["booked", "routed"]


def test_a_door_request_nobody_packages_waits_in_the_station_queue(world, permit):
    Assignment.objects.filter(duty="community_police").delete()
    app = book(
        permit,
        channel="door",
        building=world.building_a1,
        address_detail="1号",
        door_reason="bedridden",
    )
    assert app.assignee is None
    assert app.events.get(type="routed").payload["assignee"] == ""


def test_a_door_request_needs_a_building_a_door_number_and_a_reason(permit):
    with pytest.raises(ValidationError) as caught:
        book(permit, channel="door", building=None, address_detail="", door_reason="bored")
    assert {"building", "address_detail", "door_reason"} <= set(caught.value.message_dict)
