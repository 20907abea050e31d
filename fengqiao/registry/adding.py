"""Adding to the registry from pages and the API: an address, a house at it, a unit, an
employee, a stay (a resident moving into a house), and ending a stay.

The police only (``registry.add_*`` / ``change_*``): a grid worker or building head submits
residents (``registry.editing``), never these. Each wraps the service the bulk import calls
(``services.register_*``, ``add_employee``, ``move_resident``), so the same checks apply,
and adds what a hand-made record needs: scope on every record named, each field's value in
the audit trail (numbers masked and fingerprinted, ``editing.masked``: the add's one entry,
written here in place of the service's own, ``audited=False``), and the sender's
idempotency key, so a double tap or a retried request adds nothing twice. An address needs
no key: the same elements in the same community are one address already.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fengqiao.idempotency import sender_of, stored_key
from fengqiao.org.scope import in_scope
from fengqiao.places.models import Region
from fengqiao.registry import checks, editing, services
from fengqiao.registry.address_text import AddressParts
from fengqiao.registry.models import (
    Address,
    Employment,
    Establishment,
    House,
    Occupancy,
    Resident,
)


@dataclass(frozen=True)
class Added:
    """The record an add came to, and whether this call made it (False for a replayed key
    or an address that was already registered)."""

    record: object
    created: bool


def _key(actor, model, client_key: str | None):
    """(the stored key, the record it already made) for the sender's ``client_key``."""
    key = stored_key(
        key=client_key, sender=sender_of(actor), channel=f"registry_{model._meta.model_name}"
    )
    if key is None:
        return None, None
    return key, model.objects.filter(client_key=key).first()


def _keep_key(model, record, key: str | None) -> None:
    if key is not None:
        model.objects.filter(pk=record.pk).update(client_key=key)
        record.client_key = key


def _added(actor, action: str, record, after: dict) -> None:
    editing._audit_fields(actor, record, action, {}, {f: v for f, v in after.items() if v})


def _made(model, key, make) -> Added:
    """Run ``make`` in one transaction; the same key sent twice at once gives the first."""
    try:
        with transaction.atomic():
            return Added(make(), True)
    except IntegrityError:
        if key is None:
            raise
        return Added(model.objects.get(client_key=key), False)


def _current_address(address: Address) -> None:
    if address.retired_on is not None:
        raise ValidationError({"address": [_("这个地址已注销，不能再登记")]})


# --- addresses -------------------------------------------------------------------------


def add_address(*, actor, grid: Region, values: dict) -> Added:
    """The standard address with these elements (``Address.ELEMENTS``) in ``grid``,
    registered if new; the existing one when the same elements are already registered."""
    services.ensure_can(actor, "registry.add_address", grid)
    unknown = set(values) - set(Address.ELEMENTS)
    if unknown:
        raise ValidationError(
            _("这些字段不能在这里修改：%(fields)s") % {"fields": "、".join(sorted(unknown))}
        )
    parts, errors = {}, {}
    for field in Address.ELEMENTS:
        value = " ".join(str(values.get(field) or "").split())
        limit = Address._meta.get_field(field).max_length
        if len(value) > limit:
            label = Address._meta.get_field(field).verbose_name
            errors[field] = [_("%(label)s不能超过 %(max)d 个字") % {"label": label, "max": limit}]
        parts[field] = value
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        address, created = services.register_address(
            actor=actor, grid=grid, parts=AddressParts(**parts), raw_text="", audited=False
        )
        if created:
            _added(actor, "registry.address.added", address, {"full_text": address.full_text})
    return Added(address, created)


# --- houses and units ------------------------------------------------------------------


HOUSE_FIELDS = ("label", "use", "owner_name", "owner_phone")


def add_house(*, actor, address: Address, values: dict, client_key: str | None = None) -> Added:
    """A new house at ``address``, checked as the bulk import checks it."""
    services.ensure_can(actor, "registry.add_house", address)
    key, replay = _key(actor, House, client_key)
    if replay is not None:
        return Added(replay, False)
    _current_address(address)
    fields = {f: str(values.get(f) or "") for f in HOUSE_FIELDS}
    fields["use"] = fields["use"] or House.Use.OWN

    def make():
        house = services.register_house(actor=actor, address=address, audited=False, **fields)
        _keep_key(House, house, key)
        _added(actor, "registry.house.added", house, editing._house_values(house))
        return house

    return _made(House, key, make)


def add_unit(*, actor, address: Address, values: dict, client_key: str | None = None) -> Added:
    """A new unit at ``address``, checked as the bulk import checks it (the credit code's
    check character, a code already registered)."""
    services.ensure_can(actor, "registry.add_establishment", address)
    key, replay = _key(actor, Establishment, client_key)
    if replay is not None:
        return Added(replay, False)
    _current_address(address)
    fields = {f: values.get(f) or "" for f in editing.UNIT_FIELDS}
    try:
        fields["employee_count"] = int(fields["employee_count"] or 0)
        if fields["employee_count"] < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"employee_count": [_("从业人数应为不小于 0 的整数")]}) from None

    def make():
        unit = services.register_establishment(
            actor=actor, address=address, audited=False, **fields
        )
        _keep_key(Establishment, unit, key)
        _added(actor, "registry.establishment.added", unit, editing._unit_values(unit))
        return unit

    return _made(Establishment, key, make)


# --- employees -------------------------------------------------------------------------


def add_employee(
    *,
    actor,
    unit: Establishment,
    resident: Resident,
    position: str = "",
    since=None,
    client_key: str | None = None,
) -> Added:
    """``resident`` starts working at ``unit`` (both in the actor's area)."""
    services.ensure_can(actor, "registry.change_establishment", unit)
    services.ensure_can(actor, "registry.view_resident", resident)
    key, replay = _key(actor, Employment, client_key)
    if replay is not None:
        return Added(replay, False)
    errors = {}
    try:
        checks.date(since, label=_("入职日期"))
    except ValidationError as error:
        errors["since"] = error.messages
    if unit.closed_on is not None:
        errors["__all__"] = [_("这个单位已于 %(date)s 关闭") % {"date": unit.closed_on}]
    elif Employment.objects.filter(establishment=unit, resident=resident, until=None).exists():
        errors["resident"] = [_("此人已是这个单位的在职人员")]
    if errors:
        raise ValidationError(errors)

    def make():
        job = services.add_employee(
            actor=actor,
            establishment=unit,
            resident=resident,
            position=position,
            since=since,
            audited=False,
        )
        _keep_key(Employment, job, key)
        after = {
            "resident": resident.pk,
            "position": job.position,
            "since": editing._iso(job.since),
        }
        _added(actor, "registry.employment.added", unit, after)
        return job

    return _made(Employment, key, make)


# --- stays (occupancies) ---------------------------------------------------------------


def add_stay(
    *, actor, resident: Resident, house: House, values: dict, client_key: str | None = None
) -> Added:
    """``resident`` moves into ``house`` on ``values["moved_in"]``: their current stay ends
    that day and the record's area follows the new house (``services.move_resident``)."""
    services.ensure_can(actor, "registry.change_resident", resident)
    services.ensure_can(actor, "registry.change_resident", house)
    key, replay = _key(actor, Occupancy, client_key)
    if replay is not None:
        return Added(replay, False)
    cleaned, errors = checks.collect(
        {
            "moved_in": lambda: checks.date(values.get("moved_in"), label=services.MOVED_IN_LABEL),
            "residence_type": lambda: services._choice(
                values.get("residence_type") or resident.residence_type,
                Resident.ResidenceType,
                services.RESIDENCE_TYPE_LABEL,
            ),
        }
    )
    moved_in = cleaned.get("moved_in")
    if "moved_in" not in errors and moved_in is None:
        errors["moved_in"] = [_("请填写迁入日期")]
    last = Occupancy.objects.filter(resident=resident).order_by("-moved_in").first()
    # Stays never overlap: the new one starts no earlier than the last one began or ended.
    since = max((d for d in (last.moved_in, last.moved_out) if d), default=None) if last else None
    if moved_in and since and moved_in < since:
        errors["moved_in"] = [
            _("迁入日期不能早于上一次迁入或迁出日期（%(date)s）") % {"date": since.isoformat()}
        ]
    if house.ended_on is not None:
        errors["house"] = [_("这套房屋已灭失，不能再登记人员")]
    elif resident.house_id == house.pk and resident.moved_out is None:
        errors["house"] = [_("此人已住在这套房屋")]
    if resident.end_reason == "died":
        errors["__all__"] = [_("此人已登记死亡，不能迁入")]
    if errors:
        raise ValidationError(errors)

    def make():
        before = editing.resident_values(resident)
        services.move_resident(
            actor=actor,
            resident=resident,
            house=house,
            on=moved_in,
            residence_type=cleaned["residence_type"],
            audited=False,
        )
        if resident.end_reason:
            resident.end_reason = ""
            resident.save(update_fields=["end_reason"])
        stay = Occupancy.objects.get(resident=resident, house=house, moved_out__isnull=True)
        _keep_key(Occupancy, stay, key)
        editing._audit_fields(
            actor, resident, "registry.occupancy.added", before, editing.resident_values(resident)
        )
        return stay

    return _made(Occupancy, key, make)


def end_stay(*, actor, stay: Occupancy, values: dict, client_key: str | None = None):
    """The stay ends on ``values["on"]`` for ``values["reason"]``. The resident's current
    stay is their record's end (``editing.end_resident``, applied at once); an earlier
    stay left open (an old import) is closed on its own."""
    resident = stay.resident
    services.ensure_can(actor, "registry.change_resident", resident)
    if stay.moved_out is not None:
        raise ValidationError(_("这段居住已于 %(date)s 结束") % {"date": stay.moved_out})
    if resident.house_id == stay.house_id and resident.moved_out is None:
        return editing.end_resident(
            actor=actor, resident=resident, values=values, client_key=client_key
        )
    # An open stay that is not the current one: its own dates are checked against it.
    cleaned = editing._check_end(Resident(moved_in=stay.moved_in), values)
    with transaction.atomic():
        stay.moved_out, stay.end_reason = cleaned["on"], cleaned["reason"]
        stay.save(update_fields=["moved_out", "end_reason"])
        editing._audit_fields(
            actor,
            resident,
            "registry.occupancy.ended",
            {"house": stay.house_id, "moved_out": None, "end_reason": ""},
            {
                "house": stay.house_id,
                **{"moved_out": cleaned["on"].isoformat()},
                "end_reason": cleaned["reason"],
            },
        )
    return stay


def grid_for(actor, code: str) -> Region:
    """The grid with this code in the actor's area, else a field error (a page or the API
    names it by code)."""
    grid = Region.objects.filter(code=str(code or ""), level="grid").first()
    if grid is None or not in_scope(actor, grid):
        raise ValidationError({"grid": [_("没有这个网格，或它不在您的辖区内")]})
    return grid
