"""Anti-fraud pages: the home page's figures and records, the figures per area and month,
the two forms (errors next to the fields, nothing written), the records' pages and the
phone reveal; 404 for township B's records, 403 without the permission."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.outreach import fraud_services as services
from fengqiao.outreach.models import FraudWarning, OutreachEvent
from tests.outreach.test_fraud_figures import crafted  # noqa: F401  (a fixture)
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db


def _event(world, actor=None, grid=None):
    event, _made = services.record_event(
        actor=actor or world.officer_a,
        kind="talk",
        title="甲村反诈宣讲",
        grid=grid or world.grid_a1,
        held_on=timezone.localdate(),
        people_reached=80,
        app_installs=12,
    )
    return event


def _warning(world, actor=None, grid=None):
    made, _created = services.record_warning(
        actor=actor or world.officer_a,
        grid=grid or world.grid_a1,
        warned_at=timezone.now() - dt.timedelta(minutes=30),
        level="high",
        method="call",
        person_name="王阿姨",
        phone="13800571234",
        outcome="dissuaded",
        payment_stopped=True,
        amount_stopped="35000",
    )
    return made


def test_the_home_page_shows_this_months_figures_and_records(client, world, crafted):  # noqa: F811
    client.force_login(world.officer_a)
    page = client.get(reverse("outreach:fraud_home"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "登记宣传活动" in text and "登记预警劝阻" in text
    assert 'data-figure="people_reached">110<' in text
    assert 'data-figure="app_installs">16<' in text
    assert 'data-figure="amount_stopped">¥35,000.00<' in text
    assert 'data-figure="broadcast_reach">3<' in text
    assert "王阿姨" in text and "宣讲" in text
    assert "乙镇宣讲" not in text and "乙镇群众" not in text
    assert "13800571234" not in text


def test_last_months_figures_by_the_month_picker(client, world, crafted):  # noqa: F811
    client.force_login(world.officer_a)
    month = crafted.last_month.strftime("%Y-%m")
    text = client.get(reverse("outreach:fraud_home"), {"month": month}).content.decode()
    assert 'data-figure="people_reached">50<' in text
    assert 'data-figure="warnings">1<' in text


def test_the_figures_page_per_community_and_month(client, world, crafted):  # noqa: F811
    client.force_login(world.officer_a)
    query = {"start": crafted.last_month.strftime("%Y-%m"), "by": "grid"}
    page = client.get(reverse("outreach:fraud_figures"), query)
    assert page.status_code == 200
    text = page.content.decode()
    assert "甲村 · 甲村一网格" in text and "跨区域群发" in text
    assert crafted.last_month.strftime("%Y-%m") in text
    assert "35,000.00" in text and "乙社区" not in text


def test_a_grid_worker_sees_no_warnings_and_cannot_record_one(client, world, crafted):  # noqa: F811
    client.force_login(world.grid_worker_a1)
    text = client.get(reverse("outreach:fraud_home")).content.decode()
    assert "登记宣传活动" in text and "登记预警劝阻" not in text
    assert "王阿姨" not in text and 'data-figure="warnings"' not in text
    assert client.get(reverse("outreach:fraud_warning_new")).status_code == 403
    assert client.get(reverse("outreach:fraud_warnings")).status_code == 403


def test_a_resident_is_refused(client, world):
    client.force_login(world.resident)
    assert client.get(reverse("outreach:fraud_home")).status_code == 403


def test_an_officer_records_an_event_from_the_form(client, world):
    client.force_login(world.officer_a)
    form = client.get(reverse("outreach:fraud_event_new"))
    assert form.status_code == 200
    assert "甲村一网格" in form.content.decode() and "乙社区一网格" not in form.content.decode()
    values = {
        "kind": "talk",
        "title": "老年大学反诈宣讲",
        "grid": world.grid_a1.pk,
        "held_on": timezone.localdate().isoformat(),
        "people_reached": "80",
        "app_installs": "12",
        "leaflets": "",
        "client_key": "form-event-0001",
    }
    answer = client.post(reverse("outreach:fraud_event_new"), values)
    assert answer.status_code == 302 and answer["Location"] == reverse("outreach:fraud_home")
    again = client.post(reverse("outreach:fraud_event_new"), values)
    assert again.status_code == 302
    event = OutreachEvent.objects.get()
    assert (event.people_reached, event.app_installs, event.leaflets) == (80, 12, 0)


def test_a_bad_event_form_shows_the_errors_and_writes_nothing(client, world):
    client.force_login(world.officer_a)
    before = db_snapshot()
    answer = client.post(
        reverse("outreach:fraud_event_new"),
        {
            "kind": "talk",
            "title": "宣讲",
            "grid": world.grid_a1.pk,
            "held_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
            "people_reached": "-80",
            "app_installs": "0",
        },
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "覆盖人数不能是负数" in text and "活动日期不能晚于今天" in text
    assert db_snapshot() == before


def test_an_event_form_aimed_at_township_b_is_refused(client, world):
    client.force_login(world.officer_a)
    before = db_snapshot()
    answer = client.post(
        reverse("outreach:fraud_event_new"),
        {"kind": "talk", "title": "越界", "grid": world.grid_b1.pk, "held_on": "2026-12-01"},
    )
    assert answer.status_code == 400
    assert db_snapshot() == before


def test_an_officer_records_a_warning_from_the_form(client, world):
    client.force_login(world.officer_a)
    assert client.get(reverse("outreach:fraud_warning_new")).status_code == 200
    values = {
        "grid": world.grid_a1.pk,
        "warned_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "level": "high",
        "method": "call",
        "person_name": "王阿姨",
        "phone": "138-0057-1234",
        "outcome": "dissuaded",
        "payment_stopped": "on",
        "amount_stopped": "35,000.00",
        "client_key": "form-warning-0001",
    }
    answer = client.post(reverse("outreach:fraud_warning_new"), values)
    assert answer.status_code == 302
    warning = FraudWarning.objects.get()
    assert str(warning.amount_stopped) == "35000.00" and warning.phone == "+8613800571234"


def test_a_warning_form_with_an_amount_but_no_stopped_payment_is_refused(client, world):
    client.force_login(world.officer_a)
    before = db_snapshot()
    answer = client.post(
        reverse("outreach:fraud_warning_new"),
        {
            "grid": world.grid_a1.pk,
            "warned_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "level": "high",
            "method": "call",
            "person_name": "王阿姨",
            "phone": "138-0057-1234",
            "outcome": "dissuaded",
            "amount_stopped": "500",
        },
    )
    assert answer.status_code == 400
    assert "没有紧急止付时不填止付金额" in answer.content.decode()
    assert db_snapshot() == before


def test_records_pages_and_404_for_township_b(client, world):
    event, warning = _event(world), _warning(world)
    client.force_login(world.officer_a)
    assert "甲村反诈宣讲" in client.get(reverse("outreach:fraud_events")).content.decode()
    assert client.get(reverse("outreach:fraud_event", args=[event.pk])).status_code == 200
    page = client.get(reverse("outreach:fraud_warning", args=[warning.pk]))
    assert page.status_code == 200
    assert warning.phone_masked in page.content.decode()
    assert "13800571234" not in page.content.decode()
    client.force_login(world.officer_b)
    assert client.get(reverse("outreach:fraud_event", args=[event.pk])).status_code == 404
    assert client.get(reverse("outreach:fraud_warning", args=[warning.pk])).status_code == 404
    assert "王阿姨" not in client.get(reverse("outreach:fraud_warnings")).content.decode()
    before = db_snapshot()
    answer = client.post(
        reverse("outreach:fraud_warning_phone", args=[warning.pk]),
        {"phone-reason": "越界查看电话"},
    )
    assert answer.status_code == 404
    assert db_snapshot() == before


def test_the_full_phone_for_a_reason_on_the_warning_page(client, world):
    warning = _warning(world)
    client.force_login(world.officer_a)
    url = reverse("outreach:fraud_warning_phone", args=[warning.pk])
    refused = client.post(url, {"phone-reason": ""})
    assert refused.status_code == 400 and "138 0057 1234" not in refused.content.decode()
    shown = client.post(url, {"phone-reason": "回访核实止付情况"})
    assert shown.status_code == 200
    assert "138" in shown.content.decode() and "已记录本次查看" in shown.content.decode()
    assert AuditEvent.objects.filter(action="registry.revealed").count() == 1


def test_the_home_page_keeps_its_queries_few(client, world, crafted, django_assert_max_num_queries):  # noqa: F811
    client.force_login(world.officer_a)
    client.get(reverse("outreach:fraud_home"))
    with django_assert_max_num_queries(25):
        client.get(reverse("outreach:fraud_home"))
