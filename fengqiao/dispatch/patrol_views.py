"""Patrol pages: 我的巡逻 with its big 打卡 button, routes, shifts and the teams that walk
them. Thin: forms parse, ``patrol_services`` writes, ``patrol_selectors`` reads (scoped,
404 outside it); a missing permission is a 403."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.dispatch import patrol_selectors as selectors
from fengqiao.dispatch import patrol_services as services
from fengqiao.dispatch.patrol_forms import (
    CheckInForm,
    PeriodForm,
    RouteForm,
    ShiftForm,
    points_as_text,
)

VIEW_ROUTES = "dispatch.view_patrolroute"
VIEW_SHIFTS = "dispatch.view_patrolshift"
CHECK_IN = "dispatch.add_checkin"
MAX_PERIOD_DAYS = 366


def _day(request) -> dt.date:
    """The day a page shows (``?day=YYYY-MM-DD``), today when missing or unreadable."""
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


# --- 我的巡逻 -----------------------------------------------------------------------------


@login_required
@permission_required(CHECK_IN, raise_exception=True)
def mine(request):
    """The person's shifts today, each route's points (done or not), and 打卡."""
    return _render_mine(request)


def _render_mine(request, *, failed: CheckInForm | None = None, status: int = 200):
    shifts = selectors.shifts_of(request.user)
    done: dict[int, object] = {}
    for checkin in selectors.checkins_of(request.user).order_by("at"):
        done[checkin.point_id] = checkin
    failed_point = failed.cleaned_data.get("point") if failed is not None else None
    cards = []
    for shift in shifts:
        points = shift.route.active_points
        is_failed = failed is not None and any(p.pk == failed_point for p in points)
        chosen = failed_point if is_failed else _next_point(points, done)
        form = failed if is_failed else CheckInForm(auto_id=f"shift{shift.pk}_%s")
        rows = [(point, done.get(point.pk), point.pk == chosen) for point in points]
        cards.append({"shift": shift, "rows": rows, "form": form, "now": _running(shift)})
    context = {
        "cards": cards,
        "failed": failed
        if failed is not None and not any(c["form"] is failed for c in cards)
        else None,
        "today": timezone.localdate(),
    }
    return render(request, "dispatch/patrol_mine.html", context, status=status)


def _next_point(points, done) -> int | None:
    """The first point not yet checked in at today, else the first one."""
    for point in points:
        if point.pk not in done:
            return point.pk
    return points[0].pk if points else None


def _running(shift) -> bool:
    now = timezone.now()
    return shift.starts_at <= now <= shift.ends_at


@login_required
@permission_required(CHECK_IN, raise_exception=True)
@require_POST
def checkin(request):
    form = CheckInForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        if data["point"] is None:
            form.add_error(None, _("请选择打卡点"))
            return _render_mine(request, failed=form, status=400)
        point = selectors.checkin_point_for(request.user, data["point"])
        try:
            made, created = services.check_in(
                actor=request.user,
                point=point,
                lon=data["lon"],
                lat=data["lat"],
                accuracy_m=data["accuracy"],
                client_key=data["client_key"] or None,
                note=data["note"],
                hazard=data["hazard"],
                hazard_photo=data["hazard_photo"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            _say_checked_in(request, made, created)
            return redirect("dispatch:patrol_mine")
    return _render_mine(request, failed=form, status=400)


def _say_checked_in(request, checkin, created: bool) -> None:
    if not created:
        messages.info(request, _("这次打卡已经记录过了"))
        return
    messages.success(
        request,
        _("已在“%(point)s”打卡，%(time)s")
        % {"point": checkin.point.name, "time": timezone.localtime(checkin.at).strftime("%H:%M")},
    )
    if checkin.off_point:
        messages.warning(
            request,
            _("偏离打卡点 %(n)s 米，已记录，请尽量到点位打卡") % {"n": round(checkin.distance_m)},
        )
    if checkin.off_shift:
        messages.warning(request, _("现在不在您的巡逻班次时间内，打卡已记录并标注"))
    if checkin.hazard_code:
        messages.success(request, _("隐患已上报，查询码 %(code)s") % {"code": checkin.hazard_code})


# --- routes -------------------------------------------------------------------------------


@login_required
@permission_required(VIEW_ROUTES, raise_exception=True)
def routes(request):
    return render(
        request, "dispatch/patrol_routes.html", {"routes": selectors.routes_for(request.user)}
    )


def _route_form(request, **kwargs) -> RouteForm:
    return RouteForm(
        **kwargs,
        stations=selectors.stations_for_routes(request.user),
        areas=selectors.areas_for_routes(request.user),
    )


def _save_route(request, form: RouteForm, route=None):
    data = form.cleaned_data
    try:
        return services.save_route(
            actor=request.user,
            route=route,
            name=data["name"],
            station=data["station"],
            region=data["region"],
            note=data["note"],
            active=data["active"],
            points=form.point_list(),
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return None


@login_required
@permission_required("dispatch.add_patrolroute", raise_exception=True)
def route_new(request):
    if request.method == "POST":
        form = _route_form(request, data=request.POST)
        if form.is_valid() and (route := _save_route(request, form)) is not None:
            messages.success(request, _("巡逻路线已保存"))
            return redirect("dispatch:patrol_route", route.pk)
        status = 400
    else:
        form = _route_form(request, initial={"active": True})
        status = 200
    return render(
        request, "dispatch/patrol_route_form.html", {"form": form, "route": None}, status=status
    )


@login_required
@permission_required("dispatch.change_patrolroute", raise_exception=True)
def route_edit(request, pk: int):
    route = selectors.get_route_for(request.user, pk)
    if request.method == "POST":
        form = _route_form(request, data=request.POST)
        if form.is_valid() and _save_route(request, form, route) is not None:
            messages.success(request, _("巡逻路线已保存"))
            return redirect("dispatch:patrol_route", route.pk)
        status = 400
    else:
        initial = {
            "name": route.name,
            "station": route.station_id,
            "region": route.region_id,
            "note": route.note,
            "active": route.active,
            "points": points_as_text(route.active_points),
        }
        form = _route_form(request, initial=initial)
        status = 200
    return render(
        request, "dispatch/patrol_route_form.html", {"form": form, "route": route}, status=status
    )


@login_required
@permission_required(VIEW_ROUTES, raise_exception=True)
def route_detail(request, pk: int):
    """The route, its points, the day's shifts and check-ins, the flagged ones marked."""
    route = selectors.get_route_for(request.user, pk)
    day = _day(request)
    checkins = list(selectors.checkins_for(request.user, route=route, day=day))
    visited = {c.point_id for c in checkins}
    context = {
        "route": route,
        "day": day,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "points": [(point, point.pk in visited) for point in route.active_points],
        "checkins": checkins,
        "flagged": sum(1 for c in checkins if c.flagged),
        "shifts": selectors.shifts_for(request.user, day=day, route=route),
    }
    return render(request, "dispatch/patrol_route.html", context)


# --- shifts -------------------------------------------------------------------------------


@login_required
@permission_required(VIEW_SHIFTS, raise_exception=True)
def shifts(request):
    day = _day(request)
    context = {
        "day": day,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "shifts": selectors.shifts_for(request.user, day=day),
    }
    return render(request, "dispatch/patrol_shifts.html", context)


def _shift_form(request, **kwargs) -> ShiftForm:
    user = request.user
    return ShiftForm(
        **kwargs,
        routes=selectors.routes_for(user, active_only=True),
        teams=selectors.team_choices_for(user),
        duty_units=selectors.duty_unit_choices_for(user),
        people=selectors.people_choices_for(user),
    )


@login_required
@permission_required("dispatch.add_patrolshift", raise_exception=True)
def shift_new(request):
    if request.method == "POST":
        form = _shift_form(request, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                shift = services.plan_shift(
                    actor=request.user,
                    route=data["route"],
                    date=data["date"],
                    start=data["start"],
                    end=data["end"],
                    team=data["team"],
                    duty_unit=data["duty_unit"],
                    people=data["people"],
                    note=data["note"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("巡逻班次已安排"))
                return redirect(f"{reverse('dispatch:patrol_shifts')}?day={shift.date:%Y-%m-%d}")
        status = 400
    else:
        initial = {"date": _day(request), "route": request.GET.get("route") or None}
        form = _shift_form(request, initial=initial)
        status = 200
    return render(request, "dispatch/patrol_shift_form.html", {"form": form}, status=status)


# --- teams --------------------------------------------------------------------------------


@login_required
@permission_required(VIEW_SHIFTS, raise_exception=True)
def teams(request):
    return render(
        request, "dispatch/patrol_teams.html", {"teams": selectors.patrol_teams_for(request.user)}
    )


@login_required
@permission_required(VIEW_SHIFTS, raise_exception=True)
def team_detail(request, pk: int):
    """A patrol team: its members, its shifts and what each person gave in a period (this
    month by default)."""
    team = selectors.get_patrol_team_for(request.user, pk)
    today = timezone.localdate()
    period = PeriodForm(request.GET or None)
    start, end = today.replace(day=1), today
    if period.is_bound and period.is_valid():
        start = period.cleaned_data["start"] or start
        end = period.cleaned_data["end"] or end
    if end < start or (end - start).days > MAX_PERIOD_DAYS:
        start, end = today.replace(day=1), today
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    team_shifts = selectors.shifts_for(request.user, team=team).filter(
        starts_at__gte=since, starts_at__lt=until
    )
    context = {
        "team": team,
        "members": selectors.members_of(team),
        "shifts": team_shifts,
        "contributions": selectors.contributions(request.user, start=since, end=until, team=team),
        "period": PeriodForm(initial={"start": start, "end": end}),
        "start": start,
        "end": end,
    }
    return render(request, "dispatch/patrol_team.html", context)
