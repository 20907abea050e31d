"""Importing a people's-mediation system's case file through the service: a dry run that
writes nothing, an all-or-nothing commit, re-imports that update and re-runs that change
nothing, and every bad input named in Chinese."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.models import Case, CaseEvent, Party
from tests.disputes.imports.conftest import case_row, id_number, run

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        Party.objects.count(),
        AuditEvent.objects.filter(action="disputes.cases_imported").count(),
    )


def test_a_good_file_imports_cases_with_history_dated_from_the_file(world):
    report = run(world.county_admin, [case_row(1), case_row(2, 调解结果="调解不成功")])
    assert report.ok, report.lines()
    assert report.committed and report.created == {"created": 2, "updated": 0}
    case = Case.objects.get(source_code="TJ2024000001")
    assert case.imported_at is not None and case.source_system == "rmtj"
    assert case.grid == world.grid_a1 and case.category == "neighbourhood"
    assert case.state == "closed" and case.agreement_amount == Decimal("5000.00")
    assert case.risk == "blue" and case.level == 2 and case.channel == "walk_in"
    assert case.reference.startswith("330699-2024-")
    assert timezone.localtime(case.received_at).date() == dt.date(2024, 3, 1)
    assert timezone.localtime(case.resolved_at).date() == dt.date(2024, 3, 5)
    kinds = list(case.events.values_list("kind", flat=True))
    history = ["received", "accept", "start_mediation", "reach_agreement", "close"]
    assert kinds == [*history, "imported"]
    assert timezone.localtime(case.events.get(kind="received").at).date() == dt.date(2024, 3, 1)
    parties = list(case.parties.order_by("id"))
    assert [p.name for p in parties] == ["王小明", "李大华"]
    assert parties[0].role == "applicant" and parties[0].id_number == id_number(1)
    assert parties[1].phone == "+8613800138000" and parties[0].scope_path == world.grid_a1.path
    failed = Case.objects.get(source_code="TJ2024000002")
    assert failed.state == "closed" and failed.resolved_at is None
    audit = AuditEvent.objects.get(action="disputes.cases_imported")
    assert audit.changes["created"] == {"created": 2, "updated": 0}


def test_a_dry_run_shows_the_mapping_and_writes_nothing(world):
    before = _snapshot()
    report = run(world.county_admin, [case_row(1), case_row(2)], commit=False)
    assert report.ok and not report.committed
    assert report.counts["created"] == 2
    category = {"value": "邻里纠纷", "count": 2, "choice": "neighbourhood"}
    assert category in report.mapping["category"]
    assert report.mapping["place"][0]["choice"] == world.grid_a1.code
    assert _snapshot() == before


def test_re_running_the_same_file_changes_nothing(world):
    rows = [case_row(1), case_row(2)]
    run(world.county_admin, rows)
    before = _snapshot()
    report = run(world.county_admin, rows)
    assert report.ok and report.counts["unchanged"] == 2 and report.created["created"] == 0
    # Not even an audit entry: nothing happened.
    assert _snapshot() == before


def test_a_changed_row_updates_its_case_instead_of_duplicating(world):
    run(world.county_admin, [case_row(1, 调解结果="", 调解时间="")])
    case = Case.objects.get(source_code="TJ2024000001")
    assert case.state == "accepted" and case.resolved_at is None
    report = run(world.county_admin, [case_row(1, 纠纷类别="合同纠纷"), case_row(2)])
    assert report.ok and report.created == {"created": 1, "updated": 1}
    assert Case.objects.filter(source_code="TJ2024000001").count() == 1
    case.refresh_from_db()
    assert case.category == "contract" and case.state == "closed"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds.count("received") == 1 and "reach_agreement" in kinds
    assert kinds[-1] == "import_updated"
    assert case.parties.count() == 2


def test_a_mapping_edit_maps_an_unknown_category(world):
    rows = [case_row(1, 纠纷类别="宗族纠纷")]
    report = run(world.county_admin, rows, commit=False)
    assert not report.ok
    assert "未知的纠纷类别“宗族纠纷”" in report.errors[0].message
    report = run(world.county_admin, rows, mapping={"category": {"宗族纠纷": "other"}})
    assert report.ok and Case.objects.get().category == "other"


@pytest.mark.parametrize(
    ("extra", "column", "words"),
    [
        ({"受理时间": "2024-13-45"}, "受理时间", "不是有效的日期"),
        ({"受理时间": "2099-01-01"}, "受理时间", "不能晚于今天"),
        ({"调解时间": "2024-02-01"}, "调解时间", "不能早于受理时间"),
        ({"当事人": "王小明(330699199001010010)"}, "当事人", "校验位错误"),
        ({"纠纷类别": "宗族纠纷"}, "纠纷类别", "未知的纠纷类别"),
        ({"行政区划": "甲镇甲村"}, "行政区划", "不能确定到一个网格"),
        ({"调解协议金": "很多"}, "调解协议金", "金额"),
        ({"纠纷简要情况": "长" * 2001}, "纠纷简要情况", "不能超过 2000 个字"),
        ({"案件编码": ""}, "案件编码", "请填写案件编码"),
    ],
)
def test_each_bad_field_is_named_and_nothing_is_written(world, extra, column, words):
    before = _snapshot()
    report = run(world.county_admin, [case_row(1), case_row(2, **extra)])
    assert not report.ok and not report.committed
    assert any(e.row == 3 and e.field == column and words in e.message for e in report.errors), (
        report.lines()
    )
    assert _snapshot() == before


def test_an_error_never_repeats_a_full_id_number(world):
    bad = id_number(5)[:-1] + ("0" if id_number(5)[-1] != "0" else "1")
    report = run(world.county_admin, [case_row(1, 当事人=f"王小明({bad})")], commit=False)
    assert not report.ok
    assert all(bad not in line and bad[:17] not in line for line in report.lines())


def test_a_code_twice_in_one_file_is_an_error(world):
    report = run(world.county_admin, [case_row(1), case_row(1)], commit=False)
    assert [(e.row, e.field) for e in report.errors] == [(3, "案件编码")]
    assert "与第 2 行重复" in report.errors[0].message


def test_an_unresolved_place_is_mapped_to_a_grid_or_excluded_never_guessed(world):
    rows = [case_row(1), case_row(2, 行政区划="甲镇甲村")]
    report = run(world.county_admin, rows, exclude_unresolved=True)
    assert report.ok and report.committed and [row for row, _m in report.excluded] == [3]
    assert Case.objects.count() == 1
    report = run(world.county_admin, rows, mapping={"place": {"甲镇甲村": world.grid_a2.code}})
    assert report.ok and Case.objects.get(source_code="TJ2024000002").grid == world.grid_a2


def test_a_file_in_the_wrong_layout_names_the_columns_found_and_expected(world):
    from fengqiao.disputes.imports import import_cases
    from tests.disputes.imports.conftest import xlsx

    wrong = xlsx([{"姓名": "王小明"}], headers=["姓名", "证件号码", "住址"])
    report = import_cases(actor=world.county_admin, file_obj=wrong, filename="x.xlsx", commit=False)
    message = report.errors[0].message
    assert "格式不对" in message and "姓名、证件号码、住址" in message and "案件编码" in message
    partial = xlsx([case_row(1)], headers=["案件编码", "受理时间", "纠纷类别"])
    report = import_cases(
        actor=world.county_admin, file_obj=partial, filename="x.xlsx", commit=False
    )
    assert "缺少必填列：纠纷简要情况、行政区划" in report.errors[0].message


def test_an_empty_file_and_a_header_only_file_are_named(world):
    import io

    from fengqiao.disputes.imports import import_cases
    from tests.disputes.imports.conftest import csv_file

    report = import_cases(
        actor=world.county_admin, file_obj=io.BytesIO(b""), filename="x.csv", commit=False
    )
    assert "文件是空的" in report.errors[0].message
    report = import_cases(
        actor=world.county_admin, file_obj=csv_file([]), filename="x.csv", commit=False
    )
    assert "没有数据行" in report.errors[0].message


def test_a_gbk_csv_imports(world):
    report = run(world.county_admin, [case_row(1)], filename="案件.csv", encoding="gbk")
    assert report.ok, report.lines()
    assert Case.objects.get().narrative.startswith("邻居装修")


def test_a_failure_midway_leaves_nothing(world, monkeypatch):
    from fengqiao.disputes.imports.cases import CaseImporter

    def broken(self, pairs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(CaseImporter, "_parties", broken)
    before = _snapshot()
    with pytest.raises(RuntimeError):
        run(world.county_admin, [case_row(1), case_row(2)])
    assert _snapshot() == before


def test_only_supervisors_may_import(world):
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        run(world.officer_a, [case_row(1)])
    with pytest.raises(PermissionDenied):
        run(world.resident, [case_row(1)])
    assert _snapshot() == before


def test_an_officer_of_another_township_cannot_import_into_it(world, chief_b):
    before = _snapshot()
    report = run(chief_b, [case_row(1)])
    assert not report.ok and "不在您的辖区内" in report.errors[0].message
    # Naming the grid in the mapping does not help.
    report = run(chief_b, [case_row(1)], mapping={"place": {"甲镇甲村一网格": world.grid_a1.code}})
    assert not report.ok and "不存在或不在您的辖区内" in report.errors[0].message
    assert _snapshot() == before


def test_a_code_used_in_another_township_cannot_be_taken_over(world, chief_b):
    run(world.county_admin, [case_row(1)])
    case = Case.objects.get()
    row = case_row(1, 行政区划="乙镇乙社区一网格")
    report = run(chief_b, [row])
    # Township B's chief cannot move or change township A's case through its code.
    assert not report.ok and "辖区以外" in report.errors[0].message
    case.refresh_from_db()
    assert case.grid == world.grid_a1


def test_chief_imports_into_own_township(world):
    report = run(world.chief, [case_row(1)])
    assert report.ok and Case.objects.get().grid == world.grid_a1


def test_a_party_with_a_registered_number_links_to_the_resident(world):
    from fengqiao.registry import services
    from fengqiao.registry.address_text import parse

    address, _ = services.register_address(
        actor=world.county_admin, grid=world.grid_a1, parts=parse("3组12号"), raw_text="3组12号"
    )
    house = services.register_house(actor=world.county_admin, address=address, use="own")
    resident = services.register_resident(
        actor=world.county_admin, house=house, name="王小明", id_number=id_number(1)
    )
    run(world.county_admin, [case_row(1)])
    assert Party.objects.get(name="王小明").resident == resident
    assert Party.objects.get(name="李大华").resident is None


def test_imported_cases_count_in_the_indicators_by_their_own_dates(
    world, django_capture_on_commit_callbacks
):
    from fengqiao.analytics.models import DailyFact

    with django_capture_on_commit_callbacks(execute=True):
        run(world.county_admin, [case_row(1), case_row(2, 调解结果="调解不成功")])
    facts = DailyFact.objects.unscoped_for_jobs().filter(day=dt.date(2024, 3, 1))
    assert sum(f.received for f in facts) == 2
    assert sum(f.mediation_succeeded for f in facts) == 1
    assert sum(f.resolved for f in facts) == 1
    with django_capture_on_commit_callbacks(execute=True):
        run(world.county_admin, [case_row(1, 受理时间="2024-04-02", 调解时间="2024-04-03")])
    assert sum(f.received for f in facts.all()) == 1
    moved = DailyFact.objects.unscoped_for_jobs().filter(day=dt.date(2024, 4, 2))
    assert sum(f.received for f in moved) == 1


def test_an_imported_open_case_is_routed_to_its_grid_and_a_closed_one_is_not(world):
    from fengqiao.disputes.selectors import cases_for
    from fengqiao.org.models import Person

    rows = [case_row(1, 调解结果="", 调解时间="", 案件难度级别="简单"), case_row(2)]
    report = run(world.county_admin, rows)
    assert report.ok, report.lines()
    open_case = Case.objects.get(source_code="TJ2024000001")
    closed = Case.objects.get(source_code="TJ2024000002")
    assert open_case.state == "accepted" and closed.state == "closed"
    worker = Person.objects.get(user=world.grid_worker_a1)
    assert worker in open_case.handlers.all()
    assert not closed.handlers.exists()
    mine = cases_for(world.grid_worker_a1, mine=True)
    assert list(mine.values_list("pk", flat=True)) == [open_case.pk]
    # Run again unchanged: nothing is routed twice.
    assert run(world.county_admin, rows).counts["unchanged"] == 2
    assert open_case.handlers.count() == len(set(open_case.handlers.all()))


def test_the_commit_reads_the_file_again_with_progress_and_the_counts_once(world):
    # The commit holds only each row's keys and reads the file again to write it: the
    # cases are whole, the mapping counts each row once, and progress reaches the end.
    calls = []
    rows = [case_row(1), case_row(2, 调解结果=""), case_row(3, 纠纷类别="合同纠纷")]
    report = run(
        world.county_admin,
        rows,
        filename="案件.csv",
        progress=lambda done, total: calls.append((done, total)),
    )
    assert report.ok and report.created == {"created": 3, "updated": 0}, report.lines()
    assert {row["value"]: row["count"] for row in report.mapping["category"]} == {
        "邻里纠纷": 2,
        "合同纠纷": 1,
    }
    assert calls[-1] == (3, 3)
    case = Case.objects.get(source_code="TJ2024000002")
    assert case.narrative.startswith("邻居装修噪音扰民，第2起") and case.parties.count() == 2
    changed = run(world.county_admin, [case_row(2, 调解结果="调解成功", 纠纷简要情况="改过了")])
    assert changed.created == {"created": 0, "updated": 1}, changed.lines()
    assert Case.objects.get(source_code="TJ2024000002").narrative == "改过了"
