"""Units: shops, restaurants, clinics ... along each shop row, and a school and a
kindergarten in every township."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection

from fengqiao.demo import bulk
from fengqiao.demo.registry.homes import community_path
from fengqiao.places.models import Region
from fengqiao.registry.address_text import parse
from fengqiao.registry.models import Address, Establishment, House

# Business premises are registered without an owner's phone (its sealed columns empty).
NO_PHONE = ("", "", "", "")

UNIT_KINDS = (
    ("shop", 40, ("超市", "便利店", "五金店", "服装店", "水果店", "理发店", "手机店", "烟酒店")),
    ("restaurant", 25, ("面馆", "小吃店", "饭店", "快餐店", "烧烤店")),
    ("clinic", 6, ("诊所", "口腔诊所", "中医诊所")),
    ("hotel", 5, ("宾馆", "旅馆", "快捷酒店")),
    ("internet_cafe", 3, ("网吧", "网咖")),
    ("market", 2, ("农贸市场", "菜市场")),
    ("other", 4, ("快递驿站", "洗车店", "干洗店")),
)
STAFF = {
    "shop": (1, 6),
    "restaurant": (2, 12),
    "clinic": (2, 8),
    "hotel": (3, 20),
    "internet_cafe": (2, 6),
    "market": (5, 40),
    "other": (1, 5),
    "school": (40, 120),
    "kindergarten": (10, 30),
}
BRANDS = (
    *("兴旺", "好又多", "老街", "阿强", "金穗", "惠民", "鸿运", "家乐", "百姓", "佳佳"),
    *("小王", "顺发", "万福", "永兴", "新民", "红星", "东升", "星光", "四季", "和美"),
    *("福满", "老张", "阿芳", "越香", "如意", "嘉禾", "康宁", "瑞丰", "天天", "乐购"),
)


class Units:
    """The builder's units part (state in ``RegistryBuilder``)."""

    def units(self) -> None:
        """Shops, restaurants, clinics, hotels ... along the street in every shop block, and
        a primary school and a kindergarten in every township."""
        units: list[Establishment] = []
        kinds = [kind for kind, _weight, _words in UNIT_KINDS]
        weights = [weight for _kind, weight, _words in UNIT_KINDS]
        words = {kind: names_ for kind, _weight, names_ in UNIT_KINDS}
        for grid, parts, building in self.shop_doors:
            for n in range(self.rng.randint(3, 8)):
                front = replace(parts, door_number=f"{parts.door_number}-{n + 1}")
                address_id, _parts = self._address(grid, front, building)
                area = Decimal(self.rng.randint(20, 160))
                self.houses.add(
                    address_id, "", "business", "", *NO_PHONE, area, self.now, grid.path
                )
                kind = self.rng.choices(kinds, weights)[0]
                name = f"{self.rng.choice(BRANDS)}{self.rng.choice(words[kind])}"
                units.append(self._unit(name, kind, address_id, grid.path, "92"))
        townships = Region.objects.filter(level="township").defer("boundary").order_by("code")
        for township in townships:
            grid = (
                Region.objects.filter(level="grid", path__startswith=township.path)
                .defer("boundary")
                .order_by("-urban", "path")
                .first()
            )
            if grid is None:
                continue
            community = community_path(grid.path)
            stem = township.name.removesuffix("街道").removesuffix("镇")
            road = self.roads.get(community) or f"{stem}中路"
            for door, kind, name in (
                ("201", "school", f"{township.name}中心小学"),
                ("203", "kindergarten", f"{township.name}中心幼儿园"),
            ):
                parts = parse(f"{road}{door}号", self._places_of(grid.path))
                address_id, _parts = self._address(grid, parts, None)
                units.append(self._unit(name, kind, address_id, grid.path, "12"))
        for table in (self.addresses, self.houses):
            table.flush()
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Address, House]):
                cursor.execute(sql)
        bulk.create(Establishment, units)
        self.counts["addresses"] = self.addresses.written
        self.counts["houses"] = self.houses.written
        self.counts["establishments"] = len(units)

    def _unit(self, name: str, kind: str, address_id: int, path: str, code_head: str):
        low, high = STAFF[kind]
        _surname, in_charge = self._name(self.rng.random() < 0.6)
        return Establishment(
            name=name,
            kind=kind,
            credit_code=self._credit_code(code_head),
            address_id=address_id,
            in_charge_name=in_charge,
            in_charge_phone=self._mobile(),
            security_name=in_charge if kind in ("shop", "restaurant") else self._name(True)[1],
            security_phone=self._mobile(),
            employee_count=self.rng.randint(low, high),
            scope_path=path,
        )
