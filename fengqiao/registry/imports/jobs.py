"""Import jobs: an uploaded file waiting in an ``ImportJob`` row between its check and its
commit (no local files as state), and what came of each run.

The check and the commit each run inside the request that asks for them; meanwhile the
page polls the progress the run reports into Django's cache under the job's key, which
names the user so a poll needs no database read during a long write.

The file holds full ID numbers and phones in clear, so it is kept only while it may still
be imported: emptied once its import commits (or a registry file fails its check, which
cannot be run again), and a job never imported is deleted with its file by
``sweep_uploads`` once older than ``settings.IMPORT_UPLOAD_MAX_AGE``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import BinaryIO

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.registry.imports.columns import KIND_LABELS
from fengqiao.registry.imports.importer import Progress
from fengqiao.registry.imports.report import ImportReport
from fengqiao.registry.imports.run import IMPORT_PERMISSIONS, run_import
from fengqiao.registry.models import ImportJob

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Another module's import run on a job's file: (file, filename, commit, progress) → report.
Runner = Callable[[BinaryIO, str, bool, Progress], ImportReport]
PROGRESS_TTL = 3600


def kinds_for(user) -> list[tuple[str, str]]:
    """(kind, label) of the imports the user may run."""
    return [
        (kind, _(KIND_LABELS[kind]))
        for kind, permission in IMPORT_PERMISSIONS.items()
        if user.has_perm(permission)
    ]


def progress_key(pk: int) -> str:
    return f"registry-import-progress-{pk}"


def progress_of(*, user, pk: int) -> dict | None:
    """How far ``user``'s running check or import of job ``pk`` is; None when none of
    theirs is running."""
    state = cache.get(progress_key(pk))
    if state is None or state.get("user") != user.pk:
        return None
    return state


def start_import_job(*, actor, kind: str, upload) -> ImportJob:
    """Store ``upload`` as a job of ``kind`` waiting for its check.

    Raises ``PermissionDenied`` when the actor may import nothing, and ``ValidationError``
    naming ``kind`` (one the actor may not import) and ``file`` (missing, over 20 MB, or
    not the .xlsx or .csv its name says)."""
    kinds = dict(kinds_for(actor))
    if not kinds:
        raise PermissionDenied(_("没有批量导入的权限"))
    errors: dict[str, str] = {}
    if kind not in kinds:
        errors["kind"] = _("请选择要导入的类型")
    errors |= _upload_problems(upload)
    if errors:
        raise ValidationError(errors)
    return _stored(actor, kind, upload)


def store_upload(
    *, actor, kind: str, upload, zipped: bool = False, details: dict | None = None
) -> ImportJob:
    """``start_import_job`` for another module's kind (cases), whose service has checked
    the actor's right to import it: the file checked and stored as a job of ``kind``.
    With ``zipped`` a .zip is taken instead of a .csv (an exchange file's two CSVs);
    ``details`` (the layout chosen) start the job's ``counts``, for its runner to read."""
    errors = _upload_problems(upload, zipped=zipped)
    if errors:
        raise ValidationError(errors)
    return _stored(actor, kind, upload, details)


def _stored(actor, kind: str, upload, details: dict | None = None) -> ImportJob:
    return ImportJob.objects.create(
        kind=kind,
        filename=upload.name[:255],
        content=upload.read(),
        counts=details or {},
        created_by=actor,
    )


def _upload_problems(upload, *, zipped: bool = False) -> dict[str, str]:
    """Problems with the uploaded file itself: missing, too large, wrong type."""
    if upload is None:
        return {"file": _("请选择要上传的文件")}
    if upload.size > MAX_UPLOAD_BYTES:
        return {"file": _("文件不能超过 20 MB，请分成几个文件导入")}
    name = upload.name.lower()
    head = upload.read(8192)
    upload.seek(0)
    if name.endswith(".xlsx"):
        if not head.startswith(b"PK\x03\x04"):
            return {"file": _("文件扩展名是 .xlsx，但内容不是 Excel 工作簿")}
    elif zipped and name.endswith(".zip"):
        if not head.startswith(b"PK\x03\x04"):
            return {"file": _("文件扩展名是 .zip，但内容不是 zip 压缩包")}
    elif zipped:
        return {"file": _("只能上传 .xlsx（两个工作表）或 .zip（两个 CSV）文件")}
    elif name.endswith(".csv"):
        if b"\x00" in head or head.startswith(b"PK\x03\x04"):
            return {"file": _("文件扩展名是 .csv，但内容不是文本")}
    else:
        return {"file": _("只能上传 .xlsx 或 .csv 文件（.xls 请先另存为 .xlsx）")}
    return {}


def run_import_job(
    *, actor, job: ImportJob, commit: bool, runner: Runner | None = None, recheck: bool = False
) -> ImportJob:
    """Check the job's file (``commit`` false, from "uploaded") or import it (``commit``,
    only from "checked", after a passed check), and record what came of it on the job.

    Only the job's own creator may run it (``PermissionDenied`` otherwise); a job in any
    other state is returned unchanged. Two runs at once: the record is updated on the
    condition of the state this run started from, so the one that lost (its rows were
    registered by the other) does not overwrite "done"; it reads the job back instead.

    ``runner(file_obj, filename, commit, progress)`` runs another module's import (it
    checks its own rights) and its report's ``job_extra`` is kept in ``counts``; with
    ``recheck`` a checked or refused file may be checked again (its mapping edited).
    """
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("这不是您上传的导入文件"))
    if runner is None and job.kind not in IMPORT_PERMISSIONS:
        raise PermissionDenied(_("这个导入文件不能在这里导入"))
    allowed = {ImportJob.Status.CHECKED} if commit else {ImportJob.Status.UPLOADED}
    if recheck and not commit:
        allowed |= {ImportJob.Status.CHECKED, ImportJob.Status.INVALID}
    if job.status not in allowed:
        return job
    key = progress_key(job.pk)
    phase = "write" if commit else "check"

    def progress(done: int, total: int | None) -> None:
        cache.set(
            key,
            {"user": actor.pk, "phase": phase, "done": done, "total": total},
            PROGRESS_TTL,
        )

    progress(0, None)
    content = ImportJob.objects.values_list("content", flat=True).get(pk=job.pk)
    try:
        file_obj = io.BytesIO(bytes(content))
        if runner is None:
            report = run_import(
                actor=actor,
                kind=job.kind,
                file_obj=file_obj,
                filename=job.filename,
                commit=commit,
                progress=progress,
            )
        else:
            report = runner(file_obj, job.filename, commit, progress)
    finally:
        cache.delete(key)
    started = job.status
    changes = {
        "rows": report.rows,
        "error_count": report.error_count,
        "errors": [list(error) for error in report.errors],
        "counts": {
            **(report.created or report.counts),
            "skipped": report.skipped,
            **getattr(report, "job_extra", {}),
        },
    }
    if report.committed:
        # The records are in the registry now; the file is not kept.
        changes |= {"status": ImportJob.Status.DONE, "finished_at": timezone.now(), "content": b""}
    elif report.ok:
        changes["status"] = ImportJob.Status.CHECKED
    else:
        changes["status"] = ImportJob.Status.INVALID
        if commit:
            changes["finished_at"] = timezone.now()
        if not recheck:
            # A refused file cannot be checked again (a corrected one is uploaded anew).
            changes["content"] = b""
    # Conditional on the status this run started from: of two confirmations sent at once,
    # the one that lost (its rows were registered by the other) does not overwrite "done".
    if ImportJob.objects.filter(pk=job.pk, status=started).update(**changes):
        for name, value in changes.items():
            setattr(job, name, value)
    else:
        try:
            job.refresh_from_db(fields=["status", "rows", "error_count", "errors", "counts"])
        except ImportJob.DoesNotExist:
            # Swept while it ran (``sweep_uploads``): what came of this run is still told.
            for name, value in changes.items():
                setattr(job, name, value)
    return job


def sweep_uploads(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The retention sweep of uploaded import files: every job older than
    ``settings.IMPORT_UPLOAD_MAX_AGE`` that was never imported is deleted, with its file
    and what its checks read from it (errors, the mapping table); a finished job older than
    that keeps its row but not its file (rows from before files were emptied on commit).
    Idempotent and cheap, so the periodic jobs run it often and anyone may run it by hand
    (``manage sweep_import_uploads``). Returns how many jobs were deleted and emptied."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.IMPORT_UPLOAD_MAX_AGE)
    old = ImportJob.objects.filter(created_at__lt=cutoff)
    _total, deleted = old.exclude(status=ImportJob.Status.DONE).delete()
    emptied = old.exclude(content=b"").update(content=b"")
    return {"deleted": deleted.get(ImportJob._meta.label, 0), "emptied": emptied}
