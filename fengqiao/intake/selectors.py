"""Reads of reports for pages: scoped lists and lookups for staff, the public view by
tracking code, and suggestions of reports that may be about the same thing."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao import sealing, taxonomy
from fengqiao.audit import selectors as audit
from fengqiao.disputes import selectors as disputes
from fengqiao.intake import duplicates, replies
from fengqiao.intake.models import Report, ReportReply
from fengqiao.intake.services import REOPEN_WINDOW
from fengqiao.org.models import Person
from fengqiao.org.scope import get_for, scope_to
from fengqiao.phones import normalize_phone
from fengqiao.places import selectors as places
from fengqiao.places.models import Building, Region

EARTH_RADIUS_M = 6_371_000
RELATED_LIMIT = 10
# Duplicates are looked for among reports made this close in time to the report.
DUPLICATE_WINDOW = dt.timedelta(days=60)
DUPLICATE_LIMIT = 8
# How many reports of the same grid are scored for similar text (newest first).
DUPLICATE_SCAN = 200

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
    "verifying": gettext_lazy("已调解，正在核实办理结果"),
    "transferred": gettext_lazy("已移送有关部门办理"),
    "withdrawn": gettext_lazy("已撤回"),
    "merged": gettext_lazy("已与相关反映合并办理"),
}


# --- staff reads -----------------------------------------------------------------------


def reports_for(user, *, status: str = "") -> QuerySet[Report]:
    """Reports inside the user's jurisdiction, newest first."""
    reports = scope_to(user, Report.objects.select_related("grid", "building"))
    return reports.filter(status=status) if status else reports


def reports_of_reporter(user) -> QuerySet[Report]:
    """The reports a signed-in resident sent themselves (``Report.reporter``), newest first,
    with their cases for ``public_state``. None for anyone signed out."""
    if not getattr(user, "is_authenticated", False):
        return Report.objects.none()
    return (
        Report.objects.filter(reporter=user).select_related("case").order_by("-created_at", "-id")
    )


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
    score: int = 0  # how alike, out of 100 (``intake.duplicates``)


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
    text: str = "",
) -> list[RelatedReport]:
    """Open reports in the user's scope that may be about the same matter, with why.

    Matches on the same address or building, a reporter or party with one of ``phones``
    or ``names``, or the same category within ``radius_m`` of (lon, lat) in the last
    ``days``. Phones may be typed any way; ones that are not valid numbers are ignored.
    Each is scored against what was typed (``text``, address, phones, names) as
    ``duplicate_candidates`` scores a stored report. At most ``RELATED_LIMIT``, best first.
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
    typed = duplicates.Facts(
        text=text,
        address=address,
        place_keys=frozenset({f"bldg:{building.pk}"} if building is not None else ()),
        phone_hashes=frozenset(hashes),
        names=frozenset(names),
    )
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
            alike = duplicates.likeness(typed, _facts_of(report))
            found.append(RelatedReport(report, tuple(reasons), alike.score))
    found.sort(key=lambda item: -item.score)  # stable: newest first among equals
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


@dataclass(frozen=True)
class DuplicateCandidate:
    report: Report
    score: int
    reasons: tuple[str, ...]


def duplicate_candidates(user, report: Report) -> list[DuplicateCandidate]:
    """Reports in the user's scope that may be about the same matter as ``report``, best
    first, each with its score (``intake.duplicates``) and the reasons.

    Looked for within ``DUPLICATE_WINDOW`` of the report, among those sharing its phone,
    a party's phone or name, its place, or its grid; reports already marked as duplicates
    are left out (their original is the one to point at), and so is the report itself.
    """
    facts = _facts_of(report)
    queryset = scope_to(user, Report.objects.all())
    candidates = _candidates(queryset, report, facts)
    found = []
    for other in candidates:
        alike = duplicates.likeness(facts, _facts_of(other))
        if alike.score >= duplicates.SHOW_FROM:
            found.append(DuplicateCandidate(other, alike.score, alike.reasons))
    found.sort(key=lambda c: (-c.score, -c.report.created_at.timestamp()))
    return found[:DUPLICATE_LIMIT]


def similar_report_received_unscoped(report: Report) -> bool:
    """Whether an earlier report looks like this one, judged on place and text only.

    What the public reporter may be told ("a similar report was already received"): no
    other report is named, and phones and names do not count, so typing someone's number
    into the form tells nothing about what they reported. Unscoped on purpose: the public
    has no jurisdiction, and the answer is one yes or no.
    """
    facts = _facts_of(report, public=True)
    earlier = Report.objects.filter(created_at__lte=report.created_at)
    for other in _candidates(earlier, report, facts, public=True):
        if duplicates.likeness(facts, _facts_of(other, public=True)).public_score >= (
            duplicates.PUBLIC_FROM
        ):
            return True
    return False


def _candidates(queryset, report: Report, facts, *, public: bool = False) -> list[Report]:
    place = Q(grid_id=report.grid_id)
    if report.std_address_id:
        place |= Q(std_address_id=report.std_address_id)
    if report.building_id:
        place |= Q(building_id=report.building_id)
    if report.address:
        place |= Q(address=report.address)
    who = Q()
    if not public:
        if facts.phone_hashes:
            who |= Q(phone_hash__in=facts.phone_hashes)
            who |= Q(case__parties__phone_hash__in=facts.phone_hashes)
        if facts.names:
            who |= Q(reporter_name__in=facts.names) | Q(case__parties__name__in=facts.names)
    ids = (
        queryset.filter(place | who if who else place)
        .filter(
            created_at__gte=report.created_at - DUPLICATE_WINDOW,
            created_at__lte=report.created_at + DUPLICATE_WINDOW,
            duplicate_of__isnull=True,
        )
        .exclude(pk=report.pk)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .distinct()[:DUPLICATE_SCAN]
    )
    others = Report.objects.filter(pk__in=list(ids)).select_related("grid", "case")
    if not public:
        others = others.prefetch_related("case__parties")
    return list(others)


def _facts_of(report: Report, *, public: bool = False) -> duplicates.Facts:
    place_keys = set()
    if report.std_address_id:
        place_keys.add(f"addr:{report.std_address_id}")
    if report.building_id:
        place_keys.add(f"bldg:{report.building_id}")
    if public:
        return duplicates.Facts(
            text=report.text, address=report.address, place_keys=frozenset(place_keys)
        )
    parties = list(report.case.parties.all()) if _has_case(report) else []
    phones = {report.phone_hash} | {p.phone_hash for p in parties}
    names = {report.reporter_name} | {p.name for p in parties}
    return duplicates.Facts(
        text=report.text,
        address=report.address,
        place_keys=frozenset(place_keys),
        phone_hashes=frozenset(phones - {""}),
        names=frozenset(n.strip() for n in names if n and n.strip()),
    )


def replies_to(report: Report) -> QuerySet[ReportReply]:
    """Staff's answers to the reporter, oldest first (the report is already in hand: by
    tracking code for the public, by a scoped lookup for staff)."""
    return report.replies.order_by("at", "id")


def acknowledgement_for(report: Report) -> str:
    """What the reporter is told about where their report stands now (``intake.replies``):
    the words for its state, or for a report just received, the receipt."""
    return replies.state_text(_public_state_code(report))


def received_acknowledgement(report: Report) -> str:
    return replies.received_text(report.kind, code=report.tracking_code, grid=report.grid.name)


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


def grid_choices(lon, lat) -> list[Region]:
    """The grids to offer a reporter whose point is near an edge, nearest first (their
    villages loaded for the labels); empty when the point is plainly inside one grid."""
    try:
        grids = places.grids_near(lon, lat)
    except (TypeError, ValueError):
        return []
    if len(grids) < 2:
        return []
    parents = Region.objects.in_bulk({grid.parent_id for grid in grids})
    for grid in grids:
        grid.parent = parents.get(grid.parent_id)
    return grids


def find_public_report(tracking_code: str) -> Report | None:
    """The report a resident's tracking code names, or None."""
    code = (tracking_code or "").strip().upper()
    if not code:
        return None
    return Report.objects.select_related("grid__parent", "case").filter(tracking_code=code).first()


def public_state(report: Report) -> str:
    """Where the report stands, in words a resident understands."""
    return public_words_for(_public_state_code(report))


def _public_state_code(report: Report) -> str:
    """The case's state for a report with a case; a report merged into another, "merged";
    else the report's own status."""
    case = _case_of(report)
    if case is not None:
        return case.state
    if report.duplicate_of_id is not None and report.status == Report.Status.CLOSED:
        return "merged"
    return report.status


@dataclass(frozen=True)
class Badge:
    code: str
    label: str


def status_badge(report: Report) -> Badge:
    """The report's status as staff see it: its case's state when it has a case (the
    report's own status stays "in progress" while the case moves on), "merged" for a
    report folded into another."""
    case = _case_of(report)
    if case is not None:
        return Badge(case.state, taxonomy.label("case_state", case.state))
    if report.duplicate_of_id is not None and report.status == Report.Status.CLOSED:
        return Badge("merged", _("已合并"))
    return Badge(report.status, report.get_status_display())


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
    for reply in replies_to(report):
        milestones.append(Milestone(reply.at, _("工作人员答复：%(text)s") % {"text": reply.text}))
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


def public_handoffs(report: Report) -> list[dict]:
    """The hand-offs and referrals of the report's case as its reporter may read them (the
    body's kind, dates, outcome, the answer with numbers hidden; no names of people)."""
    if report.case_id is None:
        return []
    return disputes.public_handoff_answers(report.case)


def assignees_in_order() -> Prefetch:
    """Prefetch of a report's assignees (through the report, so inside its scope), ordered
    by id: how the API shows them, and how ``services.submit_report`` holds those it wrote."""
    return Prefetch("assignees", queryset=Person.objects.order_by("pk"))
