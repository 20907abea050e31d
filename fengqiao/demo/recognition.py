"""The demo's commendations (表彰): a few per township whose communities have people on the
ground, recorded by the station's chief in the last full month. Points need no demo rows:
they are counted from the visits, check-ins, reports and messages the demo already holds.

Once only: nothing is written when a commendation exists.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from fengqiao.demo import bulk
from fengqiao.org.models import Person, Unit
from fengqiao.outreach import recognition_rules as rules
from fengqiao.outreach.models import Commendation
from fengqiao.places.models import Region

Progress = Callable[[str], None]

COMMUNITIES_PER_TOWNSHIP = 3
GROUND_ROLES = ("grid_worker", "building_head", "volunteer")
TITLES = {
    "grid_worker": ("优秀网格员", "走访入户勤，群众信息准，发现问题及时上报"),
    "building_head": ("优秀楼栋长", "租户变动及时报告，楼道隐患主动排查，邻里纠纷就地化解"),
    "volunteer": ("平安志愿者", "坚持参加夜间巡逻，按时打卡，发现隐患及时报告"),
}


def demo_recognition(*, seed: int = 2026, progress: Progress | None = None) -> dict[str, int]:
    """A few commendations per township with people on the ground; the rows written."""
    if Commendation.objects.unscoped_for_jobs().exists():
        return {"commendations": 0}
    say = progress or (lambda stage: None)
    say("表彰 / commendations")
    rng = random.Random(f"recognition-{seed}")
    month = rules.last_full_month(timezone.localdate())
    made = []
    for station in Unit.objects.filter(kind=Unit.Kind.STATION).select_related("jurisdiction"):
        chief = (
            Person.objects.filter(unit=station, roles__code="station_chief", user__isnull=False)
            .order_by("pk")
            .values_list("user_id", flat=True)
            .first()
        )
        for community, people in _busiest(station.jurisdiction):
            person, role = rng.choice(people)
            title, reason = TITLES[role]
            made.append(
                Commendation(
                    person=person,
                    community=community,
                    awarded_on=month + dt.timedelta(days=rng.randrange(27)),
                    title=title,
                    reason=f"{person.name}同志{reason}。",
                    recorded_by_id=chief,
                    scope_path=community.path,
                )
            )
    with transaction.atomic():
        bulk.create(Commendation, made)
    return {"commendations": len(made)}


def _busiest(township: Region) -> list[tuple[Region, list[tuple[Person, str]]]]:
    """The township's communities with the most people on the ground, and those people
    (each with the ground role they are commended for)."""
    people = (
        Person.objects.filter(
            active=True,
            roles__code__in=GROUND_ROLES,
            region__path__startswith=township.path,
        )
        .select_related("region")
        .defer("region__boundary")
        .prefetch_related("roles")
        .order_by("pk")
        .distinct()
    )
    communities = list(
        Region.objects.filter(level="community", path__startswith=township.path)
        .defer("boundary")
        .order_by("path")
    )
    by_community: dict[int, list[tuple[Person, str]]] = defaultdict(list)
    for person in people:
        codes = {role.code for role in person.roles.all()}
        role = next(code for code in GROUND_ROLES if code in codes)
        home = next((c for c in communities if person.region.path.startswith(c.path)), None)
        if home is not None:
            by_community[home.pk].append((person, role))
    ranked = sorted(
        (c for c in communities if by_community[c.pk]),
        key=lambda c: (-len(by_community[c.pk]), c.path),
    )
    return [(c, by_community[c.pk]) for c in ranked[:COMMUNITIES_PER_TOWNSHIP]]
