"""Uploaded import files hold full ID numbers and phones: each is kept only while it may
still be imported, and the retention sweep (periodic job and command) deletes the ones
never imported once they are older than ``IMPORT_UPLOAD_MAX_AGE``."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from fengqiao.disputes.models import Case
from fengqiao.registry.imports import jobs
from fengqiao.registry.imports.run import run_import
from fengqiao.registry.models import ImportJob, Resident
from tests.conftest import PASSWORD
from tests.disputes.imports.conftest import case_row
from tests.disputes.imports.conftest import xlsx as case_xlsx
from tests.registry.test_import import _hash, person, xlsx

pytestmark = pytest.mark.django_db


def _upload_case_file(client, rows) -> ImportJob:
    content = case_xlsx(rows).getvalue()
    client.post(reverse("disputes:case_import"), {"file": SimpleUploadedFile("案件.xlsx", content)})
    return ImportJob.objects.get(kind="cases")


def _residents_job(actor, *rows) -> ImportJob:
    upload = SimpleUploadedFile("名单.xlsx", xlsx("residents", list(rows)).getvalue())
    return jobs.start_import_job(actor=actor, kind="residents", upload=upload)


def _age(job: ImportJob, hours: float) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=hours)
    )


def _sweep() -> str:
    out = io.StringIO()
    call_command("sweep_import_uploads", stdout=out)
    return out.getvalue()


def test_a_case_file_is_gone_once_its_import_commits(client, world):
    client.login(username="county_admin", password=PASSWORD)
    job = _upload_case_file(client, [case_row(1)])
    run = reverse("disputes:case_import_run", args=[job.pk])
    client.post(run)
    job.refresh_from_db()
    assert job.status == "checked" and bytes(job.content).startswith(b"PK\x03\x04")
    client.post(run, {"commit": "1"})
    job.refresh_from_db()
    assert job.status == "done" and Case.objects.count() == 1
    assert bytes(job.content) == b""


def test_a_case_file_that_fails_its_check_is_kept_for_a_check_with_an_edited_mapping(client, world):
    client.login(username="county_admin", password=PASSWORD)
    job = _upload_case_file(client, [case_row(1, 纠纷类别="宗族纠纷")])
    client.post(reverse("disputes:case_import_run", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "invalid" and bytes(job.content).startswith(b"PK\x03\x04")


def test_a_registry_file_that_fails_its_check_is_emptied_at_once(world, registry):
    job = _residents_job(world.officer_a, person(1, 证件号码="12345"))
    jobs.run_import_job(actor=world.officer_a, job=job, commit=False)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID and job.error_count
    assert bytes(job.content) == b""


@pytest.mark.parametrize("hours, swept", [(25, True), (23, False)])
def test_an_abandoned_upload_is_swept_once_older_than_the_limit(
    client, world, settings, hours, swept
):
    settings.IMPORT_UPLOAD_MAX_AGE = 24 * 60 * 60
    client.login(username="county_admin", password=PASSWORD)
    checked = _upload_case_file(client, [case_row(1)])
    client.post(reverse("disputes:case_import_run", args=[checked.pk]))
    never_checked = _residents_job(world.officer_a, person(1))
    _age(checked, hours)
    _age(never_checked, hours)
    output = _sweep()
    assert ImportJob.objects.filter(pk=checked.pk).exists() is not swept
    assert ImportJob.objects.filter(pk=never_checked.pk).exists() is not swept
    assert (f"已删除超过 24 小时未导入的上传文件 {2 if swept else 0} 个") in output
    page = client.get(reverse("disputes:case_import_job", args=[checked.pk]))
    assert page.status_code == (404 if swept else 200)


def test_the_sweep_keeps_a_finished_import_but_empties_a_file_left_on_it(world, registry):
    job = _residents_job(world.officer_a, person(1))
    jobs.run_import_job(actor=world.officer_a, job=job, commit=False)
    jobs.run_import_job(actor=world.officer_a, job=job, commit=True)
    # A job finished before files were emptied on commit still holds its file.
    ImportJob.objects.filter(pk=job.pk).update(content=b"PK\x03\x04 old")
    _age(job, 48)
    assert jobs.sweep_uploads() == {"deleted": 0, "emptied": 1}
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and bytes(job.content) == b""
    assert jobs.sweep_uploads() == {"deleted": 0, "emptied": 0}


def test_a_commit_of_a_job_swept_while_it_ran_still_reports_its_result(world, registry):
    job = _residents_job(world.officer_a, person(1))
    jobs.run_import_job(actor=world.officer_a, job=job, commit=False)

    def swept_meanwhile(file_obj, filename, commit, progress):
        ImportJob.objects.filter(pk=job.pk).delete()
        return run_import(
            actor=world.officer_a,
            kind="residents",
            file_obj=file_obj,
            filename=filename,
            commit=commit,
            progress=progress,
        )

    jobs.run_import_job(actor=world.officer_a, job=job, commit=True, runner=swept_meanwhile)
    assert job.status == ImportJob.Status.DONE and bytes(job.content) == b""
    assert Resident.objects.filter(id_hash=_hash(1)).exists()
