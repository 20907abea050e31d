"""The residents' doors of the one-click alarm: the alarm page (phone, group page, kiosk),
the page that says the alarm arrived, and the kiosk's start page. No login: anyone may
raise an alarm. Every write is ``services.raise_alarm``."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fengqiao import rate_limits
from fengqiao.community import selectors as community
from fengqiao.dispatch import alarm_selectors, services
from fengqiao.dispatch.alarm_forms import AlarmForm
from fengqiao.forms_support import new_client_key
from fengqiao.idempotency import sender_of
from fengqiao.intake import selectors as intake
from fengqiao.privacy import mask_phone

KIOSK_IDLE_SECONDS = 60
# New alarms one browser (or one address) may raise in a window; taps of the same alarm
# and retries of the same key are one alarm and count once.
RATE_LIMIT = {"per_sender": 5, "per_address": 30, "seconds": 600}


@never_cache
def alarm(request):
    """The one-click alarm. ``?channel=kiosk`` (with ``place``) comes from a kiosk,
    ``?group=<pk>`` from a community group, whose place is the fallback."""
    data = request.POST if request.method == "POST" else request.GET
    channel = "kiosk" if data.get("channel") == "kiosk" else "one_click_alarm"
    group = _group(request, data.get("group"))
    status = 200
    if request.method == "POST":
        form = AlarmForm(request.POST, request.FILES)
        incident, status = _raise(request, form, group) if form.is_valid() else (None, 400)
        if incident is not None:
            return redirect("dispatch:alarm_sent", incident.report.tracking_code)
    else:
        # The alarm's key will belong to this browser's session: start it now, so a second
        # tap of the first send already finds the first alarm.
        sender_of(request.user, session=request.session)
        form = AlarmForm(
            initial={
                "client_key": new_client_key(),
                "channel": channel,
                "group": group.pk if group else None,
                "kiosk_place": data.get("place", "") if channel == "kiosk" else "",
                **(_chosen_building(data.get("place", "")) if channel != "kiosk" else {}),
            }
        )
    return render(
        request, "dispatch/alarm.html", _context(request, form, channel, group), status=status
    )


def _raise(request, form: AlarmForm, group) -> tuple[object | None, int]:
    """Raise the alarm: the incident, or None and the status of the page with errors."""
    data = form.cleaned_data
    sender = sender_of(request.user, session=request.session)
    limit = {"sender": sender, "address": rate_limits.address_of(request), "limits": _limits()}
    if rate_limits.refused("alarm", key=data["client_key"], **limit):
        form.add_error(None, _("短时间内在线报警次数过多，已暂停。如有紧急情况，请立即拨打 110。"))
        return None, 429
    try:
        incident = services.raise_alarm(
            actor=request.user if request.user.is_authenticated else None,
            sender=sender,
            client_key=data["client_key"] or None,
            channel=data["channel"],
            note=data["note"],
            caller_phone=data["phone"],
            silent=data["silent"],
            photos=[data["photo"]] if data["photo"] else [],
            **form.location(group=group),
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return None, 400
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return None, 403
    rate_limits.counted("alarm", key=data["client_key"], made=incident.pk, **limit)
    return incident, 200


def _chosen_building(code: str) -> dict:
    """``?place=<building code>`` outside a kiosk (the link on a building's QR page,
    /b/<code>/): the picker opens with that building chosen. An unknown code chooses none."""
    building = alarm_selectors.public_building(code) if code else None
    if building is None:
        return {}
    codes = [part for part in building.grid.path.split("/") if part]
    township, community = (codes[-3], codes[-2]) if len(codes) >= 3 else ("", "")
    return {
        "township": township,
        "community": community,
        "grid_code": building.grid.code,
        "building": building.code,
    }


def _group(request, pk):
    """The community group the alarm was opened from, if the user may open it; a link
    from a group the user cannot open is simply an alarm without the group's place."""
    if not pk or not request.user.is_authenticated:
        return None
    try:
        return community.get_group_for(request.user, pk)
    except Http404:
        return None


def _context(request, form: AlarmForm, channel: str, group) -> dict:
    value = (
        form.data.get if form.is_bound else lambda name, default="": form.initial.get(name, default)
    )
    township, community_code = value("township", ""), value("community", "")
    grid_code = value("grid_code", "")
    kiosk_code = form["kiosk_place"].value() or ""
    kiosk_place = alarm_selectors.public_building(kiosk_code) if channel == "kiosk" else None
    confirmed = community.confirmed_phone_of(request.user)
    return {
        "form": form,
        "channel": channel,
        "kiosk": channel == "kiosk",
        "kiosk_place": kiosk_place,
        "kiosk_place_unknown": bool(channel == "kiosk" and kiosk_code and kiosk_place is None),
        "kiosk_idle_seconds": _kiosk_idle_seconds(),
        "group": group,
        "confirmed_phone": mask_phone(confirmed) if confirmed else "",
        "max_note_chars": services.MAX_NOTE_CHARS,
        "townships": intake.public_places(level="township"),
        "township": township,
        "community": community_code,
        "communities": intake.public_places(parent_code=township, level="community")
        if township
        else [],
        "grids": intake.public_places(parent_code=community_code, level="grid")
        if community_code
        else [],
        "grid_code": grid_code,
        "buildings": alarm_selectors.public_buildings(grid_code),
        "building": value("building", ""),
        "forget_saved": bool(form.errors.get("saved_building")),
    }


@require_GET
def alarm_buildings(request):
    """The buildings of the chosen grid, for the "我所在的楼栋" picker (a fragment)."""
    grid_code = request.GET.get("grid_code", "")
    context = {"buildings": alarm_selectors.public_buildings(grid_code), "grid_code": grid_code}
    return render(request, "dispatch/alarm_buildings.html", context)


@never_cache
def alarm_sent(request, code: str):
    """What became of the alarm, for whoever holds its tracking code. A silent alarm's
    page says nothing of an alarm: someone may be looking at the screen."""
    incident = alarm_selectors.alarm_by_tracking_code(code)
    if incident is None:
        raise Http404
    context = {
        "incident": incident,
        "report": incident.report,
        "kiosk": incident.channel == "kiosk",
        "kiosk_idle_seconds": _kiosk_idle_seconds(),
        "status_url": reverse("intake:status", args=[incident.report.tracking_code]),
    }
    template = "dispatch/alarm_submitted.html" if incident.silent else "dispatch/alarm_sent.html"
    return render(request, template, context)


@never_cache
def kiosk(request):
    """The self-service terminal's start page. ``?place=<building code>`` sets where the
    terminal stands, once (the terminal remembers it); an unknown code is refused."""
    code = request.GET.get("place", "").strip()
    place = alarm_selectors.public_building(code) if code else None
    context = {
        "place": place,
        "place_code": code,
        "place_unknown": bool(code and place is None),
        "kiosk_idle_seconds": _kiosk_idle_seconds(),
    }
    return render(
        request, "dispatch/kiosk.html", context, status=400 if code and not place else 200
    )


def _kiosk_idle_seconds() -> int:
    return int(getattr(settings, "FENGQIAO_KIOSK_IDLE_SECONDS", KIOSK_IDLE_SECONDS))


def _limits() -> dict:
    return rate_limits.limits_for(RATE_LIMIT, "FENGQIAO_ALARM_RATE_LIMIT")
