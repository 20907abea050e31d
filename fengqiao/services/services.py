"""Every write of applications: a resident applies or books (online, at the kiosk, for the
window, or asks for a visit at home), staff take one at the window, accept it, ask for what
is missing all at once (the clock stops), note it supplied (the clock goes on), record a
visit, complete or refuse it in writing; the applicant cancels or rates by tracking code.

Each state move is ``rules.next_state`` applied with a conditional update on
(pk, state, version), so of two officers acting at once one wins and the other is told the
application changed; the move, its timeline event and its audit row share one transaction.
The catalogue's writes are in ``catalogue.py``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.idempotency import stored_key
from fengqiao.identity import normalize_id_number
from fengqiao.intake.services import new_tracking_code
from fengqiao.org.scope import in_scope, person_of
from fengqiao.org.selectors import responsible_for
from fengqiao.phones import normalize_phone
from fengqiao.places.models import Building
from fengqiao.services import rules
from fengqiao.services.models import Application, ApplicationEvent, Channel, Service

ADD_APPLICATION = "services.add_application"
PROCESS = "services.process_application"
# The channel an application's client key is bound to (fengqiao.idempotency).
KEY_CHANNEL = "service_application"
PUBLIC_CHANNELS = (Channel.ONLINE, Channel.KIOSK, Channel.WINDOW, Channel.DOOR)
TRACKING_PREFIX = "S"
MAX_NAME_CHARS = 50
MAX_NOTE_CHARS = 1000
MAX_ADDRESS_CHARS = 100
MAX_OTHER_MATERIAL_CHARS = 200
MAX_FEEDBACK_CHARS = 500
MIN_REASON_CHARS = 4
Event = ApplicationEvent.Type
State = Application.State


class ApplicationChanged(ValidationError):
    """Someone else moved the application first."""


def _changed() -> ApplicationChanged:
    return ApplicationChanged(_("这条申请已有变化，请刷新"), code="changed")


# --- applying -----------------------------------------------------------------------------


def apply(
    *,
    actor=None,
    sender: str,
    service: Service,
    channel: str,
    applicant_name: str,
    phone: str,
    id_number: str = "",
    booked_for: dt.datetime | None = None,
    note: str = "",
    client_key: str | None = None,
    building: Building | None = None,
    address_detail: str = "",
    door_reason: str = "",
) -> tuple[Application, bool]:
    """A resident's application or booking (public: anonymous or signed in). Returns the
    application and whether it was made now.

    ``channel`` is one of the service's channels: ``online`` or ``kiosk`` (with an optional
    window slot to bring the originals), ``window`` (a slot is required) or ``door`` (a
    visit at home for the elderly, disabled or bedridden: a building, the door number and
    why; routed to the community police of the building, else to the station's queue). A
    slot is a future half-hour slot start on a working day (``rules.is_slot_start``, local
    time) within ``rules.BOOK_AHEAD_DAYS``, with room left (``service.slot_capacity``).
    Idempotent on ``client_key`` per ``sender``: the same key again returns the first
    application and writes nothing.
    """
    key = stored_key(key=client_key, sender=sender, channel=KEY_CHANNEL)
    if key:
        existing = Application.objects.unscoped_for_jobs().filter(client_key=key).first()
        if existing is not None:
            return existing, False
    errors: dict[str, str] = {}
    if not service.open:
        errors["service"] = _("这项服务已暂停受理，请选择其他服务或咨询派出所")
    if channel not in PUBLIC_CHANNELS:
        errors["channel"] = _("请选择办理方式")
    elif channel not in service.channels:
        errors["channel"] = _("这项服务不能通过“%(channel)s”办理") % {
            "channel": Channel(channel).label
        }
    values = _applicant(applicant_name, phone, id_number, note, errors)
    now = timezone.now()
    if channel == Channel.DOOR:
        if booked_for is not None:
            errors["booked_for"] = _("上门服务不用预约窗口时间，民警会电话联系您")
        values.update(_door(building, address_detail, door_reason, errors))
    elif channel == Channel.WINDOW and booked_for is None:
        errors["booked_for"] = _("请选择到窗口办理的日期和时段")
    if booked_for is not None and "booked_for" not in errors:
        problem = slot_problem(service, booked_for, now=now)
        if problem:
            errors["booked_for"] = problem
    if errors:
        raise ValidationError(errors)
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        if booked_for is not None:
            # One booking at a time per service, so the last place in a slot goes once.
            Service.objects.unscoped_for_jobs().select_for_update().filter(pk=service.pk).first()
            if _slot_taken(service, booked_for) >= service.slot_capacity:
                raise ValidationError({"booked_for": _("这个时段已约满，请选择其他时段")})
        application = Application(
            service=service,
            tracking_code=TRACKING_PREFIX + new_tracking_code(),
            channel=channel,
            state=State.BOOKED,
            user=user,
            booked_for=booked_for,
            client_key=key,
            **values,
        )
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError:
            existing = key and Application.objects.unscoped_for_jobs().filter(client_key=key)
            if existing and existing.first():
                return existing.first(), False
            raise
        payload = {"channel": channel}
        if booked_for is not None:
            payload["booked_for"] = booked_for.isoformat()
        _event(application, Event.BOOKED, user, payload, now)
        if channel == Channel.DOOR:
            _route(application, user, now)
        audit.record(
            actor=user,
            action="services.applied",
            obj=application,
            changes={
                "service": service.pk,
                "channel": channel,
                "booked_for": payload.get("booked_for"),
                "assignee": application.assignee_id,
            },
        )
    return application, True


def take_at_window(
    *,
    actor,
    service: Service,
    applicant_name: str,
    phone: str,
    id_number: str = "",
    note: str = "",
    client_key: str | None = None,
) -> tuple[Application, bool]:
    """Staff take an application at the window: accepted on the spot, the clock starts.
    Who may: ``services.add_application`` for a service of a station in their jurisdiction.
    Idempotent on ``client_key`` per staff member."""
    if actor is None or not actor.has_perm(ADD_APPLICATION) or not in_scope(actor, service):
        raise PermissionDenied(_("您没有为这个单位登记服务申请的权限"))
    key = stored_key(key=client_key, sender=f"user:{actor.pk}", channel=KEY_CHANNEL)
    if key:
        existing = Application.objects.unscoped_for_jobs().filter(client_key=key).first()
        if existing is not None:
            return existing, False
    errors: dict[str, str] = {}
    if not service.open:
        errors["service"] = _("这项服务已暂停受理")
    values = _applicant(applicant_name, phone, id_number, note, errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        application = Application(
            service=service,
            tracking_code=TRACKING_PREFIX + new_tracking_code(),
            channel=Channel.WINDOW,
            state=State.SUBMITTED,
            submitted_at=now,
            due_at=rules.due_at(now, service.days_allowed),
            handler=person_of(actor),
            client_key=key,
            **values,
        )
        application.save()
        _event(application, Event.SUBMITTED, actor, {"channel": Channel.WINDOW}, now)
        audit.record(
            actor=actor,
            action="services.taken_at_window",
            obj=application,
            changes={"service": service.pk, "due_at": application.due_at.isoformat()},
        )
    return application, True


def _applicant(name: str, phone: str, id_number: str, note: str, errors: dict) -> dict:
    """The applicant's columns (numbers sealed), or their problems added to ``errors``."""
    name = " ".join((name or "").split())
    note = (note or "").strip()
    if not name or len(name) > MAX_NAME_CHARS:
        errors["applicant_name"] = _("请填写申请人姓名（最多 %(n)s 个字）") % {"n": MAX_NAME_CHARS}
    if len(note) > MAX_NOTE_CHARS:
        errors["note"] = _("说明请控制在 %(n)s 字以内") % {"n": MAX_NOTE_CHARS}
    holder = Application()
    try:
        normalized = normalize_phone(phone)
    except ValidationError as error:
        errors["phone"] = error.messages[0]
    else:
        if not normalized:
            errors["phone"] = _("请填写联系电话，以便通知您办理进度")
        holder.set_phone(normalized)
    try:
        holder.set_id_number(normalize_id_number(id_number))
    except ValidationError as error:
        errors["id_number"] = error.messages[0]
    columns = {
        name_: getattr(holder, name_)
        for name_ in ("phone_sealed", "phone_hash", "phone_masked", "phone_last4")
        + ("id_sealed", "id_hash", "id_masked", "id_last4")
    }
    return {"applicant_name": name, "note": note, **columns}


def _door(building, address_detail: str, door_reason: str, errors: dict) -> dict:
    address_detail = " ".join((address_detail or "").split())
    if building is None:
        errors["building"] = _("请选择要上门的楼栋")
    if not address_detail or len(address_detail) > MAX_ADDRESS_CHARS:
        errors["address_detail"] = _("请填写单元、门牌和房号（最多 %(n)s 个字）") % {
            "n": MAX_ADDRESS_CHARS
        }
    if door_reason not in Application.DoorReason.values:
        errors["door_reason"] = _("请选择需要上门服务的原因")
    return {"building": building, "address_detail": address_detail, "door_reason": door_reason}


def slot_problem(service: Service, moment: dt.datetime, *, now: dt.datetime) -> str:
    """Why ``moment`` cannot be booked for ``service`` ("" when it can, room aside from
    the last place, which ``apply`` checks under a lock)."""
    if service.slot_capacity == 0:
        return _("这项服务不接受预约，请直接到窗口办理")
    local = timezone.localtime(moment)
    if moment <= now:
        return _("不能预约已经过去的时间，请选择今后的时段")
    if local.date() > timezone.localdate(now) + dt.timedelta(days=rules.BOOK_AHEAD_DAYS):
        return _("最多只能预约 %(n)s 天内的时段") % {"n": rules.BOOK_AHEAD_DAYS}
    if not rules.is_slot_start(local.replace(tzinfo=None)):
        return _("请选择工作日的办公时段（上午 8:30–12:00，下午 14:00–17:30，每半小时一段）")
    if _slot_taken(service, moment) >= service.slot_capacity:
        return _("这个时段已约满，请选择其他时段")
    return ""


def _slot_taken(service: Service, moment: dt.datetime) -> int:
    return (
        Application.objects.unscoped_for_jobs()
        .filter(service=service, booked_for=moment)
        .exclude(state=State.CANCELLED)
        .count()
    )


def _route(application: Application, actor, now: dt.datetime) -> None:
    """Send a door-to-door request to the first active community police officer of the
    building's area; with nobody there it waits in the station's queue (待分派)."""
    officers = [p for p in responsible_for(application.building, "community_police") if p.active]
    officer = officers[0] if officers else None
    if officer is not None:
        Application.objects.unscoped_for_jobs().filter(pk=application.pk).update(assignee=officer)
        application.assignee = officer
    _event(
        application,
        Event.ROUTED,
        actor,
        {"assignee": officer.name if officer else "", "person": officer.pk if officer else None},
        now,
    )


# --- staff moves ----------------------------------------------------------------------------


def accept(*, actor, application: Application) -> Application:
    """受理: a booked application is accepted and its clock starts (``rules.due_at``)."""
    _ensure_staff(actor, application)
    now = timezone.now()
    return _move(
        actor,
        application,
        "submit",
        Event.SUBMITTED,
        now=now,
        submitted_at=now,
        due_at=rules.due_at(now, application.service.days_allowed),
        handler=person_of(actor) or application.handler,
    )


def ask_missing(*, actor, application: Application, materials, other: str = "") -> Application:
    """一次性告知: everything missing at once, from the service's list plus free text. The
    clock stops until the applicant brings it; asking again replaces the list."""
    _ensure_staff(actor, application)
    listed = list(application.service.materials)
    chosen = [m for m in listed if m in set(materials or ())]
    unknown = [m for m in (materials or ()) if m not in listed]
    other = " ".join((other or "").split())
    if unknown:
        raise ValidationError({"materials": _("请从这项服务的材料清单中选择")})
    if len(other) > MAX_OTHER_MATERIAL_CHARS:
        raise ValidationError(
            {"other": _("其他材料请控制在 %(n)s 字以内") % {"n": MAX_OTHER_MATERIAL_CHARS}}
        )
    missing = chosen + ([other] if other else [])
    if not missing:
        raise ValidationError({"materials": _("请一次性列出所有需要补正的材料")})
    now = timezone.now()
    first = application.state == State.SUBMITTED
    return _move(
        actor,
        application,
        "ask_missing",
        Event.MISSING,
        now=now,
        payload={"materials": missing},
        missing_materials=missing,
        paused_at=now if first else application.paused_at,
        missing_requests=application.missing_requests + (1 if first else 0),
    )


def supply(*, actor, application: Application) -> Application:
    """材料已补齐: the clock goes on; the time it stood still is added to the limit."""
    _ensure_staff(actor, application)
    now = timezone.now()
    paused = rules.paused_for(application.paused_at, now)
    total = application.paused_seconds + paused
    return _move(
        actor,
        application,
        "supply",
        Event.SUPPLIED,
        now=now,
        payload={"materials": list(application.missing_materials), "paused_seconds": paused},
        paused_at=None,
        paused_seconds=total,
        due_at=rules.due_at(application.submitted_at, application.service.days_allowed, total),
        missing_materials=[],
    )


def complete(*, actor, application: Application, note: str = "") -> Application:
    """办结. A door-to-door request is completed only after its visit is recorded."""
    _ensure_staff(actor, application)
    note = (note or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError({"note": _("说明请控制在 %(n)s 字以内") % {"n": MAX_NOTE_CHARS}})
    if application.is_door_request and application.visited_at is None:
        raise ValidationError({"visit": _("请先记录上门服务情况，再办结")})
    now = timezone.now()
    return _move(
        actor,
        application,
        "complete",
        Event.COMPLETED,
        now=now,
        payload={"note": note, "on_time": rules.on_time(now, application.due_at)},
        finished_at=now,
        handler=person_of(actor) or application.handler,
    )


def refuse(*, actor, application: Application, reason: str) -> Application:
    """不予办理, in writing: the reason is kept and shown to the applicant."""
    _ensure_staff(actor, application)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_CHARS or len(reason) > MAX_NOTE_CHARS:
        raise ValidationError({"reason": _("请写明不予办理的理由（至少 4 个字），将告知申请人")})
    now = timezone.now()
    return _move(
        actor,
        application,
        "refuse",
        Event.REFUSED,
        now=now,
        payload={"reason": reason},
        refusal_reason=reason,
        finished_at=now,
        handler=person_of(actor) or application.handler,
        **_clock_stopped(application, now),
    )


def cancel(*, actor, application: Application, reason: str = "") -> Application:
    """Staff cancel an application that is not finished (the applicant withdrew it)."""
    _ensure_staff(actor, application)
    return _cancel(actor, application, reason)


def cancel_by_applicant(*, tracking_code: str, reason: str = "") -> Application:
    """The applicant withdraws their application by its tracking code while it is not
    finished."""
    return _cancel(None, _by_code(tracking_code), reason)


def _cancel(actor, application: Application, reason: str) -> Application:
    reason = " ".join((reason or "").split())
    if len(reason) > 200:
        raise ValidationError({"reason": _("理由请控制在 200 字以内")})
    now = timezone.now()
    return _move(
        actor,
        application,
        "cancel",
        Event.CANCELLED,
        now=now,
        payload={"reason": reason, "by": "staff" if actor else "applicant"},
        **_clock_stopped(application, now),
    )


def record_visit(
    *,
    actor,
    application: Application,
    note: str,
    visited_at: dt.datetime | None = None,
    companions: str = "",
) -> Application:
    """上门服务: who went, when and what was done at the applicant's home, on an accepted
    door-to-door request. Recording it again corrects it."""
    _ensure_staff(actor, application)
    if not application.is_door_request:
        raise ValidationError({"visit": _("这不是上门服务申请")})
    if application.state not in (State.SUBMITTED, State.MISSING):
        raise ValidationError({"visit": _("请先受理这条申请，再记录上门情况")})
    now = timezone.now()
    visited_at = visited_at or now
    note, companions = (note or "").strip(), " ".join((companions or "").split())
    errors: dict[str, str] = {}
    if not note or len(note) > MAX_NOTE_CHARS:
        errors["note"] = _("请写明上门办理的情况（最多 %(n)s 字）") % {"n": MAX_NOTE_CHARS}
    if visited_at > now + dt.timedelta(minutes=5):
        errors["visited_at"] = _("上门时间不能晚于现在")
    elif visited_at < application.created_at:
        errors["visited_at"] = _("上门时间不能早于申请时间")
    if len(companions) > 100:
        errors["companions"] = _("同去人员请控制在 100 字以内")
    if errors:
        raise ValidationError(errors)
    person = person_of(actor)
    with transaction.atomic():
        updated = (
            Application.objects.unscoped_for_jobs()
            .filter(pk=application.pk, state=application.state, version=application.version)
            .update(
                visited_at=visited_at,
                visit_note=note,
                handler=person or application.handler,
                version=application.version + 1,
            )
        )
        if not updated:
            raise _changed()
        application.visited_at, application.visit_note = visited_at, note
        application.handler = person or application.handler
        application.version += 1
        payload = {
            "by": person.name if person else actor.get_username(),
            "companions": companions,
            "visited_at": visited_at.isoformat(),
            "note": note,
        }
        _event(application, Event.VISITED, actor, payload, now)
        audit.record(
            actor=actor,
            action="services.visited",
            obj=application,
            changes={"visited_at": visited_at.isoformat(), "companions": companions},
        )
    return application


# --- the applicant's rating -------------------------------------------------------------------


def rate(*, tracking_code: str, satisfaction, feedback: str = "") -> Application:
    """The applicant rates a finished application (completed or refused) 1–5 with an
    optional comment, once, by its tracking code."""
    application = _by_code(tracking_code)
    try:
        score = int(satisfaction)
    except (TypeError, ValueError):
        score = 0
    feedback = (feedback or "").strip()
    errors: dict[str, str] = {}
    if not 1 <= score <= 5:
        errors["satisfaction"] = _("请选择 1 到 5 星")
    if len(feedback) > MAX_FEEDBACK_CHARS:
        errors["feedback"] = _("评价请控制在 %(n)s 字以内") % {"n": MAX_FEEDBACK_CHARS}
    if application.state not in (State.COMPLETED, State.REFUSED):
        errors["satisfaction"] = _("办结后才能评价")
    elif application.satisfaction is not None:
        errors["satisfaction"] = _("您已经评价过了，谢谢")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        updated = (
            Application.objects.unscoped_for_jobs()
            .filter(pk=application.pk, satisfaction__isnull=True)
            .update(satisfaction=score, feedback=feedback, rated_at=now)
        )
        if not updated:
            raise ValidationError({"satisfaction": _("您已经评价过了，谢谢")})
        application.satisfaction, application.feedback, application.rated_at = (
            score,
            feedback,
            now,
        )
        _event(application, Event.RATED, None, {"satisfaction": score}, now)
        audit.record(
            actor=None,
            action="services.rated",
            obj=application,
            changes={"satisfaction": score},
        )
    return application


# --- helpers --------------------------------------------------------------------------------


def may_process(actor, application: Application) -> bool:
    return (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.has_perm(PROCESS)
        and in_scope(actor, application)
    )


def _ensure_staff(actor, application: Application) -> None:
    if not may_process(actor, application):
        raise PermissionDenied(_("您没有办理这条申请的权限"))


def _by_code(tracking_code: str) -> Application:
    code = (tracking_code or "").strip().upper()
    found = (
        Application.objects.unscoped_for_jobs().select_related("service").filter(tracking_code=code)
        if code
        else None
    )
    application = found.first() if found is not None else None
    if application is None:
        raise ValidationError({"tracking_code": _("没有找到这个查询码，请核对后再试")})
    return application


def _clock_stopped(application: Application, now: dt.datetime) -> dict:
    """A paused clock's time folded in when an application ends while it waits."""
    if application.paused_at is None:
        return {}
    return {
        "paused_at": None,
        "paused_seconds": application.paused_seconds + rules.paused_for(application.paused_at, now),
    }


def _move(
    actor,
    application: Application,
    action: str,
    event: str,
    *,
    now: dt.datetime,
    payload: dict | None = None,
    **changes,
) -> Application:
    old = application.state
    new = rules.next_state(action, old)
    if new is None:
        raise ValidationError(
            {"state": _("这条申请目前是“%(state)s”，不能这样办理") % {"state": State(old).label}}
        )
    with transaction.atomic():
        updated = (
            Application.objects.unscoped_for_jobs()
            .filter(pk=application.pk, state=old, version=application.version)
            .update(state=new, version=application.version + 1, **changes)
        )
        if not updated:
            raise _changed()
        for name, value in changes.items():
            setattr(application, name, value)
        application.state, application.version = new, application.version + 1
        _event(application, event, actor, payload or {}, now)
        audit.record(
            actor=actor,
            action=f"services.{action}",
            obj=application,
            changes={"state": [old, new], **(payload or {})},
        )
    return application


def _event(application: Application, type_: str, actor, payload: dict, at: dt.datetime):
    return ApplicationEvent.objects.create(
        application=application,
        type=type_,
        at=at,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        payload=payload,
    )
