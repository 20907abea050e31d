"""Parties' phones and ID numbers follow the registry's rule: stored sealed, shown masked on
every page, API and printout to every role, revealed only for a reason, audited.

A refused reveal or print checks the answer and that nothing reached the audit log.
"""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.test import APIClient

from fengqiao import sealing
from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import early_warning, services
from fengqiao.disputes.models import Case, Party
from fengqiao.intake.services import submit_report
from tests.conftest import staff_user

ID_NUMBER = "11010519491231002X"
ID_MASKED = "110***********002X"
PHONE = "13900001111"
PHONE_MASKED = "139****1111"
# The ways a full phone could be written on a page or in a file.
PHONE_WRITTEN = (PHONE, "+86" + PHONE, "139 0000 1111")
HTMX = {"HTTP_HX_REQUEST": "true"}
STAFF = ("officer_a", "chief", "county_admin")


def _case(*, lon=120.005, phone=PHONE, id_number=ID_NUMBER, **extra) -> Case:
    return submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk="yellow",
        text="邻居装修噪音，协商未果",
        lon=lon,
        lat=30.005,
        parties=[
            {"role": "applicant", "name": "王某", "phone": phone, "id_number": id_number},
            {"role": "respondent", "name": "赵某"},
        ],
        **extra,
    ).report.case


@pytest.fixture
def case(world) -> Case:
    return _case()


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "".join(re.sub(r"\s+", "", page.extract_text()) for page in reader.pages)


def _assert_masked(body: str) -> None:
    assert ID_NUMBER not in body and ID_NUMBER.lower() not in body
    assert not any(written in body for written in PHONE_WRITTEN)
    assert ID_MASKED in body and PHONE_MASKED in body


def _reveal(client, case: Case, field: str, reason="联系当事人调解", **headers):
    party = case.parties.get(name="王某")
    url = reverse("disputes:party_reveal", args=[case.reference, party.pk, field])
    return client.post(url, {f"{field}-reason": reason}, **headers)


def _revealed() -> int:
    return AuditEvent.objects.filter(action="registry.revealed").count()


# --- shown masked everywhere -----------------------------------------------------------------


@pytest.mark.parametrize("username", STAFF)
def test_the_case_page_api_and_pdf_show_no_full_number_to_any_role(client, world, case, username):
    user = getattr(world, username)
    client.force_login(user)
    page = client.get(reverse("disputes:case", args=[case.reference]))
    assert page.status_code == 200
    _assert_masked(page.content.decode())
    detail = _api(user).get(reverse("api:case-detail", args=[case.reference]))
    assert detail.status_code == 200
    _assert_masked(detail.content.decode())
    listing = _api(user).get(reverse("api:case-list")).content.decode()
    assert not any(written in listing for written in (ID_NUMBER, *PHONE_WRITTEN))
    people = _api(user).get(reverse("api:person-list")).content.decode()
    assert not any(written in people for written in (ID_NUMBER, *PHONE_WRITTEN))
    pdf = client.get(reverse("disputes:file_pdf", args=[case.reference]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    _assert_masked(_pdf_text(pdf.content))


def test_the_database_keeps_no_plaintext_number(case):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Party._meta.db_table}")
        stored = " ".join(str(cell) for row in cursor.fetchall() for cell in row)
    assert ID_NUMBER not in stored and PHONE not in stored
    party = case.parties.get(name="王某")
    assert (party.id_masked, party.phone_masked) == (ID_MASKED, PHONE_MASKED)
    assert party.phone_hash == sealing.digest("+86" + PHONE)
    assert (party.id_number, party.phone) == (ID_NUMBER, "+86" + PHONE)


def test_the_same_person_is_still_found_in_other_cases_by_the_keyed_hash(world, case):
    def reasons(other: Case) -> dict[int, tuple[str, ...]]:
        return {r.case.pk: r.reasons for r in early_warning.related_cases(other)}

    assert "same_phone" in reasons(_case(lon=120.015, id_number=""))[case.pk]
    assert "same_id_number" in reasons(_case(lon=120.105, phone=""))[case.pk]


def test_the_worklist_finds_a_case_by_a_phone_tail_or_the_full_number(world, case):
    other = _case(lon=120.015, phone="13700005678", id_number="")
    client = _api(world.officer_a)

    def found(q):
        rows = client.get(reverse("api:case-list"), {"q": q}).json()["results"]
        return {row["reference"] for row in rows}

    assert found("1111") == {case.reference}
    assert found("00001111") == {case.reference}
    assert found(PHONE) == {case.reference}
    assert found("139 0000 1111") == {case.reference}
    assert found("5678") == {other.reference}
    assert found("99995678") == set()


# --- revealed for a reason, audited ----------------------------------------------------------


@pytest.mark.parametrize("username", ["officer_a", "chief"])
def test_a_reveal_with_a_reason_shows_the_number_and_writes_an_audit_row(
    client, world, case, username
):
    client.force_login(getattr(world, username))
    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert "查看完整号码" in page
    response = _reveal(client, case, "id_number", **HTMX)
    assert response.status_code == 200 and ID_NUMBER in response.content.decode()
    response = _reveal(client, case, "phone", reason="电话通知调解时间", **HTMX)
    assert response.status_code == 200 and "139 0000 1111" in response.content.decode()
    party = case.parties.get(name="王某")
    events = AuditEvent.objects.filter(action="registry.revealed").order_by("id")
    assert [(e.actor, e.object_type, e.object_id, e.changes) for e in events] == [
        (
            getattr(world, username),
            "disputes.party",
            str(party.pk),
            {"field": "id_number", "reason": "联系当事人调解"},
        ),
        (
            getattr(world, username),
            "disputes.party",
            str(party.pk),
            {"field": "phone", "reason": "电话通知调解时间"},
        ),
    ]
    assert events[0].region_path == case.scope_path


def test_a_reveal_without_a_reason_is_refused(client, world, case):
    client.force_login(world.officer_a)
    for reason in ("", "  看看 "):
        response = _reveal(client, case, "id_number", reason=reason, **HTMX)
        fragment = response.content.decode()
        assert "请写明查看完整信息的理由" in fragment and ID_NUMBER not in fragment
    response = _reveal(client, case, "phone", reason="")
    assert response.status_code == 400 and PHONE not in response.content.decode()
    assert _revealed() == 0


def test_roles_without_the_reveal_permission_and_other_townships_are_refused(client, world, case):
    client.force_login(world.county_admin)
    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert "查看完整号码" not in page
    response = _reveal(client, case, "id_number")
    assert response.status_code == 403 and ID_NUMBER not in response.content.decode()
    client.force_login(world.officer_b)
    assert _reveal(client, case, "id_number").status_code == 404
    client.force_login(world.officer_a)
    assert _reveal(client, case, "email").status_code == 404
    other = _case(lon=120.105)
    party = other.parties.get(name="王某")
    url = reverse("disputes:party_reveal", args=[case.reference, party.pk, "phone"])
    assert client.post(url, {"phone-reason": "联系当事人调解"}).status_code == 404
    assert (
        client.get(reverse("disputes:party_reveal", args=[case.reference, 1, "phone"])).status_code
        == 405
    )
    assert _revealed() == 0


# --- printing the full numbers ---------------------------------------------------------------


def _printed():
    return AuditEvent.objects.filter(action="disputes.file_printed")


@pytest.mark.parametrize("name", ["file_pdf", "intake_pdf"])
def test_a_pdf_with_full_numbers_needs_a_reason_and_is_audited(client, world, case, name):
    client.force_login(world.officer_a)
    url = reverse(f"disputes:{name}", args=[case.reference])
    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert "打印含完整号码的材料" in page
    for reason in ("", "看看"):
        refused = client.post(url, {"reason": reason})
        assert refused.status_code == 400 and refused["Content-Type"].startswith("text/html")
        assert "请写明打印完整号码的理由" in refused.content.decode()
    assert not _printed().exists()
    response = client.post(url, {"reason": "送交法院司法确认"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert ID_NUMBER in text and "+86" + PHONE in text
    event = _printed().get()
    assert event.actor == world.officer_a
    assert event.changes == {
        "document": name.removesuffix("_pdf"),
        "full_numbers": True,
        "reason": "送交法院司法确认",
    }


def test_only_those_who_may_reveal_print_full_numbers(client, world, case):
    url = reverse("disputes:file_pdf", args=[case.reference])
    client.force_login(world.county_admin)
    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert "打印含完整号码的材料" not in page
    response = client.post(url, {"reason": "送交法院司法确认"})
    assert response.status_code == 403 and not response.content.startswith(b"%PDF")
    client.force_login(world.officer_b)
    assert client.post(url, {"reason": "送交法院司法确认"}).status_code == 404
    assert not _printed().exists()


def test_a_party_added_later_is_sealed_too(world, case):
    party = services.add_party(
        case=case, actor=world.officer_a, role="third_party", name="孙某", phone="138 0013 8000"
    )
    party.refresh_from_db()
    assert party.phone_masked == "138****8000" and "13800138000" not in party.phone_sealed
    assert party.phone == "+8613800138000" and party.id_sealed == ""


# --- numbers stored before this rule --------------------------------------------------------


def _raw(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_the_migrations_seal_numbers_kept_in_the_clear_and_unseal_them_going_back(
    transactional_db, world
):
    case = _case(reporter_name="王某", reporter_phone="136 0000 3333")
    party, report = case.parties.get(name="王某"), case.report
    executor = MigrationExecutor(connection)
    executor.migrate([("disputes", "0011_registry_links"), ("intake", "0005_report_source")])
    # Back before the rule: the numbers are in the clear again, in their old columns.
    assert _raw("SELECT phone, id_number FROM disputes_party WHERE id = %s", [party.pk]) == [
        ("+86" + PHONE, ID_NUMBER)
    ]
    assert _raw("SELECT reporter_phone FROM intake_report WHERE id = %s", [report.pk]) == [
        ("+8613600003333",)
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    stored = " ".join(
        str(cell)
        for table in ("disputes_party", "intake_report")
        for row in _raw(f"SELECT * FROM {table}")
        for cell in row
    )
    assert PHONE not in stored and ID_NUMBER not in stored and "13600003333" not in stored
    party, report = Party.objects.get(pk=party.pk), type(report).objects.get(pk=report.pk)
    assert (party.phone, party.id_number, party.phone_masked) == (
        "+86" + PHONE,
        ID_NUMBER,
        PHONE_MASKED,
    )
    assert party.id_hash == sealing.digest(ID_NUMBER) and party.id_masked == ID_MASKED
    assert (report.phone, report.phone_masked) == ("+8613600003333", "136****3333")
    assert report.phone_hash == sealing.digest("+8613600003333")
