"""Bulk import of addresses, houses, residents and units from Excel (.xlsx) or CSV.

The contract: every row is checked before anything is written, and every problem is
reported as (row, column, message) in the user's language; a dry run stops there. A
commit checks again and writes everything in one transaction with one audit entry, or
nothing at all. A person already registered (same document number, in the file or in
the database) is an error, never merged: merging is an explicit action elsewhere.

Rows are streamed (openpyxl read-only, csv reader) and only compact tuples of cleaned
values are kept between checking and writing, so 100,000 rows fit in a few hundred MB.

Where things are: ``columns`` (each kind's columns), ``reading`` (files into rows),
``importer`` (what every kind's checks share), ``residents``, ``addresses`` and
``premises`` (each kind's checks and writes), ``run`` (``run_import``: check, then commit
all or nothing), ``report`` (what was found), ``template`` (the .xlsx to fill in), ``jobs``
(an upload kept as an ``ImportJob`` between its check and its commit: ``start_import_job``,
``run_import_job``).
"""

from fengqiao.registry.imports.columns import COLUMNS, KIND_LABELS, KINDS, Column
from fengqiao.registry.imports.importer import Progress
from fengqiao.registry.imports.reading import estimate_rows, read_rows
from fengqiao.registry.imports.report import ImportFileError, ImportReport, RowError
from fengqiao.registry.imports.run import IMPORT_PERMISSIONS, run_import
from fengqiao.registry.imports.template import template_workbook

__all__ = [
    "COLUMNS",
    "IMPORT_PERMISSIONS",
    "KINDS",
    "KIND_LABELS",
    "Column",
    "ImportFileError",
    "ImportReport",
    "Progress",
    "RowError",
    "estimate_rows",
    "read_rows",
    "run_import",
    "template_workbook",
]
