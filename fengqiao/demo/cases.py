"""Three years of reports and dispute cases for the demo county, written in bulk.

Full in the townships that have buildings (every grid has its share), sparse elsewhere.
Every case is consistent with its place and people: it sits in a real grid, is handled by
the people who package that grid at its level, and its timeline runs in order from intake
to its present state. Older cases are mostly closed; recent ones are in every state.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from faker import Faker

from fengqiao import sealing
from fengqiao.demo import bulk
from fengqiao.disputes import clocks
from fengqiao.disputes.models import (
    Agreement,
    AgreementTerm,
    Case,
    CaseEvent,
    CaseSequence,
    MediationSession,
    Party,
    ReturnVisit,
    Signature,
)
from fengqiao.intake import grading
from fengqiao.intake.models import Report
from fengqiao.intake.services import TRACKING_ALPHABET, TRACKING_LENGTH
from fengqiao.org.models import Team
from fengqiao.org.selectors import responsibles_for_grids
from fengqiao.places.models import Building, Region

YEARS = 3
CASES_PER_FULL_GRID_YEAR = 2.5
CASES_PER_SPARSE_GRID_YEAR = 0.1
OTHER_REPORTS_SHARE = 0.2  # hazards, suggestions, service requests beside the disputes
BATCH = 2000
TRIAGED_DAYS = dt.timedelta(days=60)

# category -> (weight, templates); {a} {b} are party names, {n} a number, {m} an amount
STORIES: dict[str, tuple[int, list[str]]] = {
    "neighbourhood": (
        22,
        [
            "楼上{a}家每天夜里十一点后还在拖桌椅、跳绳，{b}多次上门沟通无果，双方在楼道里吵了起来",
            "{a}在公共楼道堆放杂物和电瓶车，{b}认为影响消防通道，两家发生口角",
            "{a}家养的狗经常在小区里无绳乱跑，咬伤了{b}的孩子，赔偿问题谈不拢",
            "{a}家卫生间漏水到楼下{b}家，天花板发霉，维修费用双方有争议",
        ],
    ),
    "marriage_family": (
        16,
        [
            "{a}与丈夫{b}因家庭琐事长期争吵，近日丈夫酒后摔东西，{a}要求调解",
            "兄弟{a}、{b}因老母亲赡养问题闹矛盾，轮流照顾的约定没人遵守",
            "{a}与{b}离婚后因孩子探视时间发生争执，多次在校门口吵闹",
        ],
    ),
    "housing_homestead": (
        12,
        [
            "{a}家翻建房屋，围墙超出原宅基地约{n}米，隔壁{b}不同意，双方多次争吵",
            "{a}与{b}两家屋后排水沟堵塞，雨天积水倒灌，互相指责",
        ],
    ),
    "contract": (
        10,
        [
            "{a}借给{b}{m}元，约定半年归还，已逾期一年多，多次催要未果",
            "{a}给{b}装修房子，尾款{m}元一直拖着不给",
        ],
    ),
    "labour": (
        9,
        [
            "{a}等{n}名工人在{b}的工地干了三个月，工资{m}元未结清，临近春节情绪激动",
            "{a}在{b}的厂里受伤，老板只愿意出部分医药费",
        ],
    ),
    "forest_land": (
        7,
        [
            "{a}与{b}两家承包地界桩被移动，因{n}分地的归属发生争执",
            "{a}家的竹林与{b}家山林边界不清，砍伐时发生冲突",
        ],
    ),
    "damage_compensation": (
        7,
        [
            "{a}的车停在路边被{b}家孩子骑车刮花，修理费{m}元谈不拢",
            "{b}家装修时砸坏了{a}家的水管，赔偿金额有分歧",
        ],
    ),
    "property_management": (
        6,
        [
            "业主{a}等{n}户认为物业费上涨不合理，拒交物业费，物业经理{b}要求调解",
            "小区电梯经常故障，业主{a}与物业{b}发生争执",
        ],
    ),
    "traffic_accident": (
        4,
        [
            "{a}骑电动车与{b}的小轿车在村口路口相撞，{a}腿部受伤，赔偿问题协商不成",
        ],
    ),
    "consumer": (3, ["{a}在{b}的店里买的电动车一个月就坏了，店家不给退换"]),
    "production_business": (2, ["{a}与合伙人{b}因养殖场分红问题闹翻，账目不清"]),
    "environmental_pollution": (2, ["村民{a}等反映{b}的养猪场臭味大、污水直排进河道"]),
}
RED_ADDITIONS = [
    "，{a}扬言要“同归于尽”",
    "，争执中{b}拿起菜刀威胁",
    "，双方家属聚集了十多人",
    "，{a}说不解决就去跳河",
]
OTHER_REPORTS = [
    ("hazard", "public_safety_hazard", "{n}号楼楼道有人私拉电线给电动车充电，存在火灾隐患"),
    ("hazard", "public_safety_hazard", "小区有人高空抛物，楼下停的车被砸坏"),
    ("registry", "", "我家出租房新来了{n}个外地租客，来登记一下"),
    ("suggestion", "", "建议在村口路段加装路灯和监控，晚上太黑不安全"),
    ("service", "", "想咨询一下孩子上户口需要带什么材料"),
]
CHANNELS = [
    ("walk_in", 20),
    ("phone", 15),
    ("alarm_110", 12),
    ("grid_report", 20),
    ("building_head_report", 8),
    ("web", 10),
    ("community_group", 8),
    ("visit", 5),
    ("kiosk", 2),
]

Progress = Callable[[str], None]


def load_cases(
    *, seed: int = 2026, now: dt.datetime | None = None, progress: Progress | None = None
) -> dict[str, int]:
    """Write the demo reports and cases; returns counts. One transaction."""
    say = progress or (lambda stage: None)
    now = now or timezone.now()
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    builder = _Builder(rng, fake, now)
    say("案件 / cases")
    with transaction.atomic():
        builder.build()
        builder.write()
    return {"reports": len(builder.reports), "cases": len(builder.cases)}


def grade_recent(*, now: dt.datetime | None = None, progress: Progress | None = None) -> int:
    """Recent reports show what triage read, as they would had they come through the door.

    Run last in the load: on a first start triage's model trains in another process while
    the county is written, and grading here finds it ready instead of waiting for it."""
    (progress or (lambda stage: None))("智能研判 / triage")
    recent = (now or timezone.now()) - TRIAGED_DAYS
    reports = list(
        Report.objects.filter(created_at__gte=recent, triage__isnull=True).only("id", "text")
    )
    for report in reports:
        report.triage = grading.grade(report.text)
    with transaction.atomic():
        Report.objects.bulk_update(reports, ["triage"], batch_size=BATCH)
    return len(reports)


class _Builder:
    def __init__(self, rng: random.Random, fake: Faker, now: dt.datetime) -> None:
        self.rng, self.fake, self.now = rng, fake, now
        self.reports: list[Report] = []
        self.cases: list[Case] = []
        self.case_reports: list[Report] = []  # the report each case came from, in step
        self.parties: list[list[Party]] = []
        self.events: list[list[CaseEvent]] = []
        self.handlers: list[list[int]] = []

    def build(self) -> None:
        grids = list(Region.objects.filter(level="grid").defer("boundary").order_by("path"))
        # Every village has its committee office; only the full townships have homes.
        full_grids = set(
            Building.objects.exclude(use="public").values_list("grid_id", flat=True).distinct()
        )
        buildings = defaultdict(list)
        for building in Building.objects.exclude(use="public").only(
            "id", "grid_id", "lon", "lat", "address"
        ):
            buildings[building.grid_id].append(building)
        packages = responsibles_for_grids(grids)
        teams = {
            team.region.path: team
            for team in Team.objects.filter(kind=Team.Kind.MEDIATION)
            .select_related("region")
            .prefetch_related("members")
        }
        categories = list(STORIES)
        weights = [STORIES[c][0] for c in categories]
        for grid in grids:
            per_year = (
                CASES_PER_FULL_GRID_YEAR if grid.pk in full_grids else CASES_PER_SPARSE_GRID_YEAR
            )
            count = self._poisson(per_year * YEARS)
            for _ in range(count):
                category = self.rng.choices(categories, weights)[0]
                building = self.rng.choice(buildings[grid.pk]) if buildings[grid.pk] else None
                team = next((t for path, t in teams.items() if grid.path.startswith(path)), None)
                self._case(grid, building, category, packages[grid.pk], team)
            for _ in range(self._poisson(per_year * YEARS * OTHER_REPORTS_SHARE)):
                self._other_report(grid)

    # --- one case ----------------------------------------------------------------------

    def _case(self, grid, building, category, package, team) -> None:
        rng = self.rng
        received = self._moment()
        risk = rng.choices(["blue", "yellow", "red"], [55, 35, 10])[0]
        level = {"blue": 1, "yellow": rng.choice([1, 1, 2]), "red": rng.choice([2, 2, 3])}[risk]
        a, b = self.fake.name(), self.fake.name()
        story = rng.choice(STORIES[category][1])
        if risk == "red":
            story += rng.choice(RED_ADDITIONS)
        text = story.format(
            a=a,
            b=b,
            n=rng.randint(2, 15),
            m=rng.choice([2000, 3500, 8000, 12000, 26000, 50000, 86000]),
        )
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        report = self._report(grid, building, "dispute", category, risk, channel, text, a, received)
        people = self._handlers(level, package, team)
        state, timeline = self._history(received, risk, people)
        closed_at = timeline[-1][0] if state in ("closed", "transferred", "withdrawn") else None
        # A reopened case is resolved anew (the service clears the date on reopening).
        reopened = [i for i, (_at, kind, *_) in enumerate(timeline) if kind == "reopen"]
        since = reopened[-1] if reopened else 0
        resolved_at = next(
            (at for at, kind, *_ in timeline[since:] if kind in ("reach_agreement", "close")),
            None,
        )
        case = Case(
            reference="",
            category=category,
            risk=risk,
            level=level,
            state=state,
            channel=channel,
            title=text[:30],
            narrative=text,
            request=rng.choice(
                ["要求对方赔偿损失", "希望对方停止侵害", "请求调解处理", "要求按约定履行"]
            ),
            grid=grid,
            building=building,
            address=building.address if building else grid.name,
            team=team if level == 3 else None,
            received_at=received,
            first_action_at=timeline[1][0] if len(timeline) > 1 else None,
            resolved_at=resolved_at,
            closed_at=closed_at,
            version=len(timeline),
            scope_path=grid.path,
        )
        report.status = "closed" if closed_at else "in_progress"
        if closed_at and rng.random() < 0.6:
            report.feedback = rng.choices(["fixed", "partly", "not_fixed"], [90, 8, 2])[0]
            report.satisfaction = {
                "fixed": rng.choice([4, 5, 5]),
                "partly": 3,
                "not_fixed": rng.choice([1, 2]),
            }[report.feedback]
            report.feedback_at = closed_at + dt.timedelta(days=rng.randint(1, 10))
        self.cases.append(case)
        self.case_reports.append(report)
        self.handlers.append([p.pk for p in people])
        self.parties.append(
            [
                Party(role="applicant", name=a, **sealing.phone_columns(self._mobile())),
                Party(
                    role="respondent",
                    name=b,
                    **sealing.phone_columns(self._mobile() if rng.random() < 0.8 else ""),
                ),
            ]
        )
        self.events.append(
            [
                CaseEvent(
                    at=at,
                    kind=kind,
                    from_state=before,
                    to_state=after,
                    actor_name=actor,
                    note=note,
                    payload=payload,
                )
                for at, kind, before, after, actor, note, payload in timeline
            ]
        )

    def _history(self, received, risk, people):
        """The case's timeline from intake, stopping where a case of its age would be."""
        rng = self.rng
        who = people[0].name if people else "值班民警"
        age_days = (self.now - received).days
        step = {"red": 0.3, "yellow": 2, "blue": 3}[risk]
        at = received
        timeline = [(at, "received", "", "received", "", "", {})]

        def go(kind, before, after, note="", days=step, payload=None, after_hours=None):
            nonlocal at
            delay = (
                dt.timedelta(hours=after_hours)
                if after_hours is not None
                else dt.timedelta(days=rng.uniform(0.1, days * 2))
            )
            at = min(at + delay, self.now)
            timeline.append((at, kind, before, after, who, note, payload or {}))

        plan = rng.choices(
            ["agreement", "failed", "transfer", "withdraw", "simple"], [60, 10, 8, 6, 16]
        )[0]
        stages = max(1, min(8, age_days // max(1, int(step * 3)) + 1))
        response = self._response(risk, age_days)
        go("accept", "received", "accepted", "已联系双方当事人", after_hours=response)
        if stages < 2:
            return "accepted", timeline
        if plan == "transfer":
            if risk == "red" and rng.random() < 0.3:
                go(
                    "transfer",
                    "accepted",
                    "transferred",
                    "双方发生肢体冲突致人受伤，移交刑侦立案侦查",
                    payload={"body": "派出所刑侦中队", "kind": "criminal"},
                )
            else:
                go(
                    "transfer",
                    "accepted",
                    "transferred",
                    "当事人已向法院起诉，移送法院",
                    payload={"body": "县人民法院", "kind": "court"},
                )
            return "transferred", timeline
        if plan == "withdraw":
            go("withdraw", "accepted", "withdrawn", "双方自行和解，申请人撤回")
            return "withdrawn", timeline
        if plan == "simple":
            go("close", "accepted", "closed", "当场说服教育，双方握手言和")
            if age_days > 60 and rng.random() < 0.04:
                # A settled quarrel flares up again: the reporter reopens it, and it is settled.
                go("reopen", "closed", "accepted", "反映人称问题又出现了，重新受理", days=10)
                go("close", "accepted", "closed", "再次上门调解，双方达成谅解")
            return "closed", timeline
        go("investigate", "accepted", "investigating", "走访邻居、查看现场")
        if stages < 3:
            return "investigating", timeline
        go("start_mediation", "investigating", "mediating", "组织双方面对面调解")
        if stages < 4:
            return "mediating", timeline
        if plan == "failed":
            go("fail_mediation", "mediating", "failed", "双方分歧较大，调解未成，告知诉讼途径")
            if stages < 5:
                return "failed", timeline
            go("close", "failed", "closed", "告知当事人可向人民法院起诉")
            return "closed", timeline
        go("reach_agreement", "mediating", "agreement", "达成调解协议")
        if stages < 5:
            return "agreement", timeline
        go("start_follow_up", "agreement", "follow_up", "安排回访", days=7)
        if stages < 7 or age_days < 45:
            return "follow_up", timeline
        go("close", "follow_up", "closed", "回访双方，协议已履行", days=30)
        return "closed", timeline

    def _response(self, risk, age_days):
        """Hours to the first action: mostly well inside the grade's limit, a few late, and
        quicker in recent years (the station's response time coming down)."""
        limit = {"red": 1, "yellow": 24, "blue": 72}[risk]
        slower = 1 + min(age_days, 3 * 365) / 365 * 0.5
        if self.rng.random() < 0.06 * slower:
            return limit * self.rng.uniform(1.05, 2.5)
        return min(limit * 0.98, limit * self.rng.betavariate(1.3, 5) * slower)

    def _handlers(self, level, package, team):
        if level == 3 and team is not None:
            return list(team.members.all())[:3] or package.get("community_police", [])
        if level == 2:
            return package.get("community_police", []) + package.get("grid_worker", [])[:1]
        return package.get("grid_worker", [])[:2]

    # --- reports -------------------------------------------------------------------------

    def _report(self, grid, building, kind, category, risk, channel, text, name, at) -> Report:
        anonymous = channel in ("web", "kiosk") and self.rng.random() < 0.3
        lon, lat = (building.lon, building.lat) if building else (grid.lon, grid.lat)
        report = Report(
            tracking_code=self._tracking_code(),
            kind=kind,
            channel=channel,
            category=category,
            risk=risk,
            text=text,
            reporter_name=name,
            **sealing.phone_columns(self._mobile()),
            anonymous=anonymous,
            lon=lon,
            lat=lat,
            address=building.address if building else "",
            grid=grid,
            building=building,
            status="open",
            created_at=at,
            scope_path=grid.path,
        )
        self.reports.append(report)
        return report

    def _other_report(self, grid) -> None:
        kind, category, text = self.rng.choice(OTHER_REPORTS)
        at = self._moment()
        report = self._report(
            grid,
            None,
            kind,
            category,
            "blue",
            self.rng.choice(["grid_report", "web", "phone"]),
            text.format(n=self.rng.randint(1, 12)),
            self.fake.name(),
            at,
        )
        if (self.now - at).days > 14:
            report.status = "closed"
            report.closed_at = at + dt.timedelta(days=self.rng.uniform(0.2, 10))

    # --- writing -------------------------------------------------------------------------

    def write(self) -> None:
        order = sorted(range(len(self.cases)), key=lambda i: self.cases[i].received_at)
        last_by_year: dict[int, int] = defaultdict(int)
        county = Region.objects.filter(level="county").values_list("code", flat=True).first()
        for i in order:
            case = self.cases[i]
            year = timezone.localtime(case.received_at).year
            last_by_year[year] += 1
            case.reference = f"{county}-{year}-{last_by_year[year]:06d}"
        bulk.create(Case, self.cases)
        # The report points at its case (intake above disputes), so cases are written first.
        for case, report in zip(self.cases, self.case_reports, strict=True):
            report.case_id = case.pk
        bulk.create(Report, self.reports)
        bulk.create(
            CaseSequence,
            [CaseSequence(county_code=county, year=y, last=n) for y, n in last_by_year.items()],
        )
        through = Case.handlers.through
        bulk.create(
            through,
            [
                through(case_id=case.pk, person_id=pk)
                for case, people in zip(self.cases, self.handlers, strict=True)
                for pk in people
            ],
        )
        parties, events = [], []
        for case, case_parties, case_events in zip(
            self.cases, self.parties, self.events, strict=True
        ):
            for party in case_parties:
                party.case_id = case.pk
                party.scope_path = case.scope_path
                parties.append(party)
            for event in case_events:
                event.case_id = case.pk
                events.append(event)
        bulk.create(Party, parties)
        bulk.create(CaseEvent, events)
        self._write_mediation()

    def _write_mediation(self) -> None:
        """Sessions, agreements (terms, signatures, seal) and return visits that match each
        case's timeline, so a case in 'agreement' has the agreement to show."""
        sessions, session_mediators, agreements, plans = [], [], [], []
        for case, events, handler_ids in zip(self.cases, self.events, self.handlers, strict=True):
            kinds = {event.kind: event.at for event in events}
            if "start_mediation" not in kinds:
                continue
            failed = "fail_mediation" in kinds
            held_at = kinds["start_mediation"]
            sessions.append(
                MediationSession(
                    case_id=case.pk,
                    held_at=held_at,
                    place=f"{case.grid.name}调解室",
                    attendees="双方当事人",
                    record="双方陈述了各自的意见，调解员释法说理。",
                    outcome="failed"
                    if failed
                    else ("settled" if "reach_agreement" in kinds else "continued"),
                    failure_reason="双方分歧较大" if failed else "",
                )
            )
            session_mediators.append(handler_ids[:1])
            if "reach_agreement" in kinds and handler_ids:
                effective = timezone.localtime(kinds["reach_agreement"]).date()
                agreements.append(
                    Agreement(
                        case_id=case.pk,
                        number=f"{case.reference}-1",
                        committee=f"{case.grid.name.split('第')[0]}人民调解委员会",
                        facts=case.narrative,
                        issues=case.request,
                        responsibility="双方各有责任，经调解自愿达成协议。",
                        seal_applied=True,
                        sealed_on=effective,
                        effective_on=effective,
                    )
                )
                plans.append((case, handler_ids[0], effective))
        bulk.create(MediationSession, sessions)
        through = MediationSession.mediators.through
        bulk.create(
            through,
            [
                through(mediationsession_id=s.pk, person_id=pk)
                for s, ids in zip(sessions, session_mediators, strict=True)
                for pk in ids
            ],
        )
        bulk.create(Agreement, agreements)
        parties_by_case = defaultdict(list)
        for party in Party.objects.filter(case_id__in=[c.pk for c, _h, _e in plans]).order_by("pk"):
            parties_by_case[party.case_id].append(party)
        terms, signatures, visits = [], [], []
        for agreement, (case, mediator_id, effective) in zip(agreements, plans, strict=True):
            parties = parties_by_case[case.pk]
            respondent = parties[-1] if parties else None
            terms.append(
                AgreementTerm(
                    agreement_id=agreement.pk,
                    position=1,
                    obligation="按协议约定履行义务",
                    obligor_id=respondent.pk if respondent else None,
                    amount=self.rng.choice([None, 500, 2000, 6000]),
                    manner="当面交付",
                    deadline=effective + dt.timedelta(days=15),
                    performed_on=effective + dt.timedelta(days=10)
                    if case.state == "closed"
                    else None,
                )
            )
            signatures += [
                Signature(
                    agreement_id=agreement.pk,
                    role="party",
                    party_id=party.pk,
                    method="sign",
                    signed_on=effective,
                )
                for party in parties
            ]
            signatures.append(
                Signature(
                    agreement_id=agreement.pk,
                    role="mediator",
                    person_id=mediator_id,
                    method="sign",
                    signed_on=effective,
                )
            )
            for due in clocks.return_visit_schedule(case.risk, effective):
                done = due < self.now.date() - dt.timedelta(days=3)
                if case.state == "closed" and not done:
                    continue  # closed before this visit fell due
                at = timezone.make_aware(dt.datetime.combine(due, dt.time(10)))
                visits.append(
                    ReturnVisit(
                        case_id=case.pk,
                        agreement_id=agreement.pk,
                        due_on=due,
                        done_at=at if done else None,
                        visitor_id=mediator_id if done else None,
                        method="phone" if done else "",
                        outcome="settled" if done else "",
                        performance="已按协议履行" if done else "",
                    )
                )
        bulk.create(AgreementTerm, terms)
        bulk.create(Signature, signatures)
        bulk.create(ReturnVisit, visits)

    # --- small draws ---------------------------------------------------------------------

    def _moment(self) -> dt.datetime:
        # More recent days are denser: a growing practice, and a busy current worklist.
        days = YEARS * 365 * (self.rng.random() ** 1.3)
        return self.now - dt.timedelta(days=days, minutes=self.rng.randint(0, 600))

    def _poisson(self, mean: float) -> int:
        whole = int(mean)
        return whole + (1 if self.rng.random() < mean - whole else 0)

    def _tracking_code(self) -> str:
        # From the seeded generator, so the demo is the same every time.
        return "".join(self.rng.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))

    def _mobile(self) -> str:
        prefix = self.rng.choice(["138", "139", "151", "186", "177"])
        return f"+86{prefix}{self.rng.randint(0, 99999999):08d}"
