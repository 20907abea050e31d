"""The units on duty (执勤力量) of the user's stations: the list with each one's status and
how old its last fix is, and the form chiefs use to create and change them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fengqiao.dispatch import rules, selectors, services
from fengqiao.dispatch.board_forms import UnitForm
from fengqiao.dispatch.models import DutyUnit

VIEW_UNITS = "dispatch.view_dutyunit"


@login_required
@permission_required(VIEW_UNITS, raise_exception=True)
@require_GET
def unit_list(request):
    user = request.user
    now = timezone.now()
    units = list(selectors.units_for(user).prefetch_related("members"))
    for unit in units:
        unit.stale = rules.is_stale(unit.fix_at, now)
    context = {"units": units, "may_change": user.has_perm(services.MANAGE_UNITS)}
    return render(request, "dispatch/unit_list.html", context)


@login_required
@permission_required(services.MANAGE_UNITS, raise_exception=True)
def unit_new(request):
    return _unit_form(request, None)


@login_required
@permission_required(services.MANAGE_UNITS, raise_exception=True)
def unit_edit(request, pk: int):
    unit = selectors.units_for(request.user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return _unit_form(request, unit)


def _unit_form(request, unit: DutyUnit | None):
    user = request.user
    status = 200
    if request.method == "POST":
        form = UnitForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                unit = services.save_unit(
                    actor=user,
                    unit=unit,
                    call_sign=data["call_sign"],
                    kind=data["kind"],
                    station=data["station"],
                    beat=data["beat"],
                    members=data["members"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("已保存 %(unit)s") % {"unit": unit.call_sign})
                return redirect("dispatch:units")
        status = 400
    elif unit is not None:
        initial = {
            "call_sign": unit.call_sign,
            "kind": unit.kind,
            "station": unit.station_id,
            "beat": unit.beat_id,
            "members": [p.pk for p in unit.members.all()],
        }
        form = UnitForm(initial=initial, user=user)
    else:
        form = UnitForm(user=user)
    return render(request, "dispatch/unit_form.html", {"form": form, "unit": unit}, status=status)
