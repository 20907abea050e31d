"""Bulk import and export pages: choose a kind, download its template, upload, see every
bad row of the check, confirm; and export of any filtered registry list to Excel.

The uploaded file waits in an ``ImportJob`` row between the check and the commit; the
job's writes (starting one, running its check or its commit) are ``imports.jobs``'
services. While a run goes on, the page polls a small fragment that reads the progress
the run reports into Django's cache under the job's key.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fengqiao.places.models import subtree_q
from fengqiao.registry import exchange, exports, imports, search, selectors
from fengqiao.registry.exchange_forms import ExchangeForm
from fengqiao.registry.imports import jobs
from fengqiao.registry.models import ImportJob

EXPORT_SEARCH_LIMIT = 5000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STOP_POLLING = 286  # htmx stops an "every 1s" poll on this status


def _job_for(user, pk: int) -> ImportJob:
    """The user's own import job, else 404 (another user's job reads like a missing one)."""
    return get_object_or_404(ImportJob.objects.defer("content"), pk=pk, created_by=user)


@login_required
def import_page(request):
    """GET: the form. POST: store the upload as a job and go to its page."""
    kinds = jobs.kinds_for(request.user)
    if not kinds:
        raise PermissionDenied(_("没有批量导入的权限"))
    errors: dict[str, str] = {}
    kind = request.POST.get("kind") or request.GET.get("kind") or kinds[0][0]
    if request.method == "POST":
        try:
            job = jobs.start_import_job(
                actor=request.user, kind=kind, upload=request.FILES.get("file")
            )
        except ValidationError as error:
            errors = {field: messages[0] for field, messages in error.message_dict.items()}
        else:
            return redirect("registry:import-job", job.pk)
    recent = ImportJob.objects.defer("content").filter(created_by=request.user)[:10]
    context = {
        "kinds": kinds,
        "kind": kind,
        "errors": errors,
        "recent": recent,
        "may_exchange": bool(exchange.kinds_for(request.user)),
    }
    return render(request, "registry/import.html", context, status=400 if errors else 200)


@login_required
@require_GET
def import_template(request, kind: str):
    if kind not in dict(jobs.kinds_for(request.user)):
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
    jobs.run_import_job(actor=request.user, job=job, commit=request.POST.get("commit") == "1")
    if request.headers.get("HX-Request"):
        return render(request, "registry/import_result.html", _job_context(job))
    return redirect("registry:import-job", job.pk)


@login_required
@require_GET
def import_progress(request, pk: int):
    """How far the running check or import is: polled every second while it runs."""
    state = jobs.progress_of(user=request.user, pk=pk)
    # The cache entry names its user, so a poll needs no database read during a long write.
    if state is None:
        job = _job_for(request.user, pk)
        if job.status != ImportJob.Status.UPLOADED:
            return render(
                request,
                "registry/import_progress.html",
                {"job": job, "state": None},
                status=STOP_POLLING,
            )
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


CONTENT_TYPES = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8", "zip": "application/zip"}


@login_required
def exchange_export(request):
    """GET: the form (which file, which area, which format, numbers revealed and why).
    POST: the file, from ``exchange.export_exchange`` (scoped, audited)."""
    kinds = exchange.kinds_for(request.user)
    if not kinds:
        raise PermissionDenied(_("没有导出交换文件的权限"))
    form = ExchangeForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            content = exchange.export_exchange(
                actor=request.user,
                kind=data["kind"],
                file_format=data["file_format"],
                area_code=data["area"],
                reveal=data["reveal"],
                reason=data["reason"],
                encoding=data["encoding"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            name = exchange.filename(data["kind"], data["file_format"])
            response = HttpResponse(content, content_type=CONTENT_TYPES[name.rsplit(".", 1)[1]])
            response["Content-Disposition"] = content_disposition_header(True, name)
            return response
    status = 400 if form.errors else 200
    return render(request, "registry/exchange.html", {"form": form}, status=status)


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
