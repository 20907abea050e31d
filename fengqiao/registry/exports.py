"""Export of a filtered registry list to Excel: masked numbers only, and who exported when.

The first line of every sheet names the exporting user and the time, the workbook's
creator property says the same, and the export is written to the audit log, so a file
found later can be traced to the person who took it out.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from openpyxl import Workbook

from fengqiao.audit import services as audit
from fengqiao.org.scope import person_of, scope_to
from fengqiao.privacy import mask_phone
from fengqiao.spreadsheets import text_safe_row

CHUNK = 2000


@dataclass(frozen=True)
class ExportKind:
    """What one list exports: its sheet title, permission, related rows and columns."""

    title: str
    permission: str
    related: tuple[str, ...]
    columns: tuple[tuple[str, Callable], ...]


def _date(value) -> str:
    return value.isoformat() if value else ""


def _address_of_house(house) -> str:
    return house.address.full_text if house else ""


# Headers are the import's column names where the two meet, so an export reads back in.
EXPORTS: dict[str, ExportKind] = {
    "residents": ExportKind(
        N_("实有人口"),
        "registry.view_resident",
        ("house__address",),
        (
            ("姓名", lambda r: r.name),
            ("证件类型", lambda r: r.get_id_type_display()),
            ("证件号码", lambda r: r.id_masked),
            ("手机号码", lambda r: r.phone_masked),
            ("人户状态", lambda r: r.get_residence_type_display()),
            ("户籍地", lambda r: r.hukou_place),
            ("住址", lambda r: _address_of_house(r.house)),
            ("房屋标识", lambda r: r.house.label if r.house else ""),
            ("迁入日期", lambda r: _date(r.moved_in)),
            ("迁出日期", lambda r: _date(r.moved_out)),
        ),
    ),
    "addresses": ExportKind(
        N_("标准地址"),
        "registry.view_address",
        ("grid", "building"),
        (
            ("网格编码", lambda a: a.grid.code),
            ("地址", lambda a: a.full_text),
            ("楼栋编码", lambda a: a.building.code if a.building else ""),
            ("经度", lambda a: a.lon),
            ("纬度", lambda a: a.lat),
            ("核实时间", lambda a: _local(a.verified_at) if a.verified_at else ""),
        ),
    ),
    "houses": ExportKind(
        N_("实有房屋"),
        "registry.view_house",
        ("address",),
        (
            ("住址", lambda h: h.address.full_text),
            ("房屋标识", lambda h: h.label),
            ("用途", lambda h: h.get_use_display()),
            ("房主", lambda h: h.owner_name),
            ("房主电话", lambda h: h.phone_masked),
        ),
    ),
    "units": ExportKind(
        N_("实有单位"),
        "registry.view_establishment",
        ("address",),
        (
            ("名称", lambda u: u.name),
            ("类型", lambda u: u.get_kind_display()),
            ("统一社会信用代码", lambda u: u.credit_code),
            ("住址", lambda u: u.address.full_text),
            ("负责人", lambda u: u.in_charge_name),
            ("负责人电话", lambda u: mask_phone(u.in_charge_phone)),
            ("治安联系人", lambda u: u.security_name),
            ("治安联系人电话", lambda u: mask_phone(u.security_phone)),
            ("从业人数", lambda u: u.employee_count),
        ),
    ),
    "key_people": ExportKind(
        N_("重点人群"),
        "registry.view_keyperson",
        ("resident", "officer"),
        (
            ("姓名", lambda k: k.resident.name),
            ("证件号码", lambda k: k.resident.id_masked),
            ("人群类别", lambda k: k.kind_label),
            ("关注等级", lambda k: k.get_care_level_display()),
            ("走访周期（天）", lambda k: k.visit_every_days),
            ("下次走访", lambda k: _date(k.next_visit_due)),
            ("上次走访", lambda k: _date(k.last_visit_on)),
            ("责任民警", lambda k: k.officer.name if k.officer else ""),
        ),
    ),
}
EXPORT_KINDS = tuple(EXPORTS)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def exporter_name(user) -> str:
    """The name an export is signed with: the staff profile's, else the account's."""
    person = person_of(user)
    return (person.name if person else "") or user.get_full_name() or user.get_username()


FORMATS = ("xlsx", "csv")
# A CSV's encoding: UTF-8 with a BOM (Excel then reads Chinese right), or GBK for older
# provincial systems that read nothing else (gb18030 writes every character GBK has).
CSV_ENCODINGS = {"utf-8": "utf-8-sig", "gbk": "gb18030"}
# CSV has no cell types: a leading = + - @ tab or CR would run as a formula in Excel.
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def signature_line(name: str) -> str:
    return _("导出人：%(name)s 导出时间：%(time)s") % {"name": name, "time": _local(timezone.now())}


def write_table(
    *,
    title: str,
    signed_by: str,
    headers: list[str],
    rows: Iterable[list],
    file_format: str = "xlsx",
    encoding: str = "utf-8",
) -> bytes:
    """One table as .xlsx or CSV: the signature line (who exported, when), the headers,
    then the rows. Strings that look like formulas stay text (``text_safe_row`` in a
    workbook, a leading apostrophe in a CSV, which the import strips again)."""
    return write_tables(
        signed_by=signed_by,
        tables=[(title, headers, rows)],
        file_format=file_format,
        encoding=encoding,
    )


def write_tables(
    *,
    signed_by: str,
    tables: list[tuple[str, list[str], Iterable[list]]],
    file_format: str = "xlsx",
    encoding: str = "utf-8",
) -> bytes:
    """``write_table`` for several tables (title, headers, rows): one sheet each in a
    workbook; one CSV each in a .zip when there is more than one. Tables are written in
    order, so a later table's rows may be gathered while the first one's are written."""
    if file_format == "csv":
        files = [
            (title, _csv_table(signed_by, headers, rows, encoding))
            for title, headers, rows in tables
        ]
        if len(files) == 1:
            return files[0][1]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for number, (title, content) in enumerate(files, start=1):
                archive.writestr(f"{number}-{title}.csv", content)
        return out.getvalue()
    workbook = Workbook(write_only=True)
    workbook.properties.creator = signed_by
    workbook.properties.title = tables[0][0]
    for title, headers, rows in tables:
        sheet = workbook.create_sheet(title[:31])
        sheet.append([signature_line(signed_by)])
        sheet.append(headers)
        for row in rows:
            # Names, addresses and notes are what people typed: text, never a formula.
            sheet.append(text_safe_row(sheet, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_private_file(path: Path, content: bytes) -> None:
    """Write an export to ``path`` readable and writable by its owner only (an existing
    file too): a file of names, addresses and perhaps full numbers does not become
    readable by every account on the machine through the umask."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as written:
        os.fchmod(written.fileno(), 0o600)
        written.write(content)


def _csv_table(signed_by: str, headers: list[str], rows: Iterable[list], encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([signature_line(signed_by)])
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_safe(value) for value in row])
    return buffer.getvalue().encode(CSV_ENCODINGS[encoding], errors="replace")


def _csv_safe(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_CSV_FORMULA_START) and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def export_workbook(*, actor, kind: str, queryset: QuerySet) -> bytes:
    """An .xlsx of ``queryset`` (narrowed again to the actor's jurisdiction): a first line
    "导出人：… 导出时间：…", the column headers, then one row per record with ID and phone
    numbers masked. Writes one audit entry ``registry.exported`` with the kind and count.
    Raises ``PermissionDenied`` unless the actor may view records of this kind."""
    spec = EXPORTS.get(kind)
    if spec is None or not actor.has_perm(spec.permission):
        raise PermissionDenied(_("没有导出这类名单的权限"))
    records = scope_to(actor, queryset).select_related(*spec.related)
    counter = Counter()
    content = write_table(
        title=_(spec.title),
        signed_by=exporter_name(actor),
        headers=[label for label, _value in spec.columns],
        rows=counter.count(
            [value(record) for _label, value in spec.columns]
            for record in records.iterator(chunk_size=CHUNK)
        ),
    )
    audit.record(
        actor=actor, action="registry.exported", changes={"kind": kind, "rows": counter.rows}
    )
    return content


class Counter:
    """Counts the rows of a stream as they are written (for the audit entry)."""

    def __init__(self) -> None:
        self.rows = 0

    def count(self, rows: Iterable) -> Iterator:
        for row in rows:
            self.rows += 1
            yield row
