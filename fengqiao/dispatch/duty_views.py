"""The officer's phone (我的执勤): their units' status, the incidents sent to them, the
phone's position while the page is open, and each incident's next step and 反馈."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fengqiao import taxonomy
from fengqiao.dispatch import push, rules, selectors, services
from fengqiao.dispatch.board_forms import PositionForm, ResultForm, StepForm, UnitStatusForm
from fengqiao.dispatch.board_views import incident_map, timeline
from fengqiao.dispatch.caller_views import caller_slot
from fengqiao.dispatch.models import Incident
from fengqiao.pages import push_stream_for, render_page

# The button for each step, and what the officer is told after it.
STEP_BUTTONS = {
    "accepted": gettext_lazy("签收"),
    "departed": gettext_lazy("出警"),
    "on_scene": gettext_lazy("到场"),
}
STEP_DONE = {
    "accepted": gettext_lazy("已签收，请尽快出警"),
    "departed": gettext_lazy("已出警，到达现场后请点“到场”"),
    "on_scene": gettext_lazy("已到场，处置完毕后请填写反馈"),
}


@login_required
@permission_required(services.RESPOND, raise_exception=True)
def duty(request):
    """My units with their status buttons, and the open incidents sent to them (the list
    refreshes itself: htmx asks this view for its fragment). POST sets a unit's status."""
    user = request.user
    form = UnitStatusForm(user=user)
    status = 200
    if request.method == "POST":
        form = UnitStatusForm(request.POST, user=user)
        if form.is_valid():
            unit = form.cleaned_data["unit"]
            try:
                unit = services.set_unit_status(
                    actor=user, unit=unit, status=form.cleaned_data["status"]
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    _("%(unit)s 现在：%(status)s")
                    % {"unit": unit.call_sign, "status": unit.get_status_display()},
                )
                return redirect("dispatch:duty")
        status = 400
    context = {
        "units": list(selectors.units_of(user)),
        "statuses": UnitStatusForm.base_fields["status"].choices,
        "incidents": _assigned(user),
        "form": form,
        **push_stream_for(request, push.duty_topics_for(user)),
    }
    return render_page(
        request,
        "dispatch/duty.html",
        context,
        fragment="dispatch/duty_incidents.html",
        status=status,
    )


def _assigned(user) -> list[Incident]:
    incidents = list(selectors.assigned_to(user))
    for incident in incidents:
        step = rules.next_step(incident.status)
        incident.next_label = STEP_BUTTONS[step] if step else _("反馈")
    return incidents


@login_required
@permission_required(services.RESPOND, raise_exception=True)
@require_POST
def position(request):
    """The phone's fix while the duty page is open (JSON for duty.js): every unit of the
    officer on duty takes it."""
    form = PositionForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    data = form.cleaned_data
    try:
        moved = services.report_position(
            actor=request.user, lon=data["lon"], lat=data["lat"], accuracy_m=data["accuracy"]
        )
    except ValidationError as error:
        return JsonResponse({"errors": error.message_dict}, status=400)
    except PermissionDenied as error:
        return JsonResponse({"errors": {"__all__": [str(error)]}}, status=403)
    at = timezone.localtime()
    return JsonResponse({"units": moved, "at": at.strftime("%H:%M:%S")})


def _incident_for_responder(user, number: str) -> Incident:
    """An incident sent to one of the officer's units, else one of their jurisdiction;
    404 for anything else, missing or not."""
    sent = selectors.assigned_to(user).select_related("case").filter(number=number).first()
    return sent if sent is not None else selectors.get_incident_for(user, number)


@login_required
@permission_required(services.RESPOND, raise_exception=True)
def duty_incident(request, number: str):
    """The incident on the officer's phone: its map, one big button for the next step
    (签收 → 出警 → 到场), then the 反馈 form; the case's reference once one is opened."""
    user = request.user
    found = _incident_for_responder(user, number)
    step_form, result_form = StepForm(), ResultForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "result":
            result_form = ResultForm(request.POST)
            if result_form.is_valid():
                try:
                    found = services.report_result(
                        incident=found,
                        actor=user,
                        outcome=result_form.cleaned_data["outcome"],
                        result=result_form.cleaned_data["result"],
                        category=result_form.cleaned_data["category"],
                    )
                except ValidationError as error:
                    result_form.add_service_errors(error)
                else:
                    return _after_result(request, found)
        else:
            step_form = StepForm(request.POST)
            if step_form.is_valid():
                step = step_form.cleaned_data["step"]
                try:
                    services.record_step(incident=found, actor=user, step=step)
                except ValidationError as error:
                    step_form.add_service_errors(error)
                else:
                    messages.success(request, STEP_DONE[step])
                    return redirect("dispatch:duty_incident", found.number)
        status = 400
    mine = found.unit_id is not None and found.unit_id in {u.pk for u in selectors.units_of(user)}
    step = rules.next_step(found.status)
    context = {
        "incident": found,
        "map": incident_map(found, [found.unit] if found.unit_id else []),
        "mine": mine,
        "step": step,
        "step_label": STEP_BUTTONS.get(step, ""),
        "step_form": step_form,
        "result_form": result_form,
        "categories": taxonomy.choices("category"),
        "timeline": timeline(found),
        **caller_slot(user, found),
    }
    return render(request, "dispatch/duty_incident.html", context, status=status)


def _after_result(request, found: Incident):
    if found.case is not None:
        messages.success(
            request,
            _("已反馈，已转为矛盾纠纷案件 %(reference)s") % {"reference": found.case.reference},
        )
    else:
        messages.success(request, _("已反馈，警情已结束"))
    if selectors.incidents_for(request.user).filter(pk=found.pk).exists():
        return redirect("dispatch:duty_incident", found.number)
    return redirect("dispatch:duty")
