"""Verification before closing: 待验证, then 已验证 (closed) or 回退 with a reason, by
someone other than the handler and the one who asked to close."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fengqiao.disputes import services, verification, views
from fengqiao.disputes.models import Case, Notification
from tests.conftest import _staff
from tests.disputes.ladder_cases import case_at
from tests.snapshots import case_snapshot


def _case(*, level: int = 2, risk: str = "yellow") -> Case:
    return case_at(level, risk=risk)


def _accepted(world, **kwargs) -> Case:
    return services.accept_case(case=_case(**kwargs), actor=world.officer_a)


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_a_level_two_case_waits_for_verification_and_the_chief_closes_it(world):
    case = _accepted(world)
    case = services.close_or_verify(case=case, actor=world.officer_a, note="双方已和解")
    assert case.state == "verifying" and case.closed_at is None
    event = case.events.last()
    assert (event.kind, event.from_state, event.to_state) == (
        "request_verification",
        "accepted",
        "verifying",
    )
    assert "verify" in views.actions_for(world.chief, _fresh(case))
    case = verification.verify_case(case=case, actor=world.chief, note="电话回访属实")
    assert case.state == "closed" and case.closed_at is not None
    assert case.events.last().kind == "verify"


def test_a_level_one_case_closes_at_once(world):
    case = services.accept_case(case=_case(level=1), actor=world.grid_worker_a1)
    case = services.close_or_verify(case=case, actor=world.grid_worker_a1)
    assert case.state == "closed"


def test_a_red_case_at_level_one_and_a_plain_close_both_wait(world):
    case = services.accept_case(case=_case(level=1), actor=world.grid_worker_a1)
    case = services.regrade_case(case=case, actor=world.officer_a, risk="red", reason="扬言报复")
    # Any way of closing (the API's and mediation's plain ``close`` too) waits.
    case = services.transition(case=case, actor=world.officer_a, action="close")
    assert case.state == "verifying"


def test_the_handler_may_not_verify_their_own_case(world):
    case = services.close_or_verify(case=_accepted(world), actor=world.officer_a)
    before = case_snapshot(case)
    assert "verify" not in views.actions_for(world.officer_a, _fresh(case))
    with pytest.raises(PermissionDenied) as refused:
        verification.verify_case(case=_fresh(case), actor=world.officer_a)
    assert "承办人" in str(refused.value)
    assert case_snapshot(case) == before


def test_who_asked_to_close_may_not_verify_it(world):
    case = services.close_or_verify(case=_accepted(world), actor=world.chief)
    before = case_snapshot(case)
    assert "verify" not in views.actions_for(world.chief, _fresh(case))
    with pytest.raises(PermissionDenied):
        verification.verify_case(case=_fresh(case), actor=world.chief)
    assert case_snapshot(case) == before
    case = verification.verify_case(case=_fresh(case), actor=world.county_admin)
    assert case.state == "closed"


def test_the_township_judicial_office_verifies_its_committees_cases(world):
    judicial, _ = _staff(
        "judicial_a", ["judicial_officer"], region=world.township_a, grant_region=world.township_a
    )
    case = services.close_or_verify(case=_accepted(world), actor=world.officer_a)
    case = verification.verify_case(case=case, actor=judicial)
    assert case.state == "closed"


def test_hostile_verifiers_change_nothing(world):
    chief_b, _ = _staff(
        "chief_b", ["station_chief"], unit=world.station_b, grant_unit=world.station_b
    )
    case = services.close_or_verify(case=_accepted(world), actor=world.officer_a)
    before = case_snapshot(case)
    for outsider in (chief_b, world.resident, world.grid_worker_a1, world.officer_b):
        assert "verify" not in views.actions_for(outsider, _fresh(case))
        for attempt in (
            lambda u: verification.verify_case(case=_fresh(case), actor=u),
            lambda u: verification.reject_verification(case=_fresh(case), actor=u, reason="不实"),
        ):
            with pytest.raises(PermissionDenied):
                attempt(outsider)
    assert case_snapshot(case) == before


def test_a_rejected_verification_goes_back_where_it_came_from_with_a_reason(world):
    case = services.transition(case=_accepted(world), actor=world.officer_a, action="investigate")
    case = services.close_or_verify(case=case, actor=world.officer_a)
    with pytest.raises(ValidationError) as missing:
        verification.reject_verification(case=_fresh(case), actor=world.chief, reason=" ")
    assert "reason" in missing.value.error_dict
    case = verification.reject_verification(
        case=_fresh(case), actor=world.chief, reason="当事人表示未解决"
    )
    assert case.state == "investigating" and case.closed_at is None
    event = case.events.last()
    assert (event.kind, event.from_state, event.to_state) == (
        "reject_verification",
        "verifying",
        "investigating",
    )
    assert event.note == "当事人表示未解决"
    told = Notification.objects.filter(case=case, recipient=world.officer_a.person)
    assert told.filter(message__contains="当事人表示未解决").exists()
    # Back to handling: it may be closed again, and waits again.
    case = services.close_or_verify(case=case, actor=world.officer_a)
    assert case.state == "verifying"


def test_verifying_twice_is_refused(world):
    case = services.close_or_verify(case=_accepted(world), actor=world.officer_a)
    stale = _fresh(case)
    verification.verify_case(case=_fresh(case), actor=world.chief)
    with pytest.raises((services.CaseChanged, ValidationError)):
        verification.verify_case(case=stale, actor=world.county_admin)
    with pytest.raises(ValidationError):
        verification.verify_case(case=_fresh(case), actor=world.county_admin)


def test_the_page_verifies_and_sends_back(world, client):
    case = services.close_or_verify(case=_accepted(world), actor=world.officer_a)
    client.force_login(world.chief)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "验证通过，结案" in page and "验证不通过，回退" in page
    answer = client.post(
        f"/cases/{case.reference}/act/reject_verification/",
        {"reject_verification-version": case.version, "reject_verification-reason": "材料不全"},
    )
    assert answer.status_code == 302
    assert _fresh(case).state == "accepted"
