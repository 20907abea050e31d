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


def subtree_q(path: str, field: str = "path") -> Q:
    """Everything at or under the node with ``path``, as one index range.

    Paths are codes joined and ended by "/", and codes are letters and digits, which all
    sort after "/"; so the subtree is exactly [path, path-without-its-last-"/" + "0").
    That is a plain B-tree range on SQLite and PostgreSQL alike, unlike LIKE 'x%'.
    """
    return Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})


class Region(models.Model):
    """A node of the administrative tree; grids are its leaves and carry a polygon."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
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
