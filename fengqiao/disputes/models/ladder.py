"""The ladder around a case: supervision orders (督办) with their cards, hand-offs to the
bodies that own non-police matters and referrals (转办、转介), the library of typical cases
(典型案例), and each county's own time limits and escalation setting."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.disputes.models.cases import Case
from fengqiao.org.models import Person, Team, Unit
from fengqiao.places.models import Region
from fengqiao.scoping import ScopedManager


class Supervision(models.Model):
    """A supervision order on a case: station chiefs and the county press an overdue, red or
    repeated case with a due date, and may show a yellow or red card to the unit and person
    answerable for it. Cards carry points that add up per unit and per person."""

    class Card(models.TextChoices):
        NONE = "none", _("不亮牌")
        YELLOW = "yellow", _("黄牌")
        RED = "red", _("红牌")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="supervisions")
    issued_by = models.ForeignKey(
        Person,
        verbose_name=_("督办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervisions_issued",
    )
    issued_at = models.DateTimeField(_("督办时间"), db_index=True)
    reason = models.TextField(_("督办事由"))
    due_on = models.DateField(_("办结期限"))
    card = models.CharField(_("亮牌"), max_length=8, choices=Card.choices, default=Card.NONE)
    points = models.PositiveSmallIntegerField(_("扣分"), default=0)
    # Who answers for the case: the handling unit (a station, a police room) and person.
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("被督办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervisions",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("被督办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervisions",
    )
    answer = models.TextField(_("办理情况反馈"), blank=True)
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        Person,
        verbose_name=_("反馈人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervisions_answered",
    )
    closed_at = models.DateTimeField(_("督办办结时间"), null=True, blank=True)

    objects = ScopedManager()
    scope_region_path = "case__scope_path"

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        constraints = [
            models.CheckConstraint(
                condition=Q(card="none", points=0) | (~Q(card="none") & Q(points__gt=0)),
                name="card_carries_points",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.get_card_display()}"


class Handoff(models.Model):
    """A matter handed to the body that owns it (trees, lighting, drains, property services,
    wages: 转办), or a party referred to legal aid or counselling (转介), with a time limit.
    The body answers on its own page (``agency_staff`` of ``team``) or the officer records
    the answer; a hand-off pauses the case's clocks until the answer comes back."""

    class Kind(models.TextChoices):
        HANDOFF = "handoff", _("转办")
        REFERRAL = "referral", _("转介")

    class Body(models.TextChoices):
        STREET_OFFICE = "street_office", _("街道办事处/乡镇人民政府")
        TOWNSHIP_DEPARTMENT = "township_department", _("乡镇（街道）职能部门")
        PROPERTY_COMPANY = "property_company", _("物业服务企业")
        LABOUR_INSPECTION = "labour_inspection", _("劳动保障监察")
        LEGAL_AID = "legal_aid", _("法律援助中心")
        COUNSELLING = "counselling", _("心理咨询")
        OTHER = "other", _("其他单位")

    class Outcome(models.TextChoices):
        DONE = "done", _("已办理")
        PARTLY = "partly", _("部分办理")
        DECLINED = "declined", _("不予受理")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="handoffs")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    body = models.CharField(_("承办单位类别"), max_length=24, choices=Body.choices)
    body_name = models.CharField(_("承办单位"), max_length=120)
    # The body's accounts (its members, role ``agency_staff``) answer on their own page.
    team = models.ForeignKey(
        Team,
        verbose_name=_("承办单位账号组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs",
    )
    request = models.TextField(_("转办事项"))
    due_on = models.DateField(_("答复期限"))
    sent_at = models.DateTimeField(_("转出时间"), db_index=True)
    sent_by = models.ForeignKey(
        Person,
        verbose_name=_("转出人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs_sent",
    )
    pauses_clock = models.BooleanField(_("等待期间暂停计时"), default=True)
    answer = models.TextField(_("答复内容"), blank=True)
    outcome = models.CharField(_("办理结果"), max_length=16, choices=Outcome.choices, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by_name = models.CharField(_("答复人"), max_length=150, blank=True)
    cancelled_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    objects = ScopedManager()
    scope_region_path = "case__scope_path"

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("转办转介")
        verbose_name_plural = _("转办转介")
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, outcome="")
                | (Q(answered_at__isnull=False) & ~Q(outcome="")),
                name="handoff_outcome_once_answered",
            )
        ]
        indexes = [models.Index(fields=["team", "answered_at"], name="disputes_handoff_inbox")]

    def __str__(self) -> str:
        return f"{self.case.reference} → {self.body_name}"

    @property
    def pending(self) -> bool:
        return self.answered_at is None and self.cancelled_at is None


class TypicalCase(models.Model):
    """A closed case a mediator chose for the library (典型案例), told without names,
    numbers or addresses, so that anyone in the county may read it beside a similar case."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="typical")
    title = models.CharField(_("标题"), max_length=120)
    category = models.CharField(_("纠纷类别"), max_length=40)
    summary = models.TextField(_("基本案情"))
    method = models.TextField(_("调解方法与启示"), blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    chosen_by = models.ForeignKey(
        Person,
        verbose_name=_("推选人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="typical_cases",
    )
    chosen_at = models.DateTimeField(_("入库时间"))
    # The county the case came from: the library is shared county-wide.
    county = models.ForeignKey(
        Region, verbose_name=_("所属县（市、区）"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-chosen_at", "-id"]
        verbose_name = _("典型案例")
        verbose_name_plural = _("典型案例")
        indexes = [models.Index(fields=["county", "category"], name="disputes_typical_category")]

    def __str__(self) -> str:
        return self.title


class CountyPolicy(models.Model):
    """A county's own settings for the ladder: its time limits (overriding taxonomy.json's
    ``default_time_limits`` grade by grade, key by key) and whether a missed deadline moves
    the case up a level or only warns (notify-only)."""

    county = models.OneToOneField(
        Region,
        verbose_name=_("县（市、区）"),
        on_delete=models.PROTECT,
        related_name="dispute_policy",
        limit_choices_to={"level": "county"},
    )
    escalate_on_deadline = models.BooleanField(_("超时自动升级"), default=True)
    time_limits = models.JSONField(_("时限设置"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_region_path = "county__path"

    class Meta:
        verbose_name = _("县级办案设置")
        verbose_name_plural = _("县级办案设置")

    def __str__(self) -> str:
        return str(self.county)
