"""``run_import``: check every row of a file, then, on commit, write them all in one
transaction with one audit entry, or nothing."""

from __future__ import annotations

import gc
from typing import BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.registry.imports.addresses import AddressImporter
from fengqiao.registry.imports.columns import KIND_LABELS, unknown_kind
from fengqiao.registry.imports.importer import Importer, Progress
from fengqiao.registry.imports.premises import HouseImporter, UnitImporter
from fengqiao.registry.imports.reading import estimate_rows, read_table
from fengqiao.registry.imports.report import FILE, ImportFileError, ImportReport
from fengqiao.registry.imports.residents import ResidentImporter

GC_THRESHOLD = 100_000

IMPORTERS: dict[str, type[Importer]] = {
    "residents": ResidentImporter,
    "addresses": AddressImporter,
    "houses": HouseImporter,
    "units": UnitImporter,
}
# The permission each kind's import needs (pages offer only the kinds a user may import).
IMPORT_PERMISSIONS = {kind: importer.permission for kind, importer in IMPORTERS.items()}


def run_import(
    *,
    actor,
    kind: str,
    file_obj: BinaryIO,
    filename: str,
    commit: bool,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row of the file and, with ``commit``, write them all or nothing.

    Raises ``PermissionDenied`` unless the actor may add records of this kind. Addresses,
    grids and buildings outside the actor's jurisdiction are reported like unknown ones.
    On commit without errors, one transaction writes the rows (and, for residents, their
    occupancies and any new houses) with one audit entry ``registry.import``.
    ``progress(done, total)`` is called every ``PROGRESS_EVERY`` rows while checking and
    while writing (``total`` is None when not known in advance).
    """
    importer_class = IMPORTERS.get(kind)
    if importer_class is None:
        raise ValidationError({"kind": unknown_kind(kind)})
    if not actor.has_perm(importer_class.permission):
        raise PermissionDenied(_("没有导入%(kind)s的权限") % {"kind": _(KIND_LABELS[kind])})
    report = ImportReport(kind=kind, filename=filename)
    return run_importer(
        importer_class(actor, report),
        file_obj=file_obj,
        filename=filename,
        commit=commit,
        progress=progress,
    )


def run_importer(
    importer: Importer,
    *,
    file_obj: BinaryIO,
    filename: str,
    commit: bool,
    progress: Progress | None = None,
) -> ImportReport:
    """``run_import``'s check and all-or-nothing commit for any importer (another module's
    kind included), once the caller has checked the actor's right to import it."""
    report, actor = importer.report, importer.actor
    # Checking and writing allocate millions of small, acyclic objects; the cyclic
    # collector's passes over them cost a fifth of the time and find nothing.
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], GC_THRESHOLD), *threshold[1:])
    # An importer may read the file again to write it (the case import holds only each
    # row's keys between its check and its commit).
    importer.source = (file_obj, filename)
    try:
        _check_file(importer, file_obj, filename, progress)
        if commit and report.ok:
            _commit(importer, report, actor, progress)
    finally:
        gc.set_threshold(*threshold)
    report.finish()
    return report


def _check_file(importer: Importer, file_obj, filename: str, progress: Progress | None):
    report = importer.report
    total = estimate_rows(file_obj, filename) if progress else None
    try:
        for row in read_table(importer.columns(), file_obj, filename):
            report.rows += 1
            importer.check(row)
            importer.checked(progress, report.rows, total)
    except ImportFileError as error:
        report.add_error(0, FILE, str(error))
    else:
        if report.rows == 0:
            report.add_error(0, FILE, _("文件里没有数据行"))
        importer.check_against_database()
    if progress:
        progress(report.rows, report.rows)


def _commit(importer: Importer, report: ImportReport, actor, progress: Progress | None):
    try:
        with transaction.atomic():
            # Someone may have registered the same person or code since the check.
            importer.check_against_database()
            if not report.ok:
                raise _Abort
            created = importer.write(progress)
            # A file that changes nothing (the same file run again) leaves no entry.
            if any(created.values()):
                audit.record(
                    actor=actor,
                    action=importer.audit_action,
                    changes={
                        "kind": report.kind,
                        "filename": report.filename[:200],
                        "rows": report.rows,
                        "created": created,
                        "skipped": report.skipped,
                        **importer.audit_changes(),
                    },
                )
    except _Abort:
        return
    except IntegrityError:
        report.add_error(0, FILE, _(importer.conflict_message))
        return
    report.created = created
    report.committed = True


class _Abort(Exception):
    """Leaves the transaction so that nothing is written."""
