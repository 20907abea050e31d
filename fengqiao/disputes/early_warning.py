"""Early warning: the cases a case is related to, and the rules that raise its grade.

Most homicides among acquaintances start as ordinary disputes nobody graded red
(domain-notes §2.1), so repetition is itself a signal: the same parties again within 90
days, a third police call about them, a second failed mediation, a red-flag word in a new
note. Each rule decides by itself to raise the grade (a ``GradeRaise``); nothing here
writes: ``services.raise_grade`` applies the decision, records why on the timeline and in
the audit log, and warns the people who must act. Lowering a grade stays a person's
decision, with a reason (``services.regrade_case``).

It reads across jurisdictions on purpose (a party's earlier case in another township is a
signal too), hence ``unscoped_for_jobs``; what a user is shown of it is narrowed by
``selectors.related_for``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from fengqiao.disputes import clocks
from fengqiao.disputes.models import Case, CaseEvent, CaseLink, MediationSession, Party
from fengqiao.precompiled import precompiled
from fengqiao.triage import signals
from fengqiao.triage.text import normalise

REPEAT_WINDOW = dt.timedelta(days=90)
SAME_PLACE_WINDOW = dt.timedelta(days=30)
POLICE_CHANNELS = ("alarm_110", "one_click_alarm")
POLICE_CALLS = 3
FAILED_SESSIONS = 2
CANDIDATES = 300  # rows read per source; more than this is a crowd, not a history

REASON_LABELS = {
    "same_id_number": gettext_lazy("同一身份证号"),
    "same_phone": gettext_lazy("同一电话"),
    "same_name_village": gettext_lazy("同村同名当事人"),
    "same_building": gettext_lazy("同一楼栋"),
    "same_address": gettext_lazy("同一地址"),
    "same_grid_category": gettext_lazy("同网格同类纠纷（30 天内）"),
}
# Danger words in a note; police calls and failed mediations are counted, not read.
NOTE_RED = signals.RED - {"repeated_police_calls", "failed_mediation"}


@dataclass(frozen=True)
class Related:
    case: Case
    reasons: tuple[str, ...]

    @property
    def labels(self) -> list[str]:
        return [str(REASON_LABELS[r]) for r in self.reasons]


def related_cases(case: Case, *, limit: int = 20) -> list[Related]:
    """Other cases sharing a party (ID number or phone; the same name in the same village),
    the building or address, or the grid and category within 30 days; newest first."""
    reasons: dict[int, set[str]] = defaultdict(set)
    for reason, case_ids in _matches(case):
        for case_id in case_ids:
            if case_id != case.pk:
                reasons[case_id].add(reason)
    rows = (
        Case.objects.unscoped_for_jobs()
        .filter(pk__in=reasons)
        .order_by("-received_at", "-id")[:limit]
    )
    return [Related(row, tuple(sorted(reasons[row.pk]))) for row in rows]


def _matches(case: Case):
    """(reason, case ids) pairs: one query for shared parties, one for names in the
    village, one for the same building, address, or grid and category."""
    parties = list(case.parties.all())
    ids = {p.id_hash for p in parties if p.id_hash}
    phones = {p.phone_hash for p in parties if p.phone_hash}
    if ids or phones:
        # Numbers are sealed: the same number is the same keyed hash (fengqiao.sealing).
        # .order_by(): a party's default order is its case's, which would join every row.
        shared = Party.objects.unscoped_for_jobs().filter(
            Q(id_hash__in=ids) | Q(phone_hash__in=phones)
        )
        shared = shared.order_by()
        for case_id, id_hash, phone_hash in shared.values_list("case_id", "id_hash", "phone_hash")[
            :CANDIDATES
        ]:
            if id_hash and id_hash in ids:
                yield "same_id_number", [case_id]
            if phone_hash and phone_hash in phones:
                yield "same_phone", [case_id]
    names = {p.name.strip() for p in parties if len(p.name.strip()) >= 2}
    if names:
        yield "same_name_village", _same_names(case, names)
    place = Q(
        grid_id=case.grid_id,
        category=case.category,
        received_at__gte=case.received_at - SAME_PLACE_WINDOW,
        received_at__lte=case.received_at + SAME_PLACE_WINDOW,
    )
    if case.building_id:
        place |= Q(building_id=case.building_id)
    if case.address.strip():
        place |= Q(address=case.address.strip())
    fields = ("pk", "building_id", "address", "grid_id", "category", "received_at")
    nearby = (
        Case.objects.unscoped_for_jobs().filter(place).order_by().values_list(*fields)[:CANDIDATES]
    )
    for pk, building_id, address, grid_id, category, received_at in nearby:
        if case.building_id and building_id == case.building_id:
            yield "same_building", [pk]
        if case.address.strip() and address == case.address.strip():
            yield "same_address", [pk]
        if (
            grid_id == case.grid_id
            and category == case.category
            and abs(received_at - case.received_at) <= SAME_PLACE_WINDOW
        ):
            yield "same_grid_category", [pk]


def _same_names(case: Case, names: set[str]) -> list[int]:
    """Parties in the same village with the same name, as written or in its plain form
    (full-width, spaces and middle dots aside): an exact, indexed match, since a fuzzy one
    over a village's thousands of parties would cost a scan on every case."""
    village = case.scope_path.rstrip("/").rsplit("/", 1)[0] + "/"
    return list(
        Party.objects.filter(
            name__in=names | {_plain(name) for name in names},
            scope_path__gte=village,
            scope_path__lt=village[:-1] + "0",
        )
        .order_by()
        .values_list("case_id", flat=True)[:CANDIDATES]
    )


def _plain(name: str) -> str:
    # Not triage's normalise: that lower-cases, and names are stored as written.
    return "".join(unicodedata.normalize("NFKC", name).split()).replace("·", "")


# --- rules that raise the grade ----------------------------------------------------------

RULE_MESSAGES = {
    "repeat_parties": gettext_lazy("同一当事人 90 天内再次发生纠纷（%(refs)s），风险等级上调"),
    "police_calls": gettext_lazy("涉及同一当事人的报警已达 %(n)s 次，风险等级上调为红色"),
    "failed_mediations": gettext_lazy("调解已 %(n)s 次未成，风险等级上调为红色"),
    "red_signal": gettext_lazy("新记录中出现红色风险信号（%(words)s），风险等级上调为红色"),
}


@dataclass(frozen=True)
class GradeRaise:
    """A rule's decision to raise a case's grade: one grade up, or up to ``to``; ``detail`` is
    the evidence its message names. ``services.raise_grade`` writes it."""

    rule: str
    detail: dict
    to: str | None = None

    @property
    def message(self) -> str:
        return RULE_MESSAGES[self.rule] % self.detail

    def target(self, current: str) -> str | None:
        """The grade this raise moves ``current`` to; None when it would not raise it."""
        order = clocks.GRADES_LOW_TO_HIGH
        now = order.index(current)
        target = order.index(self.to) if self.to else min(now + 1, len(order) - 1)
        return order[target] if target > now else None


def after_opening(case: Case, parties: list[Party]) -> list[GradeRaise]:
    """Rules for a new case (with the parties it was opened with): the same people (ID
    number or phone) in another dispute within 90 days; a third police call about them."""
    raises = []
    earlier = _same_people_cases(case, parties)
    recent = [c for c in earlier if case.received_at - REPEAT_WINDOW <= c["received_at"]]
    if recent:
        refs = "、".join(c["reference"] for c in recent[:3])
        raises.append(GradeRaise("repeat_parties", {"refs": refs}))
    calls = sum(1 for c in earlier if c["channel"] in POLICE_CHANNELS)
    calls += case.channel in POLICE_CHANNELS
    if calls >= POLICE_CALLS:
        raises.append(GradeRaise("police_calls", {"n": calls}, to="red"))
    return raises


def _same_people_cases(case: Case, parties: list[Party]) -> list[dict]:
    """Other cases with a party of the same ID number or phone, newest first, in one query.
    A grade is raised only on such a sure identity; the same name is shown, never acted on."""
    hashes = {h for p in parties for h in (p.id_hash, p.phone_hash) if h}
    if not hashes:
        return []
    rows = _parties_with(case.pk, *sorted(hashes))
    cases: dict[int, dict] = {}
    for row in rows:
        cases.setdefault(
            row["case_id"],
            {
                "reference": row["case__reference"],
                "received_at": row["case__received_at"],
                "channel": row["case__channel"],
            },
        )
    return list(cases.values())


@precompiled  # every new case asks it
def _parties_with(case_id: int, *hashes: str) -> QuerySet:
    """Parties of other cases whose ID number or phone has one of these keyed hashes (an
    ID number and a phone never share one: their texts differ), the newest case first."""
    return (
        Party.objects.filter(Q(id_hash__in=hashes) | Q(phone_hash__in=hashes))
        .exclude(case_id=case_id)
        .order_by("-case__received_at")
        .values("case_id", "case__reference", "case__received_at", "case__channel")[:CANDIDATES]
    )


def after_failed_session(case: Case) -> list[GradeRaise]:
    failed = MediationSession.objects.filter(
        case=case, outcome=MediationSession.Outcome.FAILED
    ).count()
    if failed >= FAILED_SESSIONS:
        return [GradeRaise("failed_mediations", {"n": failed}, to="red")]
    return []


def after_note(case: Case, note: str) -> list[GradeRaise]:
    """A red-flag word, said as fact, in anything newly written on the case."""
    if not note.strip() or case.risk == "red":
        return []
    found = [s for s in signals.find_signals(normalise(note)) if s.name in NOTE_RED]
    if found:
        words = "、".join(word for s in found for word in s.words)
        return [GradeRaise("red_signal", {"words": words}, to="red")]
    return []


# --- repeat complaints -------------------------------------------------------------------

# Timeline entries that are the same matter complained of again: the reporter saying it is
# not settled, and a later report marked as a duplicate of the case's report (intake writes
# that on the case's timeline, since disputes does not read intake's reports).
REPEAT_EVENT_KINDS = ("reopened_by_reporter", "duplicate_report")


def _count(queryset: QuerySet, group_by: str) -> Coalesce:
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_repeat_complaints(cases: QuerySet[Case]) -> QuerySet[Case]:
    """``cases``, each with ``repeat_complaints``: how often the same matter came back once
    the case was open (blue escalates at the county's ``escalate_after_repeat_complaints``).

    Counted: cases merged into it, cases linked to it as its duplicates (not again when
    the same case was also merged), the reporter reopening it, and reports marked as
    duplicates of its report. Cases that merely share a party or a place are early
    warning's ``related_cases``: a new quarrel, not the same complaint again.
    """
    merged = _count(Case.objects.filter(merged_into=OuterRef("pk")), "merged_into")
    duplicates = _count(
        CaseLink.objects.filter(to_case=OuterRef("pk"), kind=CaseLink.Kind.DUPLICATE).exclude(
            from_case__merged_into=OuterRef("pk")
        ),
        "to_case",
    )
    again = _count(
        CaseEvent.objects.filter(case=OuterRef("pk"), kind__in=REPEAT_EVENT_KINDS), "case"
    )
    return cases.annotate(repeat_complaints=merged + duplicates + again)


def repeat_complaints(case: Case) -> int:
    """``with_repeat_complaints`` for one case."""
    one = Case.objects.unscoped_for_jobs().filter(pk=case.pk)
    return with_repeat_complaints(one).values_list("repeat_complaints", flat=True).get()
