"""Key populations under care: enrolling a resident, visiting them, ending the care."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import taxonomy
from fengqiao.audit import services as audit
from fengqiao.idempotency import sender_of, stored_key
from fengqiao.registry import checks, rules
from fengqiao.registry.models import CareVisit, KeyPerson, Resident
from fengqiao.registry.services import ensure_can

CARE_VISIT_KEY_CHANNEL = "care_visit"
SENSITIVE_KINDS = frozenset(
    entry["code"] for entry in taxonomy.entries("key_population") if entry.get("sensitive")
)
SEE_SENSITIVE = "registry.view_sensitive_population"
FINDING_MIN = 5


def ensure_may_see(actor, kind: str) -> None:
    """Medical, minor and domestic-violence records need their own permission."""
    if kind in SENSITIVE_KINDS and not actor.has_perm(SEE_SENSITIVE):
        raise PermissionDenied(_("没有查看该类敏感人群的权限"))


def enrol_key_person(
    *,
    actor,
    resident: Resident,
    kind: str,
    care_level: int = KeyPerson.CareLevel.REGULAR,
    officer=None,
    since: dt.date | None = None,
    note: str = "",
) -> KeyPerson:
    """Put a resident under care; the first visit falls due one interval after ``since``."""
    ensure_can(actor, "registry.add_keyperson", resident)
    errors: dict[str, list[str]] = {}
    if kind not in taxonomy.codes("key_population"):
        errors["kind"] = [_("未知的重点人群类别")]
    else:
        ensure_may_see(actor, kind)
    if care_level not in rules.VISIT_EVERY_DAYS:
        errors["care_level"] = [_("关注等级应为一级、二级或三级")]
    try:
        since = checks.date(since, label=_("纳入日期")) or timezone.localdate()
    except ValidationError as error:
        errors["since"] = error.messages
    already = _("此人已在该类重点人群中")
    if not errors and KeyPerson.objects.filter(resident=resident, kind=kind, active=True).exists():
        errors["kind"] = [already]
    if errors:
        raise ValidationError(errors)
    every = rules.VISIT_EVERY_DAYS[care_level]
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = KeyPerson.objects.create(
                    resident=resident,
                    kind=kind,
                    sensitive=kind in SENSITIVE_KINDS,
                    care_level=care_level,
                    visit_every_days=every,
                    officer=officer,
                    since=since,
                    next_visit_due=rules.next_visit(since, every),
                    note=note.strip()[:200],
                    scope_path=resident.scope_path,
                )
        except IntegrityError:
            # Enrolled by someone else at the same moment.
            raise ValidationError({"kind": [already]}) from None
        audit.record(
            actor=actor, action="registry.key_person.enrolled", obj=record, changes={"kind": kind}
        )
    return record


def record_care_visit(
    *,
    actor,
    key_person: KeyPerson,
    visited_on=None,
    method: str,
    finding: str,
    client_key: str | None = None,
) -> CareVisit:
    """Record a visit; the next one falls due one interval after it. The same
    ``client_key`` from the same person returns their first visit unchanged, so a retry
    (a form queued without a signal and sent again) adds nothing."""
    ensure_can(actor, "registry.add_carevisit", key_person)
    ensure_may_see(actor, key_person.kind)
    key = stored_key(key=client_key, sender=sender_of(actor), channel=CARE_VISIT_KEY_CHANNEL)
    if key:
        existing = CareVisit.objects.filter(client_key=key, key_person=key_person).first()
        if existing is not None:
            return existing
    errors: dict[str, list[str]] = {}
    if method not in CareVisit.Method.values:
        errors["method"] = [_("请选择走访方式")]
    finding = (finding or "").strip()
    if len(finding) < FINDING_MIN:
        errors["finding"] = [_("请写下走访情况（至少 5 个字）")]
    try:
        visited_on = checks.date(visited_on, label=_("走访日期")) or timezone.localdate()
    except ValidationError as error:
        errors["visited_on"] = error.messages
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            visit = CareVisit.objects.create(
                key_person=key_person,
                visited_on=visited_on,
                method=method,
                finding=finding[:2000],
                visitor=actor,
                visitor_name=actor.get_full_name() or actor.get_username(),
                client_key=key,
            )
            if key_person.last_visit_on is None or visited_on >= key_person.last_visit_on:
                key_person.last_visit_on = visited_on
                key_person.next_visit_due = rules.next_visit(
                    visited_on, key_person.visit_every_days
                )
                key_person.save(update_fields=["last_visit_on", "next_visit_due"])
            audit.record(actor=actor, action="registry.care_visit.recorded", obj=key_person)
    except IntegrityError:
        if not key:
            raise
        # Two copies of the same form raced; the first one stored is the answer.
        return CareVisit.objects.get(client_key=key)
    return visit


def end_care(*, actor, key_person: KeyPerson, reason: str) -> KeyPerson:
    ensure_can(actor, "registry.change_keyperson", key_person)
    ensure_may_see(actor, key_person.kind)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请写明解除关注的原因")})
    with transaction.atomic():
        key_person.active = False
        key_person.save(update_fields=["active"])
        audit.record(
            actor=actor,
            action="registry.key_person.ended",
            obj=key_person,
            changes={"reason": reason.strip()[:200]},
        )
    return key_person
