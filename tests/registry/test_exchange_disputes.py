"""GB/T 31000-2015 dispute records as an exchange file: the main table and the people
involved, scoped, masked unless revealed; read back, they give the cases' own values.

The case import reads this file back as its layout ``gbt31000``
(tests/disputes/imports/test_gbt31000.py); these tests compare the export with the cases."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import services
from fengqiao.disputes.models import Case
from fengqiao.registry import exchange
from tests.registry.conftest import ID_ZHANG, PHONE_ZHANG

pytestmark = pytest.mark.django_db

REASON = "综治中心数据交换"


@pytest.fixture
def case(world, registry) -> Case:
    return services.open_case(
        actor=world.officer_a,
        title="宅基地边界纠纷",
        narrative="两户因院墙位置争执，" * 300,
        category="neighbourhood",
        risk="yellow",
        channel="walk_in",
        grid=world.grid_a1,
        std_address=registry.address_a,
        parties=[
            {"role": "applicant", "name": "张三", "id_number": ID_ZHANG, "phone": PHONE_ZHANG},
            {
                "role": "respondent",
                "kind": "organisation",
                "name": "甲村经济合作社",
                "credit_code": "91330100799655058B",
                "representative": "王社长",
            },
        ],
    )


def sheets(content: bytes) -> list[list[dict]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    out = []
    for sheet in workbook.worksheets:
        rows = [["" if v is None else str(v) for v in row] for row in sheet.values][1:]
        out.append([dict(zip(rows[0], row, strict=True)) for row in rows[1:]])
    return out


def test_a_case_reads_back_as_its_gbt_31000_items(world, registry, case):
    cases, people = sheets(exchange.export_exchange(actor=world.officer_a, kind="disputes"))
    (row,) = cases
    assert row["事件编号"] == case.reference and row["事件名称"] == case.title
    assert row["事件发生日期"] == case.received_at.astimezone().date().isoformat()
    assert row["发生地点"] == registry.address_a.full_text
    assert row["事件类型代码"] == "neighbourhood" and row["涉及人数"] == "2"
    assert len(row["事件简述"]) == 2000 and case.narrative.startswith(row["事件简述"])
    assert row["涉及单位"] == "甲村经济合作社" and row["主要当事人"] == "张三"
    assert row["化解是否成功"] == "" and row["所属网格"] == world.grid_a1.code
    assert row["事件处理状态"] == case.get_state_display()
    assert row["化解时限"]  # the case's deadline by its grade
    assert [(p["事件编号"], p["姓名"], p["人员类别"]) for p in people] == [
        (case.reference, "张三", "申请人"),
        (case.reference, "甲村经济合作社", "被申请人"),
    ]
    zhang = people[0]
    assert zhang["证件号码"] == "330***********0014" and zhang["性别"] == "1"
    assert ID_ZHANG not in repr(people) and PHONE_ZHANG not in repr(people)


def test_revealed_numbers_need_a_reason_and_are_audited(world, case):
    _cases, people = sheets(
        exchange.export_exchange(actor=world.officer_a, kind="disputes", reveal=True, reason=REASON)
    )
    assert (people[0]["证件号码"], people[0]["联系电话"]) == (ID_ZHANG, PHONE_ZHANG)
    event = AuditEvent.objects.get(action="registry.exchange_exported")
    assert event.changes["kind"] == "disputes" and event.changes["reason"] == REASON


def test_another_township_gets_no_cases(world, case):
    cases, people = sheets(exchange.export_exchange(actor=world.officer_b, kind="disputes"))
    assert cases == [] and people == []


def test_csv_comes_as_a_zip_of_two_tables(world, case):
    content = exchange.export_exchange(actor=world.officer_a, kind="disputes", file_format="csv")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        assert names == ["1-矛盾纠纷.csv", "2-涉及人员.csv"]
        people = list(csv.reader(io.StringIO(archive.read(names[1]).decode("utf-8-sig"))))
    assert people[1][:6] == ["事件编号", "人员类别", "当事人类型", "证件类型", "证件号码", "姓名"]
    assert len(people) == 4
    assert exchange.filename("disputes", "csv").endswith(".zip")


def test_residents_and_volunteers_may_not_export_cases(world, case):
    from django.core.exceptions import PermissionDenied

    for user in (world.resident, world.grid_worker_a1):
        with pytest.raises(PermissionDenied):
            exchange.export_exchange(actor=user, kind="disputes")
