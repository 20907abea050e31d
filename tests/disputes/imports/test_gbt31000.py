"""GB/T 31000 exchange files read back by the case import (layout ``gbt31000``): an export
with revealed numbers imports into an emptied county as the same cases, and into the same
county changes nothing; a masked export, a file without its people table, or a table that
is not the people's, is refused by name; another township's grids are refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import services
from fengqiao.disputes.imports import import_cases
from fengqiao.disputes.models import Case, CaseEvent, Party
from fengqiao.registry import exchange
from tests.disputes.imports.conftest import case_row, id_number, run
from tests.registry.conftest import ID_ZHANG, PHONE_ZHANG

pytestmark = pytest.mark.django_db

REASON = "综治中心数据交换"


@pytest.fixture
def cases(world):
    """Two cases mediated elsewhere (one resolved, one failed) and one opened here."""
    report = run(world.county_admin, [case_row(1), case_row(2, 调解结果="调解不成功")])
    assert report.ok, report.lines()
    services.open_case(
        actor=world.officer_a,
        title="宅基地边界纠纷",
        narrative="两户因院墙位置争执",
        category="housing_homestead",
        risk="yellow",
        channel="walk_in",
        grid=world.grid_a1,
        parties=[
            {"role": "applicant", "name": "张三", "id_number": ID_ZHANG, "phone": PHONE_ZHANG},
            {"role": "respondent", "name": "李四", "id_number": id_number(7)},
        ],
    )
    return Case.objects.unscoped_for_jobs()


def export(world, file_format="xlsx", reveal=True) -> tuple[bytes, str]:
    content = exchange.export_exchange(
        actor=world.officer_a,
        kind="disputes",
        file_format=file_format,
        reveal=reveal,
        reason=REASON if reveal else "",
    )
    return content, exchange.filename("disputes", file_format)


def gbt(actor, content: bytes, filename: str, commit=True):
    return import_cases(
        actor=actor,
        file_obj=io.BytesIO(content),
        filename=filename,
        commit=commit,
        layout="gbt31000",
    )


def what(case: Case) -> tuple:
    """What a case must keep through the round trip."""

    def day(moment) -> str:
        return timezone.localtime(moment).date().isoformat() if moment else ""

    parties = sorted((p.name, p.id_number or "", p.phone or "") for p in case.parties.all())
    resolved = case.resolved_at is not None
    return (
        case.category,
        day(case.received_at),
        day(case.resolved_at or case.closed_at),
        case.grid_id,
        resolved,
        case.state in ("failed",) or (case.closed_at is not None and not resolved),
        tuple(parties),
    )


def counts() -> tuple:
    return (
        Case.objects.unscoped_for_jobs().count(),
        CaseEvent.objects.count(),
        Party.objects.count(),
        AuditEvent.objects.filter(action="disputes.cases_imported").count(),
    )


def empty_county():
    """A county starting afresh: its cases gone, timelines too (append-only in the app,
    so removed under it)."""
    CaseEvent.objects.all()._raw_delete(CaseEvent.objects.db)
    for case in Case.objects.unscoped_for_jobs():
        case.delete()


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_an_export_imports_into_an_emptied_county_as_the_same_cases(world, cases, file_format):
    before = sorted(what(case) for case in cases.all())
    content, filename = export(world, file_format)
    empty_county()
    report = gbt(world.county_admin, content, filename)
    assert report.ok, report.lines()
    assert report.created == {"created": 3, "updated": 0}
    assert sorted(what(case) for case in cases.all()) == before
    assert {case.source_system for case in cases.all()} == {"gbt31000"}
    # The same file again: every case recognised by its 事件编号, nothing written.
    again = counts()
    report = gbt(world.county_admin, content, filename)
    assert report.ok and report.counts == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "excluded": 0,
    }
    assert counts() == again


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_an_export_read_back_into_its_own_county_changes_nothing(world, cases, file_format):
    before = counts()
    references = sorted(cases.values_list("reference", "version"))
    report = gbt(world.county_admin, *export(world, file_format))
    assert report.ok, report.lines()
    assert report.counts["unchanged"] == 3 and report.counts["created"] == 0
    assert report.counts["updated"] == 0
    assert counts() == before
    assert sorted(cases.values_list("reference", "version")) == references


def test_a_changed_row_updates_the_case_it_came_from(world, cases):
    own = cases.get(source_system="")
    own_events = [e.kind for e in own.events.order_by("pk")]
    content, filename = export(world)
    book = load_workbook(io.BytesIO(content))
    people = book.worksheets[1]
    for row in people.iter_rows(min_row=3):
        if row[5].value == "李四":
            row[8].value = "13900139000"
    out = io.BytesIO()
    book.save(out)
    report = gbt(world.county_admin, out.getvalue(), filename)
    assert report.ok, report.lines()
    assert report.counts["updated"] == 1 and report.counts["created"] == 0
    assert cases.count() == 3
    li = Party.objects.get(name="李四")
    assert li.phone == "+8613900139000" and li.id_number == id_number(7)
    # The case keeps what the file cannot say better: title, time, state, timeline.
    case = li.case
    assert (case.title, case.state, case.received_at, case.risk) == (
        own.title,
        own.state,
        own.received_at,
        own.risk,
    )
    assert [e.kind for e in case.events.order_by("pk")] == [*own_events, "import_updated"]


def test_a_masked_export_is_refused_naming_the_masked_numbers(world, cases):
    before = counts()
    report = gbt(world.county_admin, *export(world, reveal=False))
    assert not report.ok and not report.committed
    assert "号码已被遮盖" in "".join(report.lines())
    assert ID_ZHANG not in "".join(report.lines())
    assert counts() == before


def test_a_workbook_without_the_people_sheet_is_named(world, cases):
    content, filename = export(world)
    book = load_workbook(io.BytesIO(content))
    book.remove(book.worksheets[1])
    out = io.BytesIO()
    book.save(out)
    report = gbt(world.county_admin, out.getvalue(), filename)
    assert not report.ok and "涉及人员" in "".join(report.lines())


def test_a_wrong_second_table_is_named(world, cases):
    content, _filename = export(world, "csv")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        events = archive.read("1-矛盾纠纷.csv")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("1-矛盾纠纷.csv", events)
        archive.writestr("2-涉及人员.csv", "单位名称,地址\n甲,乙\n".encode())
    report = gbt(world.county_admin, out.getvalue(), "exchange.zip")
    text = "".join(report.lines())
    assert not report.ok and "不是涉及人员表" in text and "2-涉及人员.csv" in text


def test_people_of_an_event_the_file_lacks_are_named(world, cases):
    book = Workbook()
    events = book.active
    events.append(["事件编号", "事件发生日期", "事件简述", "事件类型代码", "所属网格"])
    events.append(["X1", "2024-03-01", "邻里噪音", "neighbourhood", world.grid_a1.code])
    people = book.create_sheet("涉及人员")
    people.append(["事件编号", "姓名", "证件号码"])
    people.append(["X1", "王五", ""])
    people.append(["X2", "赵六", ""])
    out = io.BytesIO()
    book.save(out)
    report = gbt(world.county_admin, out.getvalue(), "x.xlsx")
    assert not report.ok and "事件编号“X2”在事件表中没有" in "".join(report.lines())


def test_another_townships_export_is_refused(world, cases, chief_b):
    before = counts()
    content, filename = export(world)
    report = gbt(chief_b, content, filename)
    text = "".join(report.lines())
    assert not report.ok and "不在您的辖区内" in text
    assert counts() == before


def test_the_command_reads_the_zip_of_two_csvs(world, cases, tmp_path, capsys):
    content, filename = export(world, "csv")
    path = tmp_path / filename
    path.write_bytes(content)
    before = counts()
    call_command(
        "import_cases", str(path), "--user", "county_admin", "--layout", "gbt31000", "--commit"
    )
    assert "unchanged 3" in capsys.readouterr().out
    assert counts() == before
