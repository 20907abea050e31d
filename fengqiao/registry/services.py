"""Every write to the registry: addresses, houses, residents, units, reveals and merges.

Each service checks the actor's permission and jurisdiction, validates every field at once
(ValidationError keyed by field), writes in one transaction and leaves an audit entry.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao import taxonomy
from fengqiao.audit import services as audit
from fengqiao.identity import ID_TYPES
from fengqiao.org.scope import in_scope
from fengqiao.places.models import Region
from fengqiao.registry import checks, names, sealing
from fengqiao.registry.address_text import AddressParts, canonical_tail
from fengqiao.registry.models import (
    Address,
    Employment,
    Establishment,
    House,
    KeyPerson,
    Occupancy,
    Resident,
)

REVEAL_FIELDS = {"id_number", "phone"}
ID_TYPE_CODES = tuple(code for code, _zh, _en in ID_TYPES)
REVEAL_REASON_MIN = 4
# Labels that appear only in error messages: translated when a message is made, not once
# for every row of a bulk import.
ID_TYPE_LABEL = gettext_lazy("证件类型")
RESIDENCE_TYPE_LABEL = gettext_lazy("人户状态")
MOVED_IN_LABEL = gettext_lazy("迁入日期")


def ensure_can(actor, permission: str, obj=None) -> None:
    """Refuse unless ``actor`` holds ``permission`` and ``obj`` lies in their jurisdiction."""
    if not actor.has_perm(permission) or (obj is not None and not in_scope(actor, obj)):
        raise PermissionDenied(_("没有权限进行此操作"))


# --- addresses and houses --------------------------------------------------------------


class PlaceNames:
    """The region names written before an address's elements, read once per grid."""

    def __init__(self) -> None:
        self._prefix: dict[int, tuple[str, str]] = {}

    def of(self, grid: Region) -> tuple[str, str]:
        """(county+township+community names, community code) for a grid."""
        if grid.pk not in self._prefix:
            ancestors = {
                region.level: region
                for region in grid.ancestors().only("code", "name", "level", "path")
            }
            community = ancestors.get("community") or ancestors.get("township")
            text = "".join(
                ancestors[level].name
                for level in ("county", "township", "community")
                if level in ancestors
            )
            self._prefix[grid.pk] = (text, community.code if community else grid.code)
        return self._prefix[grid.pk]


def address_row(grid: Region, parts: AddressParts, *, names_: PlaceNames, **extra) -> Address:
    """An unsaved Address for ``parts`` in ``grid`` with its derived text and keys."""
    tail = canonical_tail(parts)
    prefix, community_code = names_.of(grid)
    return Address(
        grid=grid,
        kind=Address.Kind.ROOM if parts.room else Address.Kind.DOOR,
        road=parts.road,
        door_number=parts.door_number,
        compound=parts.compound,
        village_group=parts.village_group,
        building_no=parts.building_no,
        unit_no=parts.unit_no,
        floor=parts.floor,
        room=parts.room,
        full_text=f"{prefix}{tail}"[:255],
        tail=tail,
        key=f"{community_code}:{tail}",
        scope_path=grid.path,
        **extra,
    )


def register_address(
    *,
    actor,
    grid: Region,
    parts: AddressParts,
    building=None,
    raw_text: str = "",
    lon: float | None = None,
    lat: float | None = None,
    audited: bool = True,
) -> tuple[Address, bool]:
    """The standard address with these elements in ``grid``'s community, created if new.

    Returns (address, created). The same elements in the same community are one address.
    ``audited=False``: the caller writes the one audit entry of the add itself, in its own
    transaction (``registry.adding``, with every field's value); so in every service here.
    """
    if grid.level != "grid":
        raise ValidationError({"grid": _("地址必须落在一个网格内")})
    ensure_can(actor, "registry.add_address", grid)
    if not canonical_tail(parts):
        raise ValidationError({"address": _("地址缺少街路巷、门牌、小区或楼栋信息")})
    row = address_row(
        grid, parts, names_=PlaceNames(), building=building, raw_text=raw_text, lon=lon, lat=lat
    )
    existing = Address.objects.filter(key=row.key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            row.save()
            if audited:
                audit.record(actor=actor, action="registry.address.created", obj=row)
    except IntegrityError:
        # Registered by someone else at the same moment: theirs is the address.
        return Address.objects.get(key=row.key), False
    return row, True


def verify_address(*, actor, address: Address) -> Address:
    """Mark the address as checked on the ground by ``actor`` now."""
    ensure_can(actor, "registry.change_address", address)
    with transaction.atomic():
        address.verified_by = actor
        address.verified_at = timezone.now()
        address.save(update_fields=["verified_by", "verified_at"])
        audit.record(actor=actor, action="registry.address.verified", obj=address)
    return address


def register_house(
    *,
    actor,
    address: Address,
    label: str = "",
    use: str = House.Use.OWN,
    owner_name: str = "",
    owner_phone: str = "",
    audited: bool = True,
) -> House:
    ensure_can(actor, "registry.add_house", address)
    cleaned, errors = checks.collect(
        {
            "use": lambda: _choice(use, House.Use, _("房屋用途")),
            "owner_phone": lambda: checks.phone(owner_phone),
        }
    )
    taken = _("这个地址已登记了同一标识的房屋")
    if House.objects.filter(address=address, label=label.strip()).exists():
        errors["label"] = [taken]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                house = House(
                    address=address,
                    label=label.strip(),
                    use=cleaned["use"],
                    owner_name=owner_name.strip(),
                    scope_path=address.scope_path,
                )
                house.set_phone(cleaned["owner_phone"])
                house.save()
        except IntegrityError:
            raise ValidationError({"label": [taken]}) from None  # registered meanwhile
        if audited:
            audit.record(actor=actor, action="registry.house.created", obj=house)
    return house


def _choice(value: str, choices, label: str) -> str:
    # ``in`` on the choices class itself: ``.values`` builds a new list at every call.
    if value not in choices:
        raise ValidationError(
            _("%(label)s“%(value)s”不在可选范围内") % {"label": label, "value": value}
        )
    return value


# --- residents -------------------------------------------------------------------------


def check_resident(
    *,
    name: str,
    id_type: str,
    id_number: str,
    phone: str = "",
    residence_type: str = Resident.ResidenceType.REGISTERED,
    moved_in=None,
) -> tuple[dict, dict[str, list[str]]]:
    """The cleaned values of a resident's fields and every field's problems (forms, API,
    import rows and tenant reports all use this)."""
    return checks.collect(
        {
            "name": lambda: checks.person_name(name),
            "id_type": lambda: _choice(id_type or "resident_id", ID_TYPE_CODES, ID_TYPE_LABEL),
            "id_number": lambda: checks.document(id_type, id_number),
            "phone": lambda: checks.phone(phone),
            "residence_type": lambda: _choice(
                residence_type or "registered", Resident.ResidenceType, RESIDENCE_TYPE_LABEL
            ),
            "moved_in": lambda: checks.date(moved_in, label=MOVED_IN_LABEL),
        }
    )


def resident_row(cleaned: dict, *, house: House | None, hukou_place: str = "", note: str = ""):
    """An unsaved Resident from cleaned values, with its search keys and sealed numbers."""
    resident = Resident(
        name=cleaned["name"],
        name_pinyin=names.pinyin_of(cleaned["name"]),
        name_initials=names.initials_of(cleaned["name"]),
        residence_type=cleaned["residence_type"],
        hukou_place=hukou_place.strip()[:120],
        house=house,
        moved_in=cleaned.get("moved_in"),
        note=note.strip()[:200],
        scope_path=house.scope_path if house else "",
    )
    resident.set_document(cleaned["id_type"], cleaned["id_number"])
    resident.set_phone(cleaned.get("phone", ""))
    return resident


def duplicate_of(id_number: str) -> Resident | None:
    """The resident already registered with this document number, in any jurisdiction."""
    if not id_number:
        return None
    return Resident.objects.filter(id_hash=sealing.digest(id_number)).first()


def register_resident(
    *,
    actor,
    house: House,
    name: str,
    id_number: str,
    id_type: str = "resident_id",
    phone: str = "",
    residence_type: str = Resident.ResidenceType.REGISTERED,
    hukou_place: str = "",
    moved_in=None,
    note: str = "",
    audited: bool = True,
) -> Resident:
    """Register a person living in ``house``. A document number already registered is
    refused: two records become one only through ``merge_residents``."""
    ensure_can(actor, "registry.add_resident", house)
    cleaned, errors = check_resident(
        name=name,
        id_type=id_type,
        id_number=id_number,
        phone=phone,
        residence_type=residence_type,
        moved_in=moved_in,
    )
    if "id_number" not in errors and duplicate_of(cleaned["id_number"]) is not None:
        errors["id_number"] = [_("这个证件号码已经登记过，不能重复登记；如是同一人请合并")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        resident = resident_row(cleaned, house=house, hukou_place=hukou_place, note=note)
        resident.save()
        Occupancy.objects.create(
            resident=resident,
            house=house,
            residence_type=resident.residence_type,
            moved_in=resident.moved_in,
        )
        if audited:
            audit.record(actor=actor, action="registry.resident.created", obj=resident)
    return resident


def move_resident(
    *,
    actor,
    resident: Resident,
    house: House | None,
    on: dt.date,
    residence_type: str = "",
    audited: bool = True,
) -> Resident:
    """The resident moves out of their house on ``on`` and, when ``house`` is given, into
    it (keeping the history); the record's jurisdiction follows the new house."""
    ensure_can(actor, "registry.change_resident", resident)
    if house is not None:
        ensure_can(actor, "registry.change_resident", house)
    if residence_type:
        _choice(residence_type, Resident.ResidenceType, RESIDENCE_TYPE_LABEL)
    with transaction.atomic():
        Occupancy.objects.filter(resident=resident, moved_out__isnull=True).update(moved_out=on)
        old = resident.house_id
        resident.house = house
        if house is None:
            resident.moved_out = on
        else:
            resident.moved_in, resident.moved_out = on, None
            resident.scope_path = house.scope_path
            resident.residence_type = residence_type or resident.residence_type
            Occupancy.objects.create(
                resident=resident,
                house=house,
                residence_type=resident.residence_type,
                moved_in=on,
            )
        resident.save()
        if not audited:
            return resident
        audit.record(
            actor=actor,
            action="registry.resident.moved",
            obj=resident,
            changes={"from_house": old, "to_house": house.pk if house else None, "on": str(on)},
        )
    return resident


def reveal(*, actor, record, field: str, reason: str) -> str:
    """The full value of a masked ``field`` ("id_number" or "phone") of a resident, a
    tenant report, or any record that keeps its numbers sealed the same way (a dispute
    party, a report's reporter), for a stated reason. Who, when, which record and field,
    and why go to the audit log before the value is returned."""
    if field not in REVEAL_FIELDS:
        raise ValidationError({"field": _("只能查看证件号码或电话")})
    ensure_can(actor, "registry.reveal_identity", record)
    reason = " ".join((reason or "").split())
    if len(reason) < REVEAL_REASON_MIN:
        raise ValidationError({"reason": _("请写明查看完整信息的理由（至少 4 个字）")})
    value = getattr(record, field)
    audit.record(
        actor=actor,
        action="registry.revealed",
        obj=record,
        changes={"field": field, "reason": reason[:200]},
    )
    return value


def record_read(*, actor, record) -> None:
    """Note that ``actor`` opened a sensitive record (PIPL art. 51 access records)."""
    audit.record(actor=actor, action="registry.viewed", obj=record)


def merge_residents(*, actor, keep: Resident, duplicate: Resident, reason: str) -> Resident:
    """Fold ``duplicate`` into ``keep``: every record that points at the duplicate (in any
    module) points at ``keep`` afterwards, and the duplicate is removed. Explicit only."""
    ensure_can(actor, "registry.merge_resident", keep)
    ensure_can(actor, "registry.merge_resident", duplicate)
    if keep.pk == duplicate.pk:
        raise ValidationError(_("不能把一个人和自己合并"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明合并理由")})
    # One active care record per kind and person: two would collide once they are one.
    under_care = KeyPerson.objects.filter(active=True)
    both = set(under_care.filter(resident=keep).values_list("kind", flat=True)) & set(
        under_care.filter(resident=duplicate).values_list("kind", flat=True)
    )
    if both:
        kinds = "、".join(taxonomy.label("key_population", kind) for kind in sorted(both))
        raise ValidationError(
            _("两条记录都在重点人群“%(kinds)s”中，请先结束其中一条关注记录再合并")
            % {"kinds": kinds}
        )
    with transaction.atomic():
        moved: dict[str, int] = {}
        for relation in Resident._meta.related_objects:
            if relation.many_to_many or not relation.field.concrete:
                continue
            model = relation.related_model
            count = model._base_manager.filter(**{relation.field.name: duplicate}).update(
                **{relation.field.name: keep}
            )
            if count:
                moved[model._meta.label_lower] = count
        for field in ("phone_sealed", "phone_hash", "phone_masked", "phone_last4", "hukou_place"):
            if not getattr(keep, field) and getattr(duplicate, field):
                setattr(keep, field, getattr(duplicate, field))
        keep.save()
        audit.record(
            actor=actor,
            action="registry.resident.merged",
            obj=keep,
            changes={"duplicate": duplicate.pk, "moved": moved, "reason": reason.strip()[:200]},
        )
        duplicate.delete()
    return keep


# --- units -----------------------------------------------------------------------------


def check_establishment(
    *, name: str, kind: str, credit_code: str = "", in_charge_phone: str = "", security_phone=""
) -> tuple[dict, dict[str, list[str]]]:
    return checks.collect(
        {
            "name": lambda: _required(name, _("单位名称"), 100),
            "kind": lambda: _choice(kind, Establishment.Kind, _("单位类型")),
            "credit_code": lambda: checks.credit_code(credit_code),
            "in_charge_phone": lambda: checks.phone(in_charge_phone),
            "security_phone": lambda: checks.phone(security_phone),
        }
    )


def _required(text: str, label: str, limit: int) -> str:
    value = " ".join((text or "").split())
    if not value:
        raise ValidationError(_("请填写%(label)s") % {"label": label})
    if len(value) > limit:
        raise ValidationError(_("%(label)s不能超过 %(max)d 个字") % {"label": label, "max": limit})
    return value


def register_establishment(
    *,
    actor,
    address: Address,
    name: str,
    kind: str,
    credit_code: str = "",
    in_charge_name: str = "",
    in_charge_phone: str = "",
    security_name: str = "",
    security_phone: str = "",
    employee_count: int = 0,
    audited: bool = True,
) -> Establishment:
    ensure_can(actor, "registry.add_establishment", address)
    cleaned, errors = check_establishment(
        name=name,
        kind=kind,
        credit_code=credit_code,
        in_charge_phone=in_charge_phone,
        security_phone=security_phone,
    )
    taken = _("这个统一社会信用代码已经登记过")
    if (
        cleaned.get("credit_code")
        and Establishment.objects.filter(credit_code=cleaned["credit_code"]).exists()
    ):
        errors["credit_code"] = [taken]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                unit = Establishment.objects.create(
                    address=address,
                    in_charge_name=in_charge_name.strip(),
                    security_name=security_name.strip(),
                    employee_count=max(0, int(employee_count or 0)),
                    scope_path=address.scope_path,
                    **cleaned,
                )
        except IntegrityError:
            raise ValidationError({"credit_code": [taken]}) from None  # registered meanwhile
        if audited:
            audit.record(actor=actor, action="registry.establishment.created", obj=unit)
    return unit


def add_employee(
    *,
    actor,
    establishment: Establishment,
    resident: Resident,
    position: str = "",
    since=None,
    audited: bool = True,
) -> Employment:
    ensure_can(actor, "registry.change_establishment", establishment)
    ensure_can(actor, "registry.view_resident", resident)
    with transaction.atomic():
        employment = Employment.objects.create(
            establishment=establishment,
            resident=resident,
            position=position.strip()[:40],
            since=checks.date(since, label=_("入职日期")),
        )
        if not audited:
            return employment
        audit.record(
            actor=actor,
            action="registry.employee.added",
            obj=establishment,
            changes={"resident": resident.pk},
        )
    return employment
