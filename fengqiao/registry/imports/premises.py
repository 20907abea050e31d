"""Importing what stands at a standard address: houses and units (establishments)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.registry import checks, services
from fengqiao.registry.imports.codes import RegionCodes
from fengqiao.registry.imports.importer import (
    BATCH,
    Importer,
    Progress,
    aliases,
    chunks,
    existing_houses,
)
from fengqiao.registry.imports.report import ImportReport
from fengqiao.registry.models import Establishment, House
from fengqiao.sealing import phone_columns

USE_LABEL = gettext_lazy("用途")  # only for an error message: not translated every row


class HouseImporter(Importer):
    permission = "registry.add_house"
    kind = "houses"
    uses = aliases(House.Use)

    def __init__(self, actor, report: ImportReport) -> None:
        super().__init__(actor, report)
        self.keys: dict[tuple[int, str], int] = {}
        self.codes = RegionCodes(self)

    def check(self, values: dict) -> None:
        row = values["_row"]
        if self.codes.masked(values):
            return
        use = values.get("use", "") or House.Use.OWN
        cleaned, found = checks.collect(
            {
                "use": lambda: services._choice(self.uses.get(use, use), House.Use, USE_LABEL),
                "owner_phone": lambda: checks.phone(str(values.get("owner_phone", ""))),
            }
        )
        self.errors(row, found)
        label = self.text(values, "label")
        owner = self.text(values, "owner_name")
        address_id = self.codes.address_id(values)
        if address_id is None or label is None:
            return
        first = self.keys.setdefault((address_id, label), row)
        if first != row:
            self.error(row, "label", _("与第 %(row)d 行是同一套房屋") % {"row": first})
        elif not found and owner is not None:
            self.keep((row, address_id, label, cleaned["use"], owner, cleaned["owner_phone"]))

    def check_against_database(self) -> None:
        existing = existing_houses(address_id for address_id, _label in self.keys)
        for key in existing.keys() & self.keys.keys():
            self.error(self.keys[key], "label", _("这个地址已登记了同一标识的房屋"))
        self.report.counts = {"houses": len(self.items)}

    def write(self, progress: Progress | None) -> dict[str, int]:
        paths = self.address_paths(item[1] for item in self.items)
        done = 0
        for batch in chunks(self.items, BATCH):
            House.objects.bulk_create(
                House(
                    address_id=address_id,
                    label=label,
                    use=use,
                    owner_name=owner,
                    scope_path=paths[address_id],
                    **phone_columns(phone),
                )
                for _row, address_id, label, use, owner, phone in batch
            )
            done += len(batch)
            self.written(progress, done)
        return {"houses": done}


class UnitImporter(Importer):
    permission = "registry.add_establishment"
    kind = "units"
    kinds = aliases(Establishment.Kind)

    def __init__(self, actor, report: ImportReport) -> None:
        super().__init__(actor, report)
        self.credit_codes: dict[str, int] = {}
        self.skipped_rows: set[int] = set()
        self.codes = RegionCodes(self)

    def check(self, values: dict) -> None:
        row = values["_row"]
        if self.codes.masked(values):
            return
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
        address_id = self.codes.address_id(values)
        code = cleaned.get("credit_code")
        if code:
            first = self.credit_codes.setdefault(code, row)
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
        # A unit without a credit code is known by its name and address: one registered
        # already is left as it is (as an address is), so a file imported twice adds
        # nothing. A credit code registered already stays an error (the code is unique).
        known = set()
        for chunk in chunks(sorted({item[1] for item in self.items})):
            units = Establishment.objects.filter(address_id__in=chunk, credit_code="")
            known |= set(units.values_list("address_id", "name"))
        self.skipped_rows |= {
            item[0]
            for item in self.items
            if not item[2].get("credit_code") and (item[1], item[2]["name"]) in known
        }
        self.items = [item for item in self.items if item[0] not in self.skipped_rows]
        self.report.skipped = len(self.skipped_rows)
        for chunk in chunks(list(self.credit_codes)):
            taken = Establishment.objects.filter(credit_code__in=chunk)
            for code in taken.values_list("credit_code", flat=True):
                self.error(
                    self.credit_codes[code], "credit_code", _("这个统一社会信用代码已经登记过")
                )
        self.report.counts = {"units": len(self.items)}

    def write(self, progress: Progress | None) -> dict[str, int]:
        paths = self.address_paths(item[1] for item in self.items)
        done = 0
        for batch in chunks(self.items, BATCH):
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
