"""The demo's units on duty and a few months of incidents (接处警), written in bulk.

Every station gets its patrol cars (``稽店巡1``), one unit per beat for the beat's community
officer (its police room's for an urban community), and an auxiliary team, placed near
their own places with a recent fix; a few are off duty. The full townships get four months
of incidents, one-click alarms, 110 transfers (numbered by 110, received when 110 received
them, typed in a few minutes later) and kiosk alarms, each with its report through the
same door, its unit and the four timestamps in order: to scene about ten minutes at the
median, with a slow tail. The 110 and kiosk disputes the demo's cases already hold became
cases from an incident: the incident ends with the case, which carries its number. A few
incidents are open now, in each state the board shows, their units busy accordingly (the
``police`` login's own beat unit has one to answer).

Rows are written directly, like the demo's cases: the services stamp the present time,
and a generated history lies in the past.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from fengqiao import sealing
from fengqiao.demo import bulk
from fengqiao.dispatch.models import DutyUnit, Incident
from fengqiao.dispatch.services import INCIDENT_SOURCE
from fengqiao.disputes.models import Case
from fengqiao.intake.models import Report
from fengqiao.intake.services import TRACKING_ALPHABET, TRACKING_LENGTH
from fengqiao.org.models import Assignment, Beat, Person, Unit
from fengqiao.places.models import PATH_SEPARATOR, Building, Region

Progress = Callable[[str], None]

WINDOW_DAYS = 120
INCIDENTS_PER_TOWNSHIP_DAY = 2.2
CARS_PER_STATION = 2
OFF_DUTY_SHARE = 0.2
BATCH = 2000
CHANNELS = (("one_click_alarm", 50), ("alarm_110", 40), ("kiosk", 10))
OUTCOMES = (("handled", 76), ("false_alarm", 14), ("transferred", 10))
# Median seconds of each leg and the spread of its log-normal draw.
DISPATCH_S, ACCEPT_S, DEPART_S = (90, 0.6), (40, 0.6), (80, 0.5)
ON_THE_WAY_S = {True: (300, 0.45), False: (420, 0.45)}  # urban, rural
REPORT_S = (25 * 60, 0.5)
SLOW_SHARE = 0.08  # a car stuck in traffic, a unit sent from far away
CLOSED_BEFORE = dt.timedelta(hours=3)
STEP_FIELDS = ("dispatched_at", "accepted_at", "departed_at", "arrived_at", "reported_at")
# Open now, in each full township: (status, minutes since received), the steps it has
# taken and the state its unit is in.
OPEN_NOW = (("new", 3), ("dispatched", 5), ("departed", 9), ("on_scene", 17))
OPEN_STEPS = {"dispatched": 1, "departed": 3, "on_scene": 4}
OPEN_UNIT_STATUS = {"dispatched": "busy", "departed": "en_route", "on_scene": "at_scene"}

ALARM_NOTES = (
    "楼下有人打架，有人受伤了",
    "邻居家传出呼救声，敲门没人应",
    "家里老人摔倒了，起不来",
    "有人喝醉了在店里砸东西",
    "电动车刚被人偷了，小偷往东边跑了",
    "有人在小区门口持刀威胁",
    "楼道里有很浓的煤气味",
    "孩子放学一直没回家，联系不上",
    "",
)
TRANSFER_TEXTS = (
    "报警人称邻居两家在楼道内发生争吵并推搡",
    "报警人称有人在其店内闹事，拒不离开",
    "报警人称在路口与对方车辆发生剐蹭，双方争执不下",
    "报警人称家中被盗，门锁有撬动痕迹",
    "报警人称丈夫酒后在家中摔砸物品",
    "报警人称有陌生人在小区内挨家敲门推销",
    "报警人称工地老板拖欠工资，工人聚集讨要",
)
RESULTS = {
    "handled": ("现场劝解，双方情绪平稳，已离开", "已联系家属接回，无人员受伤", "现场处置完毕"),
    "false_alarm": ("报警人误触一键报警，已电话核实无事", "到场未发现警情，已回访报警人"),
    "transferred": ("涉嫌盗窃，已移交刑侦中队", "属于市场监管事项，已告知报警人并移交"),
}


class _Building(NamedTuple):
    id: int
    grid_id: int
    lon: float
    lat: float
    address: str
    use: str


@dataclass
class _Place:
    grid: Region
    building: _Building | None
    lon: float
    lat: float


@dataclass
class _Township:
    region: Region
    station: Unit
    grids: list[Region] = field(default_factory=list)
    homes: dict[int, list[_Building]] = field(default_factory=dict)  # grid id -> buildings
    kiosks: list[_Building] = field(default_factory=list)
    units: list[DutyUnit] = field(default_factory=list)


def load_dispatch(
    *, seed: int = 2026, now: dt.datetime | None = None, progress: Progress | None = None
) -> dict[str, int]:
    """Write the units on duty and the incidents; returns counts. One transaction."""
    say = progress or (lambda stage: None)
    say("执勤力量与警情 / units on duty and incidents")
    with transaction.atomic():
        builder = _Builder(random.Random(f"dispatch-{seed}"), now or timezone.now())
        builder.build_units()
        builder.build_incidents()
        builder.write()
    return {"duty_units": len(builder.units), "incidents": len(builder.incidents)}


class _Builder:
    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng, self.now = rng, now
        self.units: list[DutyUnit] = []
        self.members: list[list[int]] = []  # in step with units
        self.reports: list[Report] = []
        self.incidents: list[Incident] = []  # in step with reports
        self.cases: list[Case] = []  # cases an incident became, in step with case_incidents
        self.case_incidents: list[Incident] = []
        grids = Region.objects.filter(level="grid").defer("boundary")
        self.grids_by_community: dict[int, list[Region]] = defaultdict(list)
        for grid in grids:
            self.grids_by_community[grid.parent_id].append(grid)
        self.regions = {r.pk: r for r in Region.objects.exclude(level="grid").defer("boundary")}
        self.numbers: set[str] = set()
        self.codes = set(Report.objects.values_list("tracking_code", flat=True))
        self.county = next(r.code for r in self.regions.values() if r.level == "county")
        # The ``police`` login's units are on duty: the login has something to answer.
        self.login_people = set(
            Person.objects.filter(user__username="police").values_list("pk", flat=True)
        )

    # --- units on duty -----------------------------------------------------------------

    def build_units(self) -> None:
        stations = Unit.objects.filter(kind=Unit.Kind.STATION).select_related("jurisdiction")
        self.station_of_township = {s.jurisdiction_id: s for s in stations}
        auxiliaries: dict[int, list[int]] = defaultdict(list)
        for pk, unit_id in Person.objects.filter(
            roles="auxiliary_police", unit__kind=Unit.Kind.STATION
        ).values_list("pk", "unit_id"):
            auxiliaries[unit_id].append(pk)
        officers = dict(
            Assignment.objects.filter(
                duty="community_police", beat__isnull=False, ends_on__isnull=True
            ).values_list("beat_id", "person_id")
        )
        beats = (
            Beat.objects.select_related("unit__jurisdiction")
            .prefetch_related("areas")
            .order_by("code")
        )
        beats_by_station: dict[str, list[Beat]] = defaultdict(list)
        for beat in beats:
            station_path = PATH_SEPARATOR.join(beat.unit.path.split(PATH_SEPARATOR)[:3])
            beats_by_station[station_path + PATH_SEPARATOR].append(beat)
        self.beat_unit_of_community: dict[int, DutyUnit] = {}
        self.units_of_station: dict[int, list[DutyUnit]] = defaultdict(list)
        for station in sorted(stations, key=lambda s: s.path):
            short = station.name.removesuffix("派出所")
            township_grids = self._grids_under(station.jurisdiction)
            # Auxiliaries crew the cars; a street office has none (they serve villages), so
            # its own community officers drive them between calls to their beats.
            crew = auxiliaries[station.pk] or [
                officers[b.pk] for b in beats_by_station[station.path] if b.pk in officers
            ]
            for n in range(1, CARS_PER_STATION + 1):
                members = crew[(n - 1) * 2 : n * 2] or crew[:1]
                self._unit(f"{short}巡{n}", "patrol_car", station, station, township_grids, members)
            for beat in beats_by_station[station.path]:
                grids = [g for area in beat.areas.all() for g in self._grids_under(area)]
                members = [officers[beat.pk]] if beat.pk in officers else []
                call_sign = f"{beat.name.removesuffix('警务区')}民警"
                unit = self._unit(
                    call_sign, "beat_officer", beat.unit, station, grids, members, beat=beat
                )
                for area in beat.areas.all():
                    self.beat_unit_of_community[area.pk] = unit
            team = crew[CARS_PER_STATION * 2 :] or crew
            self._unit(f"{short}辅警队", "auxiliary_team", station, station, township_grids, team)

    def _grids_under(self, region: Region) -> list[Region]:
        if region.level == "grid":
            return [region]
        if region.level == "community":
            return self.grids_by_community[region.pk]
        return [
            grid
            for community_id, grids in self.grids_by_community.items()
            if self.regions[community_id].path.startswith(region.path)
            for grid in grids
        ]

    def _unit(self, call_sign, kind, owner, station, grids, members, *, beat=None) -> DutyUnit:
        off = self.rng.random() < OFF_DUTY_SHARE and kind != "patrol_car"
        off = off and not self.login_people & set(members)
        placed = [g for g in grids if g.lon is not None]
        home = self.rng.choice(placed) if placed and not off else None
        unit = DutyUnit(
            call_sign=call_sign,
            kind=kind,
            station=owner,
            beat=beat,
            status=DutyUnit.Status.OFF_DUTY if off else DutyUnit.Status.AVAILABLE,
            status_at=self.now - dt.timedelta(minutes=self.rng.randint(5, 300)),
            lon=None if home is None else home.lon + self.rng.uniform(-0.002, 0.002),
            lat=None if home is None else home.lat + self.rng.uniform(-0.002, 0.002),
            accuracy_m=None if home is None else self.rng.choice([5, 8, 12, 20, 35]),
            # Most fixes are fresh; one in five is older than the board's ten minutes.
            fix_at=None
            if home is None
            else self.now - dt.timedelta(seconds=self.rng.choice([20, 45, 90, 240, 900])),
            unit_path=owner.path,
            scope_path=owner.jurisdiction.path,
        )
        self.units.append(unit)
        self.members.append(list(members))
        self.units_of_station[station.pk].append(unit)
        return unit

    # --- incidents ---------------------------------------------------------------------

    def build_incidents(self) -> None:
        homes: dict[int, list[_Building]] = defaultdict(list)
        kiosks: dict[int, list[_Building]] = defaultdict(list)
        # Tuples, not models: tens of thousands of buildings are read to pick a few hundred.
        self.buildings = {
            row[0]: _Building(*row)
            for row in Building.objects.values_list(*_Building._fields).iterator()
        }
        for building in self.buildings.values():
            (kiosks if building.use == "public" else homes)[building.grid_id].append(building)
        townships: dict[int, _Township] = {}
        for community_id, grids in self.grids_by_community.items():
            township = self.regions[self.regions[community_id].parent_id]
            station = self.station_of_township.get(township.pk)
            if station is None or not any(homes[g.pk] for g in grids):
                continue
            found = townships.setdefault(township.pk, _Township(township, station))
            for grid in grids:
                found.grids.append(grid)
                found.homes[grid.pk] = homes[grid.pk]
                found.kiosks += kiosks[grid.pk]
        self.townships = sorted(townships.values(), key=lambda t: t.region.path)
        midnight = timezone.localtime(self.now).replace(hour=0, minute=0, second=0, microsecond=0)
        start = midnight - dt.timedelta(days=WINDOW_DAYS)
        for township in self.townships:
            township.units = [
                u for u in self.units_of_station[township.station.pk] if u.status != "off_duty"
            ]
            day = start
            while day < self.now:
                for _ in range(self._poisson(INCIDENTS_PER_TOWNSHIP_DAY)):
                    received = day + dt.timedelta(minutes=self._minute_of_day())
                    # Whatever came in over the last hours is over by now (or open, below).
                    if received < self.now - CLOSED_BEFORE:
                        self._closed(township, received)
                day += dt.timedelta(days=1)
        self._from_cases(start)
        self._open_now()

    def _closed(self, township: _Township, received: dt.datetime | None, **fixed) -> Incident:
        """A closed incident received at ``received`` (or one whose result was reported at
        ``fixed["reported_at"]``: its steps are laid back from there)."""
        given = fixed.pop("place", None)
        place = given or self._place(township)
        channel = fixed.pop("channel", None) or self._draw(CHANNELS)
        reported = fixed.pop("reported_at", None)
        urban = self.regions[place.grid.parent_id].urban
        lag = self.rng.randint(60, 240) if channel == "alarm_110" else 0
        legs = [
            lag + self._seconds(*DISPATCH_S),
            self._seconds(*ACCEPT_S),
            self._seconds(*DEPART_S),
            self._on_the_way(urban),
            self._seconds(*REPORT_S),
        ]
        if reported is not None:
            received = reported - dt.timedelta(seconds=sum(legs))
        incident = self._incident(
            township, place, channel, received, lag=lag, at_kiosk=given is None, **fixed
        )
        at = incident.received_at
        for name, seconds in zip(STEP_FIELDS, legs, strict=True):
            at += dt.timedelta(seconds=seconds)
            setattr(incident, name, at)
        if reported is not None:
            incident.reported_at = reported
        incident.unit = self._unit_for(township, place)
        incident.status = Incident.Status.CLOSED
        if not incident.outcome:
            incident.outcome = self._draw(OUTCOMES)
            incident.result = self.rng.choice(RESULTS[incident.outcome])
        incident.report.status, incident.report.closed_at = "closed", incident.reported_at
        return incident

    def _incident(
        self, township, place, channel, received, *, lag=0, at_kiosk=True, **fixed
    ) -> Incident:
        rng = self.rng
        from_110 = channel == "alarm_110"
        # A 110 transfer is received by 110 and typed in here a few minutes later.
        typed = received + dt.timedelta(seconds=lag)
        if from_110:
            text = fixed.get("text") or rng.choice(TRANSFER_TEXTS)
        else:
            note = rng.choice(ALARM_NOTES)
            head = "【一键报警】" if channel == "one_click_alarm" else "【自助终端报警】"
            text = head + (fixed.get("text") or note or "报警人未留文字说明，请立即联系核实")
        kiosk = channel == "kiosk" and bool(township.kiosks) and at_kiosk
        if kiosk:
            building = rng.choice(township.kiosks)
            grid = next(g for g in township.grids if g.pk == building.grid_id)
            place = _Place(grid, building, building.lon, building.lat)
        phone = f"+86{rng.choice(['138', '139', '151', '186', '177'])}{rng.randrange(10**8):08d}"
        phones = sealing.phone_columns(phone)
        risk = fixed.get("risk") or rng.choice(["red", "red", "yellow", "yellow", "blue"])
        category = fixed.get("category", "")
        address = place.building.address if place.building else ""
        report = Report(
            tracking_code=self._tracking_code(),
            kind="alarm",
            channel=channel,
            category=category,
            risk=risk,
            text=text,
            **phones,
            lon=place.lon,
            lat=place.lat,
            address=address,
            grid=place.grid,
            building_id=place.building.id if place.building else None,
            status="open",
            created_at=typed,
            scope_path=place.grid.path,
            dispatch=True,
        )
        incident = Incident(
            number=self._number(received, from_110),
            from_110=from_110,
            report=report,
            channel=channel,
            category=category,
            risk=risk,
            text=text,
            **phones,
            phone_verified=channel == "one_click_alarm" and rng.random() < 0.6,
            lon=place.lon,
            lat=place.lat,
            address=address,
            location_source="kiosk" if kiosk else ("address" if from_110 else "device"),
            grid=place.grid,
            building_id=place.building.id if place.building else None,
            station=township.station,
            received_at=received,
            created_at=typed,
            scope_path=place.grid.path,
            unit_path=township.station.path,
            outcome=fixed.get("outcome", ""),
            result=fixed.get("result", ""),
        )
        self.reports.append(report)
        self.incidents.append(incident)
        return incident

    def _from_cases(self, start: dt.datetime) -> None:
        """The demo's 110 and kiosk disputes in the full townships, received in the window:
        each became a case when the officer on scene reported its result."""
        grids = {g.pk: (t, g) for t in self.townships for g in t.grids}
        cases = Case.objects.filter(
            grid_id__in=list(grids),
            channel__in=("alarm_110", "kiosk"),
            received_at__gte=start + dt.timedelta(hours=2),
            received_at__lt=self.now - dt.timedelta(hours=1),
        ).order_by("received_at")
        for case in cases:
            township, grid = grids[case.grid_id]
            building = self.buildings.get(case.building_id)
            place = _Place(
                grid,
                building,
                building.lon if building else grid.lon,
                building.lat if building else grid.lat,
            )
            incident = self._closed(
                township,
                None,
                place=place,
                channel=case.channel,
                text=f"报警人称{case.title}" if case.channel == "alarm_110" else case.title,
                category=case.category,
                risk=case.risk,
                outcome="case",
                result="双方需要进一步调解，已转为矛盾纠纷案件",
                reported_at=case.received_at,
            )
            incident.case = case
            case.incident_number = incident.number
            self.cases.append(case)
            self.case_incidents.append(incident)

    def _open_now(self) -> None:
        """In each full township one incident in each open state the board shows, its unit
        busy accordingly; the showcase town's sent one goes to the ``police`` login's own
        beat unit, so that login has one to answer."""
        # Unsaved units cannot be hashed: they are told apart by identity.
        mine = {
            id(unit)
            for unit, members in zip(self.units, self.members, strict=True)
            if self.login_people & set(members)
        }
        for township in self.townships:
            free = [u for u in township.units if u.status == DutyUnit.Status.AVAILABLE]
            self.rng.shuffle(free)
            free.sort(key=lambda u: id(u) not in mine)  # the login's unit first
            for status, minutes_ago in OPEN_NOW:
                received = self.now - dt.timedelta(minutes=minutes_ago)
                channel = self._draw(CHANNELS)
                incident = self._incident(township, self._place(township), channel, received)
                if status == "new" or not free:
                    continue
                unit = free.pop(0)
                incident.unit, incident.status = unit, status
                incident.report.status = "in_progress"
                at = incident.created_at
                for name in STEP_FIELDS[: OPEN_STEPS[status]]:
                    at += dt.timedelta(seconds=self.rng.randint(40, 150))
                    setattr(incident, name, at)
                unit.status, unit.status_at = OPEN_UNIT_STATUS[status], at

    # --- draws -------------------------------------------------------------------------

    def _place(self, township: _Township) -> _Place:
        grid = self.rng.choice([g for g in township.grids if township.homes[g.pk]])
        building = self.rng.choice(township.homes[grid.pk])
        return _Place(
            grid,
            building,
            building.lon + self.rng.uniform(-0.0003, 0.0003),
            building.lat + self.rng.uniform(-0.0003, 0.0003),
        )

    def _unit_for(self, township: _Township, place: _Place) -> DutyUnit | None:
        beat = self.beat_unit_of_community.get(place.grid.parent_id)
        choices = [u for u in township.units if u.kind != "beat_officer"]
        if (
            beat is not None
            and beat in township.units
            and (self.rng.random() < 0.45 or not choices)
        ):
            return beat
        return self.rng.choice(choices) if choices else beat

    def _seconds(self, median: float, sigma: float) -> float:
        return round(median * math.exp(self.rng.gauss(0, sigma)), 1)

    def _on_the_way(self, urban: bool) -> float:
        seconds = self._seconds(*ON_THE_WAY_S[urban])
        if self.rng.random() < SLOW_SHARE:
            seconds *= self.rng.uniform(2, 3.5)
        return seconds

    def _minute_of_day(self) -> int:
        # Busier in the evening: a triangle peaking at 20:00.
        return int(self.rng.triangular(0, 24 * 60, 20 * 60))

    def _draw(self, weighted) -> str:
        return self.rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]

    def _poisson(self, mean: float) -> int:
        # Knuth's method: a few per day.
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def _number(self, received: dt.datetime, from_110: bool) -> str:
        day = timezone.localtime(received).strftime("%Y%m%d")
        while True:
            if from_110:
                number = f"110{self.county}{day}{self.rng.randrange(10**4):04d}"
            else:
                number = f"{self.county}{day}{self.rng.randrange(10**6):06d}"
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def _tracking_code(self) -> str:
        while True:
            code = "".join(self.rng.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
            if code not in self.codes:
                self.codes.add(code)
                return code

    # --- writing -----------------------------------------------------------------------

    def write(self) -> None:
        bulk.create(DutyUnit, self.units)
        through = DutyUnit.members.through
        bulk.create(
            through,
            [
                through(dutyunit_id=unit.pk, person_id=pk)
                for unit, members in zip(self.units, self.members, strict=True)
                for pk in members
            ],
        )
        bulk.create(Report, self.reports)
        # The reports and units have their keys now: bulk_create reads them off the objects.
        bulk.create(Incident, self.incidents)
        Case.objects.bulk_update(self.cases, ["incident_number"], batch_size=BATCH)
        sources = list(Report.objects.filter(case__in=self.cases))
        source_of = {
            case.pk: incident.pk
            for case, incident in zip(self.cases, self.case_incidents, strict=True)
        }
        for report in sources:
            report.source = f"{INCIDENT_SOURCE}{source_of[report.case_id]}"
        Report.objects.bulk_update(sources, ["source"], batch_size=BATCH)
