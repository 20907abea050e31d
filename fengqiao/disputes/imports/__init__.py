"""Importing cases from another system's export (a people's-mediation information system's
18-column file, domain-notes §5.2), with the registry import's machinery: files read
streaming (.xlsx, CSV in UTF-8 or GBK), every bad row and field reported in Chinese, a dry
run, then one all-or-nothing transaction with one audit entry (``registry.imports.run``).

Where things are: ``layouts`` (each system's columns, as data), ``mapping`` (their words to
our codes, editable), ``party_text`` (the 当事人 cell), ``cases`` (checking and writing),
``history`` (the timeline an imported case carries), ``template`` (the .xlsx to fill in),
``export`` (cases written back in a layout), ``gbt31000`` and ``gbt31000_cases`` (the
GB/T 31000 exchange file read back: two tables, a Fengqiao export's own cases found again).
"""

from __future__ import annotations

from typing import BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.dispatch import Signal
from django.utils.translation import gettext as _

from fengqiao.disputes.imports.gbt31000 import GBT31000
from fengqiao.disputes.imports.layouts import LAYOUTS, MEDIATION_18, Layout
from fengqiao.org.permissions import roles_of
from fengqiao.registry.imports import ImportReport, Progress
from fengqiao.registry.imports.run import run_importer

LAYOUTS[GBT31000.code] = GBT31000

# Sent inside the import's transaction with ``keys``: the (day, grid id, category) of every
# case it created or changed, before and after. The indicators (``analytics.facts``)
# refresh those once it commits, in bulk: bulk inserts send no per-row signal.
cases_imported = Signal()

CHANGE_CASE = "disputes.change_case"
# Bringing a county's history in is a supervisor's act, not a case worker's.
IMPORT_ROLES = frozenset({"admin", "station_chief", "judicial_officer"})


def may_import_cases(user) -> bool:
    """Whether ``user`` may import cases (into their own jurisdiction only)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.has_perm(CHANGE_CASE)
        and roles_of(user) & IMPORT_ROLES
    )


def import_cases(
    *,
    actor,
    file_obj: BinaryIO,
    filename: str,
    commit: bool,
    layout: str = MEDIATION_18.code,
    mapping: dict | None = None,
    exclude_unresolved: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check a case file and, with ``commit``, import it all or nothing.

    Raises ``PermissionDenied`` unless the actor may import cases, ``ValidationError`` for
    an unknown layout or a malformed ``mapping`` (``mapping.clean_overrides``). Every row's
    place must resolve to a grid in the actor's jurisdiction (rows that do not are errors,
    or, with ``exclude_unresolved``, listed in ``report.excluded`` and left out). A case an
    earlier import made from the same 案件编码 (same system and county) is updated; an
    unchanged row changes nothing. The report carries ``mapping`` (each dimension's
    values, counts and choices) and ``excluded``.
    """
    from fengqiao.disputes.imports import mapping as mappings
    from fengqiao.disputes.imports.cases import CaseImporter

    if not may_import_cases(actor):
        raise PermissionDenied(_("没有导入案件的权限"))
    if layout not in LAYOUTS:
        raise ValidationError({"layout": _("未知的文件格式“%(code)s”") % {"code": layout}})
    try:
        overrides = mappings.clean_overrides(mapping)
    except ValueError as error:
        raise ValidationError({"mapping": str(error)}) from None
    report = ImportReport(kind="cases", filename=filename)
    options = {"overrides": overrides, "exclude_unresolved": exclude_unresolved}
    if layout == GBT31000.code:
        importer, file_obj, filename = _exchange_importer(
            actor, report, file_obj, filename, options
        )
    else:
        importer = CaseImporter(actor, report, layout=LAYOUTS[layout], **options)
    if importer is not None:
        run_importer(
            importer, file_obj=file_obj, filename=filename, commit=commit, progress=progress
        )
    else:
        report.finish()
        report.mapping, report.excluded = {}, []
        return report
    report.mapping = importer.mapping_table()
    report.excluded = importer.excluded
    return report


def _exchange_importer(actor, report, file_obj, filename, options):
    """The GB/T 31000 importer with its file's people table read, and the events table to
    check; no importer (the report saying why) when the file lacks its two tables."""
    from fengqiao.disputes.imports.gbt31000_cases import ExchangeCaseImporter
    from fengqiao.registry.imports.report import FILE, ImportFileError

    importer = ExchangeCaseImporter(actor, report, **options)
    try:
        tables = importer.open(file_obj, filename)
    except ImportFileError as error:
        report.add_error(0, FILE, str(error))
        return None, file_obj, filename
    return importer, tables.events, tables.filename


# --- the page's jobs: an upload kept between its checks and its commit -------------------

JOB_KIND = "cases"


def start_case_import(*, actor, upload, layout: str = MEDIATION_18.code):
    """Store an uploaded case file in ``layout`` as an import job of the actor's
    (registry's ``ImportJob``), waiting for its check. ``PermissionDenied`` unless the actor
    may import cases; ``ValidationError`` naming ``layout`` when it is unknown, or ``file``
    when it is missing, too large or not the .xlsx or .csv its name says (for ``gbt31000``
    an .xlsx or a .zip of two CSVs)."""
    from fengqiao.registry.imports import jobs

    if not may_import_cases(actor):
        raise PermissionDenied(_("没有导入案件的权限"))
    if layout not in LAYOUTS:
        raise ValidationError({"layout": _("请选择文件格式")})
    return jobs.store_upload(
        actor=actor,
        kind=JOB_KIND,
        upload=upload,
        zipped=layout == GBT31000.code,
        details={"layout": layout},
    )


def layout_of(job) -> str:
    """The layout a case import job's file was uploaded in (the 18 columns for a job
    stored before the layout was chosen on the page)."""
    layout = (job.counts or {}).get("layout")
    return layout if layout in LAYOUTS else MEDIATION_18.code


def case_import_jobs_of(user):
    """The user's own case import jobs, newest first (the file's bytes left unread)."""
    from fengqiao.registry.models import ImportJob

    return ImportJob.objects.defer("content").filter(created_by=user, kind=JOB_KIND)


def run_case_import(*, actor, job, commit: bool, mapping=None, exclude_unresolved=False):
    """Check the job's file with ``mapping`` (again, after the user edits it) or, with
    ``commit``, import it: allowed only after a passed check, and checked once more with
    the mapping sent, so what is written is what that check passed. The mapping table and
    the excluded rows are kept in the job's ``counts``."""
    from fengqiao.registry.imports import jobs

    if job.kind != JOB_KIND:
        raise PermissionDenied(_("这不是案件导入文件"))
    layout = layout_of(job)

    def runner(file_obj, filename, commit, progress):
        report = import_cases(
            actor=actor,
            file_obj=file_obj,
            filename=filename,
            commit=commit,
            layout=layout,
            mapping=mapping,
            exclude_unresolved=exclude_unresolved,
            progress=progress,
        )
        report.job_extra = {
            "layout": layout,
            "mapping": report.mapping,
            "excluded": report.excluded[:1000],
            "exclude_unresolved": exclude_unresolved,
        }
        return report

    return jobs.run_import_job(actor=actor, job=job, commit=commit, runner=runner, recheck=True)


__all__ = [
    "LAYOUTS",
    "MEDIATION_18",
    "Layout",
    "case_import_jobs_of",
    "cases_imported",
    "import_cases",
    "layout_of",
    "run_case_import",
    "start_case_import",
    "may_import_cases",
]
