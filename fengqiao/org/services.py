"""Writes for the org app. Each checks permission and scope, writes, and audits, atomically."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from fengqiao import taxonomy
from fengqiao.audit import services as audit
from fengqiao.org.models import AccessGrant, Assignment, Beat, Duty, Person, Role, Unit
from fengqiao.org.permissions import roles_of
from fengqiao.org.rules import DUTY_TARGETS, grantable_roles, periods_overlap
from fengqiao.org.scope import in_scope, scope_for
from fengqiao.phones import normalize_phone
from fengqiao.places.models import Building, Region
from fengqiao.privacy import mask_phone


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


# --- roles, access grants and accounts ---------------------------------------------------
#
# Nobody grants more than they hold: a role is handed out only by someone whose own role
# may grant it (rules.GRANTABLE_ROLES), never to oneself, and only to people inside one's
# jurisdiction; an access grant only opens places inside the actor's own jurisdiction.
# Someone who holds a role the actor could not have granted is above the actor's reach.


def grantable_roles_for(actor) -> frozenset[str]:
    """The role codes ``actor`` may grant or take back."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return frozenset()
    return grantable_roles(
        roles_of(actor), superuser=actor.is_superuser, all_roles=taxonomy.codes("role")
    )


def _role_labels(codes) -> str:
    return "、".join(taxonomy.label("role", code) for code in sorted(codes))


def _person_of_account(user) -> Person | None:
    return Person.objects.filter(user=user).prefetch_related("roles").first()


def reach_problem(actor, *, user=None, person: Person | None = None) -> str | None:
    """Why ``actor`` may not manage this account or person (None when they may): it is
    their own, a superuser's, or held by someone with a role the actor may not grant."""
    if user is None and person is not None and person.user_id:
        user = person.user
    if user is not None and user.pk == actor.pk:
        return _("不能修改自己的角色、数据权限或账号状态")
    if actor.is_superuser:
        return None
    if user is not None and user.is_superuser:
        return _("不能修改超级管理员")
    if person is None and user is not None:
        person = _person_of_account(user)
    held = set(person.roles.values_list("code", flat=True)) if person and person.pk else set()
    above = held - grantable_roles_for(actor)
    if above:
        return _("该人员持有您无权授予的角色（%(roles)s），您不能修改") % {
            "roles": _role_labels(above)
        }
    return None


def may_manage(actor, *, user=None, person: Person | None = None) -> bool:
    """Whether ``actor`` may change this account's or person's roles, grants and status."""
    return reach_problem(actor, user=user, person=person) is None


def check_roles_change(*, actor, person: Person, roles) -> tuple[list[str], list[str]]:
    """Every rule ``set_roles`` enforces, without writing; returns (old, new) role codes.

    Raises ValidationError on ``roles``: one's own roles, a person above the actor, or a
    role added or taken away that the actor may not grant.
    """
    new = sorted({getattr(role, "code", role) for role in roles})
    old = sorted(person.roles.values_list("code", flat=True)) if person.pk else []
    if old == new:
        return old, new
    unknown = set(new) - set(taxonomy.codes("role"))
    if unknown:
        raise ValidationError({"roles": _("未知的角色：%(roles)s") % {"roles": ", ".join(unknown)}})
    problem = reach_problem(actor, person=person)
    if problem:
        raise ValidationError({"roles": problem})
    refused = (set(old) ^ set(new)) - grantable_roles_for(actor)
    if refused:
        raise ValidationError(
            {"roles": _("您无权授予或撤销以下角色：%(roles)s") % {"roles": _role_labels(refused)}}
        )
    return old, new


def set_roles(*, actor, person: Person, roles) -> Person:
    """Give ``person`` exactly ``roles`` (codes or Role rows), audited with old and new.

    The actor needs ``org.change_person`` and the person in scope; the rules are those of
    ``check_roles_change``. An unchanged set writes nothing.
    """
    _ensure(actor, "org.change_person", person)
    with transaction.atomic():
        old, new = check_roles_change(actor=actor, person=person, roles=roles)
        if old == new:
            return person
        person.roles.set(Role.objects.filter(code__in=new))
        audit.record(
            actor=actor,
            action="org.roles_changed",
            obj=person,
            changes={"roles": {"old": old, "new": new}},
        )
    return person


def check_account_link(*, actor, person: Person, user) -> None:
    """Linking ``user`` to ``person`` (or unlinking, with None) hands that account the
    person's roles: only a person and an account the actor may manage, the account's access
    grants all inside the actor's jurisdiction."""
    problem = reach_problem(actor, person=person) or (
        reach_problem(actor, user=user) if user is not None else None
    )
    if problem:
        raise ValidationError({"user": problem})
    if (
        user is not None
        and not actor.is_superuser
        and any(
            not _covers(actor, region=grant.region, unit=grant.unit)
            for grant in user.access_grants.select_related("region", "unit")
        )
    ):
        raise ValidationError({"user": _("该账号有超出您辖区的数据权限，不能关联")})


def set_person_active(*, actor, person: Person, active: bool) -> Person:
    """Put a person on or off duty. Off duty ends their sign-ins at once: their API tokens
    and their sessions are deleted (and the login backend refuses them from then on)."""
    _ensure(actor, "org.change_person", person)
    problem = reach_problem(actor, person=person)
    if problem:
        raise ValidationError({"active": problem})
    with transaction.atomic():
        changed = Person.objects.filter(pk=person.pk, active=not active).update(active=active)
        person.active = active
        if not changed:
            return person
        ended = end_sign_ins(person.user) if person.user_id and not active else {}
        audit.record(
            actor=actor,
            action="org.person_activated" if active else "org.person_deactivated",
            obj=person,
            changes={"active": {"old": not active, "new": active}, **ended},
        )
    return person


def set_account_active(*, actor, user, active: bool):
    """Enable or disable a login account; disabling ends its sign-ins at once."""
    if actor is None or not actor.has_perm("auth.change_user"):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    person = _person_of_account(user)
    if not actor.is_superuser and (person is None or not in_scope(actor, person)):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    problem = reach_problem(actor, user=user, person=person)
    if problem:
        raise ValidationError({"is_active": problem})
    with transaction.atomic():
        changed = (
            get_user_model()
            .objects.filter(pk=user.pk, is_active=not active)
            .update(is_active=active)
        )
        user.is_active = active
        if not changed:
            return user
        ended = end_sign_ins(user) if not active else {}
        audit.record(
            actor=actor,
            action="org.account_enabled" if active else "org.account_disabled",
            obj=person if person is not None else user,
            changes={"is_active": {"old": not active, "new": active}, "user": user.pk, **ended},
        )
    return user


def end_sign_ins(user) -> dict:
    """Delete the user's API tokens and sessions; returns how many of each ended."""
    tokens, _by_model = Token.objects.filter(user=user).delete()
    return {"tokens_ended": tokens, "sessions_ended": _delete_sessions_of(user)}


def _delete_sessions_of(user) -> int:
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        # Cache or cookie sessions cannot be listed; the login backend refuses them instead.
        return 0
    sessions = store_class.get_model_class().objects.filter(expire_date__gt=timezone.now())
    user_id = str(user.pk)
    ended = 0
    # Session data is signed and compressed, so the owner is found by decoding each one.
    for key, data in sessions.values_list("session_key", "session_data").iterator(2000):
        store = store_class(session_key=key)
        if store.decode(data).get(SESSION_KEY) == user_id:
            store.delete(key)
            ended += 1
    return ended


def _covers(actor, *, region: Region | None, unit: Unit | None) -> bool:
    """Whether the actor's own jurisdiction already includes this region's or unit's subtree."""
    scope = scope_for(actor)
    if scope.everything:
        return True
    if region is not None:
        return scope.covers_region_path(region.path)
    if unit is not None:
        return any(unit.path.startswith(path) for path in scope.unit_paths)
    return False


def _grant_value(grant: AccessGrant | None) -> dict | None:
    if grant is None:
        return None
    return {
        "user": grant.user_id,
        "region": grant.region.code if grant.region_id else None,
        "unit": grant.unit.code if grant.unit_id else None,
    }


def check_grant(*, actor, user, region: Region | None, unit: Unit | None) -> None:
    """Every rule a grant obeys, without writing. Raises ValidationError by field: a grant
    to oneself, to a superuser or a person above the actor, to someone outside the actor's
    jurisdiction, or on a place outside it."""
    if user is None:
        raise ValidationError({"user": _("请选择账号")})
    problem = reach_problem(actor, user=user)
    if problem:
        raise ValidationError({"user": problem})
    person = _person_of_account(user)
    if not actor.is_superuser and (person is None or not in_scope(actor, person)):
        raise ValidationError({"user": _("只能给您辖区内的工作人员授予数据权限")})
    if (region is None) == (unit is None):
        raise ValidationError({"region": _("请选择一个区域或一个单位（二者选一）")})
    if not _covers(actor, region=region, unit=unit):
        field = "region" if region is not None else "unit"
        raise ValidationError({field: _("只能授予您自己辖区内的区域或单位")})


def grant_access(*, actor, user, region: Region | None = None, unit: Unit | None = None):
    """Open ``region``'s or ``unit``'s subtree to ``user``, audited. The actor needs
    ``org.add_accessgrant``; the rules are those of ``check_grant``."""
    _ensure(actor, "org.add_accessgrant")
    with transaction.atomic():
        check_grant(actor=actor, user=user, region=region, unit=unit)
        grant = AccessGrant(user=user, region=region, unit=unit)
        try:
            with transaction.atomic():
                grant.save()
        except IntegrityError as exc:
            raise ValidationError({"user": _("该账号已有这项数据权限")}) from exc
        audit.record(
            actor=actor,
            action="org.access_granted",
            obj=grant,
            changes={"grant": {"old": None, "new": _grant_value(grant)}},
        )
    return grant


def change_access(
    *, actor, grant: AccessGrant, region: Region | None = None, unit: Unit | None = None
):
    """Move a grant to another region or unit: the old place and the new one must both lie
    inside the actor's jurisdiction. The account it belongs to never changes."""
    _ensure(actor, "org.change_accessgrant", grant)
    with transaction.atomic():
        current = AccessGrant.objects.select_related("user", "region", "unit").get(pk=grant.pk)
        check_grant(actor=actor, user=current.user, region=current.region, unit=current.unit)
        check_grant(actor=actor, user=current.user, region=region, unit=unit)
        old = _grant_value(current)
        updated = AccessGrant.objects.filter(
            pk=current.pk, region=current.region_id, unit=current.unit_id
        )
        try:
            with transaction.atomic():
                changed = updated.update(region=region, unit=unit)
        except IntegrityError as exc:
            raise ValidationError({"user": _("该账号已有这项数据权限")}) from exc
        if not changed:
            raise ValidationError({"region": _("该数据权限刚刚已被他人修改，请刷新后重试")})
        grant.region, grant.unit = region, unit
        audit.record(
            actor=actor,
            action="org.access_changed",
            obj=grant,
            changes={"grant": {"old": old, "new": _grant_value(grant)}},
        )
    return grant


def revoke_access(*, actor, grant: AccessGrant) -> None:
    """Take a grant back, audited; not one's own, and only one the actor could have given."""
    _ensure(actor, "org.delete_accessgrant", grant)
    with transaction.atomic():
        check_grant(actor=actor, user=grant.user, region=grant.region, unit=grant.unit)
        audit.record(
            actor=actor,
            action="org.access_revoked",
            obj=grant,
            changes={"grant": {"old": _grant_value(grant), "new": None}},
        )
        grant.delete()


# --- the phone a person publishes on the buildings they look after --------------------------
#
# Only the person decides whether a number of theirs goes on the public building pages and
# posters: nobody, an administrator included, can publish a number for someone else. An
# administrator in scope may only take a published number down (a person who left the post,
# a wrong or abused number), with a reason; that can expose nothing.


def set_public_contact(*, actor, phone: str, person: Person | None = None) -> Person:
    """Publish ``phone`` (blank: withdraw it) as the actor's own public contact number.

    ``person``, when given, must be the actor's own profile; anyone else's is refused. The
    number is normalised (E.164) and may differ from the private one (a duty phone). The
    audit row names the old and new numbers masked. An unchanged number writes nothing.
    """
    own = Person.objects.filter(user=actor).first() if getattr(actor, "pk", None) else None
    if own is None or (person is not None and person.pk != own.pk):
        raise PermissionDenied(_("只有本人可以设置自己的公开联系方式"))
    try:
        new = normalize_phone(phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    return _change_public_phone(actor, own, new, action="org.public_contact_set")


def clear_public_contact(*, actor, person: Person, reason: str) -> Person:
    """Take ``person``'s published number down, for ``reason``. The actor needs
    ``org.change_person`` and the person in scope; clearing one's own is ``set_public_contact``."""
    _ensure(actor, "org.change_person", person)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("撤下他人的公开电话必须说明理由")})
    return _change_public_phone(
        actor, person, "", action="org.public_contact_cleared", reason=reason.strip()
    )


def _change_public_phone(actor, person: Person, new: str, *, action: str, **extra) -> Person:
    with transaction.atomic():
        old = Person.objects.filter(pk=person.pk).values_list("public_phone", flat=True).first()
        if old == new:
            person.public_phone = new
            return person
        if not Person.objects.filter(pk=person.pk, public_phone=old).update(public_phone=new):
            raise ValidationError({"phone": _("公开电话刚刚已被修改，请刷新后重试")})
        person.public_phone = new
        audit.record(
            actor=actor,
            action=action,
            obj=person,
            changes={"public_phone": {"old": mask_phone(old), "new": mask_phone(new)}, **extra},
        )
    return person
