"""Every read of campaigns and household visits a page or the API needs, scoped to the user:
the campaigns, the phone's list of households to visit, coverage per grid and per person
(a few aggregate queries however many households), and the households never reached."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fengqiao.org.models import Person, Unit
from fengqiao.org.scope import get_for, person_of, scope_to
from fengqiao.org.selectors import grids_packaged_by
from fengqiao.outreach.models import Campaign, VisitRecord, VisitTask
from fengqiao.places.models import Region
from fengqiao.registry.care import SEE_SENSITIVE
from fengqiao.registry.models import KeyPerson

# The most households the phone's list shows at once.
MAX_PHONE_TASKS = 400
_STATE_ORDER = {
    VisitTask.State.PENDING: 0,
    VisitTask.State.ATTEMPTED: 1,
    VisitTask.State.REACHED: 2,
}


# --- campaigns ----------------------------------------------------------------------------


def campaigns_for(user, *, kind: str = "") -> QuerySet[Campaign]:
    """Campaigns the user may read: those of stations in their jurisdiction, and those over
    a grid in it (a grid worker sees the township's campaign that covers their grid).
    Newest first, with the station and the household counts of a visit campaign."""
    in_reach = scope_to(user, Campaign.objects.all()).values("pk")
    over_my_grids = Campaign.grids.through.objects.filter(
        region__in=Region.objects.for_user(user).filter(level="grid").values("pk")
    ).values("campaign_id")
    campaigns = (
        Campaign.objects.unscoped_for_jobs()
        .filter(Q(pk__in=in_reach) | Q(pk__in=over_my_grids))
        .select_related("station")
    )
    return campaigns.filter(kind=kind) if kind else campaigns


def get_campaign_for(user, pk) -> Campaign:
    """The campaign if the user may read it (``campaigns_for``), else 404."""
    try:
        return campaigns_for(user).get(pk=pk)
    except (Campaign.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_campaign_to_change(user, pk) -> Campaign:
    """The campaign if it belongs to a station in the user's jurisdiction, else 404."""
    return get_for(user, Campaign.objects.select_related("station__jurisdiction"), pk=pk)


def stations_for_campaigns(user) -> QuerySet[Unit]:
    return Unit.objects.for_user(user).filter(kind=Unit.Kind.STATION).order_by("path")


def grid_choices_for(user) -> QuerySet[Region]:
    """The grids a campaign may cover, in the user's jurisdiction, with their community."""
    return (
        Region.objects.for_user(user)
        .filter(level="grid")
        .select_related("parent")
        .defer("boundary", "parent__boundary")
        .order_by("path")
    )


def community_choices_for(user) -> QuerySet[Region]:
    """The communities (villages) whose grids may be chosen all at once."""
    return (
        Region.objects.for_user(user).filter(level="community").defer("boundary").order_by("path")
    )


def grids_by_community(grids) -> list[tuple[Region, list[Region]]]:
    """The grids grouped under their community, in tree order."""
    groups: dict[int, tuple[Region, list[Region]]] = {}
    for grid in grids:
        groups.setdefault(grid.parent_id, (grid.parent, []))[1].append(grid)
    return list(groups.values())


# --- the phone ----------------------------------------------------------------------------


def _running_q(prefix: str = "campaign__") -> Q:
    today = timezone.localdate()
    return Q(
        **{
            f"{prefix}kind": Campaign.Kind.VISIT,
            f"{prefix}starts_on__lte": today,
            f"{prefix}ends_on__gte": today,
        }
    )


def tasks_of(user) -> QuerySet[VisitTask]:
    """The households the signed-in person visits in running visit campaigns: those handed
    to them, and those in the grids they answer for (and may see)."""
    person = person_of(user)
    if person is None:
        return VisitTask.objects.none()
    mine = Q(assignee=person)
    grids = grids_packaged_by(person).values("pk")
    in_my_grids = Q(pk__in=scope_to(user, VisitTask.objects.filter(grid__in=grids)).values("pk"))
    return (
        VisitTask.objects.unscoped_for_jobs()
        .filter(_running_q())
        .filter(mine | in_my_grids)
        .select_related("campaign", "house__address__building", "grid", "assignee")
    )


@dataclass
class BuildingGroup:
    """The households of one building (or of no building) on the phone's list."""

    campaign: Campaign
    label: str
    tasks: list[VisitTask]

    @property
    def pending(self) -> int:
        return sum(1 for task in self.tasks if task.state != VisitTask.State.REACHED)


def phone_list(user) -> tuple[list[BuildingGroup], int]:
    """The phone's list: households grouped by campaign and building, buildings with
    households still to reach first, and inside each the unvisited, then the doors that
    did not open, then the reached. Also how many households there are in all (the list
    stops at ``MAX_PHONE_TASKS``, those to reach first)."""
    tasks = tasks_of(user)
    total = tasks.count()
    ordered = tasks.order_by(
        "campaign__ends_on", "campaign_id", "house__address__full_text", "house__label", "pk"
    )
    rows = list(ordered.exclude(state=VisitTask.State.REACHED)[:MAX_PHONE_TASKS])
    if len(rows) < MAX_PHONE_TASKS:
        reached = ordered.filter(state=VisitTask.State.REACHED)
        rows += list(reached[: MAX_PHONE_TASKS - len(rows)])
    groups: dict[tuple[int, object], BuildingGroup] = {}
    for task in rows:
        building = task.house.address.building
        key = (task.campaign_id, building.pk if building else None)
        if key not in groups:
            label = building.name if building else task.grid.name
            groups[key] = BuildingGroup(campaign=task.campaign, label=label, tasks=[])
        groups[key].tasks.append(task)
    ordered_groups = sorted(groups.values(), key=lambda g: (g.pending == 0, g.label))
    for group in ordered_groups:
        group.tasks.sort(key=lambda t: _STATE_ORDER[t.state])
    return ordered_groups, total


def get_task_for_visit(user, pk) -> VisitTask:
    """A household the user may record a visit at: in their jurisdiction or handed to
    them. Anything else is 404, like a task that does not exist."""
    person = person_of(user)
    if person is None:
        raise Http404
    tasks = VisitTask.objects.unscoped_for_jobs().filter(
        Q(assignee=person) | Q(pk__in=VisitTask.objects.for_user(user).values("pk"))
    )
    try:
        return tasks.select_related("campaign", "house__address__building", "grid", "assignee").get(
            pk=pk
        )
    except (VisitTask.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_task_for(user, pk) -> VisitTask:
    """A task in the user's jurisdiction (to reassign), else 404."""
    return get_for(
        user, VisitTask.objects.select_related("campaign", "house__address", "grid"), pk=pk
    )


def next_task_after(user, task: VisitTask) -> VisitTask | None:
    """The next household to visit after ``task``: one not yet reached in the same
    building, else any on the phone's list."""
    left = tasks_of(user).exclude(pk=task.pk).exclude(state=VisitTask.State.REACHED)
    building_id = task.house.address.building_id
    order = ("state", "house__address__full_text", "house__label", "pk")
    if building_id is not None:
        same = left.filter(house__address__building_id=building_id).order_by(*order).first()
        if same is not None:
            return same
    return left.filter(campaign=task.campaign).order_by(*order).first() or left.first()


def key_people_of_house(user, task: VisitTask) -> QuerySet[KeyPerson]:
    """The key people living in the task's house, as the visit form lists them (sensitive
    ones only for who may see them)."""
    people = KeyPerson.objects.unscoped_for_jobs().filter(
        active=True, resident__house_id=task.house_id, resident__moved_out__isnull=True
    )
    if not user.has_perm(SEE_SENSITIVE):
        people = people.filter(sensitive=False)
    return people.select_related("resident").order_by("resident__name", "pk")


def visits_of_task(task: VisitTask) -> QuerySet[VisitRecord]:
    return task.records.select_related("visitor").order_by("-visited_at", "-pk")


def people_choices_for(user) -> QuerySet[Person]:
    return Person.objects.for_user(user).filter(active=True).order_by("name", "pk")


# --- coverage -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """How far a campaign got over some households."""

    key: object
    name: str
    households: int
    reached: int
    attempted: int

    @property
    def never_reached(self) -> int:
        return self.households - self.reached

    @property
    def pending(self) -> int:
        return self.households - self.reached - self.attempted

    @property
    def percent(self) -> float:
        return round(100 * self.reached / self.households, 1) if self.households else 0.0


_COUNTS = {
    "households": Count("pk"),
    "reached": Count("pk", filter=Q(state=VisitTask.State.REACHED)),
    "attempted": Count("pk", filter=Q(state=VisitTask.State.ATTEMPTED)),
}


def _tasks_in_reach(user, campaign: Campaign) -> QuerySet[VisitTask]:
    return VisitTask.objects.for_user(user).filter(campaign=campaign)


def coverage_total(user, campaign: Campaign) -> Coverage:
    """The campaign's households in the user's reach, and how many reached (one query)."""
    row = _tasks_in_reach(user, campaign).order_by().aggregate(**_COUNTS)
    return Coverage(key=None, name=campaign.name, **row)


def coverage_by_grid(user, campaign: Campaign) -> list[Coverage]:
    """Per grid of the campaign in the user's reach (grids without houses too): households,
    reached, attempted; in tree order. Two queries."""
    counts = {
        row.pop("grid_id"): row
        for row in _tasks_in_reach(user, campaign).order_by().values("grid_id").annotate(**_COUNTS)
    }
    grids = (
        campaign.grids.filter(pk__in=Region.objects.for_user(user).values("pk"))
        .defer("boundary")
        .order_by("path")
    )
    empty = {"households": 0, "reached": 0, "attempted": 0}
    return [Coverage(key=grid.pk, name=grid.name, **counts.get(grid.pk, empty)) for grid in grids]


@dataclass(frozen=True)
class PersonCoverage(Coverage):
    visits: int = 0  # calls made by the person in this campaign


def coverage_by_person(user, campaign: Campaign) -> list[PersonCoverage]:
    """Per person the households were handed to (and anyone else who made visits): their
    households, reached, attempted, and the calls they made. Unassigned households are one
    row with key None. Two queries; most households first."""
    tasks = _tasks_in_reach(user, campaign).order_by()
    counts = {
        row.pop("assignee_id"): row
        for row in tasks.values("assignee_id").annotate(name=Max("assignee__name"), **_COUNTS)
    }
    visits = {
        row["visitor_id"]: row
        for row in VisitRecord.objects.for_user(user)
        .filter(task__campaign=campaign)
        .order_by()
        .values("visitor_id")
        .annotate(n=Count("pk"), name=Max("visitor__name"))
    }
    rows = []
    for pk in set(counts) | set(visits):
        row = counts.get(pk) or {"households": 0, "reached": 0, "attempted": 0}
        name = row.get("name") or (visits.get(pk) or {}).get("name") or ""
        rows.append(
            PersonCoverage(
                key=pk,
                name=name,
                households=row["households"],
                reached=row["reached"],
                attempted=row["attempted"],
                visits=(visits.get(pk) or {}).get("n", 0),
            )
        )
    rows.sort(key=lambda r: (r.key is None, -r.households, -r.visits, r.name))
    return rows


def never_reached(user, campaign: Campaign, *, grid: int | None = None) -> QuerySet[VisitTask]:
    """The campaign's households in the user's reach nobody has reached yet (unvisited or
    the door did not open), of one grid if given; by grid and address."""
    tasks = (
        _tasks_in_reach(user, campaign)
        .exclude(state=VisitTask.State.REACHED)
        .select_related("house__address", "grid", "assignee")
        .order_by("grid__path", "house__address__full_text", "house__label", "pk")
    )
    return tasks.filter(grid_id=grid) if grid else tasks
