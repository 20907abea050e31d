"""The staff's moves: each one, the clock that stops for missing materials and goes on
when they come, the conditional update two officers race on, refusals in writing, the
visit before a door request is completed, and the applicant's cancel and rating."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.services import services as svc
from fengqiao.services.models import Application
from tests.services.conftest import book

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    now = {"at": T0}
    monkeypatch.setattr(timezone, "now", lambda: now["at"])
    return now


def _fresh(app):
    return Application.objects.unscoped_for_jobs().get(pk=app.pk)


def test_accept_ask_supply_complete_with_the_clock_paused_while_materials_are_missing(
    world, permit, clock
):
    clock["at"] = T0 - dt.timedelta(days=1)
    app = book(permit, channel="online")
    clock["at"] = T0
    app = svc.accept(actor=world.officer_a, application=app)
    assert app.state == "submitted" and app.due_at == T0 + dt.timedelta(days=10)
    clock["at"] = T0 + dt.timedelta(hours=1)
    app = svc.ask_missing(
        actor=world.officer_a, application=app, materials=["租房合同"], other="近期免冠照片"
    )
    assert app.state == "missing" and app.paused_at == clock["at"]
    assert _fresh(app).missing_materials == ["租房合同", "近期免冠照片"]
    assert _fresh(app).missing_requests == 1
    clock["at"] = T0 + dt.timedelta(days=2, hours=1)
    app = svc.supply(actor=world.officer_a, application=app)
    stored = _fresh(app)
    assert stored.state == "submitted" and stored.paused_at is None
    assert stored.paused_seconds == 2 * 86400
    assert stored.due_at == T0 + dt.timedelta(days=12)
    clock["at"] = T0 + dt.timedelta(days=3)
    app = svc.complete(actor=world.officer_a, application=app, note="已制证")
    stored = _fresh(app)
    assert stored.state == "completed" and stored.finished_at == clock["at"]
    assert stored.handler.user == world.officer_a
    assert list(stored.events.values_list("type", flat=True)) == [
        "booked",
        "submitted",
        "missing",
        "supplied",
        "completed",
    ]
    actions = set(AuditEvent.objects.filter(object_id=str(app.pk)).values_list("action", flat=True))
    assert {"services.submit", "services.ask_missing", "services.supply", "services.complete"} <= (
        actions
    )


def test_asking_again_while_missing_replaces_the_list_and_keeps_the_pause(world, permit, clock):
    app = svc.accept(actor=world.officer_a, application=book(permit, channel="online"))
    app = svc.ask_missing(actor=world.officer_a, application=app, materials=["租房合同"])
    paused = app.paused_at
    clock["at"] = T0 + dt.timedelta(hours=3)
    app = svc.ask_missing(actor=world.officer_a, application=app, materials=["居民身份证"])
    stored = _fresh(app)
    assert stored.paused_at == paused and stored.missing_requests == 1
    assert stored.missing_materials == ["居民身份证"]


def test_missing_materials_come_from_the_list_and_at_least_one_is_named(world, permit):
    app = svc.accept(actor=world.officer_a, application=book(permit, channel="online"))
    for materials, other in (([], ""), (["户口本"], "")):
        with pytest.raises(ValidationError) as caught:
            svc.ask_missing(
                actor=world.officer_a, application=app, materials=materials, other=other
            )
        assert "materials" in caught.value.message_dict
    assert _fresh(app).state == "submitted"


def test_two_officers_on_the_same_application_one_wins(world, permit):
    app = book(permit, channel="online")
    stale = _fresh(app)
    svc.accept(actor=world.officer_a, application=app)
    with pytest.raises(svc.ApplicationChanged) as caught:
        svc.accept(actor=world.chief, application=stale)
    assert "请刷新" in caught.value.messages[0]
    assert _fresh(app).events.filter(type="submitted").count() == 1


def test_an_illegal_move_is_refused_and_changes_nothing(world, permit):
    app = book(permit, channel="online")
    with pytest.raises(ValidationError) as caught:
        svc.complete(actor=world.officer_a, application=app)
    assert "state" in caught.value.message_dict
    assert _fresh(app).state == "booked" and _fresh(app).version == 1


def test_a_refusal_needs_a_reason_in_writing_and_stops_a_paused_clock(world, permit, clock):
    app = svc.accept(actor=world.officer_a, application=book(permit, channel="online"))
    app = svc.ask_missing(actor=world.officer_a, application=app, materials=["租房合同"])
    with pytest.raises(ValidationError):
        svc.refuse(actor=world.officer_a, application=app, reason="不行")
    clock["at"] = T0 + dt.timedelta(hours=5)
    app = svc.refuse(actor=world.officer_a, application=app, reason="居住未满半年，不符合申领条件")
    stored = _fresh(app)
    assert stored.state == "refused" and stored.refusal_reason.startswith("居住未满半年")
    assert stored.paused_at is None and stored.paused_seconds == 5 * 3600


def test_residents_and_other_townships_cannot_process(world, permit):
    app = book(permit, channel="online")
    for actor in (world.resident, world.officer_b, None):
        with pytest.raises(PermissionDenied):
            svc.accept(actor=actor, application=app)
    assert _fresh(app).state == "booked"
    assert not AuditEvent.objects.filter(action="services.submit").exists()


def test_a_door_request_is_completed_only_after_the_visit(world, permit, clock):
    app = book(
        permit,
        channel="door",
        building=world.building_a1,
        address_detail="3号",
        door_reason="disabled",
    )
    app = svc.accept(actor=world.officer_a, application=app)
    with pytest.raises(ValidationError) as caught:
        svc.complete(actor=world.officer_a, application=app)
    assert "visit" in caught.value.message_dict
    with pytest.raises(ValidationError):
        svc.record_visit(actor=world.officer_a, application=app, note="")
    clock["at"] = T0 + dt.timedelta(hours=2)
    app = svc.record_visit(
        actor=world.officer_a, application=app, note="上门采集照片和指纹", companions="辅警张三"
    )
    assert _fresh(app).visited_at == clock["at"]
    app = svc.complete(actor=world.officer_a, application=app)
    assert _fresh(app).state == "completed"
    visit = _fresh(app).events.get(type="visited")
    assert visit.payload["companions"] == "辅警张三"


def test_a_visit_is_for_door_requests_only(world, permit):
    app = svc.accept(actor=world.officer_a, application=book(permit, channel="online"))
    with pytest.raises(ValidationError):
        svc.record_visit(actor=world.officer_a, application=app, note="去了")


def test_the_applicant_cancels_by_code_while_it_is_not_finished(world, permit):
    app = book(permit, channel="online")
    svc.cancel_by_applicant(tracking_code=app.tracking_code.lower(), reason="不办了")
    assert _fresh(app).state == "cancelled"
    with pytest.raises(ValidationError):
        svc.cancel_by_applicant(tracking_code=app.tracking_code)
    with pytest.raises(ValidationError) as caught:
        svc.cancel_by_applicant(tracking_code="SNOTACODE00")
    assert "tracking_code" in caught.value.message_dict


def test_rating_only_when_finished_only_once_one_to_five(world, permit):
    app = book(permit, channel="online")
    with pytest.raises(ValidationError) as caught:
        svc.rate(tracking_code=app.tracking_code, satisfaction=5)
    assert "办结后" in caught.value.message_dict["satisfaction"][0]
    app = svc.accept(actor=world.officer_a, application=app)
    svc.complete(actor=world.officer_a, application=app)
    with pytest.raises(ValidationError):
        svc.rate(tracking_code=app.tracking_code, satisfaction=6)
    svc.rate(tracking_code=app.tracking_code, satisfaction=5, feedback="很快")
    with pytest.raises(ValidationError) as caught:
        svc.rate(tracking_code=app.tracking_code, satisfaction=1)
    assert "已经评价" in caught.value.message_dict["satisfaction"][0]
    stored = _fresh(app)
    assert stored.satisfaction == 5 and stored.feedback == "很快"
    assert AuditEvent.objects.filter(action="services.rated").count() == 1


def test_staff_take_an_application_at_the_window_with_the_clock_started(world, permit, clock):
    app, created = svc.take_at_window(
        actor=world.officer_a, service=permit, applicant_name="李四", phone="13900001111"
    )
    assert created and app.state == "submitted" and app.channel == "window"
    assert app.due_at == T0 + dt.timedelta(days=10)
    with pytest.raises(PermissionDenied):
        svc.take_at_window(
            actor=world.officer_b, service=permit, applicant_name="李四", phone="13900001111"
        )
