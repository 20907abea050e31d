"""The mediation path on the case page: session, agreement, signatures, seal, effect, return
visits, closing; the PDFs of the case file. Every new endpoint is 404 outside the scope and a
refused step changes nothing (state, timeline, audit trail).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import services
from fengqiao.disputes.models import Agreement, Case, ReturnVisit
from fengqiao.intake.services import submit_report
from fengqiao.org.models import Person
from tests.snapshots import case_snapshot


def _step(client, case: Case, step: str, *, target="", htmx=False, prefix=None, **fields):
    prefix = prefix or (f"{step}-{target}" if target else step)
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    if target:
        data["target"] = target
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("disputes:mediation", args=[case.reference, step]), data, **headers)


def _held_at() -> str:
    return (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


def _terms(rows: list[dict]) -> dict:
    data = {
        "draft-term-TOTAL_FORMS": "3",
        "draft-term-INITIAL_FORMS": "0",
        "draft-term-MIN_NUM_FORMS": "0",
        "draft-term-MAX_NUM_FORMS": "10",
    }
    for i, row in enumerate(rows):
        data.update({f"draft-term-{i}-{name}": value for name, value in row.items()})
    return data


def _draft(client, case: Case, *, amount="500", htmx=False):
    respondent = case.parties.get(role="respondent")
    data = {
        "draft-committee": "甲村人民调解委员会",
        "draft-facts": "楼上夜间拖椅子，影响李某休息",
        "draft-issues": "夜间噪音及赔偿",
        "draft-responsibility": "赵某负主要责任",
        # Both parties bound (the page ticks every party of the case at first).
        "draft-parties": [p.pk for p in case.parties.all()],
        **_terms([{"obligation": "赔偿李某损失", "obligor": respondent.pk, "amount": amount}]),
    }
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(
        reverse("disputes:mediation", args=[case.reference, "draft"]), data, **headers
    )


@pytest.fixture
def case(world, client) -> Case:
    """李某's report about the noise upstairs, accepted by the grid worker on the page."""
    case = submit_report(
        channel="web",
        kind="dispute",
        category="neighbourhood",
        text="楼上每天半夜拖椅子，沟通多次没用",
        lon=120.005,
        lat=30.005,
        reporter_name="李某",
    ).report.case
    services.add_party(case=case, actor=None, role="respondent", name="赵某")
    client.force_login(world.grid_worker_a1)
    response = client.post(
        reverse("disputes:act", args=[case.reference, "accept"]), {"accept-version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "accepted"
    return case


def _record_session(client, world, case, **extra):
    worker = Person.objects.get(user=world.grid_worker_a1)
    values = {
        "held_at": _held_at(),
        "place": "甲村调解室",
        "mediators": [worker.pk],
        "attendees": "李某、赵某",
        "record": "双方同意限定时间并赔偿",
        "outcome": "settled",
        **extra,
    }
    return _step(client, case, "session", **values)


def test_the_whole_mediation_path_from_the_case_page(client, world, case):
    # The grid worker records the session; the case starts mediation.
    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert "调解记录" in page and "记录调解" in page
    response = _record_session(client, world, case)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "mediating"

    # The officer drafts the agreement with one term.
    client.force_login(world.officer_a)
    response = _draft(client, case)
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement = Agreement.objects.get(case=case)
    assert agreement.terms.get().amount == 500

    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert "当事人李某的签名" in page and "人民调解委员会印章" in page

    # Each party signs; with the mediator's signature and the seal missing, effect is refused
    # and the message names what is missing.
    for party in case.parties.all():
        response = _step(client, case, "sign", target=f"party-{party.pk}", method="sign")
        assert response.status_code == 302
    before = case_snapshot(case)
    response = _step(client, case, "effect", htmx=True)
    body = response.content.decode()
    assert response.status_code == 200 and "协议尚不能生效" in body
    assert "调解员签名" in body and "人民调解委员会印章" in body
    assert case_snapshot(case) == before

    worker = Person.objects.get(user=world.grid_worker_a1)
    assert (
        _step(client, case, "sign", target=f"person-{worker.pk}", method="fingerprint").status_code
        == 302
    )
    response = _step(client, case, "seal", htmx=True)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and "已完成：加盖调委会印章" in body

    agreement.refresh_from_db()
    case.refresh_from_db()
    assert agreement.effective_on == timezone.localdate()
    assert case.state == "follow_up"
    assert "司法确认" in body and "还剩 30 天" in body

    # The term is performed, then every scheduled visit finds it settled: the case closes.
    term = agreement.terms.get()
    response = _step(
        client,
        case,
        "perform",
        target=str(term.pk),
        performed_on=timezone.localdate().isoformat(),
        evidence="转账记录",
    )
    assert response.status_code == 302
    visits = list(ReturnVisit.objects.filter(case=case, done_at__isnull=True))
    assert visits
    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert "回访" in page and visits[0].due_on.isoformat() in page
    for visit in visits:
        response = _step(
            client,
            case,
            "visit",
            target=str(visit.pk),
            method="phone",
            performance="已赔偿，夜间不再拖椅子",
            outcome="settled",
            notes="",
        )
        assert response.status_code == 302
    # Settled at level 2, it waits for someone other than its handlers to verify it.
    case.refresh_from_db()
    assert (case.level, case.state) == (2, "verifying")
    client.force_login(world.chief)
    response = client.post(
        reverse("disputes:act", args=[case.reference, "verify"]),
        {"verify-version": case.version, "verify-note": "回访三次均已化解"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "closed"


def test_a_failed_session_needs_its_reason_next_to_the_field(client, world, case):
    before = case_snapshot(case)
    response = _record_session(client, world, case, outcome="failed")
    assert response.status_code == 400
    page = response.content.decode()
    assert "调解不成必须说明原因" in page
    assert case_snapshot(case) == before


def test_a_bad_amount_shows_the_field_error_and_drafts_nothing(client, world, case):
    _record_session(client, world, case)
    client.force_login(world.officer_a)
    before = case_snapshot(case)
    response = _draft(client, case, amount="五百")
    assert response.status_code == 400
    page = response.content.decode()
    assert "金额必须是数字" in page and 'class="field has-error"' in page
    response = _draft(client, case, amount="-5", htmx=True)
    assert response.status_code == 200 and "金额不能为负数" in response.content.decode()
    assert case_snapshot(case) == before


def test_officer_b_gets_404_from_every_new_endpoint_and_nothing_changes(client, world, case):
    _record_session(client, world, case)
    client.force_login(world.officer_a)
    _draft(client, case)
    party = case.parties.first()
    term = Agreement.objects.get(case=case).terms.get()
    client.force_login(world.officer_b)
    before = case_snapshot(case)
    posts = [
        ("session", "", {"place": "乙镇", "record": "x", "outcome": "settled"}),
        ("draft", "", {"committee": "乙"}),
        ("sign", f"party-{party.pk}", {"method": "sign"}),
        ("seal", "", {}),
        ("effect", "", {}),
        ("judicial", "", {"court": "乙法院"}),
        ("ruling", "", {"ruling": "confirmed"}),
        ("perform", str(term.pk), {"evidence": "x"}),
        ("visit", "1", {"method": "phone"}),
    ]
    for step, target, fields in posts:
        assert _step(client, case, step, target=target, **fields).status_code == 404, step
    audit_before = AuditEvent.objects.count()
    for name in ("file_pdf", "agreement_pdf", "intake_pdf"):
        assert client.get(reverse(f"disputes:{name}", args=[case.reference])).status_code == 404
    assert AuditEvent.objects.count() == audit_before
    assert case_snapshot(case) == before


def test_the_pdfs_are_pdf_bytes_named_by_the_reference_and_audited(client, world, case):
    _record_session(client, world, case)
    client.force_login(world.officer_a)
    _draft(client, case)
    for name, document in (
        ("file_pdf", "file"),
        ("agreement_pdf", "agreement"),
        ("intake_pdf", "intake"),
    ):
        before = AuditEvent.objects.filter(action="disputes.file_printed").count()
        response = client.get(reverse(f"disputes:{name}", args=[case.reference]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("inline; filename=")
        assert case.reference in response["Content-Disposition"]
        assert response.content.startswith(b"%PDF")
        printed = AuditEvent.objects.filter(action="disputes.file_printed")
        assert printed.count() == before + 1
        assert printed.order_by("-id").first().changes == {"document": document}
    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert reverse("disputes:file_pdf", args=[case.reference]) in page


def test_no_agreement_pdf_before_an_agreement(client, world, case):
    assert client.get(reverse("disputes:agreement_pdf", args=[case.reference])).status_code == 404
    assert client.get(reverse("disputes:intake_pdf", args=[case.reference])).status_code == 200


def test_a_reader_who_may_not_act_sees_records_but_no_forms(client, world, case):
    _record_session(client, world, case)
    client.logout()
    from fengqiao.org.models import Role
    from tests.factories import PersonFactory, UserFactory

    analyst = UserFactory(username="analyst")
    PersonFactory(user=analyst, name="analyst", unit=world.station_a, role_codes=["analyst"])
    assert Role.objects.filter(code="analyst").exists()
    client.force_login(analyst)
    page = client.get(reverse("disputes:case", args=[case.reference])).content.decode()
    assert "甲村调解室" in page
    assert reverse("disputes:mediation", args=[case.reference, "session"]) not in page


def test_signing_names_only_the_cases_own_mediators(client, world, case):
    assert _record_session(client, world, case).status_code == 302
    client.force_login(world.officer_a)
    assert _draft(client, case).status_code == 302
    stranger = Person.objects.get(user=world.officer_b)
    before = case_snapshot(case)
    response = _step(client, case, "sign", target=f"person-{stranger.pk}", method="sign")
    assert response.status_code == 404
    assert stranger.name not in response.content.decode()
    assert case_snapshot(case) == before
