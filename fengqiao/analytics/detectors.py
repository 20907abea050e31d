"""The flag detectors: each reads what the system wrote over a range of days (timestamps,
the timeline, residents' ratings) and proposes flags (``Found``) for ``flags.save``. Every
threshold is a constant here, with the reason for its value.

Jobs, not pages: they read every place (``unscoped_for_jobs``); a flag carries the place it
is about, and is read back through the user's scope.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from rapidfuzz import fuzz, process

from fengqiao import phones, sealing
from fengqiao.analytics.models import Flag
from fengqiao.disputes.models import Case, CaseEvent, MediationSession, ReturnVisit
from fengqiao.intake.models import Report
from fengqiao.org.models import Person

# A dispute is not resolved in ten minutes: even on-the-spot mediation of a small quarrel
# means reaching both parties, hearing them and recording what they agreed. A case resolved
# sooner after it was registered was most likely entered after the fact to be counted.
QUICK_CLOSE_MINUTES = 10
# A return visit asks about performance, the parties' attitude and any new friction: a
# phone call takes minutes. Five or more logged by one person, each within three minutes of
# the last, are being typed in from a list, not made (the 100 % return-visit target).
BURST_GAP_MINUTES = 3
BURST_SIZE = 5
# Two records of different cases by the same hand that are 95 % the same text (rapidfuzz
# ratio) are copied; texts shorter than this say too little to be told apart ("已电话联系").
SAME_TEXT_RATIO = 95
SAME_TEXT_MIN_CHARS = 20
# Notes a supervisor writes about other people's cases (a 督办 order's reason, its closing)
# are instructions, often rightly the same; they say nothing of work done.
NOT_WORK_NOTES = frozenset({"supervise", "supervision_closed", "name_leader"})
# Several cases rated 5 by one phone in one month: a resident rates their own case, so one
# number rating three cases, all 5, is someone filling in ratings.
RATINGS_ONE_PHONE_MIN = 3
TOP_RATING = 5
# A rating that counts as satisfied (facts.SATISFIED_FROM) given from a handler's account.
SATISFIED_FROM = 4
# Records are written at the session or the visit, or the next working day; one written
# three days or more after the time it states was written up afterwards (before an
# inspection, to fill a file).
BACKDATE_HOURS = 72
# The timeline's times come from the server as entries are written; two writers at once
# may land a few seconds out of order, never minutes.
TIMELINE_SLACK_MINUTES = 5

CLOSE_STATES = frozenset({"agreement", "closed"})


@dataclass
class Found:
    """A flag a detector proposes."""

    kind: str
    key: str
    day: dt.date
    paths: list[str]
    evidence: dict
    case_refs: list[str]
    person_id: int | None = None


def _local(at: dt.datetime) -> dt.datetime:
    return timezone.localtime(at)


def _stamp(at: dt.datetime | None) -> str:
    return _local(at).strftime("%Y-%m-%d %H:%M") if at else ""


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    stop = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return begin, stop


def _minutes(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def _cases(ids: Iterable[int]) -> dict[int, dict]:
    rows = Case.objects.unscoped_for_jobs().filter(pk__in=set(ids))
    return {
        row["id"]: row
        for row in rows.values("id", "reference", "scope_path", "received_at", "resolved_at")
    }


def _people_of_users(user_ids: Iterable[int]) -> dict[int, int]:
    """user id -> person id, for the staff among them."""
    rows = Person.objects.unscoped_for_jobs().filter(user_id__in=set(user_ids))
    return dict(rows.values_list("user_id", "pk"))


# --- detectors -----------------------------------------------------------------------------


def quick_closes(start: dt.date, end: dt.date) -> list[Found]:
    """Cases received in the range and resolved (agreement or closed) within
    ``QUICK_CLOSE_MINUTES`` of being registered."""
    begin, stop = _bounds(start, end)
    limit = dt.timedelta(minutes=QUICK_CLOSE_MINUTES)
    cases = list(
        Case.objects.unscoped_for_jobs()
        .filter(received_at__gte=begin, received_at__lt=stop, resolved_at__isnull=False)
        .filter(resolved_at__lt=F("received_at") + limit)
        .values("id", "reference", "scope_path", "received_at", "resolved_at")
    )
    closers: dict[int, int] = {}
    events = CaseEvent.objects.filter(
        case_id__in=[c["id"] for c in cases], to_state__in=CLOSE_STATES, actor__isnull=False
    ).order_by("-at", "-id")
    for case_id, actor_id in events.values_list("case_id", "actor_id"):
        closers[case_id] = actor_id  # the earliest wins: rows come newest first
    people = _people_of_users(closers.values())
    return [
        Found(
            kind=Flag.Kind.QUICK_CLOSE,
            key=f"case:{case['id']}",
            day=_local(case["received_at"]).date(),
            paths=[case["scope_path"]],
            evidence={
                "received_at": _stamp(case["received_at"]),
                "resolved_at": _stamp(case["resolved_at"]),
                "minutes": _minutes(case["resolved_at"] - case["received_at"]),
                "threshold_minutes": QUICK_CLOSE_MINUTES,
            },
            case_refs=[case["reference"]],
            person_id=people.get(closers.get(case["id"])),
        )
        for case in cases
    ]


def _runs(times: list[tuple], gap: dt.timedelta) -> Iterable[list[tuple]]:
    """Rows ``(at, ...)`` in time order, cut wherever two follow each other by more than
    ``gap``."""
    run: list[tuple] = []
    for row in times:
        if run and row[0] - run[-1][0] > gap:
            yield run
            run = []
        run.append(row)
    if run:
        yield run


def visit_bursts(start: dt.date, end: dt.date) -> list[Found]:
    """One person recording ``BURST_SIZE`` return visits or more, each within
    ``BURST_GAP_MINUTES`` of the one before (by the time the system recorded them)."""
    begin, stop = _bounds(start, end)
    rows = (
        CaseEvent.objects.filter(
            kind="return_visit", at__gte=begin, at__lt=stop, actor__isnull=False
        )
        .order_by("actor_id", "at", "id")
        .values_list("actor_id", "at", "id", "case_id")
    )
    by_actor: dict[int, list[tuple]] = defaultdict(list)
    for actor_id, at, event_id, case_id in rows:
        by_actor[actor_id].append((at, event_id, case_id))
    bursts = [
        (actor_id, run)
        for actor_id, times in by_actor.items()
        for run in _runs(times, dt.timedelta(minutes=BURST_GAP_MINUTES))
        if len(run) >= BURST_SIZE
    ]
    cases = _cases(case_id for _a, run in bursts for _at, _e, case_id in run)
    people = _people_of_users(actor_id for actor_id, _run in bursts)
    found = []
    for actor_id, run in bursts:
        case_ids = list(dict.fromkeys(case_id for _at, _e, case_id in run))
        found.append(
            Found(
                kind=Flag.Kind.VISIT_BURST,
                key=f"user:{actor_id}:event:{run[0][1]}",
                day=_local(run[0][0]).date(),
                paths=[cases[c]["scope_path"] for c in case_ids],
                evidence={
                    "visits": len(run),
                    "first": _stamp(run[0][0]),
                    "last": _stamp(run[-1][0]),
                    "minutes": _minutes(run[-1][0] - run[0][0]),
                    "gap_minutes": BURST_GAP_MINUTES,
                },
                case_refs=[cases[c]["reference"] for c in case_ids],
                person_id=people.get(actor_id),
            )
        )
    return found


@dataclass
class _Text:
    ref: str  # "session:12" or "event:34"
    case_id: int
    at: dt.datetime
    text: str


@dataclass
class _Recorded:
    session: int
    case_id: int
    at: dt.datetime
    actor_id: int | None


def _recorded_sessions(begin: dt.datetime, stop: dt.datetime) -> list[_Recorded]:
    """Mediation sessions recorded in the range: a session's recording is its
    ``mediation_session`` timeline entry (who wrote it, and when). Sessions loaded in bulk
    without one (an import, the demo's history) are not judged."""
    entries = CaseEvent.objects.filter(kind="mediation_session", at__gte=begin, at__lt=stop)
    return [
        _Recorded(payload["session"], case_id, at, actor_id)
        for payload, case_id, at, actor_id in entries.values_list(
            "payload", "case_id", "at", "actor_id"
        )
        if isinstance(payload, dict) and isinstance(payload.get("session"), int)
    ]


def _texts_by_author(begin: dt.datetime, stop: dt.datetime) -> dict[int, list[_Text]]:
    """Mediation records and timeline notes written in the range, by who wrote them."""
    by_author: dict[int, list[_Text]] = defaultdict(list)
    recorded = [r for r in _recorded_sessions(begin, stop) if r.actor_id is not None]
    records = dict(
        MediationSession.objects.unscoped_for_jobs()
        .filter(pk__in=[r.session for r in recorded])
        .values_list("pk", "record")
    )
    for r in recorded:
        record = records.get(r.session, "").strip()
        if len(record) >= SAME_TEXT_MIN_CHARS:
            by_author[r.actor_id].append(_Text(f"session:{r.session}", r.case_id, r.at, record))
    notes = (
        CaseEvent.objects.filter(at__gte=begin, at__lt=stop, actor__isnull=False)
        .exclude(note="")
        .exclude(kind__in=NOT_WORK_NOTES)
        .values_list("pk", "case_id", "at", "note", "actor_id")
    )
    for pk, case_id, at, note, actor_id in notes:
        if len(note.strip()) >= SAME_TEXT_MIN_CHARS:
            by_author[actor_id].append(_Text(f"event:{pk}", case_id, at, note.strip()))
    return by_author


def _clusters(texts: list[_Text]) -> list[list[_Text]]:
    """Groups of near-identical texts (ratio ≥ ``SAME_TEXT_RATIO``) spanning two cases or
    more, earliest first."""
    if len(texts) < 2:
        return []
    scores = process.cdist(
        [t.text for t in texts],
        [t.text for t in texts],
        scorer=fuzz.ratio,
        score_cutoff=SAME_TEXT_RATIO,
        dtype="uint8",
    )
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*scores.nonzero(), strict=True):
        if i < j and texts[i].case_id != texts[j].case_id:
            parent[root(int(j))] = root(int(i))
    groups: dict[int, list[_Text]] = defaultdict(list)
    for i, text in enumerate(texts):
        groups[root(i)].append(text)
    return [
        sorted(group, key=lambda t: (t.at, t.ref))
        for group in groups.values()
        if len({t.case_id for t in group}) >= 2
    ]


def same_texts(start: dt.date, end: dt.date) -> list[Found]:
    """Near-identical mediation records or timeline notes by one person across cases."""
    begin, stop = _bounds(start, end)
    by_author = _texts_by_author(begin, stop)
    clusters = [
        (author, group) for author, texts in by_author.items() for group in _clusters(texts)
    ]
    cases = _cases(t.case_id for _a, group in clusters for t in group)
    people = _people_of_users(author for author, _group in clusters)
    found = []
    for author, group in clusters:
        case_ids = list(dict.fromkeys(t.case_id for t in group))
        lowest = min(fuzz.ratio(group[0].text, t.text) for t in group[1:])
        found.append(
            Found(
                kind=Flag.Kind.SAME_TEXT,
                key=f"user:{author}:{group[0].ref}",
                day=_local(group[0].at).date(),
                paths=[cases[c]["scope_path"] for c in case_ids],
                evidence={
                    "records": len(group),
                    "lowest_ratio": round(lowest, 1),
                    "threshold_ratio": SAME_TEXT_RATIO,
                    "text": group[0].text[:200],
                    "written": [
                        {"case": cases[t.case_id]["reference"], "at": _stamp(t.at)} for t in group
                    ],
                },
                case_refs=[cases[c]["reference"] for c in case_ids],
                person_id=people.get(author),
            )
        )
    return found


def _month_bounds(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The whole months the range touches: a month's ratings are judged together."""
    first = start.replace(day=1)
    following = dt.date(end.year + end.month // 12, end.month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def ratings_from_one_phone(start: dt.date, end: dt.date) -> list[Found]:
    """One phone that rated ``RATINGS_ONE_PHONE_MIN`` cases or more in a month, every one of
    them ``TOP_RATING``."""
    begin, stop = _bounds(*_month_bounds(start, end))
    rows = (
        Report.objects.unscoped_for_jobs()
        .filter(feedback_at__gte=begin, feedback_at__lt=stop, case__isnull=False)
        .exclude(phone_hash="")
        .exclude(satisfaction__isnull=True)
        .order_by("feedback_at", "id")
        .values_list("phone_hash", "phone_masked", "feedback_at", "satisfaction", "case_id")
    )
    groups: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for phone_hash, masked, at, rating, case_id in rows:
        groups[(phone_hash, _local(at).strftime("%Y-%m"))].append((masked, at, rating, case_id))
    chosen = {
        key: ratings
        for key, ratings in groups.items()
        if len({r[3] for r in ratings}) >= RATINGS_ONE_PHONE_MIN
        and all(r[2] == TOP_RATING for r in ratings)
    }
    cases = _cases(r[3] for ratings in chosen.values() for r in ratings)
    handlers = _handlers(cases)
    found = []
    for (phone_hash, month), ratings in chosen.items():
        case_ids = list(dict.fromkeys(r[3] for r in ratings))
        shared = set.intersection(*(handlers.get(c, set()) for c in case_ids))
        found.append(
            Found(
                kind=Flag.Kind.RATINGS_ONE_PHONE,
                key=f"phone:{phone_hash[:32]}:{month}",
                day=_local(ratings[0][1]).date(),
                paths=[cases[c]["scope_path"] for c in case_ids],
                evidence={
                    "phone": ratings[0][0],
                    "month": month,
                    "ratings": len(ratings),
                    "rating": TOP_RATING,
                    "threshold": RATINGS_ONE_PHONE_MIN,
                },
                case_refs=[cases[c]["reference"] for c in case_ids],
                person_id=min(shared) if len(shared) == 1 else None,
            )
        )
    return found


def _handlers(cases: dict[int, dict]) -> dict[int, set[int]]:
    handlers: dict[int, set[int]] = defaultdict(set)
    through = Case.handlers.through.objects.filter(case_id__in=list(cases))
    for case_id, person_id in through.values_list("case_id", "person_id"):
        handlers[case_id].add(person_id)
    return handlers


def _phone_hash(phone: str) -> str:
    try:
        return sealing.digest(phones.normalize_phone(phone))
    except ValidationError:
        return ""


def ratings_from_handlers(start: dt.date, end: dt.date) -> list[Found]:
    """A satisfied rating given from one of the case's handlers' own accounts: the report's
    signed-in reporter is a handler, or its phone is a handler's."""
    begin, stop = _bounds(start, end)
    reports = list(
        Report.objects.unscoped_for_jobs()
        .filter(
            feedback_at__gte=begin,
            feedback_at__lt=stop,
            case__isnull=False,
            satisfaction__gte=SATISFIED_FROM,
        )
        .values("pk", "case_id", "reporter_id", "phone_hash", "phone_masked", "feedback_at")
        .order_by("feedback_at", "pk")
    )
    cases = _cases(r["case_id"] for r in reports)
    handlers = _handlers(cases)
    people = {
        p["pk"]: p
        for p in Person.objects.unscoped_for_jobs()
        .filter(pk__in={pk for ids in handlers.values() for pk in ids})
        .values("pk", "user_id", "phone", "name")
    }
    found = []
    for report in reports:
        for person_id in sorted(handlers.get(report["case_id"], ())):
            person = people[person_id]
            by_account = (
                report["reporter_id"] is not None and report["reporter_id"] == person["user_id"]
            )
            by_phone = bool(report["phone_hash"]) and report["phone_hash"] == _phone_hash(
                person["phone"]
            )
            if not (by_account or by_phone):
                continue
            case = cases[report["case_id"]]
            found.append(
                Found(
                    kind=Flag.Kind.RATINGS_OWN,
                    key=f"report:{report['pk']}",
                    day=_local(report["feedback_at"]).date(),
                    paths=[case["scope_path"]],
                    evidence={
                        "handler": person["name"],
                        "same": "account" if by_account else "phone",
                        "phone": report["phone_masked"] if by_phone else "",
                        "rated_at": _stamp(report["feedback_at"]),
                    },
                    case_refs=[case["reference"]],
                    person_id=person_id,
                )
            )
            break
    return found


def _backdated_sessions(begin, stop, late: dt.timedelta) -> list[Found]:
    recorded = _recorded_sessions(begin, stop)
    held = dict(
        MediationSession.objects.unscoped_for_jobs()
        .filter(pk__in=[r.session for r in recorded])
        .values_list("pk", "held_at")
    )
    late_ones = [r for r in recorded if r.session in held and r.at - held[r.session] >= late]
    cases = _cases(r.case_id for r in late_ones)
    people = _people_of_users(r.actor_id for r in late_ones if r.actor_id)
    found = []
    for r in late_ones:
        case = cases[r.case_id]
        stated = held[r.session]
        found.append(
            _backdated(
                f"session:{r.session}",
                "session",
                case,
                stated,
                r.at,
                stated < case["received_at"],
                people.get(r.actor_id),
            )
        )
    return found


def _backdated(ref, what, case, stated, recorded, before_case, person_id) -> Found:
    return Found(
        kind=Flag.Kind.BACKDATED,
        key=ref,
        day=_local(recorded).date(),
        paths=[case["scope_path"]],
        evidence={
            "record": what,
            "stated_at": _stamp(stated),
            "recorded_at": _stamp(recorded),
            "hours_late": round((recorded - stated).total_seconds() / 3600, 1),
            "before_case": before_case,
            "received_at": _stamp(case["received_at"]),
            "threshold_hours": BACKDATE_HOURS,
        },
        case_refs=[case["reference"]],
        person_id=person_id,
    )


def _backdated_visits(begin, stop, late: dt.timedelta) -> list[Found]:
    """A visit's recording is its ``return_visit`` timeline entry (same case, same due
    date; the n-th entry for a due date is the n-th visit made for it)."""
    events = list(
        CaseEvent.objects.filter(kind="return_visit", at__gte=begin, at__lt=stop)
        .order_by("case_id", "at", "id")
        .values_list("case_id", "at", "payload", "actor_id")
    )
    visits: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    rows = (
        ReturnVisit.objects.unscoped_for_jobs()
        .filter(case_id__in={e[0] for e in events}, done_at__isnull=False)
        .order_by("case_id", "due_on", "pk")
        .values_list("pk", "case_id", "due_on", "done_at", "visitor_id")
    )
    for pk, case_id, due_on, done_at, visitor_id in rows:
        visits[(case_id, due_on.isoformat())].append((pk, done_at, visitor_id))
    cases = _cases(e[0] for e in events)
    found = []
    for case_id, at, payload, _actor in events:
        due = payload.get("due_on") if isinstance(payload, dict) else None
        waiting = visits.get((case_id, due))
        if not waiting:
            continue
        pk, done_at, visitor_id = waiting.pop(0)
        case = cases[case_id]
        before_case = done_at < case["received_at"]
        if at - done_at >= late:
            found.append(
                _backdated(f"visit:{pk}", "visit", case, done_at, at, before_case, visitor_id)
            )
    return found


def _timeline_out_of_order(begin, stop) -> list[Found]:
    """An entry written after another of the same case yet dated well before it."""
    slack = dt.timedelta(minutes=TIMELINE_SLACK_MINUTES)
    touched = set(
        CaseEvent.objects.filter(at__gte=begin, at__lt=stop).values_list("case_id", flat=True)
    )
    events = (
        CaseEvent.objects.filter(case_id__in=touched)
        .order_by("case_id", "id")
        .values_list("pk", "case_id", "at", "kind", "actor_id")
    )
    odd = []
    latest: dict[int, tuple] = {}
    for pk, case_id, at, kind, actor_id in events:
        before = latest.get(case_id)
        if before is not None and at < before[1] - slack:
            odd.append((pk, case_id, at, kind, actor_id, before))
        if before is None or at > before[1]:
            latest[case_id] = (pk, at, kind)
    cases = _cases(row[1] for row in odd)
    people = _people_of_users(row[4] for row in odd if row[4])
    return [
        Found(
            kind=Flag.Kind.BACKDATED,
            key=f"event:{pk}",
            day=_local(before[1]).date(),
            paths=[cases[case_id]["scope_path"]],
            evidence={
                "record": "timeline",
                "entry": kind,
                "stated_at": _stamp(at),
                "after_entry": before[2],
                "after_at": _stamp(before[1]),
                "slack_minutes": TIMELINE_SLACK_MINUTES,
            },
            case_refs=[cases[case_id]["reference"]],
            person_id=people.get(actor_id),
        )
        for pk, case_id, at, kind, actor_id, before in odd
    ]


def backdated(start: dt.date, end: dt.date) -> list[Found]:
    """Records whose stated time lies ``BACKDATE_HOURS`` or more before they were recorded
    (mediation sessions, return visits; the evidence says whether it is even before the
    case was registered), and timeline entries dated before the entries written ahead of
    them. A session held on the spot and registered an hour later is normal work."""
    begin, stop = _bounds(start, end)
    late = dt.timedelta(hours=BACKDATE_HOURS)
    return (
        _backdated_sessions(begin, stop, late)
        + _backdated_visits(begin, stop, late)
        + _timeline_out_of_order(begin, stop)
    )


DETECTORS: dict[str, Callable[[dt.date, dt.date], list[Found]]] = {
    Flag.Kind.QUICK_CLOSE: quick_closes,
    Flag.Kind.VISIT_BURST: visit_bursts,
    Flag.Kind.SAME_TEXT: same_texts,
    Flag.Kind.RATINGS_ONE_PHONE: ratings_from_one_phone,
    Flag.Kind.RATINGS_OWN: ratings_from_handlers,
    Flag.Kind.BACKDATED: backdated,
}
