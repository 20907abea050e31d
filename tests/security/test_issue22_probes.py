"""Probes of issue 22's new surfaces as a hostile user would try them: the case import and
the registry import (what their error reports repeat, what a crafted workbook costs the
server) and the exchange files (what a "masked" file still carries)."""

from __future__ import annotations

import io
import stat
import threading
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from fengqiao.disputes import services as disputes
from fengqiao.disputes.models import Case
from fengqiao.registry import editing, exchange, imports
from fengqiao.registry import services as registry_services
from fengqiao.registry.imports.jobs import MAX_UPLOAD_BYTES
from fengqiao.registry.models import ImportJob, RegistryChange, Resident
from tests.conftest import PASSWORD
from tests.disputes.imports.conftest import case_row, id_number
from tests.disputes.imports.conftest import run as run_cases
from tests.disputes.imports.conftest import xlsx as cases_xlsx
from tests.registry.conftest import ID_LI, ID_ZHANG, PHONE_LI, PHONE_ZHANG, registry  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

REASON = "省厅矛盾纠纷数据上报"


def _all_text(report) -> str:
    return "\n".join(report.lines()) + repr(report.errors)


# --- import error reports -------------------------------------------------------------


def test_a_case_import_report_never_repeats_a_full_number_from_a_misplaced_cell(world):
    """A file whose columns slipped puts parties' numbers under 受理时间, 纠纷类别 and
    行政区划: the report (shown on the page, kept in the job, printed by the command)
    names the cell, never the number in full."""
    number, phone = id_number(7), "13912345678"
    row = case_row(1, 受理时间=number, 纠纷类别=number, 行政区划=f"{phone}号")
    report = run_cases(world.county_admin, [row], commit=False)

    assert not report.ok
    shown = _all_text(report)
    assert number not in shown and phone not in shown
    assert "330***********" in shown  # still says which value, masked


def test_a_registry_import_report_never_repeats_a_full_number_from_a_misplaced_cell(
    world,
    registry,  # noqa: F811
):
    row = {
        "姓名": "王五",
        "证件号码": id_number(8),
        "手机号码": "13900000008",
        "人户状态": "流动",
        "住址": "甲村3组12号",
        "迁入日期": ID_LI,
    }
    workbook = Workbook()
    sheet = workbook.active
    headers = [column.label for column in imports.COLUMNS["residents"]]
    sheet.append(headers)
    sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)

    report = imports.run_import(
        actor=world.officer_a,
        kind="residents",
        file_obj=buffer,
        filename="名单.xlsx",
        commit=False,
    )

    assert not report.ok
    assert ID_LI not in _all_text(report)


# --- a crafted workbook ---------------------------------------------------------------


def _bomb(size: int) -> io.BytesIO:
    """A valid .xlsx of a few hundred kilobytes whose one cell unpacks to ``size`` bytes."""
    workbook = Workbook()
    workbook.active.append([column.label for column in imports.COLUMNS["residents"]])
    workbook.active.append(["PLACEHOLDER"])
    plain = io.BytesIO()
    workbook.save(plain)
    source = zipfile.ZipFile(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"PLACEHOLDER", b"A" * size)
            archive.writestr(name, data)
    out.seek(0)
    return out


def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked(world):
    """A 100 MB cell packed into ~100 KB (far under the 20 MB upload limit): openpyxl would
    hold it whole in memory (and a 20 MB upload of the same makes 20 GB)."""
    bomb = _bomb(100 * 1024 * 1024)
    assert bomb.getbuffer().nbytes < MAX_UPLOAD_BYTES / 100

    report = imports.run_import(
        actor=world.officer_a, kind="residents", file_obj=bomb, filename="名单.xlsx", commit=False
    )

    assert not report.ok and report.rows == 0
    assert "解压" in _all_text(report)


# --- exchange files -------------------------------------------------------------------


def _sheets(content: bytes) -> list[list[dict]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    out = []
    for sheet in workbook.worksheets:
        rows = [["" if v is None else str(v) for v in row] for row in sheet.values][1:]
        out.append([dict(zip(rows[0], row, strict=True)) for row in rows[1:]])
    return out


def test_a_masked_dispute_exchange_file_masks_the_numbers_typed_in_the_narrative(
    world,
    registry,  # noqa: F811
):
    """The party table masks 张三's numbers; the case's own words carried them in full."""
    disputes.open_case(
        actor=world.officer_a,
        title=f"张三（{PHONE_ZHANG}）反映邻居占道",
        narrative=f"张三，身份证{ID_ZHANG}，电话{PHONE_ZHANG}，反映邻居长期占用通道。",
        category="neighbourhood",
        risk="blue",
        channel="walk_in",
        grid=world.grid_a1,
        std_address=registry.address_a,
        parties=[
            {"role": "applicant", "name": "张三", "id_number": ID_ZHANG, "phone": PHONE_ZHANG}
        ],
    )

    masked = repr(_sheets(exchange.export_exchange(actor=world.officer_a, kind="disputes")))
    assert ID_ZHANG not in masked and PHONE_ZHANG not in masked
    assert "138****5678" in masked

    revealed = _sheets(
        exchange.export_exchange(actor=world.officer_a, kind="disputes", reveal=True, reason=REASON)
    )
    assert ID_ZHANG in revealed[0][0]["事件简述"]
    assert PHONE_LI not in repr(revealed)  # another township's resident is not in it


def test_an_exchange_file_written_by_the_command_is_readable_by_its_owner_only(
    world,
    registry,  # noqa: F811
    tmp_path,
):
    """``export_exchange --reveal-reason`` writes every full ID number of the area to disk;
    with the usual umask that file was world-readable (a leftover file already there too)."""
    leftover = tmp_path / "residents.csv"
    leftover.write_text("old")
    leftover.chmod(0o644)
    fresh = tmp_path / "fresh.xlsx"

    for output, file_format in ((leftover, "csv"), (fresh, "xlsx")):
        call_command(
            "export_exchange",
            "residents",
            "--user",
            "officer_a",
            "--format",
            file_format,
            "--reveal-reason",
            REASON,
            "--output",
            str(output),
            stdout=io.StringIO(),
        )
        assert stat.S_IMODE(output.stat().st_mode) & 0o077 == 0, oct(output.stat().st_mode)
    assert ID_ZHANG in leftover.read_bytes().decode("utf-8-sig")


# --- registry editing -----------------------------------------------------------------


def test_a_pending_add_to_a_house_ended_since_is_not_applied(
    world,
    registry,  # noqa: F811
):
    """The ground submits a resident for a house; the police end that house (demolished)
    before verifying: applying the old submission would register someone into a house
    that no longer exists, which the add itself refuses."""
    shed = registry_services.register_house(
        actor=world.county_admin, address=registry.address_a, label="后屋"
    )
    submitted = editing.add_resident(
        actor=world.grid_worker_a1,
        house=shed,
        values={"name": "王小二", "id_number": id_number(9), "residence_type": "floating"},
    )
    assert not submitted.applied
    editing.end_house(actor=world.officer_a, house=shed, reason="拆除")

    with pytest.raises(ValidationError, match="灭失"):
        editing.apply_change(actor=world.officer_a, change=submitted.change)

    assert not Resident.objects.filter(house=shed).exists()
    submitted.change.refresh_from_db()
    assert submitted.change.status == RegistryChange.Status.PENDING  # still to send back


# --- the case import's mapping form ---------------------------------------------------


@pytest.mark.parametrize("team", ["²", "9" * 30, "-1"], ids=["superscript", "huge", "negative"])
def test_a_team_chosen_as_a_strange_number_is_a_row_error_not_a_crash(world, team):
    """The mapping form posts the team's id as typed text (``map-team-N``)."""
    row = case_row(1, 调解组织="某某调委会")
    report = run_cases(
        world.county_admin, [row], commit=False, mapping={"team": {"某某调委会": team}}
    )
    assert not report.ok
    assert "调解团队不存在或不在您的辖区内" in _all_text(report)


def test_a_mapping_field_without_its_index_is_ignored_not_a_crash(client, world):
    client.login(username="county_admin", password=PASSWORD)
    content = cases_xlsx([case_row(1)]).getvalue()
    client.post(reverse("disputes:case_import"), {"file": SimpleUploadedFile("案件.xlsx", content)})
    job = ImportJob.objects.get(kind="cases")

    answer = client.post(
        reverse("disputes:case_import_run", args=[job.pk]),
        {"value-category": "邻里纠纷", "map-category": "other", "value-": "x"},
    )

    assert answer.status_code in (200, 302)
    job.refresh_from_db()
    assert job.status == "checked"


# --- two commits of one case file at once ----------------------------------------------


def test_a_changed_file_committed_twice_at_once_updates_each_case_once(transactional_db, world):
    """Two requests confirm the same re-import at once, on two connections: the second one
    commits between the first's re-check inside its transaction and its writes. The first
    must then write nothing, not the same update again (a second 'import_updated' on the
    case's timeline, the facts counted twice)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes its write lock at BEGIN: the two commits cannot overlap")
    run_cases(world.county_admin, [case_row(1, 调解结果="", 调解时间="")])
    changed = [case_row(1)]
    answers: dict[str, object] = {}

    def commit(name: str, hook=None) -> None:
        try:
            if hook is None:
                answers[name] = run_cases(world.county_admin, changed)
            else:
                with connection.execute_wrapper(hook):
                    answers[name] = run_cases(world.county_admin, changed)
        finally:
            connection.close()

    second = threading.Thread(target=commit, args=("second",))
    reads: list[str] = []

    def after_the_recheck(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if '"disputes_case"' in sql and '"source_code" IN' in sql:
            reads.append(sql)
            if len(reads) == 2:  # the check's read, then the commit's re-check
                second.start()
                second.join(timeout=5)
        return result

    first = threading.Thread(target=commit, args=("first", after_the_recheck))
    first.start()
    first.join(timeout=60)
    second.join(timeout=60)

    assert len(reads) >= 2 and answers["second"].committed
    case = Case.objects.get(source_code="TJ2024000001")
    assert case.events.filter(kind="import_updated").count() == 1
    first_answer = answers["first"]
    assert not first_answer.committed and "请重新检查" in _all_text(first_answer)
