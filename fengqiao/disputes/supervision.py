"""Supervision (督办) and the case leader (包案领导).

Station chiefs and the county press an overdue, red or repeated case with a supervision
order: a reason, a due date and a card (none, yellow, red), held against a unit and a person
(by default the handling unit and handler). The card's points (``rules.CARD_POINTS``) add up
per unit and per person. The handler answers the order; the supervisor closes it. A chief or
the county may also name the leader who answers for a serious case until it is settled.

Who may do what is the ladder's table (``rules.SUPERVISE``; answering is part of working the
case, and always open to the person held to account). Every write is one transaction with
the case's timeline and the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet, Sum, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.disputes import rules, services
from fengqiao.disputes.models import Case, Supervision
from fengqiao.org.models import Person, Unit
from fengqiao.org.scope import in_scope, person_of
from fengqiao.places.models import ancestor_paths

REFUSED = _("您没有督办这个案件的权限")
BOARD_LIMIT = 20


# --- writes --------------------------------------------------------------------------------


def issue_supervision(
    *,
    case: Case,
    actor,
    reason: str,
    due_on: dt.date,
    card: str = Supervision.Card.NONE,
    person: Person | None = None,
    unit: Unit | None = None,
) -> Supervision:
    """Issue a supervision order on ``case``; the card's points go to ``unit`` and
    ``person`` (default: the case's handler posted in a unit, else its first handler; and
    that person's police unit, if any; the police station over the case's place only when
    the case has no one to hold). Both must be in the actor's jurisdiction."""
    if not services.may_take(actor, case, "supervise"):
        raise PermissionDenied(REFUSED)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = _("请填写督办事由")
    if due_on is None or due_on < timezone.localdate():
        errors["due_on"] = _("办结期限不能早于今天")
    if card not in rules.CARD_POINTS:
        errors["card"] = _("请选择亮牌：不亮牌、黄牌或红牌")
    if person is None:
        # The handler who answers for the handling unit (a police officer, a centre's
        # member) before the ground's helpers.
        handlers = sorted(case.handlers.all(), key=lambda p: (p.unit_id is None, p.name))
        person = next(iter(handlers), None)
    elif not in_scope(actor, person):
        errors["person"] = _("被督办人不存在或不在您的辖区")
    if unit is None:
        # A police unit answers with its officer; a committee's mediator or a grid worker
        # belongs to no police unit, and the station over the place is not docked for them.
        if person is None:
            unit = _station_over(case)
        elif person.unit_id:
            unit = person.unit
    elif not in_scope(actor, unit):
        errors["unit"] = _("被督办单位不存在或不在您的辖区")
    if errors:
        raise ValidationError(errors)
    points = rules.CARD_POINTS[card]
    with transaction.atomic():
        services.transition(
            case=case,
            actor=actor,
            action="supervise",
            note=reason,
            payload={
                "card": card,
                "points": points,
                "due_on": due_on.isoformat(),
                "person": person.name if person else "",
                "unit": unit.name if unit else "",
            },
        )
        order = Supervision.objects.create(
            case=case,
            issued_by=person_of(actor),
            issued_at=timezone.now(),
            reason=reason.strip(),
            due_on=due_on,
            card=card,
            points=points,
            unit=unit,
            person=person,
        )
        told = list(case.handlers.all()) + ([person] if person else [])
        services.notify(
            list(dict.fromkeys(told)),
            case,
            f"supervised:{order.pk}",
            _("%(ref)s 被督办（%(card)s），请于 %(due)s 前办结：%(why)s")
            % {
                "ref": case.reference,
                "card": order.get_card_display(),
                "due": due_on.isoformat(),
                "why": order.reason,
            },
        )
    return order


def may_answer(actor, order: Supervision) -> bool:
    """Whether the actor may answer the order: the person held to account, or anyone who
    works the case at its level (whether it still waits for an answer is not asked)."""
    own = person_of(actor)
    if own is not None and order.person_id == own.pk and in_scope(actor, order.case):
        return actor.has_perm(services.CHANGE_CASE)
    return services.may_take(actor, order.case, "answer_supervision")


def answer_supervision(*, order: Supervision, actor, answer: str) -> Supervision:
    """The handler says what was done; once only."""
    case = order.case
    if not may_answer(actor, order):
        raise PermissionDenied(REFUSED)
    if not answer.strip():
        raise ValidationError({"answer": _("请填写办理情况")})
    with transaction.atomic():
        updated = Supervision.objects.filter(
            pk=order.pk, answered_at__isnull=True, closed_at__isnull=True
        ).update(answer=answer.strip(), answered_at=timezone.now(), answered_by=person_of(actor))
        if not updated:
            raise services.CaseChanged(_("这件督办刚刚被其他人反馈过，请刷新后再操作"))
        order.refresh_from_db()
        services.append_event(
            case, actor, "supervision_answered", note=order.answer, payload={"order": order.pk}
        )
        audit.record(
            actor=actor,
            action="disputes.supervision_answered",
            obj=order,
            changes={"answer": order.answer},
        )
    return order


def close_supervision(*, order: Supervision, actor, note: str = "") -> Supervision:
    """The supervisor closes an answered order."""
    case = order.case
    if not services.may_take(actor, case, "close_supervision"):
        raise PermissionDenied(REFUSED)
    if order.answered_at is None:
        raise ValidationError({"supervision": _("这件督办还没有反馈，不能办结")})
    with transaction.atomic():
        updated = Supervision.objects.filter(pk=order.pk, closed_at__isnull=True).update(
            closed_at=timezone.now()
        )
        if not updated:
            raise services.CaseChanged(_("这件督办已经办结"))
        order.refresh_from_db()
        services.append_event(
            case, actor, "supervision_closed", note=note, payload={"order": order.pk}
        )
        audit.record(
            actor=actor,
            action="disputes.supervision_closed",
            obj=order,
            changes={"closed_at": order.closed_at.isoformat()},
        )
    return order


def name_leader(*, case: Case, actor, leader: Person | None, reason: str = "") -> Case:
    """Name (or, with None, release) the leader who answers for the case (包案领导)."""
    if not services.may_take(actor, case, "name_leader"):
        raise PermissionDenied(REFUSED)
    if leader is not None and (not leader.active or not in_scope(actor, leader)):
        raise ValidationError({"leader": _("包案领导不存在、不在您的辖区或已不在岗")})
    if leader is not None and leader.pk == case.leader_id:
        raise ValidationError({"leader": _("他已经是这个案件的包案领导")})
    old = case.leader.name if case.leader_id else ""
    return services.transition(
        case=case,
        actor=actor,
        action="name_leader",
        note=reason,
        payload={"leader": [old, leader.name if leader else ""]},
        changes={"leader": leader},
    )


def _station_over(case: Case) -> Unit | None:
    """The police station whose jurisdiction holds the case's place."""
    paths = ancestor_paths(case.grid.path)
    return (
        Unit.objects.filter(kind=Unit.Kind.STATION, jurisdiction__path__in=paths)
        .order_by("-jurisdiction__depth")
        .first()
    )


# --- reads ---------------------------------------------------------------------------------


def load_ladder(case: Case) -> Case:
    """Load the case's leader and supervision orders (with their people and units) onto it
    once, for a page that reads them several times."""
    prefetch_related_objects(
        [case],
        "leader",
        Prefetch(
            "supervisions",
            queryset=Supervision.objects.select_related(
                "issued_by", "person", "unit", "answered_by"
            ),
        ),
    )
    return case


def orders_of(case: Case) -> list[Supervision]:
    """The case's supervision orders, newest first, with their people and units."""
    return list(
        Supervision.objects.filter(case=case).select_related(
            "issued_by", "person", "unit", "answered_by"
        )
    )


def leader_choices(user) -> QuerySet[Person]:
    """Whom a case may be given to as its leader: station chiefs and administrators on
    duty in the user's jurisdiction."""
    from fengqiao.org.selectors import people_for

    return (
        people_for(user)
        .filter(active=True, roles__code__in=sorted(rules.SUPERVISOR_ROLES))
        .distinct()
        .order_by("name", "pk")
    )


@dataclass(frozen=True)
class PointsRow:
    name: str
    orders: int
    yellow: int
    red: int
    points: int


@dataclass(frozen=True)
class SupervisionBoard:
    """督办与亮牌: the open orders and the points per unit and per person."""

    open_orders: list[Supervision]
    open_total: int
    units: list[PointsRow]
    people: list[PointsRow]


def board_for(user, *, since: dt.date | None = None) -> SupervisionBoard:
    """Orders in the user's jurisdiction: the open ones (oldest due first), and cards and
    points per unit and per person (orders issued on or after ``since``, if given)."""
    orders = Supervision.objects.for_user(user)
    if since is not None:
        orders = orders.filter(issued_at__date__gte=since)
    open_orders = orders.filter(closed_at__isnull=True).select_related("case", "person", "unit")
    rows = list(open_orders.order_by("due_on", "id")[:BOARD_LIMIT])
    total = len(rows) if len(rows) < BOARD_LIMIT else open_orders.count()
    return SupervisionBoard(
        open_orders=rows,
        open_total=total,
        units=_points(orders.filter(unit__isnull=False), "unit__name"),
        people=_points(orders.filter(person__isnull=False), "person__name"),
    )


def _points(orders: QuerySet[Supervision], name: str) -> list[PointsRow]:
    key = name.split("__")[0]
    grouped = (
        orders.values(f"{key}_id", name)
        .annotate(
            orders=Count("id"),
            yellow=Count("id", filter=Q(card="yellow")),
            red=Count("id", filter=Q(card="red")),
            total=Sum("points"),
        )
        .order_by("-total", name)[:BOARD_LIMIT]
    )
    return [
        PointsRow(row[name], row["orders"], row["yellow"], row["red"], row["total"] or 0)
        for row in grouped
    ]


def points_of(*, person: Person | None = None, unit: Unit | None = None) -> int:
    """The points a person's or unit's supervision cards add up to, all time (for
    evaluations: not scoped, the caller has the person or unit in hand)."""
    orders = Supervision.objects.all()
    if person is not None:
        orders = orders.filter(person=person)
    if unit is not None:
        orders = orders.filter(unit=unit)
    return orders.aggregate(total=Sum("points"))["total"] or 0
