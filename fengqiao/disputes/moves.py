"""Which moves to offer: whether a user may make one now, asked as its service asks. The case
page's buttons and the API's ``allowed_actions`` both read this, so they never disagree.

Reads only; the services still decide (and refuse) when a move is made.
"""

from __future__ import annotations

from fengqiao.disputes import rules, services, supervision, verification
from fengqiao.disputes.models import Case

# Moves on one of the case's supervision orders: offered while an order waits for them.
ORDER_ACTIONS = frozenset({"answer_supervision", "close_supervision"})


def possible_now(case: Case, action: str) -> bool:
    """Whether the case's state (and level, and clock) allows ``action`` at all."""
    if case.state not in rules.TRANSITIONS[action][0]:
        return False
    return {
        "escalate": case.level < 3,
        "de_escalate": case.level > 1,
        "pause": case.paused_since is None,
        "resume": case.paused_since is not None,
    }.get(action, True)


def may_now(user, case: Case, action: str) -> bool:
    """Whether ``user`` may make ``action`` on ``case`` now (handlers and orders prefetched
    where the caller shows many)."""
    if action in ORDER_ACTIONS:
        orders = case.supervisions.all()
        if action == "answer_supervision":
            return any(
                o.answered_at is None and o.closed_at is None and supervision.may_answer(user, o)
                for o in orders
            )
        return services.may_take(user, case, action) and any(
            o.answered_at is not None and o.closed_at is None for o in orders
        )
    if not possible_now(case, action):
        return False
    if action in rules.VERIFY:
        return verification.may_verify(user, case, action)
    return services.may_take(user, case, action)
