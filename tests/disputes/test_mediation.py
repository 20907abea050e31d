"""Mediation on a case: sessions, the agreement and its signatures, performance, judicial
confirmation, and return visits that close the case or reopen it one grade higher.

Every refusal checks that nothing changed: state, version, timeline and audit trail.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import services
from fengqiao.disputes.mediation import selectors as mediation_selectors
from fengqiao.disputes.mediation import services as mediation
from fengqiao.disputes.models import (
    Agreement,
    Case,
    MediationSession,
    ReturnVisit,
)
from fengqiao.intake.services import submit_report
from fengqiao.org.models import Person
from fengqiao.org.scope import scope_to
from tests.conftest import PASSWORD, staff_user
from tests.snapshots import case_snapshot

HOUR = dt.timedelta(hours=1)


def _case(world, *, risk="yellow") -> Case:
    """A case reported by 王某 about 赵某, accepted by the grid worker."""
    case = submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk=risk,
        text="邻居装修噪音，协商未果",
        lon=120.005,
        lat=30.005,
        reporter_name="王某",
        reporter_phone="13900001111",
    ).report.case
    services.add_party(case=case, actor=world.grid_worker_a1, role="respondent", name="赵某")
    return services.accept_case(case=case, actor=world.grid_worker_a1)


def _mediator(world) -> Person:
    return Person.objects.get(user=world.grid_worker_a1)


def _session(world, case, *, actor=None, outcome="settled", failure_reason=""):
    return mediation.record_session(
        case=case,
        actor=actor or world.grid_worker_a1,
        held_at=timezone.now() - HOUR,
        place="甲村调解室",
        mediators=[_mediator(world)],
        attendees="王某、赵某",
        record="双方陈述了噪音情况，同意限定装修时间并赔偿",
        outcome=outcome,
        failure_reason=failure_reason,
    )


def _draft(world, case, **extra) -> Agreement:
    respondent = case.parties.get(role="respondent")
    values = {
        "case": case,
        "actor": world.grid_worker_a1,
        "committee": "甲村人民调解委员会",
        "facts": "赵某装修期间夜间施工，影响王某休息",
        "issues": "夜间施工噪音及赔偿",
        "responsibility": "赵某负主要责任",
        "terms": [
            {
                "obligation": "赔偿王某损失",
                "obligor": respondent,
                "amount": "500",
                "manner": "微信转账",
                "place": "甲村",
                "deadline": timezone.localdate() + dt.timedelta(days=7),
            },
            {"obligation": "晚八点后不再施工", "obligor": respondent},
        ],
    }
    return mediation.draft_agreement(**{**values, **extra})


def _signed(world, case) -> Agreement:
    """An agreement signed by every party and the mediator, sealed: effective today."""
    agreement = _draft(world, case)
    for party in case.parties.all():
        mediation.sign_agreement(agreement=agreement, actor=world.grid_worker_a1, signer=party)
    mediation.sign_agreement(
        agreement=agreement, actor=world.grid_worker_a1, signer=_mediator(world)
    )
    return mediation.apply_seal(agreement=agreement, actor=world.grid_worker_a1)


def _in_follow_up(world, *, risk="yellow") -> Case:
    case = _case(world, risk=risk)
    _session(world, case)
    _signed(world, case)
    return Case.objects.get(pk=case.pk)


def test_a_case_goes_from_report_to_closed_through_mediation_agreement_and_visits(world):
    case = _case(world)
    session = _session(world, case)
    case.refresh_from_db()
    assert case.state == "mediating" and session.outcome == "settled"
    assert list(session.mediators.values_list("name", flat=True)) == ["grid_worker_a1"]

    agreement = _draft(world, case)
    assert agreement.number == f"{case.reference}-1" and agreement.copies == 3
    assert [t.amount for t in agreement.terms.all()] == [500, None]
    applicant = case.parties.get(role="applicant")
    mediation.sign_agreement(
        agreement=agreement, actor=world.grid_worker_a1, signer=applicant, method="fingerprint"
    )
    mediation.sign_agreement(
        agreement=agreement, actor=world.grid_worker_a1, signer=_mediator(world)
    )
    mediation.apply_seal(agreement=agreement, actor=world.grid_worker_a1)

    # The respondent has not signed: the agreement may not take effect, and says who is missing.
    before = case_snapshot(case)
    with pytest.raises(ValidationError) as error:
        mediation.take_effect(agreement=agreement, actor=world.grid_worker_a1)
    assert "赵某" in error.value.message_dict["signatures"][0]
    assert mediation_selectors.missing_for_effect(agreement) == ["当事人赵某的签名"]
    assert case_snapshot(case) == before

    respondent = case.parties.get(role="respondent")
    mediation.sign_agreement(agreement=agreement, actor=world.officer_a, signer=respondent)
    agreement.refresh_from_db()
    case.refresh_from_db()
    today = timezone.localdate()
    assert agreement.effective_on == today
    assert case.state == "follow_up" and case.resolved_at is not None
    visits = list(case.return_visits.all())
    assert [v.due_on for v in visits] == [today + dt.timedelta(days=7), today + dt.timedelta(30)]
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["agreement_signed", "reach_agreement", "start_follow_up"]
    assert AuditEvent.objects.filter(action="disputes.agreement_effective").count() == 1

    term = agreement.terms.first()
    mediation.record_performance(
        term=term, actor=world.grid_worker_a1, performed_on=today, evidence="微信转账截图"
    )
    assert agreement.terms.first().performed_on == today

    mediation.record_return_visit(
        visit=visits[0],
        actor=world.grid_worker_a1,
        method="phone",
        performance="已赔偿，夜间不再施工",
        outcome="settled",
    )
    assert Case.objects.get(pk=case.pk).state == "follow_up"
    visit = mediation.record_return_visit(
        visit=visits[1],
        actor=world.officer_a,
        method="home",
        performance="双方关系缓和",
        attitude="满意",
        outcome="settled",
    )
    case.refresh_from_db()
    assert case.state == "closed" and case.closed_at is not None
    assert visit.visitor.name == "officer_a" and visit.done_at is not None
    assert case.events.last().kind == "close"


@pytest.mark.parametrize(("risk", "days"), [("red", [3, 7, 30, 90]), ("blue", [30])])
def test_return_visits_are_scheduled_by_risk_grade(world, risk, days):
    case = _in_follow_up(world, risk=risk)
    today = timezone.localdate()
    assert list(case.return_visits.values_list("due_on", flat=True)) == [
        today + dt.timedelta(days=d) for d in days
    ]


def test_a_failed_session_needs_a_reason_and_fails_the_mediation(world):
    case = _case(world)
    before = case_snapshot(case)
    with pytest.raises(ValidationError) as error:
        _session(world, case, outcome="failed")
    assert "failure_reason" in error.value.message_dict
    assert case_snapshot(case) == before

    session = _session(world, case, outcome="failed", failure_reason="赵某拒绝赔偿")
    case.refresh_from_db()
    assert case.state == "failed" and session.failure_reason == "赵某拒绝赔偿"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["start_mediation", "mediation_session", "fail_mediation"]
    assert case.events.last().note == "赵某拒绝赔偿"

    # Mediation may start again after a failure.
    _session(world, case, outcome="continued")
    assert Case.objects.get(pk=case.pk).state == "mediating"


def test_a_session_is_refused_before_the_case_is_accepted(world):
    case = submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        text="邻居装修噪音",
        lon=120.005,
        lat=30.005,
        reporter_phone="13900001111",
    ).report.case
    with pytest.raises(ValidationError) as error:
        _session(world, case)
    assert "当前状态" in error.value.message_dict["case"][0]


def test_a_written_agreement_needs_its_contents_named_by_field(world):
    case = _case(world)
    _session(world, case)
    other = _case(world)
    with pytest.raises(ValidationError) as error:
        _draft(
            world,
            case,
            committee="",
            facts="",
            terms=[{"obligation": ""}, {"obligation": "赔偿", "obligor": other.parties.first()}],
        )
    errors = error.value.message_dict
    assert {"committee", "facts", "terms"} <= set(errors)
    assert errors["terms"] == ["第1项：请填写协议内容", "第2项：履行义务人必须是本案当事人"]
    assert not Agreement.objects.exists()


def test_an_oral_agreement_takes_effect_the_day_it_is_reached_without_signatures(world):
    case = _case(world)
    _session(world, case)
    agreement = mediation.draft_agreement(
        case=case,
        actor=world.grid_worker_a1,
        oral=True,
        terms=[{"obligation": "赵某当面道歉"}],
    )
    case.refresh_from_db()
    assert agreement.effective_on == timezone.localdate() and not agreement.signatures.exists()
    assert case.state == "follow_up" and case.return_visits.count() == 2
    with pytest.raises(ValidationError):
        mediation.sign_agreement(
            agreement=agreement, actor=world.grid_worker_a1, signer=case.parties.first()
        )


def test_a_relapse_reopens_the_case_one_grade_higher_and_cancels_pending_visits(world):
    case = _in_follow_up(world, risk="blue")
    visit = case.return_visits.get()
    mediation.record_return_visit(
        visit=visit,
        actor=world.grid_worker_a1,
        method="home",
        performance="赵某又在夜间施工，双方争吵",
        outcome="relapsed",
    )
    case.refresh_from_db()
    assert (case.state, case.risk, case.level) == ("accepted", "yellow", 1)
    assert case.closed_at is None and case.resolved_at is None
    event = case.events.last()
    assert (event.kind, event.from_state, event.payload["risk"]) == (
        "reopen",
        "follow_up",
        ["blue", "yellow"],
    )


def test_a_yellow_relapse_turns_red_goes_to_the_police_and_a_new_agreement_follows(world):
    case = _in_follow_up(world, risk="yellow")
    first, second = case.return_visits.all()
    mediation.record_return_visit(
        visit=first,
        actor=world.grid_worker_a1,
        method="phone",
        performance="赵某扬言报复",
        outcome="relapsed",
    )
    case.refresh_from_db()
    assert (case.state, case.risk, case.level) == ("accepted", "red", 2)
    assert {p.name for p in case.handlers.all()} == {"officer_a", "grid_worker_a1"}
    second.refresh_from_db()
    assert second.cancelled_at is not None and not second.pending

    # A second mediation may reach a second agreement, with visits of the new grade.
    _session(world, case, actor=world.officer_a)
    agreement = mediation.draft_agreement(
        case=Case.objects.get(pk=case.pk),
        actor=world.officer_a,
        oral=True,
        terms=[{"obligation": "赵某书面保证不再骚扰"}],
    )
    assert agreement.number.endswith("-2")
    pending = case.return_visits.filter(done_at__isnull=True, cancelled_at__isnull=True)
    assert pending.count() == 4


def test_partial_performance_on_the_last_visit_schedules_another(world):
    case = _in_follow_up(world, risk="blue")
    mediation.record_return_visit(
        visit=case.return_visits.get(),
        actor=world.grid_worker_a1,
        method="phone",
        performance="赔偿只付了一半",
        outcome="partly",
    )
    case.refresh_from_db()
    assert case.state == "follow_up"
    extra = case.return_visits.get(done_at__isnull=True)
    assert extra.due_on == timezone.localdate() + dt.timedelta(days=30)


def test_judicial_confirmation_is_refused_after_30_days(world):
    case = _case(world)
    _session(world, case)
    effective_on = timezone.localdate() - dt.timedelta(days=31)
    agreement = mediation.draft_agreement(
        case=case,
        actor=world.grid_worker_a1,
        oral=True,
        terms=[{"obligation": "赔偿 300 元", "amount": 300}],
        reached_on=effective_on,
    )
    window = mediation_selectors.judicial_window(agreement)
    assert window.deadline == effective_on + dt.timedelta(days=30)
    assert window.days_left == -1 and not window.open

    before = case_snapshot(case)
    with pytest.raises(ValidationError) as error:
        mediation.record_judicial_confirmation(
            agreement=agreement,
            actor=world.grid_worker_a1,
            applied_on=timezone.localdate(),
            court="测试区人民法院",
        )
    assert "三十日" in error.value.message_dict["applied_on"][0]
    assert case_snapshot(case) == before

    # On the last day it is still in time; the ruling is recorded when it comes.
    confirmation = mediation.record_judicial_confirmation(
        agreement=agreement,
        actor=world.grid_worker_a1,
        applied_on=window.deadline,
        court="测试区人民法院",
    )
    assert (
        confirmation.ruling == "pending" and mediation_selectors.judicial_window(agreement).applied
    )
    mediation.record_judicial_ruling(
        confirmation=confirmation,
        actor=world.officer_a,
        ruling="confirmed",
        ruling_on=timezone.localdate(),
    )
    confirmation.refresh_from_db()
    assert confirmation.ruling == "confirmed"
    assert case.events.last().kind == "judicial_ruling"


def test_someone_outside_the_jurisdiction_is_refused_and_nothing_changes(world):
    case = _case(world)
    outsider = world.officer_b
    before = case_snapshot(case)
    with pytest.raises(PermissionDenied):
        _session(world, case, actor=outsider)
    assert case_snapshot(case) == before

    _session(world, case)
    agreement = _draft(world, case)
    party = case.parties.first()
    before = case_snapshot(case)
    refused = [
        lambda: _draft(world, case, actor=outsider),
        lambda: mediation.sign_agreement(agreement=agreement, actor=outsider, signer=party),
        lambda: mediation.apply_seal(agreement=agreement, actor=outsider),
        lambda: mediation.take_effect(agreement=agreement, actor=outsider),
    ]
    for attempt in refused:
        with pytest.raises(PermissionDenied):
            attempt()
    assert case_snapshot(case) == before
    assert not agreement.signatures.exists() and not Agreement.objects.get().seal_applied

    case = _in_follow_up(world)
    agreement = case.agreements.get()
    before = case_snapshot(case)
    refused = [
        lambda: mediation.record_performance(
            term=agreement.terms.first(),
            actor=outsider,
            performed_on=timezone.localdate(),
            evidence="收据",
        ),
        lambda: mediation.record_judicial_confirmation(
            agreement=agreement, actor=outsider, applied_on=timezone.localdate(), court="法院"
        ),
        lambda: mediation.record_return_visit(
            visit=case.return_visits.first(),
            actor=outsider,
            method="phone",
            performance="已履行",
            outcome="relapsed",
        ),
    ]
    for attempt in refused:
        with pytest.raises(PermissionDenied):
            attempt()
    assert case_snapshot(case) == before


def test_mediation_records_are_scoped_to_the_case_jurisdiction(world, client):
    case = _in_follow_up(world)
    for model in (MediationSession, Agreement, ReturnVisit):
        assert scope_to(world.officer_a, model.objects.all()).exists()
        assert not scope_to(world.officer_b, model.objects.all()).exists()
    assert (
        list(mediation_selectors.return_visits_due(world.officer_a, on=case.received_at.date()))
        == []
    )
    due = mediation_selectors.return_visits_due(
        world.grid_worker_a1, on=timezone.localdate() + dt.timedelta(7)
    )
    assert due.count() == 1
    assert not mediation_selectors.return_visits_due(
        world.officer_b, on=dt.date(2100, 1, 1)
    ).exists()

    client.login(username="chief", password=PASSWORD)
    agreement = case.agreements.get()
    for url in (
        "/admin/disputes/case/",
        "/admin/disputes/agreement/",
        f"/admin/disputes/agreement/{agreement.pk}/change/",
        "/admin/disputes/returnvisit/",
        "/admin/disputes/mediationsession/",
        "/admin/disputes/judicialconfirmation/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/disputes/case/add/").status_code == 403


def test_a_relapse_found_after_closing_reopens_the_closed_case(world):
    case = _in_follow_up(world, risk="blue")
    case = services.transition(case=case, actor=world.officer_a, action="close")
    mediation.record_return_visit(
        visit=case.return_visits.get(),
        actor=world.grid_worker_a1,
        method="phone",
        performance="问题再次出现",
        outcome="relapsed",
    )
    case.refresh_from_db()
    assert (case.state, case.risk, case.closed_at) == ("accepted", "yellow", None)
    assert AuditEvent.objects.filter(action="disputes.reopen").count() == 1
