"""The case import pages: upload, check, edit the mapping, confirm; scoped to their owner
and to the users who may import."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from fengqiao.disputes.models import Case
from fengqiao.registry.models import ImportJob
from tests.conftest import PASSWORD
from tests.disputes.imports.conftest import case_row, id_number, xlsx

pytestmark = pytest.mark.django_db


def _upload(client, rows, name="案件.xlsx"):
    content = xlsx(rows).getvalue()
    return client.post(reverse("disputes:case_import"), {"file": SimpleUploadedFile(name, content)})


def test_upload_check_edit_the_mapping_and_commit(client, world):
    client.login(username="county_admin", password=PASSWORD)
    assert client.get(reverse("disputes:case_import")).status_code == 200
    response = _upload(client, [case_row(1, 纠纷类别="宗族纠纷"), case_row(2)])
    job = ImportJob.objects.get(kind="cases")
    assert response.status_code == 302 and response.url.endswith(f"/cases/import/{job.pk}/")
    run = reverse("disputes:case_import_run", args=[job.pk])
    client.post(run)
    job.refresh_from_db()
    assert job.status == "invalid" and "宗族纠纷" in job.errors[0][2]
    page = client.get(reverse("disputes:case_import_job", args=[job.pk])).content.decode()
    assert "对照表：纠纷类别" in page and "宗族纠纷" in page
    category = next(
        i for i, r in enumerate(job.counts["mapping"]["category"], 1) if r["value"] == "宗族纠纷"
    )
    mapping = {f"value-category-{category}": "宗族纠纷", f"map-category-{category}": "other"}
    fragment = client.post(run, mapping, HTTP_HX_REQUEST="true").content.decode()
    job.refresh_from_db()
    assert job.status == "checked" and not Case.objects.exists()
    assert "确认导入" in fragment and "2 行全部通过" in fragment
    client.post(run, {**mapping, "commit": "1"})
    job.refresh_from_db()
    assert job.status == "done" and Case.objects.count() == 2
    assert Case.objects.get(source_code="TJ2024000001").category == "other"
    cases = client.get(reverse("disputes:cases"), {"whose": "all", "state": ""}).content.decode()
    assert Case.objects.get(source_code="TJ2024000002").reference in cases


def test_a_commit_before_a_passed_check_does_nothing(client, world):
    client.login(username="county_admin", password=PASSWORD)
    _upload(client, [case_row(1)])
    job = ImportJob.objects.get(kind="cases")
    client.post(reverse("disputes:case_import_run", args=[job.pk]), {"commit": "1"})
    job.refresh_from_db()
    assert job.status == "uploaded" and not Case.objects.exists()


def test_a_bad_mapping_is_an_error_not_a_crash(client, world):
    client.login(username="county_admin", password=PASSWORD)
    _upload(client, [case_row(1)])
    job = ImportJob.objects.get(kind="cases")
    response = client.post(
        reverse("disputes:case_import_run", args=[job.pk]),
        {"value-category-1": "邻里纠纷", "map-category-1": "no_such_code"},
    )
    assert response.status_code == 400 and "不是本系统的代码" in response.content.decode()


def test_the_template_downloads_with_a_guide(client, world):
    client.login(username="county_admin", password=PASSWORD)
    response = client.get(reverse("disputes:case_import_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


def test_officers_without_the_right_and_other_users_jobs_are_refused(client, world, chief_b):
    client.login(username="county_admin", password=PASSWORD)
    _upload(client, [case_row(1)])
    job = ImportJob.objects.get(kind="cases")
    client.logout()
    client.login(username="officer_a", password=PASSWORD)
    assert client.get(reverse("disputes:case_import")).status_code == 403
    assert client.post(reverse("disputes:case_import_run", args=[job.pk])).status_code == 403
    client.logout()
    client.login(username="chief_b", password=PASSWORD)
    assert client.get(reverse("disputes:case_import_job", args=[job.pk])).status_code == 404
    response = client.post(reverse("disputes:case_import_run", args=[job.pk]), {"commit": "1"})
    assert response.status_code == 404
    job.refresh_from_db()
    assert job.status == "uploaded" and not Case.objects.exists()


def test_a_registry_page_cannot_run_a_case_job(client, world):
    client.login(username="county_admin", password=PASSWORD)
    _upload(client, [case_row(1)])
    job = ImportJob.objects.get(kind="cases")
    response = client.post(reverse("registry:import-run", args=[job.pk]))
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == "uploaded"


def test_the_page_offers_each_layout_and_its_template(client, world):
    client.login(username="county_admin", password=PASSWORD)
    page = client.get(reverse("disputes:case_import")).content.decode()
    template = reverse("disputes:case_import_template")
    for code in ("mediation18", "gbt31000"):
        assert f'name="layout" value="{code}"' in page
        assert f"{template}?layout={code}" in page
    mediation = load_workbook(io.BytesIO(client.get(template, {"layout": "mediation18"}).content))
    assert mediation.sheetnames[1:] == ["填写说明"]
    assert client.get(template, {"layout": "no_such"}).status_code == 404


def test_a_gbt31000_file_filled_in_from_its_template_imports_through_the_page(client, world):
    client.login(username="county_admin", password=PASSWORD)
    response = client.get(reverse("disputes:case_import_template"), {"layout": "gbt31000"})
    assert response.status_code == 200 and "GBT31000" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[1:] == ["涉及人员", "填写说明"]
    events, people = workbook.worksheets[:2]
    headers = [cell.value for cell in events[1]]
    row = {
        "事件编号": "WG-2024-001",
        "事件发生日期": "2024-03-01",
        "事件简述": "邻居装修噪音扰民，双方多次争吵",
        "事件类型代码": "neighbourhood",
        "化解是否成功": "1",
        "化解日期": "2024-03-05",
        "所属网格": world.grid_a1.code,
    }
    events.append([row.get(header, "") for header in headers])
    people.append(["WG-2024-001", "王小明", "申请人", id_number(1), ""])
    people.append(["WG-2024-001", "李大华", "被申请人", "", "13800138000"])
    out = io.BytesIO()
    workbook.save(out)
    upload = SimpleUploadedFile("交换文件.xlsx", out.getvalue())
    client.post(reverse("disputes:case_import"), {"file": upload, "layout": "gbt31000"})
    job = ImportJob.objects.get(kind="cases")
    run = reverse("disputes:case_import_run", args=[job.pk])
    client.post(run)
    job.refresh_from_db()
    assert job.status == "checked", job.errors
    page = client.get(reverse("disputes:case_import_job", args=[job.pk])).content.decode()
    assert "GB/T 31000" in page
    client.post(run, {"commit": "1"})
    job.refresh_from_db()
    case = Case.objects.get()
    assert job.status == "done" and case.source_system == "gbt31000"
    assert case.source_code == "WG-2024-001" and case.parties.count() == 2


def test_a_file_of_the_wrong_type_for_the_layout_is_refused_and_nothing_stored(client, world):
    client.login(username="county_admin", password=PASSWORD)
    csv_upload = SimpleUploadedFile("事件.csv", "事件编号\n1\n".encode())
    response = client.post(
        reverse("disputes:case_import"), {"file": csv_upload, "layout": "gbt31000"}
    )
    assert response.status_code == 400 and ".zip（两个 CSV）" in response.content.decode()
    zip_upload = SimpleUploadedFile("案件.zip", b"PK\x03\x04rest")
    response = client.post(
        reverse("disputes:case_import"), {"file": zip_upload, "layout": "mediation18"}
    )
    assert response.status_code == 400 and "只能上传 .xlsx 或 .csv" in response.content.decode()
    response = client.post(
        reverse("disputes:case_import"), {"file": zip_upload, "layout": "no_such"}
    )
    assert response.status_code == 400 and "请选择文件格式" in response.content.decode()
    assert not ImportJob.objects.exists()
