"""Anti-fraud pages: this month's figures of my area with 登记宣传活动 and 登记预警劝阻, the
figures per grid, community or township and per month, the two forms, the records and a
warned person's phone for a reason. Thin: forms parse, ``fraud_services`` writes,
``fraud_selectors`` reads (scoped, 404 outside it); a missing permission is a 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.outreach import fraud_rules as rules
from fengqiao.outreach import fraud_selectors as selectors
from fengqiao.outreach import fraud_services as services
from fengqiao.outreach.fraud_forms import EventForm, FiguresForm, WarningForm
from fengqiao.pages import reveal_phone_page
from fengqiao.registry.forms import RevealForm
from fengqiao.registry.reveals import slot

VIEW_EVENTS = "outreach.view_outreachevent"
PAGE_SIZE = 30


@login_required
@permission_required(VIEW_EVENTS, raise_exception=True)
def home(request):
    """This month's figures (or ``?month=YYYY-MM``'s) and the latest records."""
    user = request.user
    today = timezone.localdate()
    span = rules.month_span(request.GET.get("month"), request.GET.get("month"), today=today)
    context = {
        "span": span,
        "month": span.first,
        "previous": rules.add_months(span.first, -1),
        "next": rules.add_months(span.first, 1)
        if span.first < rules.first_of_month(today)
        else None,
        "figures": selectors.figures_for(user, start=span.start, end=span.end),
        "events": selectors.recent_events(user),
        "warnings": selectors.recent_warnings(user),
    }
    return render(request, "outreach/fraud_home.html", context)


@login_required
@permission_required(VIEW_EVENTS, raise_exception=True)
def figures(request):
    """The figures per area (``by``: grid, community, township) and per month of a span."""
    user = request.user
    form = FiguresForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    span = rules.month_span(data.get("start"), data.get("end"), today=timezone.localdate())
    level = data.get("by") or "community"
    context = {
        "form": form,
        "span": span,
        "level": level,
        "areas": selectors.figures_by_area(user, level=level, start=span.start, end=span.end),
        "months": selectors.figures_by_month(user, span=span),
        "total": selectors.figures_for(user, start=span.start, end=span.end),
    }
    return render(request, "outreach/fraud_figures.html", context)


# --- events -------------------------------------------------------------------------------


def _choices(request) -> dict:
    return {
        "grids": selectors.grids_for(request.user),
        "campaigns": selectors.campaigns_for(request.user),
    }


def _record_form(request, form_class, template: str, write, *, done: str, again: str):
    """The shared shape of 登记宣传活动 and 登记预警劝阻: ``form_class`` parses the post,
    ``write(data)`` records it through the service and answers ``(record, made)``; ``done``
    (formatted with the record) or ``again`` (already recorded) is flashed before going home;
    a refused or invalid post shows the form again with 400."""
    choices = _choices(request)
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, **choices)
        if form.is_valid():
            try:
                record, made = write(form.cleaned_data)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                if made:
                    messages.success(request, done(record))
                else:
                    messages.info(request, again)
                return redirect("outreach:fraud_home")
        status = 400
    else:
        form = form_class(**choices)
    return render(request, template, {"form": form}, status=status)


@login_required
@permission_required(services.ADD_EVENT, raise_exception=True)
def event_new(request):
    def write(data):
        return services.record_event(
            actor=request.user,
            kind=data["kind"],
            title=data["title"],
            grid=data["grid"],
            held_on=data["held_on"],
            people_reached=data["people_reached"],
            app_installs=data["app_installs"],
            leaflets=data["leaflets"],
            note=data["note"],
            campaign=data["campaign"],
            client_key=data["client_key"] or None,
        )

    return _record_form(
        request,
        EventForm,
        "outreach/fraud_event_form.html",
        write,
        done=lambda event: _("宣传活动已登记：%(title)s") % {"title": event.title},
        again=_("这次活动已经登记过了"),
    )


@login_required
@permission_required(VIEW_EVENTS, raise_exception=True)
def events(request):
    page = Paginator(selectors.events_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "outreach/fraud_events.html", {"page": page})


@login_required
@permission_required(VIEW_EVENTS, raise_exception=True)
def event_detail(request, pk: int):
    event = selectors.get_event_for(request.user, pk)
    return render(request, "outreach/fraud_event.html", {"event": event})


# --- warnings -----------------------------------------------------------------------------


@login_required
@permission_required(services.ADD_WARNING, raise_exception=True)
def warning_new(request):
    def write(data):
        return services.record_warning(
            actor=request.user,
            grid=data["grid"],
            warned_at=data["warned_at"],
            level=data["level"],
            method=data["method"],
            person_name=data["person_name"],
            phone=data["phone"],
            outcome=data["outcome"],
            payment_stopped=data["payment_stopped"],
            amount_stopped=data["amount_stopped"],
            amount_lost=data["amount_lost"],
            note=data["note"],
            campaign=data["campaign"],
            client_key=data["client_key"] or None,
        )

    return _record_form(
        request,
        WarningForm,
        "outreach/fraud_warning_form.html",
        write,
        done=lambda warning: _("预警劝阻已登记：%(name)s") % {"name": warning.person_name},
        again=_("这次预警劝阻已经登记过了"),
    )


@login_required
@permission_required(services.VIEW_WARNING, raise_exception=True)
def warnings(request):
    page = Paginator(selectors.warnings_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "outreach/fraud_warnings.html", {"page": page})


def _phone_slot(user, warning) -> dict:
    url = reverse("outreach:fraud_warning_phone", args=[warning.pk])
    return {
        "reveal": slot(warning, "phone", url=url),
        "may_reveal": services.may_reveal_phone(user, warning),
    }


@login_required
@permission_required(services.VIEW_WARNING, raise_exception=True)
def warning_detail(request, pk: int):
    warning = selectors.get_warning_for(request.user, pk)
    context = {"warning": warning, **_phone_slot(request.user, warning)}
    return render(request, "outreach/fraud_warning.html", context)


@login_required
@permission_required(services.VIEW_WARNING, raise_exception=True)
@require_POST
def warning_phone(request, pk: int):
    """The warned person's full phone for a reason, logged (``fraud_services.reveal_phone``)."""
    warning = selectors.get_warning_for(request.user, pk)
    context = _phone_slot(request.user, warning)
    return reveal_phone_page(
        request,
        context["reveal"],
        RevealForm(request.POST, prefix="phone"),
        lambda reason: services.reveal_phone(actor=request.user, warning=warning, reason=reason),
        may_reveal=context["may_reveal"],
        back=reverse("outreach:fraud_warning", args=[warning.pk]),
    )
