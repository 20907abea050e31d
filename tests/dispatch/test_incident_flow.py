"""An alarm's whole way: in through intake's door, suggested units, dispatch, the officer's
four timestamps, and the result closing it or opening a case with the incident's number."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.dispatch import selectors, services
from fengqiao.dispatch.models import DutyUnit, Incident
from fengqiao.disputes import selectors as dispute_selectors
from fengqiao.intake.models import Report

pytestmark = pytest.mark.django_db


def _alarm(world, **overrides):
    values = {
        "actor": None,
        "sender": "session:abc",
        "client_key": "alarm-key-0001",
        "lon": 120.005,
        "lat": 30.005,
    }
    values.update(overrides)
    return services.raise_alarm(**values)


def test_an_alarm_comes_through_intake_and_becomes_an_incident(world):
    incident = _alarm(world, note="有人在楼道里打架，拿着刀")
    report = incident.report
    assert report.kind == Report.Kind.ALARM and report.channel == "one_click_alarm"
    assert incident.grid == world.grid_a1 and incident.station == world.station_a
    assert incident.status == "new" and incident.number.startswith("330699")
    assert report.assignees.exists()  # routed to who packages the grid
    assert incident.risk == "red"


def test_the_same_key_or_a_second_tap_within_a_minute_is_one_alarm(world):
    first = _alarm(world)
    again = _alarm(world)  # a lost connection retried with the same key
    other_key = _alarm(world, client_key="alarm-key-0002")  # a second tap
    assert first.pk == again.pk == other_key.pk
    assert Incident.objects.count() == 1 and Report.objects.count() == 1


def test_an_alarm_without_a_point_uses_the_building_and_is_marked(world):
    incident = _alarm(
        world, lon=None, lat=None, building=world.building_a1, location_source="last_known"
    )
    assert incident.building == world.building_a1 and incident.location_uncertain


def test_an_alarm_with_no_place_at_all_is_refused_clearly(world):
    with pytest.raises(ValidationError) as error:
        _alarm(world, lon=None, lat=None)
    assert "位置" in str(error.value)


def test_suggestions_put_the_beat_officer_first_when_close(world, units):
    incident = _alarm(world)
    suggestions = selectors.suggestions_for(incident)
    assert [s.unit_id for s in suggestions[:2]] == [units.beat_unit.pk, units.car.pk]
    assert suggestions[0].beat_officer and suggestions[0].eta_minutes >= 1


def test_a_distant_beat_officer_goes_after_the_nearest_unit(world, units):
    DutyUnit.objects.filter(pk=units.beat_unit.pk).update(lon=120.2, lat=30.2)
    suggestions = selectors.suggestions_for(_alarm(world))
    assert suggestions[0].unit_id == units.car.pk


def test_dispatch_steps_and_a_result_that_opens_a_case(world, units):
    incident = _alarm(world, note="邻居两家因漏水吵起来了")
    services.dispatch_incident(incident=incident, unit=units.car, actor=world.chief)
    with pytest.raises(PermissionDenied):  # not in the unit sent
        services.record_step(incident=incident, actor=world.officer_a, step="accepted")
    for step in ("accepted", "departed", "on_scene"):
        incident = services.record_step(incident=incident, actor=units.patrol_a, step=step)
    with pytest.raises(ValidationError):
        services.record_step(incident=incident, actor=units.patrol_a, step="on_scene")
    incident = services.report_result(
        incident=incident,
        actor=units.patrol_a,
        outcome="case",
        result="双方情绪稳定，需要调解漏水赔偿",
        category="neighbourhood",
    )
    assert incident.status == "closed" and incident.case is not None
    assert incident.case.incident_number == incident.number
    found = dispute_selectors.cases_for(world.chief, q=incident.number)
    assert list(found) == [incident.case]
    assert incident.arrived_at >= incident.departed_at >= incident.accepted_at
    assert DutyUnit.objects.get(pk=units.car.pk).status == "available"
    assert Report.objects.get(pk=incident.report_id).status == "closed"
    actions = set(
        AuditEvent.objects.filter(object_id=str(incident.pk)).values_list("action", flat=True)
    )
    assert {"dispatch.accepted", "dispatch.departed", "dispatch.on_scene"} <= actions


def test_dispatch_is_scoped(world, units):
    incident = _alarm(world)
    with pytest.raises(PermissionDenied):
        services.dispatch_incident(incident=incident, unit=units.car_b, actor=world.officer_b)
    with pytest.raises(PermissionDenied):
        services.dispatch_incident(incident=incident, unit=units.car_b, actor=world.chief)


def test_a_110_transfer_keeps_its_number_and_is_idempotent(world):
    received = timezone.now() - dt.timedelta(minutes=3)
    incident, created = services.receive_110(
        actor=world.officer_a,
        number="3306990000123",
        received_at=received,
        text="报警人称邻居持刀威胁",
        address="",
        grid_code=world.grid_a1.code,
    )
    again, created_again = services.receive_110(
        actor=world.officer_a,
        number="3306990000123",
        received_at=received,
        text="重复推送",
        grid_code=world.grid_a1.code,
    )
    assert created and not created_again and again.pk == incident.pk
    assert incident.from_110 and incident.received_at == received
    assert incident.report.channel == "alarm_110"


def test_response_times_per_station(world, units):
    incident = _alarm(world)
    services.dispatch_incident(incident=incident, unit=units.car, actor=world.chief)
    for step in ("accepted", "departed", "on_scene"):
        services.record_step(incident=incident, actor=units.patrol_a, step=step)
    now = timezone.now()
    times = selectors.response_times(
        world.chief,
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(hours=1),
        station=world.station_a,
    )
    assert times.count == 1 and times.legs["to_scene"]["count"] == 1
    assert times.legs["to_scene"]["median"] >= 0


@pytest.mark.parametrize("number", ["", "一二三四", "110 123", "A" * 33, "-123"])
def test_a_110_number_must_look_like_one(world, number):
    with pytest.raises(ValidationError) as error:
        services.receive_110(
            actor=world.officer_a,
            number=number,
            received_at=timezone.now(),
            text="报警人称邻居持刀威胁",
            grid_code=world.grid_a1.code,
        )
    assert "number" in error.value.message_dict
