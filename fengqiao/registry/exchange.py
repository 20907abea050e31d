"""Standard exchange files (一标三实): addresses with their GA/T 2000.32 elements and codes,
residents, houses and units in the provincial upload layout, as .xlsx or CSV.

Each layout is data: (Chinese header, the registry import's field it reads back into or
"", formatter). The registry import recognises these headers beside its own
(``IMPORT_HEADERS``), so a file exported here imports into an empty county as the same
records. Exports are scoped to the actor, written through ``exports.write_table`` (signed
with who and when) and audited once; ID and phone numbers are masked unless the exporter
reveals them with a reason, which the audit entry keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from fengqiao.audit import services as audit
from fengqiao.org.models import Beat, Unit
from fengqiao.org.scope import scope_to
from fengqiao.places.models import PATH_SEPARATOR, Region, subtree_q
from fengqiao.privacy import mask_phone
from fengqiao.registry import exports
from fengqiao.registry.models import Address, Establishment, House, Resident
from fengqiao.registry.services import REVEAL_REASON_MIN

SYSTEM_SOURCE = "FENGQIAO"
# Who may take an exchange file: the police, chiefs, administrators and analysts, who read
# the whole registry of their area (key populations included). Ground roles (grid
# workers, volunteers, building heads) see parts of it and lack this permission.
EXCHANGE_PERMISSION = "registry.view_keyperson"

# GA/T 2000.32-2014 address element type codes. 11-13, 21-23, 31-34, 41-42 are from the
# standard's excerpt (domain-notes §4.3); the building-level codes below them were not in
# the excerpt and are ASSUMED (50 门楼牌, 60 楼栋, 70 单元, 80 楼层, 90 户室) until checked
# against the standard's text.
ELEMENT_TYPES = {
    "province": ("11", N_("省")),
    "city": ("12", N_("市")),
    "county": ("13", N_("县（区）")),
    "town": ("22", N_("建制镇")),
    "street": ("23", N_("街道办事处")),
    "community": ("31", N_("社区")),
    "village": ("33", N_("村委会")),
    "group": ("34", N_("组")),
    "road": ("41", N_("街路巷")),
    "compound": ("42", N_("小区")),
    "door": ("50", N_("门楼牌")),
    "building": ("60", N_("楼栋")),
    "unit": ("70", N_("单元")),
    "floor": ("80", N_("楼层")),
    "room": ("90", N_("户室")),
}


def finest_element(address: Address) -> str:
    """The element an address names last (its 地址元素类型)."""
    for name, key in (
        ("room", address.room),
        ("floor", address.floor),
        ("unit", address.unit_no),
        ("building", address.building_no),
        ("door", address.door_number),
        ("compound", address.compound),
        ("group", address.village_group),
        ("road", address.road),
    ):
        if key:
            return name
    return "community"


@dataclass
class Places:
    """The regions and police around each grid of an export, read once per export."""

    regions: dict[str, Region] = field(default_factory=dict)  # by code
    stations: dict[str, Unit] = field(default_factory=dict)  # by jurisdiction region code
    beats: dict[str, Beat] = field(default_factory=dict)  # by covered region code

    @classmethod
    def load(cls) -> Places:
        places = cls()
        regions = Region.objects.exclude(level="grid").defer("boundary")
        places.regions = {region.code: region for region in regions}
        # Codes and names only: a jurisdiction's or area's boundary is a large polygon.
        stations = (
            Unit.objects.filter(kind=Unit.Kind.STATION)
            .select_related("jurisdiction")
            .only("code", "name", "jurisdiction__code")
        )
        places.stations = {unit.jurisdiction.code: unit for unit in stations}
        beats = {beat.pk: beat for beat in Beat.objects.only("code", "name")}
        covered = Beat.areas.through.objects.order_by("beat__code").values_list(
            "beat_id", "region__code"
        )
        for beat_id, code in covered:
            places.beats.setdefault(code, beats[beat_id])
        return places

    def chain(self, path: str) -> list[str]:
        """The codes from the grid up to the root (nearest first)."""
        return [code for code in path.split(PATH_SEPARATOR) if code][::-1]

    def at(self, path: str, level: str) -> Region | None:
        for code in self.chain(path):
            region = self.regions.get(code)
            if region is not None and region.level == level:
                return region
        return None

    def nearest(self, path: str, table: dict):
        for code in self.chain(path):
            if code in table:
                return table[code]
        return None


@dataclass
class Context:
    places: Places
    reveal: bool


def region_code(region: Region | None) -> str:
    return (region.stat_code or region.code) if region else ""


def _name(region: Region | None) -> str:
    return region.name if region else ""


def _element(address: Address) -> tuple[str, str]:
    code, label = ELEMENT_TYPES[finest_element(address)]
    return code, _(label)


def _community_type(region: Region | None) -> str:
    if region is None:
        return ""
    return ELEMENT_TYPES["community" if region.urban else "village"][0]


def _time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _date(value) -> str:
    return value.isoformat() if value else ""


def national(phone: str) -> str:
    """A stored E.164 number as written in a file: mainland numbers without +86."""
    return phone[3:] if phone.startswith("+86") else phone


def _id_number(record, ctx: Context) -> str:
    return record.id_number if ctx.reveal else record.id_masked


def _phone(record, ctx: Context) -> str:
    return national(record.phone) if ctx.reveal else record.phone_masked


def _unit_phone(value: str, ctx: Context) -> str:
    # A unit's contact phones are office numbers kept unsealed; masked all the same.
    return national(value) if ctx.reveal else mask_phone(value)


Formatter = Callable[[object, Context], object]


def _address_columns(get: Callable) -> tuple[tuple[str, str, Formatter], ...]:
    """The address and place columns every layout carries, for the address ``get(r)``."""

    def place(level: str, pick: Callable) -> Formatter:
        return lambda r, ctx: pick(ctx.places.at(get(r).scope_path, level))

    def police(table: str, pick: Callable) -> Formatter:
        return lambda r, ctx: pick(
            ctx.places.nearest(get(r).scope_path, getattr(ctx.places, table))
        )

    return (
        ("地址编码", "", lambda r, ctx: str(get(r).pk)),
        ("区县代码", "", place("county", region_code)),
        ("区县名称", "", place("county", _name)),
        ("乡镇街道代码", "", place("township", region_code)),
        ("乡镇街道名称", "", place("township", _name)),
        ("社区居村委会代码", "region", place("community", region_code)),
        ("社区居村委会名称", "", place("community", _name)),
        ("社区居村委会类型", "", place("community", _community_type)),
        ("网格编码", "grid", lambda r, ctx: get(r).grid.code),
        ("派出所代码", "", police("stations", lambda u: u.code if u else "")),
        ("派出所名称", "", police("stations", lambda u: u.name if u else "")),
        ("警务网格代码", "", police("beats", lambda b: b.code if b else "")),
        ("警务网格名称", "", police("beats", lambda b: b.name if b else "")),
    )


Columns = tuple[tuple[str, str, Formatter], ...]


@dataclass(frozen=True)
class ChildTable:
    """A second table of an exchange file: rows per record (a dispute's people)."""

    title: str
    items: Callable[[object], Iterable]
    columns: Columns

    @property
    def headers(self) -> list[str]:
        return [header for header, _key, _value in self.columns]


@dataclass(frozen=True)
class Layout:
    """One exchange file: its title, what it needs, its rows and its columns (each a
    header, the registry import's field it reads back into or "", and a formatter)."""

    title: str
    permission: str
    rows: Callable[[object], QuerySet]
    related: tuple[str, ...]
    columns: Columns
    import_kind: str = ""
    children: tuple[ChildTable, ...] = ()

    @property
    def headers(self) -> list[str]:
        return [header for header, _key, _value in self.columns]


LAYOUTS: dict[str, Layout] = {
    "addresses": Layout(
        N_("标准地址"),
        "registry.view_address",
        lambda actor: scope_to(actor, Address.objects.order_by("scope_path", "pk")),
        ("grid", "building"),
        (
            *_address_columns(lambda a: a),
            ("地址元素类型代码", "", lambda a, ctx: _element(a)[0]),
            ("地址元素类型", "", lambda a, ctx: _element(a)[1]),
            ("街路巷", "", lambda a, ctx: a.road),
            ("门楼牌", "", lambda a, ctx: f"{a.door_number}号" if a.door_number else ""),
            ("村民小组", "", lambda a, ctx: f"{a.village_group}组" if a.village_group else ""),
            ("小区", "", lambda a, ctx: a.compound),
            ("建筑物", "", lambda a, ctx: f"{a.building_no}幢" if a.building_no else ""),
            (
                "单元房号",
                "",
                lambda a, ctx: (
                    (f"{a.unit_no}单元" if a.unit_no else "") + (f"{a.room}室" if a.room else "")
                ),
            ),
            ("楼层", "", lambda a, ctx: a.floor),
            ("标准地址", "text", lambda a, ctx: a.full_text),
            ("建筑物编码", "building", lambda a, ctx: a.building.code if a.building else ""),
            ("经度", "lon", lambda a, ctx: a.lon if a.lon is not None else ""),
            ("纬度", "lat", lambda a, ctx: a.lat if a.lat is not None else ""),
            ("坐标系", "", lambda a, ctx: "WGS-84" if a.lon is not None else ""),
            ("核实时间", "", lambda a, ctx: _time(a.verified_at)),
            ("系统来源", "", lambda a, ctx: SYSTEM_SOURCE),
        ),
        "addresses",
    ),
    "houses": Layout(
        N_("实有房屋"),
        "registry.view_house",
        lambda actor: scope_to(actor, House.objects.order_by("scope_path", "pk")),
        ("address", "address__grid"),
        (
            *_address_columns(lambda h: h.address),
            ("标准地址", "address", lambda h, ctx: h.address.full_text),
            ("房屋标识", "label", lambda h, ctx: h.label),
            ("房屋用途", "use", lambda h, ctx: h.get_use_display()),
            ("房主姓名", "owner_name", lambda h, ctx: h.owner_name),
            ("房主联系电话", "owner_phone", _phone),
            ("更新时间", "", lambda h, ctx: _time(h.updated_at)),
            ("系统来源", "", lambda h, ctx: SYSTEM_SOURCE),
        ),
        "houses",
    ),
    "residents": Layout(
        N_("实有人口"),
        "registry.view_resident",
        # Those living in the area: someone who moved away has no address to file here.
        lambda actor: scope_to(
            actor, Resident.objects.filter(house__isnull=False).order_by("scope_path", "pk")
        ),
        ("house__address", "house__address__grid"),
        (
            ("姓名", "name", lambda r, ctx: r.name),
            ("证件类型", "id_type", lambda r, ctx: r.get_id_type_display()),
            ("证件号码", "id_number", _id_number),
            ("性别", "", lambda r, ctx: r.get_sex_display()),
            ("出生日期", "", lambda r, ctx: _date(r.birth_date)),
            ("联系电话", "phone", _phone),
            ("户籍地", "hukou_place", lambda r, ctx: r.hukou_place),
            (
                "住户类型",
                "",
                lambda r, ctx: _("流动人口") if r.residence_type == "floating" else _("户籍人口"),
            ),
            ("住户状态", "residence_type", lambda r, ctx: r.get_residence_type_display()),
            *_address_columns(lambda r: r.house.address),
            ("标准地址", "address", lambda r, ctx: r.house.address.full_text),
            ("房屋标识", "house_label", lambda r, ctx: r.house.label),
            ("迁入日期", "moved_in", lambda r, ctx: _date(r.moved_in)),
            ("采集时间", "", lambda r, ctx: _time(r.updated_at)),
            ("登记时间", "", lambda r, ctx: _time(r.created_at)),
            ("系统来源", "", lambda r, ctx: SYSTEM_SOURCE),
        ),
        "residents",
    ),
    "units": Layout(
        N_("实有单位"),
        "registry.view_establishment",
        lambda actor: scope_to(actor, Establishment.objects.order_by("scope_path", "pk")),
        ("address", "address__grid"),
        (
            ("单位名称", "name", lambda u, ctx: u.name),
            ("单位类型", "kind", lambda u, ctx: u.get_kind_display()),
            ("统一社会信用代码", "credit_code", lambda u, ctx: u.credit_code),
            *_address_columns(lambda u: u.address),
            ("标准地址", "address", lambda u, ctx: u.address.full_text),
            ("负责人", "in_charge_name", lambda u, ctx: u.in_charge_name),
            ("负责人电话", "in_charge_phone", lambda u, ctx: _unit_phone(u.in_charge_phone, ctx)),
            ("治安联系人", "security_name", lambda u, ctx: u.security_name),
            (
                "治安联系人电话",
                "security_phone",
                lambda u, ctx: _unit_phone(u.security_phone, ctx),
            ),
            ("从业人数", "employee_count", lambda u, ctx: u.employee_count),
            ("系统来源", "", lambda u, ctx: SYSTEM_SOURCE),
        ),
        "units",
    ),
}


def register(kind: str, layout: Layout) -> None:
    """Add a layout from a module above the registry (disputes' GB/T 31000 records), so
    the page and the command offer it; called from that app's ``ready()``."""
    LAYOUTS[kind] = layout


def layout_kinds() -> tuple[str, ...]:
    return tuple(LAYOUTS)


def may_export(actor, kind: str) -> bool:
    layout = LAYOUTS.get(kind)
    return (
        layout is not None
        and actor.has_perm(layout.permission)
        and actor.has_perm(EXCHANGE_PERMISSION)
    )


def kinds_for(actor) -> list[tuple[str, str]]:
    """(kind, title) of the exchange files the actor may export."""
    return [(kind, _(layout.title)) for kind, layout in LAYOUTS.items() if may_export(actor, kind)]


# Exchange header → the import's field, per import kind (what ``imports.reading`` reads).
IMPORT_HEADERS: dict[str, dict[str, str]] = {
    layout.import_kind: {header: key for header, key, _value in layout.columns if key}
    for layout in LAYOUTS.values()
    if layout.import_kind
}


def check_reveal(*, actor, reveal: bool, reason: str) -> str:
    """The reason, squeezed, when the actor may reveal full numbers for it; "" when not
    revealing. Raises ``PermissionDenied`` without the reveal permission and
    ``ValidationError`` without a reason of at least four characters."""
    if not reveal:
        return ""
    if not actor.has_perm("registry.reveal_identity"):
        raise PermissionDenied(_("没有导出完整证件号码和电话的权限"))
    reason = " ".join((reason or "").split())
    if len(reason) < REVEAL_REASON_MIN:
        raise ValidationError({"reason": _("导出完整号码须写明理由（至少 4 个字）")})
    return reason[:200]


def area_for(actor, code: str) -> Region | None:
    """The region named by our code or its 12-digit statistical code, inside the actor's
    jurisdiction; None when ``code`` is empty. Raises ``ValidationError`` when it is not
    a region the actor may see."""
    code = (code or "").strip()
    if not code:
        return None
    regions = Region.objects.filter(Q(code=code) | Q(stat_code=code))
    found = scope_to(actor, regions).defer("boundary").first()
    if found is None:
        raise ValidationError({"area": _("区域 %(code)s 不存在或不在您的辖区内") % {"code": code}})
    return found


def export_exchange(
    *,
    actor,
    kind: str,
    file_format: str = "xlsx",
    area_code: str = "",
    reveal: bool = False,
    reason: str = "",
    encoding: str = "utf-8",
) -> bytes:
    """The exchange file of ``kind`` for the actor's jurisdiction (within ``area_code``,
    our code or the 12-digit code, when given), as .xlsx or CSV (UTF-8 with BOM, or GBK).

    Numbers are masked unless ``reveal`` with a ``reason`` by someone who may reveal them.
    Writes one audit entry ``registry.exchange_exported`` with the kind, format, area,
    count, and whether numbers were revealed and why. Raises ``PermissionDenied`` for
    someone who may not export this kind, ``ValidationError`` for a bad kind, format,
    encoding, area or reason."""
    layout = LAYOUTS.get(kind)
    if layout is None:
        raise ValidationError({"kind": _("未知的交换文件类型“%(kind)s”") % {"kind": kind}})
    if file_format not in exports.FORMATS:
        raise ValidationError({"format": _("格式只能是 xlsx 或 csv")})
    if encoding not in exports.CSV_ENCODINGS:
        raise ValidationError({"encoding": _("编码只能是 utf-8 或 gbk")})
    if not may_export(actor, kind):
        raise PermissionDenied(_("没有导出交换文件的权限"))
    reason = check_reveal(actor=actor, reveal=reveal, reason=reason)
    area = area_for(actor, area_code)
    records = layout.rows(actor).select_related(*layout.related)
    if area is not None:
        records = records.filter(subtree_q(area.path, "scope_path"))
    ctx = Context(places=Places.load(), reveal=bool(reason))
    counter = exports.Counter()
    children: list[list[list]] = [[] for _child in layout.children]
    content = exports.write_tables(
        signed_by=exports.exporter_name(actor),
        tables=[
            (
                _(layout.title),
                layout.headers,
                counter.count(
                    _rows(layout, records.iterator(chunk_size=exports.CHUNK), ctx, children)
                ),
            ),
            *(
                (_(child.title), child.headers, rows)
                for child, rows in zip(layout.children, children, strict=True)
            ),
        ],
        file_format=file_format,
        encoding=encoding,
    )
    audit.record(
        actor=actor,
        action="registry.exchange_exported",
        changes={
            "kind": kind,
            "format": file_format,
            "area": area.code if area else "",
            "rows": counter.rows,
            "revealed": bool(reason),
            "reason": reason,
        },
    )
    return content


def _rows(layout: Layout, records: Iterable, ctx: Context, children: list[list[list]]):
    """The main table's rows; each record's child rows are gathered on the way."""
    for record in records:
        yield [value(record, ctx) for _header, _key, value in layout.columns]
        for child, rows in zip(layout.children, children, strict=True):
            rows.extend(
                [value(item, ctx) for _header, _key, value in child.columns]
                for item in child.items(record)
            )


def filename(kind: str, file_format: str) -> str:
    """exchange-KIND-YYYYMMDDHHMM.xlsx, .csv, or .zip for CSVs of a layout with children."""
    stamp = timezone.localtime(timezone.now()).strftime("%Y%m%d%H%M")
    zipped = file_format == "csv" and kind in LAYOUTS and LAYOUTS[kind].children
    return f"exchange-{kind}-{stamp}.{'zip' if zipped else file_format}"
