"""Every read of patrols a page needs, scoped to the user; and ``contributions``, what each
person gave to patrols in a period, for the team page and the recognition work after it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fengqiao.dispatch import patrol_rules as rules
from fengqiao.dispatch.models import DutyUnit
from fengqiao.dispatch.patrol_models import (
    PATROL_TEAM_KINDS,
    ROUTE_UNIT_KINDS,
    CheckIn,
    PatrolPoint,
    PatrolRoute,
    PatrolShift,
)
from fengqiao.org.models import Person, Team, Unit
from fengqiao.org.scope import get_for, person_of
from fengqiao.places.models import Region


def _today_bounds(day: dt.date | None) -> tuple[dt.datetime, dt.datetime]:
    return rules.day_bounds(day or timezone.localdate(), timezone.get_current_timezone())


def _active_points() -> Prefetch:
    return Prefetch(
        "points", queryset=PatrolPoint.objects.filter(active=True), to_attr="active_points"
    )


# --- routes -------------------------------------------------------------------------------


def routes_for(user, *, active_only: bool = False) -> QuerySet[PatrolRoute]:
    """Routes in the user's jurisdiction, with their station, area and point count."""
    routes = (
        PatrolRoute.objects.for_user(user)
        .select_related("station", "region")
        .annotate(point_count=Count("points", filter=Q(points__active=True)))
    )
    return routes.filter(active=True) if active_only else routes


def get_route_for(user, pk: int) -> PatrolRoute:
    """The route if it lies in the user's jurisdiction, else 404; its active points are
    ``route.active_points``."""
    routes = PatrolRoute.objects.select_related("station", "region").prefetch_related(
        _active_points()
    )
    return get_for(user, routes, pk=pk)


def stations_for_routes(user) -> QuerySet[Unit]:
    """The stations and police rooms a route may belong to."""
    return Unit.objects.for_user(user).filter(kind__in=ROUTE_UNIT_KINDS).order_by("path")


def areas_for_routes(user) -> QuerySet[Region]:
    """The areas a route may cover: the townships, communities and grids in reach."""
    return (
        Region.objects.for_user(user)
        .filter(level__in=("township", "community", "grid"))
        .defer("boundary")
        .order_by("path")
    )


# --- shifts -------------------------------------------------------------------------------


def shifts_for(
    user, *, day: dt.date | None = None, route: PatrolRoute | None = None, team=None
) -> QuerySet[PatrolShift]:
    """Shifts in the user's jurisdiction, those running some time on ``day`` if given, of
    one route or one team if given; earliest first."""
    shifts = (
        PatrolShift.objects.for_user(user)
        .select_related("route", "team", "duty_unit")
        .prefetch_related("people")
    )
    if day is not None:
        start, end = _today_bounds(day)
        shifts = shifts.filter(starts_at__lt=end, ends_at__gt=start)
    if route is not None:
        shifts = shifts.filter(route=route)
    if team is not None:
        shifts = shifts.filter(team=team)
    return shifts.annotate(checkin_count=Count("checkins")).order_by("starts_at", "id")


def shifts_of(user, *, day: dt.date | None = None) -> list[PatrolShift]:
    """The shifts the signed-in person is on that run some time on ``day`` (today), with
    each route's active points (``shift.route.active_points``): their phone's patrols.
    Being on the roster is what opens them, wherever the route lies."""
    person = person_of(user)
    if person is None:
        return []
    start, end = _today_bounds(day)
    return list(
        PatrolShift.objects.unscoped_for_jobs()
        .filter(people=person, starts_at__lt=end, ends_at__gt=start)
        .select_related("route", "team", "duty_unit")
        .prefetch_related(
            Prefetch("route__points", queryset=_point_order(), to_attr="active_points")
        )
        .order_by("starts_at", "id")
    )


def _point_order() -> QuerySet[PatrolPoint]:
    return PatrolPoint.objects.filter(active=True).order_by("order", "id")


def team_choices_for(user) -> QuerySet[Team]:
    return Team.objects.for_user(user).filter(kind__in=PATROL_TEAM_KINDS).order_by("name")


def duty_unit_choices_for(user) -> QuerySet[DutyUnit]:
    return DutyUnit.objects.for_user(user).select_related("station")


def people_choices_for(user) -> QuerySet[Person]:
    return Person.objects.for_user(user).filter(active=True).order_by("name", "id")


# --- check-ins ----------------------------------------------------------------------------


def checkins_for(
    user, *, route: PatrolRoute | None = None, day: dt.date | None = None
) -> QuerySet[CheckIn]:
    """Check-ins in the user's jurisdiction (of one route, on one local day), newest first."""
    checkins = CheckIn.objects.for_user(user).select_related("point", "person", "shift")
    if route is not None:
        checkins = checkins.filter(route=route)
    if day is not None:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        checkins = checkins.filter(at__gte=start, at__lt=start + dt.timedelta(days=1))
    return checkins


def checkins_of(user, *, day: dt.date | None = None) -> QuerySet[CheckIn]:
    """The signed-in person's own check-ins on ``day`` (today), newest first."""
    person = person_of(user)
    if person is None:
        return CheckIn.objects.none()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day or timezone.localdate(), dt.time.min, tzinfo=tz)
    return (
        CheckIn.objects.unscoped_for_jobs()
        .filter(person=person, at__gte=start, at__lt=start + dt.timedelta(days=1))
        .select_related("point")
    )


def checkin_point_for(user, pk) -> PatrolPoint:
    """A point the user may check in at: on a route in their jurisdiction, or on the route of
    a shift they are on today. Anything else is 404, like a point that does not exist."""
    person = person_of(user)
    if person is None:
        raise Http404
    start, end = _today_bounds(None)
    on_shift = PatrolShift.objects.unscoped_for_jobs().filter(
        people=person, starts_at__lt=end, ends_at__gt=start
    )
    in_reach = PatrolRoute.objects.for_user(user)
    points = (
        PatrolPoint.objects.unscoped_for_jobs()
        .select_related("route")
        .filter(Q(route__in=in_reach.values("pk")) | Q(route__in=on_shift.values("route")))
    )
    try:
        return points.get(pk=pk)
    except (PatrolPoint.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- teams and contributions --------------------------------------------------------------


def patrol_teams_for(user) -> QuerySet[Team]:
    """The teams that patrol (patrol, joint-defence, volunteer, property) in reach."""
    return (
        Team.objects.for_user(user)
        .filter(kind__in=PATROL_TEAM_KINDS)
        .select_related("region", "unit", "leader")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("region__path", "name")
    )


def get_patrol_team_for(user, pk: int) -> Team:
    teams = Team.objects.filter(kind__in=PATROL_TEAM_KINDS).select_related(
        "region", "unit", "leader"
    )
    return get_for(user, teams, pk=pk)


def members_of(team: Team) -> QuerySet[Person]:
    return team.members.select_related("unit", "region").prefetch_related("roles")


@dataclass(frozen=True)
class Contribution:
    """What one person gave to patrols in a period."""

    person_id: int
    name: str
    shifts: int  # shifts served: on the roster of a shift that had started by then
    checkins: int  # check-ins made
    hazards: int  # hazards reported through a check-in


def contributions(
    user, *, start: dt.datetime, end: dt.datetime, team: Team | None = None
) -> list[Contribution]:
    """Per person, in [start, end): the shifts served, the check-ins made and the hazards
    reported on patrol, counting only shifts and check-ins in the user's jurisdiction.

    A shift is served by everyone on its roster (``PatrolShift.people``, fixed when it was
    planned) once it has started; one that has not started yet counts for nobody. With
    ``team``: only that team's shifts, the check-ins made on them, and every current
    member listed (with noughts) besides anyone else on its rosters. Without: everyone
    with a shift or a check-in in the period. Sorted by shifts, check-ins, hazards, then
    name. The future recognition work (表彰) reads its figures here.
    """
    now = timezone.now()
    shifts = PatrolShift.objects.for_user(user).filter(
        starts_at__gte=start, starts_at__lt=end, starts_at__lte=now
    )
    checkins = CheckIn.objects.for_user(user).filter(at__gte=start, at__lt=end)
    if team is not None:
        shifts = shifts.filter(team=team)
        checkins = checkins.filter(shift__team=team)
    served = dict(
        PatrolShift.people.through.objects.filter(patrolshift__in=shifts.values("pk"))
        .values("person_id")
        .annotate(n=Count("patrolshift_id"))
        .values_list("person_id", "n")
    )
    made = {
        row["person_id"]: (row["n"], row["hazards"])
        for row in checkins.values("person_id").annotate(
            n=Count("pk"), hazards=Count("pk", filter=Q(report__isnull=False))
        )
    }
    ids = set(served) | set(made)
    if team is not None:
        ids |= set(team.members.values_list("pk", flat=True))
    names = dict(Person.objects.filter(pk__in=ids).values_list("pk", "name"))
    rows = [
        Contribution(
            person_id=pk,
            name=names.get(pk, ""),
            shifts=served.get(pk, 0),
            checkins=made.get(pk, (0, 0))[0],
            hazards=made.get(pk, (0, 0))[1],
        )
        for pk in ids
    ]
    rows.sort(key=lambda r: (-r.shifts, -r.checkins, -r.hazards, r.name, r.person_id))
    return rows
