"""The region tree (province .. grid) and the buildings inside grids."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao import taxonomy
from fengqiao.scoping import ScopedManager

RegionLevel = models.TextChoices(
    "RegionLevel", [(code, code) for code in taxonomy.codes("region_level")]
)
PATH_SEPARATOR = "/"


def ancestor_paths(path: str) -> list[str]:
    """Every path from the root down to ``path`` itself ("/33/3306/" → "/33/", "/33/3306/")."""
    codes = [code for code in path.split(PATH_SEPARATOR) if code]
    return [
        PATH_SEPARATOR + PATH_SEPARATOR.join(codes[: i + 1]) + PATH_SEPARATOR
        for i in range(len(codes))
    ]


def subtree_q(path: str, field: str = "path") -> Q:
    """Everything at or under the node with ``path``, as one index range.

    Paths are codes joined and ended by "/", and codes are letters and digits, which all
    sort after "/"; so the subtree is exactly [path, path-without-its-last-"/" + "0").
    That is a plain B-tree range on SQLite and PostgreSQL alike, unlike LIKE 'x%'.
    """
    return Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})


STAT_CODE_LEVELS = ("township", "community")


def county_code_of(region: Region | None) -> str:
    """The 6-digit GB/T 2260 code of the county at or above ``region`` ("" when none)."""
    while region is not None:
        if region.level == "county":
            return region.code if len(region.code) == 6 and region.code.isdigit() else ""
        region = region.parent
    return ""


def stat_code_problem(code: str, *, level: str, parent: Region | None) -> str:
    """Why ``code`` cannot be the 12-digit statistical code of a ``level`` region under
    ``parent``, or "" when it can: 12 digits, the county's 6 digits first, a township's
    last three 000, and a village's first nine its township's."""
    if level not in STAT_CODE_LEVELS:
        return _("只有乡镇（街道）和村（社区）有 12 位统计用区划代码")
    if len(code) != 12 or not code.isascii() or not code.isdigit():
        return _("统计用区划代码应是 12 位数字")
    county = county_code_of(parent)
    if county and not code.startswith(county):
        return _("统计用区划代码的前 6 位应是所属县（区）的代码 %(code)s") % {"code": county}
    if level == "township" and not code.endswith("000"):
        return _("乡镇（街道）的统计用区划代码末 3 位应是 000")
    if level == "community":
        if code.endswith("000"):
            return _("村（社区）的统计用区划代码末 3 位不能是 000")
        township = parent.stat_code if parent is not None and parent.level == "township" else ""
        if township and code[:9] != township[:9]:
            return _("统计用区划代码的前 9 位应是所属乡镇（街道）的 %(code)s") % {
                "code": township[:9]
            }
    return ""


class Region(models.Model):
    """A node of the administrative tree; grids are its leaves and carry a polygon."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    # The NBS 统计用区划代码 of a township, village or community (6 county + 3 township +
    # 3 village digits), kept beside our own code: what provincial exchange files carry.
    stat_code = models.CharField(
        _("统计用区划代码"),
        max_length=12,
        blank=True,
        help_text=_("12 位：县级代码 6 位 + 乡镇 3 位 + 村（社区）3 位；乡镇末 3 位为 000"),
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=taxonomy.choices("region_level"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    population = models.PositiveIntegerField(_("常住人口"), null=True, blank=True)
    urban = models.BooleanField(_("城镇社区"), default=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ScopedManager()
    # How scope_to() finds this record's place in the tree (see org.scope).
    scope_region_path = "path"

    class Meta:
        ordering = ["path"]
        verbose_name = _("行政区域")
        verbose_name_plural = _("行政区域")
        permissions = [("import_grids", _("可以导入网格"))]
        indexes = [models.Index(fields=["level", "path"])]
        constraints = [
            models.UniqueConstraint(
                fields=["stat_code"], condition=~Q(stat_code=""), name="places_region_stat_code"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        prefix = self.parent.path if self.parent_id else PATH_SEPARATOR
        self.path = f"{prefix}{self.code}{PATH_SEPARATOR}"
        self.depth = self.path.count(PATH_SEPARATOR) - 1
        super().save(*args, **kwargs)

    def clean(self) -> None:
        code = self.code or ""
        if not code.isalnum() or not code.isascii():
            raise ValidationError({"code": _("编码只能由字母和数字组成")})
        if self.stat_code:
            problem = stat_code_problem(self.stat_code, level=self.level, parent=self.parent)
            if problem:
                raise ValidationError({"stat_code": problem})
        if self.parent is None:
            return
        if taxonomy.level_index(self.level) <= taxonomy.level_index(self.parent.level):
            raise ValidationError({"level": _("下级区域的层级必须低于上级区域")})
        if self.level == "grid" and self.parent.level not in ("community", "township"):
            raise ValidationError({"parent": _("网格的上级必须是社区（村）或乡镇（街道）")})

    @property
    def level_label(self) -> str:
        return taxonomy.label("region_level", self.level)

    @property
    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.split(PATH_SEPARATOR) if code][:-1]

    def ancestors(self) -> models.QuerySet[Region]:
        """From the root down to the parent, in order."""
        return Region.objects.filter(code__in=self.ancestor_codes).order_by("depth")

    def descendants(self) -> models.QuerySet[Region]:
        return Region.objects.filter(subtree_q(self.path)).exclude(pk=self.pk)


class Building(models.Model):
    """A building (or rural house plot) inside a grid."""

    class Use(models.TextChoices):
        RESIDENTIAL = "residential", _("住宅")
        COMMERCIAL = "commercial", _("商业")
        MIXED = "mixed", _("商住")
        PUBLIC = "public", _("公共设施")
        FARMHOUSE = "farmhouse", _("农村自建房")

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    grid = models.ForeignKey(
        Region,
        verbose_name=_("所属网格"),
        on_delete=models.PROTECT,
        related_name="buildings",
        limit_choices_to={"level": "grid"},
    )
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    # Indexed: an address typed on a report is first looked up here (places.text_locate).
    address = models.CharField(_("地址"), max_length=200, blank=True, db_index=True)
    use = models.CharField(_("用途"), max_length=16, choices=Use.choices, default=Use.RESIDENTIAL)
    floors = models.PositiveSmallIntegerField(_("层数"), default=1)
    households = models.PositiveIntegerField(_("户数"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_region_path = "grid__path"

    class Meta:
        ordering = ["grid__path", "code"]
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.grid_id and self.grid.level != "grid":
            raise ValidationError({"grid": _("楼栋必须属于一个网格")})
        if not (-180 <= self.lon <= 180) or not (-90 <= self.lat <= 90):
            raise ValidationError({"lon": _("经纬度超出范围")})
