"""The staff's pages: the queue (overdue first, phones masked), an application with its
actions, taking one at the window, 我的上门服务, and the applicant's full numbers for a
stated reason. Reads are scoped selectors (404 outside); writes are ``services`` calls."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.forms_support import new_client_key
from fengqiao.pages import render_page
from fengqiao.registry import reveals
from fengqiao.services import selectors, services
from fengqiao.services.forms import (
    MissingForm,
    NoteForm,
    QueueFilterForm,
    RefuseForm,
    VisitForm,
    WindowForm,
)

VIEW = "services.view_application"
ADD = "services.add_application"
PROCESS = "services.process_application"
REVEAL_IDENTITY = "registry.reveal_identity"
QUEUE_ROWS = 200


@login_required
@permission_required(VIEW, raise_exception=True)
def queue(request):
    services_qs = selectors.services_for(request.user)
    form = QueueFilterForm(request.GET or {"state": "open"}, services=services_qs)
    filters = form.cleaned_data if form.is_valid() else {"state": "open"}
    rows = selectors.applications_for(
        request.user,
        state=filters.get("state", "open") or "",
        service=filters.get("service"),
        channel=filters.get("channel", ""),
        q=filters.get("q", ""),
    )
    context = {
        "form": form,
        "rows": rows[:QUEUE_ROWS],
        "unassigned": selectors.unassigned_door_requests(request.user).count()
        if request.user.has_perm("services.change_service")
        else 0,
        "now": timezone.now(),
    }
    return render(request, "services/queue.html", context)


@login_required
@permission_required(VIEW, raise_exception=True)
def application(request, pk: int, *, forms: dict | None = None, status: int = 200):
    app = selectors.get_application_for(request.user, pk)
    materials = app.service.materials
    forms = forms or {}
    context = {
        "app": app,
        "events": selectors.timeline(app),
        "may_process": services.may_process(request.user, app),
        "may_reveal": request.user.has_perm(REVEAL_IDENTITY),
        "reveals": [_slot(app, "phone")] + ([_slot(app, "id_number")] if app.id_masked else []),
        "missing_form": forms.get("ask_missing") or MissingForm(materials=materials),
        "complete_form": forms.get("complete") or NoteForm(),
        "refuse_form": forms.get("refuse") or RefuseForm(),
        "visit_form": forms.get("visit") or VisitForm(),
        "cancel_form": forms.get("cancel") or RefuseForm(prefix="cancel"),
        "error": forms.get("error"),
        "now": timezone.now(),
    }
    return render(request, "services/application.html", context, status=status)


def _slot(app, field: str) -> dict:
    url = reverse("services:reveal", args=[app.pk, field])
    return reveals.slot(app, field, url=url)


@login_required
@permission_required(PROCESS, raise_exception=True)
@require_POST
def act(request, pk: int):
    """One action on an application, named by ``action``; its form's errors come back on
    the application's page (409 when someone else acted first)."""
    app = selectors.get_application_for(request.user, pk)
    action = request.POST.get("action", "")
    form, call = _action(request, app, action)
    if form is not None and not form.is_valid():
        return application(request, pk, forms={action: form}, status=400)
    try:
        call(form.cleaned_data if form is not None else {})
    except PermissionDenied:
        raise
    except services.ApplicationChanged as error:
        return application(request, pk, forms={"error": error.messages[0]}, status=409)
    except ValidationError as error:
        if form is None:
            return application(request, pk, forms={"error": "；".join(error.messages)}, status=400)
        form.add_service_errors(error)
        return application(request, pk, forms={action: form}, status=400)
    messages.success(request, _("已保存"))
    return redirect("services:application", app.pk)


def _action(request, app, action: str):
    user, post = request.user, request.POST
    if action == "accept":
        return None, lambda d: services.accept(actor=user, application=app)
    if action == "ask_missing":
        form = MissingForm(post, materials=app.service.materials)
        return form, lambda d: services.ask_missing(
            actor=user, application=app, materials=d["materials"], other=d["other"]
        )
    if action == "supply":
        return None, lambda d: services.supply(actor=user, application=app)
    if action == "complete":
        return NoteForm(post), lambda d: services.complete(
            actor=user, application=app, note=d["note"]
        )
    if action == "refuse":
        return RefuseForm(post), lambda d: services.refuse(
            actor=user, application=app, reason=d["reason"]
        )
    if action == "cancel":
        return RefuseForm(post, prefix="cancel"), lambda d: services.cancel(
            actor=user, application=app, reason=d["reason"]
        )
    if action == "visit":
        return VisitForm(post), lambda d: services.record_visit(
            actor=user,
            application=app,
            note=d["note"],
            visited_at=d["visited_at"],
            companions=d["companions"],
        )
    raise Http404


@login_required
@permission_required(ADD, raise_exception=True)
def window(request):
    """Take an application at the window: accepted on the spot, the clock starts."""
    services_qs = selectors.services_for(request.user, include_closed=False)
    status = 200
    if request.method == "POST":
        form = WindowForm(request.POST, services=services_qs)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            if data["service"] is None:
                form.add_error("service", _("请选择服务事项"))
            else:
                try:
                    made, _created = services.take_at_window(
                        actor=request.user,
                        service=data["service"],
                        applicant_name=data["applicant_name"],
                        phone=data["phone"],
                        id_number=data["id_number"],
                        note=data["note"],
                        client_key=data["client_key"] or None,
                    )
                except ValidationError as error:
                    form.add_service_errors(error)
                else:
                    messages.success(
                        request, _("已受理，查询码 %(code)s") % {"code": made.tracking_code}
                    )
                    return redirect("services:application", made.pk)
    else:
        form = WindowForm(initial={"client_key": new_client_key()}, services=services_qs)
    return render(request, "services/window.html", {"form": form}, status=status)


@login_required
@permission_required(PROCESS, raise_exception=True)
def door(request):
    """我的上门服务: the door-to-door requests routed to the officer."""
    context = {"rows": selectors.door_requests_of(request.user), "now": timezone.now()}
    return render(request, "services/door.html", context)


@login_required
@permission_required(REVEAL_IDENTITY, raise_exception=True)
@require_POST
def reveal(request, pk: int, field: str):
    """The applicant's full phone or ID number for a stated reason
    (``registry.services.reveal`` checks and audits it)."""
    if field not in ("phone", "id_number"):
        raise Http404
    app = selectors.get_application_for(request.user, pk)
    reveal, status = reveals.answer(request, app, field, url=request.path)
    back = reverse("services:application", args=[app.pk])
    context = {"reveal": reveal, "may_reveal": True, "back": back}
    page, fragment = "registry/reveal_page.html", "registry/_reveal.html"
    return render_page(request, page, context, fragment=fragment, status=status)
