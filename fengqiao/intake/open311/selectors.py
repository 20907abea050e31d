"""Reads for Open311: keys, regions by code and the public list of requests. The list is
unscoped on purpose (it is what anyone may read); what it shows of each report is cut down
in ``rendering.service_request_rows``."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from fengqiao import taxonomy
from fengqiao.disputes.selectors import ENDED_STATES
from fengqiao.intake.models import Open311Key, Report
from fengqiao.intake.open311.catalog import (
    PLAIN_KINDS,
    dispute_categories,
    service_by_code,
    service_q,
)
from fengqiao.intake.open311.errors import Refusal
from fengqiao.places.models import Region, subtree_q

MAX_REQUESTS = 1000
DEFAULT_WINDOW = dt.timedelta(days=90)


def key_digest(raw_key: str) -> str:
    """What is stored of a key: its SHA-256, never the key."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def active_key(raw_key: str) -> Open311Key | None:
    """The active key whose digest matches ``raw_key``; None for no key or an unknown or
    inactive one."""
    if not raw_key:
        return None
    return (
        Open311Key.objects.select_related("jurisdiction")
        .filter(key_hash=key_digest(raw_key), active=True)
        .first()
    )


def jurisdiction_named(code: str, *, status: int = 404) -> Region | None:
    """The published region with this code, None for no code; an unknown code is refused
    with ``status``."""
    code = (code or "").strip()
    if not code:
        return None
    region = Region.objects.published().filter(code=code).first()
    if region is None:
        raise Refusal(
            status, [("jurisdiction_id", _("没有这个区域编码：%(code)s") % {"code": code})]
        )
    return region


def published_requests() -> QuerySet[Report]:
    """Every report of a published service, unscoped on purpose: this is the public list,
    and what it shows of each report is cut down in ``service_request_rows``."""
    shown = Q(kind__in=PLAIN_KINDS) | Q(kind=Report.Kind.DISPUTE, category__in=dispute_categories())
    return Report.objects.published().filter(shown).select_related("grid", "case")


def public_service_requests(params) -> list[Report]:
    """The reports the GET parameters ask for: by ``service_request_id`` (which overrides
    the rest), else by ``service_code``, ``status``, ``start_date``/``end_date`` (at most 90
    days; the last 90 by default) and ``jurisdiction_id``. Newest first, at most 1000."""
    reports = published_requests()
    ids = [part.strip() for part in params.get("service_request_id", "").split(",")]
    ids = [int(part) for part in ids if part.isdigit()]
    if params.get("service_request_id", "").strip():
        return list(reports.filter(pk__in=ids).order_by("-created_at", "-id")[:MAX_REQUESTS])
    problems: list[tuple[str, str]] = []
    region = jurisdiction_named(params.get("jurisdiction_id", ""))
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
                wanted |= service_q(service)
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
        raise Refusal(400, problems)
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
        raise Refusal(400, [("end_date", _("end_date 不能早于 start_date"))])
    if end - start > DEFAULT_WINDOW:
        raise Refusal(400, [("end_date", _("查询时间范围不能超过 90 天"))])
    return start, end
