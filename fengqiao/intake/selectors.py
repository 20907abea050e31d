"""Reads of reports for pages: scoped lists and lookups for staff, the public view by
tracking code, and suggestions of reports that may be about the same thing."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao import sealing
from fengqiao.audit import selectors as audit
from fengqiao.intake.models import Report
from fengqiao.intake.services import REOPEN_WINDOW
from fengqiao.org.scope import get_for, scope_to
from fengqiao.phones import normalize_phone
from fengqiao.places import selectors as places
from fengqiao.places.models import Building, Region

EARTH_RADIUS_M = 6_371_000
RELATED_LIMIT = 10

# What a resident reads about where their report stands: plain words, never staff notes.
PUBLIC_STATE_WORDS = {
    "open": gettext_lazy("已收到，正在安排工作人员处理"),
    "in_progress": gettext_lazy("正在处理"),
    "closed": gettext_lazy("已办结"),
    "received": gettext_lazy("已登记，正在安排调解人员"),
    "accepted": gettext_lazy("已受理，工作人员会与您联系"),
    "investigating": gettext_lazy("工作人员正在了解情况"),
    "mediating": gettext_lazy("正在组织调解"),
    "agreement": gettext_lazy("双方已达成调解协议"),
    "failed": gettext_lazy("调解暂未成功，正在进一步处理"),
    "follow_up": gettext_lazy("已调解，正在回访"),
    "transferred": gettext_lazy("已移送有关部门办理"),
    "withdrawn": gettext_lazy("已撤回"),
    "merged": gettext_lazy("已与相关反映合并办理"),
}


# --- staff reads -----------------------------------------------------------------------


def reports_for(user, *, status: str = "") -> QuerySet[Report]:
    """Reports inside the user's jurisdiction, newest first."""
    reports = scope_to(user, Report.objects.select_related("grid", "building"))
    return reports.filter(status=status) if status else reports


def get_report_for(user, tracking_code: str) -> Report:
    """The report with this tracking code inside the user's scope, else 404."""
    queryset = Report.objects.select_related("grid__parent", "building", "case", "created_by")
    return get_for(user, queryset, tracking_code=(tracking_code or "").strip().upper())


def staff_grids_for(user) -> QuerySet[Region]:
    """The grids a member of staff may register a report in: their own jurisdiction."""
    return places.regions_for(user, level="grid").order_by("path")


@dataclass(frozen=True)
class RelatedReport:
    report: Report
    reasons: tuple[str, ...]


def related_reports(
    user,
    *,
    address: str = "",
    building: Building | None = None,
    phones: Iterable[str] = (),
    names: Iterable[str] = (),
    category: str = "",
    lon: float | None = None,
    lat: float | None = None,
    days: int = 30,
    radius_m: float = 500,
) -> list[RelatedReport]:
    """Open reports in the user's scope that may be about the same matter, with why.

    Matches on the same address or building, a reporter or party with one of ``phones``
    or ``names``, or the same category within ``radius_m`` of (lon, lat) in the last
    ``days``. Phones may be typed any way; ones that are not valid numbers are ignored.
    At most ``RELATED_LIMIT``, newest first.
    """
    address = (address or "").strip()
    phones = {_normalized(p) for p in phones} - {""}
    names = {n.strip() for n in names if n and n.strip()}
    condition = Q()
    if address:
        condition |= Q(address=address)
    if building is not None:
        condition |= Q(building=building)
    # Numbers are sealed: the same number is the same keyed hash (fengqiao.sealing).
    hashes = {sealing.digest(phone) for phone in phones}
    if hashes:
        condition |= Q(phone_hash__in=hashes) | Q(case__parties__phone_hash__in=hashes)
    if names:
        condition |= Q(reporter_name__in=names) | Q(case__parties__name__in=names)
    near = category and lon is not None and lat is not None
    if near:
        # A box around the point in SQL; the exact distance is checked below.
        dlat = math.degrees(radius_m / EARTH_RADIUS_M)
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        condition |= Q(
            category=category,
            created_at__gte=timezone.now() - dt.timedelta(days=days),
            lon__range=(lon - dlon, lon + dlon),
            lat__range=(lat - dlat, lat + dlat),
        )
    if not condition:
        return []
    still_open = ~Q(status=Report.Status.CLOSED) & (
        Q(case__isnull=True) | Q(case__closed_at__isnull=True)
    )
    candidates = (
        reports_for(user)
        .filter(still_open)
        .filter(condition)
        .distinct()
        .select_related("case")
        .prefetch_related("case__parties")
        .order_by("-created_at", "-id")[: RELATED_LIMIT * 3]
    )
    since = timezone.now() - dt.timedelta(days=days)
    found: list[RelatedReport] = []
    for report in candidates:
        reasons = []
        if address and report.address == address:
            reasons.append(_("同一地址"))
        if building is not None and report.building_id == building.pk:
            reasons.append(_("同一楼栋"))
        parties = list(report.case.parties.all()) if _has_case(report) else []
        if hashes and (report.phone_hash in hashes or any(p.phone_hash in hashes for p in parties)):
            reasons.append(_("同一电话"))
        if names and (report.reporter_name in names or any(p.name in names for p in parties)):
            reasons.append(_("同一姓名"))
        if near and report.category == category and report.created_at >= since:
            distance = _distance_m(lon, lat, report.lon, report.lat)
            if distance is not None and distance <= radius_m:
                reasons.append(_("同类，相距约 %(m)s 米") % {"m": round(distance)})
        if reasons:
            found.append(RelatedReport(report, tuple(reasons)))
    return found[:RELATED_LIMIT]


def _normalized(phone: str) -> str:
    try:
        return normalize_phone(phone)
    except ValidationError:
        return ""


def _has_case(report: Report) -> bool:
    return report.case_id is not None


def _distance_m(lon1, lat1, lon2, lat2) -> float | None:
    if lon2 is None or lat2 is None:
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


# --- public reads (by tracking code, no login) -----------------------------------------


def public_places(*, parent_code: str = "", level: str = "township") -> QuerySet[Region]:
    """Townships, villages/communities and grids for the public location picker.

    Unscoped on purpose: region names and codes are public (they are on every grid
    board), and a resident choosing where something happened has no jurisdiction.
    """
    regions = Region.objects.filter(level=level).only("code", "name").order_by("code")
    if parent_code:
        regions = regions.filter(parent__code=parent_code)
    return regions


def find_public_report(tracking_code: str) -> Report | None:
    """The report a resident's tracking code names, or None."""
    code = (tracking_code or "").strip().upper()
    if not code:
        return None
    return Report.objects.select_related("grid__parent", "case").filter(tracking_code=code).first()


def public_state(report: Report) -> str:
    """Where the report stands, in words a resident understands."""
    case = _case_of(report)
    code = case.state if case is not None else report.status
    return str(PUBLIC_STATE_WORDS.get(code, code))


def closed_at_of(report: Report) -> dt.datetime | None:
    """When the report was finished (a dispute: when its case was), else None."""
    if report.kind == Report.Kind.DISPUTE:
        case = _case_of(report)
        return case.closed_at if case is not None else None
    return report.closed_at


def may_reopen(report: Report, now: dt.datetime | None = None) -> bool:
    closed_at = closed_at_of(report)
    return closed_at is not None and (now or timezone.now()) - closed_at <= REOPEN_WINDOW


@dataclass(frozen=True)
class Milestone:
    at: dt.datetime
    words: str


def public_timeline(report: Report) -> list[Milestone]:
    """The public milestones of a report: received, each change of state, finished,
    feedback, reopened. No notes, no names of staff, no internal moves (levels, risk)."""
    milestones = [Milestone(report.created_at, _("收到您的反映"))]
    case = _case_of(report)
    if case is not None:
        for event in case.events.all():
            if event.kind == "reopened_by_reporter":
                milestones.append(Milestone(event.at, _("您要求重新处理")))
            elif event.to_state and event.from_state and event.to_state != event.from_state:
                milestones.append(Milestone(event.at, public_words_for(event.to_state)))
    else:
        words = {
            "intake.report_closed": _("已办结"),
            "intake.reopened": _("您要求重新处理"),
        }
        events = audit.events_about(report, actions=words)
        milestones += [Milestone(event.at, words[event.action]) for event in events]
    if report.feedback_at:
        milestones.append(Milestone(report.feedback_at, _("您已评价")))
    return sorted(milestones, key=lambda m: m.at)


def report_kind_choices() -> list[tuple[str, str]]:
    """The kinds of report, for another module's form (community's message to case)."""
    return Report.Kind.choices


def public_words_for(state: str) -> str:
    return str(PUBLIC_STATE_WORDS.get(state, state))


def _case_of(report: Report):
    return report.case if _has_case(report) else None
