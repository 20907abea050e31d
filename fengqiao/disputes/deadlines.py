"""The watcher: flags overdue clocks, escalates by the rules, and tells the people involved.

Run by the ``check_deadlines`` task (or command) every few minutes. Idempotent: an overdue
clock is flagged and announced once, a rule escalates a case once per reason.
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
from fengqiao.disputes.models import Case, CaseEvent
from fengqiao.disputes.services import append_event, handlers_for

CLOCK_LABELS = {
    "first_action": gettext_lazy("首次处置"),
    "resolve": gettext_lazy("化解"),
    "mediation_month": gettext_lazy("一个月调解"),
}
WATCHED_EVENTS = ("pause", "resume", "overdue", "auto_escalate")


@dataclass
class DeadlineReport:
    flagged: list[tuple[str, str]] = field(default_factory=list)
    escalated: list[tuple[str, str]] = field(default_factory=list)


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
    """Flag every newly overdue clock of every open case and escalate where the rules say."""
    now = now or timezone.now()
    report = DeadlineReport()
    cases = (
        Case.objects.unscoped_for_jobs()
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
        _watch(case, now, report)
    return report


def _watch(case: Case, now: dt.datetime, report: DeadlineReport) -> None:
    events = case.watched
    pauses = pauses_of([e for e in events if e.kind in ("pause", "resume")], case.paused_since)
    flagged = {e.payload.get("clock") for e in events if e.kind == "overdue"}
    states = clocks.case_clocks(
        case.risk, case.received_at, case.first_action_at, case.resolved_at, pauses, now
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
        repeat_complaints=0,
        now=now,
        pauses=pauses,
    )
    done = {e.payload.get("reason") for e in events if e.kind == "auto_escalate"}
    if reason and reason not in done and case.level < 3:
        _escalate_by_rule(case, reason)
        report.escalated.append((case.reference, reason))


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
