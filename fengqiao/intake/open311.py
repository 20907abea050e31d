"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) at ``/open311/v2/``.

Six resources, each in ``.json`` and ``.xml``::

    GET  services                 the service list
    GET  services/{service_code}  a service definition (no service has attributes)
    GET  requests                 public service requests, filtered
    POST requests                 a new request (needs an ``api_key``), through submit_report
    GET  requests/{id}            one public service request

``jurisdiction_id`` is a region code (county, township, community or grid). Errors are the
spec's error list, ``[{"code", "description"}]`` / ``<errors><error>``, with the HTTP
status as the code.

Service codes (stable, like all codes here): ``dispute.<category>`` for the 15 mediation
categories and ``dispute.campus``; ``hazard`` (public-safety hazards); ``suggestion``;
``service`` (help with a matter). Registrations of people and the emergency categories
(missing person, mental-health crisis, fraud) are not offered: those go to 110 or a
counter, never to an anonymous API.

What the public GETs show is chosen for privacy: never a reporter's name, phone, e-mail or
the tracking code (the tracking code lets a resident rate and reopen their report, so it is
a secret; ``service_request_id`` is the report's number instead). Disputes and help
requests are about people: they show no description and only the grid they happened in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from fengqiao import taxonomy
from fengqiao.audit import services as audit
from fengqiao.disputes.clocks import limits_for
from fengqiao.disputes.rules import ENDED_STATES
from fengqiao.intake.models import Open311Key, Report
from fengqiao.intake.services import submit_report
from fengqiao.org.models import Unit
from fengqiao.places.models import Region, subtree_q
from fengqiao.privacy import hide_numbers

MAX_REQUESTS = 1000
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_DESCRIPTION = 4000
HAZARD_CATEGORY = "public_safety_hazard"
# Kinds whose details are about a place, not a person: shown with text and exact location.
PLACE_KINDS = (Report.Kind.HAZARD, Report.Kind.SUGGESTION)
PLAIN_KINDS = (Report.Kind.HAZARD, Report.Kind.SUGGESTION, Report.Kind.SERVICE)
DIGIT_RUN = re.compile(r"\d(?:[\s-]?\d){6,}[Xx]?")  # what hide_numbers leaves: bank numbers
# Where submit_report's field names differ from the spec's parameters.
SPEC_FIELD = {
    "text": "description",
    "lon": "lat",
    "reporter_phone": "phone",
    "reporter_name": "first_name",
    "address": "address_string",
    "grid_code": "address_string",
    "kind": "service_code",
    "category": "service_code",
    "client_key": "idempotency_key",
}


# --- services ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    code: str
    kind: str
    category: str
    name: str
    description: str
    group: str
    keywords: str


def dispute_categories() -> list[str]:
    return [
        entry["code"]
        for entry in taxonomy.entries("category")
        if entry.get("mediation_category") or entry["code"] == "campus"
    ]


def services_offered() -> list[Service]:
    """Every service in the list, labels in the active language."""
    notes = {entry["code"]: entry.get("note", "") for entry in taxonomy.entries("category")}
    dispute_group = str(Report.Kind.DISPUTE.label)
    offered = [
        Service(
            code=f"dispute.{category}",
            kind=Report.Kind.DISPUTE,
            category=category,
            name=taxonomy.label("category", category),
            description=_("%(category)s类矛盾纠纷：网格员或社区民警会联系双方调解")
            % {"category": taxonomy.label("category", category)},
            group=dispute_group,
            keywords=notes[category],
        )
        for category in dispute_categories()
    ]
    offered += [
        Service(
            code="hazard",
            kind=Report.Kind.HAZARD,
            category=HAZARD_CATEGORY,
            name=str(Report.Kind.HAZARD.label),
            description=_("治安、消防等安全隐患：高空抛物、飞线充电、火灾隐患等"),
            group=str(Report.Kind.HAZARD.label),
            keywords=notes[HAZARD_CATEGORY],
        ),
        Service(
            code="suggestion",
            kind=Report.Kind.SUGGESTION,
            category="",
            name=str(Report.Kind.SUGGESTION.label),
            description=_("对社区治理、警务工作的意见和建议"),
            group=str(Report.Kind.SUGGESTION.label),
            keywords="",
        ),
        Service(
            code="service",
            kind=Report.Kind.SERVICE,
            category="",
            name=str(Report.Kind.SERVICE.label),
            description=_("需要社区或派出所帮忙办理的事情"),
            group=str(Report.Kind.SERVICE.label),
            keywords="",
        ),
    ]
    return offered


def service_by_code(code: str) -> Service | None:
    return next((s for s in services_offered() if s.code == code), None)


def service_code_of(report: Report) -> str:
    """The service a stored report belongs to ('' when it is not one we publish)."""
    if report.kind == Report.Kind.DISPUTE:
        return f"dispute.{report.category}" if report.category in dispute_categories() else ""
    return report.kind if report.kind in PLAIN_KINDS else ""


def _service_q(service: Service) -> Q:
    if service.kind == Report.Kind.DISPUTE:
        return Q(kind=service.kind, category=service.category)
    return Q(kind=service.kind)


# --- keys -------------------------------------------------------------------------------


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def create_open311_key(*, name: str, jurisdiction: Region | None = None) -> tuple[Open311Key, str]:
    """Make a key; returns the record and the key itself, which is never stored."""
    if not name.strip():
        raise ValidationError({"name": _("请填写密钥名称（使用方）")})
    raw_key = secrets.token_urlsafe(32)
    with transaction.atomic():
        key = Open311Key.objects.create(
            name=name.strip()[:100], key_hash=_digest(raw_key), jurisdiction=jurisdiction
        )
        audit.record(
            actor=None,
            action="intake.open311_key_created",
            obj=key,
            changes={"name": key.name, "jurisdiction": jurisdiction.code if jurisdiction else ""},
        )
    return key, raw_key


def active_key(raw_key: str) -> Open311Key | None:
    if not raw_key:
        return None
    return (
        Open311Key.objects.select_related("jurisdiction")
        .filter(key_hash=_digest(raw_key), active=True)
        .first()
    )


# --- rendering --------------------------------------------------------------------------


def _render(fmt: str, root: str, item: str | None, payload, status: int = 200) -> HttpResponse:
    """``payload`` is a list of dicts (rendered as <root><item>...) or one dict (<root>...)."""
    if fmt == "json":
        return HttpResponse(
            json.dumps(payload, ensure_ascii=False),
            status=status,
            content_type="application/json; charset=utf-8",
        )
    element = ET.Element(root)
    for row in payload if isinstance(payload, list) else [payload]:
        _fill(ET.SubElement(element, item) if item else element, row)
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")
    return HttpResponse(body.encode("utf-8"), status=status, content_type="text/xml; charset=utf-8")


SINGULAR = {"attributes": "attribute", "values": "value"}


def _fill(element: ET.Element, row: dict) -> None:
    for key, value in row.items():
        child = ET.SubElement(element, key)
        if isinstance(value, list):
            for entry in value:
                _fill(ET.SubElement(child, SINGULAR.get(key, "item")), entry)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def _errors(fmt: str, status: int, problems: list[tuple[str, str]]) -> HttpResponse:
    rows = [
        {"code": status, "description": f"{field}: {message}" if field else message}
        for field, message in problems
    ]
    return _render(fmt, "errors", "error", rows, status=status)


def not_found_errors(path: str) -> HttpResponse:
    """The spec's error list for an address that is no Open311 resource."""
    fmt = "xml" if path.rstrip("/").endswith(".xml") else "json"
    return _errors(fmt, 404, [("", _("没有这个接口地址：%(path)s") % {"path": path})])


def _w3(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# --- views: services --------------------------------------------------------------------


class _Refusal(Exception):
    def __init__(self, status: int, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.status = status
        self.problems = problems


def _jurisdiction(code: str, *, status: int = 404) -> Region | None:
    code = (code or "").strip()
    if not code:
        return None
    region = Region.objects.published().filter(code=code).first()
    if region is None:
        raise _Refusal(
            status, [("jurisdiction_id", _("没有这个区域编码：%(code)s") % {"code": code})]
        )
    return region


def _method_not_allowed(fmt: str, method: str) -> HttpResponse:
    return _errors(fmt, 405, [("", _("不支持 %(method)s 请求") % {"method": method})])


@csrf_exempt
def services(request, fmt: str) -> HttpResponse:
    if request.method != "GET":
        return _method_not_allowed(fmt, request.method)
    try:
        _jurisdiction(request.GET.get("jurisdiction_id", ""))
    except _Refusal as refusal:
        return _errors(fmt, refusal.status, refusal.problems)
    rows = [
        {
            "service_code": s.code,
            "service_name": s.name,
            "description": s.description,
            "metadata": False,
            "type": "realtime",
            "keywords": s.keywords,
            "group": s.group,
        }
        for s in services_offered()
    ]
    return _render(fmt, "services", "service", rows)


@csrf_exempt
def service_definition(request, service_code: str, fmt: str) -> HttpResponse:
    if request.method != "GET":
        return _method_not_allowed(fmt, request.method)
    try:
        _jurisdiction(request.GET.get("jurisdiction_id", ""))
    except _Refusal as refusal:
        return _errors(fmt, refusal.status, refusal.problems)
    if service_by_code(service_code) is None:
        message = _("没有这个服务代码：%(code)s") % {"code": service_code}
        return _errors(fmt, 404, [("service_code", message)])
    return _render(
        fmt, "service_definition", None, {"service_code": service_code, "attributes": []}
    )


# --- views: requests --------------------------------------------------------------------


@csrf_exempt
def requests(request, fmt: str) -> HttpResponse:
    try:
        if request.method == "GET":
            reports = public_service_requests(request.GET)
            return _render(fmt, "service_requests", "request", service_request_rows(reports))
        if request.method == "POST":
            return _render(fmt, "service_requests", "request", [_create(request)])
    except _Refusal as refusal:
        return _errors(fmt, refusal.status, refusal.problems)
    return _method_not_allowed(fmt, request.method)


@csrf_exempt
def request_detail(request, service_request_id: str, fmt: str) -> HttpResponse:
    if request.method != "GET":
        return _method_not_allowed(fmt, request.method)
    report = None
    if service_request_id.isdigit():
        report = _published().filter(pk=int(service_request_id)).first()
    if report is None:
        message = _("没有这条服务请求：%(id)s") % {"id": service_request_id}
        return _errors(fmt, 404, [("service_request_id", message)])
    return _render(fmt, "service_requests", "request", service_request_rows([report]))


# --- POST requests ----------------------------------------------------------------------


def _create(request) -> dict:
    """Check the key, read the spec's parameters, and hand the report to submit_report."""
    data = request.POST
    key = active_key(data.get("api_key", "").strip())
    if key is None:
        raise _Refusal(403, [("api_key", _("缺少 api_key，或 api_key 无效、已停用"))])
    problems: list[tuple[str, str]] = []
    try:
        region = _jurisdiction(
            data.get("jurisdiction_id") or request.GET.get("jurisdiction_id", ""), status=400
        )
    except _Refusal as refusal:
        problems += refusal.problems
        region = None
    code = data.get("service_code", "").strip()
    service = service_by_code(code)
    if not code:
        problems.append(("service_code", _("请填写 service_code")))
    elif service is None:
        problems.append(("service_code", _("没有这个服务代码：%(code)s") % {"code": code}))
    lon, lat = _point(data, problems)
    address = data.get("address_string", "").strip()
    if lon is None and not address:
        problems.append(("lat", _("请提供位置：lat 和 long，或 address_string")))
    description = data.get("description", "")
    if len(description) > MAX_DESCRIPTION:
        problems.append(("description", _("描述不能超过 4000 字")))
    idempotency = (
        data.get("idempotency_key") or request.headers.get("Idempotency-Key", "")
    ).strip()
    if len(idempotency) > 200:
        problems.append(("idempotency_key", _("idempotency_key 不能超过 200 个字符")))
    if problems:
        raise _Refusal(400, problems)
    try:
        with transaction.atomic():
            submission = submit_report(
                channel="open311",
                kind=service.kind,
                category=service.category,
                text=_text_with_media(description, data.get("media_url", "")),
                lon=lon,
                lat=lat,
                address=address[:200],
                reporter_name=_name(data.get("first_name", ""), data.get("last_name", "")),
                reporter_phone=data.get("phone", "").strip(),
                client_key=_client_key(idempotency) if idempotency else None,
                sender=f"open311:{key.pk}",
            )
            report = submission.report
            _check_place(report, key=key, region=region)
            if submission.created:
                audit.record(
                    actor=None,
                    action="intake.open311_received",
                    obj=report,
                    changes={"key": key.name, "service_code": service.code},
                )
    except ValidationError as error:
        raise _Refusal(400, _spec_problems(error)) from None
    return {
        "service_request_id": str(report.pk),
        "service_notice": _("已收到。查询码 %(code)s，请转告反映人，可凭查询码查看办理进度。")
        % {"code": report.tracking_code},
        "account_id": data.get("account_id") or None,
    }


def _point(data, problems: list) -> tuple[float | None, float | None]:
    raw_lat, raw_lon = data.get("lat", "").strip(), data.get("long", "").strip()
    if not raw_lat and not raw_lon:
        return None, None
    try:
        lat, lon = float(raw_lat), float(raw_lon)
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise ValueError
    except ValueError:
        problems.append(("lat", _("lat 和 long 须同时填写，且为 WGS84 十进制度数")))
        return None, None
    return lon, lat


def _check_place(report: Report, *, key: Open311Key, region: Region | None) -> None:
    """Refuse (and so roll back) a report that landed outside where it may be."""
    path = report.grid.path
    if key.jurisdiction is not None and not path.startswith(key.jurisdiction.path):
        message = _("这个密钥只能提交 %(name)s 范围内的反映") % {"name": key.jurisdiction.name}
        raise _Refusal(403, [("api_key", message)])
    if region is not None and not path.startswith(region.path):
        message = _("位置不在 %(name)s（%(code)s）范围内") % {
            "name": region.name,
            "code": region.code,
        }
        raise _Refusal(400, [("jurisdiction_id", message)])


def _client_key(idempotency: str) -> str:
    # The spec allows any text up to 200 characters; the door takes 8-64 plain ones. The
    # door binds it to this Open311 key, so one client's value never finds another's report.
    return hashlib.sha256(idempotency.encode()).hexdigest()[:40]


def _text_with_media(description: str, media_url: str) -> str:
    media_url = media_url.strip()
    if media_url.startswith(("http://", "https://")) and len(media_url) <= 500:
        return f"{description.strip()}\n\n{_('图片链接')}：{media_url}"
    return description


def _name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if any("\u4e00" <= char <= "\u9fff" for char in first + last):
        return last + first  # Chinese names: family name first, no space
    return f"{first} {last}".strip()


def _spec_problems(error: ValidationError) -> list[tuple[str, str]]:
    if not hasattr(error, "error_dict"):
        return [("", message) for message in error.messages]
    return [
        (SPEC_FIELD.get(field, field), message)
        for field, messages in error.message_dict.items()
        for message in messages
    ]


# --- GET requests: the public read ------------------------------------------------------


def _published() -> QuerySet[Report]:
    """Every report of a published service, unscoped on purpose: this is the public list,
    and what it shows of each report is cut down in ``service_request_rows``."""
    shown = Q(kind__in=PLAIN_KINDS) | Q(kind=Report.Kind.DISPUTE, category__in=dispute_categories())
    return Report.objects.published().filter(shown).select_related("grid", "case")


def public_service_requests(params) -> list[Report]:
    """The reports the GET parameters ask for: by ``service_request_id`` (which overrides
    the rest), else by ``service_code``, ``status``, ``start_date``/``end_date`` (at most 90
    days; the last 90 by default) and ``jurisdiction_id``. Newest first, at most 1000."""
    reports = _published()
    ids = [part.strip() for part in params.get("service_request_id", "").split(",")]
    ids = [int(part) for part in ids if part.isdigit()]
    if params.get("service_request_id", "").strip():
        return list(reports.filter(pk__in=ids).order_by("-created_at", "-id")[:MAX_REQUESTS])
    problems: list[tuple[str, str]] = []
    region = _jurisdiction(params.get("jurisdiction_id", ""))
    if region is not None:
        reports = reports.filter(subtree_q(region.path, "scope_path"))
    codes = [code.strip() for code in params.get("service_code", "").split(",") if code.strip()]
    if codes:
        wanted = Q()
        for code in codes:
            service = service_by_code(code)
            if service is None:
                problems.append(("service_code", _("没有这个服务代码：%(code)s") % {"code": code}))
            else:
                wanted |= _service_q(service)
        reports = reports.filter(wanted)
    statuses = {part.strip() for part in params.get("status", "").split(",") if part.strip()}
    if statuses - {"open", "closed"}:
        problems.append(("status", _("status 只能是 open 或 closed")))
    elif statuses == {"open"}:
        reports = reports.filter(_open_q())
    elif statuses == {"closed"}:
        reports = reports.filter(_closed_q())
    start = _moment(params.get("start_date", ""), "start_date", problems)
    end = _moment(params.get("end_date", ""), "end_date", problems)
    if problems:
        raise _Refusal(400, problems)
    start, end = _window(start, end)
    return list(
        reports.filter(created_at__gte=start, created_at__lte=end).order_by("-created_at", "-id")[
            :MAX_REQUESTS
        ]
    )


def _open_q() -> Q:
    not_ended = set(taxonomy.codes("case_state")) - ENDED_STATES
    return ~Q(status=Report.Status.CLOSED) & (Q(case__isnull=True) | Q(case__state__in=not_ended))


def _closed_q() -> Q:
    return Q(status=Report.Status.CLOSED) | Q(case__state__in=ENDED_STATES)


def _moment(value: str, field: str, problems: list) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    if " " in value and "+" not in value:
        value = value[::-1].replace(" ", "+", 1)[::-1]  # an unencoded "+08:00" arrives as " 08:00"
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = dt.datetime.combine(day, dt.time())
    except ValueError:
        moment = None
    if moment is None:
        problems.append((field, _("请使用 W3C 日期时间格式，例如 2024-05-01T08:00:00+08:00")))
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _window(start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - DEFAULT_WINDOW
    if end is None:
        end = start + DEFAULT_WINDOW
    if end < start:
        raise _Refusal(400, [("end_date", _("end_date 不能早于 start_date"))])
    if end - start > DEFAULT_WINDOW:
        raise _Refusal(400, [("end_date", _("查询时间范围不能超过 90 天"))])
    return start, end


def service_request_rows(reports: list[Report]) -> list[dict]:
    """The spec's fields for each report, with nothing that names or reaches a person."""
    places = _PlaceNames(report.grid for report in reports)
    services = {s.code: s for s in services_offered()}
    rows = []
    for report in reports:
        case = _case_of(report)
        service = services[service_code_of(report)]
        about_a_place = report.kind in PLACE_KINDS and not report.anonymous
        lon, lat = (report.lon, report.lat) if about_a_place else (None, None)
        if lon is None or lat is None:
            lon, lat = _area_point(report)
        rows.append(
            {
                "service_request_id": str(report.pk),
                "status": "closed" if _is_closed(report, case) else "open",
                "status_notes": taxonomy.label("case_state", case.state)
                if case is not None
                else report.get_status_display(),
                "service_name": service.name,
                "service_code": service.code,
                "description": _public_text(report) if about_a_place else None,
                "agency_responsible": places.agency_for(report.grid),
                "service_notice": None,
                "requested_datetime": _w3(report.created_at),
                "updated_datetime": _w3(_updated_at(report, case)),
                "expected_datetime": _w3(_expected_at(case)),
                "address": (report.address if about_a_place else "") or places.area(report.grid),
                "address_id": None,
                "zipcode": None,
                "lat": lat,
                "long": lon,
                "media_url": None,
            }
        )
    return rows


class _PlaceNames:
    """Names of the regions above a page of grids and the stations over them, in two
    queries for the whole page."""

    def __init__(self, grids):
        paths = {grid.path for grid in grids}
        codes = {code for path in paths for code in path.split("/") if code}
        self.regions = {
            region.code: region
            for region in Region.objects.published()
            .filter(code__in=codes)
            .only("code", "name", "level")
        }
        stations = Unit.objects.published().filter(
            kind=Unit.Kind.STATION, jurisdiction__code__in=codes
        )
        self.stations = {
            unit.jurisdiction.code: unit.name
            for unit in stations.select_related("jurisdiction").order_by("path")
        }

    def _chain(self, grid: Region) -> list[Region]:
        codes = [code for code in grid.path.split("/") if code]
        return [self.regions[code] for code in codes if code in self.regions]

    def agency_for(self, grid: Region) -> str:
        """The police station whose jurisdiction covers the grid, else the township."""
        chain = self._chain(grid)
        for region in reversed(chain):
            if region.code in self.stations:
                return self.stations[region.code]
        township = next((r for r in chain if r.level == "township"), None)
        return township.name if township else ""

    def area(self, grid: Region) -> str:
        below_county = ("township", "community", "grid")
        return "".join(r.name for r in self._chain(grid) if r.level in below_county)


def _case_of(report: Report):
    try:
        return report.case
    except Report.case.RelatedObjectDoesNotExist:
        return None


def _is_closed(report: Report, case) -> bool:
    return report.status == Report.Status.CLOSED or (
        case is not None and case.state in ENDED_STATES
    )


def _updated_at(report: Report, case) -> dt.datetime:
    moments = [report.created_at, report.closed_at, report.feedback_at]
    if case is not None:
        moments.append(case.updated_at)
    return max(moment for moment in moments if moment is not None)


def _expected_at(case) -> dt.datetime | None:
    # The resolve time limit from the day it was received; pauses are not counted here.
    if case is None or case.state in ENDED_STATES or case.risk not in ("red", "yellow", "blue"):
        return None
    return case.received_at + limits_for(case.risk).resolve


def _area_point(report: Report) -> tuple[float | None, float | None]:
    grid = report.grid
    if grid.lon is not None and grid.lat is not None:
        return grid.lon, grid.lat
    if report.lon is not None and report.lat is not None:
        return round(report.lon, 2), round(report.lat, 2)  # about a kilometre
    return None, None


def _public_text(report: Report) -> str:
    text = DIGIT_RUN.sub("***", hide_numbers(report.text))
    if report.reporter_name and len(report.reporter_name) >= 2:
        text = text.replace(report.reporter_name, "***")
    return text
