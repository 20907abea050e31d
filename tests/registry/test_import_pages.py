"""The import pages: template, upload, the check's table of bad rows, confirm, progress."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from fengqiao.audit.models import AuditEvent
from fengqiao.registry import import_views
from fengqiao.registry.imports import jobs
from fengqiao.registry.models import ImportJob, Resident
from tests.registry.test_import import _hash, csv_file, person, xlsx

pytestmark = pytest.mark.django_db


def upload(client, rows, *, kind="residents", name="名单.xlsx", content=None):
    data = content if content is not None else xlsx(kind, rows).getvalue()
    return client.post(
        reverse("registry:import"),
        {"kind": kind, "file": SimpleUploadedFile(name, data)},
    )


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))


def run(client, job, *, commit=False, htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    data = {"commit": "1"} if commit else {}
    return client.post(reverse("registry:import-run", args=[job.pk]), data, headers=headers)


def test_the_page_offers_the_kinds_and_their_templates(client, world):
    client.force_login(world.officer_a)
    page = client.get(reverse("registry:import")).content.decode()
    assert "批量导入" in page and reverse("registry:import-template", args=["residents"]) in page
    response = client.get(reverse("registry:import-template", args=["residents"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content)).sheetnames[1] == "填写说明"


def test_a_user_without_import_rights_is_refused(client, world):
    client.force_login(world.grid_worker_a1)
    assert client.get(reverse("registry:import")).status_code == 403


def test_a_good_file_is_checked_then_imported_on_confirmation(client, world, registry):
    client.force_login(world.officer_a)
    job = job_of(upload(client, [person(1), person(2)]))
    assert job.status == ImportJob.Status.UPLOADED
    page = client.get(reverse("registry:import-job", args=[job.pk])).content.decode()
    assert reverse("registry:import-progress", args=[job.pk]) in page
    checked = run(client, job).content.decode()
    assert "2 行全部通过" in checked and "确认导入" in checked
    assert not Resident.objects.filter(id_hash=_hash(1)).exists()
    done = run(client, job, commit=True).content.decode()
    assert "已导入 2 行" in done
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.finished_at and bytes(job.content) == b""
    assert Resident.objects.filter(id_hash__in=[_hash(1), _hash(2)]).count() == 2
    assert AuditEvent.objects.filter(action="registry.import", actor=world.officer_a).count() == 1


def test_a_bad_file_lists_every_bad_row_and_cannot_be_committed(client, world, registry):
    client.force_login(world.officer_a)
    rows = [person(1, 手机号码="123"), person(2, 住址="甲村9组99号"), person(1)]
    job = job_of(
        upload(client, rows, name="bad.csv", content=csv_file("residents", rows).getvalue())
    )
    page = run(client, job).content.decode()
    assert "发现 3 个问题" in page
    for text in (
        "<td>2</td><td>手机号码</td>",
        "<td>3</td><td>住址</td>",
        "<td>4</td><td>证件号码</td>",
    ):
        assert text in page
    run(client, job, commit=True)  # refused: the check did not pass
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID
    assert not Resident.objects.filter(id_hash__in=[_hash(1), _hash(2)]).exists()
    assert not AuditEvent.objects.filter(action="registry.import").exists()


def test_without_htmx_the_run_redirects_back_to_the_job(client, world, registry):
    client.force_login(world.officer_a)
    job = job_of(upload(client, [person(1)]))
    response = run(client, job, htmx=False)
    assert response.status_code == 302 and response["Location"].endswith(f"/{job.pk}/")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.xls", b"\xd0\xcf\x11\xe0", "只能上传 .xlsx 或 .csv"),
        ("people.xlsx", b"name,id\n", "不是 Excel 工作簿"),
        ("people.csv", b"PK\x03\x04rest", "不是文本"),
    ],
)
def test_uploads_of_the_wrong_type_are_refused(client, world, name, content, message):
    client.force_login(world.officer_a)
    response = upload(client, [], name=name, content=content)
    assert response.status_code == 400 and message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_oversized_upload_is_refused(client, world, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_UPLOAD_BYTES", 10)
    client.force_login(world.officer_a)
    response = upload(client, [person(1)])
    assert response.status_code == 400 and "20 MB" in response.content.decode()


def test_another_users_job_reads_like_a_missing_one(client, world, registry):
    client.force_login(world.officer_a)
    job = job_of(upload(client, [person(1)]))
    client.force_login(world.officer_b)
    assert client.get(reverse("registry:import-job", args=[job.pk])).status_code == 404
    assert run(client, job).status_code == 404
    assert client.get(reverse("registry:import-progress", args=[job.pk])).status_code == 404


def test_progress_is_read_from_the_cache_while_running(client, world, registry):
    client.force_login(world.officer_a)
    job = job_of(upload(client, [person(1)]))
    url = reverse("registry:import-progress", args=[job.pk])
    assert "正在读取文件" in client.get(url).content.decode()
    cache.set(
        jobs.progress_key(job.pk),
        {"user": world.officer_a.pk, "phase": "check", "done": 3000, "total": 10000},
    )
    assert "已处理 3000 / 10000 行" in client.get(url).content.decode()
    cache.delete(jobs.progress_key(job.pk))
    run(client, job)
    finished = client.get(url)
    assert finished.status_code == import_views.STOP_POLLING


def test_a_second_confirmation_does_not_undo_a_finished_import(client, world, registry):
    client.force_login(world.officer_a)
    job = job_of(upload(client, [person(1)]))
    run(client, job)
    stale = ImportJob.objects.get(pk=job.pk)  # what a second, simultaneous request read
    run(client, job, commit=True)
    # finds the person registered
    jobs.run_import_job(actor=world.officer_a, job=stale, commit=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.error_count == 0
    assert Resident.objects.filter(id_hash=_hash(1)).count() == 1
