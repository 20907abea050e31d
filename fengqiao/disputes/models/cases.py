"""Dispute cases: the case, its parties, its append-only timeline, its links and the
reminders it sends."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fengqiao import sealing, taxonomy
from fengqiao.disputes.rules import ACTIVE_STATES, OPEN_STATES
from fengqiao.org.models import Person, Team
from fengqiao.places.models import Building, Region
from fengqiao.scoping import ScopedManager

State = models.TextChoices("State", [(code, code) for code in taxonomy.codes("case_state")])


class CaseSequence(models.Model):
    """The last reference number issued per county and year (one row each)."""

    county_code = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county_code", "year"], name="one_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.county_code}-{self.year}: {self.last}"


class Case(models.Model):
    """A dispute being resolved: where it is, how risky, at which level, in which state.

    ``state``, ``level`` and ``risk`` are kept in step with the timeline by the services in
    ``disputes.services``; ``version`` grows with every change so that two people acting
    at once cannot both win.
    """

    reference = models.CharField(_("案件编号"), max_length=32, unique=True)
    category = models.CharField(_("纠纷类别"), max_length=40, choices=taxonomy.choices("category"))
    risk = models.CharField(_("风险等级"), max_length=8, choices=taxonomy.choices("risk"))
    level = models.PositiveSmallIntegerField(_("化解层级"), choices=taxonomy.choices("level"))
    state = models.CharField(
        _("状态"), max_length=16, choices=taxonomy.choices("case_state"), default="received"
    )
    channel = models.CharField(_("来源渠道"), max_length=24, choices=taxonomy.choices("channel"))
    title = models.CharField(_("事由"), max_length=120)
    narrative = models.TextField(_("简要案情"))
    request = models.TextField(_("当事人诉求"), blank=True)
    grid = models.ForeignKey(
        Region,
        verbose_name=_("网格"),
        on_delete=models.PROTECT,
        related_name="cases",
        limit_choices_to={"level": "grid"},
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("楼栋"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    address = models.CharField(_("地点"), max_length=200, blank=True)
    std_address = models.ForeignKey(
        "registry.Address",
        verbose_name=_("标准地址"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    handlers = models.ManyToManyField(
        Person, verbose_name=_("承办人"), related_name="cases", blank=True
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("调解团队"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases"
    )
    # 包案领导: the leader who answers for a serious dispute until it is settled.
    leader = models.ForeignKey(
        Person,
        verbose_name=_("包案领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_led",
    )
    # One number across 110, the case and the court: the incident the case came from (its
    # 110 number for a 110 transfer) and, once it goes to court, the court's case number.
    incident_number = models.CharField(_("警情编号"), max_length=32, blank=True, db_index=True)
    court_number = models.CharField(_("法院案号"), max_length=64, blank=True, db_index=True)
    # A case brought from another system (a people's-mediation information system's
    # export): the system, its own 案件编码 (a re-import updates the case it made), the
    # county it belongs to, when it was imported, and the row as that system wrote it.
    source_system = models.CharField(_("来源系统"), max_length=16, blank=True)
    source_code = models.CharField(_("原案件编码"), max_length=64, blank=True)
    source_county = models.CharField(max_length=12, blank=True, editable=False)
    source_digest = models.CharField(max_length=64, blank=True, editable=False)
    source_fields = models.JSONField(default=dict, blank=True, editable=False)
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    agreement_amount = models.DecimalField(
        _("调解协议金（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    received_at = models.DateTimeField(_("登记时间"), db_index=True)
    first_action_at = models.DateTimeField(_("首次处置时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("化解时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # While a case waits on a party its clocks stand still (see disputes.clocks).
    paused_since = models.DateTimeField(_("暂停计时自"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("纠纷案件")
        verbose_name_plural = _("纠纷案件")
        constraints = [
            models.UniqueConstraint(
                fields=["source_county", "source_system", "source_code"],
                condition=~Q(source_code=""),
                name="one_case_per_source_code",
            )
        ]
        indexes = [
            models.Index(fields=["scope_path", "state", "-received_at"]),
            models.Index(fields=["risk", "state"]),
            models.Index(fields=["address"], name="disputes_case_address"),
            models.Index(fields=["grid", "category", "received_at"], name="disputes_case_place"),
            # Open and active cases are a few percent of all: lists, counts and the board
            # walk these small indexes newest (or oldest) first, filtering the jurisdiction
            # inside the index, instead of the whole county's history.
            models.Index(
                fields=[
                    "received_at",
                    "id",
                    "scope_path",
                    "risk",
                    "level",
                    "team",
                    "first_action_at",
                ],
                condition=models.Q(state__in=sorted(OPEN_STATES), resolved_at__isnull=True),
                name="disputes_case_open",
            ),
            models.Index(
                fields=["received_at", "id", "scope_path"],
                condition=models.Q(state__in=sorted(ACTIVE_STATES)),
                name="disputes_case_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def save(self, *args, **kwargs) -> None:
        self.scope_path = self.grid.path
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Party(sealing.SealedPhone, sealing.SealedIdNumber, models.Model):
    """A party to the dispute. ID number optional; when given, it has passed its checksum.

    Phone and ID number are stored sealed (``set_phone``, ``set_id_number``); pages, the API
    and printouts show ``phone_masked`` and ``id_masked``, and the full value reaches a screen
    only through ``registry.services.reveal``, for a reason, audited.
    """

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")
        THIRD_PARTY = "third_party", _("第三人")

    class Kind(models.TextChoices):
        PERSON = "person", _("自然人")
        ORGANISATION = "organisation", pgettext_lazy("party kind", "单位")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("身份"), max_length=16, choices=Role.choices)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("姓名或名称"), max_length=100)
    # An organisation's 统一社会信用代码 (GB 32100-2015, checksum verified) and the person
    # who acts for it; a company's code is public, so it is stored as it is.
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    representative = models.CharField(_("法定代表人或负责人"), max_length=50, blank=True)
    # The numbers as the registry keeps them (``fengqiao.sealing``): sealed for a reveal,
    # keyed hash for finding the same person in other cases, masked for every page.
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("电话"), max_length=20, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    id_sealed = models.TextField(blank=True, editable=False)
    id_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_masked = models.CharField(_("身份证号码"), max_length=24, blank=True, editable=False)
    id_last4 = models.CharField(max_length=4, blank=True, editable=False)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    # Linked when the ID number is one the registry knows (``add_party``).
    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("实有人口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dispute_parties",
    )
    # The case's place, copied so "this name in this village" is one index range.
    scope_path = models.CharField(max_length=255, editable=False, default="")

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        # Early warning finds the same person across cases by these (early_warning.py).
        indexes = [
            models.Index(fields=["id_hash"], name="disputes_party_id_hash"),
            models.Index(fields=["phone_hash"], name="disputes_party_phone_hash"),
            models.Index(fields=["phone_last4"], name="disputes_party_phone_last4"),
            models.Index(fields=["name", "scope_path"], name="disputes_party_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.scope_path = self.case.scope_path
        super().save(*args, **kwargs)


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise RuntimeError("the case timeline is append-only")

    def delete(self):
        raise RuntimeError("the case timeline is append-only")


class CaseEvent(models.Model):
    """One entry of a case's timeline: what happened, who did it, and its small payload."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    kind = models.CharField(_("事项"), max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    note = models.TextField(_("说明"), blank=True)
    payload = models.JSONField(default=dict, blank=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("案件动态")
        verbose_name_plural = _("案件动态")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("the case timeline is append-only")
        super().save(*args, **kwargs)


class CaseLink(models.Model):
    """A typed link between two cases (same parties, same place, follow-up, duplicate)."""

    class Kind(models.TextChoices):
        RELATED = "related", _("相关")
        SAME_PARTIES = "same_parties", _("同一当事人")
        SAME_PLACE = "same_place", _("同一地点")
        FOLLOW_UP = "follow_up", _("后续")
        DUPLICATE = "duplicate", _("重复")

    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("关系"), max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_case", "to_case", "kind"], name="one_link_per_kind"
            ),
            models.CheckConstraint(
                condition=~Q(from_case=models.F("to_case")), name="no_self_link"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_case_id} {self.kind} {self.to_case_id}"


class Notification(models.Model):
    """A message to one person about one case: an overdue clock, an automatic escalation.

    ``key`` makes sending idempotent: the same (person, case, key) is written once, however
    often the watcher runs.
    """

    recipient = models.ForeignKey(
        Person, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=64)
    message = models.CharField(_("内容"), max_length=200)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = ScopedManager()
    scope_region_path = "case__scope_path"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "case", "key"], name="one_notification_per_key"
            )
        ]

    def __str__(self) -> str:
        return self.message
