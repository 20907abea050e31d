"""Bulk import and export pages: choose a kind, download its template, upload, see every
bad row of the check, confirm; and export of any filtered registry list to Excel.

The uploaded file waits in an ``ImportJob`` row between the check and the commit (no
local files as state). The check and the commit each run inside the request that asks
for them; meanwhile the page polls a small fragment that reads the progress the service
reports into Django's cache under the job's key.
"""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fengqiao.places.models import subtree_q
from fengqiao.registry import exports, imports, search, selectors
from fengqiao.registry.models import ImportJob

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PROGRESS_TTL = 3600
EXPORT_SEARCH_LIMIT = 5000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STOP_POLLING = 286  # htmx stops an "every 1s" poll on this status


def _kinds_for(user) -> list[tuple[str, str]]:
    """(kind, label) of the imports the user may run."""
    return [
        (kind, _(imports.KIND_LABELS[kind]))
        for kind, permission in imports.IMPORT_PERMISSIONS.items()
        if user.has_perm(permission)
    ]


def _job_for(user, pk: int) -> ImportJob:
    """The user's own import job, else 404 (another user's job reads like a missing one)."""
    return get_object_or_404(ImportJob.objects.defer("content"), pk=pk, created_by=user)


def _progress_key(pk: int) -> str:
    return f"registry-import-progress-{pk}"


@login_required
def import_page(request):
    """GET: the form. POST: store the upload as a job and go to its page."""
    kinds = _kinds_for(request.user)
    if not kinds:
        raise PermissionDenied(_("没有批量导入的权限"))
    errors: dict[str, str] = {}
    kind = request.POST.get("kind") or request.GET.get("kind") or kinds[0][0]
    if request.method == "POST":
        upload = request.FILES.get("file")
        if kind not in dict(kinds):
            errors["kind"] = _("请选择要导入的类型")
        errors |= _check_upload(upload)
        if not errors:
            job = ImportJob.objects.create(
                kind=kind,
                filename=upload.name[:255],
                content=upload.read(),
                created_by=request.user,
            )
            return redirect("registry:import-job", job.pk)
    recent = ImportJob.objects.defer("content").filter(created_by=request.user)[:10]
    context = {"kinds": kinds, "kind": kind, "errors": errors, "recent": recent}
    return render(request, "registry/import.html", context, status=400 if errors else 200)


def _check_upload(upload) -> dict[str, str]:
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
    elif name.endswith(".csv"):
        if b"\x00" in head or head.startswith(b"PK\x03\x04"):
            return {"file": _("文件扩展名是 .csv，但内容不是文本")}
    else:
        return {"file": _("只能上传 .xlsx 或 .csv 文件（.xls 请先另存为 .xlsx）")}
    return {}


@login_required
@require_GET
def import_template(request, kind: str):
    if kind not in dict(_kinds_for(request.user)):
        raise Http404
    filename = _("%(kind)s导入模板.xlsx") % {"kind": _(imports.KIND_LABELS[kind])}
    return _xlsx_response(imports.template_workbook(kind), filename)


@login_required
@require_GET
def import_job(request, pk: int):
    job = _job_for(request.user, pk)
    return render(request, "registry/import_job.html", _job_context(job))


def _job_context(job: ImportJob) -> dict:
    return {
        "job": job,
        "kind_label": _(imports.KIND_LABELS.get(job.kind, job.kind)),
        "more_errors": max(job.error_count - len(job.errors), 0),
    }


@login_required
@require_POST
def import_run(request, pk: int):
    """Check the job's file (``commit`` absent) or import it (``commit=1``, only after a
    passed check); the result fragment for htmx, else back to the job page."""
    job = _job_for(request.user, pk)
    commit = request.POST.get("commit") == "1"
    allowed = ImportJob.Status.CHECKED if commit else ImportJob.Status.UPLOADED
    if job.status == allowed:
        _run(job, request.user, commit=commit)
    if request.headers.get("HX-Request"):
        return render(request, "registry/import_result.html", _job_context(job))
    return redirect("registry:import-job", job.pk)


def _run(job: ImportJob, user, *, commit: bool) -> None:
    key = _progress_key(job.pk)
    phase = "write" if commit else "check"

    def progress(done: int, total: int | None) -> None:
        cache.set(
            key,
            {"user": user.pk, "phase": phase, "done": done, "total": total},
            PROGRESS_TTL,
        )

    progress(0, None)
    content = ImportJob.objects.values_list("content", flat=True).get(pk=job.pk)
    try:
        report = imports.run_import(
            actor=user,
            kind=job.kind,
            file_obj=io.BytesIO(bytes(content)),
            filename=job.filename,
            commit=commit,
            progress=progress,
        )
    finally:
        cache.delete(key)
    started = job.status
    changes = {
        "rows": report.rows,
        "error_count": report.error_count,
        "errors": [list(error) for error in report.errors],
        "counts": {**(report.created or report.counts), "skipped": report.skipped},
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
    # Conditional on the status this run started from: of two confirmations sent at once,
    # the one that lost (its rows were registered by the other) does not overwrite "done".
    if ImportJob.objects.filter(pk=job.pk, status=started).update(**changes):
        for name, value in changes.items():
            setattr(job, name, value)
    else:
        job.refresh_from_db(fields=["status", "rows", "error_count", "errors", "counts"])


@login_required
@require_GET
def import_progress(request, pk: int):
    """How far the running check or import is: polled every second while it runs."""
    state = cache.get(_progress_key(pk))
    # The cache entry names its user, so a poll needs no database read during a long write.
    if state is None or state.get("user") != request.user.pk:
        job = _job_for(request.user, pk)
        if job.status != ImportJob.Status.UPLOADED:
            return render(
                request,
                "registry/import_progress.html",
                {"job": job, "state": None},
                status=STOP_POLLING,
            )
        state = None
    return render(request, "registry/import_progress.html", {"pk": pk, "state": state})


# --- export ----------------------------------------------------------------------------


def _export_queryset(user, kind: str, params) -> object:
    """The list page's records for ``params`` (q, residence_type, within), scoped."""
    within = params.get("within", "").strip()
    if kind == "residents":
        records = selectors.residents_for(
            user, residence_type=params.get("residence_type", ""), within=within
        )
    else:
        records = {
            "addresses": selectors.addresses_for,
            "houses": selectors.houses_for,
            "units": selectors.establishments_for,
            "key_people": selectors.key_people_for,
        }[kind](user)
        if within.startswith("/"):
            records = records.filter(subtree_q(within, "scope_path"))
    query = params.get("q", "").strip()
    if query:
        found = search.search(user, query, limit=EXPORT_SEARCH_LIMIT)
        matches = {
            "residents": found.residents,
            "addresses": found.addresses,
            "houses": found.houses,
            "units": found.establishments,
            "key_people": found.residents,
        }[kind]
        field = "resident__in" if kind == "key_people" else "pk__in"
        records = records.filter(**{field: [record.pk for record in matches]})
    return records


@login_required
@require_GET
def export(request, kind: str):
    if kind not in exports.EXPORTS:
        raise Http404
    spec = exports.EXPORTS[kind]
    if not request.user.has_perm(spec.permission):
        raise PermissionDenied(_("没有导出这类名单的权限"))
    records = _export_queryset(request.user, kind, request.GET)
    content = exports.export_workbook(actor=request.user, kind=kind, queryset=records)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _xlsx_response(content, f"{_(spec.title)}-{stamp}.xlsx")


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
