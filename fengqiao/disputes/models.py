"""Dispute cases: the case, its parties, its append-only timeline and its links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao import taxonomy
from fengqiao.org.models import Person, Team
from fengqiao.places.models import Building, Region

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
    report = models.OneToOneField(
        "intake.Report",
        verbose_name=_("来源反映"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case",
    )
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
    received_at = models.DateTimeField(_("登记时间"), db_index=True)
    first_action_at = models.DateTimeField(_("首次处置时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("化解时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # While a case waits on a party its clocks stand still (see disputes.clocks).
    paused_since = models.DateTimeField(_("暂停计时自"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    scope_path = models.CharField(max_length=255, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("纠纷案件")
        verbose_name_plural = _("纠纷案件")
        indexes = [
            models.Index(fields=["scope_path", "state", "-received_at"]),
            models.Index(fields=["risk", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def save(self, *args, **kwargs) -> None:
        self.scope_path = self.grid.path
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        from fengqiao.disputes.rules import OPEN_STATES

        return self.state in OPEN_STATES


class Party(models.Model):
    """A party to the dispute. ID number optional; when given, it has passed its checksum."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")
        THIRD_PARTY = "third_party", _("第三人")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("身份"), max_length=16, choices=Role.choices)
    name = models.CharField(_("姓名或名称"), max_length=100)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")

    def __str__(self) -> str:
        return self.name


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
