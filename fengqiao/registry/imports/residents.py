"""Importing residents: each row checked as the resident form would check it; on commit,
the residents, their occupancies and any new houses at their addresses."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fengqiao.identity import ID_TYPES
from fengqiao.registry import sealing, services
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
from fengqiao.registry.models import House, Occupancy, Resident


class ResidentImporter(Importer):
    permission = "registry.add_resident"
    kind = "residents"
    id_types = {code: code for code, _zh, _en in ID_TYPES} | {
        text: code for code, zh, en in ID_TYPES for text in (zh, en)
    }
    residence_types = aliases(
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
        self.codes = RegionCodes(self)

    def check(self, values: dict) -> None:
        row = values["_row"]
        if self.codes.masked(values):
            return
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
        address_id = self.codes.address_id(values)
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
        for chunk in chunks(list(digests)):
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
        self.houses = existing_houses(item[8][0] for item in self.items)
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
        for batch in chunks(new, BATCH):
            House.objects.bulk_create(batch)
        houses |= {(house.address_id, house.label): house for house in new}
        done = 0
        for batch in chunks(self.items, BATCH):
            residents = [self._resident(item, houses[item[8]]) for item in batch]
            Resident.objects.bulk_create(residents)
            Occupancy.objects.bulk_create(
                Occupancy(
                    resident_id=resident.pk,
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
