"""Daily facts: each day's cases per grid and category, measured from what the system wrote.

One rule measures a case (``case_measures``); the facts are its sums by (received day, grid,
category), and the drill-down applies the same rule to the cases behind a figure, so a
figure and its list never disagree.

The facts follow the work as it happens: whenever a timeline entry, a mediation record, a
return visit or a report is written, the keys it touches are refreshed once the
transaction commits (``connect``): ``settings.FACTS_DELAY`` seconds later, by one thread
per process that refreshes every key committed meanwhile together (``Deferred``), or in
the committing request itself when the delay is 0. ``rebuild`` recomputes any range from
scratch (the nightly job, and after a bulk load such as the demo's), so a missed signal
heals overnight.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, Count, Q
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tasks import task

from fengqiao.analytics.models import MEASURES, DailyFact
from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import clocks
from fengqiao.disputes.imports import cases_imported
from fengqiao.disputes.models import (
    Agreement,
    Case,
    CaseEvent,
    MediationSession,
    Party,
    ReturnVisit,
)
from fengqiao.disputes.selectors import county_policies
from fengqiao.intake.models import Report
from fengqiao.places.models import Region

logger = logging.getLogger(__name__)

CHUNK = 2000
REFRESH_ATTEMPTS = 3
# A resident's rating of 4 or 5 counts as satisfied ("满意" and "非常满意").
SATISFIED_FROM = 4
# A transfer recorded before transfers named their kind: one to these bodies is a dispute
# that became a criminal case (民转刑). Since then the kind "criminal" says so.
CRIMINAL_BODY = re.compile(r"刑|立案侦查|criminal", re.IGNORECASE)
# A group: this many parties or more (群体性).
MASS_FROM = 5
PEOPLE_BRACKETS = (
    ("people_lt50", 0, 50),
    ("people_50_100", 50, 100),
    ("people_100_500", 100, 500),
    ("people_gt500", 500, None),
)
REOPEN_KINDS = frozenset({"reopen", "reopened_by_reporter"})
EVENT_KINDS = frozenset({"accept", "start_mediation", "reach_agreement", "transfer", "resume"})
EVENT_KINDS |= REOPEN_KINDS


@dataclass
class CaseRecord:
    """What the measures read of one case, loaded in a few queries for many cases."""

    id: int
    reference: str
    grid_id: int
    scope_path: str
    category: str
    risk: str
    level: int
    state: str
    received_at: dt.datetime
    first_action_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    paused_since: dt.datetime | None = None
    handler_ids: set[int] = field(default_factory=set)
    events: list[tuple[str, dt.datetime, dict]] = field(default_factory=list)
    sessions: int = 0
    agreements: list[tuple[bool, bool]] = field(default_factory=list)  # (oral, in force)
    visits: list[tuple[bool, bool]] = field(default_factory=list)  # (cancelled, done)
    satisfaction: int | None = None
    parties: int = 0

    @property
    def day(self) -> dt.date:
        return timezone.localtime(self.received_at).date()


_CASE_FIELDS = (
    "id",
    "reference",
    "grid_id",
    "scope_path",
    "category",
    "risk",
    "level",
    "state",
    "received_at",
    "first_action_at",
    "resolved_at",
    "closed_at",
    "paused_since",
)


def load(cases) -> list[CaseRecord]:
    """The records of ``cases`` (a queryset), with what the measures need, in seven queries
    per ``CHUNK`` cases."""
    records: list[CaseRecord] = []
    rows = list(cases.order_by().values(*_CASE_FIELDS))
    for start in range(0, len(rows), CHUNK):
        records.extend(_load_chunk(rows[start : start + CHUNK]))
    return records


def _of_cases(model, ids: list[int]):
    """``model``'s rows of these cases. On PostgreSQL one array parameter: psycopg parses
    every statement for its placeholders, and a list of hundreds of ids each time cost it
    more than the database spent running the query."""
    if connection.vendor == "postgresql":
        column = f"{connection.ops.quote_name(model._meta.db_table)}.case_id"
        return model._default_manager.filter(
            RawSQL(f"{column} = ANY(%s)", [ids], output_field=BooleanField())
        )
    return model._default_manager.filter(case_id__in=ids)


def _load_chunk(rows: list[dict]) -> list[CaseRecord]:
    by_id = {row["id"]: CaseRecord(**row) for row in rows}
    ids = list(by_id)
    for case_id, person_id in _of_cases(Case.handlers.through, ids).values_list(
        "case_id", "person_id"
    ):
        by_id[case_id].handler_ids.add(person_id)
    events = _of_cases(CaseEvent, ids).filter(kind__in=EVENT_KINDS).order_by("at", "id")
    for case_id, kind, at, payload in events.values_list("case_id", "kind", "at", "payload"):
        by_id[case_id].events.append((kind, at, payload or {}))
    sessions = _of_cases(MediationSession, ids).values("case_id")
    for row in sessions.annotate(n=Count("id")).values("case_id", "n"):
        by_id[row["case_id"]].sessions = row["n"]
    for case_id, oral, effective in _of_cases(Agreement, ids).values_list(
        "case_id", "oral", "effective_on"
    ):
        by_id[case_id].agreements.append((oral, effective is not None))
    for case_id, cancelled, done in _of_cases(ReturnVisit, ids).values_list(
        "case_id", "cancelled_at", "done_at"
    ):
        by_id[case_id].visits.append((cancelled is not None, done is not None))
    for case_id, rating in (
        _of_cases(Report, ids)
        .filter(satisfaction__isnull=False)
        .values_list("case_id", "satisfaction")
    ):
        by_id[case_id].satisfaction = rating
    parties = _of_cases(Party, ids).values("case_id").annotate(n=Count("id"))
    for row in parties.values("case_id", "n"):
        by_id[row["case_id"]].parties = row["n"]
    return list(by_id.values())


def _pauses(record: CaseRecord) -> list[clocks.Pause]:
    """The clock's pauses as the case page reads them (``disputes.selectors.pauses_of``):
    each resumed pause from its resume entry, and the pause still running."""
    pauses: list[clocks.Pause] = []
    for kind, at, payload in record.events:
        started = payload.get("paused_since") if kind == "resume" else None
        started_at = parse_datetime(started) if isinstance(started, str) else None
        if started_at is not None:
            pauses.append((started_at, at))
    if record.paused_since is not None:
        pauses.append((record.paused_since, None))
    return pauses


def _to_criminal_investigation(payload: dict) -> bool:
    if "kind" in payload:
        return payload["kind"] == "criminal"
    return bool(CRIMINAL_BODY.search(str(payload.get("body", ""))))


def case_measures(record: CaseRecord, limits: clocks.TimeLimits) -> dict[str, int]:
    """The case's contribution to each measure (0 or 1; ``reports`` is counted apart).

    Every value is read off timestamps and entries the system wrote: the timeline's moves,
    the mediation sessions and agreements, the return visits, the reporter's own rating.
    """
    kinds = {kind for kind, _at, _payload in record.events}
    accepted_at = next((at for kind, at, _p in record.events if kind == "accept"), None)
    pauses = _pauses(record)

    def on_time(stop: dt.datetime | None, span: dt.timedelta) -> bool:
        if stop is None:
            return False
        state = clocks.clock_state(record.received_at, span, pauses, stop, stop)
        return not state.overdue

    resolved = record.resolved_at is not None
    succeeded = "reach_agreement" in kinds
    # A case is reopened only from follow-up or closed, that is after it was resolved, and
    # reopening clears ``resolved_at`` (a second resolution sets a later one): any reopen
    # entry is a relapse, whether the case is open again or resolved once more.
    relapsed = bool(kinds & REOPEN_KINDS)
    criminal = any(
        kind == "transfer" and _to_criminal_investigation(payload)
        for kind, _at, payload in record.events
    )
    people = record.parties
    m = {
        "received": 1,
        "accepted": accepted_at is not None,
        "accepted_on_time": on_time(accepted_at, limits.first_action),
        "responded": record.first_action_at is not None,
        "responded_on_time": on_time(record.first_action_at, limits.first_action),
        "mediated": record.sessions > 0 or "start_mediation" in kinds,
        "mediation_succeeded": succeeded,
        "agreements_written": sum(1 for oral, live in record.agreements if live and not oral),
        "agreements_oral": sum(1 for oral, live in record.agreements if live and oral),
        "resolved": resolved,
        "ever_resolved": resolved or relapsed,
        "resolved_on_time": on_time(record.resolved_at, limits.resolve),
        "resolved_l1": resolved and record.level == 1,
        "resolved_l2": resolved and record.level == 2,
        "resolved_l3": resolved and record.level == 3,
        "closed": record.state == "closed",
        "relapsed": relapsed,
        "visits_due": sum(1 for cancelled, _done in record.visits if not cancelled),
        "visits_done": sum(1 for cancelled, done in record.visits if done and not cancelled),
        "rated": record.satisfaction is not None,
        "satisfied": (record.satisfaction or 0) >= SATISFIED_FROM,
        "criminal": criminal,
        "criminal_prevented": resolved and record.risk == "red" and not criminal,
        "mass_prevented": resolved and people >= MASS_FROM,
        "reports": 0,
    }
    for name, low, high in PEOPLE_BRACKETS:
        m[name] = low <= people and (high is None or people < high)
    return {name: int(value) for name, value in m.items()}


class Measurer:
    """``case_measures`` with each county's limits read once."""

    def __init__(self) -> None:
        self.policies = county_policies()

    def __call__(self, record: CaseRecord) -> dict[str, int]:
        settings = self.policies.for_path(record.scope_path)
        return case_measures(record, settings.limits(record.risk))


# --- writing the facts -------------------------------------------------------------------

Key = tuple[dt.date, int, str]  # (day, grid id, category)


def _day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def _key_q(keys: Iterable[Key], field: str) -> Q:
    condition = Q()
    for day, grid_id, category in keys:
        start, end = _day_range(day)
        condition |= Q(
            grid_id=grid_id, category=category, **{f"{field}__gte": start, f"{field}__lt": end}
        )
    return condition


Row = tuple[dt.date, int, str, int]  # a key and the level: one fact row


def _sums(cases, reports, measure: Measurer) -> dict[Row, dict]:
    sums: dict[Row, dict] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    paths: dict[int, str] = {}
    for record in load(cases):
        row = sums[(record.day, record.grid_id, record.category, record.level)]
        paths[record.grid_id] = record.scope_path
        for name, value in measure(record).items():
            row[name] += value
    for created_at, grid_id, category, path in reports.values_list(
        "created_at", "grid_id", "category", "grid__path"
    ):
        sums[(timezone.localtime(created_at).date(), grid_id, category, 0)]["reports"] += 1
        paths[grid_id] = path
    for (_day, grid_id, _category, _level), row in sums.items():
        row["scope_path"] = paths[grid_id]
    return sums


def _write(sums: dict[Row, dict], stale: Iterable[Key]) -> int:
    """Replace the rows of ``stale`` keys (every level) and of the keys in ``sums``."""
    stale = set(stale) | {row[:3] for row in sums}
    with transaction.atomic():
        for batch in _batches(sorted(stale), 300):
            condition = Q()
            for day, grid_id, category in batch:
                condition |= Q(day=day, grid_id=grid_id, category=category)
            DailyFact.objects.unscoped_for_jobs().filter(condition).delete()
        DailyFact.objects.bulk_create(
            [
                DailyFact(day=day, grid_id=grid_id, category=category, level=level, **row)
                for (day, grid_id, category, level), row in sums.items()
            ],
            batch_size=1000,
        )
    return len(sums)


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def refresh(keys: Iterable[Key]) -> int:
    """Recompute the facts of these (day, grid, category) keys from the records."""
    keys = sorted(set(keys))
    if not keys:
        return 0
    written = 0
    measure = Measurer()
    for batch in _batches(keys, 200):
        cases = Case.objects.unscoped_for_jobs().filter(_key_q(batch, "received_at"))
        reports = Report.objects.filter(grid__isnull=False).filter(_key_q(batch, "created_at"))
        # Two commits touching one key refresh it at once: the later insert meets the
        # other's row. Measuring again then sees both commits' records.
        for attempt in range(REFRESH_ATTEMPTS):
            try:
                written += _write(_sums(cases, reports, measure), batch)
                break
            except IntegrityError:
                if attempt == REFRESH_ATTEMPTS - 1:
                    raise
    return written


def encode_keys(keys: Iterable[Key]) -> list[list]:
    """Keys as a task's JSON arguments."""
    return [[day.isoformat(), grid_id, category] for day, grid_id, category in sorted(keys)]


def decode_keys(rows: Iterable[list]) -> list[Key]:
    """``encode_keys`` undone; ``ValueError`` on anything else."""
    keys = []
    for row in rows:
        day, grid_id, category = row
        if not isinstance(grid_id, int) or not isinstance(category, str):
            raise ValueError(f"not a facts key: {row!r}")
        keys.append((dt.date.fromisoformat(day), grid_id, category))
    return keys


@task()
def refresh_facts(keys: list[list]) -> int:
    """The daily facts of these (day, grid, category) keys, handed over by the web workers
    that committed them (``FENGQIAO_FACTS_BY=tasks``); returns how many rows were written."""
    return refresh(decode_keys(keys))


def rebuild(*, start: dt.date | None = None, end: dt.date | None = None) -> int:
    """Recompute every fact with a day in [start, end] (all days when open), from scratch."""
    cases = Case.objects.unscoped_for_jobs().all()
    reports = Report.objects.filter(grid__isnull=False)
    facts = DailyFact.objects.unscoped_for_jobs().all()
    if start is not None:
        begin = _day_range(start)[0]
        cases, reports = cases.filter(received_at__gte=begin), reports.filter(created_at__gte=begin)
        facts = facts.filter(day__gte=start)
    if end is not None:
        stop = _day_range(end)[1]
        cases, reports = cases.filter(received_at__lt=stop), reports.filter(created_at__lt=stop)
        facts = facts.filter(day__lte=end)
    measure = Measurer()
    sums = _sums(cases, reports, measure)
    with transaction.atomic():
        facts.delete()
        _write(sums, ())
    return len(sums)


# Days the nightly healing rebuilds whole: yesterday and today.
RECENT_DAYS = 2


def heal_recent(*, today: dt.date | None = None) -> dict:
    """Rebuild the last ``RECENT_DAYS`` days from scratch, and refresh the rows of older
    cases with a timeline entry since then and of reports rated since then: what a missed
    signal may have left wrong."""
    end = today or timezone.localdate()
    start = end - dt.timedelta(days=RECENT_DAYS - 1)
    since = _day_range(start)[0]
    rebuilt = rebuild(start=start, end=end)
    touched = CaseEvent.objects.filter(at__gte=since).values("case_id")
    cases = Case.objects.unscoped_for_jobs().filter(pk__in=touched, received_at__lt=since)
    keys = {
        (timezone.localtime(received_at).date(), grid_id, category)
        for received_at, grid_id, category in cases.values_list(
            "received_at", "grid_id", "category"
        )
    }
    rated = Report.objects.filter(feedback_at__gte=since, created_at__lt=since)
    keys.update(_report_keys(rated))
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "rebuilt": rebuilt,
        "refreshed": refresh(keys),
    }


# --- following the work ------------------------------------------------------------------

# Keys touched by this thread's work and not yet refreshed (see ``_touch``).
_local = threading.local()


def _touch(keys: Iterable[Key]) -> None:
    """Refresh ``keys`` once the transaction commits. The keys of one commit are refreshed
    together by its first callback; a rolled-back transaction's keys wait for the next
    commit, which recomputes them harmlessly."""
    keys = set(keys)
    if not keys or getattr(_local, "suspended", False):
        return
    pending = getattr(_local, "keys", None)
    if pending is None:
        pending = _local.keys = set()
    pending |= keys
    # The work itself is committed: a refresh that fails is logged, not the user's error,
    # and the nightly healing (``heal_recent``) recomputes what it missed.
    transaction.on_commit(_flush, robust=True)


@contextmanager
def suspended() -> Iterator[None]:
    """No refresh after this thread's commits inside the block: for a bulk load that
    rebuilds the facts once at its end (``rebuild``)."""
    _local.suspended = True
    try:
        yield
    finally:
        _local.suspended = False


def _flush() -> None:
    keys = getattr(_local, "keys", None)
    if keys:
        _local.keys = set()
        if settings.FACTS_DELAY > 0:
            deferred.add(keys)
        else:
            refresh(keys)


class Deferred:
    """Keys committed and not yet refreshed, refreshed together ``settings.FACTS_DELAY``
    seconds after the first of them by one thread of this process.

    A report costs its request no refresh: at fifty reports a second one refresh a second
    measures them all (the refresh reads a key's day whole, so fifty refreshes of fifty
    keys cost about fifty times one of fifty). What a crash loses before the refresh is
    what a failed refresh loses: the nightly healing (``heal_recent``) recomputes it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: set[Key] = set()
        self._wake = threading.Event()
        self._now = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def add(self, keys: Iterable[Key]) -> None:
        with self._lock:
            self._keys |= set(keys)
            self._idle.clear()
            # A forked worker (gunicorn's --preload) inherits the object, not the thread.
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="fengqiao-facts", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Until every key added so far is refreshed (True), or ``timeout`` seconds."""
        return self._idle.wait(timeout)

    def refresh_now(self) -> None:
        """Have the thread refresh what is waiting without waiting out the delay."""
        self._now.set()

    def drain(self) -> None:
        """Refresh what is waiting now, in the calling thread (at exit)."""
        with self._lock:
            keys, self._keys = self._keys, set()
        self._refresh(keys)
        self.refresh_now()  # the thread stops waiting out its delay and finds nothing left
        with self._lock:
            if not self._keys and not self._wake.is_set():
                self._idle.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._now.wait(settings.FACTS_DELAY)
            self._now.clear()
            with self._lock:
                keys, self._keys = self._keys, set()
                self._wake.clear()
            self._refresh(keys)
            with self._lock:
                if not self._keys:
                    self._idle.set()

    @staticmethod
    def _refresh(keys: set[Key]) -> None:
        if not keys:
            return
        try:
            if settings.FACTS_BY == "tasks":
                refresh_facts.enqueue(keys=encode_keys(keys))
            else:
                refresh(keys)
        except Exception:
            logger.exception("daily facts: refreshing %d keys failed", len(keys))
        finally:
            # The thread's own connection (back to the pool, where there is one).
            connection.close()


deferred = Deferred()
atexit.register(deferred.drain)


def _case_key(case_id: int, case: Case | None = None) -> list[Key]:
    """The key of case ``case_id``: read from ``case`` when the caller holds it (the
    instance just saved), else from the database."""
    if case is not None and case.pk == case_id:
        row = (case.received_at, case.grid_id, case.category)
    else:
        row = (
            Case.objects.unscoped_for_jobs()
            .filter(pk=case_id)
            .values_list("received_at", "grid_id", "category")
            .first()
        )
    if row is None:
        return []
    received_at, grid_id, category = row
    return [(timezone.localtime(received_at).date(), grid_id, category)]


def _held_case(instance) -> Case | None:
    """The case ``instance`` already holds in memory (no query), if any."""
    field = type(instance)._meta.get_field("case")
    return field.get_cached_value(instance) if field.is_cached(instance) else None


def _report_keys(reports, grid_ids: Iterable[int] | None = None) -> list[Key]:
    """The keys of ``reports`` (a queryset): each in its own grid, or in each of
    ``grid_ids`` when given (where a moved report was and is)."""
    keys: list[Key] = []
    for created_at, grid_id, category in reports.values_list("created_at", "grid_id", "category"):
        day = timezone.localtime(created_at).date()
        for grid in grid_ids if grid_ids is not None else [grid_id]:
            if grid is not None:
                keys.append((day, grid, category))
    return keys


def _on_event(sender, instance: CaseEvent, created: bool, **kwargs) -> None:
    # The opening entry is written right after its case was saved: the case in memory is
    # the stored one. Later entries follow conditional updates that leave it stale.
    opening = created and instance.kind == "received"
    keys = _case_key(instance.case_id, _held_case(instance) if opening else None)
    # A case moved to another grid leaves its old row counting it: refresh that row too,
    # and its report's rows in both grids (intake moves the report with the case, by an
    # update that sends no signal).
    moved = (instance.payload or {}).get("grid") if instance.kind == "reassign" else None
    if keys and isinstance(moved, list) and moved and moved[0] != moved[-1]:
        day, grid_id, category = keys[0]
        old = list(Region.objects.filter(level="grid", code=moved[0]).values_list("pk", flat=True))
        keys.extend((day, old_id, category) for old_id in old)
        reports = Report.objects.filter(case_id=instance.case_id)
        keys.extend(_report_keys(reports, [*old, grid_id]))
    _touch(keys)


def _on_case_record(sender, instance, **kwargs) -> None:
    _touch(_case_key(instance.case_id))


def _on_report(sender, instance: Report, created: bool = False, **kwargs) -> None:
    if instance.grid_id is not None:
        day = timezone.localtime(instance.created_at).date()
        _touch([(day, instance.grid_id, instance.category)])
    if instance.case_id is not None:
        # A new report's case was opened in the same transaction, just before it.
        _touch(_case_key(instance.case_id, _held_case(instance) if created else None))


def _on_audit(sender, instance: AuditEvent, created: bool, **kwargs) -> None:
    """A report changed by an update that sends no ``post_save`` (the reporter's rating,
    a reopening, closing) is audited: refresh its row and its case's."""
    if instance.object_type != REPORT_TYPE or not instance.object_id.isdigit():
        return
    if instance.action in SAVED_REPORT_ACTIONS:
        return  # the report's own post_save, in the same transaction, touched its keys
    reports = Report.objects.filter(pk=int(instance.object_id))
    keys = _report_keys(reports)
    for case_id in reports.exclude(case_id=None).values_list("case_id", flat=True):
        keys.extend(_case_key(case_id))
    _touch(keys)


REPORT_TYPE = Report._meta.label_lower
# Audited report actions that save the report through ``Model.save`` (``_on_report`` hears
# them): no second read of the report for their audit row.
SAVED_REPORT_ACTIONS = frozenset({"intake.report_submitted"})


def _on_cases_imported(sender, keys=(), **kwargs) -> None:
    """A case import wrote its cases, events and parties in bulk (no ``post_save``): it
    names the keys it touched, refreshed together once it commits."""
    _touch(keys)


def connect() -> None:
    cases_imported.connect(_on_cases_imported, dispatch_uid="analytics.cases_imported")
    post_save.connect(_on_event, sender=CaseEvent, dispatch_uid="analytics.event")
    for model in (MediationSession, Agreement, ReturnVisit):
        post_save.connect(_on_case_record, sender=model, dispatch_uid=f"analytics.{model.__name__}")
    post_save.connect(_on_report, sender=Report, dispatch_uid="analytics.report")
    post_save.connect(_on_audit, sender=AuditEvent, dispatch_uid="analytics.audit")
