"""Every write of the station's service catalogue: add or change a service, close it to new
applications, open it again. Chiefs and administrators, for stations in their jurisdiction."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.org.models import Unit
from fengqiao.org.scope import in_scope
from fengqiao.services.models import Channel, Service, ServiceKind

ADD_SERVICE = "services.add_service"
CHANGE_SERVICE = "services.change_service"
MAX_NAME_CHARS = 100
MAX_MATERIAL_CHARS = 50
MAX_MATERIALS = 30
MAX_TEXT_CHARS = 1000
MAX_NOTE_CHARS = 2000
MAX_LIMIT_DAYS = 365
MAX_SLOT_CAPACITY = 50


def save_service(
    *,
    actor,
    service: Service | None = None,
    station: Unit | None,
    kind: str,
    name: str,
    who_may_apply: str = "",
    materials: Iterable[str] = (),
    time_limit_days,
    promised_days=None,
    channels: Iterable[str] = (),
    one_visit: bool = False,
    slot_capacity=4,
    note: str = "",
) -> Service:
    """Add a service to a station's catalogue, or change one: who may apply, the materials
    (names, in the order they are checked), the legal time limit and the station's shorter
    promise, the channels (a subset of ``Channel``) and whether one visit is enough."""
    permission = ADD_SERVICE if service is None else CHANGE_SERVICE
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(_("您没有管理服务事项的权限"))
    if service is not None and not in_scope(actor, service):
        raise PermissionDenied(_("这个服务事项不在您的管辖范围"))
    name = " ".join((name or "").split())
    who_may_apply, note = (who_may_apply or "").strip(), (note or "").strip()
    errors: dict[str, object] = {}
    if station is None or station.kind not in (Unit.Kind.STATION, Unit.Kind.POLICE_ROOM):
        errors["station"] = _("请选择办理的派出所或警务室")
    elif not in_scope(actor, station):
        errors["station"] = _("这个单位不在您的管辖范围")
    if kind not in ServiceKind.values:
        errors["kind"] = _("请选择事项类别")
    if not name or len(name) > MAX_NAME_CHARS:
        errors["name"] = _("请填写事项名称（最多 %(n)s 个字）") % {"n": MAX_NAME_CHARS}
    if len(who_may_apply) > MAX_TEXT_CHARS:
        errors["who_may_apply"] = _("申请条件请控制在 %(n)s 字以内") % {"n": MAX_TEXT_CHARS}
    if len(note) > MAX_NOTE_CHARS:
        errors["note"] = _("办理须知请控制在 %(n)s 字以内") % {"n": MAX_NOTE_CHARS}
    cleaned_materials, problem = _clean_materials(materials)
    if problem:
        errors["materials"] = problem
    limit = _whole(time_limit_days)
    if limit is None or not 1 <= limit <= MAX_LIMIT_DAYS:
        errors["time_limit_days"] = _("法定时限应为 1 到 %(n)s 之间的整天数") % {
            "n": MAX_LIMIT_DAYS
        }
    promise = None if promised_days in (None, "") else _whole(promised_days)
    if promised_days not in (None, "") and (promise is None or promise < 1):
        errors["promised_days"] = _("承诺时限应为正整数天，或留空")
    elif promise is not None and limit is not None and promise > limit:
        errors["promised_days"] = _("承诺时限不能长于法定时限")
    channels = list(dict.fromkeys(channels or ()))
    if not channels:
        errors["channels"] = _("请至少选择一个办理渠道")
    elif any(channel not in Channel.values for channel in channels):
        errors["channels"] = _("办理渠道只能是：网上办理、自助终端、窗口办理、上门服务")
    capacity = _whole(slot_capacity)
    if capacity is None or not 0 <= capacity <= MAX_SLOT_CAPACITY:
        errors["slot_capacity"] = _("每时段可预约人数应为 0 到 %(n)s（0 表示不接受预约）") % {
            "n": MAX_SLOT_CAPACITY
        }
    if "name" not in errors and "station" not in errors:
        clash = Service.objects.unscoped_for_jobs().filter(station=station, name=name)
        if service is not None:
            clash = clash.exclude(pk=service.pk)
        if clash.exists():
            errors["name"] = _("这个单位已有同名的服务事项")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = None if service is None else _snapshot(service)
        service = service or Service()
        service.station, service.kind, service.name = station, kind, name
        service.who_may_apply, service.materials = who_may_apply, cleaned_materials
        service.time_limit_days, service.promised_days = limit, promise
        service.channels = [c for c in Channel.values if c in channels]
        service.one_visit, service.slot_capacity, service.note = bool(one_visit), capacity, note
        service.save()
        if not in_scope(actor, service):
            raise PermissionDenied(_("保存后的服务事项不在您的辖区内"))
        audit.record(
            actor=actor,
            action="services.service_saved",
            obj=service,
            changes={"before": before, "after": _snapshot(service)},
        )
    return service


def set_service_open(*, actor, service: Service, open: bool, reason: str = "") -> Service:
    """Close a service to new applications (its old ones go on), or open it again."""
    if actor is None or not actor.has_perm(CHANGE_SERVICE) or not in_scope(actor, service):
        raise PermissionDenied(_("您没有管理服务事项的权限"))
    reason = " ".join((reason or "").split())
    if len(reason) > 200:
        raise ValidationError({"reason": _("理由请控制在 200 字以内")})
    with transaction.atomic():
        was = service.open
        Service.objects.unscoped_for_jobs().filter(pk=service.pk).update(open=bool(open))
        service.open = bool(open)
        audit.record(
            actor=actor,
            action="services.service_opened" if open else "services.service_closed",
            obj=service,
            changes={"open": [was, service.open], "reason": reason},
        )
    return service


def _clean_materials(materials: Iterable[str]) -> tuple[list[str], str]:
    cleaned: list[str] = []
    for item in materials or ():
        item = " ".join(str(item or "").split())
        if not item:
            continue
        if len(item) > MAX_MATERIAL_CHARS:
            return [], _("材料名称“%(name)s…”太长（最多 %(n)s 个字）") % {
                "name": item[:10],
                "n": MAX_MATERIAL_CHARS,
            }
        if item not in cleaned:
            cleaned.append(item)
    if len(cleaned) > MAX_MATERIALS:
        return [], _("申请材料最多 %(n)s 项") % {"n": MAX_MATERIALS}
    return cleaned, ""


def _whole(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number


def _snapshot(service: Service) -> dict:
    return {
        "station": service.station_id,
        "kind": service.kind,
        "name": service.name,
        "materials": list(service.materials),
        "time_limit_days": service.time_limit_days,
        "promised_days": service.promised_days,
        "channels": list(service.channels),
        "one_visit": service.one_visit,
        "slot_capacity": service.slot_capacity,
    }
