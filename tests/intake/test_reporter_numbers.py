"""A reporter's phone follows the registry's rule: stored sealed, shown masked on the report's
page and in the API to every role, revealed only for a reason, audited.

A refused reveal checks the answer and that nothing reached the audit log.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from fengqiao import sealing
from fengqiao.audit.models import AuditEvent
from fengqiao.intake import selectors
from fengqiao.intake.models import Report
from fengqiao.intake.services import submit_report
from tests.conftest import staff_user

PHONE = "13812345678"
PHONE_MASKED = "138****5678"
PHONE_WRITTEN = (PHONE, "+86" + PHONE, "138 1234 5678")
HTMX = {"HTTP_HX_REQUEST": "true"}
STAFF = ("officer_a", "chief", "county_admin")


def _report(*, lon=120.005, phone="138 1234 5678", **extra) -> Report:
    return submit_report(
        actor=staff_user(),
        channel="grid_report",
        kind="hazard",
        text="楼道灭火器过期，需要更换",
        lon=lon,
        lat=30.005,
        reporter_name="李大姐",
        reporter_phone=phone,
        **extra,
    ).report


@pytest.fixture
def report(world) -> Report:
    return _report()


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _no_full_phone(body: str) -> bool:
    return not any(written in body for written in PHONE_WRITTEN)


def _reveal(client, report: Report, reason="回电核实隐患位置", field="phone", **headers):
    url = reverse("intake:reveal", args=[report.tracking_code, field])
    return client.post(url, {f"{field}-reason": reason}, **headers)


def _revealed():
    return AuditEvent.objects.filter(action="registry.revealed")


@pytest.mark.parametrize("username", STAFF)
def test_the_report_page_and_api_show_no_full_phone_to_any_role(client, world, report, username):
    user = getattr(world, username)
    client.force_login(user)
    page = client.get(reverse("intake:detail", args=[report.tracking_code]))
    assert page.status_code == 200
    assert _no_full_phone(page.content.decode()) and PHONE_MASKED in page.content.decode()
    listing = _api(user).get(reverse("api:report-list"))
    assert listing.status_code == 200
    assert [row["reporter_phone"] for row in listing.json()["results"]] == [PHONE_MASKED]
    assert _no_full_phone(listing.content.decode())
    detail = _api(user).get(reverse("api:report-detail", args=[report.tracking_code]))
    assert detail.json()["reporter_phone"] == PHONE_MASKED
    people = _api(user).get(reverse("api:person-list"))
    assert people.status_code == 200 and _no_full_phone(people.content.decode())
    assert not _revealed().exists()


def test_the_database_keeps_no_plaintext_phone(report):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Report._meta.db_table}")
        stored = " ".join(str(cell) for row in cursor.fetchall() for cell in row)
    assert PHONE not in stored
    report.refresh_from_db()
    assert report.phone_masked == PHONE_MASKED and report.phone == "+86" + PHONE
    assert report.phone_hash == sealing.digest("+86" + PHONE)


def test_reports_from_the_same_phone_are_still_found_by_the_keyed_hash(world, report):
    _report(phone="13700002222")
    related = selectors.related_reports(world.officer_a, phones=["138-1234-5678"])
    assert [(r.report, r.reasons) for r in related] == [(report, ("同一电话",))]


@pytest.mark.parametrize("username", ["officer_a", "chief"])
def test_a_reveal_with_a_reason_shows_the_phone_and_writes_an_audit_row(
    client, world, report, username
):
    user = getattr(world, username)
    client.force_login(user)
    page = client.get(reverse("intake:detail", args=[report.tracking_code])).content.decode()
    assert "查看完整号码" in page
    response = _reveal(client, report, **HTMX)
    assert response.status_code == 200 and "138 1234 5678" in response.content.decode()
    event = _revealed().get()
    assert (event.actor, event.object_type, event.object_id) == (
        user,
        "intake.report",
        str(report.pk),
    )
    assert event.changes == {"field": "phone", "reason": "回电核实隐患位置"}
    assert event.region_path == report.scope_path


def test_a_reveal_without_a_reason_is_refused(client, world, report):
    client.force_login(world.officer_a)
    for reason in ("", "  看看 "):
        fragment = _reveal(client, report, reason=reason, **HTMX).content.decode()
        assert "请写明查看完整信息的理由" in fragment and _no_full_phone(fragment)
    response = _reveal(client, report, reason="")
    assert response.status_code == 400 and _no_full_phone(response.content.decode())
    assert not _revealed().exists()


def test_roles_without_the_reveal_permission_and_other_townships_are_refused(client, world, report):
    client.force_login(world.county_admin)
    page = client.get(reverse("intake:detail", args=[report.tracking_code])).content.decode()
    assert "查看完整号码" not in page
    response = _reveal(client, report)
    assert response.status_code == 403 and _no_full_phone(response.content.decode())
    client.force_login(world.officer_b)
    assert _reveal(client, report).status_code == 404
    client.force_login(world.officer_a)
    assert _reveal(client, report, field="id_number").status_code == 404
    url = reverse("intake:reveal", args=[report.tracking_code, "phone"])
    assert client.get(url).status_code == 405
    assert not _revealed().exists()


def test_a_report_without_a_phone_offers_nothing_to_reveal(client, world):
    report = _report(phone="")
    client.force_login(world.officer_a)
    page = client.get(reverse("intake:detail", args=[report.tracking_code])).content.decode()
    assert "查看完整号码" not in page
    assert report.phone_sealed == report.phone_hash == report.phone_masked == ""
