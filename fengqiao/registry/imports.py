"""Bulk import of addresses, houses, residents and units from Excel (.xlsx) or CSV.

The contract: every row is checked before anything is written, and every problem is
reported as (row, column, message) in the user's language; a dry run stops there. A
commit checks again and writes everything in one transaction with one audit entry, or
nothing at all. A person already registered (same document number, in the file or in
the database) is an error, never merged: merging is an explicit action elsewhere.

Rows are streamed (openpyxl read-only, csv reader) and only compact tuples of cleaned
values are kept between checking and writing, so 100,000 rows fit in a few hundred MB.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from openpyxl import Workbook, load_workbook

from fengqiao.audit import services as audit
from fengqiao.identity import ID_TYPES
from fengqiao.org.scope import scope_for, scope_to
from fengqiao.places.models import Building, Region
from fengqiao.registry import checks, sealing, services
from fengqiao.registry.address_text import canonical_tail, parse
from fengqiao.registry.matching import AddressMatcher
from fengqiao.registry.models import Address, Establishment, House, Occupancy, Resident

Progress = Callable[[int, int | None], None]

MAX_ERRORS = 1000  # kept and shown; the total is counted beyond it
PROGRESS_EVERY = 1000
BATCH = 1000
# SQLite allows 999 parameters per statement; an IN list stays below it.
IN_CHUNK = 900
GC_THRESHOLD = 100_000
_FIRST_SHEET = "xl/worksheets/sheet1.xml"
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')
HEADER_SEARCH_ROWS = 5  # an exported file has a title line above its header
FILE = N_("文件")


@dataclass(frozen=True)
class Column:
    """One column of an import file: its key (the service's field name), its header."""

    key: str
    label: str
    help: str
    example: str = ""
    required: bool = False  # the header must be present
    max_length: int = 0
    text: bool = False  # formatted as text in the template (long digit strings)


_ADDRESS_HELP = N_("标准地址，如“甲镇甲村3组12号”；必须是您辖区内已登记的地址")

COLUMNS: dict[str, tuple[Column, ...]] = {
    "residents": (
        Column("name", "姓名", N_("必填，不超过 50 个字"), "王小明", required=True),
        Column("id_type", "证件类型", N_("可填证件名称或代码，留空为居民身份证"), "居民身份证"),
        Column(
            "id_number",
            "证件号码",
            N_("必填；居民身份证为 18 位，末位校验"),
            "330699198001010030",
            required=True,
            text=True,
        ),
        Column("phone", "手机号码", N_("11 位手机号或带区号的固定电话"), "13800001111", text=True),
        Column("residence_type", "人户状态", N_("户籍、流动或户在人不在，留空为户籍"), "户籍"),
        Column("hukou_place", "户籍地", N_("不超过 120 个字"), "浙江省绍兴市", max_length=120),
        Column("address", "住址", _ADDRESS_HELP, "甲村3组12号", required=True),
        Column(
            "house_label",
            "房屋标识",
            N_("同一地址有多套房屋时填写，如“东屋”；该地址没有这套房屋时自动新建"),
            max_length=20,
        ),
        Column("moved_in", "迁入日期", N_("如 2024-03-01，不能晚于今天"), "2024-03-01"),
    ),
    "addresses": (
        Column(
            "grid", "网格编码", N_("必填，您辖区内网格的编码"), "330699001001G01", required=True
        ),
        Column(
            "text",
            "地址",
            N_("必填，街路巷门牌或小区楼栋单元室"),
            "人民路8号",
            required=True,
            max_length=255,
        ),
        Column("building", "楼栋编码", N_("可选，该网格内已登记楼栋的编码"), text=True),
        Column("lon", "经度", N_("可选，WGS84 经度，如 120.0051"), "120.0051"),
        Column("lat", "纬度", N_("可选，WGS84 纬度，如 30.0049"), "30.0049"),
    ),
    "houses": (
        Column("address", "住址", _ADDRESS_HELP, "甲村3组12号", required=True),
        Column(
            "label", "房屋标识", N_("同一地址有多套房屋时填写，如“东屋”"), "东屋", max_length=20
        ),
        Column("use", "用途", N_("自住、出租、空置或经营，留空为自住"), "出租"),
        Column("owner_name", "房主", N_("不超过 50 个字"), "王大明", max_length=50),
        Column(
            "owner_phone", "房主电话", N_("11 位手机号或带区号的固定电话"), "13800002222", text=True
        ),
    ),
    "units": (
        Column("name", "名称", N_("必填，不超过 100 个字"), "甲村便民超市", required=True),
        Column("kind", "类型", N_("商铺、餐饮、学校、旅馆、工厂等"), "商铺", required=True),
        Column("credit_code", "统一社会信用代码", N_("18 位，末位校验；可留空"), text=True),
        Column("address", "住址", _ADDRESS_HELP, "甲村3组12号", required=True),
        Column("in_charge_name", "负责人", N_("不超过 50 个字"), "李老板", max_length=50),
        Column("in_charge_phone", "负责人电话", N_("手机或固定电话"), "13800003333", text=True),
        Column("security_name", "治安联系人", N_("不超过 50 个字"), max_length=50),
        Column("security_phone", "治安联系人电话", N_("手机或固定电话"), text=True),
        Column("employee_count", "从业人数", N_("0 或正整数"), "3"),
    ),
}
KIND_LABELS = {
    "residents": N_("实有人口"),
    "addresses": N_("标准地址"),
    "houses": N_("实有房屋"),
    "units": N_("实有单位"),
}
KINDS = tuple(COLUMNS)


class RowError(NamedTuple):
    """A problem in one row (0: the file itself) and column, said in the user's language."""

    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    """What an import found and did.

    ``rows``: data rows read. ``counts``: what the file would create (after checking);
    ``created``: what was written (empty on a dry run or with errors). ``errors``: the
    first ``MAX_ERRORS`` problems in row order; ``error_count``: all of them.
    """

    kind: str
    filename: str
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, row: int, label: str, message: str) -> None:
        self.error_count += 1
        self.errors.append(RowError(row, _(label), message))
        if len(self.errors) > 2 * MAX_ERRORS:
            self._trim()

    def _trim(self) -> None:
        self.errors.sort(key=lambda error: error.row)
        del self.errors[MAX_ERRORS:]

    def finish(self) -> None:
        self._trim()

    def lines(self) -> list[str]:
        """The errors as text lines, for a terminal."""
        out = [
            _("第 %(row)d 行【%(field)s】%(message)s") % e._asdict() if e.row else e.message
            for e in self.errors
        ]
        if self.error_count > len(self.errors):
            out.append(
                _("……共 %(n)d 个问题，只列出前 %(shown)d 个")
                % {"n": self.error_count, "shown": len(self.errors)}
            )
        return out


class ImportFileError(Exception):
    """The file cannot be read as an import of this kind (format, encoding, header)."""


# --- reading ---------------------------------------------------------------------------


def read_rows(kind: str, file_obj: BinaryIO, filename: str) -> Iterator[dict]:
    """The data rows of an .xlsx or .csv file as dicts keyed by column key, plus ``_row``
    (the row number the user sees in a spreadsheet). Blank rows are skipped; values are
    stripped text, or a ``date`` for date cells. Raises ``ImportFileError`` when the file
    is not readable or its header lacks a required column."""
    columns = _columns(kind)
    lowered = (filename or "").lower()
    if lowered.endswith(".xlsx"):
        records = _xlsx_records(file_obj)
    elif lowered.endswith(".csv"):
        records = _csv_records(file_obj)
    else:
        raise ImportFileError(_("只能导入 .xlsx 或 .csv 文件（.xls 请在 Excel 中另存为 .xlsx）"))
    return _rows(columns, records)


def estimate_rows(file_obj: BinaryIO, filename: str) -> int | None:
    """The data rows an .xlsx says it has (the first sheet's recorded dimension), for
    progress; None when unknown (CSV, or a workbook that does not record it). Reads only
    the sheet's first bytes: openpyxl would parse the whole sheet when it is missing."""
    if not (filename or "").lower().endswith(".xlsx"):
        return None
    try:
        with zipfile.ZipFile(file_obj) as archive, archive.open(_FIRST_SHEET) as sheet:
            found = _DIMENSION.search(sheet.read(4096))
    except (zipfile.BadZipFile, KeyError, OSError):
        found = None
    finally:
        file_obj.seek(0)
    return max(int(found[1]) - 1, 0) if found else None


def _unknown_kind(kind: str) -> str:
    return _("未知的导入类型“%(kind)s”，可选：%(kinds)s") % {
        "kind": kind,
        "kinds": "、".join(KINDS),
    }


def _columns(kind: str) -> tuple[Column, ...]:
    if kind not in COLUMNS:
        raise ImportFileError(_unknown_kind(kind))
    return COLUMNS[kind]


def _xlsx_records(file_obj: BinaryIO) -> Iterator[tuple[int, tuple]]:
    head = file_obj.read(4)
    file_obj.seek(0)
    if head != b"PK\x03\x04":
        raise ImportFileError(_("文件不是有效的 .xlsx 工作簿，请用 Excel 或 WPS 另存为 .xlsx"))
    try:
        workbook = load_workbook(file_obj, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors alike
        raise ImportFileError(_("无法打开这个 .xlsx 文件，请确认文件没有损坏")) from exc
    return _sheet_records(workbook)


def _sheet_records(workbook) -> Iterator[tuple[int, tuple]]:
    try:
        sheet = workbook.worksheets[0]
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def _csv_records(file_obj: BinaryIO) -> Iterator[tuple[int, tuple]]:
    encoding = _csv_encoding(file_obj)
    text = io.TextIOWrapper(file_obj, encoding=encoding, newline="")
    try:
        yield from enumerate(csv.reader(text), start=1)
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV")) from exc
    except csv.Error as exc:
        raise ImportFileError(_("CSV 格式错误：%(why)s") % {"why": exc}) from exc
    finally:
        text.detach()


def _csv_encoding(file_obj: BinaryIO) -> str:
    """UTF-8 (with or without BOM) when the start of the file reads as UTF-8, else GBK
    (as gb18030, its superset), which is what Excel on a Chinese Windows saves."""
    head = file_obj.read(65536)
    file_obj.seek(0)
    if b"\x00" in head:
        raise ImportFileError(_("文件不是文本格式的 CSV，请检查文件类型"))
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if error.start < len(head) - 3:
            return "gb18030"
    return "utf-8-sig"


def _header_text(value) -> str:
    text = "".join(str(value or "").split()).lstrip("*＊")
    return text.replace("（必填）", "").replace("(必填)", "")


def _rows(columns: tuple[Column, ...], records: Iterator[tuple[int, tuple]]) -> Iterator[dict]:
    by_label = {column.label: column.key for column in columns}
    positions: list[tuple[int, str]] = []
    example: dict[str, str] = {}
    example_at = 0
    for number, values in records:
        if not positions:
            headers = [_header_text(value) for value in values]
            if any(header in by_label for header in headers):
                missing = [c.label for c in columns if c.required and c.label not in headers]
                if missing:
                    raise ImportFileError(
                        _("表头缺少必填列：%(cols)s（请使用导入模板）")
                        % {"cols": "、".join(missing)}
                    )
                positions = [(i, by_label[h]) for i, h in enumerate(headers) if h in by_label]
                example = _example_row(columns, (key for _i, key in positions))
                example_at = number + 1
            elif number >= HEADER_SEARCH_ROWS:
                raise ImportFileError(
                    _("找不到表头：第一行应是 %(cols)s 等列名（请使用导入模板）")
                    % {"cols": "、".join(c.label for c in columns[:4])}
                )
            continue
        row = {key: _cell(values[i]) if i < len(values) else "" for i, key in positions}
        if number == example_at and row == example:
            continue  # the template's example row, left as it was
        if any(value != "" for value in row.values()):
            row["_row"] = number
            yield row
    if not positions:
        raise ImportFileError(_("文件是空的，没有表头和数据"))


def _cell(value) -> str | dt.date:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    # A leading apostrophe is how people force text in a spreadsheet cell.
    return text[1:] if text.startswith("'") else text


# --- checking and writing --------------------------------------------------------------


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
    importer_class = _IMPORTERS.get(kind)
    if importer_class is None:
        raise ValidationError({"kind": _unknown_kind(kind)})
    if not actor.has_perm(importer_class.permission):
        raise PermissionDenied(_("没有导入%(kind)s的权限") % {"kind": _(KIND_LABELS[kind])})
    report = ImportReport(kind=kind, filename=filename)
    importer = importer_class(actor, report)
    # Checking and writing allocate millions of small, acyclic objects; the cyclic
    # collector's passes over them cost a fifth of the time and find nothing.
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], GC_THRESHOLD), *threshold[1:])
    try:
        _check_file(importer, file_obj, filename, progress)
        if commit and report.ok:
            _commit(importer, report, actor, progress)
    finally:
        gc.set_threshold(*threshold)
    report.finish()
    return report


def _check_file(importer: _Importer, file_obj, filename: str, progress: Progress | None):
    report = importer.report
    total = estimate_rows(file_obj, filename) if progress else None
    try:
        for row in read_rows(importer.kind, file_obj, filename):
            report.rows += 1
            importer.check(row)
            if progress and report.rows % PROGRESS_EVERY == 0:
                progress(report.rows, total)
    except ImportFileError as error:
        report.add_error(0, FILE, str(error))
    else:
        if report.rows == 0:
            report.add_error(0, FILE, _("文件里没有数据行"))
        importer.check_against_database()
    if progress:
        progress(report.rows, report.rows)


def _commit(importer: _Importer, report: ImportReport, actor, progress: Progress | None):
    try:
        with transaction.atomic():
            # Someone may have registered the same person or code since the check.
            importer.check_against_database()
            if not report.ok:
                raise _Abort
            created = importer.write(progress)
            audit.record(
                actor=actor,
                action="registry.import",
                changes={
                    "kind": report.kind,
                    "filename": report.filename[:200],
                    "rows": report.rows,
                    "created": created,
                    "skipped": report.skipped,
                },
            )
    except _Abort:
        return
    except IntegrityError:
        report.add_error(
            0,
            FILE,
            _("检查之后有人登记了相同的地址、房屋或代码，本次未导入任何内容，请重新导入"),
        )
        return
    report.created = created
    report.committed = True


class _Abort(Exception):
    """Leaves the transaction so that nothing is written."""


def _chunks(items: list, size: int = IN_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _aliases(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Code, Chinese label and English label of each choice → code."""
    found = {code: code for code in choices.values}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            found |= {str(label): code for code, label in choices.choices}
    return found | (extra or {})


class _Importer:
    """Checks rows of one kind into compact tuples, then writes them in batches."""

    permission = ""
    kind = ""

    def __init__(self, actor, report: ImportReport) -> None:
        self.actor = actor
        self.report = report
        self.scope = scope_for(actor)
        self.labels = {column.key: column.label for column in COLUMNS[self.kind]}
        self.limits = {column.key: column.max_length for column in COLUMNS[self.kind]}
        self.items: list[tuple] = []
        self._matchers: list[AddressMatcher] | None = None
        self._matched: dict[str, tuple[int | None, str]] = {}

    def error(self, row: int, key: str, message: str) -> None:
        self.report.add_error(row, self.labels.get(key, key), message)
        # Rows are written only when the whole file is clean: stop holding them.
        self.items.clear()

    def keep(self, item: tuple) -> None:
        """Hold a checked row for writing, unless the file already has errors."""
        if self.report.error_count == 0:
            self.items.append(item)

    def errors(self, row: int, found: dict[str, list[str]]) -> None:
        for key, messages in found.items():
            for message in messages:
                self.error(row, key, message)

    def text(self, values: dict, key: str) -> str | None:
        """The column's text squeezed of repeated spaces; None (and an error) when longer
        than the column's ``max_length``."""
        value = " ".join(str(values.get(key, "")).split())
        limit = self.limits[key]
        if limit and len(value) > limit:
            label = self.labels[key]
            self.error(
                values["_row"],
                key,
                _("%(label)s不能超过 %(max)d 个字") % {"label": label, "max": limit},
            )
            return None
        return value

    def address_id(self, values: dict) -> int | None:
        """The standard address the row's 住址 names inside the actor's jurisdiction, or
        None with an error (the closest address as a hint when there is one)."""
        text = str(values.get("address", "")).strip()
        if not text:
            self.error(values["_row"], "address", _("请填写住址"))
            return None
        if text not in self._matched:
            self._matched[text] = self._match(text)
        address_id, suggestion = self._matched[text]
        if address_id is None:
            message = _("住址“%(text)s”不是您辖区内已登记的标准地址") % {"text": text}
            if suggestion:
                message += _("，最接近的是“%(near)s”，请核对") % {"near": suggestion}
            self.error(values["_row"], "address", message)
        return address_id

    def _match(self, text: str) -> tuple[int | None, str]:
        if self._matchers is None:
            roots = ("/",) if self.scope.everything else self.scope.region_paths
            self._matchers = [AddressMatcher(root) for root in roots]
        suggestion = ""
        for matcher in self._matchers:
            found = matcher.match(text)
            if found is not None and found.exact:
                return found.address_id, ""
            if found is not None and not suggestion:
                # A bulk import takes only exact matches; a near one is a hint to fix.
                suggestion = found.full_text
        return None, suggestion

    def address_paths(self, ids: Iterable[int]) -> dict[int, str]:
        """Scope path of each address, read in chunks; only addresses in the scope."""
        paths: dict[int, str] = {}
        interned: dict[str, str] = {}
        queryset = scope_to(self.actor, Address.objects.all())
        for chunk in _chunks(sorted(set(ids))):
            for pk, path in queryset.filter(pk__in=chunk).values_list("pk", "scope_path"):
                paths[pk] = interned.setdefault(path, path)
        return paths

    def check(self, values: dict) -> None:
        raise NotImplementedError

    def check_against_database(self) -> None:
        """Problems found only by comparing all rows with the database."""

    def write(self, progress: Progress | None) -> dict[str, int]:
        raise NotImplementedError

    def written(self, progress: Progress | None, done: int) -> None:
        if progress and done % PROGRESS_EVERY < BATCH:
            progress(done, len(self.items))


def _existing_houses(address_ids: Iterable[int]) -> dict[tuple[int, str], tuple[int, str]]:
    """(address id, label) → (house id, scope path) of the houses at these addresses."""
    houses: dict[tuple[int, str], tuple[int, str]] = {}
    for chunk in _chunks(sorted(set(address_ids))):
        rows = House.objects.filter(address_id__in=chunk).values_list(
            "address_id", "label", "pk", "scope_path"
        )
        houses |= {(address_id, label): (pk, path) for address_id, label, pk, path in rows}
    return houses


class _ResidentImporter(_Importer):
    permission = "registry.add_resident"
    kind = "residents"
    id_types = {code: code for code, _zh, _en in ID_TYPES} | {
        text: code for code, zh, en in ID_TYPES for text in (zh, en)
    }
    residence_types = _aliases(
        Resident.ResidenceType,
        {
            "户籍": "registered",
            "户籍人口": "registered",
            "流动": "floating",
            "流动人口": "floating",
        },
    )

    def __init__(self, actor, report: ImportReport) -> None:
        super().__init__(actor, report)
        self.seen_ids: dict[str, int] = {}
        self.houses: dict[tuple[int, str], tuple[int, str]] = {}
        self.new_houses: dict[tuple[int, str], int] = {}  # house key → first row naming it

    def check(self, values: dict) -> None:
        row = values["_row"]
        id_type = values.get("id_type", "") or "resident_id"
        id_type = self.id_types.get(id_type, id_type)
        residence_type = values.get("residence_type", "") or "registered"
        residence_type = self.residence_types.get(residence_type, residence_type)
        cleaned, found = services.check_resident(
            name=values.get("name", ""),
            id_type=id_type,
            id_number=str(values.get("id_number", "")),
            phone=str(values.get("phone", "")),
            residence_type=residence_type,
            moved_in=values.get("moved_in", ""),
        )
        self.errors(row, found)
        hukou = self.text(values, "hukou_place")
        label = self.text(values, "house_label")
        address_id = self.address_id(values)
        number = cleaned.get("id_number")
        if number:
            first = self.seen_ids.setdefault(number, row)
            if first != row:
                self.error(
                    row,
                    "id_number",
                    _("证件号码与第 %(row)d 行重复，同一人只能登记一次") % {"row": first},
                )
                return
        if found or hukou is None or label is None or address_id is None:
            return
        self.keep(
            (
                row,
                cleaned["name"],
                cleaned["id_type"],
                number,
                cleaned["phone"],
                cleaned["residence_type"],
                cleaned["moved_in"],
                hukou,
                (address_id, label),
            )
        )

    def check_against_database(self) -> None:
        digests = {sealing.digest(number): row for number, row in self.seen_ids.items()}
        for chunk in _chunks(list(digests)):
            taken = Resident.objects.filter(id_hash__in=chunk).values_list("id_hash", flat=True)
            for digest in taken:
                self.error(
                    digests[digest],
                    "id_number",
                    _("这个证件号码已经登记过，不能重复导入；如是同一人请在人员页面合并"),
                )
        if self.report.ok:
            self._plan_houses()

    def _plan_houses(self) -> None:
        self.houses = _existing_houses(item[8][0] for item in self.items)
        self.new_houses = {}
        for item in self.items:
            if item[8] not in self.houses:
                self.new_houses.setdefault(item[8], item[0])
        if self.new_houses and not self.actor.has_perm("registry.add_house"):
            for row in self.new_houses.values():
                self.error(row, "house_label", _("这个地址还没有这套房屋，您没有新建房屋的权限"))
        self.report.counts = {"residents": len(self.items), "houses": len(self.new_houses)}

    def write(self, progress: Progress | None) -> dict[str, int]:
        paths = self.address_paths(address_id for address_id, _label in self.new_houses)
        houses = {key: House(pk=pk, scope_path=path) for key, (pk, path) in self.houses.items()}
        new = [
            House(address_id=key[0], label=key[1], use=House.Use.OWN, scope_path=paths[key[0]])
            for key in self.new_houses
        ]
        for batch in _chunks(new, BATCH):
            House.objects.bulk_create(batch)
        houses |= {(house.address_id, house.label): house for house in new}
        done = 0
        for batch in _chunks(self.items, BATCH):
            residents = [self._resident(item, houses[item[8]]) for item in batch]
            Resident.objects.bulk_create(residents)
            Occupancy.objects.bulk_create(
                Occupancy(
                    resident=resident,
                    house_id=resident.house_id,
                    residence_type=resident.residence_type,
                    moved_in=resident.moved_in,
                )
                for resident in residents
            )
            done += len(batch)
            self.written(progress, done)
        return {"residents": done, "houses": len(new)}

    @staticmethod
    def _resident(item: tuple, house: House) -> Resident:
        _row, name, id_type, number, phone, residence_type, moved_in, hukou, _key = item
        cleaned = {
            "name": name,
            "id_type": id_type,
            "id_number": number,
            "phone": phone,
            "residence_type": residence_type,
            "moved_in": moved_in,
        }
        return services.resident_row(cleaned, house=house, hukou_place=hukou)


class _AddressImporter(_Importer):
    permission = "registry.add_address"
    kind = "addresses"

    def __init__(self, actor, report: ImportReport) -> None:
        super().__init__(actor, report)
        self.grids: dict[str, Region | None] = {}
        self.places: dict[int, list[tuple[str, str]]] = {}
        self.buildings: dict[str, tuple[int, int] | None] = {}
        self.keys: dict[str, int] = {}
        self.names = services.PlaceNames()

    def check(self, values: dict) -> None:
        row = values["_row"]
        grid = self._grid(str(values.get("grid", "")).strip(), row)
        text = self.text(values, "text")
        if not text:
            if text == "":
                self.error(row, "text", _("请填写地址"))
            return
        lon = self._coordinate(values, "lon", 180)
        lat = self._coordinate(values, "lat", 90)
        given = [str(values.get(key, "")).strip() != "" for key in ("lon", "lat")]
        if given[0] != given[1]:
            self.error(row, "lat" if given[0] else "lon", _("经度和纬度要么都填，要么都不填"))
        building_id = self._building(str(values.get("building", "")).strip(), grid, row)
        if grid is None:
            return
        parts = parse(text, self._places(grid))
        if not canonical_tail(parts):
            self.error(row, "text", _("地址缺少街路巷、门牌、小区或楼栋信息"))
            return
        key = services.address_row(grid, parts, names_=self.names).key
        first = self.keys.setdefault(key, row)
        if first != row:
            self.error(row, "text", _("与第 %(row)d 行是同一个地址") % {"row": first})
            return
        self.keep((row, grid.pk, parts, building_id, text, lon, lat, key))

    def _grid(self, code: str, row: int) -> Region | None:
        if not code:
            self.error(row, "grid", _("请填写网格编码"))
            return None
        if code not in self.grids:
            grids = scope_to(self.actor, Region.objects.filter(level="grid", code=code))
            self.grids[code] = grids.defer("boundary").first()
        grid = self.grids[code]
        if grid is None:
            self.error(row, "grid", _("网格编码 %(code)s 不存在或不在您的辖区内") % {"code": code})
        return grid

    def _places(self, grid: Region) -> list[tuple[str, str]]:
        if grid.pk not in self.places:
            self.places[grid.pk] = [
                (region.level, region.name)
                for region in grid.ancestors().only("level", "name", "path")
                if region.level in ("county", "township", "community")
            ]
        return self.places[grid.pk]

    def _building(self, code: str, grid: Region | None, row: int) -> int | None:
        if not code:
            return None
        if code not in self.buildings:
            found = Building.objects.filter(code=code).values_list("pk", "grid_id").first()
            self.buildings[code] = found
        found = self.buildings[code]
        if found is None or (grid is not None and found[1] != grid.pk):
            self.error(
                row, "building", _("楼栋编码 %(code)s 不存在或不在该网格内") % {"code": code}
            )
            return None
        return found[0]

    def _coordinate(self, values: dict, key: str, limit: float) -> float | None:
        text = str(values.get(key, "")).strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not -limit <= value <= limit:
            self.error(
                values["_row"],
                key,
                _("%(label)s应是 -%(max)d 到 %(max)d 之间的数字")
                % {"label": self.labels[key], "max": limit},
            )
            return None
        return value

    def check_against_database(self) -> None:
        # The same address registered already is left as it is (as register_address does).
        taken: set[str] = set()
        for chunk in _chunks(list(self.keys)):
            taken |= set(Address.objects.filter(key__in=chunk).values_list("key", flat=True))
        self.items = [item for item in self.items if item[7] not in taken]
        self.report.skipped = len(taken)
        self.report.counts = {"addresses": len(self.items)}

    def write(self, progress: Progress | None) -> dict[str, int]:
        grids = {grid.pk: grid for grid in self.grids.values() if grid is not None}
        done = 0
        for batch in _chunks(self.items, BATCH):
            Address.objects.bulk_create(
                services.address_row(
                    grids[grid_id],
                    parts,
                    names_=self.names,
                    building_id=building_id,
                    raw_text=text,
                    lon=lon,
                    lat=lat,
                )
                for _row, grid_id, parts, building_id, text, lon, lat, _key in batch
            )
            done += len(batch)
            self.written(progress, done)
        return {"addresses": done}


class _HouseImporter(_Importer):
    permission = "registry.add_house"
    kind = "houses"
    uses = _aliases(House.Use)

    def __init__(self, actor, report: ImportReport) -> None:
        super().__init__(actor, report)
        self.keys: dict[tuple[int, str], int] = {}

    def check(self, values: dict) -> None:
        row = values["_row"]
        use = values.get("use", "") or House.Use.OWN
        cleaned, found = checks.collect(
            {
                "use": lambda: services._choice(self.uses.get(use, use), House.Use, _("用途")),
                "owner_phone": lambda: checks.phone(str(values.get("owner_phone", ""))),
            }
        )
        self.errors(row, found)
        label = self.text(values, "label")
        owner = self.text(values, "owner_name")
        address_id = self.address_id(values)
        if address_id is None or label is None:
            return
        first = self.keys.setdefault((address_id, label), row)
        if first != row:
            self.error(row, "label", _("与第 %(row)d 行是同一套房屋") % {"row": first})
        elif not found and owner is not None:
            self.keep((row, address_id, label, cleaned["use"], owner, cleaned["owner_phone"]))

    def check_against_database(self) -> None:
        existing = _existing_houses(address_id for address_id, _label in self.keys)
        for key in existing.keys() & self.keys.keys():
            self.error(self.keys[key], "label", _("这个地址已登记了同一标识的房屋"))
        self.report.counts = {"houses": len(self.items)}

    def write(self, progress: Progress | None) -> dict[str, int]:
        paths = self.address_paths(item[1] for item in self.items)
        done = 0
        for batch in _chunks(self.items, BATCH):
            House.objects.bulk_create(
                House(
                    address_id=address_id,
                    label=label,
                    use=use,
                    owner_name=owner,
                    owner_phone=phone,
                    scope_path=paths[address_id],
                )
                for _row, address_id, label, use, owner, phone in batch
            )
            done += len(batch)
            self.written(progress, done)
        return {"houses": done}


class _UnitImporter(_Importer):
    permission = "registry.add_establishment"
    kind = "units"
    kinds = _aliases(Establishment.Kind)

    def __init__(self, actor, report: ImportReport) -> None:
        super().__init__(actor, report)
        self.codes: dict[str, int] = {}

    def check(self, values: dict) -> None:
        row = values["_row"]
        kind = values.get("kind", "")
        cleaned, found = services.check_establishment(
            name=values.get("name", ""),
            kind=self.kinds.get(kind, kind),
            credit_code=str(values.get("credit_code", "")),
            in_charge_phone=str(values.get("in_charge_phone", "")),
            security_phone=str(values.get("security_phone", "")),
        )
        self.errors(row, found)
        in_charge = self.text(values, "in_charge_name")
        security = self.text(values, "security_name")
        employees = self._count(values)
        address_id = self.address_id(values)
        code = cleaned.get("credit_code")
        if code:
            first = self.codes.setdefault(code, row)
            if first != row:
                self.error(
                    row, "credit_code", _("统一社会信用代码与第 %(row)d 行重复") % {"row": first}
                )
                return
        if found or None in (in_charge, security, employees, address_id):
            return
        self.keep((row, address_id, cleaned, in_charge, security, employees))

    def _count(self, values: dict) -> int | None:
        text = str(values.get("employee_count", "")).strip() or "0"
        if not text.isdigit():
            self.error(values["_row"], "employee_count", _("从业人数应是 0 或正整数"))
            return None
        return int(text)

    def check_against_database(self) -> None:
        for chunk in _chunks(list(self.codes)):
            taken = Establishment.objects.filter(credit_code__in=chunk)
            for code in taken.values_list("credit_code", flat=True):
                self.error(self.codes[code], "credit_code", _("这个统一社会信用代码已经登记过"))
        self.report.counts = {"units": len(self.items)}

    def write(self, progress: Progress | None) -> dict[str, int]:
        paths = self.address_paths(item[1] for item in self.items)
        done = 0
        for batch in _chunks(self.items, BATCH):
            Establishment.objects.bulk_create(
                Establishment(
                    address_id=address_id,
                    in_charge_name=in_charge,
                    security_name=security,
                    employee_count=employees,
                    scope_path=paths[address_id],
                    **cleaned,
                )
                for _row, address_id, cleaned, in_charge, security, employees in batch
            )
            done += len(batch)
            self.written(progress, done)
        return {"units": done}


_IMPORTERS: dict[str, type[_Importer]] = {
    "residents": _ResidentImporter,
    "addresses": _AddressImporter,
    "houses": _HouseImporter,
    "units": _UnitImporter,
}
# The permission each kind's import needs (pages offer only the kinds a user may import).
IMPORT_PERMISSIONS = {kind: importer.permission for kind, importer in _IMPORTERS.items()}


# --- the template ----------------------------------------------------------------------


def _choice_hints() -> dict[tuple[str, str], str]:
    with translation.override("zh-hans"):
        return {
            ("residents", "id_type"): "、".join(zh for _code, zh, _en in ID_TYPES),
            ("residents", "residence_type"): "户籍、流动、户在人不在",
            ("houses", "use"): "、".join(str(label) for label in House.Use.labels),
            ("units", "kind"): "、".join(str(label) for label in Establishment.Kind.labels),
        }


def template_workbook(kind: str) -> bytes:
    """An .xlsx to fill in: the header row and one example row (skipped on import while
    left unchanged) on the first sheet, and a second sheet 填写说明 explaining each
    column and its allowed values."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = _columns(kind)
    workbook = Workbook()
    sheet = workbook.active
    with translation.override("zh-hans"):
        sheet.title = _(KIND_LABELS[kind])
    sheet.append([column.label for column in columns])
    sheet.append([column.example for column in columns])
    for number, column in enumerate(columns, start=1):
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = max(12, len(column.example) + 4)
        sheet.cell(row=1, column=number).font = Font(bold=True)
        sheet.cell(row=2, column=number).font = Font(italic=True, color="808080")
        if column.text:
            # Long digit strings must stay text, or Excel rounds an ID number.
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=number).number_format = "@"
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("填写说明")
    hints = _choice_hints()
    with translation.override("zh-hans"):
        guide.append(["列名", "是否必填", "填写说明", "可填的值"])
        for column in columns:
            guide.append(
                [
                    column.label,
                    "必填" if column.required else "",
                    _(column.help),
                    hints.get((kind, column.key), ""),
                ]
            )
        guide.append([])
        guide.append(
            ["", "", "第 2 行是示例，原样保留时导入会跳过它；请从第 3 行起填写，或改写示例行。"]
        )
        guide.append(
            [
                "",
                "",
                "先“检查”会列出每一行每一列的问题；全部通过后才能确认导入，导入要么全部成功，要么一条也不写入。",
            ]
        )
    for letter, width in zip("ABCD", (16, 10, 60, 60), strict=True):
        guide.column_dimensions[letter].width = width
    for cell in guide[1]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _example_row(columns: tuple[Column, ...], keys: Iterable[str]) -> dict[str, str]:
    examples = {column.key: column.example for column in columns}
    return {key: examples[key] for key in keys}
