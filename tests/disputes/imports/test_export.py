"""Cases exported in the 18-column layout: scoped, numbers masked unless revealed for a
reason (audited), and an export read back by the import changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.imports import import_cases
from fengqiao.disputes.imports.export import export_cases
from fengqiao.disputes.models import Case, CaseEvent
from tests.disputes.imports.conftest import case_row, id_number, run

pytestmark = pytest.mark.django_db


def _cells(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    return " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c)


def test_an_export_masks_numbers_and_is_scoped_and_audited(world):
    run(world.county_admin, [case_row(1), case_row(2, 行政区划="乙镇乙社区一网格")])
    text = _cells(export_cases(actor=world.officer_a))
    assert "TJ2024000001" in text and "TJ2024000002" not in text
    assert id_number(1) not in text and "330***********" in text
    assert "13800138000" not in text
    event = AuditEvent.objects.filter(action="disputes.cases_exported").latest("id")
    assert event.changes["rows"] == 1 and event.changes["revealed"] is False


def test_full_numbers_need_the_right_and_a_reason(world):
    run(world.county_admin, [case_row(1)])
    with pytest.raises(PermissionDenied):
        export_cases(actor=world.grid_worker_a1, reveal_reason="核对调解档案")
    text = _cells(export_cases(actor=world.officer_a, reveal_reason="核对调解档案"))
    assert id_number(1) in text
    event = AuditEvent.objects.filter(action="disputes.cases_exported").latest("id")
    assert event.changes["reason"] == "核对调解档案" and event.changes["revealed"] is True


def test_an_export_read_back_changes_nothing(world):
    run(world.chief, [case_row(1), case_row(2, 调解结果="", 调解时间="", 调解协议金="")])
    content = export_cases(actor=world.chief, reveal_reason="迁移核对")
    before = (Case.objects.count(), CaseEvent.objects.count())
    report = import_cases(
        actor=world.chief,
        file_obj=io.BytesIO(content),
        filename="导出.xlsx",
        commit=True,
    )
    assert report.ok, report.lines()
    assert report.counts["unchanged"] == 2 and report.created["created"] == 0
    assert (Case.objects.count(), CaseEvent.objects.count()) == before


def test_a_masked_export_read_back_is_refused_not_half_imported(world):
    run(world.county_admin, [case_row(1)])
    content = export_cases(actor=world.county_admin)
    report = import_cases(
        actor=world.county_admin, file_obj=io.BytesIO(content), filename="x.xlsx", commit=True
    )
    assert not report.ok and "已被遮盖" in report.errors[0].message
