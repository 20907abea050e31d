"""The units on duty page and the form chiefs keep them with: status and fix age, stale
positions marked, every choice from the chief's own scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.dispatch.models import DutyUnit
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db


def _cards(page: str) -> dict[int, str]:
    return {int(pk): body for pk, body in re.findall(r'data-unit="(\d+)">(.*?)</li>', page, re.S)}


def test_the_list_shows_status_fix_age_and_marks_stale_positions(
    client, world, units, django_assert_max_num_queries
):
    DutyUnit.objects.filter(pk=units.car.pk).update(
        fix_at=timezone.now() - dt.timedelta(minutes=25), status="busy"
    )
    client.force_login(world.officer_a)
    client.get(reverse("dispatch:units"))
    with django_assert_max_num_queries(10):
        page = client.get(reverse("dispatch:units")).content.decode()
    cards = _cards(page)
    assert set(cards) == {units.beat_unit.pk, units.car.pk}  # not station B's
    assert "空闲" in cards[units.beat_unit.pk] and "位置过期" not in cards[units.beat_unit.pk]
    assert "officer_a" in cards[units.beat_unit.pk] and "甲村警务区" in cards[units.beat_unit.pk]
    car = cards[units.car.pk]
    assert "忙碌" in car and "位置过期" in car and "25" in car and "分钟前" in car
    assert "新增执勤力量" not in page  # officer_a keeps no units


def test_a_chief_adds_a_unit_with_members_of_the_station(client, world, units):
    client.force_login(world.chief)
    form = client.get(reverse("dispatch:unit_new")).content.decode()
    assert "甲镇派出所" in form and "乙镇派出所" not in form
    assert "officer_a" in form and "officer_b" not in form
    answer = client.post(
        reverse("dispatch:unit_new"),
        {
            "call_sign": "甲镇巡2",
            "kind": "patrol_car",
            "station": world.station_a.pk,
            "members": [world.officer_a.person.pk, units.patrol_a.person.pk],
        },
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == reverse("dispatch:units")
    unit = DutyUnit.objects.get(call_sign="甲镇巡2")
    assert unit.station == world.station_a and unit.status == "off_duty"
    assert set(unit.members.all()) == {world.officer_a.person, units.patrol_a.person}
    assert "已保存 甲镇巡2" in answer.content.decode()
    assert AuditEvent.objects.filter(action="dispatch.unit_saved").count() == 1


def test_a_chief_changes_a_unit(client, world, units):
    client.force_login(world.chief)
    url = reverse("dispatch:unit_edit", args=[units.car.pk])
    form = client.get(url).content.decode()
    assert 'value="甲镇巡1"' in form and "checked" in form
    client.post(
        url,
        {
            "call_sign": "甲镇巡1",
            "kind": "foot_patrol",
            "station": world.station_a.pk,
            "beat": world.beat_a.pk,
            "members": [units.patrol_a.person.pk],
        },
    )
    car = DutyUnit.objects.get(pk=units.car.pk)
    assert car.kind == "foot_patrol" and car.beat == world.beat_a


def test_mistakes_are_named_and_nothing_is_saved(client, world, units):
    client.force_login(world.chief)
    before = db_snapshot()
    answer = client.post(
        reverse("dispatch:unit_new"),
        {"call_sign": "甲村民警", "kind": "beat_officer", "station": world.station_a.pk},
    )
    assert answer.status_code == 400 and "本单位已有这个呼号" in answer.content.decode()
    answer = client.post(reverse("dispatch:unit_new"), {"call_sign": "", "kind": ""})
    page = answer.content.decode()
    assert "请选择力量类型" in page and "请选择所属单位" in page
    answer = client.post(
        reverse("dispatch:unit_new"),
        {"call_sign": "越界", "kind": "patrol_car", "station": world.station_b.pk},
    )
    assert "这个单位不在您的管辖范围" in answer.content.decode()
    answer = client.post(
        reverse("dispatch:unit_new"),
        {
            "call_sign": "越界2",
            "kind": "patrol_car",
            "station": world.station_a.pk,
            "members": [world.officer_b.person.pk],
        },
    )
    assert "所选人员不在您的管辖范围" in answer.content.decode()
    assert db_snapshot() == before


def test_another_townships_unit_is_not_found_and_the_form_needs_the_permission(
    client, world, units
):
    client.force_login(world.chief)
    before = db_snapshot()
    url = reverse("dispatch:unit_edit", args=[units.car_b.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"call_sign": "改名", "kind": "patrol_car"}).status_code == 404
    client.force_login(world.officer_a)
    assert client.get(reverse("dispatch:unit_new")).status_code == 403
    edit = reverse("dispatch:unit_edit", args=[units.car.pk])
    assert client.post(edit, {"call_sign": "改名", "kind": "patrol_car"}).status_code == 403
    client.force_login(world.resident)
    assert client.get(reverse("dispatch:units")).status_code == 403
    assert db_snapshot() == before
