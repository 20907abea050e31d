"""Reports: everything residents and staff report, from every channel, through one door."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao import sealing, taxonomy
from fengqiao.org.models import Person
from fengqiao.places.models import Building, Region
from fengqiao.scoping import ScopedManager


class Report(sealing.SealedPhone, models.Model):
    """One report as it arrived, where it was located, and who it was routed to.

    A dispute report becomes a case (``case``, opened by disputes); the other kinds are worked
    here with a simple assign-and-close flow until their own modules exist.
    """

    class Kind(models.TextChoices):
        DISPUTE = "dispute", _("矛盾纠纷")
        HAZARD = "hazard", _("安全隐患")
        REGISTRY = "registry", _("信息登记（如流动人口）")
        SUGGESTION = "suggestion", _("意见建议")
        SERVICE = "service", _("办事求助")
        # One-click alarms and 110 transfers: dispatch works them as incidents.
        ALARM = "alarm", _("报警求助")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        IN_PROGRESS = "in_progress", _("处理中")
        CLOSED = "closed", _("已办结")

    class Feedback(models.TextChoices):
        FIXED = "fixed", _("已解决")
        PARTLY = "partly", _("部分解决")
        NOT_FIXED = "not_fixed", _("未解决")

    tracking_code = models.CharField(_("查询码"), max_length=12, unique=True)
    # A keyed hash of (sender, channel, key): fengqiao.idempotency.stored_key.
    client_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The record this report was made from, as "<app>.<model>:<id>" (a group message).
    source = models.CharField(_("来源记录"), max_length=64, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("渠道"), max_length=24, choices=taxonomy.choices("channel"))
    category = models.CharField(
        _("类别"), max_length=40, choices=taxonomy.choices("category"), blank=True
    )
    risk = models.CharField(_("风险等级"), max_length=8, choices=taxonomy.choices("risk"))
    text = models.TextField(_("内容"))
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True)
    # The reporter's phone as the registry keeps numbers (``fengqiao.sealing``): sealed for a
    # reveal, keyed hash for finding their other reports, masked for every page and the API.
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    anonymous = models.BooleanField(_("对外匿名"), default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # The registry's records this report is about, when intake could tell (exact or
    # near-exact address match; the one resident with the reporter's phone).
    std_address = models.ForeignKey(
        "registry.Address",
        verbose_name=_("标准地址"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    reporter_resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("反映人（实有人口）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    grid = models.ForeignKey(
        Region, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="reports"
    )
    # The case a dispute report became. Intake points at disputes, never the other way
    # (DESIGN.md §2): disputes opens the case and intake records the link; the reverse
    # accessor ``case.report`` raises ``Report.DoesNotExist`` for a case opened by staff.
    case = models.OneToOneField(
        "disputes.Case",
        verbose_name=_("纠纷案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report",
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("楼栋"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    near_boundary = models.BooleanField(_("靠近网格边界"), default=False)
    # The reporter chose this grid themselves when their point was near an edge.
    grid_confirmed = models.BooleanField(_("反映人已确认网格"), default=False)
    # Staff found this report to be about the same matter as an earlier one.
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重复于"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    duplicate_reason = models.CharField(_("重复原因"), max_length=200, blank=True)
    assignees = models.ManyToManyField(Person, verbose_name=_("责任人"), blank=True)
    status = models.CharField(
        _("办理状态"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_taken",
    )
    created_at = models.DateTimeField(_("反映时间"), db_index=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    feedback = models.CharField(_("群众评价"), max_length=16, choices=Feedback.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("重新打开次数"), default=0)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)
    # What triage read in the text (category, risk, dispatch, level, signals with their
    # words), kept as predicted; null with needs_grading when triage could not run.
    triage = models.JSONField(_("智能研判"), null=True, blank=True)
    dispatch = models.BooleanField(_("需要出警"), default=False)
    needs_grading = models.BooleanField(_("待人工研判"), default=False)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("群众反映")
        verbose_name_plural = _("群众反映")
        indexes = [models.Index(fields=["scope_path", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="satisfaction_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.get_kind_display()}"

    def save(self, *args, **kwargs) -> None:
        self.scope_path = self.grid.path
        super().save(*args, **kwargs)

    @property
    def public_name(self) -> str:
        """What the public sees of the reporter: nothing when they asked to be anonymous."""
        return "" if self.anonymous else self.reporter_name


class ReportReply(models.Model):
    """What staff answered the reporter, shown on the public status page by tracking code.

    ``template`` is the code of the reply template it started from (``intake.replies``),
    blank when written from scratch. The public never sees who wrote it.
    """

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="replies")
    text = models.TextField(_("答复内容"))
    template = models.CharField(_("答复模板"), max_length=32, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("答复时间"), db_index=True)

    objects = ScopedManager()
    scope_region_path = "report__scope_path"

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("答复")
        verbose_name_plural = _("答复")

    def __str__(self) -> str:
        return f"{self.report} {self.at:%Y-%m-%d %H:%M}"


class ReportPhoto(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to="reports/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")

    def __str__(self) -> str:
        return self.image.name


class Open311Key(models.Model):
    """A key that lets one outside program post reports through Open311.

    Only a SHA-256 of the key is stored: the key itself is shown once, when it is made
    (``fengqiao manage create_open311_key``), and cannot be read back. A key with a
    ``jurisdiction`` may only post reports located inside that region.
    """

    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    active = models.BooleanField(_("启用"), default=True)
    jurisdiction = models.ForeignKey(
        Region,
        verbose_name=_("限定区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="open311_keys",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Open311 接口密钥")
        verbose_name_plural = _("Open311 接口密钥")

    def __str__(self) -> str:
        return self.name


class TriageFeedback(models.Model):
    """A person's correction of triage: what it predicted and what the report was graded.

    Written whenever staff choose a category, grade, level or dispatch other than the
    prediction, so the corpus can grow from real use (``export_triage_feedback``).
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="triage_feedback")
    text = models.TextField()
    predicted = models.JSONField()
    final = models.JSONField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(db_index=True)

    objects = ScopedManager()
    scope_region_path = "report__scope_path"

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("研判纠正")
        verbose_name_plural = _("研判纠正")

    def __str__(self) -> str:
        return f"{self.report} {self.predicted} -> {self.final}"
