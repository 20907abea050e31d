"""Importing standard addresses: a grid code and address text per row; an address
registered already is skipped, as ``register_address`` would return it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fengqiao.org.scope import scope_to
from fengqiao.places.models import Building, Region
from fengqiao.registry import services
from fengqiao.registry.address_text import canonical_tail, parse
from fengqiao.registry.imports.codes import RegionCodes
from fengqiao.registry.imports.importer import BATCH, Importer, Progress, chunks
from fengqiao.registry.imports.report import ImportReport
from fengqiao.registry.models import Address


class AddressImporter(Importer):
    permission = "registry.add_address"
    kind = "addresses"

    def __init__(self, actor, report: ImportReport) -> None:
        super().__init__(actor, report)
        self.grids: dict[str, Region | None] = {}
        self.places: dict[int, list[tuple[str, str]]] = {}
        self.buildings: dict[str, tuple[int, int] | None] = {}
        self.keys: dict[str, int] = {}
        self.names = services.PlaceNames()
        self.codes = RegionCodes(self)

    def check(self, values: dict) -> None:
        row = values["_row"]
        grid = self._grid(str(values.get("grid", "")).strip(), row)
        self.codes.grid_inside(values, grid)
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
        for chunk in chunks(list(self.keys)):
            taken |= set(Address.objects.filter(key__in=chunk).values_list("key", flat=True))
        self.items = [item for item in self.items if item[7] not in taken]
        self.report.skipped = len(taken)
        self.report.counts = {"addresses": len(self.items)}

    def write(self, progress: Progress | None) -> dict[str, int]:
        grids = {grid.pk: grid for grid in self.grids.values() if grid is not None}
        done = 0
        for batch in chunks(self.items, BATCH):
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
