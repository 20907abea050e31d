"""A case sent to a court keeps the court's case number (法院案号), typed on the case page's
transfer or sent through the API, and shows it beside the 110 incident number it came with."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fengqiao.disputes.models import Case
from fengqiao.intake.services import submit_report
from tests.conftest import staff_user
from tests.snapshots import case_snapshot

COURT_NUMBER = "（2026）浙0699民初123号"


def _case(**extra) -> Case:
    return submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk="yellow",
        level=1,
        text="邻居装修噪音，协商未果",
        lon=120.005,
        lat=30.005,
        **extra,
    ).report.case


@pytest.fixture
def case_a(world) -> Case:
    return _case()


def _transfer_on_page(client, case: Case, **fields):
    data = {"transfer-version": case.version, "transfer-body": "测试区人民法院"}
    data["transfer-reason"] = "调解不成，当事人起诉"
    data.update({f"transfer-{name}": value for name, value in fields.items()})
    return client.post(reverse("disputes:act", args=[case.reference, "transfer"]), data)


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _transfer_by_api(user, case: Case, **body):
    values = {
        "action": "transfer",
        "version": case.version,
        "reason": "调解不成，当事人起诉",
        "body": "测试区人民法院",
        "transfer_kind": "court",
        **body,
    }
    url = reverse("api:case-transitions", args=[case.reference])
    return _api(user).post(url, values, format="json")


# --- the case page ---------------------------------------------------------------------


def test_the_transfer_form_takes_the_court_number_and_the_page_shows_it(client, world, case_a):
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:case", args=[case_a.reference])).content.decode()
    assert 'name="transfer-court_number"' in page and "法院案号" in page
    response = _transfer_on_page(client, case_a, kind="court", court_number=COURT_NUMBER)
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.state == "transferred" and case_a.court_number == COURT_NUMBER
    page = client.get(reverse("disputes:case", args=[case_a.reference])).content.decode()
    assert COURT_NUMBER in page
    found = client.get(reverse("disputes:cases"), {"q": COURT_NUMBER, "state": ""})
    found = found.content.decode()
    assert case_a.reference in found


def test_a_court_number_on_another_kind_of_transfer_is_refused_on_its_field(client, world, case_a):
    client.force_login(world.officer_a)
    before = case_snapshot(case_a)
    response = _transfer_on_page(client, case_a, kind="criminal", court_number=COURT_NUMBER)
    assert response.status_code == 400
    page = response.content.decode()
    assert "法院案号只用于移送法院" in page and "field-error" in page
    assert case_snapshot(case_a) == before
    assert Case.objects.get(pk=case_a.pk).court_number == ""


def test_the_case_page_shows_the_incident_number_it_came_with(client, world):
    case = _case(incident_number="3306990000123")
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert "警情编号" in page and "3306990000123" in page


# --- the API ---------------------------------------------------------------------------


def test_the_api_transfers_to_a_court_with_its_number(world, case_a):
    response = _transfer_by_api(world.officer_a, case_a, court_number=COURT_NUMBER)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "transferred" and body["court_number"] == COURT_NUMBER
    event = case_a.events.get(kind="transfer")
    assert event.payload["court_number"] == COURT_NUMBER
    rows = _api(world.officer_a).get(reverse("api:case-list"), {"q": COURT_NUMBER}).json()
    assert [row["reference"] for row in rows["results"]] == [case_a.reference]
    assert rows["results"][0]["court_number"] == COURT_NUMBER


def test_the_api_refuses_a_court_number_on_another_kind_of_transfer(world, case_a):
    before = case_snapshot(case_a)
    response = _transfer_by_api(
        world.officer_a, case_a, transfer_kind="petition", court_number=COURT_NUMBER
    )
    assert response.status_code == 400 and "court_number" in response.json()
    too_long = _transfer_by_api(world.officer_a, case_a, court_number="号" * 65)
    assert too_long.status_code == 400 and "court_number" in too_long.json()
    assert case_snapshot(case_a) == before


def test_the_case_api_shows_both_numbers_read_only(world):
    case = _case(incident_number="3306990000123")
    url = reverse("api:case-detail", args=[case.reference])
    body = _api(world.officer_a).get(url).json()
    assert body["incident_number"] == "3306990000123" and body["court_number"] == ""
    listed = _api(world.officer_a).get(reverse("api:case-list")).json()["results"]
    assert listed[0]["incident_number"] == "3306990000123"
