"""Hand-offs that come back (转办) and referrals (转介): writes and reads.

A matter that is not police work (a fallen tree, a dark street lamp, a blocked drain, the
property company's services, unpaid wages) is handed to the body that owns it with a time
limit; the body answers on its own page (a member of its ``org.Team`` of kind AGENCY, role
``agency_staff``) or the officer records the answer. While a hand-off that pauses the clock
is pending the case's clocks stand still (``services.pause_clock``); the last answer starts
them again. A referral sends a party to legal aid or psychological counselling and records
the outcome; it does not pause the clock unless asked to.

Writes check the actor and the case's scope themselves; reads for the agency's own page go
by team membership, never by the case's place, so the body sees its hand-offs and nothing
else of the case (no parties, no numbers).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.disputes import rules, services
from fengqiao.disputes.models import Case, Handoff
from fengqiao.org.models import Team
from fengqiao.org.permissions import roles_of
from fengqiao.org.scope import person_of
from fengqiao.places.models import PATH_SEPARATOR
from fengqiao.privacy import hide_numbers, mask_numbers

VIEW_HANDOFF = "disputes.view_handoff"
CHANGE_HANDOFF = "disputes.change_handoff"
# The case-side action ``rules.may_act`` is asked about: whoever may make the case wait
# (pause its clock) at its level may hand a matter off, recall it or record its answer.
ACTION = "pause"
AGENCY_ROLE = "agency_staff"
# A body is given at least until tomorrow and at most two months to answer.
LONGEST_WAIT = dt.timedelta(days=60)

Kind = Handoff.Kind
Body = Handoff.Body
# Which bodies each kind goes to ("other" either way: a body not on the list).
BODIES_FOR: dict[str, frozenset[str]] = {
    Kind.HANDOFF: frozenset(
        {
            Body.STREET_OFFICE,
            Body.TOWNSHIP_DEPARTMENT,
            Body.PROPERTY_COMPANY,
            Body.LABOUR_INSPECTION,
            Body.OTHER,
        }
    ),
    Kind.REFERRAL: frozenset({Body.LEGAL_AID, Body.COUNSELLING, Body.OTHER}),
}
KIND_EVENTS = {Kind.HANDOFF: "handoff", Kind.REFERRAL: "referral"}


# --- writes ----------------------------------------------------------------------------


def hand_off(
    *,
    case: Case,
    actor,
    kind: str,
    body: str,
    request: str,
    due_on: dt.date,
    team: Team | None = None,
    body_name: str = "",
    pauses_clock: bool | None = None,
    version: int | None = None,
) -> Handoff:
    """Hand the matter to ``body`` (or refer a party to it) with an answer due by ``due_on``.

    ``team`` is the body's account group (an AGENCY team serving the case's place), so its
    staff answer on their own page; without one, ``body_name`` names the body and the
    officer records its answer. A hand-off pauses the case's clocks by default (a referral
    does not); an open case already paused stays as it is. ``version`` is the case version
    the actor saw: a doubled or stale post is refused as changed meanwhile.
    """
    services.ensure_may(actor, case, ACTION)
    if kind not in BODIES_FOR:
        raise ValidationError({"kind": _("请选择转办或转介")})
    if pauses_clock is None:
        pauses_clock = kind == Kind.HANDOFF
    errors: dict[str, str] = {}
    if body not in BODIES_FOR[kind]:
        errors["body"] = (
            _("转办的承办单位请选择街道、职能部门、物业或劳动保障监察")
            if kind == Kind.HANDOFF
            else _("转介请选择法律援助中心或心理咨询")
        )
    if team is not None and team not in agency_teams_for(case):
        errors["team"] = _("所选单位不是服务这个地点的协办单位")
    body_name = (body_name.strip() or (team.name if team else ""))[:120]
    if not body_name:
        errors["body_name"] = _("请填写承办单位名称")
    request = request.strip()
    if not request:
        errors["request"] = _("请写明转办事项")
    today = timezone.localdate()
    if due_on is None or not today < due_on <= today + LONGEST_WAIT:
        errors["due_on"] = _("答复期限须在明天到 60 天之内")
    if case.state in rules.ENDED_STATES:
        errors["kind"] = _("案件已办结，不能再转办转介")
    if errors:
        raise ValidationError(errors)
    if version is not None and version != case.version:
        raise services.CaseChanged(_("这个案件刚刚被其他人修改过，请刷新后再操作"))
    with transaction.atomic():
        handoff = Handoff(
            case=case,
            kind=kind,
            body=body,
            body_name=body_name,
            team=team,
            request=request,
            due_on=due_on,
            sent_at=timezone.now(),
            sent_by=person_of(actor),
            pauses_clock=pauses_clock,
        )
        handoff.full_clean(exclude=["case", "team", "sent_by"])
        pauses_now = pauses_clock and case.state in rules.OPEN_STATES and case.paused_since is None
        if pauses_now:
            # The conditional update on the case's version: a second, doubled post loses.
            services.pause_clock(
                case=case,
                actor=actor,
                reason=_("等待%(body)s答复") % {"body": body_name},
            )
        else:
            _touch(case)
        handoff.save()
        services.append_event(
            case,
            actor,
            KIND_EVENTS[kind],
            note=request,
            payload={
                "handoff": handoff.pk,
                "body": body_name,
                "due_on": due_on.isoformat(),
                "paused_clock": pauses_now,
            },
        )
        audit.record(
            actor=actor,
            action=f"disputes.{KIND_EVENTS[kind]}",
            obj=handoff,
            changes={"case": case.reference, "body": body_name, "due_on": due_on.isoformat()},
        )
    return handoff


def answer(
    *, handoff: Handoff, actor, answer: str, outcome: str, answered_by_name: str = ""
) -> Handoff:
    """Record the body's answer, once. The body's own staff answer on their page; an
    officer who may work the case records an answer given by phone or on paper
    (``answered_by_name``: who gave it). The handlers and the sender are told; when no
    pausing hand-off is left pending, the case's clocks start again."""
    case = handoff.case
    by_body = is_agency_member(actor, handoff)
    if not by_body:
        services.ensure_may(actor, case, ACTION)
    errors = {}
    if not answer.strip():
        errors["answer"] = _("请填写答复内容")
    if outcome not in Handoff.Outcome.values:
        errors["outcome"] = _("请选择办理结果")
    if errors:
        raise ValidationError(errors)
    person = person_of(actor)
    name = answered_by_name.strip() or (person.name if person else "") or actor.get_username()
    if by_body:
        name = f"{handoff.body_name} {name}"
    now = timezone.now()
    with transaction.atomic():
        # Conditional on still pending: a doubled post or a second answerer gets a refusal.
        updated = Handoff.objects.filter(
            pk=handoff.pk, answered_at__isnull=True, cancelled_at__isnull=True
        ).update(
            answer=answer.strip(), outcome=outcome, answered_at=now, answered_by_name=name[:150]
        )
        if not updated:
            raise ValidationError(_("这件转办已经答复或已撤回，不能再次答复"))
        handoff.refresh_from_db()
        services.append_event(
            case,
            actor,
            f"{KIND_EVENTS[handoff.kind]}_answered",
            note=answer,
            payload={
                "handoff": handoff.pk,
                "body": handoff.body_name,
                "outcome": outcome,
                "by": name,
            },
        )
        audit.record(
            actor=actor,
            action="disputes.handoff_answered",
            obj=handoff,
            changes={"case": case.reference, "outcome": outcome, "by_body": by_body},
        )
        services.notify(
            _people_to_tell(handoff),
            case,
            f"handoff_answered:{handoff.pk}",
            _("%(ref)s：%(body)s已答复（%(outcome)s）")
            % {
                "ref": case.reference,
                "body": handoff.body_name,
                "outcome": handoff.get_outcome_display(),
            },
        )
        _resume_when_none_pending(case, actor, may_work_case=not by_body)
    return handoff


def cancel(*, handoff: Handoff, actor, reason: str) -> Handoff:
    """Withdraw a pending hand-off (sent to the wrong body, settled meanwhile); the case's
    clocks start again when it was the last pausing one."""
    case = handoff.case
    services.ensure_may(actor, case, ACTION)
    if not reason.strip():
        raise ValidationError({"reason": _("撤回转办必须说明理由")})
    with transaction.atomic():
        updated = Handoff.objects.filter(
            pk=handoff.pk, answered_at__isnull=True, cancelled_at__isnull=True
        ).update(cancelled_at=timezone.now())
        if not updated:
            raise ValidationError(_("这件转办已经答复或已撤回"))
        handoff.refresh_from_db()
        services.append_event(
            case,
            actor,
            f"{KIND_EVENTS[handoff.kind]}_cancelled",
            note=reason,
            payload={"handoff": handoff.pk, "body": handoff.body_name},
        )
        audit.record(
            actor=actor,
            action="disputes.handoff_cancelled",
            obj=handoff,
            changes={"case": case.reference, "reason": reason.strip()},
        )
        _resume_when_none_pending(case, actor, may_work_case=True)
    return handoff


def check_overdue_handoffs(*, today: dt.date | None = None) -> list[int]:
    """Tell the case's handlers and the sender, once, of every pending hand-off past its
    time limit (the same key is sent once per person). A background job: every place."""
    today = today or timezone.localdate()
    overdue = (
        Handoff.objects.unscoped_for_jobs()
        .filter(pending_q(), due_on__lt=today)
        .select_related("case", "sent_by")
        .prefetch_related("case__handlers")
    )
    told = []
    for handoff in overdue:
        services.notify(
            _people_to_tell(handoff),
            handoff.case,
            f"handoff_overdue:{handoff.pk}",
            _("%(ref)s：%(body)s逾期未答复（期限%(due)s），请催办")
            % {
                "ref": handoff.case.reference,
                "body": handoff.body_name,
                "due": handoff.due_on.isoformat(),
            },
        )
        told.append(handoff.pk)
    return told


def _touch(case: Case) -> None:
    """Bump the case's version under the condition that nobody changed it meanwhile."""
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(version=F("version") + 1)
    if not updated:
        raise services.CaseChanged(_("这个案件刚刚被其他人修改过，请刷新后再操作"))
    case.version += 1


def _people_to_tell(handoff: Handoff) -> list:
    people = list(handoff.case.handlers.all())
    if handoff.sent_by is not None:
        people.append(handoff.sent_by)
    return list(dict.fromkeys(people))


def _resume_when_none_pending(case: Case, actor, *, may_work_case: bool) -> None:
    """Start the clocks again if hand-offs paused them and none that pauses is pending.

    A pause the officer made by hand (waiting on a party) is left alone: only a pause
    begun by a hand-off (its timeline entry says ``paused_clock``) is ended here.
    """
    case.refresh_from_db(fields=["paused_since", "version", "state"])
    if case.paused_since is None or case.state not in rules.OPEN_STATES:
        return
    if case.handoffs.filter(pending_q(), pauses_clock=True).exists():
        return
    last_pause = case.events.filter(kind="pause").order_by("-pk").first()
    began_by_handoff = case.events.filter(
        kind__in=list(KIND_EVENTS.values()),
        payload__paused_clock=True,
        pk__gt=last_pause.pk if last_pause else 0,
    ).exists()
    if not began_by_handoff:
        return
    note = _("转办答复已回，恢复计时")
    if may_work_case:
        services.resume_clock(case=case, actor=actor, note=note)
        return
    # The body's staff may not work the case, so ``resume_clock`` (which asks
    # ``ensure_may``) would refuse them: the answer itself is what ends the wait.
    try:
        services.resume_unchecked(case=case, actor=actor, note=note, by="handoff_answer")
    except services.CaseChanged:
        return  # someone resumed or changed the case meanwhile; its clocks are theirs


# --- reads -----------------------------------------------------------------------------


def pending_q() -> Q:
    return Q(answered_at__isnull=True, cancelled_at__isnull=True)


def may_hand_off(user, case: Case) -> bool:
    """Whether the case page offers ``user`` to hand off, refer, recall or record answers."""
    try:
        services.ensure_may(user, case, ACTION)
    except PermissionDenied:
        return False
    return True


def is_overdue(handoff: Handoff, today: dt.date | None = None) -> bool:
    return handoff.pending and handoff.due_on < (today or timezone.localdate())


def handoffs_of(case: Case) -> list[Handoff]:
    """The case's hand-offs and referrals, newest first (the case is already in scope)."""
    return list(case.handoffs.select_related("team", "sent_by"))


def agency_teams_for(case: Case) -> QuerySet[Team]:
    """The AGENCY teams serving the case's place (its grid or any region above it)."""
    codes = [code for code in case.grid.path.split(PATH_SEPARATOR) if code]
    paths = [
        PATH_SEPARATOR + PATH_SEPARATOR.join(codes[: i + 1]) + PATH_SEPARATOR
        for i in range(len(codes))
    ]
    return Team.objects.filter(kind=Team.Kind.AGENCY, region__path__in=paths).order_by(
        "-region__depth", "name"
    )


def is_agency_member(user, handoff: Handoff) -> bool:
    """Whether ``user`` answers for the body the hand-off is addressed to."""
    if handoff.team_id is None or not user.has_perm(CHANGE_HANDOFF):
        return False
    if AGENCY_ROLE not in roles_of(user):
        return False
    person = person_of(user)
    return person is not None and handoff.team.members.filter(pk=person.pk).exists()


def handoffs_addressed_to(user, *, state: str = "pending") -> QuerySet[Handoff]:
    """The agency page's list: hand-offs addressed to the user's own AGENCY teams, never by
    the case's place (the body sees only what was sent to it). ``state``: pending,
    answered or all."""
    person = person_of(user)
    if person is None or not user.has_perm(VIEW_HANDOFF) or AGENCY_ROLE not in roles_of(user):
        return Handoff.objects.none()
    handoffs = (
        Handoff.objects.unscoped_for_jobs()
        .filter(team__kind=Team.Kind.AGENCY, team__members=person, cancelled_at__isnull=True)
        .select_related("case__grid", "team")
        .order_by("due_on", "-sent_at", "-pk")
    )
    if state == "pending":
        return handoffs.filter(answered_at__isnull=True)
    if state == "answered":
        return handoffs.filter(answered_at__isnull=False).order_by("-answered_at", "-pk")
    return handoffs


def get_handoff_for_agency(user, pk) -> Handoff:
    """One hand-off addressed to the user's team, else 404 (missing and foreign alike)."""
    try:
        return handoffs_addressed_to(user, state="all").get(pk=pk)
    except (Handoff.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_handoff_of_case(case: Case, pk) -> Handoff:
    """One hand-off of a case the reader already sees, else 404."""
    try:
        return case.handoffs.select_related("team", "case").get(pk=pk)
    except (Handoff.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def request_for_body(handoff: Handoff) -> str:
    """The request as the body reads it: numbers masked (the officer may have typed one)."""
    return mask_numbers(handoff.request)


def public_answers(case: Case) -> list[dict]:
    """What the resident may read on the report's public status page: each answered
    hand-off and referral, by kind of body, with its outcome and answer (numbers hidden),
    and the pending ones as "waiting for the body's answer". No names of people."""
    rows = []
    for handoff in case.handoffs.filter(cancelled_at__isnull=True).order_by("sent_at", "pk"):
        rows.append(
            {
                "kind": handoff.get_kind_display(),
                "body": handoff.get_body_display(),
                "sent_on": timezone.localtime(handoff.sent_at).date(),
                "due_on": handoff.due_on,
                "answered": handoff.answered_at is not None,
                "answered_on": (
                    timezone.localtime(handoff.answered_at).date() if handoff.answered_at else None
                ),
                "outcome": handoff.get_outcome_display() if handoff.outcome else "",
                "answer": hide_numbers(handoff.answer),
            }
        )
    return rows
