"""The case page's party forms: add a party, correct one, remove one entered by mistake.

Each posts to its own URL and calls one service of ``disputes.parties``; success goes back
to the case page with a notice, a refusal answers on the party form's own page with every
value typed kept and the service's words beside the field. The case is looked up inside the
reader's scope and the party on that case only (404 for anyone else's).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fengqiao.disputes import parties, selectors, services
from fengqiao.disputes.models import Case, Party
from fengqiao.disputes.party_forms import PartyCorrectionForm, PartyForm, PartyRemovalForm

TEMPLATE = "disputes/party_form.html"


def _party_of(case: Case, pk: int) -> Party:
    party = case.parties.filter(pk=pk).first()
    if party is None:
        raise Http404
    return party


def _answer(request, case: Case, form, run, *, title: str, notice: str, party=None):
    """Run the service once the form is valid; back to the case page, or the form again."""
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if form.is_valid():
                run()
                messages.success(request, notice)
                return redirect("disputes:case", reference=case.reference)
        except services.CaseChanged as error:
            status = 409
            _add_errors(form, error)
        except ValidationError as error:
            _add_errors(form, error)
        except PermissionDenied as error:
            status = 403
            form.add_error(None, str(error) or _("您没有办理这个案件的权限"))
    context = {"case": case, "form": form, "title": title, "party": party}
    return render(request, TEMPLATE, context, status=status)


def _add_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.error_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@login_required
@permission_required(selectors.VIEW_CASE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def party_add(request, reference: str):
    """Add a party to the case (``parties.add_party``)."""
    case = selectors.get_case_for(request.user, reference)
    form = PartyForm(request.POST or None, prefix="party")

    def run():
        party = parties.add_party(case=case, actor=request.user, **form.values())
        return party

    return _answer(
        request,
        case,
        form,
        run,
        title=_("登记当事人"),
        notice=_("已登记当事人：%(name)s") % {"name": request.POST.get("party-name", "")},
    )


@login_required
@permission_required(selectors.VIEW_CASE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def party_edit(request, reference: str, pk: int):
    """Correct a party of the case (``parties.update_party``)."""
    case = selectors.get_case_for(request.user, reference)
    party = _party_of(case, pk)
    form = PartyCorrectionForm(request.POST or None, prefix=f"party-{party.pk}", party=party)
    return _answer(
        request,
        case,
        form,
        lambda: parties.update_party(party=party, actor=request.user, **form.values()),
        title=_("更正当事人：%(name)s") % {"name": party.name},
        notice=_("已更正当事人：%(name)s") % {"name": party.name},
        party=party,
    )


@login_required
@permission_required(selectors.VIEW_CASE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def party_remove(request, reference: str, pk: int):
    """Remove a party entered by mistake (``parties.remove_party``)."""
    case = selectors.get_case_for(request.user, reference)
    party = _party_of(case, pk)
    form = PartyRemovalForm(request.POST or None, prefix=f"remove-{party.pk}")
    return _answer(
        request,
        case,
        form,
        lambda: parties.remove_party(
            party=party, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        title=_("删除当事人：%(name)s") % {"name": party.name},
        notice=_("已删除当事人：%(name)s") % {"name": party.name},
        party=party,
    )
