"""Registry editing over the REST API: the same services as the pages; scoped, idempotent
on the caller's key, numbers in full going in and masked coming out; no field beyond the
record's own can be set."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from fengqiao.audit.models import AuditEvent
from fengqiao.identity import check_character
from fengqiao.org.permissions import roles_of
from fengqiao.registry.models import Establishment, House, RegistryChange, Resident

pytestmark = pytest.mark.django_db

FIRST17 = "33069919950303001"
ID_WANG = FIRST17 + check_character(FIRST17)
WANG = {"name": "王小二", "id_number": ID_WANG, "phone": "13900001111"}


@pytest.fixture
def api(world):
    def as_user(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return as_user


def _state():
    return (
        Resident.objects.count(),
        RegistryChange.objects.count(),
        AuditEvent.objects.count(),
        list(Resident.objects.values_list("name", "phone_hash", "moved_out").order_by("pk")),
    )


def test_an_officer_adds_a_resident_once_per_key(world, registry, api):
    client = api(world.officer_a)
    body = {**WANG, "house": registry.house_a.pk}
    first = client.post(
        "/api/v1/residents/", body, format="json", HTTP_IDEMPOTENCY_KEY="api-k-0001"
    )
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["status"] == "applied" and answer["resident"]
    assert ID_WANG not in first.content.decode() and "13900001111" not in first.content.decode()
    again = client.post(
        "/api/v1/residents/", body, format="json", HTTP_IDEMPOTENCY_KEY="api-k-0001"
    )
    assert again.status_code == 200 and again.json()["id"] == answer["id"]
    assert Resident.objects.filter(name="王小二").count() == 1
    row = client.get(f"/api/v1/residents/{answer['resident']}/").json()
    assert row["phone"] == "139****1111"


def test_bad_input_is_field_errors_in_chinese_and_changes_nothing(world, registry, api):
    before = _state()
    body = {**WANG, "house": registry.house_a.pk, "id_number": ID_WANG[:-1] + "0", "phone": "1"}
    answer = api(world.officer_a).post("/api/v1/residents/", body, format="json")
    assert answer.status_code == 400
    errors = answer.json()
    assert "校验位" in errors["id_number"][0] and "phone" in errors
    assert _state() == before


def test_a_house_in_another_township_is_refused_as_unknown(world, registry, api):
    before = _state()
    answer = api(world.officer_a).post(
        "/api/v1/residents/", {**WANG, "house": registry.house_b.pk}, format="json"
    )
    assert answer.status_code == 400 and "house" in answer.json()
    assert _state() == before


def test_patch_corrects_only_the_fields_sent_and_audits_them(world, registry, api):
    answer = api(world.officer_a).patch(
        f"/api/v1/residents/{registry.zhang.pk}/", {"hukou_place": "浙江省杭州市"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "applied"
    registry.zhang.refresh_from_db()
    assert registry.zhang.hukou_place == "浙江省杭州市"
    event = AuditEvent.objects.get(action="registry.resident.corrected")
    assert event.changes["fields"] == {"hukou_place": {"old": "", "new": "浙江省杭州市"}}


@pytest.mark.parametrize(
    "body",
    [{"scope_path": "/"}, {"roles": ["admin"]}, {"house": 1}, {"is_superuser": True}],
)
def test_patch_cannot_self_grant_or_move_anything(world, registry, api, body):
    before = _state()
    worker = world.grid_worker_a1
    answer = api(worker).patch(f"/api/v1/residents/{registry.zhang.pk}/", body, format="json")
    assert answer.status_code == 400
    worker.refresh_from_db()
    assert not worker.is_superuser and roles_of(worker) == {"grid_worker"}
    assert _state() == before


def test_scope_and_roles_are_enforced(world, registry, api):
    before = _state()
    url = f"/api/v1/residents/{registry.zhang.pk}/"
    assert api(world.officer_b).patch(url, {"name": "冒名"}, format="json").status_code == 404
    assert (
        api(world.officer_b).post(f"{url}end/", {"reason": "died"}, format="json").status_code
        == 404
    )
    assert api(world.resident).patch(url, {"name": "冒名"}, format="json").status_code == 403
    assert (
        api(world.resident)
        .post("/api/v1/residents/", {**WANG, "house": registry.house_a.pk}, format="json")
        .status_code
        == 403
    )
    house = f"/api/v1/houses/{registry.house_a.pk}/"
    assert (
        api(world.grid_worker_a1).patch(house, {"use": "vacant"}, format="json").status_code == 403
    )
    assert api(world.officer_b).patch(house, {"use": "vacant"}, format="json").status_code == 404
    assert _state() == before


def test_a_grid_workers_correction_waits_and_the_officer_applies_it(world, registry, api):
    answer = api(world.grid_worker_a1).patch(
        f"/api/v1/residents/{registry.zhang.pk}/", {"phone": "13700002222"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "pending"
    change = answer.json()["id"]
    registry.zhang.refresh_from_db()
    assert registry.zhang.phone_masked == "138****5678"
    assert api(world.officer_b).post(f"/api/v1/registry-changes/{change}/apply/").status_code == 404
    pending = api(world.officer_a).get("/api/v1/registry-changes/").json()["results"]
    assert [row["id"] for row in pending] == [change]
    applied = api(world.officer_a).post(
        f"/api/v1/registry-changes/{change}/apply/", {}, format="json"
    )
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    registry.zhang.refresh_from_db()
    assert registry.zhang.phone == "+8613700002222"
    again = api(world.officer_a).post(
        f"/api/v1/registry-changes/{change}/apply/", {}, format="json"
    )
    assert again.status_code == 404  # no longer pending


def test_end_is_idempotent_and_refuses_a_date_before_moving_in(world, registry, api):
    client = api(world.officer_a)
    url = f"/api/v1/residents/{registry.zhang.pk}/end/"
    client.patch(
        f"/api/v1/residents/{registry.zhang.pk}/", {"moved_in": "2020-01-01"}, format="json"
    )
    early = client.post(url, {"reason": "moved_away", "on": "2019-01-01"}, format="json")
    assert early.status_code == 400 and "不能早于迁入日期" in early.json()["on"][0]
    first = client.post(
        url, {"reason": "moved_away"}, format="json", HTTP_IDEMPOTENCY_KEY="end-k-0001"
    )
    again = client.post(
        url, {"reason": "moved_away"}, format="json", HTTP_IDEMPOTENCY_KEY="end-k-0001"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    registry.zhang.refresh_from_db()
    assert registry.zhang.end_reason == "moved_away"


def test_houses_units_and_addresses_are_corrected_and_ended(world, registry, api):
    client = api(world.officer_a)
    house = f"/api/v1/houses/{registry.house_a.pk}/"
    answer = client.patch(house, {"use": "vacant", "owner_phone": "13600003333"}, format="json")
    assert answer.status_code == 200 and answer.json()["owner_phone"] == "136****3333"
    assert House.objects.get(pk=registry.house_a.pk).use == "vacant"
    refused = client.post(f"{house}end/", {"reason": "拆迁"}, format="json")
    assert refused.status_code == 400  # someone still lives there
    unit = Establishment.objects.create(
        name="小卖部",
        kind="shop",
        address=registry.address_a,
        scope_path=registry.house_a.scope_path,
    )
    url = f"/api/v1/establishments/{unit.pk}/"
    assert client.patch(url, {"credit_code": "123"}, format="json").status_code == 400
    assert client.patch(url, {"name": "便民超市"}, format="json").json()["name"] == "便民超市"
    closed = client.post(f"{url}close/", {"reason": "停业"}, format="json")
    assert closed.status_code == 200 and closed.json()["closed_on"]
    client.post(
        f"/api/v1/residents/{registry.zhang.pk}/end/", {"reason": "moved_away"}, format="json"
    )
    assert client.post(f"{house}end/", {"reason": "拆迁"}, format="json").json()["ended_on"]
    retired = client.post(
        f"/api/v1/addresses/{registry.address_a.pk}/retire/", {"reason": "整村拆迁"}, format="json"
    )
    assert retired.status_code == 200 and retired.json()["retired_on"]
