"""Checks every kind's import shares for files from other systems: the 村（社区）代码 column
(our region code or the NBS 12-digit statistical code), and numbers that were masked in
an export (they cannot be imported: the masked digits are gone)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from fengqiao.org.scope import scope_to
from fengqiao.places.models import Region
from fengqiao.registry.matching import AddressMatcher

NUMBER_KEYS = ("id_number", "phone", "owner_phone", "in_charge_phone", "security_phone")
MASK = "*"


class RegionCodes:
    """Reads the 村（社区）代码 column of an importer's rows, once per distinct code."""

    def __init__(self, importer) -> None:
        self.importer = importer
        self.regions: dict[str, Region | None] = {}
        self.matchers: dict[int, AddressMatcher] = {}

    def masked(self, values: dict) -> bool:
        """True (with an error per column) when the row has a masked number."""
        found = False
        for key in NUMBER_KEYS:
            if MASK in str(values.get(key, "")):
                self.importer.error(values["_row"], key, _("号码已脱敏，无法导入"))
                found = True
        return found

    def region(self, values: dict) -> Region | None | bool:
        """The township, village or community the row's code names in the actor's
        jurisdiction; None when the column is empty; False (with an error) when the
        code is malformed or names no region the actor may import into."""
        code = str(values.get("region", "")).strip()
        if not code:
            return None
        if code not in self.regions:
            regions = Region.objects.filter(
                Q(code=code) | Q(stat_code=code), level__in=("township", "community")
            )
            self.regions[code] = scope_to(self.importer.actor, regions).defer("boundary").first()
        region = self.regions[code]
        if region is None:
            self.importer.error(values["_row"], "region", self._problem(code))
            return False
        return region

    @staticmethod
    def _problem(code: str) -> str:
        if code.isdigit() and code.isascii():
            if len(code) != 12:
                return _("统计用区划代码应是 12 位数字（县 6 位 + 乡镇 3 位 + 村（社区）3 位）")
            if not Region.objects.filter(level="county", code=code[:6]).exists():
                return _("统计用区划代码 %(code)s 的前 6 位不是本系统中任何县（区）的代码") % {
                    "code": code
                }
        return _("村（社区）代码 %(code)s 不存在或不在您的辖区内") % {"code": code[:40]}

    def grid_inside(self, values: dict, grid: Region | None) -> None:
        """For an address row: the grid must lie inside the region the code names."""
        region = self.region(values)
        if region and grid is not None and not grid.path.startswith(region.path):
            self.importer.error(
                values["_row"],
                "region",
                _("网格 %(grid)s 不在 %(region)s 内") % {"grid": grid.code, "region": region.name},
            )

    def address_id(self, values: dict) -> int | None:
        """The importer's address match, looked for only inside the row's region when a
        code is given (so 住址 may leave out the village a code already names)."""
        region = self.region(values)
        if region is None:
            return self.importer.address_id(values)
        if region is False:
            return None
        text = str(values.get("address", "")).strip()
        if not text:
            self.importer.error(values["_row"], "address", _("请填写住址"))
            return None
        if region.pk not in self.matchers:
            self.matchers[region.pk] = AddressMatcher(region.path)
        found = self.matchers[region.pk].match(text)
        if found is not None and found.exact:
            return found.address_id
        self.importer.error(
            values["_row"],
            "address",
            _("住址“%(text)s”不是 %(region)s 内已登记的标准地址")
            % {"text": text[:100], "region": region.name},
        )
        return None
