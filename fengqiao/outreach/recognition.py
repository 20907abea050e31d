"""Recognition's reads (积分榜): the evidence each person left in a month, counted from what
the other modules recorded, turned into points by ``recognition_rules``; and the
commendations of a community. Everything is scoped to the viewer.

Who is on a community's list: the staff people (org ``Person``) who work there in the
month — posted in the community, holding an assignment (grid, village, building, or a beat
covering it) that runs in the month, or on a team serving it. Plain residents have no
Person and are not ranked. A person's points are theirs, not the community's: all the
evidence the viewer may see counts, wherever in the viewer's jurisdiction it was left.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, DateField, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from fengqiao.community import selectors as community
from fengqiao.dispatch import selectors as dispatch
from fengqiao.org.models import Assignment, Person, Team
from fengqiao.org.scope import get_for, person_of
from fengqiao.outreach import recognition_rules as rules
from fengqiao.outreach.models import Commendation, VisitRecord
from fengqiao.places.models import PATH_SEPARATOR, Region, subtree_q
from fengqiao.registry.models import TenantReport

HISTORY_MONTHS = 12
Counts = dict[str, int]


# --- communities --------------------------------------------------------------------------


def communities_for(user) -> QuerySet[Region]:
    """The communities (villages) whose list the user may open: those in their jurisdiction,
    and the one their own grid or building lies in (a grid worker's own community)."""
    regions = Region.objects.filter(level="community").defer("boundary").order_by("path")
    in_reach = (
        Region.objects.for_user(user).filter(level="community").defer("boundary").order_by("path")
    )
    own = _own_community_path(user)
    if own:
        return regions.filter(Q(pk__in=in_reach.values("pk")) | Q(path=own))
    return in_reach


def _own_community_path(user) -> str:
    """The path of the community above the user's own posting, '' if none."""
    person = person_of(user)
    region = person.region if person is not None and person.active else None
    if region is None:
        return ""
    codes = [code for code in region.path.split(PATH_SEPARATOR) if code]
    paths = [
        PATH_SEPARATOR + PATH_SEPARATOR.join(codes[: i + 1]) + PATH_SEPARATOR
        for i in range(len(codes))
    ]
    found = (
        Region.objects.filter(level="community", path__in=paths)
        .values_list("path", flat=True)
        .first()
    )
    return found or ""


def get_community_for(user, pk) -> Region:
    """The community if the user may open its list, else 404 (missing and out of reach
    alike)."""
    try:
        return communities_for(user).get(pk=pk)
    except (Region.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def default_community(user) -> Region | None:
    """The user's own community, else the first in reach."""
    own = _own_community_path(user)
    communities = communities_for(user)
    return (communities.filter(path=own).first() if own else None) or communities.first()


# --- who works in a community -----------------------------------------------------------


def _works_in(community: Region, month: dt.date) -> Q:
    """People who work in ``community`` some time in ``month`` (see the module's docstring)."""
    first, after = rules.month_start(month), rules.next_month(month)
    running = Assignment.objects.unscoped_for_jobs().filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=first), starts_on__lt=after
    )
    assigned = running.filter(
        subtree_q(community.path, "scope_path") | subtree_q(community.path, "beat__areas__path")
    ).values("person_id")
    teams = Team.members.through.objects.filter(
        team__in=Team.objects.unscoped_for_jobs().filter(subtree_q(community.path, "region__path"))
    ).values("person_id")
    return subtree_q(community.path, "region__path") | Q(pk__in=assigned) | Q(pk__in=teams)


def people_working_in(user, community: Region, month: dt.date) -> QuerySet[Person]:
    """The staff people in the user's reach who work in the community in ``month``."""
    return (
        Person.objects.for_user(user)
        .filter(_works_in(community, month))
        .prefetch_related("roles")
        .order_by("name", "id")
    )


def works_in(person: Person, community: Region, on: dt.date) -> bool:
    """Whether ``person`` works in ``community`` in the month of ``on`` (for commendations)."""
    return Person.objects.filter(_works_in(community, on), pk=person.pk).exists()


# --- evidence -----------------------------------------------------------------------------


def evidence_by_month(
    user, people: list[Person], *, start: dt.datetime, end: dt.datetime
) -> dict[tuple[int, dt.date], Counts]:
    """Evidence per (person id, local month's first day) in [start, end), per kind, in the
    user's jurisdiction; one query per kind whatever the number of people."""
    by_user = {p.user_id: p.pk for p in people if p.user_id}
    person_ids = [p.pk for p in people]
    found: dict[tuple[int, dt.date], Counts] = defaultdict(dict)

    def add(person_id, month, kind, n) -> None:
        if person_id is not None and n:
            counts = found[(person_id, month)]
            counts[kind] = counts.get(kind, 0) + n

    # Tenant reports verified by someone other than the reporter, in the verification's month.
    verified = (
        TenantReport.objects.for_user(user)
        .filter(
            status=TenantReport.Status.VERIFIED,
            reviewed_at__gte=start,
            reviewed_at__lt=end,
            reported_by_id__in=list(by_user),
            reviewed_by__isnull=False,
        )
        .exclude(reviewed_by_id=F("reported_by_id"))
        .annotate(month=TruncMonth("reviewed_at", output_field=DateField()))
        .values("reported_by_id", "month")
        .annotate(n=Count("pk"))
    )
    for row in verified:
        add(by_user.get(row["reported_by_id"]), row["month"], "tenant_report_verified", row["n"])

    for author_id, month, n in community.messages_became_cases(
        user, start=start, end=end, author_ids=list(by_user)
    ):
        add(by_user.get(author_id), month, "message_became_case", n)

    # Alert sightings confirmed by someone other than the reporter, in the confirmation's
    # month; a sighting merely reported earns nothing.
    for reporter_id, month, n in community.sightings_confirmed(
        user, start=start, end=end, reporter_ids=list(by_user)
    ):
        add(by_user.get(reporter_id), month, "sighting_confirmed", n)

    # Visits: households met, each counted once a month however often it was called at (a
    # second call at the same door earns nothing more); other outcomes counted, no points.
    visits = (
        VisitRecord.objects.for_user(user)
        .filter(visited_at__gte=start, visited_at__lt=end, visitor_id__in=person_ids)
        .annotate(month=TruncMonth("visited_at", output_field=DateField()))
        .values("visitor_id", "month")
        .annotate(
            met=Count("task_id", distinct=True, filter=Q(outcome=VisitRecord.Outcome.MET)),
            other=Count("pk", filter=~Q(outcome=VisitRecord.Outcome.MET)),
        )
    )
    for row in visits:
        add(row["visitor_id"], row["month"], "visit_met", row["met"])
        add(row["visitor_id"], row["month"], "visit_nobody_home", row["other"])

    for row in dispatch.checkins_by_month(
        user, start=start, end=end, person_ids=person_ids, clean_only=True
    ):
        add(row["person_id"], row["month"], "patrol_checkin", row["checkins"])
        add(row["person_id"], row["month"], "patrol_hazard_found", row["hazards"])
    return found


# --- the monthly list ---------------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    rank: int
    person: Person
    points: rules.Points

    @property
    def roles(self) -> list:
        return list(self.person.roles.all())


def monthly_points(user, *, community: Region, month: dt.date) -> list[ListRow]:
    """The community's list for ``month``: the people working there (in the user's reach)
    with points, ranked; each row has the points per kind and the evidence behind them.
    A bounded number of queries whatever the number of people."""
    people = list(people_working_in(user, community, month))
    start, end = rules.month_bounds(month, timezone.get_current_timezone())
    month = rules.month_start(month)
    evidence = evidence_by_month(user, people, start=start, end=end)
    points = {p.pk: rules.points_for(evidence.get((p.pk, month), {})) for p in people}
    by_pk = {p.pk: p for p in people}
    ranked = rules.ranking({pk: (pts.total, by_pk[pk].name) for pk, pts in points.items()})
    return [ListRow(rank=r.rank, person=by_pk[r.key], points=points[r.key]) for r in ranked]


def unranked_count(user, *, community: Region, month: dt.date, ranked: list[ListRow]) -> int:
    """How many people working in the community earned no points that month."""
    return people_working_in(user, community, month).count() - len(ranked)


# --- one person -------------------------------------------------------------------------


def get_person_for(user, pk) -> Person:
    """A staff person in the user's reach, else 404."""
    return get_for(user, Person.objects.prefetch_related("roles"), pk=pk)


@dataclass(frozen=True)
class MonthPoints:
    month: dt.date
    points: rules.Points


def points_history(user, person: Person, *, until: dt.date, months: int = HISTORY_MONTHS):
    """The person's points month by month, ``months`` months up to ``until``'s, newest
    first, from the evidence in the user's jurisdiction."""
    wanted = rules.months_back(until, months)
    tz = timezone.get_current_timezone()
    start, _ = rules.month_bounds(wanted[-1], tz)
    _, end = rules.month_bounds(wanted[0], tz)
    evidence = evidence_by_month(user, [person], start=start, end=end)
    return [
        MonthPoints(month=m, points=rules.points_for(evidence.get((person.pk, m), {})))
        for m in wanted
    ]


# --- commendations ----------------------------------------------------------------------


def commendations_for(
    user, *, community: Region | None = None, person: Person | None = None
) -> QuerySet[Commendation]:
    """Commendations in the user's jurisdiction, of one community or one person, newest
    first."""
    found = Commendation.objects.for_user(user).select_related("person", "community")
    if community is not None:
        found = found.filter(subtree_q(community.path, "scope_path"))
    if person is not None:
        found = found.filter(person=person)
    return found
