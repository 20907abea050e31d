"""Incidents (alarms and 110 transfers), the units on duty that answer them, and the four
timestamps of each response."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fengqiao import sealing, taxonomy
from fengqiao.org.models import Beat, Person, Unit
from fengqiao.places.models import Building, Region
from fengqiao.scoping import ScopedManager


class DutyUnit(models.Model):
    """A unit on duty: a patrol car, a beat officer, an auxiliary team or a foot patrol,
    with its members, its status and where its phones last said it was."""

    class Kind(models.TextChoices):
        PATROL_CAR = "patrol_car", _("巡逻车")
        BEAT_OFFICER = "beat_officer", _("社区民警")
        AUXILIARY_TEAM = "auxiliary_team", _("辅警队")
        FOOT_PATROL = "foot_patrol", _("步巡组")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("空闲")
        EN_ROUTE = "en_route", _("出警途中")
        AT_SCENE = "at_scene", _("在现场")
        BUSY = "busy", _("忙碌")
        OFF_DUTY = "off_duty", _("不在岗")

    call_sign = models.CharField(_("呼号"), max_length=32)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    station = models.ForeignKey(
        Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="duty_units"
    )
    # The beat a beat officer's unit serves: its officer goes first to that beat's incidents.
    beat = models.ForeignKey(
        Beat,
        verbose_name=_("警务区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duty_units",
    )
    members = models.ManyToManyField(Person, verbose_name=_("成员"), related_name="duty_units")
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.OFF_DUTY
    )
    status_at = models.DateTimeField(_("状态时间"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    accuracy_m = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    fix_at = models.DateTimeField(_("最后定位时间"), null=True, blank=True)
    # Copied from the station on save, so scope is read off the row without a join.
    unit_path = models.CharField(max_length=255, editable=False, db_index=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_unit_path = "unit_path"
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["unit_path", "call_sign"]
        verbose_name = _("执勤力量")
        verbose_name_plural = _("执勤力量")
        constraints = [
            models.UniqueConstraint(fields=["station", "call_sign"], name="dispatch_call_sign_once")
        ]
        indexes = [models.Index(fields=["status", "lat", "lon"], name="dispatch_unit_nearby")]

    def __str__(self) -> str:
        return self.call_sign

    def save(self, *args, **kwargs) -> None:
        self.unit_path = self.station.path
        self.scope_path = self.station.jurisdiction.path
        super().save(*args, **kwargs)


class Incident(sealing.SealedPhone, models.Model):
    """One call for help (one-click alarm, kiosk, 110 transfer, an urgent report) as the
    dispatch board works it: who was sent, the four timestamps, and how it ended."""

    class Status(models.TextChoices):
        NEW = "new", _("待派警")
        DISPATCHED = "dispatched", _("已派警")
        ACCEPTED = "accepted", _("已签收")
        DEPARTED = "departed", _("已出警")
        ON_SCENE = "on_scene", _("已到场")
        CLOSED = "closed", _("已结束")

    class Outcome(models.TextChoices):
        HANDLED = "handled", _("现场处置完毕")
        CASE = "case", _("转为矛盾纠纷案件")
        FALSE_ALARM = "false_alarm", _("误报或无效警情")
        TRANSFERRED = "transferred", _("移交其他部门")

    class LocationSource(models.TextChoices):
        DEVICE = "device", _("手机定位")
        LAST_KNOWN = "last_known", _("手机上次定位")
        BUILDING = "building", _("选择的楼栋")
        KIOSK = "kiosk", _("自助终端所在地")
        GROUP = "group", _("社区群所在地")
        ADDRESS = "address", _("报警地址")
        CALLER = "caller", _("报警人登记住址")

    number = models.CharField(_("警情编号"), max_length=32, unique=True)
    from_110 = models.BooleanField(_("110 转警"), default=False)
    report = models.OneToOneField(
        "intake.Report",
        verbose_name=_("群众反映"),
        on_delete=models.PROTECT,
        related_name="incident",
    )
    channel = models.CharField(_("渠道"), max_length=24, choices=taxonomy.choices("channel"))
    category = models.CharField(
        _("类别"), max_length=40, choices=taxonomy.choices("category"), blank=True
    )
    risk = models.CharField(_("风险等级"), max_length=8, choices=taxonomy.choices("risk"))
    text = models.TextField(_("警情内容"))
    caller_name = models.CharField(_("报警人"), max_length=50, blank=True)
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("报警电话"), max_length=20, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    phone_verified = models.BooleanField(_("电话已验证"), default=False)
    silent = models.BooleanField(_("静默报警"), default=False)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    location_source = models.CharField(
        _("位置来源"), max_length=12, choices=LocationSource.choices, default="address"
    )
    # The place is a fallback (last known fix, the caller's building), not where they are.
    location_uncertain = models.BooleanField(_("位置待核实"), default=False)
    grid = models.ForeignKey(
        Region, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="incidents"
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("楼栋"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    station = models.ForeignKey(
        Unit,
        verbose_name=_("管辖单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default="new")
    unit = models.ForeignKey(
        DutyUnit,
        verbose_name=_("出警力量"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    # What the board suggested when the unit was sent, kept for review.
    suggested = models.JSONField(_("推荐出警力量"), default=list, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField(_("接警时间"), db_index=True)
    created_at = models.DateTimeField(_("录入时间"))
    dispatched_at = models.DateTimeField(_("派警时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    # The moment of 出警, not the figures page of the same name (出警时间, response times).
    departed_at = models.DateTimeField(
        pgettext_lazy("the moment a unit set off", "出警时间"), null=True, blank=True
    )
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    outcome = models.CharField(_("处置结果"), max_length=16, choices=Outcome.choices, blank=True)
    result = models.TextField(_("处置情况"), blank=True)
    case = models.ForeignKey(
        "disputes.Case",
        verbose_name=_("纠纷案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    # A keyed hash of who raised it (account, browser session or phone): taps within a
    # minute from the same sender are one alarm.
    sender_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)
    unit_path = models.CharField(max_length=255, editable=False, blank=True, db_index=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"
    scope_unit_path = "unit_path"

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("警情")
        verbose_name_plural = _("警情")
        permissions = [
            ("dispatch_incident", _("可以派警")),
            ("respond_incident", _("可以出警反馈")),
        ]
        indexes = [
            models.Index(fields=["scope_path", "status", "-received_at"]),
            models.Index(fields=["station", "received_at"], name="dispatch_incident_station"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        self.scope_path = self.grid.path
        self.unit_path = self.station.path if self.station_id else ""
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


from fengqiao.dispatch.patrol_models import CheckIn, PatrolPoint, PatrolRoute, PatrolShift  # noqa: E402,F401
