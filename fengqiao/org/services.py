"""Writes for the org app. Each checks permission and scope, writes, and audits, atomically."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.org.models import Assignment, Beat, Duty, Person
from fengqiao.org.rules import DUTY_TARGETS, periods_overlap
from fengqiao.org.scope import in_scope
from fengqiao.places.models import Building, Region


def _ensure(actor, permission: str, *objects) -> None:
    """Refuse unless the actor holds ``permission`` and every object is in their scope.

    Out-of-scope objects are refused with the same words as missing permission, so a
    refusal does not tell the actor the record exists.
    """
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    if not all(in_scope(actor, obj) for obj in objects):
        raise PermissionDenied(_("您没有执行此操作的权限"))


def _target_fields(duty: str, place) -> dict:
    kind = DUTY_TARGETS[duty][0]
    if kind == "beat" and isinstance(place, Beat):
        return {"beat": place}
    if kind == "village" and isinstance(place, Region) and place.level == "community":
        return {"region": place}
    if kind == "grid" and isinstance(place, Region) and place.level == "grid":
        return {"region": place}
    if kind == "building" and isinstance(place, Building):
        return {"building": place}
    expected = {
        "beat": _("警务区"),
        "village": _("村（社区）"),
        "grid": _("网格"),
        "building": _("楼栋"),
    }[kind]
    raise ValidationError({"place": _("该职责只能分配到%(kind)s") % {"kind": expected}})


def check_assignment(
    *,
    person: Person,
    duty: str,
    place: Beat | Region | Building | None,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
) -> dict:
    """Every rule ``assign`` enforces, without writing; returns the target fields.

    Raises ValidationError keyed by field: a duty the person's roles do not cover, a place
    of the wrong kind, an end before the start, and a period that overlaps another holder
    where only one may hold the place (one community officer per beat, one auxiliary per
    village, one building head per building) or that repeats the person's own assignment.
    """
    if duty not in Duty.values:
        raise ValidationError({"duty": _("未知的职责：%(duty)s") % {"duty": duty}})
    target = _target_fields(duty, place)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期")})
    if not person.roles.filter(code=duty).exists():
        raise ValidationError(
            {
                "person": _("%(name)s 没有“%(role)s”角色，不能承担此职责")
                % {"name": person.name, "role": Duty(duty).label}
            }
        )
    single_holder = DUTY_TARGETS[duty][1]
    for other in Assignment.objects.select_related("person").filter(duty=duty, **target):
        if not periods_overlap(starts_on, ends_on, other.starts_on, other.ends_on):
            continue
        if other.person_id == person.pk:
            raise ValidationError({"starts_on": _("此人在该时段已承担这项职责")})
        if single_holder:
            raise ValidationError(
                {
                    "starts_on": _("该时段已由 %(name)s 负责（%(start)s 起），请先结束其职责")
                    % {"name": other.person.name, "start": other.starts_on}
                }
            )
    return target


def assign(
    *,
    actor,
    person: Person,
    duty: str,
    place: Beat | Region | Building,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
) -> Assignment:
    """Make ``person`` responsible for ``place`` under ``duty`` from ``starts_on``.

    The actor needs ``org.add_assignment`` and both person and place in scope; the rules
    are those of ``check_assignment``.
    """
    _ensure(actor, "org.add_assignment", person, place)
    with transaction.atomic():
        target = check_assignment(
            person=person, duty=duty, place=place, starts_on=starts_on, ends_on=ends_on
        )
        assignment = Assignment(
            person=person, duty=duty, starts_on=starts_on, ends_on=ends_on, **target
        )
        assignment.full_clean()
        try:
            with transaction.atomic():
                assignment.save()
        except IntegrityError as exc:
            # Two officers assigning the same place at once: the partial unique index wins.
            raise ValidationError({"place": _("该处刚刚已由他人分配，请刷新后重试")}) from exc
        audit.record(
            actor=actor,
            action="org.assign",
            obj=assignment,
            changes={
                "person": person.pk,
                "duty": duty,
                "place": str(place),
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat() if ends_on else None,
            },
        )
    return assignment


def end_assignment(*, actor, assignment: Assignment, ends_on: dt.date) -> Assignment:
    """Close an assignment on ``ends_on`` (the last day the person is responsible)."""
    _ensure(actor, "org.change_assignment", assignment)
    if ends_on < assignment.starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期")})
    with transaction.atomic():
        previous = assignment.ends_on
        updated = Assignment.objects.filter(pk=assignment.pk, ends_on=previous).update(
            ends_on=ends_on
        )
        if not updated:
            raise ValidationError({"ends_on": _("该职责刚刚已被他人修改，请刷新后重试")})
        assignment.ends_on = ends_on
        audit.record(
            actor=actor,
            action="org.end_assignment",
            obj=assignment,
            changes={"ends_on": [previous.isoformat() if previous else None, ends_on.isoformat()]},
        )
    return assignment
