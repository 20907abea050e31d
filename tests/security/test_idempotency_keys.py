"""An idempotency key finds only what the same sender sent: replaying or squatting someone
else's key is a new request, never an answer about their report."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from fengqiao.community import services as community
from fengqiao.community import to_case
from fengqiao.intake import services as intake
from fengqiao.intake.models import Report
from tests.community.conftest import join, make_group
from tests.factories import UserFactory


def _public_form(key: str, **extra) -> dict:
    return {
        "kind": "dispute",
        "category": "neighbourhood",
        "text": "楼上每天半夜拖椅子，沟通多次没用",
        "grid_code": "330699001001G01",
        "reporter_name": "王阿姨",
        "reporter_phone": "13812345678",
        "client_key": key,
        **extra,
    }


def _code(response) -> str:
    return re.search(r'class="tracking-code"[^>]*>([0-9A-Z]{10})<', response.content.decode())[1]


def test_the_same_browser_sending_twice_gets_its_first_report(world):
    browser = Client()
    browser.get(reverse("intake:report"))
    first = browser.post(reverse("intake:report"), _public_form("web-aaaa1111"), follow=True)
    again = browser.post(reverse("intake:report"), _public_form("web-aaaa1111"), follow=True)
    assert _code(first) == _code(again) and Report.objects.count() == 1


def test_another_browser_replaying_the_key_makes_its_own_report(world):
    victim, attacker = Client(), Client()
    theirs = victim.post(reverse("intake:report"), _public_form("web-bbbb2222"), follow=True)
    mine = attacker.post(
        reverse("intake:report"), _public_form("web-bbbb2222", reporter_name="某某"), follow=True
    )
    assert _code(theirs) != _code(mine)
    assert _code(theirs) not in mine.content.decode()
    assert "王阿姨" not in mine.content.decode()
    assert Report.objects.count() == 2


def _resident_message(world, text: str):
    group = make_group(
        "甲村1号楼群", level="building", region=world.community_a, building=world.building_a1
    )
    resident = UserFactory(username="resident_in_a")
    join(group, resident, name="李大姐", phone="+8613812345678")
    return community.post_message(actor=resident, group=group, text=text), resident


def test_squatting_a_conversion_key_does_not_capture_the_residents_case(world):
    message, _resident = _resident_message(world, "楼道堆放杂物，堵住了消防通道")
    squatter = Client()
    for key in (f"community-message-{message.pk}", f"message-{message.pk}"):
        squatter.post(
            reverse("intake:report"),
            _public_form(key, grid_code="330699002001G01", reporter_name="冒名"),
        )
    squatted = set(Report.objects.values_list("tracking_code", flat=True))
    code = to_case.message_to_report(actor=world.officer_a, message=message)
    assert code not in squatted
    report = Report.objects.get(tracking_code=code)
    assert report.grid.parent == world.community_a and report.case is not None
    assert report.reporter_name == "李大姐"


def test_staff_of_another_township_replaying_a_key_learn_nothing(client, world):
    theirs = intake.submit_report(
        actor=world.officer_a,
        channel="walk_in",
        kind="hazard",
        text="楼道堆放杂物堵塞通道",
        grid_code=world.grid_a1.code,
        client_key="walkin-cccc3333",
    ).report
    client.force_login(world.officer_b)
    response = client.post(
        reverse("intake:new"),
        {
            "channel": "walk_in",
            "kind": "hazard",
            "text": "路灯坏了好几天",
            "grid_code": world.grid_b1.code,
            "client_key": "walkin-cccc3333",
        },
        follow=True,
    )
    assert theirs.tracking_code not in response.content.decode()
    assert Report.objects.count() == 2


def test_an_api_client_replaying_its_own_key_gets_its_first_report(world):
    api = APIClient()
    api.force_authenticate(world.officer_a)
    body = {
        "channel": "walk_in",
        "kind": "hazard",
        "text": "楼道堆放杂物堵塞通道",
        "grid_code": world.grid_a1.code,
    }
    url = reverse("api:report-list")
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="app-dddd4444")
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="app-dddd4444")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["tracking_code"] == again.json()["tracking_code"]
