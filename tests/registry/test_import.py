"""Bulk import through the service and the command: check everything, write all or nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from fengqiao.audit.models import AuditEvent
from fengqiao.identity import check_character
from fengqiao.registry import checks, imports
from fengqiao.registry.models import Address, Establishment, House, Occupancy, Resident
from tests.registry.conftest import ID_ZHANG

pytestmark = pytest.mark.django_db

ADDRESS_A = "甲村3组12号"  # registry.address_a, grid A1
ADDRESS_B = "乙社区人民路8号幸福小区1幢2单元302室"  # registry.address_b, township B


def id_number(seq: int, born: str = "19900101") -> str:
    first17 = f"330699{born}{seq:03d}"
    return first17 + check_character(first17)


def labels(kind: str) -> list[str]:
    return [column.label for column in imports.COLUMNS[kind]]


def xlsx(kind: str, rows: list[dict]) -> io.BytesIO:
    """An in-memory workbook with the kind's header and ``rows`` keyed by header."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(labels(kind))
    for row in rows:
        sheet.append([row.get(label, "") for label in labels(kind)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def csv_file(kind: str, rows: list[dict], encoding: str = "utf-8-sig") -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(labels(kind))
    for row in rows:
        writer.writerow([row.get(label, "") for label in labels(kind)])
    return io.BytesIO(text.getvalue().encode(encoding))


def person(seq: int, **extra) -> dict:
    return {
        "姓名": f"王{'一二三四五六七八九'[seq % 9]}",
        "证件号码": id_number(seq),
        "手机号码": f"139{seq:08d}",
        "人户状态": "流动",
        "住址": ADDRESS_A,
        **extra,
    }


def run(actor, kind, rows, *, commit=True, filename="名单.xlsx", **kwargs):
    maker = csv_file if filename.endswith(".csv") else xlsx
    return imports.run_import(
        actor=actor,
        kind=kind,
        file_obj=maker(kind, rows, **kwargs),
        filename=filename,
        commit=commit,
    )


def test_a_good_resident_file_imports_residents_occupancies_and_one_audit_entry(world, registry):
    before = Resident.objects.count()
    report = run(world.officer_a, "residents", [person(1), person(2, 房屋标识="东屋")])
    assert report.ok and report.committed
    assert report.created == {"residents": 2, "houses": 1}
    assert Resident.objects.count() == before + 2
    first = Resident.objects.get(id_hash=_hash(1))
    assert first.house == registry.house_a and first.residence_type == "floating"
    assert first.id_number == id_number(1) and first.phone == "+8613900000001"
    assert first.name_pinyin and first.scope_path == world.grid_a1.path
    east = House.objects.get(address=registry.address_a, label="东屋")
    assert east.scope_path == world.grid_a1.path
    assert Occupancy.objects.filter(resident__house=east).count() == 1
    event = AuditEvent.objects.get(action="registry.import")
    assert event.actor == world.officer_a
    assert event.changes["created"] == {"residents": 2, "houses": 1}
    assert event.changes["filename"] == "名单.xlsx"


def _hash(seq: int) -> str:
    from fengqiao.registry import sealing

    return sealing.digest(id_number(seq))


def test_a_dry_run_checks_and_writes_nothing(world, registry):
    before = Resident.objects.count()
    report = run(world.officer_a, "residents", [person(1)], commit=False)
    assert report.ok and not report.committed and report.counts == {"residents": 1, "houses": 0}
    assert Resident.objects.count() == before
    assert not AuditEvent.objects.filter(action="registry.import").exists()


def test_every_bad_row_and_field_is_listed_and_nothing_is_written(world, registry):
    bad_check = id_number(3)[:-1] + ("0" if id_number(3)[-1] != "0" else "1")
    rows = [
        person(1),  # row 2: fine
        person(2, 证件号码=bad_check),  # row 3
        person(4, 住址="甲村9组99号"),  # row 4: no such address
        person(5, 证件号码=id_number(1)),  # row 5: same person as row 2
        person(6, 证件号码=ID_ZHANG),  # row 6: registered already
        person(7, 手机号码="12345678"),  # row 7
        person(8, 人户状态="暂住", 迁入日期="2099-01-01"),  # row 8: two fields
    ]
    residents, houses = Resident.objects.count(), House.objects.count()
    report = run(world.officer_a, "residents", rows, commit=True)
    assert not report.ok and not report.committed
    found = {(error.row, error.field) for error in report.errors}
    assert found == {
        (3, "证件号码"),
        (4, "住址"),
        (5, "证件号码"),
        (6, "证件号码"),
        (7, "手机号码"),
        (8, "人户状态"),
        (8, "迁入日期"),
    }
    messages = {error.row: error.message for error in report.errors}
    assert "校验位" in messages[3]
    assert "甲村9组99号" in messages[4]
    assert "第 2 行" in messages[5]
    assert "合并" in messages[6]
    assert report.error_count == 7
    assert (Resident.objects.count(), House.objects.count()) == (residents, houses)
    assert not AuditEvent.objects.filter(action="registry.import").exists()


def test_a_near_address_is_refused_with_the_closest_one_as_a_hint(world, registry):
    report = run(world.officer_a, "residents", [person(1, 住址="甲村3组12号号")], commit=False)
    assert not report.ok
    [error] = report.errors
    assert error.field == "住址"


def test_an_address_outside_the_jurisdiction_reads_like_an_unknown_one(world, registry):
    outside = run(world.officer_a, "residents", [person(1, 住址=ADDRESS_B)])
    unknown = run(world.officer_a, "residents", [person(1, 住址="乙社区人民路9号")])
    assert [e.field for e in outside.errors] == ["住址"] == [e.field for e in unknown.errors]
    assert "最接近" not in outside.errors[0].message
    assert "不是您辖区内已登记的标准地址" in outside.errors[0].message
    assert not Resident.objects.filter(id_hash=_hash(1)).exists()
    # The county administrator's jurisdiction covers it.
    assert run(world.county_admin, "residents", [person(1, 住址=ADDRESS_B)]).ok


def test_an_actor_without_the_add_permission_is_refused(world, registry):
    with pytest.raises(PermissionDenied):
        run(world.grid_worker_a1, "residents", [person(1)])
    assert not Resident.objects.filter(id_hash=_hash(1)).exists()


def test_csv_in_utf8_and_in_gbk_both_import(world, registry):
    assert run(world.officer_a, "residents", [person(1)], filename="a.csv").ok
    report = run(world.officer_a, "residents", [person(2)], filename="b.csv", encoding="gbk")
    assert report.ok and report.created["residents"] == 1
    assert Resident.objects.get(id_hash=_hash(2)).name == person(2)["姓名"]


def test_a_file_without_a_required_column_is_refused_at_row_zero(world, registry):
    workbook = Workbook()
    workbook.active.append(["姓名", "手机号码"])
    workbook.active.append(["王五", "13900000001"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    report = imports.run_import(
        actor=world.officer_a, kind="residents", file_obj=buffer, filename="x.xlsx", commit=True
    )
    assert not report.ok
    assert report.errors[0].row == 0 and "证件号码" in report.errors[0].message


def test_a_file_that_is_not_a_workbook_is_reported(world, registry):
    report = imports.run_import(
        actor=world.officer_a,
        kind="residents",
        file_obj=io.BytesIO(b"not a zip"),
        filename="x.xlsx",
        commit=False,
    )
    assert not report.ok and ".xlsx" in report.errors[0].message


def test_the_template_round_trips(world, registry):
    workbook = load_workbook(io.BytesIO(imports.template_workbook("residents")))
    assert workbook.sheetnames[1] == "填写说明"
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == labels("residents")
    row = person(11, 迁入日期="2024-03-01")
    sheet.append([row.get(label, "") for label in labels("residents")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    report = imports.run_import(
        actor=world.officer_a, kind="residents", file_obj=buffer, filename="t.xlsx", commit=True
    )
    assert report.ok and report.rows == 1  # the example row left unchanged is skipped
    assert Resident.objects.get(id_hash=_hash(11)).moved_in.isoformat() == "2024-03-01"


@pytest.mark.parametrize("kind", imports.KINDS)
def test_every_kind_has_a_template_with_a_guide(kind):
    workbook = load_workbook(io.BytesIO(imports.template_workbook(kind)))
    guide = workbook["填写说明"]
    assert [
        row[0]
        for row in guide.iter_rows(min_row=2, max_row=len(labels(kind)) + 1, values_only=True)
    ] == labels(kind)


def test_the_error_list_is_capped_but_counted(world, registry, monkeypatch):
    monkeypatch.setattr(imports.report, "MAX_ERRORS", 3)
    rows = [person(n, 手机号码="123") for n in range(1, 11)]
    report = run(world.officer_a, "residents", rows, commit=False)
    assert report.error_count == 10
    assert [error.row for error in report.errors] == [2, 3, 4]


def test_progress_is_reported(world, registry, monkeypatch):
    monkeypatch.setattr(imports.importer, "PROGRESS_EVERY", 2)
    seen = []
    imports.run_import(
        actor=world.officer_a,
        kind="residents",
        file_obj=xlsx("residents", [person(n) for n in range(1, 6)]),
        filename="p.xlsx",
        commit=True,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert (2, 5) in seen and (5, 5) in seen


def test_addresses_import_and_existing_ones_are_skipped(world, registry):
    rows = [
        {"网格编码": world.grid_a1.code, "地址": "甲村3组12号"},  # exists
        {"网格编码": world.grid_a1.code, "地址": "人民路20号", "经度": "120.001", "纬度": "30.002"},
        {"网格编码": world.grid_a2.code, "地址": "甲村4组1号", "楼栋编码": ""},
    ]
    report = run(world.officer_a, "addresses", rows)
    assert report.ok and report.created == {"addresses": 2} and report.skipped == 1
    road = Address.objects.get(tail="人民路20号")
    assert road.full_text == "测试区甲镇甲村人民路20号" and road.lon == 120.001
    assert road.scope_path == world.grid_a1.path


def test_address_rows_outside_the_jurisdiction_or_inconsistent_are_refused(world, registry):
    rows = [
        {"网格编码": world.grid_b1.code, "地址": "人民路30号"},
        {"网格编码": "NOPE", "地址": "人民路31号"},
        {"网格编码": world.grid_a1.code, "地址": "人民路32号", "楼栋编码": "B-B1"},
        {"网格编码": world.grid_a1.code, "地址": "人民路33号", "经度": "200", "纬度": "30"},
        {"网格编码": world.grid_a1.code, "地址": "人民路33号"},
    ]
    before = Address.objects.count()
    report = run(world.officer_a, "addresses", rows)
    found = [(error.row, error.field) for error in report.errors]
    assert found == [(2, "网格编码"), (3, "网格编码"), (4, "楼栋编码"), (5, "经度"), (6, "地址")]
    assert report.errors[0].message.replace(world.grid_b1.code, "X") == report.errors[
        1
    ].message.replace("NOPE", "X")
    assert Address.objects.count() == before


def test_houses_import_and_a_registered_label_is_an_error(world, registry):
    good = [{"住址": ADDRESS_A, "房屋标识": "西屋", "用途": "出租", "房主电话": "13800001111"}]
    report = run(world.officer_a, "houses", good)
    assert report.ok and report.created == {"houses": 1}
    house = House.objects.get(label="西屋")
    assert house.use == "rented" and house.phone == "+8613800001111"
    again = run(world.officer_a, "houses", good + [{"住址": ADDRESS_A, "用途": "仓库"}])
    # Row 3 names the address's unlabelled house, which is registered already.
    assert [(e.row, e.field) for e in again.errors] == [
        (2, "房屋标识"),
        (3, "用途"),
        (3, "房屋标识"),
    ]


def test_units_import_with_checked_credit_codes(world, registry):
    code = "91330699MA2B3C4D5" + checks.credit_check_character("91330699MA2B3C4D5")
    rows = [
        {"名称": "甲村超市", "类型": "商铺", "统一社会信用代码": code, "住址": ADDRESS_A},
        {
            "名称": "甲村饭店",
            "类型": "饭馆",
            "统一社会信用代码": code,
            "住址": ADDRESS_A,
            "从业人数": "三",
        },
    ]
    report = run(world.officer_a, "units", rows)
    assert [(e.row, e.field) for e in report.errors] == [
        (3, "类型"),
        (3, "从业人数"),
        (3, "统一社会信用代码"),
    ]
    report = run(world.officer_a, "units", rows[:1])
    assert report.ok
    unit = Establishment.objects.get(credit_code=code)
    assert unit.kind == "shop" and unit.scope_path == world.grid_a1.path
    assert not run(world.officer_a, "units", rows[:1]).ok  # registered now


def test_the_command_dry_runs_by_default_and_commits_on_request(world, registry, tmp_path):
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx("residents", [person(1)]).getvalue())
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_registry", str(path), kind="residents", user="officer_a", stdout=out, stderr=err
    )
    assert "检查通过" in out.getvalue() and not Resident.objects.filter(id_hash=_hash(1)).exists()
    call_command(
        "import_registry",
        str(path),
        kind="residents",
        user="officer_a",
        commit=True,
        stdout=out,
        stderr=err,
    )
    assert Resident.objects.filter(id_hash=_hash(1)).exists()
    assert "1 / 1" in err.getvalue()


def test_the_command_lists_bad_rows_and_fails(world, registry, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_file("residents", [person(1, 手机号码="123")]).getvalue())
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command(
            "import_registry",
            str(path),
            kind="residents",
            user="officer_a",
            commit=True,
            stdout=out,
            stderr=io.StringIO(),
        )
    assert "第 2 行【手机号码】" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"kind": "cats", "user": "officer_a"}, "unknown kind"),
        ({"kind": "residents", "user": "nobody"}, "no such active user"),
    ],
)
def test_the_command_checks_its_arguments(world, tmp_path, args, message):
    path = tmp_path / "x.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match=message):
        call_command("import_registry", str(path), **args)


def test_the_command_refuses_a_missing_file(world):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_registry", "/nonexistent.xlsx", kind="residents", user="officer_a")


def test_text_longer_than_its_column_allows_is_an_error(world, registry):
    report = run(world.officer_a, "residents", [person(1, 户籍地="浙" * 121)], commit=False)
    assert [(e.row, e.field) for e in report.errors] == [(2, "户籍地")]
    assert "120" in report.errors[0].message
