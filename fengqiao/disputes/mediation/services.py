"""People's mediation on a case: sessions, the agreement and its signatures, performance of
its terms, judicial confirmation, and the return visits that follow (domain notes §3, §2.4).

Every write checks role and scope through ``disputes.services`` (the same rules as every other
move of a case), runs in one transaction, appends the timeline and the audit trail. Moves of
the case's state go through ``services.transition``:

- the first session of an accepted (or investigating, or failed) case starts mediation;
  a failed session, which needs its reason, fails it;
- an agreement taking effect moves the case to ``agreement`` and, as the return visits of
  its grade are scheduled at once, straight on to ``follow_up`` (two timeline entries);
- the last return visit found settled closes the case; a relapse reopens it one risk grade
  higher and cancels the visits still pending (the next agreement schedules new ones).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.disputes import clocks, early_warning, policy, rules, services
from fengqiao.disputes.mediation import selectors, validation
from fengqiao.disputes.models import (
    Agreement,
    AgreementTerm,
    Case,
    JudicialConfirmation,
    MediationSession,
    Party,
    ReturnVisit,
    Signature,
)
from fengqiao.org.models import Person
from fengqiao.org.scope import person_of

# Recording what happened on a case (a session, a signature, a visit) needs the same right
# as any other work on it that leaves its state alone; ``disputes.services`` asks "regrade"
# for that too (adding a party, linking cases).
_WORKS_THE_CASE = "regrade"
# States from which recording a session starts mediation.
_BEFORE_MEDIATION = frozenset({"accepted", "investigating", "failed"})


# --- sessions ------------------------------------------------------------------------------


def record_session(
    *,
    case: Case,
    actor,
    held_at: dt.datetime,
    place: str,
    mediators: Iterable[Person],
    attendees: str = "",
    record: str,
    outcome: str,
    failure_reason: str = "",
) -> MediationSession:
    """Record a mediation session held on ``case``.

    The first session of an accepted, investigating or failed case starts mediation
    (``start_mediation``). A ``failed`` session needs ``failure_reason`` and fails the
    mediation (``fail_mediation``, art. 26); ``settled`` and ``continued`` leave the state.
    """
    action = "start_mediation" if case.state in _BEFORE_MEDIATION else _WORKS_THE_CASE
    services.ensure_may(actor, case, action)
    mediators = list(mediators)
    errors: dict[str, str] = {}
    validation.check_session(
        held_at, place, mediators, record, outcome, failure_reason, errors=errors
    )
    if case.state != "mediating" and case.state not in _BEFORE_MEDIATION:
        errors["case"] = validation.refused_in_state(case, _("不能记录调解"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if case.state != "mediating":
            case = services.transition(case=case, actor=actor, action="start_mediation")
        session = MediationSession.objects.create(
            case=case,
            held_at=held_at,
            place=place.strip(),
            attendees=attendees.strip(),
            record=record.strip(),
            outcome=outcome,
            failure_reason=failure_reason.strip() if outcome == "failed" else "",
        )
        session.mediators.set(mediators)
        payload = {
            "session": session.pk,
            "outcome": outcome,
            "place": session.place,
            "mediators": [p.name for p in mediators],
        }
        services.append_event(
            case, actor, "mediation_session", note=session.failure_reason, payload=payload
        )
        audit.record(
            actor=actor, action="disputes.mediation_session_recorded", obj=session, changes=payload
        )
        if outcome == MediationSession.Outcome.FAILED:
            services.transition(
                case=case,
                actor=actor,
                action="fail_mediation",
                note=session.failure_reason,
                payload={"session": session.pk},
            )
            for decision in early_warning.after_failed_session(case):
                services.raise_grade(case, decision)
    return session


# --- the agreement -----------------------------------------------------------------------


def draft_agreement(
    *,
    case: Case,
    actor,
    facts: str = "",
    issues: str = "",
    responsibility: str = "",
    terms: Sequence[dict],
    oral: bool = False,
    committee: str = "",
    breach_clause: str = "",
    reached_on: dt.date | None = None,
    parties: Sequence[Party] | None = None,
) -> Agreement:
    """Write down the agreement reached in mediation (arts. 28–29).

    ``parties`` are those it binds, who must all sign it: every party of the case unless
    named (at least two, all of this case). ``terms`` are dicts with ``obligation`` and
    optionally ``obligor`` (one of those parties),
    ``amount`` (yuan), ``manner``, ``place``, ``deadline`` (a date). A written agreement needs
    the committee, the facts and the matters in dispute, and waits for its signatures and
    seal (``sign_agreement``, ``apply_seal``). An oral agreement (art. 28: the mediator records
    its content) takes effect at once, on ``reached_on`` (default today, art. 30).
    """
    services.ensure_may(actor, case, "reach_agreement")
    errors: dict[str, object] = {}
    if case.state != "mediating":
        errors["case"] = validation.refused_in_state(case, _("只有调解中的案件才能制作调解协议"))
    elif Agreement.objects.filter(
        case=case, effective_on__isnull=True, refused_on__isnull=True
    ).exists():
        errors["case"] = _("本案已有一份尚未生效的调解协议，请先完成签署")
    if not oral:
        if not committee.strip():
            errors["committee"] = _("请填写人民调解委员会名称")
        if not facts.strip():
            errors["facts"] = _("请填写纠纷主要事实")
        if not issues.strip():
            errors["issues"] = _("请填写争议事项")
    today = timezone.localdate()
    if reached_on is not None and reached_on > today:
        errors["reached_on"] = _("达成协议日期不能晚于今天")
    bound = validation.clean_agreement_parties(case, parties, errors)
    term_rows, term_errors = validation.clean_terms(case, terms, bound)
    if term_errors:
        errors["terms"] = term_errors
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                agreement = Agreement.objects.create(
                    case=case,
                    number=_next_agreement_number(case),
                    committee=committee.strip(),
                    oral=oral,
                    facts=facts.strip(),
                    issues=issues.strip(),
                    responsibility=responsibility.strip(),
                    breach_clause=breach_clause.strip(),
                )
        except IntegrityError:
            # Two drafts at once: the first one stored is the case's pending agreement.
            raise services.CaseChanged(_("本案刚刚有人制作了调解协议，请刷新后再操作")) from None
        agreement.parties.set(bound)
        for position, row in enumerate(term_rows, start=1):
            AgreementTerm.objects.create(agreement=agreement, position=position, **row)
        payload = {
            "agreement": agreement.number,
            "oral": oral,
            "terms": len(term_rows),
            "parties": [p.name for p in bound],
        }
        services.append_event(case, actor, "agreement_drafted", payload=payload)
        audit.record(
            actor=actor, action="disputes.agreement_drafted", obj=agreement, changes=payload
        )
        if oral:
            _take_effect(agreement, actor, reached_on or today)
    return agreement


def sign_agreement(
    *,
    agreement: Agreement,
    actor,
    signer: Party | Person,
    method: str = Signature.Method.SIGN,
    signed_on: dt.date | None = None,
) -> Signature:
    """Record that ``signer`` signed, sealed or fingerprinted the written agreement.

    ``signer`` is one of the agreement's parties, or a Person who mediated one of the case's
    sessions (a handler who attended none may not sign as mediator). When this completes
    the signatures and the seal is on, the agreement takes effect on the latest signing
    date (see ``take_effect``). A party's refusal is ``refuse_agreement``.
    """
    case = agreement.case
    services.ensure_may(actor, case, "reach_agreement")
    signed_on = signed_on or timezone.localdate()
    errors: dict[str, str] = {}
    validation.check_open_for_signing(agreement, errors)
    if method not in Signature.Method.values or method == Signature.Method.REFUSED:
        errors["method"] = _("签署方式只能是签名、盖章或按指印")
    if signed_on > timezone.localdate():
        errors["signed_on"] = _("签署日期不能晚于今天")
    elif signed_on < timezone.localdate(agreement.created_at):
        errors["signed_on"] = _("签署日期不能早于协议制作日期")
    row = validation.check_signer(agreement, case, signer, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                signature = Signature.objects.create(
                    agreement=agreement, method=method, signed_on=signed_on, **row
                )
        except IntegrityError:
            # The same signature recorded twice at once (a double click, two officers).
            raise services.CaseChanged(
                _("%(name)s 的签署刚刚被其他人登记过，请刷新后再操作") % {"name": signer.name}
            ) from None
        payload = {
            "agreement": agreement.number,
            "signer": signer.name,
            "role": signature.role,
            "method": method,
            "signed_on": signed_on.isoformat(),
        }
        services.append_event(case, actor, "agreement_signed", payload=payload)
        audit.record(
            actor=actor, action="disputes.agreement_signed", obj=agreement, changes=payload
        )
        if not selectors.missing_for_effect(agreement):
            _take_effect(agreement, actor, _completed_on(agreement))
    return signature


def refuse_agreement(
    *,
    agreement: Agreement,
    actor,
    party: Party,
    reason: str,
    refused_on: dt.date | None = None,
) -> Signature:
    """Record that ``party`` refused to sign the written agreement, and why. The agreement
    then never takes effect (``refused_on``); the case stays in mediation and a new
    agreement may be drafted."""
    case = agreement.case
    services.ensure_may(actor, case, "reach_agreement")
    refused_on = refused_on or timezone.localdate()
    errors: dict[str, str] = {}
    validation.check_open_for_signing(agreement, errors)
    if not reason.strip():
        errors["note"] = _("请记录当事人拒绝签字的理由")
    if refused_on > timezone.localdate():
        errors["signed_on"] = _("拒签日期不能晚于今天")
    elif refused_on < timezone.localdate(agreement.created_at):
        errors["signed_on"] = _("拒签日期不能早于协议制作日期")
    if not isinstance(party, Party):
        raise TypeError("only a party refuses an agreement")
    row = validation.check_signer(agreement, case, party, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        updated = Agreement.objects.filter(
            pk=agreement.pk, effective_on__isnull=True, refused_on__isnull=True
        ).update(refused_on=refused_on)
        if not updated:
            raise services.CaseChanged(_("这份协议刚刚被其他人修改过，请刷新后再操作"))
        try:
            with transaction.atomic():
                signature = Signature.objects.create(
                    agreement=agreement,
                    method=Signature.Method.REFUSED,
                    signed_on=refused_on,
                    note=reason.strip(),
                    **row,
                )
        except IntegrityError:
            raise services.CaseChanged(
                _("%(name)s 的签署刚刚被其他人登记过，请刷新后再操作") % {"name": party.name}
            ) from None
        agreement.refresh_from_db()
        payload = {
            "agreement": agreement.number,
            "party": party.name,
            "refused_on": refused_on.isoformat(),
        }
        services.append_event(case, actor, "agreement_refused", note=reason, payload=payload)
        audit.record(
            actor=actor,
            action="disputes.agreement_refused",
            obj=agreement,
            changes={**payload, "reason": signature.note},
        )
    return signature


def apply_seal(*, agreement: Agreement, actor, sealed_on: dt.date | None = None) -> Agreement:
    """Record that the committee's seal is on the written agreement. When the signatures are
    complete too, the agreement takes effect (see ``take_effect``)."""
    case = agreement.case
    services.ensure_may(actor, case, "reach_agreement")
    sealed_on = sealed_on or timezone.localdate()
    errors: dict[str, str] = {}
    validation.check_open_for_signing(agreement, errors)
    if agreement.seal_applied:
        errors["seal_applied"] = _("调委会印章已经加盖")
    if sealed_on > timezone.localdate():
        errors["sealed_on"] = _("盖章日期不能晚于今天")
    elif sealed_on < timezone.localdate(agreement.created_at):
        errors["sealed_on"] = _("盖章日期不能早于协议制作日期")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        updated = Agreement.objects.filter(
            pk=agreement.pk, seal_applied=False, effective_on__isnull=True
        ).update(seal_applied=True, sealed_on=sealed_on)
        if not updated:
            raise services.CaseChanged(_("这份协议刚刚被其他人修改过，请刷新后再操作"))
        agreement.refresh_from_db()
        payload = {"agreement": agreement.number, "sealed_on": sealed_on.isoformat()}
        services.append_event(case, actor, "agreement_sealed", payload=payload)
        audit.record(
            actor=actor, action="disputes.agreement_sealed", obj=agreement, changes=payload
        )
        if not selectors.missing_for_effect(agreement):
            _take_effect(agreement, actor, _completed_on(agreement))
    return agreement


def take_effect(*, agreement: Agreement, actor) -> Agreement:
    """Make the written agreement effective, refusing while anything art. 29 requires is
    missing; the message names every party, the mediator or the seal still lacking.

    Signing and sealing call this on their own once complete; it is for a page's "生效" button.
    """
    services.ensure_may(actor, agreement.case, "reach_agreement")
    errors: dict[str, str] = {}
    validation.check_open_for_signing(agreement, errors)
    if errors:
        raise ValidationError(errors)
    missing = selectors.missing_for_effect(agreement)
    if missing:
        raise ValidationError(
            {"signatures": _("协议尚不能生效，还缺：%(missing)s") % {"missing": "、".join(missing)}}
        )
    with transaction.atomic():
        _take_effect(agreement, actor, _completed_on(agreement))
    return agreement


def _take_effect(agreement: Agreement, actor, effective_on: dt.date) -> None:
    """Set the date, move the case to ``agreement`` then ``follow_up`` with its return visits
    scheduled by grade. Runs inside the caller's transaction."""
    updated = Agreement.objects.filter(pk=agreement.pk, effective_on__isnull=True).update(
        effective_on=effective_on
    )
    if not updated:
        raise services.CaseChanged(_("这份协议刚刚被其他人修改过，请刷新后再操作"))
    agreement.refresh_from_db()
    case = Case.objects.get(pk=agreement.case_id)
    case = services.transition(
        case=case,
        actor=actor,
        action="reach_agreement",
        payload={"agreement": agreement.number, "effective_on": effective_on.isoformat()},
    )
    visits = _schedule_visits(case, agreement, effective_on)
    services.transition(
        case=case,
        actor=actor,
        action="start_follow_up",
        payload={"return_visits": [v.due_on.isoformat() for v in visits]},
    )
    audit.record(
        actor=actor,
        action="disputes.agreement_effective",
        obj=agreement,
        changes={"effective_on": effective_on.isoformat(), "oral": agreement.oral},
    )
    agreement.case = Case.objects.get(pk=case.pk)


# --- performance and judicial confirmation --------------------------------------------------


def record_performance(
    *, term: AgreementTerm, actor, performed_on: dt.date, evidence: str
) -> AgreementTerm:
    """Record that ``term`` of an effective agreement was performed, and the proof of it
    (receipt, transfer record, on-site check). The committee supervises performance (art. 31)."""
    agreement = term.agreement
    case = agreement.case
    services.ensure_may(actor, case, _WORKS_THE_CASE)
    errors: dict[str, str] = {}
    if agreement.effective_on is None:
        errors["term"] = _("协议尚未生效，不能登记履行")
    elif term.performed_on is not None:
        errors["term"] = _("这一项已于 %(day)s 履行完毕") % {"day": term.performed_on}
    if performed_on is None:
        errors["performed_on"] = _("请填写履行日期")
    elif performed_on > timezone.localdate():
        errors["performed_on"] = _("履行日期不能晚于今天")
    if not evidence.strip():
        errors["evidence"] = _("请说明履行情况及凭证（如收据、转账记录、现场确认）")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        updated = AgreementTerm.objects.filter(pk=term.pk, performed_on__isnull=True).update(
            performed_on=performed_on, evidence=evidence.strip()
        )
        if not updated:
            raise services.CaseChanged(_("这一项刚刚被其他人登记过，请刷新后再操作"))
        term.refresh_from_db()
        payload = {
            "agreement": agreement.number,
            "term": term.position,
            "performed_on": performed_on.isoformat(),
        }
        services.append_event(case, actor, "term_performed", note=term.evidence, payload=payload)
        audit.record(actor=actor, action="disputes.term_performed", obj=term, changes=payload)
    return term


def record_judicial_confirmation(
    *,
    agreement: Agreement,
    actor,
    applied_on: dt.date,
    court: str,
    ruling: str = JudicialConfirmation.Ruling.PENDING,
    ruling_on: dt.date | None = None,
) -> JudicialConfirmation:
    """Record the parties' joint application for judicial confirmation (art. 33), and the
    court's ruling when known. The application must fall within 30 days of the agreement
    taking effect (``clocks.judicial_confirmation_deadline``); a later one is refused."""
    case = agreement.case
    services.ensure_may(actor, case, _WORKS_THE_CASE)
    errors: dict[str, str] = {}
    validation.check_application(agreement, court, applied_on, errors)
    validation.check_ruling(ruling, ruling_on, applied_on, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                confirmation = JudicialConfirmation.objects.create(
                    agreement=agreement,
                    applied_on=applied_on,
                    court=court.strip(),
                    ruling=ruling,
                    ruling_on=ruling_on,
                )
        except IntegrityError:
            # One application per agreement: someone recorded it at the same moment.
            raise services.CaseChanged(
                _("这份协议的司法确认申请刚刚被其他人登记过，请刷新后再操作")
            ) from None
        payload = {
            "agreement": agreement.number,
            "applied_on": applied_on.isoformat(),
            "court": confirmation.court,
            "ruling": ruling,
        }
        services.append_event(case, actor, "judicial_confirmation", payload=payload)
        audit.record(
            actor=actor, action="disputes.judicial_confirmation", obj=confirmation, changes=payload
        )
    return confirmation


def record_judicial_ruling(
    *, confirmation: JudicialConfirmation, actor, ruling: str, ruling_on: dt.date
) -> JudicialConfirmation:
    """Record the court's ruling on a pending application: confirmed (enforceable on
    non-performance) or rejected (the parties may mediate again or sue)."""
    case = confirmation.agreement.case
    services.ensure_may(actor, case, _WORKS_THE_CASE)
    errors: dict[str, str] = {}
    if confirmation.ruling != JudicialConfirmation.Ruling.PENDING:
        errors["ruling"] = _("法院已作出裁定，不能重复登记")
    elif ruling == JudicialConfirmation.Ruling.PENDING:
        errors["ruling"] = _("请选择裁定结果：确认有效或驳回申请")
    else:
        validation.check_ruling(ruling, ruling_on, confirmation.applied_on, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        updated = JudicialConfirmation.objects.filter(
            pk=confirmation.pk, ruling=JudicialConfirmation.Ruling.PENDING
        ).update(ruling=ruling, ruling_on=ruling_on)
        if not updated:
            raise services.CaseChanged(_("裁定结果刚刚被其他人登记过，请刷新后再操作"))
        confirmation.refresh_from_db()
        payload = {"ruling": ruling, "ruling_on": ruling_on.isoformat()}
        services.append_event(case, actor, "judicial_ruling", payload=payload)
        audit.record(
            actor=actor, action="disputes.judicial_ruling", obj=confirmation, changes=payload
        )
    return confirmation


# --- return visits -----------------------------------------------------------------------


def _replayed_visit(visit: ReturnVisit, actor, method, outcome, performance):
    """The visit as already recorded, when this is the same record sent again by the person
    who recorded it (a form queued without a signal and sent twice): the visit row is the
    form's own key, so a resend answers with it instead of "already recorded"."""
    done = ReturnVisit.objects.filter(pk=visit.pk, done_at__isnull=False).first()
    visitor = person_of(actor)
    if done is None or visitor is None or done.visitor_id != visitor.pk:
        return None
    same = (done.method, done.outcome, done.performance) == (
        method,
        outcome,
        (performance or "").strip(),
    )
    return done if same else None


def record_return_visit(
    *,
    visit: ReturnVisit,
    actor,
    method: str,
    performance: str,
    outcome: str,
    notes: str = "",
    attitude: str = "",
    visited_at: dt.datetime | None = None,
) -> ReturnVisit:
    """Record a return visit made by ``actor`` (phone or home) and what it found.

    - ``settled``: once no visit is left pending, the case is closed (from ``follow_up``).
    - ``partly``: if it was the last visit pending, one more is scheduled after the grade's
      first interval (red 3, yellow 7, blue 30 days), so partial performance is never left
      unwatched.
    - ``relapsed``: the visits still pending are cancelled and the case is reopened one risk
      grade higher (``clocks.regrade_after_relapse``), in the same update; a case that becomes
      red also moves up to the police level with its handlers. A case already open again is
      regraded instead.

    The same record sent again by the same person (same method, outcome and performance)
    answers with the visit already recorded and changes nothing.
    """
    case = Case.objects.get(pk=visit.case_id)
    replayed = _replayed_visit(visit, actor, method, outcome, performance)
    if replayed is not None:
        replayed.case = case
        return replayed
    services.ensure_may(actor, case, _WORKS_THE_CASE)
    visited_at = visited_at or timezone.now()
    errors: dict[str, str] = {}
    validation.check_visit(visit, method, outcome, performance, visited_at, errors)
    if errors:
        raise ValidationError(errors)
    visitor = person_of(actor)
    with transaction.atomic():
        updated = ReturnVisit.objects.filter(
            pk=visit.pk, done_at__isnull=True, cancelled_at__isnull=True
        ).update(
            done_at=visited_at,
            visitor=visitor,
            method=method,
            attitude=attitude.strip(),
            performance=performance.strip(),
            outcome=outcome,
            notes=notes.strip(),
        )
        if not updated:
            raise services.CaseChanged(_("这次回访刚刚被其他人登记过，请刷新后再操作"))
        visit.refresh_from_db()
        payload = {"due_on": visit.due_on.isoformat(), "method": method, "outcome": outcome}
        services.append_event(case, actor, "return_visit", note=visit.performance, payload=payload)
        audit.record(
            actor=actor, action="disputes.return_visit_recorded", obj=visit, changes=payload
        )
        pending = case.return_visits.filter(done_at__isnull=True, cancelled_at__isnull=True)
        if outcome == ReturnVisit.Outcome.RELAPSED:
            _reopen_after_relapse(case, actor, visit, pending)
        elif pending.exists():
            pass
        elif outcome == ReturnVisit.Outcome.PARTLY:
            due_on = clocks.return_visit_schedule(
                case.risk, timezone.localdate(visited_at), policy.settings_for(case).time_limits
            )[0]
            extra = ReturnVisit.objects.create(case=case, agreement=visit.agreement, due_on=due_on)
            services.append_event(
                case, actor, "return_visit_scheduled", payload={"due_on": extra.due_on.isoformat()}
            )
        elif case.state in ("agreement", "follow_up"):
            services.transition(
                case=case, actor=actor, action="close", note=_("回访确认纠纷已化解")
            )
    visit.case = Case.objects.get(pk=case.pk)
    return visit


def _reopen_after_relapse(case: Case, actor, visit: ReturnVisit, pending: QuerySet) -> None:
    now = timezone.now()
    cancelled = [v.isoformat() for v in pending.values_list("due_on", flat=True)]
    pending.update(cancelled_at=now)
    risk = clocks.regrade_after_relapse(case.risk)
    changes: dict[str, object] = {"risk": risk}
    payload: dict[str, object] = {"risk": [case.risk, risk], "cancelled_visits": cancelled}
    level = max(case.level, rules.initial_level(risk))
    people, team = services.handlers_for(case, level)
    if level != case.level:
        changes.update(level=level, team=team)
        payload["level"] = [case.level, level]
    note = _("回访发现矛盾反复：%(notes)s") % {"notes": visit.performance}
    if case.state in rules.TRANSITIONS["reopen"][0]:
        changes.update(closed_at=None, resolved_at=None)
        case = services.transition(
            case=case, actor=actor, action="reopen", note=note, payload=payload, changes=changes
        )
    else:
        case = services.transition(
            case=case, actor=actor, action="regrade", note=note, payload=payload, changes=changes
        )
    if "level" in changes:
        case.handlers.set(people)


def _schedule_visits(case: Case, agreement: Agreement, effective_on: dt.date) -> list[ReturnVisit]:
    return [
        ReturnVisit.objects.create(case=case, agreement=agreement, due_on=due_on)
        for due_on in clocks.return_visit_schedule(
            case.risk, effective_on, policy.settings_for(case).time_limits
        )
    ]


# --- helpers -----------------------------------------------------------------------------


def _next_agreement_number(case: Case) -> str:
    """The case reference and the agreement's place on the case: 330699-2026-000123-1."""
    return f"{case.reference}-{Agreement.objects.filter(case=case).count() + 1}"


def _completed_on(agreement: Agreement) -> dt.date:
    """The day the last signature or the seal went on: when a written agreement takes effect."""
    days = list(agreement.signatures.values_list("signed_on", flat=True))
    if agreement.sealed_on:
        days.append(agreement.sealed_on)
    return max(days)
