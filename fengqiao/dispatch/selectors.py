"""Every read of dispatch a page, the API or the figures needs, scoped to the user."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, DateField, ExpressionWrapper, F, FloatField, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from fengqiao.dispatch import rules
from fengqiao.dispatch.models import DutyUnit, Incident
from fengqiao.dispatch.patrol_models import CheckIn
from fengqiao.org.models import Beat, Unit
from fengqiao.org.scope import get_for, person_of
from fengqiao.places.models import PATH_SEPARATOR

# Widening squares around an incident: the database narrows candidates with an index
# before any distance is measured; the last step takes every available unit in reach.
SEARCH_RADII_M = (5_000, 20_000, 80_000)
SEARCH_MATCHES = 100


def incidents_for(
    user, *, q: str = "", status: str = "", open_only: bool = False
) -> QuerySet[Incident]:
    """Incidents in the user's jurisdiction, newest first; ``q`` finds a number (ours or
    110's), a case reference it became, or a phone's last four digits."""
    incidents = Incident.objects.for_user(user).select_related(
        "unit", "grid", "building", "station", "case"
    )
    if open_only:
        incidents = incidents.exclude(status=Incident.Status.CLOSED)
    if status:
        incidents = incidents.filter(status=status)
    q = (q or "").strip()
    if q:
        condition = Q(number__icontains=q.upper()) | Q(case__reference=q) | Q(case__court_number=q)
        if q.isdigit() and len(q) == 4:
            condition |= Q(phone_last4=q)
        incidents = incidents.filter(condition)
    return incidents


def get_incident_for(user, number: str) -> Incident:
    """The incident by number if it lies in the user's jurisdiction, else 404."""
    return get_for(user, incidents_for(user), number=number)


def units_for(user, *, station=None, on_duty: bool = False) -> QuerySet[DutyUnit]:
    units = DutyUnit.objects.for_user(user).select_related("station", "beat")
    if station is not None:
        units = units.filter(unit_path__startswith=station.path)
    if on_duty:
        units = units.exclude(status=DutyUnit.Status.OFF_DUTY)
    return units


def board_station_ids_for(user) -> list[int]:
    """The police stations whose every incident the user's board shows (the station lies in
    the user's jurisdiction), for the board's push topics; empty without the board's right."""
    if not user.has_perm("dispatch.view_incident"):
        return []
    stations = Unit.objects.for_user(user).filter(kind=Unit.Kind.STATION)
    return list(stations.order_by("pk").values_list("pk", flat=True))


def units_of(user) -> QuerySet[DutyUnit]:
    """The units the signed-in officer is a member of (their phone's units)."""
    person = person_of(user)
    if person is None:
        return DutyUnit.objects.none()
    return DutyUnit.objects.unscoped_for_jobs().filter(members=person).select_related("station")


def assigned_to(user) -> QuerySet[Incident]:
    """Open incidents sent to a unit the officer is a member of, oldest first."""
    return (
        Incident.objects.unscoped_for_jobs()
        .filter(unit__in=units_of(user))
        .exclude(status=Incident.Status.CLOSED)
        .select_related("unit", "grid", "building")
        .order_by("received_at")
    )


def beat_ids_for(incident: Incident) -> set[int]:
    """The beats covering the incident's grid or any region above it."""
    codes = [code for code in incident.grid.path.split(PATH_SEPARATOR) if code]
    return set(Beat.objects.filter(areas__code__in=codes).values_list("pk", flat=True))


def _candidates(queryset) -> list[rules.Candidate]:
    return [
        rules.Candidate(*row)
        for row in queryset.values_list(
            "pk", "call_sign", "kind", "lon", "lat", "fix_at", "beat_id"
        )
    ]


def suggestions_for(
    incident: Incident, *, now: dt.datetime | None = None
) -> list[rules.Suggestion]:
    """The available units to send, in order (``rules.suggest``): candidates come from the
    incident's station and the stations beside it in the county, nearest squares first."""
    now = now or timezone.now()
    beats = beat_ids_for(incident)
    available = DutyUnit.objects.unscoped_for_jobs().filter(status=DutyUnit.Status.AVAILABLE)
    county = _county_prefix(incident.grid.path)
    if county:
        available = available.filter(scope_path__startswith=county)
    point = (incident.lon, incident.lat) if incident.lon is not None else _place_point(incident)
    found: list[rules.Candidate] = []
    if point is not None:
        # Nearest first inside the square, so a crowded square keeps its nearest units.
        lon, lat = point
        stretch = math.cos(math.radians(lat)) ** 2
        near = ExpressionWrapper(
            (F("lon") - lon) * (F("lon") - lon) * stretch + (F("lat") - lat) * (F("lat") - lat),
            output_field=FloatField(),
        )
        for radius in SEARCH_RADII_M:
            min_lon, min_lat, max_lon, max_lat = rules.bounding_box(*point, radius)
            inside = available.filter(lon__range=(min_lon, max_lon), lat__range=(min_lat, max_lat))
            found = _candidates(inside.annotate(near=near).order_by("near")[:SEARCH_MATCHES])
            # Enough, and none outside the square can be nearer than the fifth found (a
            # unit in the square's corner is farther than one just beyond its side).
            nearest = sorted(rules.distance_m(lon, lat, c.lon, c.lat) for c in found)
            if len(found) >= rules.SUGGESTIONS and nearest[rules.SUGGESTIONS - 1] <= radius:
                break
    # The beat's own units and units with no position are asked by name, not by square.
    seen = {c.unit_id for c in found}
    extra = available.filter(Q(beat_id__in=beats) | Q(lon__isnull=True)).exclude(pk__in=seen)
    found += _candidates(extra[:SEARCH_MATCHES])
    lon, lat = point if point is not None else (None, None)
    return rules.suggest(lon, lat, found, beat_ids=beats, now=now)


def _county_prefix(path: str) -> str:
    codes = [code for code in path.split(PATH_SEPARATOR) if code]
    for n, code in enumerate(codes, start=1):
        if len(code) == 6 and code[4:] != "00":
            return PATH_SEPARATOR + PATH_SEPARATOR.join(codes[:n]) + PATH_SEPARATOR
    return ""


def _place_point(incident: Incident) -> tuple[float, float] | None:
    if incident.building_id:
        return incident.building.lon, incident.building.lat
    if incident.grid.lon is not None:
        return incident.grid.lon, incident.grid.lat
    return None


@dataclass(frozen=True)
class ResponseTimes:
    count: int
    legs: dict[str, dict]


RESPONSE_FIELDS = (
    "received_at",
    "dispatched_at",
    "accepted_at",
    "departed_at",
    "arrived_at",
    "reported_at",
)


def response_times(
    user, *, start: dt.datetime, end: dt.datetime, station=None, unit=None
) -> ResponseTimes:
    """Median and 90th percentile of each leg (received → on scene, and each step between)
    for incidents received in [start, end) in the user's jurisdiction, optionally one
    station's (with its rooms) or one unit's. False alarms count: an officer went."""
    incidents = Incident.objects.for_user(user).filter(received_at__gte=start, received_at__lt=end)
    if station is not None:
        incidents = incidents.filter(unit_path__startswith=station.path)
    if unit is not None:
        incidents = incidents.filter(unit=unit)
    rows = list(incidents.values(*RESPONSE_FIELDS))
    return ResponseTimes(count=len(rows), legs=rules.leg_statistics(rows))


def checkins_by_month(
    user, *, start: dt.datetime, end: dt.datetime, person_ids=None, clean_only: bool = True
) -> list[dict]:
    """Patrol check-ins made in [start, end) in the user's jurisdiction, per person and
    local month: rows of ``person_id``, ``month`` (first day), ``checkins`` and ``hazards``
    (hazards reported through those check-ins). ``clean_only`` leaves out the check-ins
    the system flagged as off-point or out of shift; ``person_ids`` narrows to those
    people. Recognition's points read their figures here."""
    checkins = CheckIn.objects.for_user(user).filter(at__gte=start, at__lt=end)
    if clean_only:
        checkins = checkins.filter(off_point=False, off_shift=False)
    if person_ids is not None:
        checkins = checkins.filter(person_id__in=person_ids)
    return list(
        checkins.annotate(month=TruncMonth("at", output_field=DateField()))
        .values("person_id", "month")
        .annotate(checkins=Count("pk"), hazards=Count("pk", filter=Q(report__isnull=False)))
        .order_by("person_id", "month")
    )
