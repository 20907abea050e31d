"""Police units, beats, teams, people, who packages which place, and who may see what."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao import taxonomy
from fengqiao.phones import normalize_phone
from fengqiao.places.models import PATH_SEPARATOR, Building, Region
from fengqiao.scoping import ScopedManager


class Unit(models.Model):
    """A police unit: county bureau, police station or police room, in a tree of its own."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("公安局（分局）")
        STATION = "station", _("派出所")
        POLICE_ROOM = "police_room", _("警务室")

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    jurisdiction = models.ForeignKey(
        Region, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="units"
    )
    phone = models.CharField(_("值班电话"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_unit_path = "path"
    scope_region_path = "jurisdiction__path"

    class Meta:
        ordering = ["path"]
        verbose_name = _("公安单位")
        verbose_name_plural = _("公安单位")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        prefix = self.parent.path if self.parent_id else PATH_SEPARATOR
        self.path = f"{prefix}{self.code}{PATH_SEPARATOR}"
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if not (self.code or "").isalnum() or not self.code.isascii():
            raise ValidationError({"code": _("编码只能由字母和数字组成")})
        order = [self.Kind.BUREAU, self.Kind.STATION, self.Kind.POLICE_ROOM]
        if self.parent_id and order.index(self.kind) <= order.index(self.parent.kind):
            raise ValidationError({"kind": _("下级单位的类型必须低于上级单位")})


class Beat(models.Model):
    """A police beat (警务区): the communities or grids one community officer packages."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    unit = models.ForeignKey(
        Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="beats"
    )
    areas = models.ManyToManyField(Region, verbose_name=_("覆盖区域"), related_name="beats")

    objects = ScopedManager()
    scope_unit_path = "unit__path"
    scope_region_path = "unit__jurisdiction__path"

    class Meta:
        ordering = ["code"]
        verbose_name = _("警务区")
        verbose_name_plural = _("警务区")

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A role code from taxonomy.json; rows are created by a migration, labels come from it."""

    code = models.CharField(_("编码"), max_length=32, primary_key=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("角色")
        verbose_name_plural = _("角色")

    def __str__(self) -> str:
        return taxonomy.label("role", self.code)


class Person(models.Model):
    """A staff profile: police, auxiliaries, grid workers, building heads, mediators ..."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="person",
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    # What the public page of a building shows (a duty phone, say); set only by the person
    # themselves through org.services.set_public_contact. Blank: not published.
    public_phone = models.CharField(
        _("公开联系电话"),
        max_length=20,
        blank=True,
        help_text=_("由本人决定是否公开，显示在楼栋二维码公示页上；留空则不公开"),
    )
    roles = models.ManyToManyField(Role, verbose_name=_("角色"), related_name="people")
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    active = models.BooleanField(_("在岗"), default=True)

    objects = ScopedManager()
    scope_unit_path = "unit__path"
    scope_region_path = "region__path"

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        permissions = [("view_full_phone", _("可以查看完整手机号码"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(region__isnull=False),
                name="person_belongs_somewhere",
                violation_error_message=_("人员必须属于一个单位或一个区域"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        for field in ("phone", "public_phone"):
            try:
                setattr(self, field, normalize_phone(getattr(self, field)))
            except ValidationError as error:
                raise ValidationError({field: error.messages}) from None


class Team(models.Model):
    """A patrol, mediation, volunteer or property team."""

    class Kind(models.TextChoices):
        PATROL = "patrol", _("巡逻队")
        MEDIATION = "mediation", _("调解队")
        VOLUNTEER = "volunteer", _("志愿者队")
        PROPERTY = "property", _("物业队")
        # 群防群治: volunteers, security guards and shop owners who join patrols.
        JOINT_DEFENCE = "joint_defence", _("群防群治队")
        # The bodies of the ladder's upper levels and the ones matters are handed to.
        COMMITTEE = "committee", _("人民调解委员会")
        GOVERNANCE = "governance", _("综治中心")
        DISPUTE_CENTRE = "dispute_centre", _("矛盾纠纷调处化解中心")
        AGENCY = "agency", _("协办单位")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("服务区域"), on_delete=models.PROTECT, related_name="teams"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
    )
    leader = models.ForeignKey(
        Person,
        verbose_name=_("队长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
    )
    members = models.ManyToManyField(Person, verbose_name=_("成员"), related_name="teams")

    objects = ScopedManager()
    scope_region_path = "region__path"

    class Meta:
        ordering = ["region__path", "name"]
        verbose_name = _("队伍")
        verbose_name_plural = _("队伍")

    def __str__(self) -> str:
        return self.name


class Duty(models.TextChoices):
    """What an assignment makes a person responsible for, and on what kind of place."""

    COMMUNITY_POLICE = "community_police", _("社区民警（警务区）")
    AUXILIARY_POLICE = "auxiliary_police", _("辅警（村、社区）")
    GRID_WORKER = "grid_worker", _("网格员（网格）")
    BUILDING_HEAD = "building_head", _("楼栋长（楼栋）")


class Assignment(models.Model):
    """Person P packages place X for duty D from starts_on to ends_on (both days included)."""

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="assignments"
    )
    duty = models.CharField(_("职责"), max_length=32, choices=Duty.choices)
    beat = models.ForeignKey(
        Beat, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    building = models.ForeignKey(
        Building, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("包片责任")
        verbose_name_plural = _("包片责任")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        duty="community_police",
                        beat__isnull=False,
                        region__isnull=True,
                        building__isnull=True,
                    )
                    | Q(
                        duty__in=["auxiliary_police", "grid_worker"],
                        beat__isnull=True,
                        region__isnull=False,
                        building__isnull=True,
                    )
                    | Q(
                        duty="building_head",
                        beat__isnull=True,
                        region__isnull=True,
                        building__isnull=False,
                    )
                ),
                name="assignment_target_matches_duty",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_start",
            ),
            # One current holder where the rule is "one per place"; dated overlaps are
            # checked by org.services.assign, which knows about past and future periods.
            models.UniqueConstraint(
                fields=["beat"],
                condition=Q(duty="community_police", ends_on__isnull=True),
                name="one_open_community_police_per_beat",
            ),
            models.UniqueConstraint(
                fields=["region"],
                condition=Q(duty="auxiliary_police", ends_on__isnull=True),
                name="one_open_auxiliary_police_per_village",
            ),
            models.UniqueConstraint(
                fields=["building"],
                condition=Q(duty="building_head", ends_on__isnull=True),
                name="one_open_building_head_per_building",
            ),
        ]
        indexes = [models.Index(fields=["duty", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_duty_display()} · {self.target}"

    def save(self, *args, **kwargs) -> None:
        self.scope_path = self.target_path()
        super().save(*args, **kwargs)

    @property
    def target(self):
        return self.beat or self.region or self.building

    def target_path(self) -> str:
        if self.beat_id:
            return self.beat.unit.jurisdiction.path
        if self.building_id:
            return self.building.grid.path
        return self.region.path


class AccessGrant(models.Model):
    """A user may see and act inside this region's subtree, or this unit's (and its area)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="access_grants"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="access_grants"
    )

    objects = ScopedManager()
    scope_region_path = "region__path"
    scope_unit_path = "unit__path"

    class Meta:
        verbose_name = _("数据权限")
        verbose_name_plural = _("数据权限")
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False, unit__isnull=True)
                | Q(region__isnull=True, unit__isnull=False),
                name="grant_is_region_or_unit",
            ),
            models.UniqueConstraint(fields=["user", "region"], name="unique_region_grant"),
            models.UniqueConstraint(fields=["user", "unit"], name="unique_unit_grant"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.region or self.unit}"
