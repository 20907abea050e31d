"""The API: the public catalogue, applying (idempotent), scoped lists and details, the
moves (409 when someone acted first), and who may not."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from fengqiao.services import services as svc
from fengqiao.services.models import Application
from tests.services.conftest import PHONE, book, next_slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_the_catalogue_is_public(api, permit, permit_b):
    answer = api.get("/api/v1/services/")
    assert answer.status_code == 200
    assert {row["name"] for row in answer.json()["results"]} == {"居住证申领"}
    assert len(answer.json()["results"]) == 2


def test_applying_is_public_and_idempotent(api, permit):
    body = {
        "client_key": "api-key-0001",
        "channel": "window",
        "applicant_name": "王小明",
        "phone": PHONE,
        "booked_for": next_slot().isoformat(),
    }
    first = api.post(f"/api/v1/services/{permit.pk}/apply/", body, format="json")
    assert first.status_code == 201, first.content
    again = api.post(f"/api/v1/services/{permit.pk}/apply/", body, format="json")
    assert again.status_code == 200
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert Application.objects.unscoped_for_jobs().count() == 1
    past = {**body, "client_key": "api-key-0002", "booked_for": "2020-01-06T09:00:00+08:00"}
    refused = api.post(f"/api/v1/services/{permit.pk}/apply/", past, format="json")
    assert refused.status_code == 400 and "booked_for" in refused.json()


def test_lists_are_scoped_and_details_404_outside(api, world, permit, permit_b):
    mine, theirs = book(permit, channel="online"), book(permit_b, channel="online")
    api.force_authenticate(world.officer_a)
    codes = {
        row["tracking_code"] for row in api.get("/api/v1/service-applications/").json()["results"]
    }
    assert codes == {mine.tracking_code}
    assert api.get(f"/api/v1/service-applications/{theirs.pk}/").status_code == 404
    answer = api.post(
        f"/api/v1/service-applications/{theirs.pk}/act/", {"action": "accept"}, format="json"
    )
    assert answer.status_code == 404
    row = api.get(f"/api/v1/service-applications/{mine.pk}/").json()
    assert PHONE not in str(row) and row["phone_masked"]


def test_moves_through_the_api_and_a_stale_copy_loses(api, world, permit):
    app = book(permit, channel="online")
    api.force_authenticate(world.officer_a)
    url = f"/api/v1/service-applications/{app.pk}/act/"
    assert api.post(url, {"action": "accept"}, format="json").json()["state"] == "submitted"
    answer = api.post(url, {"action": "ask_missing", "materials": ["租房合同"]}, format="json")
    assert answer.json()["state"] == "missing"
    stale = Application.objects.unscoped_for_jobs().get(pk=app.pk)
    assert api.post(url, {"action": "supply"}, format="json").json()["state"] == "submitted"
    with pytest.raises(svc.ApplicationChanged):
        svc.supply(actor=world.chief, application=stale)
    refused = api.post(url, {"action": "refuse", "reason": ""}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()


def test_residents_and_visitors_read_no_applications(api, world, permit):
    app = book(permit, channel="online")
    assert api.get("/api/v1/service-applications/").status_code in (401, 403)
    api.force_authenticate(world.resident)
    assert api.get("/api/v1/service-applications/").status_code == 403
    answer = api.post(
        f"/api/v1/service-applications/{app.pk}/act/", {"action": "accept"}, format="json"
    )
    assert answer.status_code in (403, 404)
    assert Application.objects.unscoped_for_jobs().get().state == "booked"
