"""Every write of dispatch: alarms and 110 transfers in (through intake's one door), units'
status and positions, dispatching, the officer's four timestamps and the result."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import taxonomy
from fengqiao.audit import services as audit
from fengqiao.community import selectors as community
from fengqiao.dispatch import announce, rules
from fengqiao.dispatch.models import DutyUnit, Incident
from fengqiao.intake import services as intake
from fengqiao.org.models import Unit
from fengqiao.org.scope import in_scope, person_of
from fengqiao.places.models import PATH_SEPARATOR, Building, Region, ancestor_paths

DISPATCH = "dispatch.dispatch_incident"
RESPOND = "dispatch.respond_incident"
RECEIVE_110 = "dispatch.add_incident"
MANAGE_UNITS = "dispatch.change_dutyunit"
REVEAL_IDENTITY = "registry.reveal_identity"
REVEAL_REASON_MIN = 4
# Reports that become incidents: alarms by their channel, and any report triage or staff
# graded red and in need of police at once.
ALARM_CHANNELS = frozenset({"one_click_alarm", "alarm_110"})
NUMBER_TRIES = 5
MAX_NOTE_CHARS = 500
MAX_NUMBER_CHARS = 32
# A 110 system's incident number: ASCII letters and digits, perhaps with hyphens.
NUMBER_110 = re.compile(rf"[A-Z0-9][A-Z0-9-]{{0,{MAX_NUMBER_CHARS - 1}}}")
# The ``source`` of the report a result opens a case through.
INCIDENT_SOURCE = "dispatch.incident:"


def connect() -> None:
    intake.report_submitted.connect(_on_report, dispatch_uid="dispatch.incident_for_report")


def _on_report(sender, *, report, **kwargs) -> None:
    if becomes_incident(report):
        open_incident(report=report)


def becomes_incident(report) -> bool:
    # The case an incident's result opens comes through the door on the alarm's channel:
    # it is that incident's sequel, not a second call for help.
    if report.source.startswith(INCIDENT_SOURCE):
        return False
    return (
        report.kind == "alarm"
        or report.channel in ALARM_CHANNELS
        or (report.dispatch and report.risk == "red")
    )


def open_incident(*, report, **details) -> Incident:
    """The incident for a report that came through intake's door (called inside the
    transaction that stores it). ``details`` set the fields a report does not have."""
    now = timezone.now()
    incident = Incident(
        report=report,
        channel=report.channel,
        category=report.category,
        risk=report.risk or "yellow",
        text=report.text,
        caller_name=report.reporter_name,
        phone_sealed=report.phone_sealed,
        phone_hash=report.phone_hash,
        phone_masked=report.phone_masked,
        phone_last4=report.phone_last4,
        lon=report.lon,
        lat=report.lat,
        address=report.address,
        location_source="device" if report.lon is not None else "address",
        grid=report.grid,
        building=report.building,
        station=station_for(report.grid),
        case=report.case,
        received_at=report.created_at,
        created_at=now,
        **details,
    )
    for attempt in range(NUMBER_TRIES):
        if not details.get("number"):
            incident.number = new_number(report.grid, now)
        try:
            with transaction.atomic():
                incident.save()
            break
        except IntegrityError:
            if details.get("number") or attempt == NUMBER_TRIES - 1:
                raise
    announce.incident_changed(incident)
    audit.record(
        actor=None,
        action="dispatch.incident_opened",
        obj=incident,
        changes={"channel": incident.channel, "risk": incident.risk, "report": report.pk},
    )
    return incident


def station_for(grid: Region) -> Unit | None:
    """The police station whose jurisdiction holds the grid (the nearest one up the tree)."""
    paths = ancestor_paths(grid.path)
    return (
        Unit.objects.filter(kind=Unit.Kind.STATION, jurisdiction__path__in=paths)
        .order_by("-jurisdiction__path")
        .first()
    )


def new_number(grid: Region, now: dt.datetime) -> str:
    """County code, local date and six random digits: unique per county and day in
    practice, and the unique index settles the rare clash (``open_incident`` retries)."""
    codes = [code for code in grid.path.split(PATH_SEPARATOR) if code]
    county = next((code for code in codes if len(code) == 6), codes[0][:6])
    day = timezone.localtime(now).strftime("%Y%m%d")
    return f"{county}{day}{secrets.randbelow(10**6):06d}"


def _sender_hash(sender: str) -> str:
    if not sender:
        return ""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"alarm\x1f{sender}".encode(), hashlib.sha256
    ).hexdigest()


# --- alarms in ----------------------------------------------------------------------------


def raise_alarm(
    *,
    actor,
    sender: str,
    client_key: str | None,
    channel: str = "one_click_alarm",
    note: str = "",
    lon: float | None = None,
    lat: float | None = None,
    location_source: str = "device",
    building: Building | None = None,
    grid_code: str = "",
    caller_name: str = "",
    caller_phone: str = "",
    silent: bool = False,
    photos=(),
) -> Incident:
    """A resident's one-click alarm (phone, group page or kiosk) as an incident.

    It goes through intake's one door (idempotent on ``client_key`` per ``sender``,
    triaged, located, routed). A tap from the same sender (account or browser session)
    within a minute is that alarm (a second tap, a reloaded page). The place is the point
    the device gave, else the one it remembered (``location_source`` "last_known"), else
    the building the caller chose before, or the kiosk's or the group's place; only a
    fallback is marked uncertain. A signed-in resident's phone is the one they confirmed
    by text message (``phone_verified``); a typed one is taken as given.
    """
    if channel not in ("one_click_alarm", "kiosk"):
        raise ValidationError({"channel": _("未知的报警渠道")})
    if location_source not in Incident.LocationSource.values:
        raise ValidationError({"location_source": _("未知的位置来源")})
    note = (note or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError({"note": _("说明请控制在 %(n)s 字以内") % {"n": MAX_NOTE_CHARS}})
    verified = community.confirmed_phone_of(actor) if actor is not None else ""
    phone = verified or caller_phone
    sender_hash = _sender_hash(sender)
    recent = _recent_alarm(sender_hash)
    if recent is not None:
        return recent
    has_point = lon is not None and lat is not None
    if not has_point and building is None and not grid_code:
        raise ValidationError({"lon": _("无法确定您的位置：请打开定位，或选择您所在的楼栋")})
    uncertain = location_source in ("last_known", "caller") or not has_point and building is None
    text = _alarm_text(note, silent=silent, source=location_source)
    with transaction.atomic():
        submission = intake.submit_report(
            channel=channel,
            kind="alarm",
            text=text,
            risk="red" if silent or not note else "",
            dispatch=True,
            lon=lon if has_point else None,
            lat=lat if has_point else None,
            building=building,
            grid_code=grid_code,
            reporter_name=caller_name,
            reporter_phone=phone,
            client_key=client_key,
            sender=sender,
            actor=actor,
            photos=photos,
        )
        incident = Incident.objects.select_for_update().get(report=submission.report)
        if submission.created:
            incident.silent = silent
            incident.phone_verified = bool(verified)
            incident.location_source = location_source
            incident.location_uncertain = uncertain
            incident.sender_hash = sender_hash
            incident.risk = "red" if silent else incident.risk
            incident.save(
                update_fields=[
                    "silent",
                    "phone_verified",
                    "location_source",
                    "location_uncertain",
                    "sender_hash",
                    "risk",
                ]
            )
    return incident


def _recent_alarm(sender_hash: str) -> Incident | None:
    """The open alarm the same sender raised within the last minute. Never matched by a
    phone typed on the form: anyone can type someone else's number, and the answer carries
    the first alarm's tracking code."""
    if not sender_hash:
        return None
    since = timezone.now() - rules.DUPLICATE_ALARM_WINDOW
    return (
        Incident.objects.unscoped_for_jobs()
        .filter(created_at__gte=since, from_110=False, sender_hash=sender_hash)
        .order_by("-pk")
        .first()
    )


def _alarm_text(note: str, *, silent: bool, source: str) -> str:
    head = _("【静默报警】") if silent else _("【一键报警】")
    return f"{head}{note}" if note else f"{head}{_('报警人未留文字说明，请立即联系核实')}"


def receive_110(
    *,
    actor,
    number: str,
    received_at: dt.datetime,
    text: str,
    caller_name: str = "",
    caller_phone: str = "",
    address: str = "",
    lon: float | None = None,
    lat: float | None = None,
    grid_code: str = "",
    category: str = "",
    risk: str = "",
) -> tuple[Incident, bool]:
    """A 110 transfer (转警) as an incident, keeping the 110 number as its own number.

    Staff with ``dispatch.add_incident`` only, for places in their jurisdiction. The same
    110 number sent again returns the incident it made (``False``) and changes nothing,
    however often a link repeats it; a number is one incident across 110, the case and the
    court.
    """
    if actor is None or not actor.has_perm(RECEIVE_110):
        raise PermissionDenied(_("您没有登记 110 转警的权限"))
    number = (number or "").strip().upper()
    errors = {}
    if not NUMBER_110.fullmatch(number):
        errors["number"] = _("请填写 110 警情编号（字母、数字，最多 32 位）")
    now = timezone.now()
    if received_at is None:
        errors["received_at"] = _("请填写 110 接警时间")
    elif received_at > now + dt.timedelta(minutes=5):
        errors["received_at"] = _("接警时间不能晚于现在")
    elif received_at < now - dt.timedelta(days=30):
        errors["received_at"] = _("接警时间太早：30 天前的警情请作为案件登记")
    if errors:
        raise ValidationError(errors)
    existing = Incident.objects.unscoped_for_jobs().filter(number=number).first()
    if existing is not None:
        if not in_scope(actor, existing):
            raise ValidationError({"number": _("这个 110 警情编号已由其他单位登记")})
        return existing, False
    with transaction.atomic():
        submission = intake.submit_report(
            channel="alarm_110",
            kind="alarm",
            text=text,
            category=category,
            risk=risk,
            dispatch=True,
            lon=lon,
            lat=lat,
            address=address,
            grid_code=grid_code,
            reporter_name=caller_name,
            reporter_phone=caller_phone,
            client_key=f"110-{hashlib.sha256(number.encode()).hexdigest()[:40]}",
            sender="system:110-transfer",
            actor=actor,
        )
        incident = Incident.objects.select_for_update().get(report=submission.report)
        if submission.created:
            incident.number = number
            incident.from_110 = True
            incident.received_at = min(received_at, incident.created_at)
            incident.location_source = "device" if lon is not None else "address"
            try:
                with transaction.atomic():
                    incident.save(
                        update_fields=["number", "from_110", "received_at", "location_source"]
                    )
            except IntegrityError:
                raise ValidationError({"number": _("这个 110 警情编号已经登记")}) from None
            audit.record(
                actor=actor,
                action="dispatch.received_110",
                obj=incident,
                changes={"number": number, "received_at": received_at.isoformat()},
            )
    return incident, submission.created


# --- units on duty ------------------------------------------------------------------------


def save_unit(
    *,
    actor,
    unit: DutyUnit | None = None,
    call_sign: str,
    kind: str,
    station: Unit,
    beat=None,
    members=(),
) -> DutyUnit:
    """Create or change a unit on duty: its call sign, kind, station, beat and members.
    Chiefs and administrators, for stations in their jurisdiction."""
    if actor is None or not actor.has_perm(MANAGE_UNITS) or not in_scope(actor, station):
        raise PermissionDenied(_("您没有管理这个单位执勤力量的权限"))
    call_sign = (call_sign or "").strip()
    errors = {}
    if not call_sign or len(call_sign) > 32:
        errors["call_sign"] = _("请填写呼号（最多 32 个字）")
    if kind not in DutyUnit.Kind.values:
        errors["kind"] = _("请选择力量类型")
    if (
        beat is not None
        and beat.unit_id != station.pk
        and not beat.unit.path.startswith(station.path)
    ):
        errors["beat"] = _("警务区不属于这个单位")
    members = list(members)
    outside = [p.name for p in members if p.unit_id is None or not in_scope(actor, p)]
    if outside:
        errors["members"] = _("这些人员不在您的管辖范围：%(names)s") % {"names": "、".join(outside)}
    clash = DutyUnit.objects.filter(station=station, call_sign=call_sign)
    if unit is not None:
        clash = clash.exclude(pk=unit.pk)
    if clash.exists():
        errors["call_sign"] = _("本单位已有这个呼号")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = None if unit is None else {"call_sign": unit.call_sign, "kind": unit.kind}
        unit = unit or DutyUnit(status=DutyUnit.Status.OFF_DUTY)
        unit.call_sign, unit.kind, unit.station, unit.beat = call_sign, kind, station, beat
        unit.save()
        unit.members.set(members)
        audit.record(
            actor=actor,
            action="dispatch.unit_saved",
            obj=unit,
            changes={
                "before": before,
                "call_sign": call_sign,
                "kind": kind,
                "members": [p.pk for p in members],
            },
        )
    return unit


def set_unit_status(*, actor, unit: DutyUnit, status: str) -> DutyUnit:
    """A unit's members (or whoever manages or dispatches its station) set its status."""
    if status not in DutyUnit.Status.values:
        raise ValidationError({"status": _("未知的状态")})
    _ensure_member_or_manager(actor, unit)
    with transaction.atomic():
        previous = unit.status
        DutyUnit.objects.filter(pk=unit.pk).update(status=status, status_at=timezone.now())
        unit.refresh_from_db()
        audit.record(
            actor=actor,
            action="dispatch.unit_status",
            obj=unit,
            changes={"from": previous, "to": status},
        )
    return unit


def report_position(*, actor, lon: float, lat: float, accuracy_m: float | None = None) -> int:
    """The officer's phone reports where it is: every unit they are a member of takes the
    fix (a unit off duty keeps none). Returns how many units moved. Not audited: a fix is a
    measurement every few seconds, and the last one is kept on the unit."""
    person = person_of(actor) if actor is not None else None
    if person is None:
        raise PermissionDenied(_("只有执勤人员可以上报位置"))
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ValidationError({"lon": _("经纬度应为数字")}) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError({"lon": _("经纬度超出范围")})
    if accuracy_m is not None and not (0 <= float(accuracy_m) <= 100_000):
        accuracy_m = None
    return (
        DutyUnit.objects.unscoped_for_jobs()
        .filter(members=person)
        .exclude(status=DutyUnit.Status.OFF_DUTY)
        .update(lon=lon, lat=lat, accuracy_m=accuracy_m, fix_at=timezone.now())
    )


# --- dispatch and response ----------------------------------------------------------------


def dispatch_incident(*, incident: Incident, unit: DutyUnit, actor, suggested=()) -> Incident:
    """The duty officer sends ``unit`` to ``incident`` (or sends another one before the
    first is on scene). Both must lie in the dispatcher's jurisdiction and the unit be on
    duty; the suggestion shown is kept for review."""
    if actor is None or not actor.has_perm(DISPATCH) or not in_scope(actor, incident):
        raise PermissionDenied(_("您没有派警的权限"))
    if not in_scope(actor, unit):
        raise PermissionDenied(_("这支力量不在您的管辖范围"))
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.status not in ("new", "dispatched", "accepted"):
            raise ValidationError({"unit": _("警情已出警或已结束，不能再派警")})
        if unit.status == DutyUnit.Status.OFF_DUTY:
            raise ValidationError({"unit": _("%(unit)s 不在岗") % {"unit": unit.call_sign}})
        previous = incident.unit
        now = timezone.now()
        incident.unit = unit
        incident.status = Incident.Status.DISPATCHED
        incident.dispatched_at = now
        incident.dispatched_by = actor
        incident.accepted_at = None
        incident.suggested = [dict(s) for s in suggested][: rules.SUGGESTIONS]
        incident.save(
            update_fields=[
                "unit",
                "status",
                "dispatched_at",
                "dispatched_by",
                "accepted_at",
                "suggested",
            ]
        )
        if previous is not None and previous.pk != unit.pk:
            DutyUnit.objects.filter(pk=previous.pk, status=DutyUnit.Status.EN_ROUTE).update(
                status=DutyUnit.Status.AVAILABLE, status_at=now
            )
        DutyUnit.objects.filter(pk=unit.pk).update(status=DutyUnit.Status.BUSY, status_at=now)
        audit.record(
            actor=actor,
            action="dispatch.dispatched",
            obj=incident,
            changes={"unit": unit.call_sign, "previous": previous.call_sign if previous else None},
        )
        announce.incident_changed(incident, previous_unit_id=previous.pk if previous else None)
    return incident


def record_step(*, incident: Incident, actor, step: str) -> Incident:
    """签收, 出警 or 到场 from the phone of a member of the unit sent; each in order, once,
    with the server's time, audited. The unit's status follows."""
    if step not in rules.STEPS:
        raise ValidationError({"step": _("未知的出警环节")})
    with transaction.atomic():
        # Only the incident's row is locked: its unit is an outer join PostgreSQL cannot lock.
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("unit")
            .get(pk=incident.pk)
        )
        _ensure_responder(actor, incident)
        if rules.next_step(incident.status) != step:
            raise ValidationError(
                {
                    "step": _("现在不能记录这个环节（当前：%(s)s）")
                    % {"s": incident.get_status_display()}
                }
            )
        now = timezone.now()
        setattr(incident, rules.STEP_FIELD[step], now)
        incident.status = step
        incident.save(update_fields=[rules.STEP_FIELD[step], "status"])
        DutyUnit.objects.filter(pk=incident.unit_id).update(
            status=rules.STEP_UNIT_STATUS[step], status_at=now
        )
        audit.record(
            actor=actor, action=f"dispatch.{step}", obj=incident, changes={"at": now.isoformat()}
        )
        announce.incident_changed(incident)
    return incident


def report_result(
    *,
    incident: Incident,
    actor,
    outcome: str,
    result: str,
    category: str = "",
    parties: list[dict] | None = None,
) -> Incident:
    """反馈: the officer on scene reports how it ended. ``outcome`` "case" opens a dispute
    case through intake's door and disputes' service, carrying the incident's number;
    any other outcome closes the incident. The alarm's report closes with it; the unit is
    free again."""
    if outcome not in Incident.Outcome.values:
        raise ValidationError({"outcome": _("请选择处置结果")})
    result = (result or "").strip()
    if len(result) < 4:
        raise ValidationError({"result": _("请简要填写处置情况（至少 4 个字）")})
    if category and category not in taxonomy.codes("category"):
        raise ValidationError({"category": _("未知的类别")})
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("unit", "report")
            .get(pk=incident.pk)
        )
        _ensure_responder(actor, incident)
        if incident.status != Incident.Status.ON_SCENE:
            raise ValidationError({"outcome": _("到场后才能反馈处置结果")})
        now = timezone.now()
        case = None
        if outcome == Incident.Outcome.CASE:
            case = _open_case_for(
                incident, actor, result=result, category=category, parties=parties
            )
        incident.outcome, incident.result, incident.case = outcome, result, case
        incident.reported_at = now
        incident.status = Incident.Status.CLOSED
        incident.save(update_fields=["outcome", "result", "case", "reported_at", "status"])
        DutyUnit.objects.filter(pk=incident.unit_id).update(
            status=DutyUnit.Status.AVAILABLE, status_at=now
        )
        if incident.report.status != "closed":
            intake.close_report(report=incident.report, actor=actor, note=result)
        audit.record(
            actor=actor,
            action="dispatch.result_reported",
            obj=incident,
            changes={"outcome": outcome, "case": case.reference if case else None},
        )
        announce.incident_changed(incident)
    return incident


def _open_case_for(incident: Incident, actor, *, result: str, category: str, parties):
    submission = intake.submit_report(
        channel=incident.channel,
        kind="dispute",
        text=f"{incident.text}\n{_('现场处置情况')}：{result}",
        category=category or incident.category or "other",
        risk=incident.risk,
        lon=incident.lon,
        lat=incident.lat,
        building=incident.building,
        grid_code="" if incident.lon is not None or incident.building else incident.grid.code,
        reporter_name=incident.caller_name,
        reporter_phone=incident.report.phone if incident.phone_sealed else "",
        client_key=f"incident-{incident.pk}",
        sender="system:dispatch-conversion",
        source=f"{INCIDENT_SOURCE}{incident.pk}",
        actor=actor,
        parties=parties,
        incident_number=incident.number,
    )
    return submission.report.case


def _ensure_responder(actor, incident: Incident) -> None:
    """Only a member of the unit sent records its steps (from their own phone)."""
    person = person_of(actor) if actor is not None else None
    if (
        person is None
        or not actor.has_perm(RESPOND)
        or incident.unit_id is None
        or not incident.unit.members.filter(pk=person.pk).exists()
    ):
        raise PermissionDenied(_("只有被派出的执勤人员可以记录出警环节"))


def _ensure_member_or_manager(actor, unit: DutyUnit) -> None:
    person = person_of(actor) if actor is not None else None
    member = person is not None and unit.members.filter(pk=person.pk).exists()
    manager = actor is not None and (actor.has_perm(MANAGE_UNITS) or actor.has_perm(DISPATCH))
    if not (member or (manager and in_scope(actor, unit))):
        raise PermissionDenied(_("您不能更改这支力量的状态"))


def may_reveal_caller(actor, incident: Incident) -> bool:
    """Who may see the caller's full phone: police who may reveal numbers, for an incident
    in their jurisdiction, and the members of the unit sent while it is open (to call back
    on the way, whatever their role)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if actor.has_perm(REVEAL_IDENTITY) and in_scope(actor, incident):
        return True
    person = person_of(actor)
    return (
        incident.is_open
        and person is not None
        and incident.unit_id is not None
        and incident.unit.members.filter(pk=person.pk).exists()
    )


def reveal_caller(*, actor, incident: Incident, reason: str) -> str:
    """The caller's full phone for a stated reason, logged (who, which incident, why)
    before it is returned."""
    if not may_reveal_caller(actor, incident):
        raise PermissionDenied(_("您不能查看这个报警人的完整电话"))
    reason = " ".join((reason or "").split())
    if len(reason) < REVEAL_REASON_MIN:
        raise ValidationError({"reason": _("请写明查看完整信息的理由（至少 4 个字）")})
    audit.record(
        actor=actor,
        action="dispatch.caller_revealed",
        obj=incident,
        changes={"field": "phone", "reason": reason[:200]},
    )
    return incident.phone
