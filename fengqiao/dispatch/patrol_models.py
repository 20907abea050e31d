"""Patrols (巡逻防控): routes with their check-in points, the shifts that walk them, and the
check-ins phones make at the points. Joint-defence teams (群防群治队) are org Teams; their
members are org People named on shifts.

Imported at the end of ``dispatch/models.py``; this module does not import it back (the
duty unit a shift names is referred to by its label).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fengqiao.org.models import Person, Team, Unit
from fengqiao.places.models import Region
from fengqiao.scoping import ScopedManager

DEFAULT_RADIUS_M = 100
# The teams that walk patrols (mediation committees and agencies do not), and the units a
# route belongs to.
PATROL_TEAM_KINDS = frozenset(
    {Team.Kind.PATROL, Team.Kind.JOINT_DEFENCE, Team.Kind.VOLUNTEER, Team.Kind.PROPERTY}
)
ROUTE_UNIT_KINDS = frozenset({Unit.Kind.STATION, Unit.Kind.POLICE_ROOM})


class PatrolRoute(models.Model):
    """A patrol route or area (巡逻路线/巡逻区域) of a station, with its ordered points."""

    name = models.CharField(_("名称"), max_length=100)
    station = models.ForeignKey(
        Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="patrol_routes"
    )
    # The grid or area the route covers; without one it covers the station's jurisdiction.
    region = models.ForeignKey(
        Region,
        verbose_name=_("巡逻区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patrol_routes",
    )
    note = models.TextField(_("说明"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Copied from the station and the area on save, so scope is read off the row.
    unit_path = models.CharField(max_length=255, editable=False, db_index=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_unit_path = "unit_path"
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["unit_path", "name"]
        verbose_name = _("巡逻路线")
        verbose_name_plural = _("巡逻路线")
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="patrol_route_name_once")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.unit_path = self.station.path
        self.scope_path = self.region.path if self.region_id else self.station.jurisdiction.path
        super().save(*args, **kwargs)


class PatrolPoint(models.Model):
    """A check-in point (打卡点) of a route. A point once checked in at is retired, not
    deleted, when the route drops it, so old check-ins keep their point."""

    route = models.ForeignKey(
        PatrolRoute, verbose_name=_("巡逻路线"), on_delete=models.CASCADE, related_name="points"
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("名称"), max_length=50)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    radius_m = models.PositiveIntegerField(_("打卡范围（米）"), default=DEFAULT_RADIUS_M)
    active = models.BooleanField(_("启用"), default=True)

    objects = ScopedManager()
    scope_unit_path = "route__unit_path"
    scope_region_path = "route__scope_path"

    class Meta:
        ordering = ["route", "order", "id"]
        verbose_name = _("打卡点")
        verbose_name_plural = _("打卡点")
        constraints = [
            models.UniqueConstraint(fields=["route", "name"], name="patrol_point_name_once"),
            models.CheckConstraint(condition=Q(radius_m__gt=0), name="patrol_point_radius"),
        ]

    def __str__(self) -> str:
        return self.name


class PatrolShift(models.Model):
    """A shift (巡逻班次): a route walked on a date from a start to an end time by a team,
    a unit on duty and/or named people. ``people`` is the roster, fixed when the shift is
    planned (the team's or unit's members then, unless people were named), so what a person
    served stays true after they leave a team."""

    route = models.ForeignKey(
        PatrolRoute, verbose_name=_("巡逻路线"), on_delete=models.PROTECT, related_name="shifts"
    )
    date = models.DateField(_("日期"), db_index=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    team = models.ForeignKey(
        Team,
        verbose_name=_("巡逻队伍"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patrol_shifts",
    )
    duty_unit = models.ForeignKey(
        "dispatch.DutyUnit",
        verbose_name=_("执勤力量"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patrol_shifts",
    )
    people = models.ManyToManyField(
        Person, verbose_name=_("巡逻人员"), related_name="patrol_shifts"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    unit_path = models.CharField(max_length=255, editable=False, db_index=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_unit_path = "unit_path"
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-date", "starts_at", "id"]
        verbose_name = _("巡逻班次")
        verbose_name_plural = _("巡逻班次")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="patrol_shift_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["route", "starts_at"], name="patrol_shift_route_time")]

    def __str__(self) -> str:
        return f"{self.route} · {self.date:%Y-%m-%d}"

    def save(self, *args, **kwargs) -> None:
        self.unit_path = self.route.unit_path
        self.scope_path = self.route.scope_path
        super().save(*args, **kwargs)


class CheckIn(models.Model):
    """A check-in (打卡) at a point, with where the phone was and the server's time. Far
    from its point or outside any shift it is kept all the same, and marked."""

    point = models.ForeignKey(
        PatrolPoint, verbose_name=_("打卡点"), on_delete=models.PROTECT, related_name="checkins"
    )
    route = models.ForeignKey(
        PatrolRoute, verbose_name=_("巡逻路线"), on_delete=models.PROTECT, related_name="checkins"
    )
    # The shift the person was on when they checked in; none: outside any shift.
    shift = models.ForeignKey(
        PatrolShift,
        verbose_name=_("巡逻班次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checkins",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("打卡人"), on_delete=models.PROTECT, related_name="patrol_checkins"
    )
    at = models.DateTimeField(_("打卡时间"), db_index=True)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    accuracy_m = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    distance_m = models.FloatField(_("距打卡点（米）"))
    off_point = models.BooleanField(_("偏离打卡点"), default=False)
    off_shift = models.BooleanField(_("班次外打卡"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # A hazard found on patrol goes through intake's door; its tracking code is kept here.
    report = models.ForeignKey(
        "intake.Report",
        verbose_name=_("发现隐患"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hazard_code = models.CharField(_("隐患查询码"), max_length=16, blank=True)
    client_key = models.CharField(max_length=64, unique=True, null=True, editable=False)
    unit_path = models.CharField(max_length=255, editable=False, db_index=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_unit_path = "unit_path"
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("巡逻打卡")
        verbose_name_plural = _("巡逻打卡")
        indexes = [
            models.Index(fields=["route", "at"], name="patrol_checkin_route_at"),
            models.Index(fields=["person", "at"], name="patrol_checkin_person_at"),
        ]

    def __str__(self) -> str:
        return f"{self.point} · {self.person}"

    def save(self, *args, **kwargs) -> None:
        self.unit_path = self.route.unit_path
        self.scope_path = self.route.scope_path
        super().save(*args, **kwargs)

    @property
    def flagged(self) -> bool:
        return self.off_point or self.off_shift
