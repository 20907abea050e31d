"""Reads for the org app: who packages a place, scoped lists of units and people, and where
a user's jurisdiction starts in the region tree."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from fengqiao.org.models import Assignment, Beat, Duty, Person, Unit
from fengqiao.org.scope import scope_for, scope_to
from fengqiao.places.models import PATH_SEPARATOR, Building, Region, ancestor_paths, subtree_q
from fengqiao.precompiled import precompiled

AREA_DUTIES = (Duty.GRID_WORKER, Duty.AUXILIARY_POLICE, Duty.COMMUNITY_POLICE)


def _today() -> dt.date:
    return timezone.localdate()


def _active_q(day: dt.date) -> Q:
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def _chain(grid: Region) -> list[str]:
    """The grid's code and its ancestors' codes, nearest first."""
    return [code for code in grid.path.split(PATH_SEPARATOR) if code][::-1]


def responsibles_for_grids(
    grids: Iterable[Region], *, duties: Iterable[str] = AREA_DUTIES, at: dt.date | None = None
) -> dict[int, dict[str, list[Person]]]:
    """For each grid, the people who package it for each duty on day ``at``.

    Responsibility is found by walking up from the grid to the nearest region (or beat
    covering a region) with an assignment for that duty: a grid worker assigned to a whole
    community packages every grid in it unless a grid has its own. One query in all,
    however many grids.
    """
    day = at or _today()
    grids = list(grids)
    duties = [str(duty) for duty in duties]
    holders = _holders(day, grids=grids, duties=duties)
    answer: dict[int, dict[str, list[Person]]] = {}
    for grid in grids:
        chain = _chain(grid)
        answer[grid.pk] = {
            duty: next((holders[(duty, code)] for code in chain if holders[(duty, code)]), [])
            for duty in duties
        }
    return answer


def building_heads(
    buildings: Iterable[Building], *, at: dt.date | None = None
) -> dict[int, list[Person]]:
    day = at or _today()
    ids = [building.pk for building in buildings]
    holders = _holders(day, grids=(), duties=(), building_ids=ids)
    return {pk: holders[(Duty.BUILDING_HEAD, pk)] for pk in ids}


def packages_for_place(
    grid: Region, building: Building | None = None, *, at: dt.date | None = None
) -> dict[str, list[Person]]:
    """Who packages a place, by duty: the grid's people for every area duty and, when the
    place is a building, its building heads under ``building_head``. The one routing
    answer intake (everyone responsible) and disputes (who handles at which level) share.
    One query (the assignments on the grid's path, its beats and the building)."""
    day = at or _today()
    chain = _chain(grid)
    holders = _holders(
        day,
        grids=[grid],
        duties=AREA_DUTIES,
        building_ids=[building.pk] if building is not None else (),
    )
    packages = {
        str(duty): next((holders[(duty, code)] for code in chain if holders[(duty, code)]), [])
        for duty in AREA_DUTIES
    }
    if building is not None:
        packages[Duty.BUILDING_HEAD] = holders[(Duty.BUILDING_HEAD, building.pk)]
    return packages


@precompiled
def _assignments(
    day: dt.date,
    region_duties: list[str],
    paths: list[str],
    police_codes: list[str],
    *building_ids: int,
) -> QuerySet:
    """The assignments active on ``day``: of ``region_duties`` on the regions with these
    paths, the community police of the beats covering the regions with ``police_codes``,
    and the building heads of ``building_ids``. Compiled once per shape: it is every
    report's routing."""
    wanted = []
    if region_duties:
        wanted.append(Q(duty__in=region_duties, region__isnull=False, scope_path__in=paths))
    if police_codes:
        wanted.append(Q(duty=Duty.COMMUNITY_POLICE, beat__areas__code__in=police_codes))
    if building_ids:
        wanted.append(Q(duty=Duty.BUILDING_HEAD, building_id__in=building_ids))
    # Only the regions' codes are read: loading a region would parse its polygon. The
    # annotation reuses the filter's join, so a beat gives one row per area it covers here.
    return (
        Assignment.objects.filter(_active_q(day))
        .filter(functools.reduce(operator.or_, wanted))
        .select_related("person")
        .annotate(region_code=F("region__code"), area_code=F("beat__areas__code"))
        .order_by("pk")
    )


def _holders(
    day: dt.date,
    *,
    grids: Iterable[Region],
    duties: Iterable[str],
    building_ids: Iterable[int] = (),
) -> defaultdict:
    """The people holding each duty on day ``day``, keyed ``(duty, region code)`` for the
    area duties on the ``grids`` and their ancestors (community police through the beats
    covering them) and ``(building_head, building id)`` for ``building_ids``: one query."""
    duties, building_ids = [str(d) for d in duties], list(building_ids)
    # A region's assignments are found by their scope path, which is the region's path: an
    # index, where matching the region's code read every assignment of the duty countywide.
    paths = {path for grid in grids for path in ancestor_paths(grid.path)}
    codes = {path.rstrip(PATH_SEPARATOR).rsplit(PATH_SEPARATOR, 1)[-1] for path in paths}
    region_duties = [d for d in duties if d != Duty.COMMUNITY_POLICE] if paths else []
    police_codes = list(codes) if Duty.COMMUNITY_POLICE in duties else []
    holders: defaultdict = defaultdict(list)
    if not (region_duties or police_codes or building_ids):
        return holders
    rows = _assignments(day, region_duties, list(paths), police_codes, *building_ids)
    for assignment in rows:
        if assignment.duty == Duty.BUILDING_HEAD and assignment.building_id in building_ids:
            holders[(Duty.BUILDING_HEAD, assignment.building_id)].append(assignment.person)
        elif assignment.duty == Duty.COMMUNITY_POLICE:
            if assignment.area_code in codes:
                holders[(Duty.COMMUNITY_POLICE, assignment.area_code)].append(assignment.person)
        elif assignment.region_code in codes:
            holders[(assignment.duty, assignment.region_code)].append(assignment.person)
    return holders


def responsible_for(
    place: Region | Building, duty: str, *, at: dt.date | None = None
) -> list[Person]:
    """Who packages ``place`` (a grid or a building) for ``duty`` on day ``at`` (today).

    A building's building head is assigned on the building itself; every other duty is
    answered for the building's grid, walking up the region tree to the nearest assignment.
    """
    if duty not in Duty.values:
        raise ValueError(f"unknown duty {duty!r}; expected one of {Duty.values}")
    if isinstance(place, Building):
        if duty == Duty.BUILDING_HEAD:
            return building_heads([place], at=at)[place.pk]
        grid = place.grid
    elif isinstance(place, Region) and place.level == "grid":
        if duty == Duty.BUILDING_HEAD:
            return []
        grid = place
    else:
        raise ValueError("responsible_for takes a grid or a building")
    return responsibles_for_grids([grid], duties=[duty], at=at)[grid.pk][duty]


def units_for(user, *, q: str = "") -> QuerySet[Unit]:
    units = scope_to(user, Unit.objects.select_related("jurisdiction", "parent"))
    if q:
        units = units.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return units


def people_for(user, *, q: str = "", role: str = "") -> QuerySet[Person]:
    """Scoped people; ``q`` matches a name, or the last digits of a phone number."""
    people = scope_to(user, Person.objects.select_related("unit", "region")).prefetch_related(
        "roles"
    )
    q = q.strip()
    if q:
        condition = Q(name__icontains=q)
        if q.isdigit() and len(q) >= 4:
            condition |= Q(phone__endswith=q)
        people = people.filter(condition)
    if role:
        people = people.filter(roles__code=role)
    return people.distinct() if role else people


def current_assignments_of(person: Person, *, at: dt.date | None = None) -> QuerySet[Assignment]:
    return person.assignments.filter(_active_q(at or _today())).select_related(
        "beat", "region", "building"
    )


def beat_officers(beat: Beat, *, at: dt.date | None = None) -> list[Person]:
    return [
        assignment.person
        for assignment in beat.assignments.filter(
            _active_q(at or _today()), duty=Duty.COMMUNITY_POLICE
        ).select_related("person")
    ]


def grids_packaged_by(person: Person, *, at: dt.date | None = None) -> QuerySet[Region]:
    """The grids the person answers for today: under their beats' areas, their villages and
    grids, and the grids of the buildings they head."""
    condition = Q()
    for assignment in current_assignments_of(person, at=at).prefetch_related("beat__areas"):
        if assignment.beat_id:
            for area in assignment.beat.areas.all():
                condition |= subtree_q(area.path)
        elif assignment.region_id:
            condition |= subtree_q(assignment.region.path)
        else:
            condition |= Q(pk=assignment.building.grid_id)
    if not condition:
        return Region.objects.none()
    return Region.objects.filter(condition, level="grid").order_by("path")


def top_regions_for(user) -> QuerySet[Region]:
    """The highest nodes the user can see: their granted regions (the roots if unbounded)."""
    scope = scope_for(user)
    if scope.everything:
        return Region.objects.filter(parent__isnull=True)
    if not scope.region_paths:
        return Region.objects.none()
    return Region.objects.filter(path__in=scope.region_paths)


def breadcrumbs(user, region: Region) -> list[tuple[Region, bool]]:
    """Ancestors of ``region`` from the root, each with whether the user may open it."""
    scope = scope_for(user)
    return [(node, scope.covers_region_path(node.path)) for node in region.ancestors()]
