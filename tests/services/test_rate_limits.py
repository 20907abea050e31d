"""Rate limits on the public applications: per browser session and per address on the
pages (429, a clear message with 110, nothing stored), a retry of the same key is never
refused, staff taking applications are not held back, and the API's apply is throttled."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from fengqiao.services.models import Application
from tests.services.conftest import PHONE, next_slot

pytestmark = pytest.mark.django_db

REFUSED = "提交太频繁，请稍后再试；急事请拨打 110"


def _apply(client, service, mode="online", key=None, **data):
    """Open the form (as the phone does) and send it; ``key`` resends an earlier key."""
    url = reverse("services:apply", args=[service.pk])
    page = client.get(url, {"mode": mode})
    key = key or page.context["form"]["client_key"].value()
    values = {"mode": mode, "client_key": key, "applicant_name": "王小明", "phone": PHONE}
    return client.post(url, {**values, **data}), key


def _count() -> int:
    return Application.objects.unscoped_for_jobs().count()


def test_the_session_over_its_limit_is_refused_and_nothing_is_stored(settings, permit):
    settings.FENGQIAO_SERVICE_RATE_LIMIT = {"per_sender": 2}
    browser = Client()
    assert _apply(browser, permit)[0].status_code == 302
    second, key = _apply(browser, permit)
    assert second.status_code == 302
    before = _count()
    refused, _key = _apply(browser, permit, mode="window", booked_for=next_slot().isoformat())
    assert refused.status_code == 429 and REFUSED in refused.content.decode()
    assert _count() == before
    # The retry of an application already made is still answered with it.
    again, _key = _apply(browser, permit, key=key)
    assert again.status_code == 302 and _count() == before


def test_a_door_request_over_the_limit_is_refused(settings, permit):
    settings.FENGQIAO_SERVICE_RATE_LIMIT = {"per_sender": 1}
    browser = Client()
    assert _apply(browser, permit)[0].status_code == 302
    door = {"building_code": "B-A1", "address_detail": "2单元301", "door_reason": "elderly"}
    refused, _key = _apply(browser, permit, mode="door", **door)
    assert refused.status_code == 429 and REFUSED in refused.content.decode()
    assert _count() == 1


def test_another_session_works_until_the_address_limit(settings, permit):
    settings.FENGQIAO_SERVICE_RATE_LIMIT = {"per_sender": 1, "per_address": 3}
    first = Client()
    assert _apply(first, permit)[0].status_code == 302
    assert _apply(first, permit)[0].status_code == 429
    assert _apply(Client(), permit)[0].status_code == 302
    assert _apply(Client(), permit)[0].status_code == 302
    refused, _key = _apply(Client(), permit)
    assert refused.status_code == 429 and REFUSED in refused.content.decode()
    assert _count() == 3


def test_the_default_limit_is_ten_per_session(permit):
    browser = Client()
    for _n in range(10):
        assert _apply(browser, permit)[0].status_code == 302
    assert _apply(browser, permit)[0].status_code == 429
    assert _count() == 10


def test_staff_taking_applications_are_not_limited(settings, client, world, permit):
    settings.FENGQIAO_SERVICE_RATE_LIMIT = {"per_sender": 1, "per_address": 1}
    client.force_login(world.officer_a)
    for _n in range(3):
        assert _apply(client, permit)[0].status_code == 302
    window = reverse("services:window")
    for n in range(3):
        form = {"service": permit.pk, "applicant_name": "李四", "phone": PHONE}
        answer = client.post(window, {**form, "client_key": f"window-key-{n:04d}"})
        assert answer.status_code == 302
    assert _count() == 6
    # A visitor from the same address is held back all the same.
    assert _apply(Client(), permit)[0].status_code == 302
    assert _apply(Client(), permit)[0].status_code == 429


def _body(n: int) -> dict:
    return {
        "client_key": f"api-rate-{n:04d}",
        "channel": "online",
        "applicant_name": "王小明",
        "phone": PHONE,
    }


def test_the_api_apply_is_throttled(settings, world, permit):
    settings.FENGQIAO_SERVICE_APPLY_RATES = {"client": "2/min"}
    api = APIClient()
    url = f"/api/v1/services/{permit.pk}/apply/"
    # The first is counted by address (no session yet), the rest by the session.
    for n in range(1, 4):
        assert api.post(url, _body(n), format="json").status_code == 201
    refused = api.post(url, _body(4), format="json")
    assert refused.status_code == 429 and "detail" in refused.json()
    assert _count() == 3
    # Reading the catalogue is not counted.
    assert api.get("/api/v1/services/").status_code == 200
    staff = APIClient()
    staff.force_authenticate(world.officer_a)
    for n in range(5, 9):
        assert staff.post(url, _body(n), format="json").status_code == 201
    assert _count() == 7
