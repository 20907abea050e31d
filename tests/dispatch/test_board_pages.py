"""The dispatch board, the incident page with one-click dispatch, and the 110 transfer form:
what they show, in what order, to whom; what a refused post leaves unchanged."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.dispatch import services
from fengqiao.dispatch.models import DutyUnit, Incident
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _alarm(**overrides) -> Incident:
    values = {
        "actor": None,
        "sender": "session:board-test",
        "client_key": "board-alarm-0001",
        "lon": 120.005,
        "lat": 30.005,
    }
    values.update(overrides)
    return services.raise_alarm(**values)


def _transfer(world, number="1103306990001", *, minutes_ago=20, **overrides) -> Incident:
    values = {
        "actor": world.officer_a,
        "number": number,
        "received_at": timezone.now() - dt.timedelta(minutes=minutes_ago),
        "text": "报警人称邻居家有人吵闹摔东西",
        "caller_name": "李先生",
        "caller_phone": PHONE,
        "grid_code": world.grid_a2.code,
        "risk": "yellow",
    }
    values.update(overrides)
    incident, _created = services.receive_110(**values)
    return incident


def _numbers_in_order(html: str) -> list[str]:
    return re.findall(r'data-incident="([^"]+)"', html)


# --- the board ----------------------------------------------------------------------------


def test_the_board_lists_open_incidents_red_first_then_oldest(client, world, units):
    older_yellow = _transfer(world, minutes_ago=30)
    red = _alarm(note="有人持刀在楼道里吵架", silent=True)
    client.force_login(world.chief)
    page = client.get(reverse("dispatch:board")).content.decode()
    assert _numbers_in_order(page) == [red.number, older_yellow.number]
    assert "一键报警" in page and "110警情" in page and "静默" in page
    assert f'data-since="{int(red.received_at.timestamp())}"' in page
    assert re.search(r'class="clock"[^>]*>\d{2}:\d{2}<', page)
    assert 'hx-trigger="every 1s, push-nudge"' in page and reverse("dispatch:board_rows") in page
    assert "开启提示音" in page and "fengqiao/dispatch.js" in page


def test_a_poll_with_current_rows_is_answered_empty_until_something_changes(client, world, units):
    _transfer(world)
    client.force_login(world.chief)
    url = reverse("dispatch:board_rows")
    stamp = re.search(r'data-board-stamp="([0-9a-f]+)"', client.get(url).content.decode())[1]
    assert client.get(url, {"stamp": stamp}).status_code == 204
    red = _alarm(note="有人在店里砸东西")
    fresh = client.get(url, {"stamp": stamp})
    assert fresh.status_code == 200 and red.number in fresh.content.decode()
    services.dispatch_incident(incident=red, unit=units.car, actor=world.chief)
    assert client.get(url, {"stamp": stamp}).status_code == 200  # a unit sent shows too


def test_an_uncertain_place_and_the_unit_sent_are_shown(client, world, units):
    incident = _alarm(lon=None, lat=None, building=world.building_a1, location_source="last_known")
    services.dispatch_incident(incident=incident, unit=units.car, actor=world.chief)
    client.force_login(world.officer_a)
    page = client.get(reverse("dispatch:board_rows")).content.decode()
    assert "位置待核实" in page and "甲村1号" in page and "甲镇巡1" in page
    assert "<html" not in page  # a fragment for htmx to swap in


def test_the_board_is_scoped_to_the_jurisdiction(client, world, units):
    ours = _alarm()
    client.force_login(world.officer_b)
    for url in (reverse("dispatch:board"), reverse("dispatch:board_rows")):
        assert ours.number not in client.get(url).content.decode()
    assert client.get(reverse("dispatch:incident", args=[ours.number])).status_code == 404


def test_closed_today_is_listed_apart(client, world, units):
    incident = _alarm(note="邻居吵架")
    services.dispatch_incident(incident=incident, unit=units.car, actor=world.chief)
    for step in ("accepted", "departed", "on_scene"):
        services.record_step(incident=incident, actor=units.patrol_a, step=step)
    services.report_result(
        incident=incident, actor=units.patrol_a, outcome="handled", result="双方已劝开，现场平息"
    )
    client.force_login(world.chief)
    rows = client.get(reverse("dispatch:board_rows")).content.decode()
    assert incident.number not in rows
    closed = client.get(reverse("dispatch:board_rows"), {"part": "closed"}).content.decode()
    assert incident.number in closed and "现场处置完毕" in closed
    board = client.get(reverse("dispatch:board")).content.decode()
    assert "今日已结束的警情" in board and "<details" in board


def test_search_finds_our_number_the_110_number_and_the_phones_last_four(client, world, units):
    alarm = _alarm()
    transfer = _transfer(world)
    client.force_login(world.officer_a)

    def found(q):
        page = client.get(reverse("dispatch:board"), {"q": q}).content.decode()
        section = page.split('class="board-found"')[1].split("</section>")[0]
        return _numbers_in_order(section)

    assert found(alarm.number) == [alarm.number]
    assert found(transfer.number) == [transfer.number]
    assert found(PHONE[-4:]) == [transfer.number]
    assert found("0000000000") == []


def test_the_board_keeps_its_queries_few(client, world, units, django_assert_max_num_queries):
    for n in range(6):
        _transfer(world, number=f"11033069900{n:02d}", minutes_ago=10 + n)
    _alarm()
    client.force_login(world.chief)
    client.get(reverse("dispatch:board"))  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        assert client.get(reverse("dispatch:board")).status_code == 200
    with django_assert_max_num_queries(8):
        rows = client.get(reverse("dispatch:board_rows"))
    stamp = re.search(r'data-board-stamp="([0-9a-f]+)"', rows.content.decode())[1]
    with django_assert_max_num_queries(8):  # a poll while nothing changed: no rows read
        assert client.get(reverse("dispatch:board_rows"), {"stamp": stamp}).status_code == 204


def test_the_board_needs_the_permission(client, world):
    client.force_login(world.resident)
    assert client.get(reverse("dispatch:board")).status_code == 403
    client.logout()
    assert "/accounts/login/" in client.get(reverse("dispatch:board"))["Location"]


def test_the_main_menu_offers_dispatch_to_police_only(client, world, units):
    client.force_login(world.officer_a)
    page = client.get(reverse("dispatch:duty")).content.decode()
    assert f'href="{reverse("dispatch:board")}"' in page and "接处警" in page
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("disputes:cases")).content.decode()
    assert "接处警" not in page


# --- one incident -------------------------------------------------------------------------


def test_the_incident_page_suggests_units_with_distance_eta_and_beat(client, world, units):
    DutyUnit.objects.filter(pk=units.car.pk).update(
        fix_at=timezone.now() - dt.timedelta(minutes=30)
    )
    incident = _alarm(note="楼下有人打架", caller_phone=PHONE)
    client.force_login(world.chief)
    page = client.get(reverse("dispatch:incident", args=[incident.number])).content.decode()
    suggestions = page.split('class="list suggestion-list"')[1].split("</ul>")[0]
    rows = re.findall(r'<li class="suggestion" data-unit="(\d+)">(.*?)</li>', suggestions, re.S)
    assert [int(pk) for pk, _ in rows[:2]] == [units.beat_unit.pk, units.car.pk]
    beat_row, car_row = rows[0][1], rows[1][1]
    assert "责任区民警" in beat_row and "公里" in beat_row and "分钟到达" in beat_row
    assert "位置过期" in car_row and "米" in car_row
    assert page.count('<button type="submit">派警<') >= 2
    assert "<svg" in page and 'class="incident"' in page and "甲村一网格" in page
    assert PHONE not in page and incident.phone_masked in page


def test_one_click_dispatch_sends_the_unit_and_keeps_the_suggestions(client, world, units):
    incident = _alarm()
    client.force_login(world.chief)
    url = reverse("dispatch:incident", args=[incident.number])
    answer = client.post(url, {"unit": units.beat_unit.pk}, follow=True)
    assert answer.redirect_chain[-1][0] == url
    assert "已派 甲村民警 出警" in answer.content.decode()
    incident.refresh_from_db()
    assert incident.status == "dispatched" and incident.unit == units.beat_unit
    assert incident.dispatched_by == world.chief
    assert [s["unit"] for s in incident.suggested][:2] == [units.beat_unit.pk, units.car.pk]
    assert DutyUnit.objects.get(pk=units.beat_unit.pk).status == "busy"
    assert AuditEvent.objects.filter(action="dispatch.dispatched").count() == 1


def test_any_unit_on_duty_can_be_chosen_and_one_off_duty_is_refused_clearly(client, world, units):
    incident = _alarm()
    DutyUnit.objects.filter(pk=units.car.pk).update(status="off_duty")
    client.force_login(world.chief)
    url = reverse("dispatch:incident", args=[incident.number])
    page = client.get(url).content.decode()
    options = page.split('id="id_unit"')[1].split("</select>")[0]
    assert "甲村民警" in options and "甲镇巡1" not in options and "乙镇巡1" not in options
    before = db_snapshot()
    answer = client.post(url, {"unit": units.car.pk})
    assert answer.status_code == 400 and "甲镇巡1 不在岗" in answer.content.decode()
    assert db_snapshot() == before


def test_a_unit_of_another_township_cannot_be_sent(client, world, units):
    incident = _alarm()
    client.force_login(world.chief)
    before = db_snapshot()
    answer = client.post(
        reverse("dispatch:incident", args=[incident.number]), {"unit": units.car_b.pk}
    )
    assert answer.status_code == 400
    assert "这支力量不在您的管辖范围" in answer.content.decode()
    assert db_snapshot() == before


def test_dispatching_needs_the_permission(client, world, units):
    incident = _alarm()
    client.force_login(units.patrol_a)  # an auxiliary: sees the board, answers, sends no one
    url = reverse("dispatch:incident", args=[incident.number])
    page = client.get(url).content.decode()
    assert "suggestion-list" not in page and 'name="unit"' not in page
    before = db_snapshot()
    assert client.post(url, {"unit": units.car.pk}).status_code == 403
    assert db_snapshot() == before


def test_a_closed_incident_shows_its_timeline_result_and_case(client, world, units):
    incident = _alarm(note="两家因漏水吵起来")
    services.dispatch_incident(incident=incident, unit=units.car, actor=world.chief)
    for step in ("accepted", "departed", "on_scene"):
        services.record_step(incident=incident, actor=units.patrol_a, step=step)
    incident = services.report_result(
        incident=incident,
        actor=units.patrol_a,
        outcome="case",
        result="漏水赔偿谈不拢，转调解",
        category="neighbourhood",
    )
    client.force_login(world.chief)
    page = client.get(reverse("dispatch:incident", args=[incident.number])).content.decode()
    for label in ("接警", "派警", "签收", "出警", "到场", "反馈"):
        assert f"<strong>{label}</strong>" in page
    assert "待记录" not in page and "suggestion-list" not in page
    assert "转为矛盾纠纷案件" in page and "漏水赔偿谈不拢" in page
    assert reverse("disputes:case", args=[incident.case.reference]) in page


# --- 110 transfers ------------------------------------------------------------------------


def _form(world, **extra):
    received = timezone.localtime() - dt.timedelta(minutes=4)
    values = {
        "number": "110-3306990077",
        "received_at": received.strftime("%Y-%m-%dT%H:%M"),
        "caller_name": "王女士",
        "caller_phone": "139 8765 4321",
        "address": "甲村二网格村口",
        "grid_code": world.grid_a2.code,
        "text": "报警人称丈夫酒后砸东西",
        "risk": "red",
    }
    return {**values, **extra}


def test_a_110_transfer_is_registered_and_opens_its_incident(client, world, units):
    client.force_login(world.officer_a)
    form = client.get(reverse("dispatch:receive_110")).content.decode()
    assert 'type="datetime-local"' in form and "甲村二网格" in form and "乙社区一网格" not in form
    answer = client.post(reverse("dispatch:receive_110"), _form(world), follow=True)
    incident = Incident.objects.get()
    assert incident.number == "110-3306990077" and incident.from_110
    assert incident.grid == world.grid_a2 and incident.risk == "red"
    assert incident.caller_name == "王女士" and incident.phone_last4 == "4321"
    local = timezone.localtime(incident.received_at)
    assert local.strftime("%Y-%m-%dT%H:%M") == _form(world)["received_at"]
    assert answer.redirect_chain[-1][0] == reverse("dispatch:incident", args=[incident.number])
    page = answer.content.decode()
    assert "已登记 110 警情 110-3306990077" in page and "13987654321" not in page


def test_the_same_110_number_again_shows_the_incident_with_a_notice(client, world, units):
    client.force_login(world.officer_a)
    client.post(reverse("dispatch:receive_110"), _form(world))
    before = db_snapshot()
    answer = client.post(
        reverse("dispatch:receive_110"), _form(world, text="重复推送的内容"), follow=True
    )
    assert "已经登记过" in answer.content.decode()
    assert answer.redirect_chain[-1][0].endswith("/dispatch/i/110-3306990077/")
    snapshot = db_snapshot()
    for taken in (before, snapshot):
        taken.pop("audit.AuditEvent", None)
    assert snapshot == before and Incident.objects.count() == 1


def test_a_110_transfer_with_mistakes_names_each_field(client, world, units):
    client.force_login(world.officer_a)
    answer = client.post(
        reverse("dispatch:receive_110"),
        _form(world, number="", received_at="昨天", caller_phone="110", lon="120.1"),
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "接警时间格式不对" in page and "是服务号码" in page and "经度和纬度要一起填写" in page
    answer = client.post(reverse("dispatch:receive_110"), _form(world, number=""))
    assert answer.status_code == 400 and "请填写 110 警情编号" in answer.content.decode()
    answer = client.post(
        reverse("dispatch:receive_110"), _form(world, grid_code=world.grid_b1.code)
    )
    assert answer.status_code == 400 and "这个网格不在您的辖区内" in answer.content.decode()
    assert not Incident.objects.exists()


def test_the_110_form_needs_the_permission(client, world, units):
    client.force_login(units.patrol_a)
    assert client.get(reverse("dispatch:receive_110")).status_code == 403
    assert client.post(reverse("dispatch:receive_110"), _form(world)).status_code == 403
    assert not Incident.objects.exists()
