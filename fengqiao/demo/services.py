"""The demo's services to the people (户籍及行政服务): every station's catalogue and four
months of applications in the full townships, written in bulk over whatever county is loaded.

The catalogue holds the nine household-registration services a station offers
(domain-notes §7.3) with their materials, the law's time limit and the station's shorter
promise, and their channels: every service at the window, most online, ID renewal also at the
24-hour kiosk, and the ID services at the door for those who cannot come. The applications
follow the services' own moves (``services.rules.MOVES``): booked online, at the kiosk or for
a window slot, or taken at the window; accepted, with its clock; about one in seven asked for
missing materials all at once (the clock stops until they come, sometimes twice); finished,
mostly in time, a few late, a few refused in writing or withdrawn; about half rated by the
applicant, less kindly when late or sent away. A few door-to-door requests a week per
township, routed to the community police officer of the building and visited. What would
happen after now has not happened: those are open in the queue (some already overdue, some
waiting for materials with the clock stopped, some booked for a slot to come).

``demo_services`` is called once after the county is loaded (it does nothing when a service
exists already). Rows are written directly, like the demo's cases and incidents: the services
stamp the present time, and a generated history lies in the past.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from faker import Faker

from fengqiao import sealing
from fengqiao.demo import bulk
from fengqiao.intake.services import TRACKING_ALPHABET, TRACKING_LENGTH
from fengqiao.org.models import Person, Unit
from fengqiao.org.selectors import responsibles_for_grids
from fengqiao.places.models import Building, Region, subtree_q
from fengqiao.services import rules
from fengqiao.services.models import Application, ApplicationEvent, Channel, Service

Progress = Callable[[str], None]

WINDOW_DAYS = 120
APPLICATIONS_PER_WORKING_DAY = 8  # per full township's station
DOOR_REQUESTS_PER_WEEK = 1.5
BOOKED_WINDOW_SHARE = 0.5  # of window applications: booked a slot ahead, the rest walk in
MISSING_SHARE = 0.14
MISSING_AGAIN_SHARE = 0.15  # of those asked once: asked again after supplying
WITHDRAWN_BEFORE_SHARE = 0.02  # booked, then withdrawn before it was accepted
LATE_SHARE = 0.07
REFUSED_SHARE = 0.03
CANCELLED_SHARE = 0.02
RATED_SHARE = 0.55
HANDLER_ROLES = ("community_police", "auxiliary_police", "station_chief")
# The service codes start with S (the services' own tracking codes do).
TRACKING_PREFIX = "S"
BATCH = 2000


@dataclass(frozen=True)
class _Entry:
    kind: str
    name: str
    time_limit_days: int
    promised_days: int | None
    channels: tuple[str, ...]
    one_visit: bool
    weight: int
    materials: tuple[str, ...]
    who_may_apply: str
    note: str = ""


W, ON, K, D = Channel.WINDOW, Channel.ONLINE, Channel.KIOSK, Channel.DOOR
CATALOGUE = (
    _Entry(
        "birth_registration",
        "出生登记",
        5,
        1,
        (W, ON),
        True,
        6,
        ("出生医学证明", "父母双方居民户口簿", "父母双方居民身份证", "结婚证"),
        "婴儿出生后一个月内，由父母或监护人到一方户籍所在地派出所申报",
        "出生一件事：出生医学证明、预防接种证、户口、医保、社保卡一套材料联办",
    ),
    _Entry(
        "move_in",
        "迁入登记",
        10,
        3,
        (W, ON),
        True,
        6,
        ("准予迁入证明或迁移证", "居民户口簿", "居民身份证", "房屋所有权证或购房合同"),
        "符合落户条件的人员，城镇迁入后3日内、农村10日内申报",
    ),
    _Entry(
        "move_out",
        "迁出登记",
        3,
        1,
        (W, ON),
        True,
        5,
        ("居民户口簿", "居民身份证", "迁入地准迁证明"),
        "迁出本户籍辖区的人员，迁出前申报",
    ),
    _Entry(
        "id_first",
        "居民身份证首次申领",
        60,
        20,
        (W, D),
        False,
        8,
        ("居民户口簿", "居民身份证申领登记表", "监护人居民身份证（未满十六周岁）"),
        "年满十六周岁后三个月内申领；未满十六周岁的由监护人代为申领",
        "现场采集指纹和相片；可邮寄送达",
    ),
    _Entry(
        "id_renewal",
        "居民身份证换领、补领",
        60,
        20,
        (W, K, D),
        True,
        30,
        ("原居民身份证（换领）", "居民户口簿（补领）", "挂失说明（补领）"),
        "证件有效期满、相片与本人不符、损坏或遗失的",
        "24小时自助机可办理换领、补领；遗失补领5个工作日内办结",
    ),
    _Entry(
        "temporary_id",
        "临时居民身份证",
        3,
        1,
        (W,),
        True,
        6,
        ("居民户口簿", "居民身份证受理回执", "近期免冠照片"),
        "申领、换领、补领居民身份证期间急需使用的，有效期三个月",
    ),
    _Entry(
        "residence_permit",
        "居住证",
        15,
        10,
        (W, ON),
        True,
        20,
        ("居民身份证", "居住证申领登记表", "租房合同或房产证明", "劳动合同或就学证明"),
        "离开常住户口所在地，在本地居住半年以上，有稳定就业、住所或连续就读之一的",
        "需补正的材料一次性告知；每年签注一次",
    ),
    _Entry(
        "residence_certificate",
        "户籍证明",
        3,
        1,
        (W, ON),
        True,
        15,
        ("居民身份证", "居民户口簿", "用途说明"),
        "本人或委托人申请，证明户籍信息、注销户口、亲属关系等保留的证明事项",
        "能当场出具的当场出具；实行告知承诺制的事项不再要求提交证明",
    ),
    _Entry(
        "detail_change",
        "变更更正户口登记项目",
        20,
        10,
        (W,),
        False,
        4,
        ("居民户口簿", "居民身份证", "变更更正事项的证明材料"),
        "姓名、出生日期、民族等户口登记项目需要变更或更正的（十八周岁以上本人申请）",
    ),
)
CHANNEL_WEIGHTS = {W: 60, ON: 25, K: 15}
RATINGS_ON_TIME = ((5, 62), (4, 26), (3, 7), (2, 3), (1, 2))
RATINGS_LATE = ((5, 20), (4, 25), (3, 25), (2, 18), (1, 12))
FEEDBACK = {
    5: ("民警很耐心，一次就办好了", "网上预约很方便，不用排队", "上门办理，老人不用跑了"),
    4: ("办得挺快", "窗口人员态度好"),
    3: ("等的时间有点长", ""),
    2: ("材料要求没有一次说清楚", "比承诺的时间晚了"),
    1: ("跑了好几趟还没办好",),
}
REFUSALS = (
    "不符合落户条件：在本地合法稳定住所未满规定年限",
    "提供的租房合同与实际居住地址不符，经核查不予办理",
    "申请事项不属于本所职责，已告知向户籍所在地派出所申请",
)
WITHDRAWALS = ("已在外地办理", "时间不方便，改天再来", "")
VISIT_NOTES = (
    "上门为卧床老人采集指纹和相片，家属在场",
    "上门受理换领身份证，证件办好后送达",
    "上门核对材料并采集信息，老人行动不便",
)


def demo_services(
    *, seed: int = 2026, now: dt.datetime | None = None, progress: Progress | None = None
) -> dict[str, int]:
    """Every station's catalogue and the applications of the full townships; the rows
    written per kind. Once only: nothing is written when a service exists."""
    names = ("services", "service_applications", "service_events", "door_requests")
    if Service.objects.unscoped_for_jobs().exists():
        return dict.fromkeys(names, 0)
    say = progress or (lambda stage: None)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    builder = _Builder(random.Random(f"services-{seed}"), fake, now or timezone.now())
    with transaction.atomic():
        say("服务事项 / service catalogue")
        builder.build_catalogue()
        say("服务申请 / service applications")
        builder.build_applications()
        builder.write()
    door = sum(a.channel == D for a in builder.applications)
    counts = (len(builder.services), len(builder.applications), len(builder.events), door)
    return dict(zip(names, counts, strict=True))


@dataclass
class _Station:
    unit: Unit
    services: list[Service] = field(default_factory=list)
    handlers: list[Person] = field(default_factory=list)
    homes: list[tuple[int, int, str]] = field(default_factory=list)  # building, grid, path


class _Builder:
    def __init__(self, rng: random.Random, fake: Faker, now: dt.datetime) -> None:
        self.rng, self.fake, self.now = rng, fake, now
        self.stations: list[_Station] = []
        self.services: list[Service] = []
        self.applications: list[Application] = []
        self.events: list[tuple[int, ApplicationEvent]] = []  # (index of the application, event)
        self.codes: set[str] = set()
        self.officers: dict[int, Person] = {}  # grid id -> its community police officer

    # --- the catalogue ------------------------------------------------------------------

    def build_catalogue(self) -> None:
        units = Unit.objects.unscoped_for_jobs().filter(kind=Unit.Kind.STATION)
        for unit in units.select_related("jurisdiction").defer("jurisdiction__boundary"):
            station = _Station(unit)
            for entry in CATALOGUE:
                station.services.append(
                    Service(
                        station=unit,
                        kind=entry.kind,
                        name=entry.name,
                        who_may_apply=entry.who_may_apply,
                        materials=list(entry.materials),
                        time_limit_days=entry.time_limit_days,
                        promised_days=entry.promised_days,
                        channels=list(entry.channels),
                        one_visit=entry.one_visit,
                        note=entry.note,
                        unit_path=unit.path,
                        scope_path=unit.jurisdiction.path,
                    )
                )
            self.stations.append(station)
            self.services += station.services
        bulk.create(Service, self.services)

    # --- the applications ---------------------------------------------------------------

    def build_applications(self) -> None:
        full = [s for s in self.stations if self._find_homes(s)]
        grids = Region.objects.filter(pk__in={g for s in full for _b, g, _p in s.homes})
        found = responsibles_for_grids(grids.defer("boundary"), duties=["community_police"])
        self.officers = {
            grid: people["community_police"][0]
            for grid, people in found.items()
            if people.get("community_police")
        }
        midnight = timezone.localtime(self.now).replace(hour=0, minute=0, second=0, microsecond=0)
        start = midnight - dt.timedelta(days=WINDOW_DAYS)
        weights = [entry.weight for entry in CATALOGUE]
        door_services = [i for i, entry in enumerate(CATALOGUE) if D in entry.channels]
        for station in full:
            station.handlers = list(
                Person.objects.filter(
                    active=True,
                    roles__code__in=HANDLER_ROLES,
                    unit__path__startswith=station.unit.path,
                )
                .distinct()
                .order_by("pk")
            )
            day = start
            while day < self.now:
                working = day.weekday() < 5
                count = self._poisson(APPLICATIONS_PER_WORKING_DAY * (1 if working else 0.25))
                for _ in range(count):
                    entry = self.rng.choices(range(len(CATALOGUE)), weights)[0]
                    self._application(station, station.services[entry], day, working)
                if self.rng.random() < DOOR_REQUESTS_PER_WEEK / 7 and working:
                    entry = self.rng.choice(door_services)
                    self._application(station, station.services[entry], day, True, door=True)
                day += dt.timedelta(days=1)

    def _find_homes(self, station: _Station) -> bool:
        """The station's township's homes (none outside the full townships)."""
        homes = (
            Building.objects.filter(subtree_q(station.unit.jurisdiction.path, "grid__path"))
            .exclude(use=Building.Use.PUBLIC)
            .order_by("code")
            .values_list("pk", "grid_id", "grid__path")[:400]
        )
        station.homes = list(homes)
        return bool(station.homes)

    def _application(
        self, station: _Station, service: Service, day: dt.datetime, working: bool, door=False
    ) -> None:
        rng = self.rng
        if door:
            channel = D
        else:
            offered = [c for c in service.channels if c != D and (working or c != W)]
            if not offered:
                return
            channel = rng.choices(offered, [CHANNEL_WEIGHTS[c] for c in offered])[0]
        hours = (8.5, 17.5) if channel in (W, D) else (7, 23)
        made = day + dt.timedelta(hours=rng.uniform(*hours))
        if made >= self.now:
            return
        handler = rng.choice(station.handlers) if station.handlers else None
        app = Application(
            service=service,
            tracking_code=self._code(),
            channel=channel,
            state=rules.BOOKED,
            applicant_name=self.fake.name(),
            **sealing.phone_columns(self._mobile()),
            created_at=made,
            unit_path=service.unit_path,
            scope_path=service.scope_path,
        )
        index = len(self.applications)
        self.applications.append(app)
        life = _Life(self, app, index, handler.user_id if handler else None)
        if door:
            building, grid, path = rng.choice(station.homes)
            officer = self.officers.get(grid)
            app.building_id, app.scope_path = building, path
            app.address_detail = f"{rng.randint(1, 6)}单元{rng.randint(1, 6)}0{rng.randint(1, 4)}室"
            app.door_reason = rng.choice(("elderly", "elderly", "disabled", "bedridden"))
            app.assignee = officer
            handler = officer or handler
            life.actor = handler.user_id if handler else None
        life.run(handler)

    def _code(self) -> str:
        while True:
            code = TRACKING_PREFIX + "".join(
                self.rng.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH)
            )
            if code not in self.codes:
                self.codes.add(code)
                return code

    def _mobile(self) -> str:
        prefix = self.rng.choice(["138", "139", "151", "158", "186", "177", "189"])
        return f"+86{prefix}{self.rng.randint(0, 99999999):08d}"

    def _poisson(self, mean: float) -> int:
        count, total = 0, self.rng.expovariate(1)
        while total < mean:
            count += 1
            total += self.rng.expovariate(1)
        return count

    # --- writing ------------------------------------------------------------------------

    def write(self) -> None:
        bulk.create(Application, self.applications)
        for index, event in self.events:
            event.application = self.applications[index]
        bulk.create(ApplicationEvent, [e for _i, e in self.events])
        # ``created_at`` is stamped on insert: an application was made when its first step
        # was taken (booked, or taken at the window), so the history goes back in at once.
        first = ApplicationEvent.objects.filter(application=OuterRef("pk")).order_by("at", "pk")
        Application.objects.unscoped_for_jobs().filter(service__in=self.services).update(
            created_at=Subquery(first.values("at")[:1])
        )


class _Life:
    """One application's history, step by step as the services would write it, up to now:
    a step that would come after now has not happened, and the application is left where
    it stands (booked, accepted, waiting for materials)."""

    def __init__(self, builder: _Builder, app: Application, index: int, actor: int | None):
        self.builder, self.app, self.index, self.actor = builder, app, index, actor
        self.rng, self.now = builder.rng, builder.now

    def event(self, type_: str, at: dt.datetime, payload: dict, *, staff: bool = True) -> None:
        row = ApplicationEvent(
            type=type_, at=at, actor_id=self.actor if staff else None, payload=payload
        )
        self.builder.events.append((self.index, row))

    def run(self, handler: Person | None) -> None:
        app, rng, service = self.app, self.rng, self.app.service
        submitted = self._booked(app.created_at)
        if submitted is None or submitted > self.now:
            return
        app.state, app.submitted_at, app.handler = rules.SUBMITTED, submitted, handler
        self.event(ApplicationEvent.Type.SUBMITTED, submitted, {"channel": app.channel})
        allowed = dt.timedelta(days=service.days_allowed)
        if rng.random() < LATE_SHARE:
            work = allowed + dt.timedelta(hours=rng.uniform(2, 24 * min(service.days_allowed, 10)))
        else:
            work = allowed * rng.uniform(0.05, 0.9)
        asks = 0
        if rng.random() < MISSING_SHARE:
            asks = 2 if rng.random() < MISSING_AGAIN_SHARE else 1
        # ``at`` runs on the wall clock, ``used`` counts the clock's running time only.
        at, used = submitted, dt.timedelta(0)
        for _ in range(asks):
            step = work * rng.uniform(0.05, 0.3)
            at, used = at + step, used + step
            supplied = self._missing(at) if at <= self.now else None
            if supplied is None:
                return self._open()
            at = supplied
        finish = at + (work - used)
        if app.channel == D:
            self._visit(at + (finish - at) * rng.uniform(0.2, 0.7))
        if finish > self.now:
            return self._open()
        self._finish(finish)

    def _booked(self, made: dt.datetime) -> dt.datetime | None:
        """When the application was accepted (None if it was withdrawn before)."""
        app, rng = self.app, self.rng
        if app.channel == W and rng.random() >= BOOKED_WINDOW_SHARE:
            return made  # taken at the window, accepted on the spot
        payload: dict = {"channel": app.channel}
        if app.channel == W:
            app.booked_for = _slot(rng, made)
            payload["booked_for"] = app.booked_for.isoformat()
            submitted = app.booked_for + dt.timedelta(minutes=rng.uniform(0, 25))
        elif app.channel == D:
            submitted = made + dt.timedelta(hours=rng.uniform(2, 26))
        else:
            submitted = made + dt.timedelta(hours=rng.uniform(0.3, 20))
        self.event(ApplicationEvent.Type.BOOKED, made, payload, staff=False)
        if app.channel == D:
            officer = app.assignee
            routed = {
                "assignee": officer.name if officer else "",
                "person": officer.pk if officer else None,
            }
            self.event(ApplicationEvent.Type.ROUTED, made, routed, staff=False)
        if rng.random() < WITHDRAWN_BEFORE_SHARE:
            at = made + (submitted - made) * rng.random()
            if at <= self.now:
                app.state = rules.CANCELLED
                payload = {"reason": rng.choice(WITHDRAWALS), "by": "applicant"}
                self.event(ApplicationEvent.Type.CANCELLED, at, payload, staff=False)
            return None
        return submitted

    def _missing(self, at: dt.datetime) -> dt.datetime | None:
        """Asked at ``at`` for missing materials, all at once: when they came (the clock
        stood still until then), None while the applicant has not brought them yet."""
        app, rng = self.app, self.rng
        materials = app.service.materials
        asked = rng.sample(materials, min(len(materials), rng.choice((1, 1, 2))))
        self.event(ApplicationEvent.Type.MISSING, at, {"materials": asked})
        app.missing_requests += 1
        wait = dt.timedelta(hours=rng.uniform(4, 24 * 6))
        if at + wait > self.now:
            app.state, app.paused_at, app.missing_materials = rules.MISSING, at, asked
            return None
        seconds = int(wait.total_seconds())
        app.paused_seconds += seconds
        payload = {"materials": asked, "paused_seconds": seconds}
        self.event(ApplicationEvent.Type.SUPPLIED, at + wait, payload, staff=False)
        return at + wait

    def _visit(self, at: dt.datetime) -> None:
        app = self.app
        if at > self.now:
            return
        note = self.rng.choice(VISIT_NOTES)
        app.visited_at, app.visit_note = at, note
        by = app.assignee.name if app.assignee else ""
        payload = {"by": by, "companions": "", "visited_at": at.isoformat(), "note": note}
        self.event(ApplicationEvent.Type.VISITED, at, payload)

    def _open(self) -> None:
        app = self.app
        app.due_at = rules.due_at(app.submitted_at, app.service.days_allowed, app.paused_seconds)

    def _finish(self, at: dt.datetime) -> None:
        app, rng = self.app, self.rng
        self._open()
        outcome = rng.random()
        if outcome < REFUSED_SHARE and app.channel != D:
            app.state, app.finished_at = rules.REFUSED, at
            app.refusal_reason = rng.choice(REFUSALS)
            self.event(ApplicationEvent.Type.REFUSED, at, {"reason": app.refusal_reason})
            return
        if outcome < REFUSED_SHARE + CANCELLED_SHARE:
            app.state = rules.CANCELLED
            payload = {"reason": rng.choice(WITHDRAWALS), "by": "applicant"}
            self.event(ApplicationEvent.Type.CANCELLED, at, payload, staff=False)
            return
        on_time = rules.on_time(at, app.due_at)
        app.state, app.finished_at = rules.COMPLETED, at
        self.event(ApplicationEvent.Type.COMPLETED, at, {"note": "", "on_time": on_time})
        rated = at + dt.timedelta(hours=rng.uniform(0.1, 72))
        if rng.random() >= RATED_SHARE or rated > self.now:
            return
        weights = RATINGS_ON_TIME if on_time and app.missing_requests < 2 else RATINGS_LATE
        score = rng.choices([s for s, _w in weights], [w for _s, w in weights])[0]
        if app.missing_requests and score == 5 and rng.random() < 0.4:
            score = 4
        app.satisfaction, app.rated_at = score, rated
        app.feedback = rng.choice(FEEDBACK[score])
        self.event(ApplicationEvent.Type.RATED, rated, {"satisfaction": score}, staff=False)


def _slot(rng: random.Random, made: dt.datetime) -> dt.datetime:
    """A window slot one to five working days after ``made`` (local time)."""
    day = timezone.localtime(made).date()
    ahead = rng.randint(1, 5)
    while ahead:
        day += dt.timedelta(days=1)
        ahead -= day.weekday() < 5
    start = rng.choice(rules.slots_on(day))
    return timezone.make_aware(dt.datetime.combine(day, start))
