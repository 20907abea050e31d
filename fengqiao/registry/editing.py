"""Registry editing from pages and the API: add, correct and end a resident; correct and
end a house, a unit, an employment and an address.

A resident's add, correction or end is a ``RegistryChange``. The police (who hold
``registry.add_resident`` / ``change_resident``) have theirs applied at once; a grid
worker's or building head's (``registry.add_registrychange``) waits until a community
police officer of that area applies it (``apply_change``) or sends it back
(``reject_change``). Nothing a ground submission says touches the registry before then:
the registry is the police's record of fact, and one wrong number typed on a doorstep
would otherwise overwrite a checked one (see docs/registry.md, "Editing").

Every field goes through the same checks as the bulk import (``services.check_resident``,
``checks``); every change leaves an audit entry with each field's old and new value, ID
and phone numbers masked and fingerprinted, never in the clear.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.audit import services as audit
from fengqiao.idempotency import sender_of, stored_key
from fengqiao.identity import mask_id_number
from fengqiao.org.scope import in_scope
from fengqiao.privacy import mask_phone
from fengqiao.registry import checks, names, sealing, services
from fengqiao.registry.models import (
    END_REASON_CHOICES,
    Address,
    Employment,
    Establishment,
    House,
    Occupancy,
    RegistryChange,
    Resident,
)

SUBMIT = "registry.add_registrychange"
REVIEW = "registry.change_registrychange"
# The resident's fields a page or the API may set; the numbers are sealed, never kept or
# audited in the clear.
RESIDENT_FIELDS = (
    "name",
    "id_type",
    "id_number",
    "phone",
    "residence_type",
    "hukou_place",
    "moved_in",
    "note",
)
NUMBERS = ("id_number", "phone")
END_REASONS = tuple(code for code, _label in END_REASON_CHOICES)
END_DATE_LABEL = gettext_lazy("迁出日期")
FINGERPRINT = 8


@dataclass(frozen=True)
class Edit:
    """What an edit came to: the change (applied or pending) and whether this call made it
    (False for a replayed idempotency key)."""

    change: RegistryChange
    created: bool

    @property
    def applied(self) -> bool:
        return self.change.status == RegistryChange.Status.APPLIED


# --- what the audit trail keeps --------------------------------------------------------


def masked(field: str, value: str) -> str:
    """A number as the audit trail keeps it: masked, with a short keyed fingerprint so two
    numbers that mask alike still read as different ("" for none)."""
    if not value:
        return ""
    shown = mask_id_number(value) if field == "id_number" else mask_phone(value)
    return f"{shown} #{sealing.digest(value)[:FINGERPRINT]}"


def resident_values(resident: Resident) -> dict:
    """The resident's editable fields as the audit trail and the review page show them."""
    return {
        "name": resident.name,
        "id_type": resident.id_type,
        "id_number": masked("id_number", resident.id_number),
        "phone": masked("phone", resident.phone),
        "residence_type": resident.residence_type,
        "hukou_place": resident.hukou_place,
        "moved_in": _iso(resident.moved_in),
        "moved_out": _iso(resident.moved_out),
        "end_reason": resident.end_reason,
        "house": resident.house_id,
        "note": resident.note,
    }


def field_changes(old: dict, new: dict) -> dict:
    """``{field: {"old": ..., "new": ...}}`` for every field whose value differs."""
    return {
        field: {"old": old.get(field), "new": value}
        for field, value in new.items()
        if old.get(field) != value
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


# --- who may do what -------------------------------------------------------------------


def _applies_directly(actor, permission: str, obj, *, reads: bool = False) -> bool:
    """True when ``actor`` edits ``obj`` themselves, False when their edit waits for the
    police; refused when they may do neither, or ``obj`` lies outside their area. With
    ``reads``, a submitter must also be able to see residents (a building head adds people
    but never reads or corrects their records)."""
    if not in_scope(actor, obj):
        raise PermissionDenied(_("没有权限进行此操作"))
    if actor.has_perm(permission):
        return True
    if actor.has_perm(SUBMIT) and (not reads or actor.has_perm("registry.view_resident")):
        return False
    raise PermissionDenied(_("没有权限进行此操作"))


def _replayed(actor, client_key: str | None) -> tuple[str | None, RegistryChange | None]:
    key = stored_key(key=client_key, sender=sender_of(actor), channel="registry_change")
    if key is None:
        return None, None
    return key, RegistryChange.objects.filter(client_key=key).first()


# --- checks ----------------------------------------------------------------------------


def _duplicate_error(actor, number: str, *, other_than: Resident | None = None) -> str | None:
    """Why ``number`` cannot be registered again: the existing record named when the actor
    may see it, only its existence when it lies in someone else's area."""
    existing = services.duplicate_of(number)
    if existing is None or (other_than is not None and existing.pk == other_than.pk):
        return None
    if in_scope(actor, existing) and actor.has_perm("registry.view_resident"):
        return _(
            "这个证件号码已经登记为“%(name)s”（人员编号 %(pk)d），不能重复登记；"
            "如需更正请打开该记录修改"
        ) % {"name": existing.name, "pk": existing.pk}
    return _("这个证件号码已在其他辖区登记，不能重复登记；请联系当地社区民警核对")


def _check_new(actor, values: dict) -> dict:
    cleaned, errors = services.check_resident(
        name=values.get("name", ""),
        id_type=values.get("id_type") or "resident_id",
        id_number=values.get("id_number", ""),
        phone=values.get("phone", ""),
        residence_type=values.get("residence_type") or Resident.ResidenceType.REGISTERED,
        moved_in=values.get("moved_in"),
    )
    if "id_number" not in errors:
        duplicate = _duplicate_error(actor, cleaned["id_number"])
        if duplicate:
            errors["id_number"] = [duplicate]
    if errors:
        raise ValidationError(errors)
    cleaned["hukou_place"] = (values.get("hukou_place") or "").strip()[:120]
    cleaned["note"] = (values.get("note") or "").strip()[:200]
    return cleaned


def _check_correction(actor, resident: Resident, values: dict) -> dict:
    """The cleaned values of the fields being changed (only those given); every problem of
    those fields at once."""
    given = {field: value for field, value in values.items() if field in RESIDENT_FIELDS}
    unknown = set(values) - set(RESIDENT_FIELDS)
    if unknown:
        # A role, a scope or a house is never set through a correction.
        raise ValidationError(
            _("这些字段不能在这里修改：%(fields)s") % {"fields": "、".join(sorted(unknown))}
        )
    if not given:
        raise ValidationError(_("没有要修改的内容"))
    id_type = given.get("id_type") or resident.id_type
    merged = {
        "name": given.get("name", resident.name),
        "id_type": id_type,
        # A new document type re-checks the number already held against it; otherwise an
        # unchanged number is not unsealed at all (its "required" error is dropped below).
        "id_number": given.get("id_number") or (resident.id_number if "id_type" in given else ""),
        "phone": given.get("phone", ""),
        "residence_type": given.get("residence_type") or resident.residence_type,
        "moved_in": given.get("moved_in", resident.moved_in),
    }
    cleaned, errors = services.check_resident(**merged)
    checked = set(given) | ({"id_number"} if "id_type" in given else set())
    errors = {field: messages for field, messages in errors.items() if field in checked}
    if "id_number" in checked and "id_number" not in errors:
        duplicate = _duplicate_error(actor, cleaned["id_number"], other_than=resident)
        if duplicate:
            errors["id_number"] = [duplicate]
    moved_in = cleaned.get("moved_in")
    if "moved_in" in given and moved_in and resident.moved_out and moved_in > resident.moved_out:
        errors.setdefault("moved_in", []).append(_("迁入日期不能晚于迁出日期"))
    if errors:
        raise ValidationError(errors)
    out = {field: cleaned[field] for field in checked if field in cleaned}
    for field in ("hukou_place", "note"):
        if field in given:
            out[field] = (given[field] or "").strip()[: 120 if field == "hukou_place" else 200]
    return out


def _check_end(resident: Resident, values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    reason = values.get("reason", "")
    if reason not in END_REASONS:
        errors["reason"] = [_("请选择迁出、死亡或注销户口")]
    on = None
    try:
        on = checks.date(values.get("on"), label=END_DATE_LABEL) or timezone.localdate()
    except ValidationError as error:
        errors["on"] = error.messages
    if on and resident.moved_in and on < resident.moved_in:
        errors["on"] = [
            _("迁出日期不能早于迁入日期（%(date)s）") % {"date": resident.moved_in.isoformat()}
        ]
    if resident.moved_out is not None:
        errors["__all__"] = [_("此人已于 %(date)s 迁出或注销") % {"date": resident.moved_out}]
    if errors:
        raise ValidationError(errors)
    return {"on": on, "reason": reason}


# --- resident edits: add, correct, end -------------------------------------------------


def add_resident(*, actor, house: House, values: dict, client_key: str | None = None) -> Edit:
    """Register a new resident in ``house`` (the police) or submit one for the police to
    verify (the ground). The same ``client_key`` from the same person returns the first
    change, so a double tap or a retried request adds nothing."""
    direct = _applies_directly(actor, "registry.add_resident", house)
    key, replay = _replayed(actor, client_key)
    if replay is not None:
        return Edit(replay, False)
    _ensure_current(house)
    cleaned = _check_new(actor, values)
    change = RegistryChange(
        kind=RegistryChange.Kind.ADD,
        house=house,
        values={
            field: _iso(cleaned[field]) if field == "moved_in" else cleaned[field]
            for field in ("name", "id_type", "residence_type", "hukou_place", "moved_in", "note")
        },
        submitted_by=actor,
        client_key=key,
        scope_path=house.scope_path,
    )
    change.set_document(cleaned["id_type"], cleaned["id_number"])
    change.set_phone(cleaned.get("phone", ""))
    change.values["numbers"] = list(NUMBERS)
    change.shown = field_changes(
        {},
        {
            **{f: v for f, v in change.values.items() if f != "numbers" and v},
            "id_number": masked("id_number", cleaned["id_number"]),
            "phone": masked("phone", cleaned.get("phone", "")),
            "house": house.pk,
        },
    )
    return _store(actor, change, direct)


def correct_resident(
    *, actor, resident: Resident, values: dict, client_key: str | None = None
) -> Edit:
    """Change the given fields of ``resident`` (only those given; a number left out keeps
    its value). Applied at once for the police, waiting for them otherwise."""
    direct = _applies_directly(actor, "registry.change_resident", resident, reads=True)
    key, replay = _replayed(actor, client_key)
    if replay is not None:
        return Edit(replay, False)
    cleaned = _check_correction(actor, resident, values)
    change = RegistryChange(
        kind=RegistryChange.Kind.CORRECT,
        resident=resident,
        submitted_by=actor,
        client_key=key,
        scope_path=resident.scope_path,
    )
    plain = {f: v for f, v in cleaned.items() if f not in NUMBERS}
    change.values = {f: _iso(v) if f == "moved_in" else v for f, v in plain.items()}
    change.values["numbers"] = [f for f in NUMBERS if f in cleaned]
    if "id_number" in cleaned:
        change.set_document(cleaned.get("id_type", resident.id_type), cleaned["id_number"])
    if "phone" in cleaned:
        change.set_phone(cleaned["phone"])
    before = resident_values(resident)
    after = {**{f: before[f] for f in plain}, **change.values}
    after.pop("numbers")
    for field in change.values["numbers"]:
        after[field] = masked(field, cleaned[field])
    change.shown = field_changes(before, after)
    if not change.shown:
        raise ValidationError(_("填写的内容与现有登记一致，没有需要修改的地方"))
    return _store(actor, change, direct)


def end_resident(*, actor, resident: Resident, values: dict, client_key: str | None = None) -> Edit:
    """The resident moves away, dies or is de-registered on ``values["on"]`` (today when
    blank): their stay ends with that date and reason; nothing is deleted."""
    direct = _applies_directly(actor, "registry.change_resident", resident, reads=True)
    key, replay = _replayed(actor, client_key)
    if replay is not None:
        return Edit(replay, False)
    cleaned = _check_end(resident, values)
    change = RegistryChange(
        kind=RegistryChange.Kind.END,
        resident=resident,
        values={"on": cleaned["on"].isoformat(), "reason": cleaned["reason"], "numbers": []},
        submitted_by=actor,
        client_key=key,
        scope_path=resident.scope_path,
    )
    change.shown = field_changes(
        {"moved_out": None, "end_reason": ""},
        {"moved_out": cleaned["on"].isoformat(), "end_reason": cleaned["reason"]},
    )
    return _store(actor, change, direct)


def _store(actor, change: RegistryChange, direct: bool) -> Edit:
    """Save the change, and apply it at once when the actor is the police."""
    try:
        with transaction.atomic():
            change.save()
            if direct:
                _apply(actor, change, note="")
            else:
                audit.record(
                    actor=actor,
                    action="registry.change.submitted",
                    obj=change,
                    changes={"kind": change.kind, "fields": change.shown},
                )
    except IntegrityError:
        if change.client_key is None:
            raise
        # The same form sent twice at once: the first one stored is the answer.
        return Edit(RegistryChange.objects.get(client_key=change.client_key), False)
    return Edit(change, True)


def apply_change(*, actor, change: RegistryChange, note: str = "") -> RegistryChange:
    """Verify a ground submission: its add, correction or end is applied (checked again,
    as the registry may have changed since), in one transaction with the review."""
    services.ensure_can(actor, REVIEW, change)
    if change.status != RegistryChange.Status.PENDING:
        raise ValidationError(_("这条变更已经处理过了"))
    target = change.house if change.kind == RegistryChange.Kind.ADD else change.resident
    permission = "registry.add_resident" if target is change.house else "registry.change_resident"
    services.ensure_can(actor, permission, target)
    with transaction.atomic():
        _apply(actor, change, note=note)
    change.refresh_from_db()
    return change


def reject_change(*, actor, change: RegistryChange, reason: str) -> RegistryChange:
    """Send a ground submission back with a reason; nothing in the registry changes."""
    services.ensure_can(actor, REVIEW, change)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("请写明退回原因，方便提交人补正")})
    with transaction.atomic():
        done = change.mark_reviewed(actor=actor, status=RegistryChange.Status.REJECTED, note=reason)
        if not done:
            raise ValidationError(_("这条变更已经处理过了"))
        audit.record(
            actor=actor,
            action="registry.change.rejected",
            obj=change,
            changes={"reason": reason[:200]},
        )
    change.refresh_from_db()
    return change


def _apply(actor, change: RegistryChange, *, note: str) -> None:
    """Write ``change`` into the registry (inside the caller's transaction)."""
    numbers = {
        "id_number": change.id_number if "id_number" in change.values.get("numbers", []) else None,
        "phone": change.phone if "phone" in change.values.get("numbers", []) else None,
    }
    values = {k: v for k, v in change.values.items() if k != "numbers"}
    values.update({k: v for k, v in numbers.items() if v is not None})
    if change.kind == RegistryChange.Kind.ADD:
        resident = _apply_add(actor, change, values)
    elif change.kind == RegistryChange.Kind.CORRECT:
        resident = _apply_correction(actor, change, values)
    else:
        resident = _apply_end(actor, change, values)
    applied = change.mark_reviewed(
        actor=actor, status=RegistryChange.Status.APPLIED, note=note, resident=resident
    )
    if not applied:
        raise ValidationError(_("这条变更刚被别人处理过，请刷新"))
    change.status, change.reviewed_by, change.resident = (
        RegistryChange.Status.APPLIED,
        actor,
        resident,
    )


def _ensure_current(house: House) -> None:
    if house.ended_on is not None:
        raise ValidationError({"house": [_("这套房屋已灭失，不能再登记人员")]})


def _apply_add(actor, change: RegistryChange, values: dict) -> Resident:
    # The house as it is now: it may have been ended since the ground submitted.
    _ensure_current(House.objects.select_for_update().get(pk=change.house_id))
    cleaned = _check_new(actor, values)
    resident = services.register_resident(
        actor=actor,
        house=change.house,
        name=cleaned["name"],
        id_type=cleaned["id_type"],
        id_number=cleaned["id_number"],
        phone=cleaned.get("phone", ""),
        residence_type=cleaned["residence_type"],
        hukou_place=cleaned["hukou_place"],
        moved_in=cleaned["moved_in"],
        note=cleaned["note"],
        audited=False,  # the one entry is the add's own, with every field's value
    )
    _audit_resident(actor, resident, change, {}, resident_values(resident))
    return resident


def _apply_correction(actor, change: RegistryChange, values: dict) -> Resident:
    resident = Resident.objects.select_for_update().get(pk=change.resident_id)
    cleaned = _check_correction(actor, resident, values)
    before = resident_values(resident)
    for field in ("name", "residence_type", "hukou_place", "moved_in", "note"):
        if field in cleaned:
            setattr(resident, field, cleaned[field])
    if "name" in cleaned:
        resident.name_pinyin = names.pinyin_of(resident.name)
        resident.name_initials = names.initials_of(resident.name)
    if "id_number" in cleaned:
        resident.set_document(cleaned.get("id_type", resident.id_type), cleaned["id_number"])
    if "phone" in cleaned:
        resident.set_phone(cleaned["phone"])
    resident.save()
    stay = {f: cleaned[f] for f in ("residence_type", "moved_in") if f in cleaned}
    if stay:
        # The current stay says the same as the record it belongs to.
        Occupancy.objects.filter(resident=resident, moved_out__isnull=True).update(**stay)
    _audit_resident(actor, resident, change, before, resident_values(resident))
    return resident


def _apply_end(actor, change: RegistryChange, values: dict) -> Resident:
    resident = Resident.objects.select_for_update().get(pk=change.resident_id)
    cleaned = _check_end(resident, values)
    before = resident_values(resident)
    Occupancy.objects.filter(resident=resident, moved_out__isnull=True).update(
        moved_out=cleaned["on"], end_reason=cleaned["reason"]
    )
    resident.moved_out = cleaned["on"]
    resident.end_reason = cleaned["reason"]
    resident.house = None
    resident.save()
    _audit_resident(actor, resident, change, before, resident_values(resident))
    return resident


def _audit_resident(actor, resident: Resident, change: RegistryChange, before, after) -> None:
    action = {
        RegistryChange.Kind.ADD: "registry.resident.added",
        RegistryChange.Kind.CORRECT: "registry.resident.corrected",
        RegistryChange.Kind.END: "registry.resident.ended",
    }[change.kind]
    audit.record(
        actor=actor,
        action=action,
        obj=resident,
        changes={
            "change": change.pk,
            "submitted_by": change.submitted_by_id,
            "fields": field_changes(before, after),
        },
    )


# --- houses, units, employments, addresses (the police edit these directly) ------------


def _checked_fields(actor, record, permission: str, values: dict, checkers: dict) -> dict:
    """The cleaned ``values`` after each field's checker, every problem at once; a field
    without a checker is refused (a scope or a role is never set this way)."""
    services.ensure_can(actor, permission, record)
    unknown = set(values) - set(checkers)
    if unknown:
        raise ValidationError(
            _("这些字段不能在这里修改：%(fields)s") % {"fields": "、".join(sorted(unknown))}
        )
    cleaned, errors = checks.collect(
        {field: (lambda f=field: checkers[f](values[f])) for field in values}
    )
    if errors:
        raise ValidationError(errors)
    return cleaned


def correct_house(*, actor, house: House, values: dict) -> House:
    """Change a house's label, use, owner, owner's phone or area."""
    checkers = {
        "label": lambda v: (v or "").strip()[:20],
        "use": lambda v: services._choice(v, House.Use, _("房屋用途")),
        "owner_name": lambda v: (v or "").strip()[:50],
        "owner_phone": checks.phone,
        "area_m2": _area,
    }
    cleaned = _checked_fields(actor, house, "registry.change_house", values, checkers)
    if (
        "label" in cleaned
        and House.objects.filter(address=house.address_id, label=cleaned["label"])
        .exclude(pk=house.pk)
        .exists()
    ):
        raise ValidationError({"label": [_("这个地址已登记了同一标识的房屋")]})
    before = _house_values(house)
    with transaction.atomic():
        for field, value in cleaned.items():
            if field == "owner_phone":
                house.set_phone(value)
            else:
                setattr(house, field, value)
        house.save()
        _audit_fields(actor, house, "registry.house.corrected", before, _house_values(house))
    return house


def _house_values(house: House) -> dict:
    return {
        "label": house.label,
        "use": house.use,
        "owner_name": house.owner_name,
        "owner_phone": masked("phone", house.phone),
        "area_m2": str(house.area_m2) if house.area_m2 is not None else None,
        "ended_on": _iso(house.ended_on),
        "end_reason": house.end_reason,
    }


def _area(value):
    if value in (None, ""):
        return None
    try:
        area = round(float(value), 2)
    except (TypeError, ValueError):
        raise ValidationError(_("面积应为数字（平方米）")) from None
    if not 0 < area < 1_000_000:
        raise ValidationError(_("面积应大于 0 且小于 1000000 平方米"))
    return area


def _end_date(value, *, label, start=None, start_label=""):
    on = checks.date(value, label=label) or timezone.localdate()
    if start and on < start:
        raise ValidationError(
            _("%(label)s不能早于%(start_label)s（%(start)s）")
            % {"label": label, "start_label": start_label, "start": start.isoformat()}
        )
    return on


def _reason(text: str) -> str:
    reason = " ".join((text or "").split())
    if not reason:
        raise ValidationError(_("请写明原因"))
    return reason[:100]


def end_house(*, actor, house: House, on=None, reason: str) -> House:
    """The house is demolished or merged away on ``on``: kept, marked ended. Refused while
    anyone still lives there (they move out first)."""
    services.ensure_can(actor, "registry.change_house", house)
    cleaned, errors = checks.collect(
        {
            "on": lambda: _end_date(on, label=_("灭失日期")),
            "reason": lambda: _reason(reason),
        }
    )
    if house.ended_on is not None:
        errors["__all__"] = [_("这套房屋已于 %(date)s 灭失") % {"date": house.ended_on}]
    elif Resident.objects.filter(house=house, moved_out__isnull=True).exists():
        errors["__all__"] = [_("还有人员住在这套房屋，请先为他们办理迁出")]
    if errors:
        raise ValidationError(errors)
    before = _house_values(house)
    with transaction.atomic():
        house.ended_on, house.end_reason = cleaned["on"], cleaned["reason"]
        house.save(update_fields=["ended_on", "end_reason", "updated_at"])
        _audit_fields(actor, house, "registry.house.ended", before, _house_values(house))
    return house


def _unit_values(unit: Establishment) -> dict:
    return {
        "name": unit.name,
        "kind": unit.kind,
        "credit_code": unit.credit_code,
        "in_charge_name": unit.in_charge_name,
        "in_charge_phone": masked("phone", unit.in_charge_phone),
        "security_name": unit.security_name,
        "security_phone": masked("phone", unit.security_phone),
        "employee_count": unit.employee_count,
        "closed_on": _iso(unit.closed_on),
        "close_reason": unit.close_reason,
    }


UNIT_FIELDS = (
    "name",
    "kind",
    "credit_code",
    "in_charge_name",
    "in_charge_phone",
    "security_name",
    "security_phone",
    "employee_count",
)


def correct_establishment(*, actor, unit: Establishment, values: dict) -> Establishment:
    """Change a unit's fields, checked as ``services.register_establishment`` checks them."""
    services.ensure_can(actor, "registry.change_establishment", unit)
    unknown = set(values) - set(UNIT_FIELDS)
    if unknown:
        raise ValidationError(
            _("这些字段不能在这里修改：%(fields)s") % {"fields": "、".join(sorted(unknown))}
        )
    merged = {field: getattr(unit, field) for field in UNIT_FIELDS} | values
    cleaned, errors = services.check_establishment(
        name=merged["name"],
        kind=merged["kind"],
        credit_code=merged["credit_code"],
        in_charge_phone=merged["in_charge_phone"],
        security_phone=merged["security_phone"],
    )
    errors = {field: messages for field, messages in errors.items() if field in values}
    try:
        count = int(merged["employee_count"] or 0)
        if count < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["employee_count"] = [_("从业人数应为不小于 0 的整数")]
        count = 0
    code = cleaned.get("credit_code")
    if (
        "credit_code" in values
        and code
        and Establishment.objects.filter(credit_code=code).exclude(pk=unit.pk).exists()
    ):
        errors["credit_code"] = [_("这个统一社会信用代码已经登记过")]
    if errors:
        raise ValidationError(errors)
    before = _unit_values(unit)
    with transaction.atomic():
        for field in values:
            if field == "employee_count":
                unit.employee_count = count
            elif field in cleaned:
                setattr(unit, field, cleaned[field])
            else:
                setattr(unit, field, " ".join(str(values[field] or "").split())[:50])
        unit.save()
        _audit_fields(actor, unit, "registry.establishment.corrected", before, _unit_values(unit))
    return unit


def close_establishment(*, actor, unit: Establishment, on=None, reason: str) -> Establishment:
    """The unit closes on ``on``; its current employees' jobs end the same day."""
    services.ensure_can(actor, "registry.change_establishment", unit)
    cleaned, errors = checks.collect(
        {"on": lambda: _end_date(on, label=_("关闭日期")), "reason": lambda: _reason(reason)}
    )
    if unit.closed_on is not None:
        errors["__all__"] = [_("这个单位已于 %(date)s 关闭") % {"date": unit.closed_on}]
    if errors:
        raise ValidationError(errors)
    before = _unit_values(unit)
    with transaction.atomic():
        unit.closed_on, unit.close_reason = cleaned["on"], cleaned["reason"]
        unit.save(update_fields=["closed_on", "close_reason", "updated_at"])
        Employment.objects.filter(establishment=unit, until__isnull=True).update(
            until=cleaned["on"]
        )
        _audit_fields(actor, unit, "registry.establishment.closed", before, _unit_values(unit))
    return unit


def end_employment(*, actor, employment: Employment, on=None) -> Employment:
    """The employee leaves the unit on ``on`` (today when blank)."""
    unit = employment.establishment
    services.ensure_can(actor, "registry.change_establishment", unit)
    if employment.until is not None:
        raise ValidationError(_("此人已于 %(date)s 离职") % {"date": employment.until})
    try:
        until = _end_date(
            on, label=_("离职日期"), start=employment.since, start_label=_("入职日期")
        )
    except ValidationError as error:
        raise ValidationError({"on": error.messages}) from None
    with transaction.atomic():
        employment.until = until
        employment.save(update_fields=["until"])
        audit.record(
            actor=actor,
            action="registry.employee.left",
            obj=unit,
            changes={
                "resident": employment.resident_id,
                "fields": {"until": {"old": None, "new": until.isoformat()}},
            },
        )
    return employment


def retire_address(*, actor, address: Address, on=None, reason: str) -> Address:
    """The address no longer exists (a road renamed, a building pulled down): kept for
    history, marked retired. Refused while a house or unit there is still current."""
    services.ensure_can(actor, "registry.change_address", address)
    cleaned, errors = checks.collect(
        {"on": lambda: _end_date(on, label=_("注销日期")), "reason": lambda: _reason(reason)}
    )
    if address.retired_on is not None:
        errors["__all__"] = [_("这个地址已于 %(date)s 注销") % {"date": address.retired_on}]
    elif (
        House.objects.filter(address=address, ended_on__isnull=True).exists()
        or Establishment.objects.filter(address=address, closed_on__isnull=True).exists()
    ):
        errors["__all__"] = [_("这个地址还有在用的房屋或单位，请先办理灭失或关闭")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = {"retired_on": None, "retire_reason": ""}
        address.retired_on, address.retire_reason = cleaned["on"], cleaned["reason"]
        address.save(update_fields=["retired_on", "retire_reason"])
        after = {"retired_on": cleaned["on"].isoformat(), "retire_reason": cleaned["reason"]}
        _audit_fields(actor, address, "registry.address.retired", before, after)
    return address


def _audit_fields(actor, record, action: str, before: dict, after: dict) -> None:
    audit.record(
        actor=actor, action=action, obj=record, changes={"fields": field_changes(before, after)}
    )
