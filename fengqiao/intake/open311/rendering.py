"""Open311's answers: JSON or XML with the spec's element names, the spec's error list, and
the rows a service and a service request show. A request's row is chosen for privacy (see
the package's docstring): nothing in it names or reaches a person."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import taxonomy
from fengqiao.disputes.selectors import ENDED_STATES, county_policies, resolve_limit
from fengqiao.intake.models import Report
from fengqiao.intake.open311.catalog import PLACE_KINDS, Service, service_code_of, services_offered
from fengqiao.org.models import Unit
from fengqiao.places.models import Region
from fengqiao.privacy import hide_numbers

DIGIT_RUN = re.compile(r"\d(?:[\s-]?\d){6,}[Xx]?")  # what hide_numbers leaves: bank numbers


def render(fmt: str, root: str, item: str | None, payload, status: int = 200) -> HttpResponse:
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


def error_list(fmt: str, status: int, problems: list[tuple[str, str]]) -> HttpResponse:
    rows = [
        {"code": status, "description": f"{field}: {message}" if field else message}
        for field, message in problems
    ]
    return render(fmt, "errors", "error", rows, status=status)


def not_found_errors(path: str) -> HttpResponse:
    """The spec's error list for an address that is no Open311 resource."""
    fmt = "xml" if path.rstrip("/").endswith(".xml") else "json"
    return error_list(fmt, 404, [("", _("没有这个接口地址：%(path)s") % {"path": path})])


def method_not_allowed(fmt: str, method: str) -> HttpResponse:
    return error_list(fmt, 405, [("", _("不支持 %(method)s 请求") % {"method": method})])


def _w3(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def service_rows(offered: list[Service]) -> list[dict]:
    """The spec's fields for each service in the list."""
    return [
        {
            "service_code": s.code,
            "service_name": s.name,
            "description": s.description,
            "metadata": False,
            "type": "realtime",
            "keywords": s.keywords,
            "group": s.group,
        }
        for s in offered
    ]


def created_row(report: Report, *, account_id: str | None) -> dict:
    """The answer to a POST: the new request's number and where to follow it."""
    return {
        "service_request_id": str(report.pk),
        "service_notice": _("已收到。查询码 %(code)s，请转告反映人，可凭查询码查看办理进度。")
        % {"code": report.tracking_code},
        "account_id": account_id,
    }


def service_request_rows(reports: list[Report]) -> list[dict]:
    """The spec's fields for each report, with nothing that names or reaches a person."""
    places = _PlaceNames(report.grid for report in reports)
    services = {s.code: s for s in services_offered()}
    policies = county_policies()
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
                "expected_datetime": _w3(_expected_at(case, policies)),
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
    return report.case


def _is_closed(report: Report, case) -> bool:
    return report.status == Report.Status.CLOSED or (
        case is not None and case.state in ENDED_STATES
    )


def _updated_at(report: Report, case) -> dt.datetime:
    moments = [report.created_at, report.closed_at, report.feedback_at]
    if case is not None:
        moments.append(case.updated_at)
    return max(moment for moment in moments if moment is not None)


def _expected_at(case, policies) -> dt.datetime | None:
    # The county's resolve time limit from the day it was received; pauses are not counted.
    if case is None or case.state in ENDED_STATES or case.risk not in ("red", "yellow", "blue"):
        return None
    return case.received_at + resolve_limit(case, policies)


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
