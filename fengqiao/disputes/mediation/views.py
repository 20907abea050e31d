"""The mediation steps posted from the case page, and the printable case file.

Each step binds its form and calls the one service of that step (``mediation.services``);
the case page's ``disputes.views.mediation_step`` runs it and answers as it answers every
action, so a refusal comes back on the case page next to the form, in the service's words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from fengqiao.disputes import forms, selectors
from fengqiao.disputes.mediation import forms as mediation_forms
from fengqiao.disputes.mediation import paperwork
from fengqiao.disputes.mediation import selectors as mediation_selectors
from fengqiao.disputes.mediation import services as mediation
from fengqiao.disputes.mediation.panel import mediator_choices
from fengqiao.disputes.models import Case, Signature


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
    form = mediation_forms.DraftForm(request.POST, prefix="draft", parties=case.parties.all())

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
            parties=list(data["parties"]),
        )

    return Step(form, run)


def _pending_agreement(case: Case):
    agreement = paperwork.records_of(case).agreement
    if agreement is None or agreement.effective_on is not None or agreement.refused_on:
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
        signer = next(
            (p for p in mediation_selectors.parties_of(agreement) if str(p.pk) == pk), None
        )
    elif kind == "person":
        signer = (
            mediation_selectors.mediators_of(case).filter(pk=pk if pk.isdigit() else None).first()
        )
    else:
        signer = None
    if signer is None:
        raise Http404
    form = mediation_forms.SignForm(request.POST, prefix=f"sign-{target}")

    def run():
        data = form.cleaned_data
        if data["method"] == Signature.Method.REFUSED and kind == "party":
            return mediation.refuse_agreement(
                agreement=agreement,
                actor=request.user,
                party=signer,
                reason=data["note"],
                refused_on=data["signed_on"],
            )
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


# --- printable paperwork -----------------------------------------------------------------------

PRINTS: dict[str, Callable[..., bytes]] = {
    "file": paperwork.print_case_file,
    "agreement": paperwork.print_agreement,
    "intake": paperwork.print_intake_register,
}


@login_required
@permission_required(selectors.VIEW_CASE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def case_pdf(request, reference: str, document: str):
    """A PDF of the case's paperwork (the whole file, the agreement, the intake register),
    inline, named by the reference; the print is written to the audit trail. A GET prints
    the numbers masked; a POST with a reason prints them in full, for those who may reveal
    them (``paperwork.full_numbers_reason``), and a refused reason comes back on a page."""
    case = selectors.get_case_for(request.user, reference)
    reason = request.POST.get("reason", "") if request.method == "POST" else None
    try:
        data = PRINTS[document](case=case, actor=request.user, reason=reason)
    except ValidationError as error:
        context = {"case": case, "document": document, "errors": error.messages}
        return render(request, "disputes/print_full.html", context, status=400)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.reference}-{document}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
