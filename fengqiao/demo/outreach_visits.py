"""The demo's household visit campaigns (大走访), written in bulk over whatever county is
loaded.

Each full township (one whose grids have registry houses) gets a visit campaign of its
station over those grids, started three weeks ago and running another ten days: one visit
task per house, handed to the grid's grid worker as ``campaign_services`` hands them. About
60% of the households have been reached (met, or the house found empty), some after a first
call when nobody was home; about 15% only had a closed door or a refusal; the rest wait.
The visits lie in the past three weeks, made by the task's person (or one of the township's
police where the grid has no grid worker), with how many were home and a line on how the
family lives; most leave a police contact card, some install the anti-fraud app.

``demo_visits`` is called once after the county is loaded (it does nothing when a visit
campaign exists already). Rows are written directly, like the demo's patrols: the services
stamp the present time, and a generated history lies in the past.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from fengqiao.demo import bulk
from fengqiao.org.models import Duty, Person, Unit
from fengqiao.org.selectors import responsibles_for_grids
from fengqiao.outreach.models import Campaign, VisitRecord, VisitTask
from fengqiao.places.models import Region, subtree_q
from fengqiao.registry.models import House

Progress = Callable[[str], None]

STARTED_DAYS_AGO = 21
RUNS_DAYS_MORE = 10
REACHED_SHARE = 0.60
ATTEMPTED_SHARE = 0.15
FIRST_CALL_MISSED = 0.2  # of the reached: nobody was home the first time
BATCH = 2000
POLICE_ROLES = ("community_police", "auxiliary_police")
SITUATIONS = (
    "老两口居住，子女在外地工作",
    "一家三口，孩子在读小学",
    "租户两人，在附近工厂上班",
    "独居老人，身体尚可，已留联系电话",
    "三代同堂，家庭和睦",
    "夫妻二人经营小店，住店后",
    "新搬来的住户，已提醒登记居住信息",
    "家中有残疾人，已了解帮扶需求",
)


def demo_visits(*, seed: int = 2026, progress: Progress | None = None) -> dict[str, int]:
    """A visit campaign per full township, its tasks and three weeks of visits; the rows
    written per kind. Once only: nothing is written when a visit campaign exists."""
    names = ("visit_campaigns", "visit_tasks", "visit_records")
    counts = dict.fromkeys(names, 0)
    if Campaign.objects.unscoped_for_jobs().filter(kind=Campaign.Kind.VISIT).exists():
        return counts
    say = progress or (lambda stage: None)
    rng = random.Random(f"visits-{seed}")
    today = timezone.localdate()
    homes = _houses_by_grid()
    lived_in = _grids_with_homes()
    if not lived_in:
        return counts
    grids = {g.pk: g for g in Region.objects.filter(pk__in=list(homes)).defer("boundary")}
    workers = responsibles_for_grids(grids.values(), duties=[Duty.GRID_WORKER])
    with transaction.atomic():
        say("入户走访 / household visits")
        stations = Unit.objects.unscoped_for_jobs().filter(kind=Unit.Kind.STATION)
        for station in stations.select_related("jurisdiction").order_by("path"):
            path = station.jurisdiction.path
            mine = sorted(
                (g for g in grids.values() if g.path.startswith(path)), key=lambda g: g.path
            )
            if not any(g.pk in lived_in for g in mine):
                continue  # only shops and schools registered: not a full township
            town = _Town(rng, station, mine, homes, workers, today)
            counts["visit_campaigns"] += 1
            counts["visit_tasks"] += town.tasks()
            counts["visit_records"] += town.visits()
    return counts


def _grids_with_homes() -> set[int]:
    homes = House.objects.unscoped_for_jobs().exclude(use=House.Use.BUSINESS)
    return set(homes.values_list("address__grid_id", flat=True).distinct())


def _houses_by_grid() -> dict[int, list[int]]:
    houses = (
        House.objects.unscoped_for_jobs()
        .order_by("pk")
        .values_list("pk", "address__grid_id")
        .iterator(chunk_size=BATCH)
    )
    by_grid: dict[int, list[int]] = defaultdict(list)
    for house_id, grid_id in houses:
        by_grid[grid_id].append(house_id)
    return dict(by_grid)


class _Town:
    def __init__(self, rng, station: Unit, grids: list[Region], homes, workers, today: dt.date):
        self.rng, self.grids, self.homes, self.today = rng, grids, homes, today
        self.tz = timezone.get_current_timezone()
        self.now = timezone.now()
        self.workers = {g.pk: workers[g.pk][Duty.GRID_WORKER] for g in grids}
        police = Person.objects.filter(
            subtree_q(station.jurisdiction.path, "unit__jurisdiction__path"),
            active=True,
            roles__code__in=POLICE_ROLES,
        )
        self.police = list(police.distinct().order_by("pk"))
        self.campaign = Campaign(
            kind=Campaign.Kind.VISIT,
            name=f"{station.jurisdiction.name}“百万警进千万家”大走访"[:100],
            station=station,
            starts_on=today - dt.timedelta(days=STARTED_DAYS_AGO),
            ends_on=today + dt.timedelta(days=RUNS_DAYS_MORE),
            note="逐户走访，了解家庭情况，排查矛盾纠纷和安全隐患，发放警民联系卡",
        )
        self.campaign.save()
        self.campaign.grids.set(grids)
        self.made: list[VisitTask] = []

    def tasks(self) -> int:
        """A task per house, its visits decided first so it is written once, in its final
        state: about 60% reached, 15% attempted, the rest waiting."""
        rows = []
        self.plans: list[list[tuple[str, dt.datetime, Person]]] = []
        for grid in self.grids:
            people = self.workers[grid.pk]
            for house_id in self.homes[grid.pk]:
                task = VisitTask(
                    campaign=self.campaign,
                    house_id=house_id,
                    grid=grid,
                    assignee=people[0] if people else None,
                    scope_path=grid.path,
                )
                visitor = task.assignee or (self.rng.choice(self.police) if self.police else None)
                calls = self._calls(task) if visitor is not None else []
                if calls:
                    task.last_visit_at = calls[-1][1]
                self.plans.append([(outcome, at, visitor) for outcome, at in calls])
                rows.append(task)
        self.made = bulk.create(VisitTask, rows)
        return len(rows)

    def _calls(self, task: VisitTask) -> list[tuple[str, dt.datetime]]:
        roll = self.rng.random()
        if roll < REACHED_SHARE:
            outcomes = ["nobody_home"] if self.rng.random() < FIRST_CALL_MISSED else []
            outcomes.append("vacant" if self.rng.random() < 0.05 else "met")
            task.state = VisitTask.State.REACHED
        elif roll < REACHED_SHARE + ATTEMPTED_SHARE:
            outcomes = ["refused" if self.rng.random() < 0.1 else "nobody_home"]
            task.state = VisitTask.State.ATTEMPTED
        else:
            return []
        days = sorted(self.rng.sample(range(STARTED_DAYS_AGO), len(outcomes)))
        return [(outcome, self._when(day)) for day, outcome in zip(days, outcomes, strict=True)]

    def _when(self, day: int) -> dt.datetime:
        on = self.campaign.starts_on + dt.timedelta(days=day)
        at = dt.datetime.combine(
            on, dt.time(self.rng.randint(9, 19), self.rng.randint(0, 59)), self.tz
        )
        return min(at, self.now - dt.timedelta(hours=1))

    def visits(self) -> int:
        records = [
            self._record(task, visitor, outcome, at)
            for task, plan in zip(self.made, self.plans, strict=True)
            for outcome, at, visitor in plan
        ]
        bulk.create(VisitRecord, records)
        return len(records)

    def _record(self, task: VisitTask, visitor: Person, outcome: str, at) -> VisitRecord:
        rng = self.rng
        met = outcome == "met"
        return VisitRecord(
            task=task,
            visited_at=at,
            visitor=visitor,
            outcome=outcome,
            people_home=rng.randint(1, 4) if met else 0,
            situation=rng.choice(SITUATIONS) if met else "",
            app_installed=met and rng.random() < 0.4,
            contact_card_given=outcome in ("met", "nobody_home") and rng.random() < 0.8,
            scope_path=task.scope_path,
        )
