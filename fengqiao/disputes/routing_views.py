"""The page that re-routes a case (改派) to another grid, building or handling body.

The form only parses what was typed, inside the user's jurisdiction; ``routing.reassign_case``
decides and writes.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.disputes import routing, selectors, services
from fengqiao.disputes.models import Case
from fengqiao.forms_support import ServiceErrorsMixin
from fengqiao.org.models import Team
from fengqiao.org.scope import get_for
from fengqiao.places import selectors as places
from fengqiao.places.models import Building, Region


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.name}（{obj.code}）"


class ReassignForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    grid = GridChoiceField(
        label=gettext_lazy("新的网格"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=gettext_lazy("（不变）"),
    )
    grid_code = forms.CharField(
        label=gettext_lazy("或填写其他网格编码"),
        required=False,
        max_length=32,
        help_text=gettext_lazy("改派到本镇街以外的网格时填写"),
    )
    building = forms.CharField(
        label=gettext_lazy("楼栋编号（可选）"), required=False, max_length=32
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("承办单位（可选）"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("（按新位置的包片人员）"),
    )
    reason = forms.CharField(
        label=gettext_lazy("改派理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        township = case.grid.ancestors().filter(level="township").first()
        self.fields["grid"].queryset = places.grids_under(user, [township or case.grid])
        self.fields["team"].queryset = routing.handling_teams_for(user, case)

    def clean(self):
        data = super().clean()
        code = (data.get("grid_code") or "").strip()
        if code:
            try:
                data["grid"] = get_for(self.user, Region.objects.filter(level="grid"), code=code)
            except Http404:
                self.add_error(
                    "grid_code",
                    _("没有这个网格，或它不在您的辖区内：%(code)s") % {"code": code},
                )
        building = (data.get("building") or "").strip()
        data["building"] = None
        if building:
            found = Building.objects.for_user(self.user).filter(code=building)
            if data.get("grid") is not None:
                found = found.filter(grid=data["grid"])
            data["building"] = found.select_related("grid").first()
            if data["building"] is None:
                self.add_error(
                    "building",
                    _("没有这个楼栋，或它不在所选网格、不在您的辖区内：%(code)s")
                    % {"code": building},
                )
        return data


@login_required
@permission_required(selectors.VIEW_CASE, raise_exception=True)
def reassign(request, reference: str):
    """改派: the form (GET) and its answer (POST). Only someone who may steer the case sees
    it; a refused or stale post comes back with the service's words next to the form."""
    user = request.user
    case = selectors.get_case_for(user, reference)
    try:
        services.ensure_may(user, case, "reassign")
    except PermissionDenied:
        raise PermissionDenied(_("您没有改派这个案件的权限")) from None
    status = 200
    if request.method == "POST":
        form = ReassignForm(request.POST, user=user, case=case)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                routing.reassign_case(
                    case=case,
                    actor=user,
                    reason=data["reason"],
                    grid=data["grid"],
                    building=data["building"],
                    team=data["team"],
                    version=data["version"],
                )
            except services.CaseChanged as exc:
                status = 409
                form.add_error(None, exc.messages)
            except ValidationError as exc:
                form.add_service_errors(exc)
            except PermissionDenied as exc:
                status = 403
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("已改派"))
                return redirect("disputes:case", reference=case.reference)
    else:
        form = ReassignForm(initial={"version": case.version}, user=user, case=case)
    context = {"case": case, "form": form, "handlers": case.handlers.all()}
    return render(request, "disputes/reassign.html", context, status=status)
