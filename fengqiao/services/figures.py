"""The figures of services to the people (服务群众), read from the applications themselves.

For the acting user, a period (applications made in it: ``created_at`` in ``[start, end)``)
and optionally a region (everything at or under its path), every number is one aggregate
in the database, whole or grouped by service kind, channel or station:

- applications (申请、预约) and how many were finished (办结: done or refused in writing;
  a cancellation is not the office's answer, so it is not 办结);
- on time (按时办结): finished no later than the due time, the ``rules.on_time`` rule
  (no due time is on time). The due time already holds every second the clock stood still
  waiting for missing materials, so a pause never makes an application late;
- one visit (一次办结): completed without the applicant ever being sent away for a missing
  material (``missing_requests == 0``), over the completed;
- satisfaction: the residents' own 1–5 ratings, their count, sum (the average) and how many
  were 4 or 5 (满意、非常满意, domain-notes §7.2);
- door to door (上门服务): the requests made and those whose visit was done;
- overdue now (超期未办结): a snapshot, not a cohort — accepted applications of the place,
  whenever made, past their due time and not finished. An application waiting for the
  applicant's materials has its clock stopped and is not overdue.

Nothing here writes; the analytics pages and API read it (``analytics.services_*``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from fengqiao.org.scope import scope_to
from fengqiao.places.models import subtree_q
from fengqiao.services import rules
from fengqiao.services.models import Application, Channel

# 办结: the office's answer was given (done, or refused in writing).
DECIDED = (rules.COMPLETED, rules.REFUSED)
# Ratings that count as satisfied: 满意 (4) and 非常满意 (5).
SATISFIED_FROM = 4
# What the grouped tables group by: the service's kind, the channel, the station (or police
# room) whose catalogue the service is in.
GROUPS = {"kind": "service__kind", "channel": "channel", "station": "service__station_id"}

_ON_TIME = Q(due_at__isnull=True) | Q(finished_at__lte=F("due_at"))
AGGREGATES = {
    "applications": Count("pk"),
    "finished": Count("pk", filter=Q(state__in=DECIDED)),
    "on_time": Count("pk", filter=Q(state__in=DECIDED) & _ON_TIME),
    "completed": Count("pk", filter=Q(state=rules.COMPLETED)),
    "one_visit": Count("pk", filter=Q(state=rules.COMPLETED, missing_requests=0)),
    "rated": Count("satisfaction"),
    "satisfaction_sum": Sum("satisfaction"),
    "satisfied": Count("pk", filter=Q(satisfaction__gte=SATISFIED_FROM)),
    "door": Count("pk", filter=Q(channel=Channel.DOOR)),
    "visited": Count("pk", filter=Q(channel=Channel.DOOR, visited_at__isnull=False)),
    "open": Count("pk", filter=~Q(state__in=rules.FINISHED)),
}


@dataclass(frozen=True)
class Rate:
    """A share with its numerator and denominator shown; no value when nothing was counted
    (a zero denominator is "no value", never 0)."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        if not self.denominator:
            return None
        return round(self.numerator / self.denominator * 100, 1)


@dataclass(frozen=True)
class Tally:
    """The counts of a group of applications (``AGGREGATES``), and the rates made of them."""

    applications: int = 0
    finished: int = 0
    on_time: int = 0
    completed: int = 0
    one_visit: int = 0
    rated: int = 0
    satisfaction_sum: int = 0
    satisfied: int = 0
    door: int = 0
    visited: int = 0
    open: int = 0

    @classmethod
    def of(cls, row: dict) -> Tally:
        return cls(**{name: row.get(name) or 0 for name in AGGREGATES})

    @property
    def on_time_rate(self) -> Rate:
        """按时办结率: finished by the due time / finished."""
        return Rate(self.on_time, self.finished)

    @property
    def one_visit_rate(self) -> Rate:
        """一次办结率: completed never asked for a missing material / completed."""
        return Rate(self.one_visit, self.completed)

    @property
    def satisfied_rate(self) -> Rate:
        """满意率: rated 4 or 5 / rated."""
        return Rate(self.satisfied, self.rated)

    @property
    def visit_rate(self) -> Rate:
        """上门服务完成率: door-to-door requests visited / requested."""
        return Rate(self.visited, self.door)

    @property
    def average_satisfaction(self) -> float | None:
        """The average rating, 1–5, to two places (None when nobody rated)."""
        if not self.rated:
            return None
        return round(self.satisfaction_sum / self.rated, 2)


NO_TALLY = Tally()


def applications_for_figures(
    user,
    *,
    start: dt.datetime,
    end: dt.datetime,
    region_path: str | None = None,
) -> QuerySet[Application]:
    """The applications inside the user's jurisdiction made in ``[start, end)``, at or
    under ``region_path`` when one is given (the station's area, or the building's grid
    for a door-to-door request)."""
    found = scope_to(user, Application.objects.all()).filter(
        created_at__gte=start, created_at__lt=end
    )
    if region_path:
        found = found.filter(subtree_q(region_path, "scope_path"))
    return found


def tally(applications: QuerySet[Application]) -> Tally:
    """Every count of ``applications`` (one query)."""
    return Tally.of(applications.order_by().aggregate(**AGGREGATES))


def tally_by(applications: QuerySet[Application], group: str) -> dict:
    """Every count of ``applications`` per ``group`` (a key of ``GROUPS``: the service's
    kind code, the channel code or the station's id), one grouped query; a key with no
    application is absent."""
    key = GROUPS[group]
    rows = applications.order_by().values(key).annotate(**AGGREGATES)
    return {row[key]: Tally.of(row) for row in rows}


def overdue_applications(
    user, *, region_path: str | None = None, now: dt.datetime | None = None
) -> QuerySet[Application]:
    """Accepted applications inside the user's jurisdiction (at or under ``region_path``)
    that are past their due time now and not finished. Waiting for the applicant's
    materials stops the clock: those are not overdue."""
    found = scope_to(user, Application.objects.all()).filter(
        state=rules.SUBMITTED, due_at__lt=now or timezone.now()
    )
    if region_path:
        found = found.filter(subtree_q(region_path, "scope_path"))
    return found


def overdue_count(user, *, region_path: str | None = None, now: dt.datetime | None = None) -> int:
    """How many applications are overdue now (one query)."""
    return overdue_applications(user, region_path=region_path, now=now).count()


def overdue_by(
    user, group: str, *, region_path: str | None = None, now: dt.datetime | None = None
) -> dict:
    """``overdue_count`` per ``group`` (a key of ``GROUPS``), one grouped query."""
    key = GROUPS[group]
    rows = (
        overdue_applications(user, region_path=region_path, now=now)
        .order_by()
        .values(key)
        .annotate(n=Count("pk"))
    )
    return {row[key]: row["n"] for row in rows}
