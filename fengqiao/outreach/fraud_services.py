"""Every write of anti-fraud work: publicity events (talks, stalls, door-to-door rounds) and
warnings given to likely victims (预警劝阻), with the payments stopped (止付). And the one
read that is a logged act: a warned person's full phone, for a reason.

Each write checks the permission and that the grid lies in the actor's jurisdiction,
validates everything (Chinese messages keyed by field), is idempotent on the client key per
sender (``fengqiao.idempotency``) and writes its audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.idempotency import sender_of, stored_key
from fengqiao.org.scope import in_scope, person_of
from fengqiao.outreach import fraud_rules as rules
from fengqiao.outreach.models import Campaign, FraudWarning, OutreachEvent
from fengqiao.phones import normalize_phone
from fengqiao.places.models import Region
from fengqiao.registry import services as registry

ADD_EVENT = "outreach.add_outreachevent"
ADD_WARNING = "outreach.add_fraudwarning"
VIEW_WARNING = "outreach.view_fraudwarning"
REVEAL_IDENTITY = "registry.reveal_identity"
# The channels a client key is bound to (fengqiao.idempotency).
EVENT_KEY_CHANNEL = "outreach_event"
WARNING_KEY_CHANNEL = "fraud_warning"
MAX_TITLE_CHARS = 100
MAX_NAME_CHARS = 50
MAX_NOTE_CHARS = 1000
# No event reaches more people than a town holds; a bigger number is a typing slip.
MAX_PEOPLE = 100_000
# How far back an event or a warning may be recorded.
BACKFILL_DAYS = 366
# A phone's clock a little ahead of the server's is not "the future".
CLOCK_SLACK = dt.timedelta(minutes=10)


def _refuse_unless(actor, permission: str, message: str):
    person = person_of(actor) if actor is not None else None
    if person is None or not actor.has_perm(permission):
        raise PermissionDenied(message)
    return person


def _check_grid(actor, grid: Region | None, errors: dict) -> None:
    if grid is None:
        errors["grid"] = _("请选择网格")
    elif grid.level != "grid":
        errors["grid"] = _("请选择到网格一级（“%(name)s”不是网格）") % {"name": grid.name}
    elif not in_scope(actor, grid):
        errors["grid"] = _("这个网格不在您的管辖范围")


def _check_campaign(campaign: Campaign | None, grid: Region | None, day, errors: dict) -> None:
    """An event or warning belongs to an anti-fraud campaign only if the campaign covers the
    grid and the day."""
    if campaign is None:
        return
    if campaign.kind != Campaign.Kind.ANTI_FRAUD:
        errors["campaign"] = _("只能归入反诈宣传活动")
    elif grid is not None and not campaign.grids.filter(pk=grid.pk).exists():
        errors["campaign"] = _("这个活动不包括所选网格")
    elif day is not None and not campaign.starts_on <= day <= campaign.ends_on:
        errors["campaign"] = _("日期不在这个活动的起止日期（%(start)s 至 %(end)s）内") % {
            "start": campaign.starts_on.isoformat(),
            "end": campaign.ends_on.isoformat(),
        }


def _count(value, field: str, label: str, errors: dict) -> int:
    try:
        number = int(value if value not in (None, "") else 0)
    except (TypeError, ValueError):
        errors[field] = _("%(label)s应为整数") % {"label": label}
        return 0
    if number < 0:
        errors[field] = _("%(label)s不能是负数") % {"label": label}
    elif number > MAX_PEOPLE:
        errors[field] = _("%(label)s太大（最多 %(n)s），请核对") % {"label": label, "n": MAX_PEOPLE}
    return number


def _text(value, field: str, limit: int, errors: dict, *, required: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        errors[field] = required
    elif len(text) > limit:
        errors[field] = _("请控制在 %(n)s 字以内") % {"n": limit}
    return text


def _replayed(model, key: str | None):
    return model.objects.unscoped_for_jobs().filter(client_key=key).first() if key else None


def _save_once(record, key: str | None):
    """Save a new record; the same key sent twice at once by one sender: the first wins."""
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        existing = _replayed(type(record), key)
        if existing is None:
            raise
        return existing, False
    return record, True


# --- events -------------------------------------------------------------------------------


def record_event(
    *,
    actor,
    kind: str,
    title: str,
    grid: Region | None,
    held_on: dt.date | None,
    people_reached=0,
    app_installs=0,
    leaflets=0,
    note: str = "",
    campaign: Campaign | None = None,
    client_key: str | None = None,
) -> tuple[OutreachEvent, bool]:
    """Record a publicity event (宣讲, 摆摊, 上门宣传) held in a grid of the actor's
    jurisdiction on a day up to a year back, never ahead: how many people it reached, how
    many installed the anti-fraud app there (at most the people reached), leaflets handed
    out. Everyone on the ground may. Returns the event and whether it was made now: the
    same ``client_key`` from the same sender returns the first event and writes nothing."""
    person = _refuse_unless(actor, ADD_EVENT, _("您没有登记宣传活动的权限"))
    key = stored_key(key=client_key, sender=sender_of(actor), channel=EVENT_KEY_CHANNEL)
    existing = _replayed(OutreachEvent, key)
    if existing is not None:
        return existing, False
    errors: dict[str, str] = {}
    if kind not in OutreachEvent.Kind.values:
        errors["kind"] = _("请选择活动形式（宣讲、摆摊宣传、上门宣传或其他）")
    title = _text(title, "title", MAX_TITLE_CHARS, errors, required=_("请填写活动主题"))
    note = _text(note, "note", MAX_NOTE_CHARS, errors)
    _check_grid(actor, grid, errors)
    today = timezone.localdate()
    if held_on is None:
        errors["held_on"] = _("请填写活动日期")
    elif held_on > today:
        errors["held_on"] = _("活动日期不能晚于今天：活动办完后再登记")
    elif held_on < today - dt.timedelta(days=BACKFILL_DAYS):
        errors["held_on"] = _("只能补登一年以内的活动")
    people = _count(people_reached, "people_reached", _("覆盖人数"), errors)
    installs = _count(app_installs, "app_installs", _("反诈App安装数"), errors)
    leaflets = _count(leaflets, "leaflets", _("发放资料份数"), errors)
    if not errors.keys() & {"people_reached", "app_installs"} and installs > people:
        errors["app_installs"] = _("App安装数（%(i)s）不能多于覆盖人数（%(p)s）") % {
            "i": installs,
            "p": people,
        }
    if "grid" not in errors:
        _check_campaign(campaign, grid, held_on, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event, made = _save_once(
            OutreachEvent(
                campaign=campaign,
                kind=kind,
                title=title,
                grid=grid,
                held_on=held_on,
                people_reached=people,
                app_installs=installs,
                leaflets=leaflets,
                note=note,
                recorded_by=person,
                client_key=key,
            ),
            key,
        )
        if not made:
            return event, False
        audit.record(
            actor=actor,
            action="outreach.event_recorded",
            obj=event,
            changes={
                "kind": kind,
                "grid": grid.pk,
                "held_on": held_on.isoformat(),
                "people_reached": people,
                "app_installs": installs,
                "leaflets": leaflets,
                "campaign": campaign.pk if campaign else None,
            },
        )
    return event, True


# --- warnings -----------------------------------------------------------------------------


def _amount(value, field: str, label: str, errors: dict) -> Decimal:
    amount = rules.parse_amount(value)
    problem = rules.amount_problem(amount)
    messages = {
        "not_a_number": _("%(label)s应为数字，单位元（如 35000.00）"),
        "negative": _("%(label)s不能是负数"),
        "too_precise": _("%(label)s最多保留两位小数（精确到分）"),
        "too_large": _("%(label)s太大，请核对"),
    }
    if problem:
        errors[field] = messages[problem] % {"label": label}
        return Decimal("0")
    return amount.quantize(Decimal("0.01"))


def record_warning(
    *,
    actor,
    grid: Region | None,
    warned_at: dt.datetime | None,
    level: str,
    method: str,
    person_name: str,
    outcome: str,
    phone: str = "",
    payment_stopped: bool = False,
    amount_stopped=0,
    amount_lost=0,
    note: str = "",
    campaign: Campaign | None = None,
    client_key: str | None = None,
) -> tuple[FraudWarning, bool]:
    """Record a warning given to a likely victim in a grid of the actor's jurisdiction
    (police and chiefs): its level, how it was given (a text or a call needs the person's
    phone, kept sealed and shown masked), the outcome, and a payment stopped (止付) with
    the amount saved, or the money already lost. An amount stopped only with a payment
    stopped, a loss only when the person was already defrauded; amounts in yuan, two
    decimals, never negative; the time never ahead, at most a year back. Idempotent on
    ``client_key`` per sender like ``record_event``."""
    person = _refuse_unless(actor, ADD_WARNING, _("只有民警和所领导可以登记预警劝阻"))
    key = stored_key(key=client_key, sender=sender_of(actor), channel=WARNING_KEY_CHANNEL)
    existing = _replayed(FraudWarning, key)
    if existing is not None:
        return existing, False
    errors: dict[str, str] = {}
    _check_grid(actor, grid, errors)
    if level not in FraudWarning.Level.values:
        errors["level"] = _("请选择预警等级（高、中、低风险）")
    if method not in FraudWarning.Method.values:
        errors["method"] = _("请选择劝阻方式（短信、电话或上门）")
    if outcome not in FraudWarning.Outcome.values:
        errors["outcome"] = _("请选择劝阻结果")
    person_name = _text(
        person_name, "person_name", MAX_NAME_CHARS, errors, required=_("请填写被劝阻人姓名")
    )
    note = _text(note, "note", MAX_NOTE_CHARS, errors)
    now = timezone.now()
    if warned_at is None:
        errors["warned_at"] = _("请填写劝阻时间")
    elif timezone.is_naive(warned_at):
        errors["warned_at"] = _("劝阻时间缺少时区")
    elif warned_at > now + CLOCK_SLACK:
        errors["warned_at"] = _("劝阻时间不能晚于现在")
    elif warned_at < now - dt.timedelta(days=BACKFILL_DAYS):
        errors["warned_at"] = _("只能补登一年以内的预警劝阻")
    try:
        phone = normalize_phone(phone or "")
    except ValidationError as error:
        errors["phone"] = error.messages[0]
        phone = ""
    else:
        if not phone and method in (FraudWarning.Method.SMS, FraudWarning.Method.CALL):
            errors["phone"] = _("短信或电话劝阻请填写被劝阻人的电话")
    stopped = _amount(amount_stopped, "amount_stopped", _("止付金额"), errors)
    lost = _amount(amount_lost, "amount_lost", _("损失金额"), errors)
    payment_stopped = bool(payment_stopped)
    if "amount_stopped" not in errors:
        if payment_stopped and stopped <= 0:
            errors["amount_stopped"] = _("已紧急止付，请填写止付金额（元）")
        elif not payment_stopped and stopped > 0:
            errors["amount_stopped"] = _("没有紧急止付时不填止付金额；如已止付，请勾选“紧急止付”")
    if "amount_lost" not in errors and lost > 0 and outcome != FraudWarning.Outcome.ALREADY_LOST:
        errors["amount_lost"] = _("只有结果为“已被骗”时才填写损失金额")
    if "grid" not in errors and "warned_at" not in errors:
        _check_campaign(campaign, grid, timezone.localdate(warned_at), errors)
    if errors:
        raise ValidationError(errors)
    warning = FraudWarning(
        campaign=campaign,
        grid=grid,
        warned_at=warned_at,
        level=level,
        method=method,
        person_name=person_name,
        outcome=outcome,
        payment_stopped=payment_stopped,
        amount_stopped=stopped,
        amount_lost=lost,
        note=note,
        recorded_by=person,
        client_key=key,
    )
    warning.set_phone(phone)
    with transaction.atomic():
        warning, made = _save_once(warning, key)
        if not made:
            return warning, False
        audit.record(
            actor=actor,
            action="outreach.warning_recorded",
            obj=warning,
            changes={
                "grid": grid.pk,
                "warned_at": warned_at.isoformat(),
                "level": level,
                "method": method,
                "outcome": outcome,
                "phone": warning.phone_masked,
                "payment_stopped": payment_stopped,
                "amount_stopped": str(stopped),
                "amount_lost": str(lost),
                "campaign": campaign.pk if campaign else None,
            },
        )
    return warning, True


def may_reveal_phone(actor, warning: FraudWarning) -> bool:
    """Who may see a warned person's full phone: those who read warnings and may reveal
    numbers (``registry.reveal_identity``), for a warning in their jurisdiction."""
    return (
        actor is not None
        and actor.has_perm(VIEW_WARNING)
        and actor.has_perm(REVEAL_IDENTITY)
        and in_scope(actor, warning)
    )


def reveal_phone(*, actor, warning: FraudWarning, reason: str) -> str:
    """The warned person's full phone for a stated reason: the registry's reveal, which
    logs who, which warning and why before it answers."""
    if not may_reveal_phone(actor, warning):
        raise PermissionDenied(_("您不能查看这个被劝阻人的完整电话"))
    return registry.reveal(actor=actor, record=warning, field="phone", reason=reason)
