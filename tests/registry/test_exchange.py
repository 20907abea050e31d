"""The provincial exchange files (一标三实): columns and codes, scope, masking and reveals,
and the round trip of an export through the registry import into an emptied area."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import services as disputes
from fengqiao.registry import exchange, services
from fengqiao.registry.address_text import parse
from fengqiao.registry.imports import run_import
from fengqiao.registry.models import Address, Establishment, House, Occupancy, Resident
from tests.registry.conftest import ID_ZHANG, PHONE_ZHANG

pytestmark = pytest.mark.django_db

REASON = "省厅一标三实数据上报"
HOUSE_PHONE = "13700001234"
UNIT_PHONE = "13600005678"


def table(content: bytes, file_format: str = "xlsx") -> list[list]:
    """The rows of an export below its signature line, as text."""
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
        rows = [["" if v is None else str(v) for v in row] for row in sheet.values]
    return rows[1:]


def records(content: bytes, file_format: str = "xlsx") -> list[dict]:
    header, *rows = table(content, file_format)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def full(world, registry):
    """Township A's registry with a house owner's phone and a unit, beside the fixture's."""
    world.township_a.stat_code = "330699001000"
    world.township_a.save()
    world.community_a.stat_code = "330699001201"
    world.community_a.save()
    owner = services.register_house(
        actor=world.county_admin,
        address=registry.address_a,
        label="东屋",
        use="rented",
        owner_name="王大明",
        owner_phone=HOUSE_PHONE,
    )
    unit = services.register_establishment(
        actor=world.county_admin,
        address=registry.address_a,
        name="甲村便民超市",
        kind="shop",
        in_charge_name="李老板",
        in_charge_phone=UNIT_PHONE,
        employee_count=3,
    )
    return owner, unit


# --- columns and codes -------------------------------------------------------------------


def test_each_layout_has_the_provincial_columns():
    addresses = exchange.LAYOUTS["addresses"].headers
    for header in (
        "地址编码",
        "乡镇街道代码",
        "社区居村委会代码",
        "街路巷",
        "地址元素类型代码",
        "经度",
        "纬度",
        "派出所代码",
        "警务网格代码",
        "门楼牌",
        "小区",
        "建筑物",
        "单元房号",
    ):
        assert header in addresses
    residents = exchange.LAYOUTS["residents"].headers
    for header in ("住户类型", "住户状态", "采集时间", "登记时间", "系统来源", "证件号码"):
        assert header in residents
    assert "统一社会信用代码" in exchange.LAYOUTS["units"].headers
    assert "房主联系电话" in exchange.LAYOUTS["houses"].headers


def test_an_address_carries_its_element_type_and_twelve_digit_codes(world, full):
    content = exchange.export_exchange(actor=world.officer_a, kind="addresses")
    (row,) = records(content)
    assert row["乡镇街道代码"] == "330699001000"
    assert row["社区居村委会代码"] == "330699001201"
    assert row["社区居村委会类型"] == "33"  # 甲村 is a village committee
    assert (row["地址元素类型代码"], row["地址元素类型"]) == ("50", "门楼牌")
    assert (row["村民小组"], row["门楼牌"]) == ("3组", "12号")
    assert (row["派出所代码"], row["派出所名称"]) == ("U33069901", "甲镇派出所")
    assert (row["警务网格代码"], row["警务网格名称"]) == ("JA1", "甲村警务区")
    assert row["区县代码"] == "330699" and row["系统来源"] == "FENGQIAO"


def test_a_room_address_is_a_room_element(world, registry):
    (row,) = records(exchange.export_exchange(actor=world.officer_b, kind="addresses"))
    assert row["地址元素类型代码"] == "90"
    assert (row["小区"], row["建筑物"], row["单元房号"]) == ("幸福小区", "1幢", "2单元302室")
    assert row["楼层"] == "3"
    # Without a 12-digit code our own code stands in.
    assert row["社区居村委会代码"] == "330699002001"
    assert row["社区居村委会类型"] == "31"


# --- scope, masking, reveal -------------------------------------------------------------


def test_another_township_sees_none_of_ours(world, full):
    for kind in exchange.layout_kinds():
        rows = records(exchange.export_exchange(actor=world.officer_b, kind=kind))
        assert all(row.get("乡镇街道名称") != "甲镇" for row in rows), kind
        assert "张三" not in repr(rows)


def test_numbers_are_masked_by_default(world, full):
    content = exchange.export_exchange(actor=world.officer_a, kind="residents", file_format="csv")
    (row,) = records(content, "csv")
    assert row["证件号码"] == "330***********0014" and row["联系电话"] == "138****5678"
    text = content.decode("utf-8-sig")
    assert ID_ZHANG not in text and PHONE_ZHANG not in text
    event = AuditEvent.objects.get(action="registry.exchange_exported")
    assert event.changes["revealed"] is False and event.changes["rows"] == 1


def test_revealed_numbers_are_audited_with_the_reason(world, full):
    content = exchange.export_exchange(
        actor=world.officer_a, kind="residents", reveal=True, reason=REASON
    )
    (row,) = records(content)
    assert row["证件号码"] == ID_ZHANG and row["联系电话"] == PHONE_ZHANG
    event = AuditEvent.objects.get(action="registry.exchange_exported")
    assert event.actor == world.officer_a
    assert event.changes == {
        "kind": "residents",
        "format": "xlsx",
        "area": "",
        "rows": 1,
        "revealed": True,
        "reason": REASON,
    }


@pytest.mark.parametrize("reason", ["", "  ", "上报"])
def test_a_reveal_without_a_reason_is_refused(world, full, reason):
    with pytest.raises(ValidationError):
        exchange.export_exchange(
            actor=world.officer_a, kind="residents", reveal=True, reason=reason
        )
    assert not AuditEvent.objects.filter(action="registry.exchange_exported").exists()


def test_who_may_not_export(world, full):
    for user in (world.resident, world.grid_worker_a1):
        with pytest.raises(PermissionDenied):
            exchange.export_exchange(actor=user, kind="residents")
    # An administrator may export but not reveal (no reveal permission).
    with pytest.raises(PermissionDenied):
        exchange.export_exchange(
            actor=world.county_admin, kind="residents", reveal=True, reason=REASON
        )
    assert not AuditEvent.objects.filter(action="registry.exchange_exported").exists()


def test_an_area_narrows_the_export_and_takes_the_twelve_digit_code(world, full):
    rows = records(exchange.export_exchange(actor=world.county_admin, kind="residents"))
    assert {row["姓名"] for row in rows} == {"张三", "李四"}
    by_stat = exchange.export_exchange(
        actor=world.county_admin, kind="residents", area_code="330699001201"
    )
    assert [row["姓名"] for row in records(by_stat)] == ["张三"]
    with pytest.raises(ValidationError):
        exchange.export_exchange(actor=world.officer_b, kind="residents", area_code="330699001201")


def test_a_gbk_csv(world, full):
    content = exchange.export_exchange(
        actor=world.officer_a, kind="units", file_format="csv", encoding="gbk"
    )
    assert "甲村便民超市" in content.decode("gb18030")


# --- round trip --------------------------------------------------------------------------


def snapshot() -> dict[str, list]:
    return {
        "addresses": sorted(
            Address.objects.values_list(
                "grid__code", "building__code", "full_text", "kind", "lon", "lat", *Address.ELEMENTS
            )
        ),
        "houses": sorted(
            House.objects.values_list(
                "address__full_text", "label", "use", "owner_name", "phone_hash"
            )
        ),
        "residents": sorted(
            Resident.objects.values_list(
                "name",
                "id_type",
                "id_hash",
                "phone_hash",
                "residence_type",
                "hukou_place",
                "house__address__full_text",
                "house__label",
                "moved_in",
                "birth_date",
                "sex",
            )
        ),
        "units": sorted(
            Establishment.objects.values_list(
                "name",
                "kind",
                "credit_code",
                "address__full_text",
                "in_charge_name",
                "in_charge_phone",
                "security_name",
                "security_phone",
                "employee_count",
            )
        ),
    }


def empty_registry() -> None:
    Occupancy.objects.all().delete()
    Resident.objects.all().delete()
    Establishment.objects.all().delete()
    House.objects.all().delete()
    Address.objects.all().delete()


ORDER = ("addresses", "houses", "residents", "units")


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_an_export_imports_into_an_empty_area_as_the_same_records(world, full, file_format):
    actor = world.officer_a
    before = snapshot()
    files = {
        kind: exchange.export_exchange(
            actor=actor, kind=kind, file_format=file_format, reveal=True, reason=REASON
        )
        for kind in ORDER
    }
    # Township B's records stay; township A's are gone, as in a county starting afresh.
    empty_registry()
    assert snapshot() != before
    for kind in ORDER:
        report = run_import(
            actor=actor,
            kind=kind,
            file_obj=io.BytesIO(files[kind]),
            filename=f"{kind}.{file_format}",
            commit=True,
        )
        assert report.ok and report.committed, (kind, report.lines())
    mine = {kind: [row for row in rows if "乙镇" not in repr(row)] for kind, rows in before.items()}
    assert snapshot() == mine

    # The same files again change nothing.
    again = snapshot()
    for kind in ORDER:
        run_import(
            actor=actor,
            kind=kind,
            file_obj=io.BytesIO(files[kind]),
            filename=f"{kind}.{file_format}",
            commit=True,
        )
    assert snapshot() == again


def test_masked_numbers_are_refused_on_import(world, full):
    content = exchange.export_exchange(actor=world.officer_a, kind="residents")
    Occupancy.objects.all().delete()
    Resident.objects.all().delete()
    report = run_import(
        actor=world.officer_a,
        kind="residents",
        file_obj=io.BytesIO(content),
        filename="residents.xlsx",
        commit=True,
    )
    assert not report.committed
    assert [(e.field, e.message) for e in report.errors] == [
        ("证件号码", "号码已脱敏，无法导入"),
        ("手机号码", "号码已脱敏，无法导入"),
    ]
    assert not Resident.objects.exists()


# --- queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["addresses", "houses", "residents", "units", "disputes"])
def test_an_export_costs_the_same_queries_for_more_rows(world, full, kind):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            exchange.export_exchange(actor=world.county_admin, kind=kind)
        return len(queries)

    _open_case(world)
    few = count()
    address = services.register_address(
        actor=world.county_admin, grid=world.grid_a2, parts=parse("5组8号")
    )[0]
    house = services.register_house(actor=world.county_admin, address=address, label="西屋")
    services.register_resident(
        actor=world.county_admin, house=house, name="赵六", id_number="330699198001010030"
    )
    services.register_establishment(
        actor=world.county_admin, address=address, name="甲村茶馆", kind="restaurant"
    )
    _open_case(world)
    _open_case(world)
    assert count() == few


def _open_case(world):
    return disputes.open_case(
        actor=world.officer_a,
        title="噪音纠纷",
        narrative="楼上装修噪音",
        category="neighbourhood",
        risk="blue",
        channel="walk_in",
        grid=world.grid_a1,
        parties=[{"role": "applicant", "name": "张三", "phone": "13800001111"}],
    )


def test_a_formula_like_name_is_text_in_a_csv_and_reads_back_unchanged(world, full):
    from fengqiao.registry.imports.reading import read_rows

    formula = '=HYPERLINK("http://x","y")'
    services.register_establishment(
        actor=world.county_admin, address=full[1].address, name=formula, kind="shop"
    )
    content = exchange.export_exchange(actor=world.officer_a, kind="units", file_format="csv")
    assert f"'{formula}" in [row["单位名称"] for row in records(content, "csv")]
    rows = list(read_rows("units", io.BytesIO(content), "units.csv"))
    assert formula in [row["name"] for row in rows]
