"""The parties of a case, written by staff: added, corrected, and removed while nothing
refers to them yet.

Whoever works the case at its level may do this (``services.ensure_may(actor, case,
"regrade")``, the same right as linking cases); each write locks the case row by raising its
version, so a doubled request finds the first one's party; the timeline and the audit trail
say what changed, with the numbers masked (``party_fields.describe``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.disputes import party_fields, rules, services
from fengqiao.disputes.models import Case, Party

# The right asked of work on a case that leaves its state alone (see disputes.services).
WORKS_THE_CASE = "regrade"


def add_party(*, case: Case, actor, **values) -> Party:
    """Add a party to ``case`` (``values``: ``party_fields.FIELDS``, numbers in full).

    Refused on an ended case, and when the same party (role, kind, name and numbers) is
    already on it, so a form sent twice adds one party."""
    services.ensure_may(actor, case, WORKS_THE_CASE)
    clean = party_fields.checked(values)
    _ensure_open(case)
    with transaction.atomic():
        _lock(case)
        party = party_fields.new_party(case, **clean)
        twin = Party.objects.filter(
            case=case,
            role=party.role,
            kind=party.kind,
            name=party.name,
            id_hash=party.id_hash,
            phone_hash=party.phone_hash,
            credit_code=party.credit_code,
        ).exclude(pk=party.pk)
        if twin.exists():
            raise ValidationError({"name": _("%(name)s 已是本案当事人") % {"name": party.name}})
        payload = {"party": party.pk, "name": party.name, "role": party.role, "kind": party.kind}
        services.append_event(case, actor, "party_added", payload=payload)
        audit.record(
            actor=actor,
            action="disputes.party_added",
            obj=party,
            changes=party_fields.describe(party),
        )
    return party


def update_party(*, party: Party, actor, **values) -> Party:
    """Correct ``party`` with the fields given (the others kept). The timeline keeps what
    changed, before and after, numbers masked; a correction that changes nothing writes
    nothing (a form sent twice)."""
    case = party.case
    services.ensure_may(actor, case, WORKS_THE_CASE)
    _ensure_open(case)
    changes = party_fields.apply_changes(party, **values)
    if not changes:
        return party
    with transaction.atomic():
        _lock(case)
        party.save()
        payload = {"party": party.pk, "name": party.name, "changes": changes}
        services.append_event(case, actor, "party_corrected", payload=payload)
        audit.record(actor=actor, action="disputes.party_corrected", obj=party, changes=changes)
    return party


def remove_party(*, party: Party, actor, reason: str) -> None:
    """Remove a party entered by mistake, for a stated reason. Refused once an agreement
    names it (as a party, a signer or an obligor): correct it instead."""
    case = party.case
    services.ensure_may(actor, case, WORKS_THE_CASE)
    _ensure_open(case)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = _("请说明删除这位当事人的原因")
    if party.agreements.exists() or party.signatures.exists() or party.obligations.exists():
        errors["party"] = _("%(name)s 已列入调解协议，不能删除，只能更正") % {"name": party.name}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock(case)
        shown = party_fields.describe(party)
        pk = party.pk
        party.delete()
        payload = {"party": pk, "name": shown["name"], "role": shown["role"]}
        services.append_event(case, actor, "party_removed", note=reason, payload=payload)
        audit.record(
            actor=actor,
            action="disputes.party_removed",
            obj=case,
            changes={"party": pk, **shown, "reason": reason.strip()},
        )


def _ensure_open(case: Case) -> None:
    if case.state not in rules.TRANSITIONS[WORKS_THE_CASE][0]:
        raise ValidationError({"case": _("已结束的案件不能再登记或更正当事人")})


def _lock(case: Case) -> None:
    """Raise the case's version in one update: the row lock (PostgreSQL) or write lock
    (SQLite) orders two writers, and a page or client holding the old version reloads."""
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
    case.version += 1
