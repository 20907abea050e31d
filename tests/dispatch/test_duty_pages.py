"""The officer's phone: their units' status, the incidents sent to them, the position while
the page is open, the steps 签收 → 出警 → 到场 and the 反馈 that may open a case."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.dispatch import services
from fengqiao.dispatch.models import DutyUnit, Incident
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db


def _sent(world, units, **overrides) -> Incident:
    """An alarm in grid A1, sent to station A's car (patrol_a is in it)."""
    values = {
        "actor": None,
        "sender": "session:duty-test",
        "client_key": "duty-alarm-0001",
        "lon": 120.005,
        "lat": 30.005,
        "note": "楼道里两户人家吵得很凶",
    }
    values.update(overrides)
    incident = services.raise_alarm(**values)
    return services.dispatch_incident(incident=incident, unit=units.car, actor=world.chief)


def _step(client, incident, step):
    return client.post(
        reverse("dispatch:duty_incident", args=[incident.number]),
        {"action": "step", "step": step},
        follow=True,
    )


def test_the_duty_page_shows_my_units_and_what_was_sent_to_them(client, world, units):
    incident = _sent(world, units)
    client.force_login(units.patrol_a)
    page = client.get(reverse("dispatch:duty")).content.decode()
    assert "甲镇巡1" in page and "甲村民警" not in page  # only the units I am in
    for label in ("空闲", "忙碌", "不在岗"):
        assert f">{label}</button>" in page
    assert incident.number in page and ">签收<" in page
    assert reverse("dispatch:duty_position") in page and "fengqiao/duty.js" in page
    assert 'hx-trigger="every 5s, push-nudge"' in page
    fragment = client.get(reverse("dispatch:duty"), headers={"HX-Request": "true"})
    assert incident.number in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_an_officer_sets_their_units_status(client, world, units):
    client.force_login(units.patrol_a)
    answer = client.post(
        reverse("dispatch:duty"), {"unit": units.car.pk, "status": "off_duty"}, follow=True
    )
    assert "甲镇巡1 现在：不在岗" in answer.content.decode()
    assert DutyUnit.objects.get(pk=units.car.pk).status == "off_duty"
    assert AuditEvent.objects.filter(action="dispatch.unit_status").count() == 1


def test_an_officer_cannot_set_another_units_status(client, world, units):
    client.force_login(units.patrol_a)
    before = db_snapshot()
    for unit in (units.beat_unit, units.car_b):
        answer = client.post(reverse("dispatch:duty"), {"unit": unit.pk, "status": "off_duty"})
        assert answer.status_code == 400 and "您不是这支力量的成员" in answer.content.decode()
    answer = client.post(reverse("dispatch:duty"), {"unit": units.car.pk, "status": "at_scene"})
    assert answer.status_code == 400 and "请选择空闲、忙碌或不在岗" in answer.content.decode()
    assert db_snapshot() == before


def test_the_phone_reports_its_position(client, world, units):
    client.force_login(units.patrol_a)
    answer = client.post(
        reverse("dispatch:duty_position"), {"lon": "120.0071", "lat": "30.0042", "accuracy": "12"}
    )
    assert answer.status_code == 200 and answer.json()["units"] == 1
    car = DutyUnit.objects.get(pk=units.car.pk)
    assert (car.lon, car.lat, car.accuracy_m) == (120.0071, 30.0042, 12)
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", answer.json()["at"])
    bad = client.post(reverse("dispatch:duty_position"), {"lon": "东经", "lat": "30"})
    assert bad.status_code == 400 and bad.json()["errors"]["lon"] == ["经度无效"]
    far = client.post(reverse("dispatch:duty_position"), {"lon": "200", "lat": "30"})
    assert far.status_code == 400 and far.json()["errors"]["lon"] == ["经纬度超出范围"]


def test_only_staff_who_answer_incidents_may_report_a_position(client, world, units):
    client.force_login(world.resident)
    before = db_snapshot()
    answer = client.post(reverse("dispatch:duty_position"), {"lon": "120", "lat": "30"})
    assert answer.status_code == 403
    assert client.get(reverse("dispatch:duty")).status_code == 403
    assert db_snapshot() == before


def test_the_steps_then_the_result_that_opens_a_case(client, world, units):
    incident = _sent(world, units)
    client.force_login(units.patrol_a)
    url = reverse("dispatch:duty_incident", args=[incident.number])
    page = client.get(url).content.decode()
    assert 'class="block big-step"' in page and ">签收</button>" in page and "<svg" in page
    for step, label, done in (
        ("accepted", "出警", "已签收"),
        ("departed", "到场", "已出警"),
        ("on_scene", None, "已到场"),
    ):
        page = _step(client, incident, step).content.decode()
        assert done in page
        if label:
            assert f">{label}</button>" in page
    assert "反馈" in page and 'name="outcome"' in page and "转为矛盾纠纷案件" in page
    incident.refresh_from_db()
    assert incident.status == "on_scene" and incident.arrived_at >= incident.accepted_at

    missing = client.post(url, {"action": "result", "outcome": "case", "result": "需要调解"})
    assert (
        missing.status_code == 400
        and "转为矛盾纠纷案件时请选择纠纷类别" in missing.content.decode()
    )
    answer = client.post(
        url,
        {
            "action": "result",
            "outcome": "case",
            "category": "neighbourhood",
            "result": "双方情绪稳定，需要调解漏水赔偿",
        },
        follow=True,
    )
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.case is not None
    assert incident.case.incident_number == incident.number
    page = answer.content.decode()
    assert f"已转为矛盾纠纷案件 {incident.case.reference}" in page
    assert reverse("disputes:case", args=[incident.case.reference]) in page
    assert 'class="block big-step"' not in page and 'name="outcome"' not in page
    assert DutyUnit.objects.get(pk=units.car.pk).status == "available"


def test_a_short_result_is_refused_with_the_field_named(client, world, units):
    incident = _sent(world, units)
    for step in ("accepted", "departed", "on_scene"):
        services.record_step(incident=incident, actor=units.patrol_a, step=step)
    client.force_login(units.patrol_a)
    url = reverse("dispatch:duty_incident", args=[incident.number])
    before = db_snapshot()
    answer = client.post(url, {"action": "result", "outcome": "handled", "result": "好"})
    assert answer.status_code == 400 and "至少 4 个字" in answer.content.decode()
    answer = client.post(url, {"action": "result", "result": "现场已平息"})
    assert answer.status_code == 400 and "请选择处置结果" in answer.content.decode()
    assert db_snapshot() == before


def test_a_step_out_of_order_is_refused_and_changes_nothing(client, world, units):
    incident = _sent(world, units)
    client.force_login(units.patrol_a)
    before = db_snapshot()
    answer = client.post(
        reverse("dispatch:duty_incident", args=[incident.number]),
        {"action": "step", "step": "on_scene"},
    )
    assert answer.status_code == 400 and "现在不能记录这个环节" in answer.content.decode()
    assert db_snapshot() == before


def test_a_colleague_not_in_the_unit_sees_the_incident_but_records_nothing(client, world, units):
    incident = _sent(world, units)
    client.force_login(world.officer_a)  # same station, not in the car
    url = reverse("dispatch:duty_incident", args=[incident.number])
    page = client.get(url).content.decode()
    assert "big-step" not in page and "本警情派给了 甲镇巡1" in page
    before = db_snapshot()
    assert client.post(url, {"action": "step", "step": "accepted"}).status_code == 403
    assert db_snapshot() == before


def test_another_townships_incident_is_not_found_on_the_phone(client, world, units):
    incident = _sent(world, units)
    client.force_login(world.officer_b)
    url = reverse("dispatch:duty_incident", args=[incident.number])
    before = db_snapshot()
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "step", "step": "accepted"}).status_code == 404
    assert db_snapshot() == before
    assert incident.number not in client.get(reverse("dispatch:duty")).content.decode()
