"""Verification before closing (验证): a case resolved at level 2 or 3, a red case and a
supervised case wait in 待验证 once their handler closes them (``services.close_or_verify``);
someone other than the handler and the one who asked to close it then verifies it (已验证:
closed) or sends it back (回退) to the state it came from, with a reason.

Who may verify is the ladder's table (``rules.VERIFY``: station chiefs, the county, the
judicial office over its committees); never a handler of the case.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from fengqiao.disputes import services
from fengqiao.disputes.models import Case, CaseEvent

REQUESTED = "request_verification"


def verification_request(case: Case) -> CaseEvent | None:
    """The timeline entry that sent the case to 待验证 this time, or None."""
    if case.state != "verifying":
        return None
    return case.events.filter(kind=REQUESTED).order_by("-at", "-id").first()


def may_verify(actor, case: Case, action: str = "verify") -> bool:
    """Whether the actor may verify the case (or, ``action``, send it back) now: the table
    allows it, they are not its handler, and not the one who asked to close it."""
    if case.state != "verifying" or not services.may_take(actor, case, action):
        return False
    request = verification_request(case)
    return request is None or request.actor_id != actor.pk


def _ensure_may_verify(actor, case: Case, action: str) -> None:
    if actor is not None and any(p.user_id == actor.pk for p in case.handlers.all()):
        raise PermissionDenied(_("承办人不能验证自己办理的案件"))
    services.ensure_may(actor, case, action)
    request = verification_request(case)
    if request is not None and request.actor_id == actor.pk:
        raise PermissionDenied(_("提请结案的人不能验证同一个案件，请由其他人验证"))


def verify_case(*, case: Case, actor, note: str = "") -> Case:
    """已验证: the resolution is real, the case closes."""
    _ensure_may_verify(actor, case, "verify")
    return services.transition(case=case, actor=actor, action="verify", note=note)


def reject_verification(*, case: Case, actor, reason: str) -> Case:
    """回退: the resolution is not real yet; the case goes back to the state it was closed
    from (agreement, follow-up, failed ...), its handlers told why."""
    if not reason.strip():
        raise ValidationError({"reason": _("回退必须说明理由")})
    _ensure_may_verify(actor, case, "reject_verification")
    request = verification_request(case)
    back_to = request.from_state if request is not None and request.from_state else "accepted"
    case = services.transition(
        case=case,
        actor=actor,
        action="reject_verification",
        note=reason,
        payload={"back_to": back_to},
        changes={"state": back_to},
    )
    services.notify(
        list(case.handlers.all()),
        case,
        f"verification_rejected:{case.version}",
        _("%(ref)s 验证未通过，已回退：%(why)s") % {"ref": case.reference, "why": reason.strip()},
    )
    return case
