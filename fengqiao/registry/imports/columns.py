"""The columns of each kind of import file: key (the service's field name), header, help
text for the template's guide, and an example value."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from fengqiao.registry.exchange import IMPORT_HEADERS
from fengqiao.registry.imports.report import ImportFileError


@dataclass(frozen=True)
class Column:
    """One column of an import file: its key (the service's field name), its header."""

    key: str
    label: str
    help: str
    example: str = ""
    required: bool = False  # the header must be present
    max_length: int = 0
    text: bool = False  # formatted as text in the template (long digit strings)
    # Other headers the same column goes by in files other systems export.
    aliases: tuple[str, ...] = ()


_ADDRESS_HELP = N_("标准地址，如“甲镇甲村3组12号”；必须是您辖区内已登记的地址")
_REGION = Column(
    "region",
    "村（社区）代码",
    N_("可选：村（社区）或乡镇的编码，或 12 位统计用区划代码；填写后地址只在该区域内查找"),
    text=True,
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "residents": (
        Column("name", "姓名", N_("必填，不超过 50 个字"), "王小明", required=True),
        Column("id_type", "证件类型", N_("可填证件名称或代码，留空为居民身份证"), "居民身份证"),
        Column(
            "id_number",
            "证件号码",
            N_("必填；居民身份证为 18 位，末位校验"),
            "330699198001010030",
            required=True,
            text=True,
        ),
        Column("phone", "手机号码", N_("11 位手机号或带区号的固定电话"), "13800001111", text=True),
        Column("residence_type", "人户状态", N_("户籍、流动或户在人不在，留空为户籍"), "户籍"),
        Column("hukou_place", "户籍地", N_("不超过 120 个字"), "浙江省绍兴市", max_length=120),
        Column("address", "住址", _ADDRESS_HELP, "甲村3组12号", required=True),
        Column(
            "house_label",
            "房屋标识",
            N_("同一地址有多套房屋时填写，如“东屋”；该地址没有这套房屋时自动新建"),
            max_length=20,
        ),
        Column("moved_in", "迁入日期", N_("如 2024-03-01，不能晚于今天"), "2024-03-01"),
        _REGION,
    ),
    "addresses": (
        Column(
            "grid", "网格编码", N_("必填，您辖区内网格的编码"), "330699001001G01", required=True
        ),
        Column(
            "text",
            "地址",
            N_("必填，街路巷门牌或小区楼栋单元室"),
            "人民路8号",
            required=True,
            max_length=255,
        ),
        Column("building", "楼栋编码", N_("可选，该网格内已登记楼栋的编码"), text=True),
        Column("lon", "经度", N_("可选，WGS84 经度，如 120.0051"), "120.0051"),
        Column("lat", "纬度", N_("可选，WGS84 纬度，如 30.0049"), "30.0049"),
        _REGION,
    ),
    "houses": (
        Column("address", "住址", _ADDRESS_HELP, "甲村3组12号", required=True),
        Column(
            "label", "房屋标识", N_("同一地址有多套房屋时填写，如“东屋”"), "东屋", max_length=20
        ),
        Column("use", "用途", N_("自住、出租、空置或经营，留空为自住"), "出租"),
        Column("owner_name", "房主", N_("不超过 50 个字"), "王大明", max_length=50),
        Column(
            "owner_phone", "房主电话", N_("11 位手机号或带区号的固定电话"), "13800002222", text=True
        ),
        _REGION,
    ),
    "units": (
        Column("name", "名称", N_("必填，不超过 100 个字"), "甲村便民超市", required=True),
        Column("kind", "类型", N_("商铺、餐饮、学校、旅馆、工厂等"), "商铺", required=True),
        Column("credit_code", "统一社会信用代码", N_("18 位，末位校验；可留空"), text=True),
        Column("address", "住址", _ADDRESS_HELP, "甲村3组12号", required=True),
        Column("in_charge_name", "负责人", N_("不超过 50 个字"), "李老板", max_length=50),
        Column("in_charge_phone", "负责人电话", N_("手机或固定电话"), "13800003333", text=True),
        Column("security_name", "治安联系人", N_("不超过 50 个字"), max_length=50),
        Column("security_phone", "治安联系人电话", N_("手机或固定电话"), text=True),
        Column("employee_count", "从业人数", N_("0 或正整数"), "3"),
        _REGION,
    ),
}


def _with_exchange_headers(kind: str, columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """The columns, each also known by its header in the provincial exchange layout
    (``registry.exchange``), so an exchange file imports like our own."""
    headers = IMPORT_HEADERS.get(kind, {})
    return tuple(
        replace(
            column,
            aliases=column.aliases
            + tuple(h for h, key in headers.items() if key == column.key and h != column.label),
        )
        for column in columns
    )


COLUMNS = {kind: _with_exchange_headers(kind, columns) for kind, columns in COLUMNS.items()}
KIND_LABELS = {
    "residents": N_("实有人口"),
    "addresses": N_("标准地址"),
    "houses": N_("实有房屋"),
    "units": N_("实有单位"),
}
KINDS = tuple(COLUMNS)


def unknown_kind(kind: str) -> str:
    return _("未知的导入类型“%(kind)s”，可选：%(kinds)s") % {
        "kind": kind,
        "kinds": "、".join(KINDS),
    }


def columns_for(kind: str) -> tuple[Column, ...]:
    if kind not in COLUMNS:
        raise ImportFileError(unknown_kind(kind))
    return COLUMNS[kind]


def example_row(columns: tuple[Column, ...], keys: Iterable[str]) -> dict[str, str]:
    examples = {column.key: column.example for column in columns}
    return {key: examples[key] for key in keys}
