"""The case import pages: upload, check, edit the mapping, confirm; scoped to their owner
and to the users who may import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fengqiao.disputes.models import Case
from fengqiao.registry.models import ImportJob
from tests.conftest import PASSWORD
from tests.disputes.imports.conftest import case_row, xlsx

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
