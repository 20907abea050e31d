"""Open311's writes: making a key (``fengqiao manage create_open311_key``) and taking a
POSTed service request, which becomes a report through ``intake.services.submit_report``
on the ``open311`` channel, bound to the key that sent it."""

from __future__ import annotations

import hashlib
import math
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.intake.models import Open311Key, Report
from fengqiao.intake.open311.catalog import service_by_code
from fengqiao.intake.open311.errors import Refusal, spec_problems
from fengqiao.intake.open311.selectors import active_key, jurisdiction_named, key_digest
from fengqiao.intake.services import submit_report
from fengqiao.places.models import Region

MAX_DESCRIPTION = 4000


def create_open311_key(*, name: str, jurisdiction: Region | None = None) -> tuple[Open311Key, str]:
    """Make a key; returns the record and the key itself, which is never stored."""
    if not name.strip():
        raise ValidationError({"name": _("请填写密钥名称（使用方）")})
    raw_key = secrets.token_urlsafe(32)
    with transaction.atomic():
        key = Open311Key.objects.create(
            name=name.strip()[:100], key_hash=key_digest(raw_key), jurisdiction=jurisdiction
        )
        audit.record(
            actor=None,
            action="intake.open311_key_created",
            obj=key,
            changes={"name": key.name, "jurisdiction": jurisdiction.code if jurisdiction else ""},
        )
    return key, raw_key


def submit_service_request(
    *,
    api_key: str,
    service_code: str,
    jurisdiction_id: str = "",
    lat: str = "",
    long: str = "",
    address_string: str = "",
    description: str = "",
    media_url: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    idempotency_key: str = "",
) -> Report:
    """Check the key, read the spec's parameters (as they were sent, text), and hand the
    report to submit_report. A report that lands outside the key's or the named
    jurisdiction is refused and rolled back. Replaying ``idempotency_key`` with the same key
    returns the first report. Refusals name the spec's parameters."""
    key = active_key(api_key.strip())
    if key is None:
        raise Refusal(403, [("api_key", _("缺少 api_key，或 api_key 无效、已停用"))])
    problems: list[tuple[str, str]] = []
    try:
        region = jurisdiction_named(jurisdiction_id, status=400)
    except Refusal as refusal:
        problems += refusal.problems
        region = None
    code = service_code.strip()
    service = service_by_code(code)
    if not code:
        problems.append(("service_code", _("请填写 service_code")))
    elif service is None:
        problems.append(("service_code", _("没有这个服务代码：%(code)s") % {"code": code}))
    longitude, latitude = _point(lat, long, problems)
    address = address_string.strip()
    if longitude is None and not address:
        problems.append(("lat", _("请提供位置：lat 和 long，或 address_string")))
    if len(description) > MAX_DESCRIPTION:
        problems.append(("description", _("描述不能超过 4000 字")))
    idempotency = idempotency_key.strip()
    if len(idempotency) > 200:
        problems.append(("idempotency_key", _("idempotency_key 不能超过 200 个字符")))
    if problems:
        raise Refusal(400, problems)
    try:
        with transaction.atomic():
            submission = submit_report(
                channel="open311",
                kind=service.kind,
                category=service.category,
                text=_text_with_media(description, media_url),
                lon=longitude,
                lat=latitude,
                address=address[:200],
                reporter_name=_name(first_name, last_name),
                reporter_phone=phone.strip(),
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
        raise Refusal(400, spec_problems(error)) from None
    return report


def _point(raw_lat: str, raw_lon: str, problems: list) -> tuple[float | None, float | None]:
    raw_lat, raw_lon = raw_lat.strip(), raw_lon.strip()
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
        raise Refusal(403, [("api_key", message)])
    if region is not None and not path.startswith(region.path):
        message = _("位置不在 %(name)s（%(code)s）范围内") % {
            "name": region.name,
            "code": region.code,
        }
        raise Refusal(400, [("jurisdiction_id", message)])


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
