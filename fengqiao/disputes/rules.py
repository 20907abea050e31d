"""Pure decisions about cases: the legal moves, who may make them, which level handles what.

No database here: plain codes in, plain answers out.
"""

from __future__ import annotations

from dataclasses import dataclass

OPEN_STATES = frozenset({"received", "accepted", "investigating", "mediating", "failed"})
ENDED_STATES = frozenset({"closed", "transferred", "withdrawn", "merged"})
# Not ended: open, or settled and still followed up.
ACTIVE_STATES = OPEN_STATES | {"agreement", "follow_up", "verifying"}

# action -> (states it may start from, the state it leads to; None keeps the state)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "accept": (frozenset({"received"}), "accepted"),
    "investigate": (frozenset({"accepted"}), "investigating"),
    "start_mediation": (frozenset({"accepted", "investigating", "failed"}), "mediating"),
    "reach_agreement": (frozenset({"mediating"}), "agreement"),
    "fail_mediation": (frozenset({"mediating"}), "failed"),
    "start_follow_up": (frozenset({"agreement"}), "follow_up"),
    "close": (
        frozenset({"agreement", "follow_up", "failed", "accepted", "investigating"}),
        "closed",
    ),
    "escalate": (OPEN_STATES, None),
    "de_escalate": (OPEN_STATES, None),
    "reassign": (OPEN_STATES | {"agreement", "follow_up"}, None),
    "regrade": (OPEN_STATES | {"agreement", "follow_up"}, None),
    "pause": (OPEN_STATES, None),
    "resume": (OPEN_STATES, None),
    "transfer": (OPEN_STATES, "transferred"),
    "withdraw": (OPEN_STATES, "withdrawn"),
    "merge": (OPEN_STATES, "merged"),
    "reopen": (frozenset({"closed", "follow_up"}), "accepted"),
    # Verification (验证) before closing: cases resolved at level 2 or 3, red cases and
    # supervised cases are checked by someone other than their handler.
    "request_verification": (
        frozenset({"agreement", "follow_up", "failed", "accepted", "investigating"}),
        "verifying",
    ),
    "verify": (frozenset({"verifying"}), "closed"),
    # Back to handling; the service sends it to the state it was verified from.
    "reject_verification": (frozenset({"verifying"}), None),
}

# Roles that work cases at each level; station chiefs and administrators act at any level.
# The police of the place back up level 1 too: they supervise what the ground handles.
LEVEL_ROLES: dict[int, frozenset[str]] = {
    1: frozenset(
        {"building_head", "grid_worker", "volunteer", "property_staff"}
        | {"community_police", "auxiliary_police"}
    ),
    2: frozenset({"community_police", "auxiliary_police", "grid_worker"}),
    3: frozenset({"mediator", "lawyer", "judicial_officer", "court_officer", "procurator"}),
}
SUPERVISOR_ROLES = frozenset({"station_chief", "admin"})
# Moving a case between levels, to another body, or merging it: police and supervisors.
STEERING_ACTIONS = frozenset({"escalate", "de_escalate", "transfer", "merge", "reassign"})
STEERING_ROLES = frozenset({"community_police"}) | SUPERVISOR_ROLES


class TransitionError(ValueError):
    """An illegal move; the message says why in the user's language."""


def next_state(action: str, state: str) -> str:
    """The state ``action`` leads to from ``state``; raises TransitionError if illegal."""
    if action not in TRANSITIONS:
        raise TransitionError(f"unknown action {action!r}")
    sources, target = TRANSITIONS[action]
    if state not in sources:
        raise TransitionError(action)
    return target or state


def may_act(roles: frozenset[str], action: str, *, level: int, is_handler: bool) -> bool:
    """Whether someone with ``roles`` may take ``action`` on a case at ``level``.

    Supervisors may do anything in their jurisdiction. Steering a case (levels, transfer,
    merge, reassignment) is for police and supervisors. Everything else is for the case's
    handlers, or for anyone whose role works cases at the case's level.
    """
    if roles & SUPERVISOR_ROLES:
        return True
    if action in STEERING_ACTIONS:
        return bool(roles & STEERING_ROLES)
    return is_handler or bool(roles & LEVEL_ROLES.get(level, frozenset()))


def initial_level(risk: str) -> int:
    """Where a new case starts: red with the police (level 2), the rest on the ground."""
    return 2 if risk == "red" else 1


@dataclass(frozen=True)
class HandlerPlan:
    """Whom a level hands a case to: duties to look up on the place, or a mediation team."""

    duties: tuple[str, ...]
    mediation_team: bool = False


def handler_plan(level: int, *, has_building: bool) -> HandlerPlan:
    """Level 1: the building head (else the grid workers); level 2: the beat's community
    police with the grid workers; level 3: the station's mediation team."""
    if level == 1:
        return HandlerPlan(("building_head", "grid_worker") if has_building else ("grid_worker",))
    if level == 2:
        return HandlerPlan(("community_police", "grid_worker"))
    return HandlerPlan((), mediation_team=True)
