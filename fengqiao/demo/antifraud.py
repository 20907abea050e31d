"""The demo's anti-fraud work (反诈宣传与预警劝阻), written in bulk over whatever county is
loaded.

Each full township (one whose grids have homes) gets an anti-fraud campaign of its station
over all its grids for this month and the three before. Over those four months each of its
communities holds a few events (宣讲, 摆摊宣传, 上门宣传 …), each reaching tens to hundreds
of people with some installing the anti-fraud app and leaflets handed out; the station's
police record warnings given to likely victims (graded high/medium/low, by text, call or
visit): most dissuaded, some not reached, a few already defrauded (with the loss), some not
fraud after all, and a share of them with a payment stopped (紧急止付) and the amount saved.
The warned people's phones are sealed like every personal number. The community demo's
anti-fraud notice (防范电信网络诈骗告知书) is its anti-fraud broadcast.

``demo_antifraud`` is called once after the county is loaded (it does nothing when an event
or a warning exists already). Rows are written directly, like the demo's patrols: the
services stamp the present time, and a generated history lies in the past.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from faker import Faker

from fengqiao.org.models import Person, Unit
from fengqiao.outreach.fraud_rules import add_months, first_of_month
from fengqiao.outreach.models import Campaign, FraudWarning, OutreachEvent
from fengqiao.places.models import Building, Region, subtree_q

Progress = Callable[[str], None]

MONTHS = 4
EVENTS_PER_COMMUNITY_MONTH = (1, 3)
WARNINGS_PER_TOWNSHIP_MONTH = (8, 18)
EVENT_KINDS = (("talk", 4), ("stall", 3), ("door_to_door", 3), ("other", 1))
TITLES = {
    "talk": ("老年人防范养老诈骗宣讲", "“反诈进课堂”家长会宣讲", "企业员工防范刷单诈骗讲座"),
    "stall": ("集市反诈宣传摊位", "超市门口反诈咨询点", "广场舞队反诈知识问答"),
    "door_to_door": ("入户发放防诈骗告知书", "出租房住户反诈提醒", "独居老人上门反诈宣传"),
    "other": ("反诈主题电影放映", "反诈宣传车巡回播放"),
}
LEVELS = (("high", 3), ("medium", 4), ("low", 3))
METHODS = (("call", 5), ("sms", 3), ("visit", 2))
OUTCOMES = (("dissuaded", 60), ("not_reached", 12), ("already_lost", 10), ("not_fraud", 18))
STOPPED_SHARE = 0.35  # of the warnings dissuaded or already defrauded
NOTES = (
    "冒充客服称快递丢失理赔，劝阻后未转账",
    "网络刷单返利，已转出首笔后发现",
    "冒充公检法要求转账至“安全账户”",
    "虚假投资理财平台，劝阻后卸载App",
    "冒充领导要求转账，核实后非本人",
    "网络游戏装备交易，对方要求先付款",
)
POLICE_ROLES = ("community_police", "auxiliary_police", "station_chief")
GROUND_ROLES = ("grid_worker", "volunteer", "building_head", *POLICE_ROLES)


def demo_antifraud(*, seed: int = 2026, progress: Progress | None = None) -> dict[str, int]:
    """An anti-fraud campaign per full township with four months of events and warnings;
    the rows written per kind. Once only: nothing is written when an event or a warning
    exists."""
    names = ("antifraud_campaigns", "antifraud_events", "antifraud_warnings")
    if (
        OutreachEvent.objects.unscoped_for_jobs().exists()
        or FraudWarning.objects.unscoped_for_jobs().exists()
    ):
        return dict.fromkeys(names, 0)
    say = progress or (lambda stage: None)
    rng = random.Random(f"antifraud-{seed}")
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    today = timezone.localdate()
    months = [add_months(first_of_month(today), -n) for n in range(MONTHS - 1, -1, -1)]
    counts = dict.fromkeys(names, 0)
    with transaction.atomic():
        say("反诈宣传活动 / anti-fraud campaigns")
        for town in _towns():
            writer = _Town(rng, fake, town, months, today)
            counts["antifraud_campaigns"] += 1
            counts["antifraud_events"] += writer.events()
            counts["antifraud_warnings"] += writer.warnings()
    return counts


class _Place:
    def __init__(self, station: Unit, grids: dict[Region, list[Region]], people: dict):
        self.station = station
        self.township = station.jurisdiction
        self.grids = grids  # community -> its grids
        self.people = people  # "ground" / "police" -> people of the township


def _towns() -> list[_Place]:
    """Each station whose township has homes, its communities' grids and its people."""
    homes = set(
        Building.objects.exclude(use="public").values_list("grid__path", flat=True).distinct()
    )
    towns = []
    stations = Unit.objects.unscoped_for_jobs().filter(kind=Unit.Kind.STATION)
    for station in stations.select_related("jurisdiction").order_by("path"):
        path = station.jurisdiction.path
        if not any(grid.startswith(path) for grid in homes):
            continue
        grids: dict[Region, list[Region]] = defaultdict(list)
        rows = Region.objects.filter(subtree_q(path), level="grid").select_related("parent")
        for grid in rows.defer("boundary", "parent__boundary").order_by("path"):
            grids[grid.parent].append(grid)
        people = {"ground": _people(path, GROUND_ROLES), "police": _people(path, POLICE_ROLES)}
        if grids and people["police"]:
            towns.append(_Place(station, dict(grids), people))
    return towns


def _people(path: str, roles: tuple[str, ...]) -> list[Person]:
    """Active people posted in the township (by their region or their unit's area)."""
    inside = subtree_q(path, "region__path") | subtree_q(path, "unit__jurisdiction__path")
    return list(
        Person.objects.filter(inside, active=True, roles__code__in=roles).distinct().order_by("pk")
    )


def _weighted(rng: random.Random, choices) -> str:
    codes, weights = zip(*choices, strict=True)
    return rng.choices(codes, weights=weights)[0]


class _Town:
    def __init__(self, rng, fake, place: _Place, months: list[dt.date], today: dt.date):
        self.rng, self.fake, self.place, self.months, self.today = rng, fake, place, months, today
        self.tz = timezone.get_current_timezone()
        township = place.township
        self.campaign = Campaign(
            kind=Campaign.Kind.ANTI_FRAUD,
            name=f"{township.name}全民反诈宣传月"[:100],
            station=place.station,
            starts_on=months[0],
            ends_on=add_months(months[-1], 1) - dt.timedelta(days=1),
            note="进社区、进农村、进家庭、进学校、进企业，推广国家反诈中心App",
        )
        self.campaign.save()
        self.campaign.grids.set([g for grids in place.grids.values() for g in grids])

    def _day_in(self, month: dt.date) -> dt.date:
        last = min(add_months(month, 1) - dt.timedelta(days=1), self.today)
        return month + dt.timedelta(days=self.rng.randint(0, (last - month).days))

    def events(self) -> int:
        rows = []
        for month in self.months:
            for grids in self.place.grids.values():
                for _ in range(self.rng.randint(*EVENTS_PER_COMMUNITY_MONTH)):
                    rows.append(self._event(month, self.rng.choice(grids)))
        OutreachEvent.objects.bulk_create(rows, batch_size=500)
        return len(rows)

    def _event(self, month: dt.date, grid: Region) -> OutreachEvent:
        kind = _weighted(self.rng, EVENT_KINDS)
        people = self.rng.randint(15, 60) if kind == "door_to_door" else self.rng.randint(30, 300)
        return OutreachEvent(
            campaign=self.campaign,
            kind=kind,
            title=self.rng.choice(TITLES[kind]),
            grid=grid,
            held_on=self._day_in(month),
            people_reached=people,
            app_installs=round(people * self.rng.uniform(0.05, 0.35)),
            leaflets=round(people * self.rng.uniform(0.8, 1.5)),
            recorded_by=self.rng.choice(self.place.people["ground"] or self.place.people["police"]),
            scope_path=grid.path,
        )

    def warnings(self) -> int:
        grids = [g for grids in self.place.grids.values() for g in grids]
        rows = []
        for month in self.months:
            for _ in range(self.rng.randint(*WARNINGS_PER_TOWNSHIP_MONTH)):
                rows.append(self._warning(month, self.rng.choice(grids)))
        FraudWarning.objects.bulk_create(rows, batch_size=500)
        return len(rows)

    def _warning(self, month: dt.date, grid: Region) -> FraudWarning:
        rng = self.rng
        outcome = _weighted(rng, OUTCOMES)
        method = _weighted(rng, METHODS)
        day = self._day_in(month)
        at = dt.datetime.combine(day, dt.time(rng.randint(8, 21), rng.randint(0, 59)), self.tz)
        now = timezone.now()
        warned_at = min(at, now - dt.timedelta(minutes=rng.randint(5, 120)))
        stopped = outcome in ("dissuaded", "already_lost") and rng.random() < STOPPED_SHARE
        warning = FraudWarning(
            campaign=self.campaign,
            grid=grid,
            warned_at=warned_at,
            level=_weighted(rng, LEVELS),
            method=method,
            person_name=self.fake.name(),
            outcome=outcome,
            payment_stopped=stopped,
            amount_stopped=_yuan(rng, 2_000, 200_000) if stopped else Decimal("0"),
            amount_lost=_yuan(rng, 500, 80_000) if outcome == "already_lost" else Decimal("0"),
            note=rng.choice(NOTES) if rng.random() < 0.5 else "",
            recorded_by=rng.choice(self.place.people["police"]),
            scope_path=grid.path,
        )
        if method != "visit" or rng.random() < 0.5:
            prefix = rng.choice(["138", "139", "151", "186", "177"])
            warning.set_phone(f"+86{prefix}{rng.randint(0, 99999999):08d}")
        return warning


def _yuan(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100
