"""Every read the case pages need, scoped to the reader's jurisdiction.

Lists start from ``cases_for``; a single case comes from ``get_case_for`` (404 for missing and
out-of-scope alike); the station chief's board from ``board_for``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from fengqiao import sealing
from fengqiao.disputes import clocks, handoffs, policy, rules
from fengqiao.disputes.models import Case, CaseEvent, Party, ReturnVisit, Supervision
from fengqiao.org.permissions import roles_of
from fengqiao.org.scope import get_for, in_scope, scope_to
from fengqiao.phones import normalize_phone

# The permission every case page asks for (the writes ask ``services.CHANGE_CASE``).
VIEW_CASE = "disputes.view_case"
# A case that reaches this age without being resolved is "nearing the one-month mark".
NEAR_MONTH = dt.timedelta(days=25)
BOARD_LIMIT = 20  # a phone screen or two per section; the worklist filters show the rest
# Searching by phone needs at least this many trailing digits (a masked number shows four).
PHONE_TAIL_DIGITS = 4
# Not ended: open, or resolved and still being followed up.
ACTIVE_STATES = rules.ACTIVE_STATES
# People who work their own few cases on the ground: their worklist starts at "mine".
GROUND_ROLES = frozenset({"building_head", "grid_worker", "volunteer", "property_staff"})
# "Due soon" on the worklist and the home page: a time limit runs out within these days.
DUE_SOON_DAYS = 3
DUE_WINDOWS = ("today", "soon")


def _with_relations(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return queryset.select_related("grid", "team").prefetch_related("handlers")


# The states in which a case is over, and how long a grade has to be resolved: what other
# modules (Open311's public status) may know of the workflow.
ENDED_STATES = rules.ENDED_STATES


def county_policies() -> policy.Policies:
    """Every county's ladder settings, read at once, for code that shows many cases."""
    return policy.Policies.load()


def resolve_limit(case: Case, policies: policy.Policies | None = None) -> dt.timedelta:
    """How long ``case`` has to be resolved, by its county's limits for its grade
    (``policies``: ``county_policies()``, read once by a caller showing many cases)."""
    settings = (policies or county_policies()).for_path(case.scope_path)
    return settings.limits(case.risk).resolve


def first_action_limit(grade: str, path: str) -> dt.timedelta:
    """How soon a matter of ``grade`` at the place with region path ``path`` needs its first
    action, by its county's limits (what a red group message's mentions are due by)."""
    return policy.settings_for_path(path).limits(grade).first_action


def overdue_q(now: dt.datetime, policies: policy.Policies | None = None) -> Q:
    """Cases that are (approximately) overdue at ``now`` by their county's limits, as a
    database condition (``policy.overdue_q``: pauses are ignored; the case page shows the
    exact clocks, ``clocks_of``). ``policies``: the counties' settings, when already read."""
    return policy.overdue_q(now, policies)


def due_q(now: dt.datetime, window: str, policies: policy.Policies | None = None) -> Q:
    """Cases not overdue at ``now`` that will be by the end of ``window``: ``"today"`` (by
    local midnight) or ``"soon"`` (after today, within ``DUE_SOON_DAYS`` days). The same
    approximation as ``overdue_q``."""
    policies = policy.Policies.load() if policies is None else policies
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    if window == "today":
        start, end = now, midnight
    else:
        start, end = midnight, midnight + dt.timedelta(days=DUE_SOON_DAYS - 1)
    return policy.overdue_q(end, policies) & ~policy.overdue_q(start, policies)


def return_visit_due_q(today: dt.date) -> Q:
    """Cases with a return visit (回访) still to make that was due on or before ``today``
    (a subquery, so counting or filtering by it never repeats a case)."""
    pending = ReturnVisit.objects.filter(
        case=OuterRef("pk"), done_at__isnull=True, cancelled_at__isnull=True, due_on__lte=today
    )
    return Q(Exists(pending))


def handoffs_waiting_for(user):
    """The hand-offs addressed to the user's partner-agency teams, not yet answered
    (``handoffs.handoffs_addressed_to``: none for anyone outside an agency)."""
    return handoffs.handoffs_addressed_to(user, state="pending")


def open_supervision_for(user) -> QuerySet[Supervision]:
    """Open supervision orders (督办) in the user's jurisdiction, soonest due first."""
    orders = Supervision.objects.for_user(user).filter(closed_at__isnull=True)
    return orders.order_by("due_on", "id")


def is_ground_worker(user) -> bool:
    """Ground roles only (building heads, grid workers ...): their worklist starts at "mine"."""
    roles = roles_of(user)
    return bool(roles) and roles <= GROUND_ROLES


def cases_for(
    user,
    *,
    state: str | None = None,
    risk: str | None = None,
    level: int | None = None,
    category: str | None = None,
    mine: bool = False,
    team: bool = False,
    overdue: bool = False,
    due: str = "",
    visit_due: bool = False,
    handler: int | None = None,
    grid: str = "",
    since: dt.date | None = None,
    closed_since: dt.date | None = None,
    order: str = "",
    q: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The cases in the user's jurisdiction, newest first, narrowed by the filters given.

    ``state`` is a state code, ``"active"`` (not ended) or empty for every state. ``mine``:
    cases the user handles; ``team``: cases of a team the user belongs to, or handled by a
    team-mate. ``q`` matches the reference, the title, a party's name, or the last four or
    more digits of a party's phone. ``due``: "today" or "soon" (``due_q``); ``visit_due``:
    cases with a return visit due by today. ``handler`` (a person's id) and ``grid`` (a grid's
    code) narrow to their cases inside the jurisdiction, so one outside it shows nothing;
    ``since`` / ``closed_since``: received / closed on or after that local day. ``order``:
    ``"due"`` puts the nearest deadline first (cases without one last), else newest first.
    Every row carries ``is_overdue`` (see ``overdue_q``) and ``due_at``, when it becomes
    overdue by the same rule (``policy.due_at_expression``; None once ended or resolved);
    handlers, grid and team are loaded with it.
    """
    now = now or timezone.now()
    policies = county_policies()
    overdue_condition = overdue_q(now, policies)
    qs = _with_relations(scope_to(user, Case.objects.all())).annotate(
        is_overdue=ExpressionWrapper(overdue_condition, output_field=BooleanField()),
        due_at=policy.due_at_expression(policies),
    )
    if state == "active":
        qs = qs.filter(state__in=sorted(ACTIVE_STATES))  # as the partial index spells it
    elif state:
        qs = qs.filter(state=state)
    if risk:
        qs = qs.filter(risk=risk)
    if level:
        qs = qs.filter(level=level)
    if category:
        qs = qs.filter(category=category)
    if mine:
        # One person per user, so this join cannot repeat a case.
        qs = qs.filter(handlers__user=user)
    if team:
        teams = Q(team__members__user=user) | Q(handlers__teams__members__user=user)
        qs = qs.filter(pk__in=Case.objects.filter(teams).values("pk"))
    if overdue:
        qs = qs.filter(overdue_condition)
    if due in DUE_WINDOWS:
        qs = qs.filter(due_q(now, due, policies))
    if handler:
        qs = qs.filter(handlers__pk=handler)  # once per case: a person is named once
    if grid:
        qs = qs.filter(grid__code=grid)
    if since:
        qs = qs.filter(received_at__gte=_local_midnight(since))
    if closed_since:
        qs = qs.filter(closed_at__gte=_local_midnight(closed_since))
    if order == "due":
        qs = qs.order_by(F("due_at").asc(nulls_last=True), "-received_at", "-id")
    if visit_due:
        today = timezone.localdate(now)
        qs = qs.filter(return_visit_due_q(today))
    if q := q.strip():
        qs = qs.filter(_search_q(q))
    return qs


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


SEARCH_MATCHES = 2000  # the most recent matches kept for a search: more means "be more precise"


def _search_q(q: str) -> Q:
    """Cases whose reference or title contains ``q``, or with a party named so or whose phone
    ends in its digits. Each source is asked on its own (on PostgreSQL each has a trigram
    index, migration 0006), then the worklist filters by the ids: one OR across tables
    would make the database walk the whole jurisdiction."""
    cases = Case.objects.filter(
        Q(reference__icontains=q)
        | Q(title__icontains=q)
        | Q(incident_number=q.strip().upper())
        | Q(court_number=q.strip())
    )
    ids = set(cases.order_by("-pk").values_list("pk", flat=True)[:SEARCH_MATCHES])
    ids |= set(
        Party.objects.filter(name__icontains=q)
        .order_by("-case_id")
        .values_list("case_id", flat=True)[:SEARCH_MATCHES]
    )
    digits = "".join(ch for ch in q if ch.isdigit())
    if len(digits) >= PHONE_TAIL_DIGITS and digits == q.replace(" ", ""):
        ids |= _cases_by_phone(digits)
    return Q(pk__in=ids)


def _cases_by_phone(digits: str) -> set[int]:
    """Cases with a party whose phone ends in ``digits``. Phones are sealed: a full number
    is found by its keyed hash, a tail by the last four (an index), a longer tail then
    checked against the sealed values of those few."""
    if len(digits) >= 11:
        try:
            full = normalize_phone(digits)
        except ValidationError:
            full = ""
        if full:
            parties = Party.objects.filter(phone_hash=sealing.digest(full)).order_by("-case_id")
            return set(parties.values_list("case_id", flat=True)[:SEARCH_MATCHES])
    rows = (
        Party.objects.filter(phone_last4=digits[-4:])
        .order_by("-case_id")
        .values_list("case_id", "phone_sealed")[:SEARCH_MATCHES]
    )
    if len(digits) == 4:
        return {case_id for case_id, _sealed in rows}
    return {case_id for case_id, sealed in rows if sealing.unseal(sealed).endswith(digits)}


def get_case_for(user, reference: str) -> Case:
    """The case with this reference inside the user's jurisdiction, else Http404."""
    queryset = _with_relations(Case.objects.select_related("building", "merged_into", "report"))
    return get_for(user, queryset.prefetch_related("parties"), reference=reference)


def timeline_of(case: Case) -> list[CaseEvent]:
    """The case's events, oldest first (the order they happened)."""
    return list(case.events.order_by("at", "id"))


def pauses_of(case: Case, events: list[CaseEvent]) -> list[clocks.Pause]:
    """The pauses of the case's clocks, from its resume events and its running pause."""
    pauses: list[clocks.Pause] = []
    for event in events:
        started = event.payload.get("paused_since") if event.kind == "resume" else None
        started_at = parse_datetime(started) if isinstance(started, str) else None
        if started_at is not None:
            pauses.append((started_at, event.at))
    if case.paused_since is not None:
        pauses.append((case.paused_since, None))
    return pauses


def clocks_of(
    case: Case, events: list[CaseEvent], now: dt.datetime | None = None
) -> dict[str, clocks.ClockState]:
    """The case's three clocks, exact (pauses from the timeline), by its county's limits.

    A case that ended without being resolved (transferred, withdrawn, merged) stops its
    clocks when it ended.
    """
    stopped = case.resolved_at or case.closed_at
    return clocks.case_clocks(
        case.risk,
        case.received_at,
        case.first_action_at,
        stopped,
        pauses_of(case, events),
        now or timezone.now(),
        policy.settings_for(case).time_limits,
    )


@dataclass(frozen=True)
class BoardSection:
    key: str
    cases: list[Case]
    total: int


def may_see_board(user) -> bool:
    return user.is_superuser or bool(roles_of(user) & rules.READ_BOARD_ROLES)


def board_for(user, *, now: dt.datetime | None = None) -> list[BoardSection]:
    """The station chief's board: what needs a decision now, in the user's jurisdiction.

    - ``red``: red cases still open and unresolved;
    - ``overdue``: open cases past a time limit (the ``overdue_q`` approximation);
    - ``awaiting_team``: cases at level 3 with no mediation team or no handlers yet;
    - ``near_month``: open, unresolved cases received 25 to 30 days ago.
    Each section lists at most ``BOARD_LIMIT`` cases, oldest first, with its total.
    """
    now = now or timezone.now()
    # Open and unresolved, spelled as the partial index "disputes_case_open" is.
    open_cases = cases_for(user, now=now).filter(
        state__in=sorted(rules.OPEN_STATES), resolved_at__isnull=True
    )
    # NOT EXISTS, not NOT IN: the database can then anti-join instead of hashing (or worse,
    # rescanning) every handler row of every case.
    without_handlers = ~Exists(Case.handlers.through.objects.filter(case_id=OuterRef("pk")))
    sections = {
        "red": open_cases.filter(risk="red"),
        "overdue": open_cases.filter(overdue_q(now)),
        "awaiting_team": open_cases.filter(level=3).filter(Q(team__isnull=True) | without_handlers),
        "near_month": open_cases.filter(
            received_at__lte=now - NEAR_MONTH,
            received_at__gt=now - clocks.MEDIATION_MONTH,
        ),
    }
    board = []
    for key, queryset in sections.items():
        rows = list(queryset.order_by("received_at", "id")[:BOARD_LIMIT])
        total = len(rows) if len(rows) < BOARD_LIMIT else queryset.count()
        board.append(BoardSection(key=key, cases=rows, total=total))
    return board


def related_for(user, case: Case) -> list:
    """The case's related cases (``early_warning.related_cases``) that the user may see."""
    from fengqiao.disputes.early_warning import related_cases

    return [r for r in related_cases(case) if in_scope(user, r.case)]


def case_for_merge(user, reference: str) -> Case:
    """The target of a merge, looked up like any other case (404 outside the scope)."""
    if not reference.strip():
        raise Http404
    return get_case_for(user, reference.strip())


UNREAD_SHOWN = 20


def unread_notifications_for(user) -> list:
    """The reader's unread reminders (overdue clocks, cases escalated to them), newest first."""
    from fengqiao.disputes.models import Notification

    person = getattr(user, "person", None)
    if person is None:
        return []
    return list(
        Notification.objects.filter(recipient=person, read_at__isnull=True)
        .select_related("case")
        .order_by("-created_at")[:UNREAD_SHOWN]
    )


def public_handoff_answers(case: Case) -> list[dict]:
    """The case's hand-offs and referrals as its reporter may read them on the public status
    page (``handoffs.public_answers``: kinds of body, dates, outcomes, answers with numbers
    hidden, no names of people)."""
    return handoffs.public_answers(case)
