"""What analytics keeps: daily facts per grid and category, inspectors' flags, the briefs.

Every figure is computed from events and timestamps the system wrote (the case timeline,
the mediation records, residents' own ratings); the facts are a summary of those, rebuilt
from them at any time (``facts.rebuild``), never a number someone typed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao import taxonomy
from fengqiao.org.models import Person, Unit
from fengqiao.places.models import Region
from fengqiao.scoping import ScopedManager

# The measures of one day's cases in one grid and category (see facts.case_measures).
MEASURES = (
    "received",
    "accepted",
    "accepted_on_time",
    "responded",
    "responded_on_time",
    "mediated",
    "mediation_succeeded",
    "agreements_written",
    "agreements_oral",
    "resolved",
    # Resolved now, or reopened after a resolution (a relapse open again): what has been
    # resolved at least once, the relapse rate's denominator.
    "ever_resolved",
    "resolved_on_time",
    "resolved_l1",
    "resolved_l2",
    "resolved_l3",
    "closed",
    "relapsed",
    "visits_due",
    "visits_done",
    "rated",
    "satisfied",
    "criminal",
    "criminal_prevented",
    "mass_prevented",
    "people_lt50",
    "people_50_100",
    "people_100_500",
    "people_gt500",
    "reports",
)


class DailyFact(models.Model):
    """The cases received on ``day`` in ``grid`` and ``category`` at ``level`` (the level
    they are at now), as they stand now, and the reports received there that day (level 0).
    A cohort: when a case moves on, its row changes."""

    day = models.DateField(_("日期"))
    grid = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=40, choices=taxonomy.choices("category"))
    level = models.PositiveSmallIntegerField(default=0)
    scope_path = models.CharField(max_length=255, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    locals().update({name: models.PositiveIntegerField(default=0) for name in MEASURES})

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        verbose_name = _("每日统计")
        verbose_name_plural = _("每日统计")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "grid", "category", "level"], name="one_fact_per_key"
            )
        ]
        indexes = [models.Index(fields=["scope_path", "day"], name="analytics_fact_place_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.grid_id} {self.category}"


class Flag(models.Model):
    """Something an inspector would want to look at: a pattern in the records that may be
    gaming the figures. It lowers a score only once a person has confirmed it."""

    class Kind(models.TextChoices):
        QUICK_CLOSE = "quick_close", _("立案后数分钟即结案")
        VISIT_BURST = "visit_burst", _("回访集中突击录入")
        SAME_TEXT = "same_text", _("多个案件记录雷同")
        RATINGS_ONE_PHONE = "ratings_one_phone", _("同一手机号集中好评")
        RATINGS_OWN = "ratings_own", _("承办人本人账号评价")
        BACKDATED = "backdated", _("事件时间倒签")

    class Status(models.TextChoices):
        OPEN = "open", _("待核实")
        CONFIRMED = "confirmed", _("已确认")
        DISMISSED = "dismissed", _("已排除")

    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    key = models.CharField(max_length=120)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.SET_NULL
    )
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), null=True, blank=True, on_delete=models.SET_NULL
    )
    scope_path = models.CharField(max_length=255, db_index=True)
    found_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    period_day = models.DateField(_("所在日期"))
    evidence = models.JSONField(_("依据"), default=dict)
    case_refs = models.JSONField(_("相关案件"), default=list)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    decision_note = models.TextField(_("核实说明"), blank=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = _("异常线索")
        verbose_name_plural = _("异常线索")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="one_flag_per_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Brief(models.Model):
    """A weekly or monthly brief of one station, produced by the task worker and kept."""

    class Period(models.TextChoices):
        WEEK = "week", _("周报")
        MONTH = "month", _("月报")

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE)
    period = models.CharField(_("类型"), max_length=8, choices=Period.choices)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"))
    pdf = models.BinaryField(editable=False)
    xlsx = models.BinaryField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    scope_path = models.CharField(max_length=255, db_index=True)

    objects = ScopedManager()
    scope_region_path = "scope_path"

    class Meta:
        ordering = ["-start", "unit_id"]
        verbose_name = _("工作简报")
        verbose_name_plural = _("工作简报")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period", "start"], name="one_brief_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period} {self.start}"
