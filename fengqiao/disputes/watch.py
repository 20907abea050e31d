"""The civil-to-criminal watch list (民转刑风险): the station's most dangerous live cases and
the people in more than one of them, ranked, each with why and what must happen next; and
the week in numbers for the station chief.

Ranking is deliberately plain so an officer can check it: grade first (red before yellow),
then how often early warning raised the case, then whether a time limit has passed, then
age. The reasons shown are the same facts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.disputes import clocks, rules
from fengqiao.disputes.models import Case, CaseEvent, Party, ReturnVisit
from fengqiao.disputes.policy import Policies
from fengqiao.disputes.selectors import cases_for
from fengqiao.org.permissions import roles_of

WATCH_LIMIT = 50
WEEK = dt.timedelta(days=7)
RISK_ORDER = {"red": 2, "yellow": 1, "blue": 0}


@dataclass
class WatchedCase:
    case: Case
    reasons: list[str]
    next_action: str


@dataclass
class WatchedPerson:
    name: str
    phone: str
    cases: list[Case] = field(default_factory=list)


@dataclass(frozen=True)
class WeekSummary:
    since: dt.datetime
    new_cases: int
    new_red: int
    raised: int
    resolved: int
    open_red: int
    overdue: int


def may_see_watch_list(user) -> bool:
    return user.is_superuser or bool(roles_of(user) & rules.WATCH_ROLES)


def watch_list_for(user, *, now: dt.datetime | None = None) -> list[WatchedCase]:
    now = now or timezone.now()
    candidates = (
        cases_for(user, state="active", now=now)
        .filter(risk__in=("red", "yellow"))
        .annotate(raises=Count("events", filter=Q(events__kind="auto_regrade")))
        .order_by()
    )
    ranked = sorted(
        candidates[: WATCH_LIMIT * 4],
        key=lambda c: (-RISK_ORDER[c.risk], -c.raises, not c.is_overdue, c.received_at),
    )[:WATCH_LIMIT]
    notes = _raise_notes([c.pk for c in ranked])
    visits = _next_visits([c.pk for c in ranked])
    policies = Policies.load()
    return [
        WatchedCase(
            case,
            _reasons(case, notes.get(case.pk, [])),
            _next_action(case, visits, policies.for_path(case.scope_path).limits(case.risk)),
        )
        for case in ranked
    ]


def people_in_several(watched: list[WatchedCase]) -> list[WatchedPerson]:
    """Parties (by phone or ID number) who appear in more than one watched case."""
    by_case = {w.case.pk: w.case for w in watched}
    people: dict[str, WatchedPerson] = {}
    parties = Party.objects.filter(case_id__in=by_case).exclude(phone_hash="", id_hash="")
    for party in parties.only("case_id", "name", "id_hash", "phone_hash", "phone_masked"):
        key = party.id_hash or party.phone_hash
        person = people.setdefault(key, WatchedPerson(party.name, party.phone_masked))
        if by_case[party.case_id] not in person.cases:
            person.cases.append(by_case[party.case_id])
    several = [p for p in people.values() if len(p.cases) > 1]
    return sorted(several, key=lambda p: -len(p.cases))


def week_summary_for(user, *, now: dt.datetime | None = None) -> WeekSummary:
    now = now or timezone.now()
    since = now - WEEK
    cases = cases_for(user, now=now)
    active = cases.filter(state__in=sorted(rules.ACTIVE_STATES))
    return WeekSummary(
        since=since,
        new_cases=cases.filter(received_at__gte=since).count(),
        new_red=cases.filter(received_at__gte=since, risk="red").count(),
        raised=CaseEvent.objects.filter(
            case__in=cases.values("pk"), kind="auto_regrade", at__gte=since
        ).count(),
        resolved=cases.filter(resolved_at__gte=since).count(),
        open_red=active.filter(risk="red").count(),
        overdue=active.filter(is_overdue=True).count(),
    )


def _raise_notes(case_ids: list[int]) -> dict[int, list[str]]:
    notes: dict[int, list[str]] = defaultdict(list)
    events = CaseEvent.objects.filter(case_id__in=case_ids, kind="auto_regrade").order_by("-at")
    for case_id, note in events.values_list("case_id", "note"):
        notes[case_id].append(note)
    return notes


def _next_visits(case_ids: list[int]) -> dict[int, dt.date]:
    pending = ReturnVisit.objects.filter(
        case_id__in=case_ids, done_at__isnull=True, cancelled_at__isnull=True
    ).order_by("due_on")
    visits: dict[int, dt.date] = {}
    for case_id, due_on in pending.values_list("case_id", "due_on"):
        visits.setdefault(case_id, due_on)
    return visits


def _reasons(case: Case, raise_notes: list[str]) -> list[str]:
    reasons = raise_notes[:3]
    if case.is_overdue:
        reasons.append(_("已超过办理时限"))
    if not reasons:
        reasons.append(_("登记时即为%(risk)s") % {"risk": case.get_risk_display()})
    return reasons


def _next_action(case: Case, visits: dict[int, dt.date], limits: clocks.TimeLimits) -> str:
    """The next step, with the time limits of the case's grade in its county."""
    red = case.risk == "red"
    hours = int(limits.first_action.total_seconds() // 3600)
    resolve_days = limits.resolve.days
    if case.state == "received":
        if red:
            return _("立即受理，%(hours)s 小时内处置并联系双方") % {"hours": hours}
        return _("%(hours)s 小时内受理并联系双方") % {"hours": hours}
    if case.state in ("accepted", "investigating"):
        if limits.professional_team is not None:
            team_hours = int(limits.professional_team.total_seconds() // 3600)
            return _("%(hours)s 小时内制定化解方案，专业调解力量介入") % {"hours": team_hours}
        if limits.first_session is not None:
            return _("%(days)s 日内组织首次调解") % {"days": limits.first_session.days}
        return _("组织调解，争取 %(days)s 日内化解") % {"days": resolve_days}
    if case.state == "mediating":
        if red:
            return _("每日跟进，稳控双方情绪")
        return _("跟进调解，争取 %(days)s 日内化解") % {"days": resolve_days}
    if case.state == "failed":
        return _("上报三级，或告知双方仲裁、诉讼途径")
    if case.pk in visits:
        return _("%(date)s 前回访，核实协议履行") % {"date": visits[case.pk].isoformat()}
    return _("回访确认化解后结案")
