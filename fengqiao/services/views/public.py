"""The residents' pages: the catalogue, a service, applying (online, a window booking, a
visit at home), the thanks page with the tracking code, and the status page where the
applicant follows, cancels and rates it. No login; every write is a ``services`` call."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fengqiao import rate_limits
from fengqiao.forms_support import new_client_key
from fengqiao.idempotency import sender_of
from fengqiao.intake import selectors as intake
from fengqiao.services import selectors, services
from fengqiao.services.forms import ApplyForm, CancelForm, DayForm, RateForm, TrackForm
from fengqiao.services.models import Application, Channel

# What the resident chose on the service's page, and the channel it becomes.
MODES = {"online": Channel.ONLINE, "window": Channel.WINDOW, "door": Channel.DOOR}
# New applications (online, bookings, visits at home) one browser or one address may make
# in a window; retries of the same key count once. Staff taking applications are not held.
RATE_LIMIT = {"per_sender": 10, "per_address": 60, "seconds": 600}


def _kiosk(request) -> dict:
    """The kiosk's context, carried on every link: ``channel=kiosk`` and its place."""
    data = request.POST if request.method == "POST" else request.GET
    if data.get("from") != "kiosk":
        return {"kiosk": False, "kiosk_place": "", "kiosk_qs": ""}
    place = (data.get("place") or "")[:40]
    return {
        "kiosk": True,
        "kiosk_place": place,
        "kiosk_qs": urlencode({"from": "kiosk", "place": place}),
    }


def catalogue(request):
    """The services open to applications, by township or search."""
    kiosk = _kiosk(request)
    township = request.GET.get("township", "")
    if not township and kiosk["kiosk_place"]:
        township = selectors.township_of_building(selectors.public_building(kiosk["kiosk_place"]))
    q = request.GET.get("q", "")
    context = {
        "services": selectors.public_catalogue(township=township, q=q)[:200],
        "townships": selectors.public_townships(),
        "township": township,
        "q": q,
        **kiosk,
    }
    return render(request, "services/catalogue.html", context)


def detail(request, pk: int):
    service = selectors.public_service(pk)
    if service is None:
        raise Http404
    kiosk = _kiosk(request)
    online = Channel.KIOSK if kiosk["kiosk"] else Channel.ONLINE
    context = {
        "service": service,
        "may_online": online in service.channels,
        "may_book": Channel.WINDOW in service.channels and service.slot_capacity > 0,
        "may_door": Channel.DOOR in service.channels,
        "channel_labels": [Channel(c).label for c in service.channels if c in Channel.values],
        **kiosk,
    }
    return render(request, "services/detail.html", context)


@never_cache
def apply(request, pk: int):
    """The application form; ``?mode=online|window|door``. A booking shows the free slots
    of the day chosen (``?day=``), read again on every load."""
    service = selectors.public_service(pk)
    if service is None:
        raise Http404
    kiosk = _kiosk(request)
    data = request.POST if request.method == "POST" else request.GET
    mode = data.get("mode") if data.get("mode") in MODES else "online"
    channel = MODES[mode]
    if channel == Channel.ONLINE and kiosk["kiosk"]:
        channel = Channel.KIOSK
    status = 200
    if request.method == "POST":
        form = ApplyForm(request.POST)
        if form.is_valid():
            made, status = _apply(request, form, service, channel)
            if made is not None:
                return redirect("services:thanks", made.tracking_code)
        else:
            status = 400
    else:
        sender_of(request.user, session=request.session)
        form = ApplyForm(initial={"client_key": new_client_key(), "channel": channel})
    day = _day(request, form)
    context = {
        "service": service,
        "form": form,
        "mode": mode,
        "channel": channel,
        "day": day,
        "days": selectors.booking_days(),
        "slots": selectors.free_slots(service, day) if day and mode != "door" else [],
        "chosen_slot": form["booked_for"].value() or "",
        "townships": intake.public_places(level="township"),
        **kiosk,
    }
    return render(request, "services/apply.html", context, status=status)


def _day(request, form) -> dt.date | None:
    """The day whose slots are listed: the one asked for, or the chosen slot's."""
    picked = DayForm(request.GET if request.method == "GET" else request.POST)
    if picked.is_valid() and picked.cleaned_data["day"]:
        return picked.cleaned_data["day"]
    slot = form["booked_for"].value()
    try:
        return dt.datetime.fromisoformat(slot).date() if slot else None
    except ValueError:
        return None


def _apply(request, form: ApplyForm, service, channel: str):
    slot = form.slot()
    if slot == "":
        form.add_error(None, _("预约时段无法识别，请重新选择"))
        return None, 400
    code = form.building_code_given() if channel == Channel.DOOR else ""
    building = selectors.public_building(code) if code else None
    if code and building is None:
        form.add_error("building_code", _("没有编码为“%(code)s”的楼栋，请核对") % {"code": code})
        return None, 400
    data = form.cleaned_data
    sender = sender_of(request.user, session=request.session)
    limit = _limit(request, sender)
    if limit and rate_limits.refused("services", key=data["client_key"], **limit):
        form.add_error(None, _("提交太频繁，请稍后再试；急事请拨打 110"))
        return None, 429
    try:
        made, _created = services.apply(
            actor=request.user,
            sender=sender,
            service=service,
            channel=channel,
            applicant_name=data["applicant_name"],
            phone=data["phone"],
            id_number=data["id_number"],
            booked_for=slot,
            note=data["note"],
            client_key=data["client_key"] or None,
            building=building,
            address_detail=data["address_detail"],
            door_reason=data["door_reason"],
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return None, 400
    if limit:
        rate_limits.counted("services", key=data["client_key"], made=made.pk, **limit)
    return made, 200


def _limit(request, sender: str) -> dict:
    """The rate limit's arguments for this visitor; none for staff taking applications."""
    if request.user.has_perm(services.ADD_APPLICATION):
        return {}
    return {
        "sender": sender,
        "address": rate_limits.address_of(request),
        "limits": rate_limits.limits_for(RATE_LIMIT, "FENGQIAO_SERVICE_RATE_LIMIT"),
    }


def thanks(request, code: str):
    application = selectors.application_by_code_for_public(code)
    if application is None:
        raise Http404
    return render(request, "services/thanks.html", {"application": application})


def track_lookup(request):
    form = TrackForm(request.GET or None)
    not_found = False
    if form.is_valid():
        code = form.cleaned_data["code"].strip().upper()
        if selectors.application_by_code_for_public(code) is not None:
            return redirect("services:track", code)
        not_found = True
    context = {
        "form": form,
        "not_found": not_found,
        # A signed-in resident's own applications, newest first.
        "mine": selectors.applications_of_resident(request.user)[:20],
    }
    return render(request, "services/track_lookup.html", context)


@never_cache
def track(request, code: str, *, rate_form=None, cancel_form=None, status: int = 200):
    """What became of the application: its state in plain words, what is missing, the
    due date, and cancel or rate where they apply. No full numbers, no staff names."""
    application = selectors.application_by_code_for_public(code)
    if application is None:
        raise Http404
    context = {
        "application": application,
        "events": selectors.public_timeline(application),
        "may_cancel": application.state in selectors.OPEN_STATES,
        "may_rate": application.state in (Application.State.COMPLETED, Application.State.REFUSED)
        and application.satisfaction is None,
        "rate_form": rate_form or RateForm(),
        "cancel_form": cancel_form or CancelForm(),
        "now": timezone.now(),
    }
    return render(request, "services/track.html", context, status=status)


@require_POST
def rate(request, code: str):
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.rate(
                tracking_code=code,
                satisfaction=form.cleaned_data["satisfaction"],
                feedback=form.cleaned_data["feedback"],
            )
        except ValidationError as error:
            if selectors.application_by_code_for_public(code) is None:
                raise Http404 from None
            form.add_service_errors(error)
        else:
            return redirect("services:track", code)
    return track(request, code, rate_form=form, status=400)


@require_POST
def cancel(request, code: str):
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_by_applicant(tracking_code=code, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            if selectors.application_by_code_for_public(code) is None:
                raise Http404 from None
            form.add_service_errors(error)
        else:
            return redirect("services:track", code)
    return track(request, code, cancel_form=form, status=400)
