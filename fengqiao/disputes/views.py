"""Staff pages for dispute cases: the worklist, the case page with its actions, the board.

Every read goes through ``disputes.selectors`` and every write through ``disputes.services``
(mediation's through ``disputes.mediation.services``); a refused action or mediation step
comes back on the same page, in the service's words, answered by one runner (``_answer_step``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.disputes import (
    clocks,
    forms,
    moves,
    policy,
    rules,
    selectors,
    services,
    supervision,
    verification,
    watch,
)
from fengqiao.disputes.mediation.panel import mediation_context
from fengqiao.disputes.mediation.views import MEDIATION_STEPS
from fengqiao.disputes.models import Case
from fengqiao.org.permissions import REVEAL_IDENTITY
from fengqiao.pages import render_page, wants_fragment
from fengqiao.registry import reveals

PAGE_SIZE = 50
VIEW_CASE = selectors.VIEW_CASE


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
    "close": Action(
        forms.NoteForm,
        lambda *, case, actor, data: services.close_or_verify(
            case=case, actor=actor, note=data["note"]
        ),
    ),
    "verify": Action(
        forms.NoteForm,
        lambda *, case, actor, data: verification.verify_case(
            case=case, actor=actor, note=data["note"]
        ),
    ),
    "reject_verification": Action(
        forms.ReasonForm,
        lambda *, case, actor, data: verification.reject_verification(
            case=case, actor=actor, reason=data["reason"]
        ),
        danger=True,
    ),
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
            case=case,
            actor=actor,
            body=data["body"],
            reason=data["reason"],
            kind=data["kind"],
            court_number=data["court_number"],
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
    "supervise": Action(
        forms.SuperviseForm,
        lambda *, case, actor, data: supervision.issue_supervision(
            case=case,
            actor=actor,
            reason=data["reason"],
            due_on=data["due_on"],
            card=data["card"],
            person=data["person"],
        ),
    ),
    "answer_supervision": Action(
        forms.AnswerSupervisionForm,
        lambda *, case, actor, data: supervision.answer_supervision(
            order=data["supervision"], actor=actor, answer=data["answer"]
        ),
    ),
    "close_supervision": Action(
        forms.CloseSupervisionForm,
        lambda *, case, actor, data: supervision.close_supervision(
            order=data["supervision"], actor=actor, note=data["note"]
        ),
    ),
    "name_leader": Action(
        forms.LeaderForm,
        lambda *, case, actor, data: supervision.name_leader(
            case=case, actor=actor, leader=data["leader"], reason=data["reason"]
        ),
    ),
}


# Actions on a case's supervision orders rather than on the case: not in the state table.
def actions_for(user, case: Case) -> list[str]:
    """The actions legal on the case now that this user may take (handlers and orders
    prefetched by the case page)."""
    if not user.has_perm(services.CHANGE_CASE):
        return []
    return [action for action in ACTIONS if moves.may_now(user, case, action)]


def _label(case: Case, action: str) -> str:
    """The button's words; closing a case that must be verified says so."""
    if action == "close" and services.needs_verification(case):
        return str(forms.ACTION_LABELS["request_verification"])
    return str(forms.ACTION_LABELS[action])


def _case_context(
    request,
    case: Case,
    *,
    failed: tuple[str, forms.ActionForm] | None = None,
    step_failed: tuple[str, str, object] | None = None,
):
    user = request.user
    supervision.load_ladder(case)
    events = selectors.timeline_of(case)
    panel = []
    for action in actions_for(user, case):
        if failed and failed[0] == action:
            form = failed[1]
        else:
            initial = {"version": case.version, "risk": case.risk, "leader": case.leader_id}
            form = ACTIONS[action].form(initial=initial, prefix=action, case=case, user=user)
        panel.append(
            {
                "code": action,
                "label": _label(case, action),
                "form": form,
                "danger": ACTIONS[action].danger,
                "open": bool(failed and failed[0] == action),
            }
        )
    case_clocks = selectors.clocks_of(case, events)
    return {
        "case": case,
        # An ended case's page is its record: every section folds (see _case_body.html).
        "ended": case.state in rules.ENDED_STATES,
        "events": events,
        "clocks": case_clocks,
        "overdue": bool(clocks.overdue_now(case_clocks)),
        "parties": case.parties.all(),
        "related": selectors.related_for(user, case),
        "handlers": case.handlers.all(),
        "actions": panel,
        "may_see_board": selectors.may_see_board(user),
        "mediation": mediation_context(user, case, step_failed),
        "ladder": _ladder_context(case, events),
        "may_reassign": case.state in rules.TRANSITIONS["reassign"][0]
        and services.may_take(user, case, "reassign"),
        "county_code": services.county_code_of(case.grid)
        if user.has_perm(policy.CHANGE_POLICY)
        else "",
    }


def _ladder_context(case: Case, events) -> dict:
    """What ``_case_ladder.html`` shows: supervision orders, where verification stands, the
    case leader and the reporter's rating (read from ``case.report``, intake's record)."""
    asked = next((e for e in reversed(events) if e.kind == "request_verification"), None)
    verified = next((e for e in reversed(events) if e.kind == "verify"), None)
    report = getattr(case, "report", None)
    return {
        "orders": list(case.supervisions.all()),
        "points": sum(o.points for o in case.supervisions.all()),
        "asked": asked if case.state == "verifying" else None,
        "verified": verified if case.state == "closed" else None,
        "report": report,
        "rating": getattr(report, "satisfaction", None),
        "feedback": report.get_feedback_display() if report and report.feedback else "",
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
    context = {
        "form": form,
        "page": page,
        "may_see_board": selectors.may_see_board(user),
        "may_see_watch_list": watch.may_see_watch_list(user),
        "notifications": selectors.unread_notifications_for(user),
    }
    return render_page(
        request, "disputes/case_list.html", context, fragment="disputes/_case_rows.html"
    )


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
def case_detail(request, reference: str):
    case = selectors.get_case_for(request.user, reference)
    services.mark_notifications_read(user=request.user, case=case)
    return render_page(
        request,
        "disputes/case_detail.html",
        _case_context(request, case),
        fragment="disputes/_case_body.html",
    )


@login_required
@permission_required(REVEAL_IDENTITY, raise_exception=True)
@require_POST
def party_reveal(request, reference: str, pk: int, field: str):
    """A party's full phone or ID number in place of the masked one, for a stated reason
    (``registry.services.reveal`` checks and audits it). htmx gets the slot; a plain post,
    a page with it."""
    if field not in reveals.LABELS:
        raise Http404
    case = selectors.get_case_for(request.user, reference)
    party = next((p for p in case.parties.all() if p.pk == pk), None)
    if party is None:
        raise Http404
    reveal, status = reveals.answer(request, party, field, url=request.path)
    back = reverse("disputes:case", args=[case.reference])
    context = {"reveal": reveal, "may_reveal": True, "back": back}
    return render_page(
        request,
        "registry/reveal_page.html",
        context,
        fragment="registry/_reveal.html",
        status=status,
    )


def _answer_step(request, case: Case, *, form, run: Callable[[], object], label: str, failed):
    """Run one step posted from the case page (an action, a mediation step) once its form is
    valid, and answer. Success: htmx gets the refreshed case body with a notice, a plain post
    is redirected to the case page. Refusal: the case body again, ``failed(case, status)``
    giving its context with the service's words next to the form (htmx swaps only 2xx
    answers, so it gets 200; a plain post gets 400, 403 or 409)."""
    status = 400
    try:
        if not form.is_valid():
            raise ValidationError(_("请检查填写的内容"))
        run()
    except services.CaseChanged as exc:
        status = 409
        _add_errors(form, exc)
    except ValidationError as exc:
        _add_errors(form, exc)
    except PermissionDenied as exc:
        status = 403
        form.add_error(None, str(exc) or _("您没有办理这个案件的权限"))
    else:
        notice = _("已完成：%(action)s") % {"action": label}
        if not wants_fragment(request):
            messages.success(request, notice)
            return redirect("disputes:case", reference=case.reference)
        case = selectors.get_case_for(request.user, case.reference)
        context = {**_case_context(request, case), "notice": notice}
        return render(request, "disputes/_case_body.html", context)
    case = selectors.get_case_for(request.user, case.reference)
    return render_page(
        request,
        "disputes/case_detail.html",
        failed(case, status),
        fragment="disputes/_case_body.html",
        status=status,
    )


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
@require_POST
def case_act(request, reference: str, action: str):
    """Take ``action`` on the case through its service, answered by ``_answer_step``; a
    version older than the case's is refused as changed meanwhile."""
    user = request.user
    case = selectors.get_case_for(user, reference)
    if action not in ACTIONS:
        raise Http404
    form = ACTIONS[action].form(request.POST, prefix=action, case=case, user=user)

    def run():
        if form.cleaned_data["version"] != case.version:
            raise services.CaseChanged(_("这个案件刚刚被其他人修改过，请刷新后再操作"))
        ACTIONS[action].run(case=case, actor=user, data=form.cleaned_data)

    def failed(case: Case, status: int) -> dict:
        return {
            **_case_context(request, case, failed=(action, form)),
            "errors": form.non_field_errors() or [_("请检查填写的内容")],
            "failed_label": forms.ACTION_LABELS[action],
        }

    label = forms.ACTION_LABELS[action]
    return _answer_step(request, case, form=form, run=run, label=label, failed=failed)


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
@require_POST
def mediation_step(request, reference: str, step: str):
    """One step of mediation on the case, through its service (``mediation.views`` binds
    each step's form to its service call), answered by ``_answer_step``.

    The record a step works on (a signer, a term, a visit) is named by the ``target`` field
    and looked up on this case only.
    """
    case = selectors.get_case_for(request.user, reference)
    if step not in MEDIATION_STEPS:
        raise Http404
    target = request.POST.get("target", "")
    prepared = MEDIATION_STEPS[step](request, case, target)
    form = prepared.form

    def failed(case: Case, status: int) -> dict:
        context = _case_context(request, case, step_failed=(step, target, form))
        if status == 409:
            # The step's own form may be gone from the reloaded case (another draft is
            # pending, the signer has signed): say why at the top, as a refused move does.
            context["errors"] = form.non_field_errors()
            context["failed_label"] = forms.MEDIATION_LABELS[step]
        return context

    label = forms.MEDIATION_LABELS[step]
    return _answer_step(request, case, form=form, run=prepared.run, label=label, failed=failed)


def _add_errors(form: forms.ActionForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        if not form.errors:
            form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
def watch_list(request):
    """民转刑风险: the station's most dangerous live cases and people, with next actions."""
    if not watch.may_see_watch_list(request.user):
        raise PermissionDenied
    watched = watch.watch_list_for(request.user)
    context = {
        "watched": watched,
        "people": watch.people_in_several(watched),
        "week": watch.week_summary_for(request.user),
    }
    return render(request, "disputes/watch.html", context)


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
    context = {"sections": sections, "supervision": supervision.board_for(request.user)}
    return render(request, "disputes/board.html", context)
