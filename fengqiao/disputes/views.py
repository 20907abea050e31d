"""Staff pages for dispute cases: the worklist, the case page with its actions, the board.

Every read goes through ``disputes.selectors`` and every write through ``disputes.services``;
a refused action comes back on the same page, in the service's words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fengqiao.disputes import clocks, forms, mediation, paperwork, rules, selectors, services
from fengqiao.disputes.models import Case, JudicialConfirmation
from fengqiao.org.models import Person
from fengqiao.org.permissions import SEE_FULL_PHONE, roles_of
from fengqiao.org.selectors import people_for
from fengqiao.pages import render_page

PAGE_SIZE = 50
VIEW_CASE = "disputes.view_case"


@dataclass(frozen=True)
class Action:
    form: type[forms.ActionForm]
    run: Callable[..., Case]
    danger: bool = False


def _move(action: str) -> Callable[..., Case]:
    def run(*, case, actor, data):
        return services.transition(case=case, actor=actor, action=action, note=data["note"])

    return run


def _merge(*, case, actor, data):
    try:
        into = selectors.case_for_merge(actor, data["into"])
    except Http404:
        raise ValidationError({"into": _("目标案件不存在、不在您的辖区或已办结")}) from None
    return services.merge_case(case=case, actor=actor, into=into, reason=data["reason"])


# The actions the case page offers, in the order it shows them. Not here: ``reach_agreement``
# and ``start_follow_up`` follow from an agreement taking effect (``disputes.mediation``), so
# a button must not skip the agreement; ``reassign`` and ``reopen`` have no staff service.
ACTIONS: dict[str, Action] = {
    "accept": Action(
        forms.NoteForm,
        lambda *, case, actor, data: services.accept_case(
            case=case, actor=actor, note=data["note"]
        ),
    ),
    "investigate": Action(forms.NoteForm, _move("investigate")),
    "start_mediation": Action(forms.NoteForm, _move("start_mediation")),
    "fail_mediation": Action(forms.NoteForm, _move("fail_mediation")),
    "close": Action(forms.NoteForm, _move("close")),
    "escalate": Action(
        forms.ReasonForm,
        lambda *, case, actor, data: services.escalate_case(
            case=case, actor=actor, reason=data["reason"]
        ),
    ),
    "de_escalate": Action(
        forms.ReasonForm,
        lambda *, case, actor, data: services.de_escalate_case(
            case=case, actor=actor, reason=data["reason"]
        ),
    ),
    "regrade": Action(
        forms.RegradeForm,
        lambda *, case, actor, data: services.regrade_case(
            case=case, actor=actor, risk=data["risk"], reason=data["reason"]
        ),
    ),
    "pause": Action(
        forms.ReasonForm,
        lambda *, case, actor, data: services.pause_clock(
            case=case, actor=actor, reason=data["reason"]
        ),
    ),
    "resume": Action(
        forms.NoteForm,
        lambda *, case, actor, data: services.resume_clock(
            case=case, actor=actor, note=data["note"]
        ),
    ),
    "transfer": Action(
        forms.TransferForm,
        lambda *, case, actor, data: services.transfer_case(
            case=case, actor=actor, body=data["body"], reason=data["reason"]
        ),
        danger=True,
    ),
    "withdraw": Action(
        forms.ReasonForm,
        lambda *, case, actor, data: services.withdraw_case(
            case=case, actor=actor, reason=data["reason"]
        ),
        danger=True,
    ),
    "merge": Action(forms.MergeForm, _merge, danger=True),
}


def _possible_now(case: Case, action: str) -> bool:
    """Whether the case's state (and level, and clock) allows ``action`` at all."""
    sources, _target = rules.TRANSITIONS[action]
    if case.state not in sources:
        return False
    if action == "escalate":
        return case.level < 3
    if action == "de_escalate":
        return case.level > 1
    if action == "pause":
        return case.paused_since is None
    if action == "resume":
        return case.paused_since is not None
    return True


def actions_for(user, case: Case) -> list[str]:
    """The actions legal on the case now that this user may take (handlers prefetched)."""
    if not user.has_perm(services.CHANGE_CASE):
        return []
    roles = roles_of(user)
    is_handler = any(person.user_id == user.pk for person in case.handlers.all())
    return [
        action
        for action in ACTIONS
        if _possible_now(case, action)
        and rules.may_act(roles, action, level=case.level, is_handler=is_handler)
    ]


def _case_context(
    request,
    case: Case,
    *,
    failed: tuple[str, forms.ActionForm] | None = None,
    step_failed: tuple[str, str, object] | None = None,
):
    user = request.user
    events = selectors.timeline_of(case)
    panel = []
    for action in actions_for(user, case):
        if failed and failed[0] == action:
            form = failed[1]
        else:
            initial = {"version": case.version, "risk": case.risk}
            form = ACTIONS[action].form(initial=initial, prefix=action)
        panel.append(
            {
                "code": action,
                "label": forms.ACTION_LABELS[action],
                "form": form,
                "danger": ACTIONS[action].danger,
                "open": bool(failed and failed[0] == action),
            }
        )
    case_clocks = selectors.clocks_of(case, events)
    return {
        "case": case,
        "events": events,
        "clocks": case_clocks,
        "overdue": bool(clocks.overdue_now(case_clocks)),
        "parties": case.parties.all(),
        "handlers": case.handlers.all(),
        "actions": panel,
        "full_details": user.has_perm(SEE_FULL_PHONE),
        "may_see_board": selectors.may_see_board(user),
        "mediation": _mediation_context(user, case, step_failed),
    }


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
def case_list(request):
    """My worklist: the cases in my jurisdiction, filtered; ground roles start with mine."""
    user = request.user
    default_whose = "mine" if selectors.is_ground_worker(user) else "all"
    form = forms.CaseFilterForm(request.GET, default_whose=default_whose)
    page = Paginator(selectors.cases_for(user, **form.filters()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page": page, "may_see_board": selectors.may_see_board(user)}
    return render_page(
        request, "disputes/case_list.html", context, fragment="disputes/_case_rows.html"
    )


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
def case_detail(request, reference: str):
    case = selectors.get_case_for(request.user, reference)
    return render_page(
        request,
        "disputes/case_detail.html",
        _case_context(request, case),
        fragment="disputes/_case_body.html",
    )


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
@require_POST
def case_act(request, reference: str, action: str):
    """Take ``action`` on the case through its service.

    Success: htmx gets the refreshed case body, a plain form post is redirected to the case
    page. Refusal: the case body again with the service's message in the actions panel
    (htmx swaps only 2xx answers, so it gets 200; a plain post gets 400, 403 or 409).
    """
    user = request.user
    case = selectors.get_case_for(user, reference)
    if action not in ACTIONS:
        raise Http404
    form = ACTIONS[action].form(request.POST, prefix=action)
    status = 400
    try:
        if not form.is_valid():
            raise ValidationError(_("请检查填写的内容"))
        if form.cleaned_data["version"] != case.version:
            raise services.CaseChanged(_("这个案件刚刚被其他人修改过，请刷新后再操作"))
        ACTIONS[action].run(case=case, actor=user, data=form.cleaned_data)
    except services.CaseChanged as exc:
        status = 409
        _add_errors(form, exc)
    except ValidationError as exc:
        _add_errors(form, exc)
    except PermissionDenied as exc:
        status = 403
        form.add_error(None, str(exc) or _("您没有办理这个案件的权限"))
    else:
        notice = _("已完成：%(action)s") % {"action": forms.ACTION_LABELS[action]}
        if not request.htmx:
            messages.success(request, notice)
            return redirect("disputes:case", reference=case.reference)
        case = selectors.get_case_for(user, reference)
        context = {**_case_context(request, case), "notice": notice}
        return render(request, "disputes/_case_body.html", context)
    case = selectors.get_case_for(user, reference)
    context = {
        **_case_context(request, case, failed=(action, form)),
        "errors": form.non_field_errors() or [_("请检查填写的内容")],
        "failed_label": forms.ACTION_LABELS[action],
    }
    if request.htmx:
        return render(request, "disputes/_case_body.html", context)
    return render(request, "disputes/case_detail.html", context, status=status)


def _add_errors(form: forms.ActionForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        if not form.errors:
            form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
def board(request):
    """The station chief's board: red, overdue, awaiting a team, nearing one month."""
    if not selectors.may_see_board(request.user):
        raise PermissionDenied
    titles = {
        "red": _("红色案件"),
        "overdue": _("超时案件"),
        "awaiting_team": _("已上报三级、等待调解团队"),
        "near_month": _("临近一个月调解期限"),
    }
    sections = [(titles[s.key], s) for s in selectors.board_for(request.user)]
    context = {"sections": sections}
    return render(request, "disputes/board.html", context)


# --- mediation on the case page ----------------------------------------------------------------
# Sessions, the agreement and its signatures, performance, judicial confirmation and return
# visits: each form posts to ``mediation_step``, which calls the one service of that step.

# People with these roles in the reader's jurisdiction may be named as a session's mediators,
# besides the case's handlers, its team and the reader.
MEDIATOR_ROLES = ("mediator", "lawyer", "judicial_officer")
# States in which a session may be recorded (the first one starts mediation).
SESSION_STATES = frozenset({"accepted", "investigating", "failed", "mediating"})


def may_mediate(user, case: Case) -> bool:
    """Whether the user may record mediation on the case: the actions panel's rule, for the
    work that ``disputes.mediation`` guards with ``reach_agreement`` (handlers prefetched)."""
    if not user.has_perm(services.CHANGE_CASE):
        return False
    is_handler = any(person.user_id == user.pk for person in case.handlers.all())
    return rules.may_act(roles_of(user), "reach_agreement", level=case.level, is_handler=is_handler)


def mediator_choices(user, case: Case) -> QuerySet[Person]:
    """Whom a session may name as mediators: handlers, the case's team, people in scope with
    a mediating role, and the reader."""
    ids = {person.pk for person in case.handlers.all()}
    if case.team_id:
        ids |= set(case.team.members.values_list("pk", flat=True))
    ids |= set(people_for(user).filter(roles__code__in=MEDIATOR_ROLES).values_list("pk", flat=True))
    own = getattr(user, "person", None)
    if own is not None:
        ids.add(own.pk)
    return Person.objects.filter(pk__in=ids, active=True).order_by("name", "id")


def _signers(case: Case, records: paperwork.CaseRecords) -> list[dict]:
    """Who signs the pending agreement: every party, then everyone who mediated the case."""
    agreement = records.agreement
    by_party = {s.party_id: s for s in agreement.signatures.all() if s.party_id}
    by_person = {s.person_id: s for s in agreement.signatures.all() if s.person_id}
    signers = [
        {
            "key": f"party-{party.pk}",
            "name": party.name,
            "role": party.get_role_display(),
            "signature": by_party.get(party.pk),
        }
        for party in case.parties.all()
    ]
    mediators: list[Person] = []
    for session in records.sessions:
        mediators += [p for p in session.mediators.all() if p not in mediators]
    mediators += [p for p in case.handlers.all() if p not in mediators]
    signers += [
        {
            "key": f"person-{person.pk}",
            "name": person.name,
            "role": _("调解员"),
            "signature": by_person.get(person.pk),
        }
        for person in mediators
    ]
    return signers


def _mediation_context(user, case: Case, failed: tuple[str, str, object] | None) -> dict:
    """The mediation sections: records for every reader, forms for those who may act."""
    records = paperwork.records_of(case)
    agreement = records.agreement
    today = timezone.localdate()

    def form(step: str, target: str, build: Callable[[], object]):
        if failed and failed[0] == step and failed[1] == target:
            return failed[2]
        return build()

    context: dict = {
        "records": records,
        "agreement": agreement,
        "acting": may_mediate(user, case),
        "open_step": f"{failed[0]}-{failed[1]}" if failed else "",
        "visits": [{"visit": v} for v in records.visits],
    }
    pending = agreement if agreement is not None and agreement.effective_on is None else None
    effective = agreement if agreement is not None and agreement.effective_on else None
    if effective is not None:
        context["window"] = mediation.judicial_window(effective, today)
        context["terms"] = [{"term": term} for term in effective.terms.all()]
    if not context["acting"]:
        return context

    if case.state in SESSION_STATES:
        now = timezone.localtime().replace(second=0, microsecond=0)
        context["session_form"] = form(
            "session",
            "",
            lambda: forms.SessionForm(
                prefix="session", mediators=mediator_choices(user, case), initial={"held_at": now}
            ),
        )
    if case.state == "mediating" and pending is None:
        context["draft_form"] = form(
            "draft", "", lambda: forms.AgreementForm(prefix="draft", parties=case.parties.all())
        )
    if pending is not None and not pending.oral:
        signers = _signers(case, records)
        for signer in signers:
            if signer["signature"] is None:
                key = signer["key"]
                signer["form"] = form(
                    "sign",
                    key,
                    lambda key=key: forms.SignForm(
                        prefix=f"sign-{key}", initial={"signed_on": today}
                    ),
                )
        context["signers"] = signers
        context["missing"] = mediation.missing_for_effect(pending)
        if not pending.seal_applied:
            context["seal_form"] = form(
                "seal", "", lambda: forms.SealForm(prefix="seal", initial={"sealed_on": today})
            )
        context["effect_form"] = form("effect", "", lambda: forms.EffectForm(prefix="effect"))
    if effective is not None:
        confirmation = records.confirmation
        if confirmation is None and context["window"].open:
            context["judicial_form"] = form(
                "judicial",
                "",
                lambda: forms.JudicialForm(prefix="judicial", initial={"applied_on": today}),
            )
        elif (
            confirmation is not None and confirmation.ruling == JudicialConfirmation.Ruling.PENDING
        ):
            context["ruling_form"] = form(
                "ruling",
                "",
                lambda: forms.RulingForm(prefix="ruling", initial={"ruling_on": today}),
            )
        for row in context["terms"]:
            term = row["term"]
            if term.performed_on is None:
                row["open"] = bool(failed and failed[:2] == ("perform", str(term.pk)))
                row["form"] = form(
                    "perform",
                    str(term.pk),
                    lambda term=term: forms.PerformanceForm(
                        prefix=f"perform-{term.pk}", initial={"performed_on": today}
                    ),
                )
    for row in context["visits"]:
        visit = row["visit"]
        if visit.pending:
            row["open"] = bool(failed and failed[:2] == ("visit", str(visit.pk)))
            row["form"] = form(
                "visit",
                str(visit.pk),
                lambda visit=visit: forms.VisitForm(prefix=f"visit-{visit.pk}"),
            )
    return context


@dataclass
class Step:
    """A bound form and the service call that runs once it is valid."""

    form: object
    run: Callable[[], object]


def _session_step(request, case: Case, target: str) -> Step:
    form = forms.SessionForm(
        request.POST, prefix="session", mediators=mediator_choices(request.user, case)
    )

    def run():
        data = form.cleaned_data
        return mediation.record_session(
            case=case,
            actor=request.user,
            held_at=data["held_at"],
            place=data["place"],
            mediators=data["mediators"],
            attendees=data["attendees"],
            record=data["record"],
            outcome=data["outcome"],
            failure_reason=data["failure_reason"],
        )

    return Step(form, run)


def _draft_step(request, case: Case, target: str) -> Step:
    form = forms.AgreementForm(request.POST, prefix="draft", parties=case.parties.all())

    def run():
        data = form.cleaned_data
        return mediation.draft_agreement(
            case=case,
            actor=request.user,
            committee=data["committee"],
            facts=data["facts"],
            issues=data["issues"],
            responsibility=data["responsibility"],
            breach_clause=data["breach_clause"],
            oral=data["oral"],
            terms=form.cleaned_terms(),
        )

    return Step(form, run)


def _pending_agreement(case: Case):
    agreement = paperwork.records_of(case).agreement
    if agreement is None or agreement.effective_on is not None:
        raise Http404
    return agreement


def _effective_agreement(case: Case):
    agreement = paperwork.records_of(case).agreement
    if agreement is None or agreement.effective_on is None:
        raise Http404
    return agreement


def _sign_step(request, case: Case, target: str) -> Step:
    agreement = _pending_agreement(case)
    kind, _dash, pk = target.partition("-")
    if kind == "party":
        signer = case.parties.filter(pk=pk if pk.isdigit() else None).first()
    elif kind == "person":
        signer = Person.objects.filter(pk=pk if pk.isdigit() else None).first()
    else:
        signer = None
    if signer is None:
        raise Http404
    form = forms.SignForm(request.POST, prefix=f"sign-{target}")

    def run():
        data = form.cleaned_data
        return mediation.sign_agreement(
            agreement=agreement,
            actor=request.user,
            signer=signer,
            method=data["method"],
            signed_on=data["signed_on"],
        )

    return Step(form, run)


def _seal_step(request, case: Case, target: str) -> Step:
    agreement = _pending_agreement(case)
    form = forms.SealForm(request.POST, prefix="seal")
    return Step(
        form,
        lambda: mediation.apply_seal(
            agreement=agreement, actor=request.user, sealed_on=form.cleaned_data["sealed_on"]
        ),
    )


def _effect_step(request, case: Case, target: str) -> Step:
    agreement = _pending_agreement(case)
    form = forms.EffectForm(request.POST, prefix="effect")
    return Step(form, lambda: mediation.take_effect(agreement=agreement, actor=request.user))


def _judicial_step(request, case: Case, target: str) -> Step:
    agreement = _effective_agreement(case)
    form = forms.JudicialForm(request.POST, prefix="judicial")

    def run():
        data = form.cleaned_data
        return mediation.record_judicial_confirmation(
            agreement=agreement,
            actor=request.user,
            applied_on=data["applied_on"],
            court=data["court"],
            ruling=data["ruling"],
            ruling_on=data["ruling_on"],
        )

    return Step(form, run)


def _ruling_step(request, case: Case, target: str) -> Step:
    confirmation = paperwork.records_of(case).confirmation
    if confirmation is None:
        raise Http404
    form = forms.RulingForm(request.POST, prefix="ruling")
    return Step(
        form,
        lambda: mediation.record_judicial_ruling(
            confirmation=confirmation,
            actor=request.user,
            ruling=form.cleaned_data["ruling"],
            ruling_on=form.cleaned_data["ruling_on"],
        ),
    )


def _perform_step(request, case: Case, target: str) -> Step:
    agreement = _effective_agreement(case)
    term = agreement.terms.filter(pk=target if target.isdigit() else None).first()
    if term is None:
        raise Http404
    form = forms.PerformanceForm(request.POST, prefix=f"perform-{target}")
    return Step(
        form,
        lambda: mediation.record_performance(
            term=term,
            actor=request.user,
            performed_on=form.cleaned_data["performed_on"],
            evidence=form.cleaned_data["evidence"],
        ),
    )


def _visit_step(request, case: Case, target: str) -> Step:
    visit = case.return_visits.filter(pk=target if target.isdigit() else None).first()
    if visit is None:
        raise Http404
    form = forms.VisitForm(request.POST, prefix=f"visit-{target}")

    def run():
        data = form.cleaned_data
        return mediation.record_return_visit(
            visit=visit,
            actor=request.user,
            method=data["method"],
            performance=data["performance"],
            outcome=data["outcome"],
            attitude=data["attitude"],
            notes=data["notes"],
        )

    return Step(form, run)


MEDIATION_STEPS: dict[str, Callable[..., Step]] = {
    "session": _session_step,
    "draft": _draft_step,
    "sign": _sign_step,
    "seal": _seal_step,
    "effect": _effect_step,
    "judicial": _judicial_step,
    "ruling": _ruling_step,
    "perform": _perform_step,
    "visit": _visit_step,
}


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
@require_POST
def mediation_step(request, reference: str, step: str):
    """One step of mediation on the case, through its service (``disputes.mediation``).

    The record a step works on (a signer, a term, a visit) is named by the ``target`` field
    and looked up on this case only. Answers as ``case_act`` does: htmx gets the refreshed
    case body (200 even when refused, with the errors next to the fields), a plain post a
    redirect or the page with 400, 403 or 409.
    """
    user = request.user
    case = selectors.get_case_for(user, reference)
    if step not in MEDIATION_STEPS:
        raise Http404
    target = request.POST.get("target", "")
    prepared = MEDIATION_STEPS[step](request, case, target)
    form = prepared.form
    status = 400
    try:
        if not form.is_valid():
            raise ValidationError(_("请检查填写的内容"))
        prepared.run()
    except services.CaseChanged as exc:
        status = 409
        _add_errors(form, exc)
    except ValidationError as exc:
        _add_errors(form, exc)
    except PermissionDenied as exc:
        status = 403
        form.add_error(None, str(exc) or _("您没有办理这个案件的权限"))
    else:
        notice = _("已完成：%(action)s") % {"action": forms.MEDIATION_LABELS[step]}
        if not request.htmx:
            messages.success(request, notice)
            return redirect("disputes:case", reference=case.reference)
        case = selectors.get_case_for(user, reference)
        context = {**_case_context(request, case), "notice": notice}
        return render(request, "disputes/_case_body.html", context)
    case = selectors.get_case_for(user, reference)
    context = _case_context(request, case, step_failed=(step, target, form))
    if request.htmx:
        return render(request, "disputes/_case_body.html", context)
    return render(request, "disputes/case_detail.html", context, status=status)


# --- printable paperwork -----------------------------------------------------------------------

PRINTS: dict[str, Callable[..., bytes]] = {
    "file": paperwork.print_case_file,
    "agreement": paperwork.print_agreement,
    "intake": paperwork.print_intake_register,
}


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
@require_GET
def case_pdf(request, reference: str, document: str):
    """A PDF of the case's paperwork (the whole file, the agreement, the intake register),
    inline, named by the reference; the print is written to the audit trail."""
    case = selectors.get_case_for(request.user, reference)
    data = PRINTS[document](case=case, actor=request.user)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.reference}-{document}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
