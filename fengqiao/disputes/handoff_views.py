"""Pages for hand-offs, referrals and typical cases.

Case-side steps (hand off, refer, record an answer, recall, choose for the library) are
plain posts from the case page's panels, answered by a redirect back to the case or, when
refused, by a page with the form and the service's words. The agency's page lists only the
hand-offs addressed to the signed-in body's teams. The library is the county's.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.disputes import handoffs, selectors, services, typical
from fengqiao.disputes.handoff_forms import (
    AgencyAnswerForm,
    AnswerForm,
    CancelForm,
    HandoffForm,
    LibrarySearchForm,
    TypicalForm,
)

VIEW_CASE = selectors.VIEW_CASE
LIBRARY_PAGE = 50
KIND_LABELS = {"handoff": _("转办"), "referral": _("转介")}


def _run(request, form, run: Callable[[], object]) -> int | None:
    """Validate ``form`` and ``run`` the service; None when done, else the refusal's status
    with the service's words put on the form."""
    try:
        if not form.is_valid():
            raise ValidationError(_("请检查填写的内容"))
        run()
    except services.CaseChanged as exc:
        form.add_error(None, exc.messages[0])
        return 409
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        elif not form.errors:
            form.add_error(None, exc)
        return 400
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("您没有办理这个案件的权限"))
        return 403
    return None


def _case_step(request, case, form, run, *, title: str):
    status = _run(request, form, run)
    if status is None:
        messages.success(request, _("已完成：%(action)s") % {"action": title})
        return redirect(reverse("disputes:case", args=[case.reference]) + "#case-handoffs")
    context = {"case": case, "form": form, "title": title}
    return render(request, "disputes/handoff_step.html", context, status=status)


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
@require_POST
def handoff_new(request, reference: str, kind: str):
    """Hand the case's matter to a body, or refer a party (``kind``)."""
    case = selectors.get_case_for(request.user, reference)
    if kind not in handoffs.BODIES_FOR:
        raise Http404
    form = HandoffForm(request.POST, case=case, kind=kind)

    def run():
        data = form.cleaned_data
        handoffs.hand_off(
            case=case,
            actor=request.user,
            kind=kind,
            body=data["body"],
            team=data["team"],
            body_name=data["body_name"],
            request=data["request"],
            due_on=data["due_on"],
            pauses_clock=data["pauses_clock"],
            version=data["version"],
        )

    return _case_step(request, case, form, run, title=KIND_LABELS[kind])


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
@require_POST
def handoff_act(request, reference: str, pk: int, action: str):
    """Record a body's answer given by phone or on paper, or recall a hand-off."""
    case = selectors.get_case_for(request.user, reference)
    handoff = handoffs.get_handoff_of_case(case, pk)
    if action == "answer":
        form = AnswerForm(request.POST, prefix=f"answer-{pk}")

        def run():
            handoffs.answer(handoff=handoff, actor=request.user, **form.cleaned_data)

        title = _("登记答复")
    elif action == "cancel":
        form = CancelForm(request.POST, prefix=f"cancel-{pk}")

        def run():
            handoffs.cancel(handoff=handoff, actor=request.user, reason=form.cleaned_data["reason"])

        title = _("撤回")
    else:
        raise Http404
    return _case_step(request, case, form, run, title=title)


# --- the agency's own page -------------------------------------------------------------


@login_required
@permission_required(handoffs.VIEW_HANDOFF, raise_exception=True)
def agency_inbox(request):
    """The body's hand-offs: pending first (soonest due first), or those answered."""
    state = request.GET.get("state", "pending")
    if state not in ("pending", "answered"):
        state = "pending"
    rows = handoffs.handoffs_addressed_to(request.user, state=state)[:200]
    context = {"rows": rows, "state": state, "today": timezone.localdate()}
    return render(request, "disputes/agency_inbox.html", context)


@login_required
@permission_required(handoffs.VIEW_HANDOFF, raise_exception=True)
def agency_handoff(request, pk: int):
    """One hand-off addressed to the body, with the answer form while it is pending."""
    handoff = handoffs.get_handoff_for_agency(request.user, pk)
    form = AgencyAnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not request.user.has_perm(handoffs.CHANGE_HANDOFF):
            raise PermissionDenied

        def run():
            handoffs.answer(handoff=handoff, actor=request.user, **form.cleaned_data)

        status = _run(request, form, run)
        if status is None:
            messages.success(request, _("答复已提交"))
            return redirect("disputes:agency_handoff", pk=handoff.pk)
        handoff = handoffs.get_handoff_for_agency(request.user, pk)
    context = {
        "handoff": handoff,
        "request_text": handoffs.request_for_body(handoff),
        "overdue": handoffs.is_overdue(handoff),
        "form": form if handoff.pending else None,
    }
    return render(request, "disputes/agency_handoff.html", context, status=status)


# --- the library of typical cases ------------------------------------------------------


@login_required
@permission_required(typical.VIEW_TYPICAL, raise_exception=True)
def typical_library(request):
    form = LibrarySearchForm(request.GET)
    entries = typical.library_for(request.user, **form.filters())[:LIBRARY_PAGE]
    return render(request, "disputes/typical_library.html", {"form": form, "entries": entries})


@login_required
@permission_required(typical.VIEW_TYPICAL, raise_exception=True)
def typical_detail(request, pk: int):
    entry = typical.get_typical_for(request.user, pk)
    context = {"entry": entry, "case_reference": typical.case_link_for(request.user, entry)}
    return render(request, "disputes/typical_detail.html", context)


@login_required
@permission_required(VIEW_CASE, raise_exception=True)
def typical_choose(request, reference: str):
    """Choose a closed case for the library: the anonymised draft to edit, then save."""
    case = selectors.get_case_for(request.user, reference)
    if not request.user.has_perm(typical.CHOOSE_TYPICAL):
        raise PermissionDenied
    if request.method != "POST":
        form = TypicalForm(initial=typical.draft_for(case))
        return render(request, "disputes/typical_choose.html", {"case": case, "form": form})
    form = TypicalForm(request.POST)
    chosen: list = []

    def run():
        chosen.append(typical.choose_typical(case=case, actor=request.user, **form.cleaned_data))

    status = _run(request, form, run)
    if status is None:
        messages.success(request, _("已收入典型案例库"))
        return redirect("disputes:typical", pk=chosen[0].pk)
    context = {"case": case, "form": form}
    return render(request, "disputes/typical_choose.html", context, status=status)
