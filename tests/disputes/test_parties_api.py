"""Parties through the cases API: added and corrected by whoever works the case, numbers
masked in every answer, refusals by field, nothing written when refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.models import Party
from tests.disputes.test_api import _api, _case
from tests.snapshots import case_snapshot

# A real-format unified social credit code with a valid check character.
CREDIT_CODE = "91350100M000100Y43"
ID_NUMBER = "11010519491231002X"


def _parties_url(case) -> str:
    return reverse("api:case-add-party", args=[case.reference])


def _party_url(case, party) -> str:
    return reverse("api:case-correct-party", args=[case.reference, party.pk])


@pytest.fixture
def case_a(world):
    return _case()


def test_the_officer_adds_an_organisation_as_respondent(world, case_a):
    answer = _api(world.officer_a).post(
        _parties_url(case_a),
        {
            "role": "respondent",
            "kind": "organisation",
            "name": "某某物业服务有限公司",
            "credit_code": CREDIT_CODE,
            "representative": "钱某",
            "phone": "13900002222",
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["kind"] == "organisation"
    assert body["credit_code"] == CREDIT_CODE
    assert body["phone"] == "139****2222"
    party = Party.objects.get(pk=body["id"])
    assert party.case_id == case_a.pk
    assert AuditEvent.objects.filter(action="disputes.party_added").exists()
    detail = _api(world.officer_a).get(reverse("api:case-detail", args=[case_a.reference]))
    assert "某某物业服务有限公司" in [p["name"] for p in detail.json()["parties"]]


def test_a_bad_credit_code_is_a_field_error_and_adds_nothing(world, case_a):
    before = case_snapshot(case_a)
    answer = _api(world.officer_a).post(
        _parties_url(case_a),
        {
            "role": "respondent",
            "kind": "organisation",
            "name": "某公司",
            "credit_code": "91350100M000100Y44",
            "representative": "钱某",
        },
        format="json",
    )
    assert answer.status_code == 400
    assert "credit_code" in answer.json()
    assert case_snapshot(case_a) == before


def test_a_person_with_an_id_number_is_linked_masked_and_corrected(world, case_a):
    added = _api(world.officer_a).post(
        _parties_url(case_a),
        {"role": "third_party", "name": "孙某", "id_number": ID_NUMBER},
        format="json",
    )
    assert added.status_code == 201, added.content
    assert added.json()["id_number"] != ID_NUMBER
    party = Party.objects.get(pk=added.json()["id"])

    corrected = _api(world.officer_a).patch(
        _party_url(case_a, party), {"name": "孙某某", "address": "甲村 3 组"}, format="json"
    )
    assert corrected.status_code == 200, corrected.content
    party.refresh_from_db()
    assert (party.name, party.address, party.role) == ("孙某某", "甲村 3 组", "third_party")
    assert party.id_number == ID_NUMBER  # fields not sent are kept
    event = case_a.events.filter(kind="party_corrected").get()
    assert event.payload["changes"]["name"] == ["孙某", "孙某某"]
    assert ID_NUMBER not in str(event.payload)


def test_officer_b_may_neither_add_nor_correct_in_township_a(world, case_a):
    party = case_a.parties.first()
    before = case_snapshot(case_a)
    client = _api(world.officer_b)
    added = client.post(_parties_url(case_a), {"role": "respondent", "name": "某"}, format="json")
    corrected = client.patch(_party_url(case_a, party), {"name": "改名"}, format="json")
    assert (added.status_code, corrected.status_code) == (404, 404)
    assert case_snapshot(case_a) == before


def test_a_party_of_another_case_is_not_found_through_this_one(world, case_a):
    other = _case(text="另一起邻里纠纷，楼道堆物")
    foreign = other.parties.first()
    answer = _api(world.officer_a).patch(
        _party_url(case_a, foreign), {"name": "改名"}, format="json"
    )
    assert answer.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name != "改名"


def test_a_resident_may_not_add_parties(world, case_a):
    before = case_snapshot(case_a)
    answer = _api(world.resident).post(
        _parties_url(case_a), {"role": "respondent", "name": "某"}, format="json"
    )
    assert answer.status_code == 403
    assert case_snapshot(case_a) == before


def test_the_same_party_sent_twice_is_added_once(world, case_a):
    body = {"role": "respondent", "name": "周某", "phone": "13900003333"}
    first = _api(world.officer_a).post(_parties_url(case_a), body, format="json")
    second = _api(world.officer_a).post(_parties_url(case_a), body, format="json")
    assert first.status_code == 201
    assert second.status_code == 400
    assert case_a.parties.filter(name="周某").count() == 1


# --- re-routing through the API ---------------------------------------------------------------


def _reassign(user, case, **body):
    url = reverse("api:case-transitions", args=[case.reference])
    return _api(user).post(
        url, {"action": "reassign", "version": case.version, **body}, format="json"
    )


def test_the_officer_moves_a_case_to_another_grid_of_his_township(world, case_a):
    answer = _reassign(world.officer_a, case_a, grid_code=world.grid_a2.code, reason="位置登记错误")
    assert answer.status_code == 200, answer.content
    case_a.refresh_from_db()
    assert case_a.grid_id == world.grid_a2.pk
    assert case_a.events.filter(kind="reassign").exists()


def test_a_grid_of_another_township_is_a_field_error_and_moves_nothing(world, case_a):
    before = case_snapshot(case_a)
    answer = _reassign(world.officer_a, case_a, grid_code=world.grid_b1.code, reason="试试")
    assert answer.status_code == 400
    assert "grid_code" in answer.json()
    assert case_snapshot(case_a) == before


def test_reassigning_needs_a_place_and_a_reason(world, case_a):
    before = case_snapshot(case_a)
    nowhere = _reassign(world.officer_a, case_a, reason="没写去哪")
    no_reason = _reassign(world.officer_a, case_a, grid_code=world.grid_a2.code)
    assert (nowhere.status_code, no_reason.status_code) == (400, 400)
    assert "reason" in no_reason.json()
    assert case_snapshot(case_a) == before


def test_a_grid_worker_may_not_reassign(world, case_a):
    before = case_snapshot(case_a)
    answer = _reassign(world.grid_worker_a1, case_a, grid_code=world.grid_a2.code, reason="换")
    assert answer.status_code == 403
    assert case_snapshot(case_a) == before
