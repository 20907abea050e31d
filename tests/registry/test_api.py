"""The registry over the REST API: scoped, read-only, numbers always masked."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.registry.conftest import ID_ZHANG, PHONE_ZHANG

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    def as_user(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return as_user


def test_residents_come_masked_and_scoped(world, registry, api):
    answer = api(world.officer_a).get("/api/v1/residents/")
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [r["name"] for r in rows] == ["张三"]
    assert rows[0]["id_number"] == "330***********0014" and rows[0]["phone"] == "138****5678"
    assert ID_ZHANG not in answer.content.decode() and PHONE_ZHANG not in answer.content.decode()


@pytest.mark.parametrize("q", ["zs", "张", "0014", "5678"])
def test_residents_filter_by_initials_name_or_last_digits(world, registry, api, q):
    rows = api(world.county_admin).get("/api/v1/residents/", {"q": q}).json()["results"]
    assert [r["name"] for r in rows] == ["张三"]


def test_a_resident_outside_the_jurisdiction_is_not_found(world, registry, api):
    assert api(world.officer_a).get(f"/api/v1/residents/{registry.li.pk}/").status_code == 404


def test_a_building_head_without_registry_reads_gets_403_for_residents(world, registry, api):
    assert api(world.grid_worker_a1).get("/api/v1/addresses/").status_code == 200
    assert api(world.resident).get("/api/v1/residents/").status_code == 403


def test_a_typed_address_is_matched_to_the_standard_one_in_scope(world, registry, api):
    answer = api(world.officer_b).get(
        "/api/v1/address-match/", {"text": "人民路8号幸福小区一幢二单元302"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["exact"] and body["address"]["id"] == registry.address_b.pk
    outside = api(world.officer_a).get(
        "/api/v1/address-match/", {"text": "乙社区人民路8号幸福小区1幢2单元302室"}
    )
    assert outside.status_code == 404
