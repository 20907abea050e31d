"""The dispatch board (接处警): open incidents of the jurisdiction refreshing by themselves,
the incident page with its suggested units and one-click dispatch, and the 110 transfer
form. Reads through dispatch's selectors, writes through its services."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fengqiao.dispatch import push, rules, selectors, services
from fengqiao.dispatch.board_forms import DispatchForm, Receive110Form
from fengqiao.dispatch.caller_views import caller_slot
from fengqiao.dispatch.models import DutyUnit, Incident
from fengqiao.intake import selectors as intake
from fengqiao.pages import push_stream_for
from fengqiao.places.map_svg import MapPoint, MapShape, SvgMap, draw

VIEW = "dispatch.view_incident"
# The board shows this many open incidents (red first, then oldest) and says when more wait:
# room for a surge of a few hundred alarms on top of the day's open ones.
BOARD_LIMIT = 500
CLOSED_LIMIT = 100
SEARCH_LIMIT = 50
# A unit may be sent while the incident is new, or sent again before the first is on its way.
DISPATCHABLE = (Incident.Status.NEW, Incident.Status.DISPATCHED, Incident.Status.ACCEPTED)
# Degrees around the points, so a point at a grid's edge is not drawn on the frame.
MAP_MARGIN = 0.002


# --- the board ----------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def board(request):
    """Open incidents of the user's jurisdiction, red first then oldest, with a clock since
    each was received; the list refreshes itself (``board_rows``) and sounds for a new red
    one. A search finds a number (ours or 110's) or a caller's last four digits."""
    user = request.user
    q = request.GET.get("q", "").strip()[:40]
    found = None
    if q:
        found = list(selectors.incidents_for(user, q=q)[:SEARCH_LIMIT])
        _set_clocks(found, timezone.now())
    context = {
        **_open_rows(user),
        **_closed_rows(user),
        "q": q,
        "found": found,
        "may_receive_110": user.has_perm(services.RECEIVE_110),
        "may_respond": user.has_perm(services.RESPOND),
        "may_see_units": user.has_perm("dispatch.view_dutyunit"),
        **push_stream_for(request, push.board_topics_for(user)),
    }
    return render(request, "dispatch/board.html", context)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def board_rows(request):
    """The board's open incidents (or, with ``part=closed``, those closed today): the
    fragment the board polls every second. The poll sends the stamp of the rows it shows;
    while nothing changed the answer is an empty 204, which htmx leaves in place, so a
    board costs one small query a second, not a page of rows."""
    if request.GET.get("part") == "closed":
        return render(request, "dispatch/board_closed.html", _closed_rows(request.user))
    shown = request.GET.get("stamp", "")
    state = _open_incidents(request.user).values_list("pk", "status", "unit_id", "risk")
    if shown and shown == _stamp(state[: BOARD_LIMIT + 1]):
        return HttpResponse(status=204)
    return render(request, "dispatch/board_rows.html", _open_rows(request.user))


def _open_incidents(user):
    red_first = Case(When(risk="red", then=Value(0)), default=Value(1), output_field=IntegerField())
    return selectors.incidents_for(user, open_only=True).order_by(red_first, "received_at", "pk")


def _stamp(state) -> str:
    """What the rows on a board depend on, in a few characters: which incidents, in what
    state, with which unit and grade (the clocks tick in the page)."""
    return hashlib.blake2s(repr([tuple(row) for row in state]).encode(), digest_size=8).hexdigest()


def _open_rows(user) -> dict:
    now = timezone.now()
    incidents = _open_incidents(user)
    rows = list(incidents[: BOARD_LIMIT + 1])
    state = [(i.pk, i.status, i.unit_id, i.risk) for i in rows]
    more = len(rows) > BOARD_LIMIT
    rows = rows[:BOARD_LIMIT]
    _set_clocks(rows, now)
    return {"incidents": rows, "more": more, "limit": BOARD_LIMIT, "stamp": _stamp(state)}


def _closed_rows(user) -> dict:
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    closed = selectors.incidents_for(user, status=Incident.Status.CLOSED).filter(
        reported_at__gte=today
    )
    rows = list(closed.order_by("-reported_at", "-pk")[:CLOSED_LIMIT])
    return {"closed": rows, "closed_limit": CLOSED_LIMIT}


def _set_clocks(incidents, now: dt.datetime) -> None:
    """Each incident's time since received as mm:ss, the script's starting point."""
    for incident in incidents:
        incident.clock = mmss((now - incident.received_at).total_seconds())


# --- one incident -------------------------------------------------------------------------


@dataclass(frozen=True)
class MapMark:
    kind: str  # "incident", "incident uncertain" or "unit"
    label: str
    x: float
    y: float


@dataclass(frozen=True)
class IncidentMap:
    svg: SvgMap
    marks: list[MapMark]


def incident_point(incident: Incident) -> tuple[float, float] | None:
    """Where to draw the incident: its point, else its building's."""
    if incident.lon is not None and incident.lat is not None:
        return incident.lon, incident.lat
    if incident.building_id and incident.building.lon is not None:
        return incident.building.lon, incident.building.lat
    return None


def incident_map(incident: Incident, units=()) -> IncidentMap | None:
    """The incident's grid as offline SVG, with its point and the units that have a fix;
    an invisible frame around the points keeps one outside the grid on the map."""
    points: list[tuple[str, MapPoint]] = []
    at = incident_point(incident)
    if at is not None:
        kind = "incident uncertain" if incident.location_uncertain else "incident"
        points.append((kind, MapPoint(_("报警位置"), *at)))
    for unit in units:
        if unit.lon is not None and unit.lat is not None:
            points.append(("unit", MapPoint(unit.call_sign, unit.lon, unit.lat)))
    shapes = []
    if incident.grid.boundary:
        shapes.append(
            MapShape(
                key=incident.grid.code, label=incident.grid.name, geometry=incident.grid.boundary
            )
        )
    if points:
        lons = [point.lon for _kind, point in points]
        lats = [point.lat for _kind, point in points]
        west, east = min(lons) - MAP_MARGIN, max(lons) + MAP_MARGIN
        south, north = min(lats) - MAP_MARGIN, max(lats) + MAP_MARGIN
        frame = {
            "type": "Polygon",
            "coordinates": [
                [[west, south], [east, south], [east, north], [west, north], [west, south]]
            ],
        }
        shapes.append(MapShape(key="frame", label="", geometry=frame, css_class="frame"))
    drawn = draw(shapes, [point for _kind, point in points])
    if drawn is None:
        return None
    marks = [
        MapMark(kind, point.label, spot.x, spot.y)
        for (kind, point), spot in zip(points, drawn.points, strict=True)
    ]
    return IncidentMap(drawn, marks)


@dataclass(frozen=True)
class Stamp:
    label: str
    at: dt.datetime | None
    after: str  # "+mm:ss" since received; "" for the first and for one not yet recorded


def timeline(incident: Incident) -> list[Stamp]:
    """The incident's timestamps in order: received, dispatched and the officer's four."""
    stamps = [
        (_("接警"), incident.received_at),
        (_("派警"), incident.dispatched_at),
        (_("签收"), incident.accepted_at),
        (_("出警"), incident.departed_at),
        (_("到场"), incident.arrived_at),
        (_("反馈"), incident.reported_at),
    ]
    rows = [Stamp(stamps[0][0], stamps[0][1], "")]
    for label, at in stamps[1:]:
        after = ""
        if at is not None:
            after = "+" + mmss((at - incident.received_at).total_seconds())
        rows.append(Stamp(label, at, after))
    return rows


def mmss(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True)
class SuggestionRow:
    suggestion: rules.Suggestion
    # Out of the dispatcher's jurisdiction (a neighbouring station's): shown, not sent.
    in_reach: bool

    @property
    def distance(self) -> str:
        metres = self.suggestion.distance_m
        if metres is None:
            return ""
        if metres < 1000:
            return _("%(m)s 米") % {"m": int(round(metres))}
        return _("%(km).1f 公里") % {"km": metres / 1000}


@login_required
@permission_required(VIEW, raise_exception=True)
def incident(request, number: str):
    """One incident: details, map, suggested units with one-click dispatch, any unit on
    duty to choose, the timestamps and the result. POST sends a unit."""
    user = request.user
    found = selectors.get_incident_for(user, number)
    form = DispatchForm(user=user)
    status = 200
    if request.method == "POST":
        if not user.has_perm(services.DISPATCH):
            raise PermissionDenied
        form = DispatchForm(request.POST, user=user)
        if form.is_valid():
            unit = form.cleaned_data["unit"]
            suggestions = selectors.suggestions_for(found)
            try:
                services.dispatch_incident(
                    incident=found,
                    unit=unit,
                    actor=user,
                    suggested=[s.as_dict() for s in suggestions],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("已派 %(unit)s 出警") % {"unit": unit.call_sign})
                return redirect("dispatch:incident", found.number)
        status = 400
    context = _incident_context(user, found, form)
    return render(request, "dispatch/incident.html", context, status=status)


def _incident_context(user, found: Incident, form: DispatchForm) -> dict:
    may_dispatch = user.has_perm(services.DISPATCH) and found.status in DISPATCHABLE
    suggestions = selectors.suggestions_for(found) if may_dispatch else []
    reachable: dict[int, DutyUnit] = {}
    if suggestions:
        reachable = {
            unit.pk: unit
            for unit in selectors.units_for(user).filter(pk__in=[s.unit_id for s in suggestions])
        }
    map_units = list(reachable.values())
    if found.unit is not None and found.unit_id not in reachable:
        map_units.append(found.unit)
    return {
        "incident": found,
        "map": incident_map(found, map_units),
        "may_dispatch": may_dispatch,
        "suggestions": [SuggestionRow(s, s.unit_id in reachable) for s in suggestions],
        "on_duty": list(selectors.units_for(user, on_duty=True)) if may_dispatch else [],
        "form": form,
        "timeline": timeline(found),
        **caller_slot(user, found),
    }


# --- 110 transfers ------------------------------------------------------------------------


@login_required
@permission_required(services.RECEIVE_110, raise_exception=True)
def receive_110(request):
    """A 110 transfer typed in from the 110 system. The same 110 number sent again opens the
    incident it made, with a notice, and changes nothing."""
    user = request.user
    grids = intake.staff_grids_for(user).select_related("parent")
    status = 200
    if request.method == "POST":
        form = Receive110Form(request.POST, grids=grids)
        if form.is_valid():
            try:
                made, created = services.receive_110(actor=user, **form.submission())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return _after_110(request, made, created)
        status = 400
    else:
        now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        form = Receive110Form(grids=grids, initial={"received_at": now})
    return render(request, "dispatch/receive_110.html", {"form": form}, status=status)


def _after_110(request, made: Incident, created: bool):
    if not selectors.incidents_for(request.user).filter(pk=made.pk).exists():
        # Located outside the officer's jurisdiction: it went to the station there.
        messages.success(
            request,
            _("已登记 110 警情 %(number)s，按位置交由%(grid)s处置")
            % {"number": made.number, "grid": made.grid.name},
        )
        return redirect("dispatch:board")
    if created:
        messages.success(request, _("已登记 110 警情 %(number)s") % {"number": made.number})
    else:
        messages.warning(
            request,
            _("110 警情 %(number)s 已经登记过，下面是已有的警情，没有重复登记")
            % {"number": made.number},
        )
    return redirect("dispatch:incident", made.number)
