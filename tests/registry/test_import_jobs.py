"""Import jobs through their services: starting one checks the actor's right and the file,
running one is its creator's alone, and a commit waits for a passed check."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fengqiao.audit.models import AuditEvent
from fengqiao.registry.imports import jobs
from fengqiao.registry.models import ImportJob, Resident
from tests.registry.test_import import _hash, person, xlsx

pytestmark = pytest.mark.django_db


def good_file(*rows) -> SimpleUploadedFile:
    return SimpleUploadedFile("名单.xlsx", xlsx("residents", list(rows)).getvalue())


def test_starting_a_job_stores_the_file_for_its_check(world):
    job = jobs.start_import_job(
        actor=world.officer_a, kind="residents", upload=good_file(person(1))
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED and job.created_by == world.officer_a
    assert job.filename == "名单.xlsx" and bytes(job.content).startswith(b"PK\x03\x04")


def test_someone_without_import_rights_cannot_start_a_job(world):
    with pytest.raises(PermissionDenied):
        jobs.start_import_job(
            actor=world.grid_worker_a1, kind="residents", upload=good_file(person(1))
        )
    assert not ImportJob.objects.exists()


def test_an_unknown_kind_and_a_wrong_file_are_named_and_nothing_is_stored(world):
    bad = SimpleUploadedFile("people.xlsx", b"name,id\n")
    with pytest.raises(ValidationError) as refused:
        jobs.start_import_job(actor=world.officer_a, kind="spaceships", upload=bad)
    assert set(refused.value.message_dict) == {"kind", "file"}
    assert "不是 Excel 工作簿" in refused.value.message_dict["file"][0]
    assert not ImportJob.objects.exists()


def test_another_user_cannot_run_a_job_and_nothing_changes(world, registry):
    job = jobs.start_import_job(
        actor=world.officer_a, kind="residents", upload=good_file(person(1))
    )
    with pytest.raises(PermissionDenied):
        jobs.run_import_job(actor=world.officer_b, job=job, commit=False)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED and job.rows == 0
    assert not Resident.objects.filter(id_hash=_hash(1)).exists()
    assert not AuditEvent.objects.filter(action="registry.import").exists()


def test_a_commit_before_a_passed_check_changes_nothing(world, registry):
    job = jobs.start_import_job(
        actor=world.officer_a, kind="residents", upload=good_file(person(1))
    )
    jobs.run_import_job(actor=world.officer_a, job=job, commit=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED and job.rows == 0
    assert not Resident.objects.filter(id_hash=_hash(1)).exists()


def test_a_check_then_a_commit_import_the_rows_and_empty_the_file(world, registry):
    job = jobs.start_import_job(
        actor=world.officer_a, kind="residents", upload=good_file(person(1))
    )
    jobs.run_import_job(actor=world.officer_a, job=job, commit=False)
    assert job.status == ImportJob.Status.CHECKED and job.rows == 1
    jobs.run_import_job(actor=world.officer_a, job=job, commit=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and bytes(job.content) == b""
    assert Resident.objects.filter(id_hash=_hash(1)).count() == 1
