"""Each county's own ladder settings: its time limits and whether a missed deadline moves a
case up a level or only warns (notify-only).

A county's ``CountyPolicy`` overrides taxonomy.json's ``default_time_limits`` grade by grade,
key by key (the shape ``clocks.validate_overrides`` checks); a county without one runs on the
defaults and escalates. Whatever reads a limit for a case asks here first: the case page's
clocks, the worklists' overdue flag, the watcher, the watch list's next steps, a group
mention's red clock.

A county's settings are not a secret of the county: they are read for a case or a place the
caller already holds, and by the watcher for every county, hence ``unscoped_for_jobs``.
Writing them is ``set_county_policy``'s, for an administrator of the whole county.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Value,
    When,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.audit import services as audit
from fengqiao.disputes import clocks, rules
from fengqiao.disputes.models import CountyPolicy
from fengqiao.org.scope import in_scope
from fengqiao.places.models import Region, ancestor_paths, subtree_q

log = logging.getLogger(__name__)

CHANGE_POLICY = "disputes.change_countypolicy"

# What each setting is called on the settings page and in its errors, in the order shown.
SETTING_LABELS = {
    "first_action_hours": gettext_lazy("首次处置时限（小时）"),
    "professional_team_hours": gettext_lazy("专业力量介入时限（小时）"),
    "first_session_days": gettext_lazy("首次调解时限（天）"),
    "resolve_days": gettext_lazy("化解时限（天）"),
    "escalate_if_no_progress_hours": gettext_lazy("无进展自动升级（小时）"),
    "escalate_after_failed_sessions": gettext_lazy("调解失败几次后升级（次）"),
    "escalate_after_repeat_complaints": gettext_lazy("重复投诉几次后升级（次）"),
    "return_visit_days": gettext_lazy("回访时间（结案后第几天）"),
}
GRADE_LABELS = {
    "red": gettext_lazy("红色"),
    "yellow": gettext_lazy("黄色"),
    "blue": gettext_lazy("蓝色"),
}


@dataclass(frozen=True)
class Settings:
    """The settings in force at a place: its county's (``county_path``) or the defaults
    (``county_path`` empty)."""

    county_path: str = ""
    time_limits: Mapping = field(default_factory=dict)
    escalate_on_deadline: bool = True

    def limits(self, grade: str) -> clocks.TimeLimits:
        return clocks.limits_for(grade, self.time_limits)


DEFAULTS = Settings()


def _settings_of(policy: CountyPolicy) -> Settings:
    """A stored policy as settings. A row written around the service with limits that do not
    validate falls back to the defaults (and says so in the log), so that one county's broken
    row stops neither its case pages nor the watcher of every county."""
    limits = policy.time_limits or {}
    try:
        clocks.validate_overrides(limits)
    except ValueError:
        log.error("county %s has invalid time limits; using the defaults", policy.county.code)
        limits = {}
    return Settings(policy.county.path, limits, policy.escalate_on_deadline)


def settings_for_path(path: str) -> Settings:
    """The settings in force at the place with region path ``path`` (a case's
    ``scope_path``, a group's region): its county's policy, else the defaults. One query."""
    policy = (
        CountyPolicy.objects.unscoped_for_jobs()
        .filter(county__path__in=ancestor_paths(path))
        .select_related("county")
        .order_by("-county__depth")
        .first()
    )
    return DEFAULTS if policy is None else _settings_of(policy)


def settings_for(case) -> Settings:
    """The settings in force for ``case``, by the county it lies in."""
    return settings_for_path(case.scope_path)


class Policies:
    """Every county's settings, read in one query: for code that looks at many cases at once
    (the watcher, the worklists' overdue flag, the watch list)."""

    def __init__(self, settings: list[Settings]):
        self._by_path = {s.county_path: s for s in settings}

    @classmethod
    def load(cls) -> Policies:
        rows = CountyPolicy.objects.unscoped_for_jobs().select_related("county")
        return cls([_settings_of(row) for row in rows])

    def for_path(self, path: str) -> Settings:
        for ancestor in reversed(ancestor_paths(path)):
            if ancestor in self._by_path:
                return self._by_path[ancestor]
        return DEFAULTS

    def __iter__(self) -> Iterator[Settings]:
        return iter(self._by_path.values())


# --- the worklists' overdue flag -------------------------------------------------------


def _late(now: dt.datetime, settings: Settings) -> Q:
    condition = Q()
    for grade in clocks.GRADES_LOW_TO_HIGH:
        limits = settings.limits(grade)
        condition |= Q(risk=grade, received_at__lt=now - limits.resolve)
        condition |= Q(
            risk=grade, first_action_at__isnull=True, received_at__lt=now - limits.first_action
        )
    return condition


def overdue_q(now: dt.datetime, policies: Policies | None = None) -> Q:
    """Cases that are (approximately) overdue at ``now`` by their county's limits, as a
    database condition.

    A clock's exact state needs the case's pause history (its timeline), which a list filter
    cannot read row by row. This approximation ignores pauses: a case is flagged when it is
    unresolved and in an open state, and it was received longer ago than its grade's
    ``resolve`` limit or the 30-day mediation norm, or longer ago than its ``first_action``
    limit with no action taken. A case that spent time paused may therefore be flagged a
    little early; the case page shows the exact clocks (``selectors.clocks_of``).

    Each county with limits of its own adds one branch over its subtree; the rest of the
    province keeps the defaults. With no county policy the condition is the defaults' alone.
    """
    policies = Policies.load() if policies is None else policies
    condition = Q(received_at__lt=now - clocks.MEDIATION_MONTH)
    elsewhere = Q()
    for settings in policies:
        if not settings.time_limits:
            continue
        county = subtree_q(settings.county_path, "scope_path")
        condition |= county & _late(now, settings)
        elsewhere &= ~county
    condition |= elsewhere & _late(now, DEFAULTS)
    # Spelled as the partial index "disputes_case_open" spells it, so the planner uses it.
    return Q(state__in=sorted(rules.OPEN_STATES), resolved_at__isnull=True) & condition


def _limit(settings: Settings, grade: str, acted: bool) -> dt.timedelta:
    """The shortest limit ``_late`` measures a case of ``grade`` by: its resolve limit, the
    mediation month, and its first-action limit while no action is taken."""
    limits = settings.limits(grade)
    spans = [clocks.MEDIATION_MONTH, limits.resolve]
    if not acted:
        spans.append(limits.first_action)
    return min(spans)


def due_at_expression(policies: Policies | None = None) -> ExpressionWrapper:
    """When each case becomes overdue by ``overdue_q``'s rule, as a database expression (the
    worklist's per-case deadline and its sort): ``received_at`` plus the shortest limit
    ``_late`` checks for its county and grade; NULL for a case ``overdue_q`` never flags
    (ended or resolved). ``overdue_q(now)`` holds exactly when this is before ``now``."""
    policies = Policies.load() if policies is None else policies
    whens = [When(~Q(state__in=sorted(rules.OPEN_STATES), resolved_at__isnull=True), then=None)]
    elsewhere = Q()
    branches = []
    for settings in policies:
        if settings.time_limits:
            county = subtree_q(settings.county_path, "scope_path")
            branches.append((county, settings))
            elsewhere &= ~county
    branches.append((elsewhere, DEFAULTS))
    for where, settings in branches:
        for grade in clocks.GRADES_LOW_TO_HIGH:
            for acted in (False, True):
                condition = where & Q(risk=grade, first_action_at__isnull=not acted)
                whens.append(When(condition, then=Value(_limit(settings, grade, acted))))
    limit = Case(*whens, default=Value(clocks.MEDIATION_MONTH), output_field=DurationField())
    return ExpressionWrapper(F("received_at") + limit, output_field=DateTimeField())


# --- writing a county's settings --------------------------------------------------------


def _cleaned(time_limits: Mapping | None) -> dict:
    """The overrides as stored: the ``about`` note and empty grades left out."""
    if time_limits is None:
        return {}
    if not isinstance(time_limits, Mapping):
        raise ValidationError({"time_limits": _("时限设置必须按风险等级填写")})
    return {
        grade: dict(values)
        for grade, values in time_limits.items()
        if grade != "about" and not (isinstance(values, Mapping) and not values)
    }


def _errors(time_limits: dict) -> dict[str, str]:
    """Every bad entry, keyed ``grade.key`` (or the grade alone), in Chinese."""
    errors: dict[str, str] = {}
    for grade, values in time_limits.items():
        if grade not in clocks.GRADES_LOW_TO_HIGH:
            errors["time_limits"] = _("未知的风险等级：%(grade)s") % {"grade": grade}
            continue
        if not isinstance(values, Mapping):
            errors[grade] = _("%(grade)s的时限设置格式不对") % {"grade": GRADE_LABELS[grade]}
            continue
        for key, value in values.items():
            where = f"{grade}.{key}"
            if key not in SETTING_LABELS:
                errors[where] = _("未知的时限设置：%(key)s") % {"key": key}
                continue
            problem = clocks.setting_problem(key, value)
            if problem:
                errors[where] = f"{GRADE_LABELS[grade]}·{SETTING_LABELS[key]}{problem}"
    return errors


def set_county_policy(
    *,
    actor,
    county: Region,
    escalate_on_deadline: bool,
    time_limits: Mapping | None,
) -> CountyPolicy:
    """Store ``county``'s ladder settings: whether a missed deadline escalates (else it only
    warns) and its time limits over the defaults (``{"red": {"first_action_hours": 2}}``).

    For an administrator (``disputes.change_countypolicy``) whose jurisdiction covers the
    whole county. Every entry is checked (a known grade and setting, a positive number, a
    list of positive days); any bad one refuses the lot with a Chinese message keyed
    ``grade.key``, and nothing is written. Audited with the old and new values.
    """
    refused = _("您没有修改这个县办案设置的权限")
    if actor is None or not actor.has_perm(CHANGE_POLICY):
        raise PermissionDenied(refused)
    if county.level != "county" or not in_scope(actor, county):
        raise PermissionDenied(refused)
    limits = _cleaned(time_limits)
    errors = _errors(limits)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy = CountyPolicy.objects.unscoped_for_jobs().filter(county=county).first()
        old = (
            {"escalate_on_deadline": True, "time_limits": {}}
            if policy is None
            else {
                "escalate_on_deadline": policy.escalate_on_deadline,
                "time_limits": policy.time_limits,
            }
        )
        if policy is None:
            policy = CountyPolicy(county=county)
        policy.escalate_on_deadline = bool(escalate_on_deadline)
        policy.time_limits = limits
        policy.save()
        audit.record(
            actor=actor,
            action="disputes.county_policy_changed",
            obj=policy,
            changes={
                "escalate_on_deadline": [old["escalate_on_deadline"], policy.escalate_on_deadline],
                "time_limits": [old["time_limits"], limits],
            },
        )
    return policy
