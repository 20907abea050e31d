"""The case import pages, under /cases/import/: download the template, upload a file, see
every bad row and the mapping of its values to ours, edit the mapping and check again,
confirm. The job's writes are ``disputes.imports``' services; these views only read the
form and show the job. Progress is polled from the registry's progress fragment (the same
job model and cache key).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.views.decorators.http import require_GET, require_POST

from fengqiao.disputes import imports
from fengqiao.disputes.imports import mapping
from fengqiao.disputes.imports.gbt31000 import GBT31000
from fengqiao.disputes.imports.template import case_template
from fengqiao.org.models import Team
from fengqiao.org.scope import scope_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The layout whose file may also be a .zip (the exchange file's two CSVs).
ZIPPED = GBT31000.code
TEMPLATE_NAMES = {
    imports.MEDIATION_18.code: N_("人民调解案件导入模板.xlsx"),
    GBT31000.code: N_("GBT31000矛盾纠纷交换文件模板.xlsx"),
}


def _ensure_may_import(user) -> None:
    if not imports.may_import_cases(user):
        raise PermissionDenied(_("没有导入案件的权限"))


def _job_for(user, pk: int):
    """The user's own case import job, else 404 (another user's reads like a missing one)."""
    return get_object_or_404(imports.case_import_jobs_of(user), pk=pk)


@login_required
def case_import(request):
    """GET: the upload form. POST: store the upload as a job and go to its page."""
    _ensure_may_import(request.user)
    errors: dict[str, str] = {}
    layout = request.POST.get("layout") or request.GET.get("layout") or imports.MEDIATION_18.code
    if request.method == "POST":
        try:
            job = imports.start_case_import(
                actor=request.user, upload=request.FILES.get("file"), layout=layout
            )
        except ValidationError as error:
            errors = {field: messages[0] for field, messages in error.message_dict.items()}
        else:
            return redirect("disputes:case_import_job", job.pk)
    context = {
        "errors": errors,
        "layouts": [(code, _(spec.label)) for code, spec in imports.LAYOUTS.items()],
        "layout": layout,
        "zipped": ZIPPED,
        "recent": imports.case_import_jobs_of(request.user)[:10],
    }
    return render(request, "disputes/case_import.html", context, status=400 if errors else 200)


@login_required
@require_GET
def case_import_template(request):
    """The template of the layout named by ``?layout=`` (the 18 columns without one)."""
    _ensure_may_import(request.user)
    layout = request.GET.get("layout") or imports.MEDIATION_18.code
    if layout not in imports.LAYOUTS:
        raise Http404
    response = HttpResponse(case_template(layout), content_type=XLSX)
    filename = _(TEMPLATE_NAMES.get(layout, TEMPLATE_NAMES[imports.MEDIATION_18.code]))
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def case_import_job(request, pk: int):
    _ensure_may_import(request.user)
    job = _job_for(request.user, pk)
    return render(request, "disputes/case_import_job.html", _job_context(request.user, job))


@login_required
@require_POST
def case_import_run(request, pk: int):
    """Check the job's file with the mapping sent (``commit`` absent) or import it
    (``commit=1``); the result fragment for htmx, else back to the job page."""
    _ensure_may_import(request.user)
    job = _job_for(request.user, pk)
    problem = ""
    try:
        imports.run_case_import(
            actor=request.user,
            job=job,
            commit=request.POST.get("commit") == "1",
            mapping=_posted_mapping(request.POST),
            exclude_unresolved=request.POST.get("exclude_unresolved") == "1",
        )
    except ValidationError as error:
        problem = "；".join(error.messages)
    context = _job_context(request.user, job) | {"problem": problem}
    if request.headers.get("HX-Request"):
        return render(request, "disputes/case_import_result.html", context)
    if problem:
        return render(request, "disputes/case_import_job.html", context, status=400)
    return redirect("disputes:case_import_job", job.pk)


def _posted_mapping(post) -> dict[str, dict[str, str]] | None:
    """The mapping form's choices: ``value-<dim>-<i>`` names a value, ``map-<dim>-<i>``
    our choice for it (blank: the default rule)."""
    table: dict[str, dict[str, str]] = {}
    for name, value in post.items():
        parts = name.split("-", 2)
        if len(parts) != 3 or parts[0] != "value":
            continue
        _prefix, dimension, index = parts
        if dimension not in mapping.BY_KEY:
            continue
        choice = post.get(f"map-{dimension}-{index}", "").strip()
        if choice:
            table.setdefault(dimension, {})[value] = choice
    return table or None


def _job_context(user, job) -> dict:
    counts = job.counts or {}
    return {
        "job": job,
        "layout_label": _(imports.LAYOUTS[imports.layout_of(job)].label),
        "counts": counts,
        "dimensions": _mapping_rows(user, counts.get("mapping") or {}),
        "excluded": counts.get("excluded") or [],
        "exclude_unresolved": counts.get("exclude_unresolved", False),
        "more_errors": max(job.error_count - len(job.errors), 0),
    }


def _mapping_rows(user, table: dict) -> list[dict]:
    """Each dimension with its values, counts, current choice and the choices offered."""
    teams = None
    out = []
    for dimension in mapping.DIMENSIONS:
        rows = table.get(dimension.key) or []
        if not rows:
            continue
        if dimension.key == "team" and teams is None:
            teams = [
                (str(pk), name)
                for pk, name in scope_to(user, Team.objects.all())
                .order_by("name")
                .values_list("pk", "name")[:500]
            ]
        options = teams if dimension.key == "team" else mapping.choices(dimension.key)
        out.append(
            {
                "key": dimension.key,
                "label": _(dimension.label),
                "rows": rows,
                "options": options,
                "free_text": dimension.key == "place",
            }
        )
    return out
