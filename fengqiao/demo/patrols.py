"""The demo's patrols (巡逻防控): routes, joint-defence teams, a month of shifts and the
check-ins made on them, written in bulk over whatever county is loaded.

Every station whose township has buildings gets a night route through each of its two
busiest communities, its points at a few of their buildings (100 m each). Each such
township gets a joint-defence team (群防群治队) of its volunteers, property staff and
building heads, those with a login first. Each route has an evening shift (19:00–21:00)
every day for ``days`` days back and a week ahead, walked by four of the team; today also a
day shift (08:00–20:00) whose roster is everyone of the township with a login who checks
in (the demo's volunteer, grid, building, property, auxiliary and police logins see it on
我的巡逻). Past shifts have their check-ins: most at the point, one in ten a few hundred
metres off (偏离打卡点), a few outside any shift, and about one in thirty with a hazard
found (发现隐患) that went to intake as a grid report, its tracking code on the check-in.

``demo_patrols`` is called once after the county is loaded (it does nothing when routes
exist already). Rows are written directly, like the demo's cases and incidents: the
services stamp the present time, and a generated history lies in the past.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable

from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from fengqiao.demo import bulk
from fengqiao.dispatch import patrol_rules
from fengqiao.dispatch.models import CheckIn, PatrolPoint, PatrolRoute, PatrolShift
from fengqiao.intake.models import Report
from fengqiao.intake.services import TRACKING_ALPHABET, TRACKING_LENGTH
from fengqiao.org.models import Person, Team, Unit
from fengqiao.places.models import Building

Progress = Callable[[str], None]

DAYS = 30
DAYS_AHEAD = 7
ROUTES_PER_STATION = 2
POINTS_PER_ROUTE = 5
MIN_BUILDINGS = 3
TEAM_SIZE = 16
ROSTER = 4
EVENING = (dt.time(19), dt.time(21))
TODAY = (dt.time(8), dt.time(20))
WALK_SHARE = 0.85  # of the roster who turned up and checked in
OFF_POINT_SHARE = 0.1
OFF_SHIFT_SHARE = 0.03
HAZARD_SHARE = 0.03
METRES_PER_DEGREE = 111_320
GROUND_ROLES = ("volunteer", "property_staff", "building_head")
CHECKING_IN_ROLES = (*GROUND_ROLES, "grid_worker", "auxiliary_police", "community_police")
HAZARDS = (
    "消防通道被电动车和杂物堵住",
    "楼道里电线私拉乱接，给电动车充电",
    "路口井盖缺失，晚上看不清",
    "河边护栏松动，有小孩在附近玩",
    "空置房门窗破损，有人夜里进出",
    "小区路灯坏了好几盏，巷子里很黑",
    "工地围挡倒了一段，占了人行道",
)


def demo_patrols(
    *, seed: int = 2026, days: int = DAYS, progress: Progress | None = None
) -> dict[str, int]:
    """Routes, teams, shifts and check-ins for every township with buildings; the rows
    written per kind. Once only: nothing is written when a patrol route exists."""
    names = ("patrol_routes", "patrol_shifts", "patrol_checkins", "patrol_hazards")
    if PatrolRoute.objects.unscoped_for_jobs().exists():
        return dict.fromkeys(names, 0)
    say = progress or (lambda stage: None)
    rng = random.Random(f"patrols-{seed}")
    now = timezone.now()
    with transaction.atomic():
        say("巡逻路线 / patrol routes")
        towns = _towns()
        routes = _routes(towns)
        teams = _teams(towns)
        say("巡逻班次 / patrol shifts")
        shifts = _shifts(rng, routes, teams, towns, timezone.localdate(now), days)
        say("巡逻打卡 / patrol check-ins")
        checkins, hazards = _checkins(rng, shifts, now)
    return dict(zip(names, (len(routes), len(shifts), checkins, hazards), strict=True))


class _Town:
    def __init__(self, station: Unit, communities: list[list[Building]]):
        self.station = station
        self.township = station.jurisdiction
        self.communities = communities


def _towns() -> list[_Town]:
    """Each station with its busiest communities' buildings (a few, spread out)."""
    stations = Unit.objects.unscoped_for_jobs().filter(kind=Unit.Kind.STATION)
    towns = []
    for station in stations.select_related("jurisdiction").order_by("path"):
        buildings = Building.objects.filter(grid__path__startswith=station.jurisdiction.path)
        # Counted in the database: loading every building of the county took seconds.
        sizes = buildings.values("grid__parent_id").annotate(n=Count("id"), first=Min("code"))
        busiest = sorted(sizes.order_by(), key=lambda size: (-size["n"], size["first"]))
        chosen = [s["grid__parent_id"] for s in busiest if s["n"] >= MIN_BUILDINGS]
        communities = [
            _spread(
                list(
                    buildings.filter(grid__parent_id=community)
                    .select_related("grid__parent")
                    .defer("grid__boundary", "grid__parent__boundary")
                    .order_by("code")
                )
            )
            for community in chosen[:ROUTES_PER_STATION]
        ]
        if communities:
            towns.append(_Town(station, communities))
    return towns


def _spread(buildings: list[Building]) -> list[Building]:
    step = max(1, len(buildings) // POINTS_PER_ROUTE)
    return buildings[::step][:POINTS_PER_ROUTE]


def _routes(towns: list[_Town]) -> list[tuple[PatrolRoute, list[tuple[PatrolPoint, Building]]]]:
    made = []
    for town in towns:
        for buildings in town.communities:
            community = buildings[0].grid.parent
            route = PatrolRoute(
                name=f"{community.name}夜间巡逻",
                station=town.station,
                region=community,
                note="沿主要楼栋和路口巡查，每个点位打卡",
                unit_path=town.station.path,
                scope_path=community.path,
            )
            made.append((route, buildings))
    bulk.create(PatrolRoute, [route for route, _ in made])
    routes = []
    points = []
    for route, buildings in made:
        seen: set[str] = set()
        pairs = []
        for order, building in enumerate(buildings, start=1):
            name = building.name[:40]
            if name in seen:
                name = f"{name}（{building.code}）"[:50]
            seen.add(name)
            point = PatrolPoint(
                route=route, order=order, name=name, lon=building.lon, lat=building.lat
            )
            points.append(point)
            pairs.append((point, building))
        routes.append((route, pairs))
    bulk.create(PatrolPoint, points)
    return routes


def _teams(towns: list[_Town]) -> dict[int, tuple[Team, list[Person]]]:
    """The township's joint-defence team and its members, by station."""
    teams: dict[int, tuple[Team, list[Person]]] = {}
    for town in towns:
        people = (
            Person.objects.filter(
                active=True,
                roles__code__in=GROUND_ROLES,
                region__path__startswith=town.township.path,
            )
            .distinct()
            .order_by("pk")
        )
        # Those with a login first, so the demo's logins are on the team.
        members = sorted(people[: TEAM_SIZE * 10], key=lambda p: (p.user_id is None, p.pk))
        members = members[:TEAM_SIZE]
        if not members:
            continue
        team = Team.objects.create(
            name=f"{town.township.name}群防群治队",
            kind=Team.Kind.JOINT_DEFENCE,
            region=town.township,
            unit=town.station,
            leader=members[0],
        )
        team.members.set(members)
        teams[town.station.pk] = (team, members)
    return teams


def _day_roster(town: _Town) -> list[Person]:
    """Everyone of the township or its station with a login who checks in."""
    return list(
        Person.objects.filter(active=True, user__isnull=False, roles__code__in=CHECKING_IN_ROLES)
        .filter(
            Q(region__path__startswith=town.township.path)
            | Q(unit__path__startswith=town.station.path)
        )
        .distinct()
        .order_by("pk")
    )


def _shifts(rng, routes, teams, towns, today: dt.date, days: int) -> list[tuple]:
    """(shift, roster, points) for every shift made."""
    tz = timezone.get_current_timezone()
    by_station = {town.station.pk: town for town in towns}
    planned = []
    for route, points in routes:
        if route.station_id not in teams:
            continue
        team, members = teams[route.station_id]
        for offset in range(-days, DAYS_AHEAD + 1):
            date = today + dt.timedelta(days=offset)
            roster = rng.sample(members, min(ROSTER, len(members)))
            planned.append((route, team, date, EVENING, roster, points))
        roster = _day_roster(by_station[route.station_id])
        if roster:
            planned.append((route, team, today, TODAY, roster, points))
    shifts = []
    for route, team, date, (start, end), _roster, _points in planned:
        starts_at, ends_at = patrol_rules.shift_window(date, start, end, tz)
        shifts.append(
            PatrolShift(
                route=route,
                date=date,
                starts_at=starts_at,
                ends_at=ends_at,
                team=team,
                unit_path=route.unit_path,
                scope_path=route.scope_path,
            )
        )
    bulk.create(PatrolShift, shifts)
    through = PatrolShift.people.through
    bulk.create(
        through,
        [
            through(patrolshift_id=shift.pk, person_id=person.pk)
            for shift, plan in zip(shifts, planned, strict=True)
            for person in plan[4]
        ],
    )
    return [(shift, plan[4], plan[5]) for shift, plan in zip(shifts, planned, strict=True)]


def _checkins(rng, shifts, now: dt.datetime) -> tuple[int, int]:
    rows: list[CheckIn] = []
    hazards: list[tuple[CheckIn, Report]] = []
    for shift, roster, points in shifts:
        if shift.starts_at >= now:
            continue
        for person in roster:
            if rng.random() > WALK_SHARE:
                continue
            at = shift.starts_at
            for point, building in points:
                at += dt.timedelta(minutes=rng.uniform(8, 18))
                if at >= now or at > shift.ends_at:
                    break
                row = _checkin(rng, shift, person, point, at)
                rows.append(row)
                if rng.random() < HAZARD_SHARE:
                    hazards.append((row, _hazard(rng, row, person, building)))
            if rng.random() < OFF_SHIFT_SHARE and shift.ends_at + dt.timedelta(hours=2) < now:
                point, _building = points[0]
                rows.append(
                    _checkin(rng, None, person, point, shift.ends_at + dt.timedelta(hours=2))
                )
    reports = [report for _row, report in hazards]
    bulk.create(Report, reports)
    for row, report in hazards:
        row.report, row.hazard_code = report, report.tracking_code
    bulk.create(CheckIn, rows)
    for row, report in hazards:
        report.source = f"dispatch.checkin:{row.pk}"
    Report.objects.bulk_update(reports, ["source"], batch_size=2000)
    return len(rows), len(reports)


def _checkin(rng, shift, person, point, at: dt.datetime) -> CheckIn:
    off = rng.random() < OFF_POINT_SHARE
    distance = rng.uniform(150, 500) if off else rng.uniform(0, 0.8 * point.radius_m)
    bearing = rng.uniform(0, 2 * math.pi)
    lat = point.lat + distance * math.cos(bearing) / METRES_PER_DEGREE
    lon = point.lon + distance * math.sin(bearing) / (
        METRES_PER_DEGREE * math.cos(math.radians(point.lat))
    )
    where = patrol_rules.placement(
        point_lon=point.lon, point_lat=point.lat, radius_m=point.radius_m, lon=lon, lat=lat
    )
    route = shift.route if shift is not None else point.route
    return CheckIn(
        point=point,
        route=route,
        shift=shift,
        person=person,
        at=at,
        lon=round(lon, 6),
        lat=round(lat, 6),
        accuracy_m=round(rng.uniform(5, 30)),
        distance_m=round(where.distance_m, 1),
        off_point=where.off_point,
        off_shift=shift is None,
        unit_path=route.unit_path,
        scope_path=route.scope_path,
    )


def _hazard(rng, row: CheckIn, person, building: Building) -> Report:
    closed = row.at < timezone.now() - dt.timedelta(days=3) and rng.random() < 0.8
    return Report(
        tracking_code="".join(rng.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH)),
        kind="hazard",
        channel="grid_report",
        category="public_safety_hazard",
        risk=rng.choice(("blue", "blue", "yellow")),
        text=rng.choice(HAZARDS),
        lon=row.lon,
        lat=row.lat,
        grid=building.grid,
        building=building,
        status="closed" if closed else "open",
        closed_at=row.at + dt.timedelta(days=rng.randint(1, 3)) if closed else None,
        created_by_id=person.user_id,
        created_at=row.at,
        scope_path=building.grid.path,
    )
