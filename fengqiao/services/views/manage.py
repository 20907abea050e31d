"""The catalogue for chiefs and administrators: the station's services, adding and
changing one, closing it to new applications and opening it again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.services import catalogue, selectors
from fengqiao.services.forms import ServiceForm

VIEW = "services.view_service"
ADD = "services.add_service"
CHANGE = "services.change_service"


@login_required
@permission_required(VIEW, raise_exception=True)
def services_list(request):
    context = {"services": selectors.services_for(request.user).order_by("unit_path", "name")}
    return render(request, "services/manage_list.html", context)


@login_required
@permission_required(ADD, raise_exception=True)
def service_new(request):
    return _edit(request, None)


@login_required
@permission_required(CHANGE, raise_exception=True)
def service_edit(request, pk: int):
    return _edit(request, selectors.get_service_for(request.user, pk))


def _edit(request, service):
    stations = selectors.stations_for(request.user)
    status = 200
    if request.method == "POST":
        form = ServiceForm(request.POST, stations=stations)
        status = 400
        if form.is_valid():
            try:
                saved = catalogue.save_service(actor=request.user, service=service, **form.values())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("已保存服务事项“%(name)s”") % {"name": saved.name})
                return redirect("services:manage")
    elif service is not None:
        form = ServiceForm(
            initial={
                "station": service.station_id,
                "kind": service.kind,
                "name": service.name,
                "who_may_apply": service.who_may_apply,
                "materials": "\n".join(service.materials),
                "time_limit_days": service.time_limit_days,
                "promised_days": service.promised_days or "",
                "channels": service.channels,
                "one_visit": service.one_visit,
                "slot_capacity": service.slot_capacity,
                "note": service.note,
            },
            stations=stations,
        )
    else:
        form = ServiceForm(stations=stations, initial={"channels": ["window"]})
    context = {"form": form, "service": service}
    return render(request, "services/manage_form.html", context, status=status)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def service_open(request, pk: int):
    """Close the service to new applications (``open=0``) or open it again (``open=1``)."""
    service = selectors.get_service_for(request.user, pk)
    opening = request.POST.get("open") == "1"
    catalogue.set_service_open(
        actor=request.user, service=service, open=opening, reason=request.POST.get("reason", "")
    )
    messages.success(
        request,
        (_("已恢复受理：%(name)s") if opening else _("已暂停受理：%(name)s"))
        % {"name": service.name},
    )
    return redirect("services:manage")
