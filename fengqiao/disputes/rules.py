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
    # Supervision (督办) and the case leader (包案领导) mark a case still being worked.
    "supervise": (ACTIVE_STATES, None),
    "name_leader": (ACTIVE_STATES, None),
    # Back to handling; the service sends it to the state it was verified from.
    "reject_verification": (frozenset({"verifying"}), None),
}

# --- who may do what, at which level: the transition table ------------------------------
#
# Each level has its own bodies. Level 1 is the community: building heads, grid workers,
# volunteers, property staff and the village's mediators, backed by the police of the place.
# Level 2 is the township: its people's mediation committee, the judicial office (司法所),
# the police station and the comprehensive-governance centre (综治中心). Level 3 is the
# county: the dispute-resolution centre (矛调中心), the court (诉调对接), professional
# mediators and lawyers, the procuratorate.
#
# A person acts at a level only from a posting at that level's tier: a mediator posted in a
# township works level 2, one posted at the county works level 3. The tier comes from the
# posting (``posting_tier``): a police station or police room, or a township, is the
# township tier; the county bureau, or a county (or higher) region, the county tier; a
# community, village or grid, the community tier.

COMMUNITY, TOWNSHIP, COUNTY = "community", "township", "county"
TIERS = (COMMUNITY, TOWNSHIP, COUNTY)
_UNIT_TIERS = {"police_room": TOWNSHIP, "station": TOWNSHIP, "bureau": COUNTY}
_REGION_TIERS = {
    "grid": COMMUNITY,
    "community": COMMUNITY,
    "township": TOWNSHIP,
    "county": COUNTY,
    "city": COUNTY,
    "province": COUNTY,
}

# Working the case: moving it along its path, recording mediation and visits (mediation's
# steps ask ``reach_agreement`` or ``regrade``), answering a supervision order.
WORK = frozenset(
    {
        "accept",
        "investigate",
        "start_mediation",
        "reach_agreement",
        "fail_mediation",
        "start_follow_up",
        "close",
        "request_verification",
        "reopen",
        "regrade",
        "pause",
        "resume",
        "withdraw",
        "answer_supervision",
    }
)
# Moving a case between levels, to another body, or merging it.
STEER = frozenset({"escalate", "de_escalate", "transfer", "merge", "reassign"})
# Checking a resolution before the case closes (待验证 -> 已验证 or 回退).
VERIFY = frozenset({"verify", "reject_verification"})
# Supervision (督办) and naming the leader who answers for a serious case (包案领导).
SUPERVISE = frozenset({"supervise", "close_supervision", "name_leader"})
EVERYTHING = WORK | STEER | VERIFY | SUPERVISE


@dataclass(frozen=True)
class Grant:
    """What a role may do at one level, from a posting at one of ``tiers``."""

    tiers: frozenset[str]
    actions: frozenset[str]


def _grant(tiers: set[str], actions: frozenset[str]) -> Grant:
    return Grant(frozenset(tiers), actions)


_GROUND = {1: _grant({COMMUNITY}, WORK)}
_SUPERVISOR = {level: _grant({TOWNSHIP, COUNTY}, EVERYTHING) for level in (1, 2, 3)}

# role -> level -> grant. A role or level missing here may do nothing there (it may still
# read the case, if its permissions say so).
LADDER: dict[str, dict[int, Grant]] = {
    "building_head": _GROUND,
    "volunteer": _GROUND,
    "property_staff": _GROUND,
    # Grid workers stay on a case the township takes up: they know the parties and visit.
    "grid_worker": {1: _grant({COMMUNITY}, WORK), 2: _grant({COMMUNITY}, WORK)},
    # The police of the place back up level 1 and are a level-2 body (the station); a case
    # that turns criminal is theirs to transfer at any level.
    "auxiliary_police": {
        1: _grant({COMMUNITY, TOWNSHIP}, WORK),
        2: _grant({COMMUNITY, TOWNSHIP}, WORK),
    },
    "community_police": {
        1: _grant({TOWNSHIP}, WORK | STEER),
        2: _grant({TOWNSHIP}, WORK | STEER),
        3: _grant({TOWNSHIP}, frozenset({"transfer"})),
    },
    # A village's mediators work level 1, a township committee's level 2, the county's
    # professional mediators level 3 (sending a case back down or on to court).
    "mediator": {
        1: _grant({COMMUNITY}, WORK),
        2: _grant({TOWNSHIP}, WORK | {"escalate"}),
        3: _grant({COUNTY}, WORK | {"de_escalate", "transfer"}),
    },
    # The judicial office guides the committees: it also checks their resolutions.
    "judicial_officer": {
        2: _grant({TOWNSHIP}, WORK | VERIFY | {"escalate"}),
        3: _grant({COUNTY}, WORK | VERIFY | {"de_escalate", "transfer"}),
    },
    "lawyer": {3: _grant({COUNTY}, WORK)},
    "court_officer": {3: _grant({COUNTY}, WORK | {"transfer"})},
    "procurator": {},  # reads the county's cases; acts through its own procedures
    "station_chief": _SUPERVISOR,
    "admin": {level: _grant(set(TIERS), EVERYTHING) for level in (1, 2, 3)},
    "analyst": {},
    "agency_staff": {},  # answers hand-offs, not cases
    "resident": {},
}
# Supervisors: the board, verification and supervision orders, at every level.
SUPERVISOR_ROLES = frozenset({"station_chief", "admin"})
# The bureau's analysts read the board and the watch list; they act on no case.
READ_BOARD_ROLES = SUPERVISOR_ROLES | {"analyst"}
# The police and supervisors: the watch list of 民转刑 risks is theirs.
STEERING_ROLES = frozenset({"community_police"}) | SUPERVISOR_ROLES
WATCH_ROLES = STEERING_ROLES | READ_BOARD_ROLES
STEERING_ACTIONS = STEER


def posting_tier(*, unit_kind: str | None, region_level: str | None) -> str | None:
    """The ladder's tier of a posting: a unit's kind decides, else the region's level."""
    if unit_kind:
        return _UNIT_TIERS.get(unit_kind)
    if region_level:
        return _REGION_TIERS.get(region_level)
    return None


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


# ``may_act``'s tier when the caller knows only the roles: the posting is not checked.
ANY_TIER = "*"


def may_act(
    roles: frozenset[str],
    action: str,
    *,
    level: int,
    is_handler: bool,
    tier: str | None = ANY_TIER,
) -> bool:
    """Whether someone with ``roles``, posted at ``tier``, may take ``action`` on a case at
    ``level`` (the table ``LADDER``).

    A handler may not verify the resolution of their own case. ``tier`` left as
    ``ANY_TIER`` skips the posting check; the services always pass the actor's
    (``services.may_take``), and so should anything that offers an action.
    """
    if action in VERIFY and is_handler:
        return False
    for role in roles:
        grant = LADDER.get(role, {}).get(level)
        if grant is None or action not in grant.actions:
            continue
        if tier == ANY_TIER or tier in grant.tiers or role == "admin":
            return True
    return False


def needs_verification(*, level: int, risk: str, supervised: bool) -> bool:
    """Whether closing the case waits for someone else to verify it (待验证): cases resolved
    at level 2 or 3, red cases and cases under supervision."""
    return level >= 2 or risk == "red" or supervised


# Where a transferred case goes (移送): the kind is recorded with the receiving body, so the
# figures count disputes that became criminal cases (民转刑) from a choice, not from words.
TRANSFER_KINDS = ("court", "criminal", "petition", "department")

# Points a supervision order's card costs the unit and the person held to account.
CARD_POINTS = {"none": 0, "yellow": 1, "red": 3}


def initial_level(risk: str) -> int:
    """Where a new case starts: red with the police (level 2), the rest on the ground."""
    return 2 if risk == "red" else 1


@dataclass(frozen=True)
class HandlerPlan:
    """Whom a level hands a case to: duties to look up on the place, and the nearest team of
    the first of ``team_kinds`` found above the place (its members join the handlers)."""

    duties: tuple[str, ...]
    team_kinds: tuple[str, ...] = ()


def handler_plan(level: int, *, has_building: bool) -> HandlerPlan:
    """Level 1: the building head (else the grid workers); level 2: the beat's community
    police and the township's people's mediation committee, with the grid workers; level 3:
    the county's dispute-resolution centre (where a county has none, the nearest mediation
    team)."""
    if level == 1:
        return HandlerPlan(("building_head", "grid_worker") if has_building else ("grid_worker",))
    if level == 2:
        return HandlerPlan(("community_police", "grid_worker"), team_kinds=("committee",))
    return HandlerPlan((), team_kinds=("dispute_centre", "mediation"))
