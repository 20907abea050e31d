"""The anti-fraud API: events and warnings posted from a phone (idempotent per sender, field
errors in Chinese, nothing written on a refusal), masked phones only, and the figures scoped
to the caller."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from fengqiao.outreach.models import FraudWarning, OutreachEvent
from tests.outreach.test_fraud_figures import crafted  # noqa: F401  (a fixture)
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/fraud/events/"
WARNINGS = "/api/v1/fraud/warnings/"
FIGURES = "/api/v1/fraud/figures/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _event(world, **values):
    return {
        "kind": "talk",
        "title": "反诈宣讲",
        "grid_code": world.grid_a1.code,
        "held_on": timezone.localdate().isoformat(),
        "people_reached": 80,
        "app_installs": 12,
        "client_key": "api-event-0001",
    } | values


def _warning(world, **values):
    return {
        "grid_code": world.grid_a1.code,
        "warned_at": timezone.now().isoformat(),
        "level": "high",
        "method": "call",
        "person_name": "王阿姨",
        "phone": "13800571234",
        "outcome": "dissuaded",
        "payment_stopped": True,
        "amount_stopped": "35000.00",
        "client_key": "api-warning-0001",
    } | values


def test_an_event_posted_twice_with_one_key_is_recorded_once(world):
    client = api(world.officer_a)
    first = client.post(EVENTS, _event(world), format="json")
    assert first.status_code == 201
    assert first.json()["people_reached"] == 80 and first.json()["grid_code"] == "330699001001G01"
    again = client.post(EVENTS, _event(world), format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert OutreachEvent.objects.count() == 1


def test_bad_events_are_refused_by_field_and_write_nothing(world):
    client = api(world.officer_a)
    before = db_snapshot()
    negative = client.post(EVENTS, _event(world, people_reached=-3), format="json")
    assert negative.status_code == 400
    assert negative.json()["people_reached"] == ["覆盖人数不能是负数"]
    outside = client.post(EVENTS, _event(world, grid_code=world.grid_b1.code), format="json")
    assert outside.status_code == 400
    assert outside.json()["grid_code"] == ["这个网格不在您的管辖范围"]
    unknown = client.post(EVENTS, _event(world, grid_code="NOPE"), format="json")
    assert unknown.json()["grid_code"] == ["没有这个网格编码"]
    assert db_snapshot() == before


def test_a_warning_answers_with_a_masked_phone_and_is_idempotent(world):
    client = api(world.officer_a)
    answer = client.post(WARNINGS, _warning(world), format="json")
    assert answer.status_code == 201
    body = answer.json()
    assert body["amount_stopped"] == "35000.00" and "****" in body["phone"]
    assert "13800571234" not in answer.content.decode()
    assert client.post(WARNINGS, _warning(world), format="json").status_code == 200
    assert FraudWarning.objects.count() == 1


def test_a_warning_with_an_amount_but_no_stopped_payment_is_refused(world):
    before = db_snapshot()
    answer = api(world.officer_a).post(
        WARNINGS, _warning(world, payment_stopped=False), format="json"
    )
    assert answer.status_code == 400 and "amount_stopped" in answer.json()
    assert db_snapshot() == before


def test_a_grid_worker_may_post_events_but_not_warnings(world):
    client = api(world.grid_worker_a1)
    before = db_snapshot()
    assert client.post(WARNINGS, _warning(world), format="json").status_code == 403
    assert db_snapshot() == before
    assert client.post(EVENTS, _event(world), format="json").status_code == 201


def test_the_figures_are_scoped_to_the_caller(world, crafted):  # noqa: F811
    start = crafted.last_month.strftime("%Y-%m")
    mine = api(world.officer_a).get(FIGURES, {"start": start, "by": "grid"})
    assert mine.status_code == 200
    body = mine.json()
    assert body["total"]["people_reached"] == 160 and body["total"]["amount_stopped"] == "35000.00"
    assert [row["code"] for row in body["areas"]] == ["330699001001G01", "330699001001G02", None]
    assert [row["month"] for row in body["months"]] == [start, body["end"]]
    theirs = api(world.officer_b).get(FIGURES, {"start": start}).json()
    assert theirs["total"]["people_reached"] == 999
    assert [row["name"] for row in theirs["areas"]] == ["乙社区"]
    assert api(world.officer_a).get(FIGURES, {"start": "2026-13"}).status_code == 400
    assert api(world.resident).get(FIGURES).status_code == 403
