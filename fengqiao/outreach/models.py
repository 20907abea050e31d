"""Campaigns (household visits 大走访, anti-fraud work), the visit task of each household and
the visits made, anti-fraud events and warnings, and commendations.

Points for recognition are not stored: they are counted from what the system recorded
(``outreach.recognition``), so nobody earns them by typing about themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao import sealing
from fengqiao.org.models import Person, Unit
from fengqiao.places.models import Region
from fengqiao.registry.models import House, KeyPerson
from fengqiao.scoping import ScopedManager


class Campaign(models.Model):
    """A campaign of a station over chosen grids and dates: a household visit campaign
    (走访), whose tasks are the registry's houses there, or an anti-fraud campaign (反诈),
    whose events and warnings are recorded against it."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("入户走访")
        ANTI_FRAUD = "anti_fraud", _("反诈宣传")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    station = models.ForeignKey(
        Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="campaigns"
    )
    grids = models.ManyToManyField(Region, verbose_name=_("网格"), related_name="campaigns")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    note = models.TextField(_("说明"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    unit_path = models.CharField(max_length=255, editable=False, db_index=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_unit_path = "unit_path"
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("走访宣传活动")
        verbose_name_plural = _("走访宣传活动")
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="campaign_name_once"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.unit_path = self.station.path
        self.scope_path = self.station.jurisdiction.path
        super().save(*args, **kwargs)


class VisitTask(models.Model):
    """One household (a registry house) to visit in a visit campaign, and how far it got."""

    class State(models.TextChoices):
        PENDING = "pending", _("未走访")
        ATTEMPTED = "attempted", _("未见到人")
        REACHED = "reached", _("已走访")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    house = models.ForeignKey(
        House, verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="visit_tasks"
    )
    grid = models.ForeignKey(
        Region, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="visit_tasks"
    )
    assignee = models.ForeignKey(
        Person,
        verbose_name=_("走访人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visit_tasks",
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.PENDING, db_index=True
    )
    last_visit_at = models.DateTimeField(_("最近走访时间"), null=True, blank=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["grid__path", "house_id"]
        verbose_name = _("走访任务")
        verbose_name_plural = _("走访任务")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "house"], name="visit_task_once")
        ]
        indexes = [models.Index(fields=["campaign", "grid", "state"])]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.house_id}"

    def save(self, *args, **kwargs) -> None:
        self.scope_path = self.grid.path
        super().save(*args, **kwargs)


class VisitRecord(models.Model):
    """One call at a household (入户走访记录), made on a phone: who was home, what was
    found (a problem goes through intake and keeps its tracking code), the key people seen,
    and whether the anti-fraud app is installed."""

    class Outcome(models.TextChoices):
        MET = "met", _("见到住户")
        NOBODY_HOME = "nobody_home", _("无人在家")
        REFUSED = "refused", _("拒绝走访")
        VACANT = "vacant", _("房屋空置")

    task = models.ForeignKey(VisitTask, on_delete=models.CASCADE, related_name="records")
    visited_at = models.DateTimeField(_("走访时间"), db_index=True)
    visitor = models.ForeignKey(
        Person, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="visit_records"
    )
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices)
    people_home = models.PositiveSmallIntegerField(_("在家人数"), default=0)
    situation = models.TextField(_("家庭情况"), max_length=2000, blank=True)
    problem = models.TextField(_("发现的问题"), max_length=2000, blank=True)
    # The report the problem became (intake's tracking code).
    report_code = models.CharField(_("上报查询码"), max_length=12, blank=True)
    key_people_seen = models.ManyToManyField(
        KeyPerson, verbose_name=_("见到的重点人员"), blank=True, related_name="+"
    )
    app_installed = models.BooleanField(_("已安装国家反诈中心App"), default=False)
    contact_card_given = models.BooleanField(_("已发放警民联系卡"), default=False)
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")

    def __str__(self) -> str:
        return f"{self.task} · {self.get_outcome_display()}"

    def save(self, *args, **kwargs) -> None:
        self.scope_path = self.task.scope_path
        super().save(*args, **kwargs)


class OutreachEvent(models.Model):
    """An anti-fraud (or other publicity) event in a grid: a talk, a stall, a round of
    doors; how many people it reached, app installs and leaflets."""

    class Kind(models.TextChoices):
        TALK = "talk", _("宣讲")
        STALL = "stall", _("摆摊宣传")
        DOOR_TO_DOOR = "door_to_door", _("上门宣传")
        OTHER = "other", _("其他")

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("所属活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    kind = models.CharField(_("形式"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("主题"), max_length=100)
    grid = models.ForeignKey(
        Region, verbose_name=_("地点（网格）"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("日期"), db_index=True)
    people_reached = models.PositiveIntegerField(_("覆盖人数"), default=0)
    app_installs = models.PositiveIntegerField(_("反诈App安装数"), default=0)
    leaflets = models.PositiveIntegerField(_("发放资料份数"), default=0)
    note = models.TextField(_("说明"), max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        Person, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("宣传活动")
        verbose_name_plural = _("宣传活动")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.scope_path = self.grid.path
        super().save(*args, **kwargs)


class FraudWarning(sealing.SealedPhone, models.Model):
    """A warning given to a likely victim of fraud (预警劝阻), and whether a payment was
    stopped (止付) and how much was saved."""

    class Level(models.TextChoices):
        HIGH = "high", _("高风险")
        MEDIUM = "medium", _("中风险")
        LOW = "low", _("低风险")

    class Method(models.TextChoices):
        SMS = "sms", _("短信")
        CALL = "call", _("电话")
        VISIT = "visit", _("上门")

    class Outcome(models.TextChoices):
        DISSUADED = "dissuaded", _("劝阻成功")
        NOT_REACHED = "not_reached", _("未联系上")
        ALREADY_LOST = "already_lost", _("已被骗")
        NOT_FRAUD = "not_fraud", _("经核实非诈骗")

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("所属活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="warnings",
    )
    grid = models.ForeignKey(
        Region, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+"
    )
    warned_at = models.DateTimeField(_("劝阻时间"), db_index=True)
    level = models.CharField(_("预警等级"), max_length=8, choices=Level.choices)
    method = models.CharField(_("方式"), max_length=8, choices=Method.choices)
    person_name = models.CharField(_("被劝阻人"), max_length=50)
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    payment_stopped = models.BooleanField(_("紧急止付"), default=False)
    amount_stopped = models.DecimalField(
        _("止付金额（元）"), max_digits=12, decimal_places=2, default=0
    )
    amount_lost = models.DecimalField(
        _("损失金额（元）"), max_digits=12, decimal_places=2, default=0
    )
    note = models.TextField(_("说明"), max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        Person, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-warned_at", "-id"]
        verbose_name = _("预警劝阻")
        verbose_name_plural = _("预警劝阻")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_stopped__gte=0) & Q(amount_lost__gte=0),
                name="fraud_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(payment_stopped=True) | Q(amount_stopped=0),
                name="fraud_amount_only_when_stopped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_name} · {self.get_outcome_display()}"

    def save(self, *args, **kwargs) -> None:
        self.scope_path = self.grid.path
        super().save(*args, **kwargs)


class Commendation(models.Model):
    """A commendation (表彰) of a person who helped: recorded by the station, with why."""

    person = models.ForeignKey(
        Person, verbose_name=_("受表彰人"), on_delete=models.PROTECT, related_name="commendations"
    )
    community = models.ForeignKey(
        Region, verbose_name=_("社区（村）"), on_delete=models.PROTECT, related_name="+"
    )
    awarded_on = models.DateField(_("表彰日期"))
    title = models.CharField(_("表彰名称"), max_length=100)
    reason = models.TextField(_("事迹"), max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-awarded_on", "-id"]
        verbose_name = _("表彰")
        verbose_name_plural = _("表彰")

    def __str__(self) -> str:
        return f"{self.person} · {self.title}"

    def save(self, *args, **kwargs) -> None:
        self.scope_path = self.community.path
        super().save(*args, **kwargs)
