"""The watcher: flags overdue clocks, escalates by the rules, and tells the people involved.

Run by the ``check_deadlines`` task (or command) every few minutes. Idempotent: an overdue
clock is flagged and announced once, a rule escalates a case once per reason. Each case is
measured by its county's limits (``disputes.policy``); a county that set escalation to
notify-only gets the warning (timeline and notifications) and keeps the case where it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.audit import services as audit
from fengqiao.disputes import clocks, rules, services
from fengqiao.disputes.early_warning import with_repeat_complaints
from fengqiao.disputes.handoffs import check_overdue_handoffs
from fengqiao.disputes.models import Case, CaseEvent
from fengqiao.disputes.policy import Policies, Settings
from fengqiao.disputes.services import append_event, handlers_for

CLOCK_LABELS = {
    "first_action": gettext_lazy("首次处置"),
    "resolve": gettext_lazy("化解"),
    "mediation_month": gettext_lazy("一个月调解"),
}
WATCHED_EVENTS = ("pause", "resume", "overdue", "auto_escalate", "escalation_due")
# Why a rule says a case must go up, by the end of its reason code (``clocks.escalation_due``).
REASON_LABELS = {
    "no_progress": gettext_lazy("超过时限没有进展"),
    "failed_sessions": gettext_lazy("多次调解未成"),
    "over_time": gettext_lazy("超过化解时限"),
    "repeat_complaints": gettext_lazy("同一事项重复投诉"),
}


def reason_label(reason: str) -> str:
    for suffix, label in REASON_LABELS.items():
        if reason.endswith(suffix):
            return str(label)
    return reason


@dataclass
class DeadlineReport:
    flagged: list[tuple[str, str]] = field(default_factory=list)
    escalated: list[tuple[str, str]] = field(default_factory=list)
    # Notify-only counties: the case met an escalation rule and stayed where it is.
    warned: list[tuple[str, str]] = field(default_factory=list)
    # Hand-offs past their time limit whose people were told (``handoffs``), by id.
    handoffs_overdue: list[int] = field(default_factory=list)


def pauses_of(events: list[CaseEvent], paused_since: dt.datetime | None) -> list[clocks.Pause]:
    """The (start, end) pauses of a case from its pause/resume timeline entries."""
    pauses: list[clocks.Pause] = []
    start = None
    for event in events:
        if event.kind == "pause":
            start = event.at
        elif event.kind == "resume" and start is not None:
            pauses.append((start, event.at))
            start = None
    if paused_since is not None:
        pauses.append((paused_since, None))
    return pauses


def check_deadlines(*, now: dt.datetime | None = None) -> DeadlineReport:
    """Flag every newly overdue clock of every open case and escalate where the rules say
    (or, where the county is notify-only, warn), each by its county's limits."""
    now = now or timezone.now()
    report = DeadlineReport()
    policies = Policies.load()
    cases = (
        with_repeat_complaints(Case.objects.unscoped_for_jobs())
        .filter(state__in=rules.OPEN_STATES)
        .select_related("grid", "building")
        .prefetch_related(
            Prefetch("events", CaseEvent.objects.filter(kind__in=WATCHED_EVENTS), "watched"),
            "handlers",
        )
        .annotate(failed_sessions=Count("sessions", filter=Q(sessions__outcome="failed")))
        .order_by("pk")
    )
    for case in cases.iterator(chunk_size=500):
        _watch(case, now, report, policies.for_path(case.scope_path))
    report.handoffs_overdue = check_overdue_handoffs(today=timezone.localdate(now))
    return report


def _watch(case: Case, now: dt.datetime, report: DeadlineReport, settings: Settings) -> None:
    events = case.watched
    pauses = pauses_of([e for e in events if e.kind in ("pause", "resume")], case.paused_since)
    flagged = {e.payload.get("clock") for e in events if e.kind == "overdue"}
    states = clocks.case_clocks(
        case.risk,
        case.received_at,
        case.first_action_at,
        case.resolved_at,
        pauses,
        now,
        settings.time_limits,
    )
    for name in clocks.overdue_now(states):
        if name in flagged:
            continue
        with transaction.atomic():
            append_event(
                case,
                None,
                "overdue",
                payload={"clock": name},
                note=_("%(clock)s时限已超期") % {"clock": CLOCK_LABELS.get(name, name)},
            )
            services.notify(
                case.handlers.all(),
                case,
                f"overdue:{name}",
                _("%(ref)s %(clock)s时限已超期，请尽快处理")
                % {"ref": case.reference, "clock": CLOCK_LABELS.get(name, name)},
            )
        report.flagged.append((case.reference, name))
    reason = clocks.escalation_due(
        case.risk,
        received_at=case.received_at,
        last_progress_at=case.first_action_at,
        failed_sessions=case.failed_sessions,
        repeat_complaints=case.repeat_complaints,
        now=now,
        pauses=pauses,
        overrides=settings.time_limits,
    )
    if not reason or case.level >= 3:
        return
    if settings.escalate_on_deadline:
        done = {e.payload.get("reason") for e in events if e.kind == "auto_escalate"}
        if reason not in done:
            _escalate_by_rule(case, reason)
            report.escalated.append((case.reference, reason))
    else:
        warned = {e.payload.get("reason") for e in events if e.kind == "escalation_due"}
        if reason not in warned:
            _warn_by_rule(case, reason)
            report.warned.append((case.reference, reason))


def _warn_by_rule(case: Case, reason: str) -> None:
    """Notify-only: say on the timeline and to the handlers, and to the people the next
    level would hand it to, that a rule calls for escalation; the case stays where it is
    until a person decides."""
    level = case.level + 1
    upper, _team = handlers_for(case, level)
    why = reason_label(reason)
    with transaction.atomic():
        append_event(
            case,
            None,
            "escalation_due",
            payload={"reason": reason, "level": level},
            note=_("按时限规则（%(why)s）应上报到%(level)s级；本县设置为只提醒，由承办人研判")
            % {"why": why, "level": level},
        )
        audit.record(
            actor=None,
            action="disputes.escalation_due",
            obj=case,
            changes={"reason": reason, "level": level, "escalated": False},
        )
        services.notify(
            list(dict.fromkeys([*case.handlers.all(), *upper])),
            case,
            f"escalation_due:{reason}",
            _("%(ref)s 已达到上报%(level)s级的条件（%(why)s），请研判是否上报")
            % {"ref": case.reference, "level": level, "why": why},
        )


def _escalate_by_rule(case: Case, reason: str) -> None:
    level = case.level + 1
    people, team = handlers_for(case, level)
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, version=case.version).update(
            level=level, team=team, version=case.version + 1
        )
        if not updated:
            return  # someone acted on the case meanwhile; the next run looks again
        case.handlers.set(people)
        append_event(
            case,
            None,
            "auto_escalate",
            payload={"reason": reason, "level": level},
            note=_("按时限规则自动上报到%(level)s级") % {"level": level},
        )
        audit.record(
            actor=None,
            action="disputes.auto_escalate",
            obj=case,
            changes={"reason": reason, "level": [level - 1, level]},
        )
        services.notify(
            people,
            case,
            f"escalated:{level}",
            _("%(ref)s 已按规则上报到%(level)s级，由您承办")
            % {"ref": case.reference, "level": level},
        )
