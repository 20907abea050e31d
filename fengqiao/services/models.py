"""The station's service catalogue, the applications made to it (at the window, online, at
the kiosk, or at the door for those who cannot come), and each application's history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao import sealing
from fengqiao.org.models import Person, Unit
from fengqiao.places.models import Building
from fengqiao.scoping import ScopedManager


class Channel(models.TextChoices):
    """Where a service is done (办理渠道)."""

    ONLINE = "online", _("网上办理")
    KIOSK = "kiosk", _("自助终端")
    WINDOW = "window", _("窗口办理")
    DOOR = "door", _("上门服务")


class ServiceKind(models.TextChoices):
    """The household-registration and administrative services a station offers
    (domain-notes §7.3). ``other`` for what a county adds of its own."""

    BIRTH_REGISTRATION = "birth_registration", _("出生登记")
    MOVE_IN = "move_in", _("迁入登记")
    MOVE_OUT = "move_out", _("迁出登记")
    ID_FIRST = "id_first", _("居民身份证首次申领")
    ID_RENEWAL = "id_renewal", _("居民身份证换领、补领")
    TEMPORARY_ID = "temporary_id", _("临时居民身份证")
    RESIDENCE_PERMIT = "residence_permit", _("居住证")
    RESIDENCE_CERTIFICATE = "residence_certificate", _("户籍证明")
    DETAIL_CHANGE = "detail_change", _("变更更正户口登记项目")
    OTHER = "other", _("其他服务")


class Service(models.Model):
    """One service in a station's catalogue (服务事项): who may apply, the materials, the
    legal time limit, the channels, and whether one visit is enough (一次办结)."""

    station = models.ForeignKey(
        Unit, verbose_name=_("办理单位"), on_delete=models.PROTECT, related_name="services"
    )
    kind = models.CharField(_("事项类别"), max_length=32, choices=ServiceKind.choices)
    name = models.CharField(_("事项名称"), max_length=100)
    who_may_apply = models.TextField(_("申请条件"), max_length=1000, blank=True)
    # The materials' names, in the order they are checked (["居民身份证", "租房合同", ...]).
    materials = models.JSONField(_("申请材料"), default=list, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("法定时限（天）"))
    # The station's own promise, if shorter than the law's (承诺时限).
    promised_days = models.PositiveSmallIntegerField(_("承诺时限（天）"), null=True, blank=True)
    channels = models.JSONField(_("办理渠道"), default=list)
    one_visit = models.BooleanField(_("最多跑一次"), default=False)
    # Bookings per half-hour slot at the window; 0 means no bookings for this service.
    slot_capacity = models.PositiveSmallIntegerField(_("每时段可预约人数"), default=4)
    note = models.TextField(_("办理须知"), max_length=2000, blank=True)
    # A closed service stays in the catalogue for its old applications; none can be new.
    open = models.BooleanField(_("受理中"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    unit_path = models.CharField(max_length=255, editable=False, db_index=True)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_unit_path = "unit_path"
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["unit_path", "kind", "name"]
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="service_name_once"),
            models.CheckConstraint(
                condition=Q(time_limit_days__gt=0), name="service_time_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(promised_days__isnull=True) | Q(promised_days__gt=0),
                name="service_promise_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.unit_path = self.station.path
        self.scope_path = self.station.jurisdiction.path
        super().save(*args, **kwargs)

    @property
    def days_allowed(self) -> int:
        """The limit the clock runs against: the promise where there is one."""
        return self.promised_days or self.time_limit_days


class Application(sealing.SealedPhone, sealing.SealedIdNumber, models.Model):
    """One application or booking (申请/预约) for a service, followed by its tracking code.

    Door-to-door requests (上门服务) are applications on the ``door`` channel: they carry the
    building to go to, why the applicant cannot come, and the community police officer of
    that address they were routed to, and they end with the visit recorded.
    """

    class State(models.TextChoices):
        BOOKED = "booked", _("已预约")
        SUBMITTED = "submitted", _("已受理")
        MISSING = "missing", _("待补正材料")
        COMPLETED = "completed", _("已办结")
        REFUSED = "refused", _("不予办理")
        CANCELLED = "cancelled", _("已取消")

    class DoorReason(models.TextChoices):
        ELDERLY = "elderly", _("高龄老人")
        DISABLED = "disabled", _("残疾人")
        BEDRIDDEN = "bedridden", _("卧床不起")
        OTHER = "other", _("其他行动不便")

    service = models.ForeignKey(
        Service, verbose_name=_("服务事项"), on_delete=models.PROTECT, related_name="applications"
    )
    tracking_code = models.CharField(_("查询码"), max_length=12, unique=True)
    channel = models.CharField(_("办理渠道"), max_length=8, choices=Channel.choices)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, db_index=True)
    applicant_name = models.CharField(_("申请人"), max_length=50)
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    id_sealed = models.TextField(blank=True, editable=False)
    id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_masked = models.CharField(_("身份证号码"), max_length=24, blank=True, editable=False)
    id_last4 = models.CharField(max_length=4, blank=True, editable=False)
    note = models.TextField(_("说明"), max_length=1000, blank=True)
    # A signed-in resident's account: their applications are listed for them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_applications",
    )
    booked_for = models.DateTimeField(_("预约时间"), null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    # The clock: stopped while materials are missing, restarted when they come.
    due_at = models.DateTimeField(_("办结期限"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_seconds = models.PositiveIntegerField(default=0, editable=False)
    # What the applicant was last asked for, all at once (一次性告知).
    missing_materials = models.JSONField(_("需补正材料"), default=list, blank=True)
    # Times the applicant was sent away for something: 0 at completion is 一次办结.
    missing_requests = models.PositiveSmallIntegerField(default=0, editable=False)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True, db_index=True)
    refusal_reason = models.TextField(_("不予办理理由"), max_length=1000, blank=True)
    handler = models.ForeignKey(
        Person,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_applications",
    )
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    feedback = models.TextField(_("评价"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    # Door to door: where to go, why, who goes, and the visit.
    building = models.ForeignKey(
        Building,
        verbose_name=_("上门地址（楼栋）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_applications",
    )
    address_detail = models.CharField(_("门牌、单元、房号"), max_length=100, blank=True)
    door_reason = models.CharField(
        _("上门原因"), max_length=12, choices=DoorReason.choices, blank=True
    )
    assignee = models.ForeignKey(
        Person,
        verbose_name=_("上门民警"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="door_requests",
    )
    visited_at = models.DateTimeField(_("上门时间"), null=True, blank=True)
    visit_note = models.TextField(_("上门情况"), max_length=1000, blank=True)
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    unit_path = models.CharField(max_length=255, editable=False, db_index=True)
    # The station's jurisdiction, or the building's grid for a door-to-door request.
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = ScopedManager()
    scope_unit_path = "unit_path"
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("服务申请")
        verbose_name_plural = _("服务申请")
        permissions = [("process_application", _("可以受理、办结服务申请"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="application_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(channel="door") | Q(building__isnull=False),
                name="door_request_has_building",
            ),
        ]
        indexes = [models.Index(fields=["service", "state"])]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.service}"

    def save(self, *args, **kwargs) -> None:
        self.unit_path = self.service.unit_path
        self.scope_path = self.building.grid.path if self.building_id else self.service.scope_path
        super().save(*args, **kwargs)

    @property
    def is_door_request(self) -> bool:
        return self.channel == Channel.DOOR


class ApplicationEvent(models.Model):
    """One step of an application's history (受理、补正、办结 ...), append-only."""

    class Type(models.TextChoices):
        BOOKED = "booked", _("预约")
        SUBMITTED = "submitted", _("受理")
        MISSING = "missing", _("一次性告知补正材料")
        SUPPLIED = "supplied", _("材料已补齐")
        ROUTED = "routed", _("转交上门民警")
        VISITED = "visited", _("上门服务")
        COMPLETED = "completed", _("办结")
        REFUSED = "refused", _("不予办理")
        CANCELLED = "cancelled", _("取消")
        RATED = "rated", _("评价")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("类型"), max_length=12, choices=Type.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)

    objects = ScopedManager()
    scope_unit_path = "application__unit_path"
    scope_region_path = "application__scope_path"

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_type_display()}"
