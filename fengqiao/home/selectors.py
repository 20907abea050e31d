"""What each person's home page shows: their to-do list, read from every work module.

A home is a list of sections; a section is a few tiles; a tile is one count and the list it
opens (the list's own page with its filter, so the tile and the list agree). Every count goes
through the module's scoped selector for the user, so a case in another township is never
counted. Each count is one query; nothing loops over rows.

Who sees what (a person may hold several roles; each section appears once):
- everyone who works cases: their own cases by deadline, and the return visits due;
- team roles (mediators, lawyers, the judicial office, the court, the procuratorate): also
  their team's cases;
- staff in community groups: the @-mentions waiting for their answer;
- police and the ground: alerts and incidents of their area, tenant reports to verify,
  care visits due, visit tasks, door-to-door requests;
- station chiefs: the station's overdue and red cases, supervision orders, today's figures
  and who has the most overdue cases;
- partner agencies: the hand-offs waiting for their answer;
- residents (and anyone without a staff role): the resident's panel, ``resident_home``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.community import selectors as community
from fengqiao.community.notices import selectors as notices
from fengqiao.dispatch import selectors as dispatch
from fengqiao.disputes import selectors as disputes
from fengqiao.intake import selectors as intake
from fengqiao.org.permissions import roles_of
from fengqiao.outreach import visit_selectors as outreach
from fengqiao.registry import selectors as registry
from fengqiao.services import selectors as services

# Roles whose work is their team's cases as well as their own.
TEAM_ROLES = frozenset({"mediator", "lawyer", "judicial_officer", "court_officer", "procurator"})
CHIEF_ROLES = frozenset({"station_chief"})
AGENCY_ROLE = "agency_staff"
# Roles whose day starts from the main lists more than from counts: their home links them.
LIST_ROLES = TEAM_ROLES | {"analyst", "admin"}
LAGGARDS = 3  # the people and grids with the most overdue cases the chief's home names
RECENT_REPORTS = 5  # a resident's latest reports shown on their home


@dataclass(frozen=True)
class Tile:
    """One count and the list it opens. ``alarm``: a non-zero count is shown in red."""

    key: str
    label: str
    count: int
    url: str
    alarm: bool = False

    @property
    def state(self) -> str:
        """``zero`` (calm grey), ``alarm`` (red) or ``some`` (prominent)."""
        if not self.count:
            return "zero"
        return "alarm" if self.alarm else "some"


@dataclass(frozen=True)
class Laggard:
    """A person or grid with overdue cases, and where to look at them."""

    name: str
    count: int
    url: str


@dataclass
class Section:
    key: str
    title: str
    tiles: list[Tile]
    laggards: list[Laggard] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)

    @property
    def urgent(self) -> bool:
        return any(tile.state == "alarm" for tile in self.tiles)


@dataclass(frozen=True)
class ReportRow:
    tracking_code: str
    created_at: dt.datetime
    text: str
    state: str  # in words a resident understands


@dataclass(frozen=True)
class ResidentHome:
    """A resident's panel: the big buttons and their own things."""

    reports: list[ReportRow]
    report_total: int
    group_count: int
    application_count: int
    building: object | None  # places.Building, when the resident's building is known


def _url(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    params = {key: value for key, value in query.items() if value is not None}
    return f"{url}?{urlencode(params)}" if params else url


def is_staff_home(user) -> bool:
    """Whether the user's home is a staff to-do list (else the resident's panel)."""
    return bool(roles_of(user) - {"resident"}) or user.is_superuser


# --- the sections --------------------------------------------------------------------


def my_cases(user, now: dt.datetime) -> Section:
    """我的案件: the user's own active cases by deadline, and their return visits due. One
    query (a count per condition)."""
    policies = disputes.county_policies()
    today = timezone.localdate(now)
    counts = disputes.cases_for(user, mine=True, state="active", now=now).aggregate(
        overdue=Count("pk", filter=disputes.overdue_q(now, policies)),
        today=Count("pk", filter=disputes.due_q(now, "today", policies)),
        soon=Count("pk", filter=disputes.due_q(now, "soon", policies)),
        visits=Count("pk", filter=disputes.return_visit_due_q(today)),
    )
    cases = "disputes:cases"
    tiles = [
        Tile(
            "cases_overdue",
            _("已超时"),
            counts["overdue"],
            _url(cases, whose="mine", overdue=1, order="due"),
            alarm=True,
        ),
        Tile(
            "cases_today",
            _("今天到期"),
            counts["today"],
            _url(cases, whose="mine", due="today", order="due"),
        ),
        Tile(
            "cases_soon",
            _("三天内到期"),
            counts["soon"],
            _url(cases, whose="mine", due="soon", order="due"),
        ),
        Tile(
            "return_visits",
            _("待回访"),
            counts["visits"],
            _url(cases, whose="mine", state="", visit_due=1),
        ),
    ]
    if roles_of(user) & TEAM_ROLES:
        team = disputes.cases_for(user, team=True, state="active", now=now).count()
        tiles.append(Tile("cases_team", _("团队在办"), team, _url(cases, whose="team")))
    return Section("cases", _("我的案件"), tiles)


def mentions(user, now: dt.datetime) -> Section:
    """群里@我: the mentions waiting for the user's answer (and how many are past due)."""
    counts = (
        community.inbox_for(user)
        .filter(answered_at__isnull=True)
        .aggregate(open=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now)))
    )
    inbox = reverse("community:inbox")
    tiles = [
        Tile("mentions_late", _("回复已超时"), counts["late"], inbox, alarm=True),
        Tile("mentions", _("等我回复"), counts["open"], inbox),
    ]
    return Section("mentions", _("群里@我"), tiles)


def my_area(user) -> Section | None:
    """辖区动态: missing-person alerts still open, open incidents, incidents sent to me."""
    tiles = []
    if user.has_perm("community.view_alert"):
        missing = notices.alerts_for(user).filter(status="open", kind="missing_person").count()
        alerts = reverse("community:alerts")
        tiles.append(Tile("alerts", _("寻人预警"), missing, alerts, alarm=True))
    if user.has_perm("dispatch.view_incident"):
        open_incidents = dispatch.incidents_for(user, open_only=True).count()
        tiles.append(Tile("incidents", _("未结警情"), open_incidents, reverse("dispatch:board")))
    if user.has_perm("dispatch.respond_incident"):
        sent = dispatch.assigned_to(user).count()
        tiles.append(
            Tile("incidents_mine", _("派给我的警情"), sent, reverse("dispatch:duty"), alarm=True)
        )
    return Section("area", _("辖区动态"), tiles) if tiles else None


def ground_work(user, now: dt.datetime) -> Section | None:
    """走访与核实: tenant reports to verify, care visits due, visit tasks, door requests."""
    tiles = []
    if user.has_perm("registry.change_tenantreport"):
        pending = registry.pending_tenant_reports_for(user).count()
        tiles.append(Tile("tenants", _("租住登记待核实"), pending, reverse("registry:tenants")))
    if user.has_perm("registry.view_keyperson"):
        late = registry.overdue_visits_for(user, today=timezone.localdate(now)).count()
        tiles.append(
            Tile(
                "care",
                _("重点人员走访超期"),
                late,
                _url("registry:care_list", overdue=1),
                alarm=True,
            )
        )
    if user.has_perm("outreach.add_visitrecord"):
        households = outreach.tasks_of(user).exclude(state="reached").count()
        tiles.append(Tile("visit_tasks", _("走访任务"), households, reverse("outreach:visits")))
    if user.has_perm("services.process_application"):
        door = services.door_requests_of(user).count()
        tiles.append(Tile("door", _("上门服务"), door, reverse("services:door")))
    return Section("ground", _("走访与核实"), tiles) if tiles else None


def station(user, now: dt.datetime) -> Section:
    """全所: the station's overdue and red cases, supervision orders due, today's figures,
    and the people and grids with the most overdue cases."""
    today = timezone.localdate(now)
    policies = disputes.county_policies()
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    all_cases = disputes.cases_for(user, state=None, now=now)
    active = Q(state__in=sorted(disputes.ACTIVE_STATES))
    counts = all_cases.aggregate(
        overdue=Count("pk", filter=disputes.overdue_q(now, policies)),
        red=Count("pk", filter=active & Q(risk="red")),
        new_today=Count("pk", filter=Q(received_at__gte=midnight)),
        closed_today=Count("pk", filter=Q(closed_at__gte=midnight)),
    )
    orders = disputes.open_supervision_for(user).aggregate(
        open=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today))
    )
    cases, board = "disputes:cases", reverse("disputes:board")
    tiles = [
        Tile(
            "station_overdue",
            _("超时案件"),
            counts["overdue"],
            _url(cases, whose="all", overdue=1, order="due"),
            alarm=True,
        ),
        Tile(
            "station_red",
            _("红色案件"),
            counts["red"],
            _url(cases, whose="all", risk="red"),
            alarm=True,
        ),
        Tile("supervision_late", _("督办已逾期"), orders["late"], board, alarm=True),
        Tile("supervision", _("督办在办"), orders["open"], board),
        Tile(
            "new_today",
            _("今日新登记"),
            counts["new_today"],
            _url(cases, whose="all", state="", since=today.isoformat()),
        ),
        Tile(
            "closed_today",
            _("今日结案"),
            counts["closed_today"],
            _url(cases, whose="all", state="", closed_since=today.isoformat()),
        ),
    ]
    if user.has_perm("dispatch.view_incident"):
        incidents = dispatch.incidents_for(user, open_only=True).count()
        tiles.append(Tile("station_incidents", _("未结警情"), incidents, reverse("dispatch:board")))
    return Section("station", _("全所"), tiles, laggards=laggards(user, now))


def laggards(user, now: dt.datetime) -> list[Laggard]:
    """The handlers and the grids with the most overdue cases in the user's jurisdiction,
    most first (two grouped queries)."""
    overdue = disputes.cases_for(user, overdue=True, now=now)
    people = (
        overdue.filter(handlers__isnull=False)
        .values("handlers__pk", "handlers__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "handlers__name")[:LAGGARDS]
    )
    grids = (
        overdue.filter(grid__isnull=False)
        .values("grid__code", "grid__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "grid__name")[:LAGGARDS]
    )
    rows = [
        Laggard(row["handlers__name"], row["n"], _overdue_url(handler=row["handlers__pk"]))
        for row in people
    ]
    rows += [
        Laggard(row["grid__name"], row["n"], _overdue_url(grid=row["grid__code"])) for row in grids
    ]
    return rows


def _overdue_url(**narrow) -> str:
    """The worklist of the jurisdiction's overdue cases of one handler or grid, nearest
    deadline first."""
    return _url("disputes:cases", whose="all", overdue=1, order="due", **narrow)


def agency(user) -> Section:
    """待答复转办: the hand-offs addressed to the user's body, waiting for its answer."""
    waiting = disputes.handoffs_waiting_for(user).count()
    url = reverse("disputes:agency_inbox")
    return Section(
        "agency", _("转办事项"), [Tile("handoffs", _("待答复"), waiting, url, alarm=True)]
    )


def main_lists(user) -> Section | None:
    """常用: the main lists of the user's work, for roles whose to-do is not a count."""
    candidates = [
        ("disputes.view_case", _("案件"), "disputes:cases"),
        ("analytics.view_dailyfact", _("数据看板"), "analytics:dashboard"),
        ("registry.view_address", _("实有人口"), "registry:search"),
        ("org.view_unit", _("单位"), "org:units"),
        ("org.view_person", _("人员"), "org:people"),
    ]
    links = []
    for permission, label, name in candidates:
        if user.has_perm(permission):
            links.append((label, reverse(name)))
    if not links:
        return None
    return Section("lists", _("常用"), [], links=links)


def staff_home(user, *, now: dt.datetime | None = None) -> list[Section]:
    """The staff member's sections, most urgent first (sections with a red count lead)."""
    now = now or timezone.now()
    roles = roles_of(user)
    sections: list[Section | None] = []
    if roles & CHIEF_ROLES:
        sections.append(station(user, now))
    if user.has_perm("disputes.view_case"):
        sections.append(my_cases(user, now))
    if AGENCY_ROLE in roles:
        sections.append(agency(user))
    if user.has_perm("community.view_group"):
        sections.append(mentions(user, now))
    sections.append(my_area(user))
    sections.append(ground_work(user, now))
    present = [section for section in sections if section is not None]
    if roles & LIST_ROLES or not present:
        present.append(main_lists(user))
    present = [section for section in present if section is not None]
    return sorted(present, key=lambda section: not section.urgent)


def resident_home(user) -> ResidentHome:
    """A resident's own things: their latest reports and where they stand, their groups,
    their service applications, and their building when the groups or a report know it."""
    reports = intake.reports_of_reporter(user)
    latest = list(reports[:RECENT_REPORTS])
    rows = [
        ReportRow(r.tracking_code, r.created_at, r.text[:40], intake.public_state(r))
        for r in latest
    ]
    total = len(latest) if len(latest) < RECENT_REPORTS else reports.count()
    building = community.building_of_member(user)
    if building is None:
        with_building = reports.filter(building__isnull=False).select_related("building")
        first = with_building.first()
        building = first.building if first else None
    return ResidentHome(
        reports=rows,
        report_total=total,
        group_count=community.groups_for(user).count(),
        application_count=services.applications_of_resident(user).count(),
        building=building,
    )
