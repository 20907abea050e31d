"""Pure decisions about responsibility: which duty goes with which kind of place."""

from __future__ import annotations

import datetime as dt

# duty -> (kind of place it is assigned on, whether only one person may hold it at a time)
DUTY_TARGETS: dict[str, tuple[str, bool]] = {
    "community_police": ("beat", True),
    "auxiliary_police": ("village", True),
    "grid_worker": ("grid", False),
    "building_head": ("building", True),
}


def periods_overlap(
    start_a: dt.date, end_a: dt.date | None, start_b: dt.date, end_b: dt.date | None
) -> bool:
    """Two inclusive date ranges (None = open-ended) share at least one day."""
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


def active_on(starts_on: dt.date, ends_on: dt.date | None, day: dt.date) -> bool:
    return starts_on <= day and (ends_on is None or day <= ends_on)


# Which roles the holder of a role may hand out (and take back). A role is never grantable
# by its own holders, so nobody can appoint a peer or raise anyone to their own level; only
# a superuser appoints administrators.
STATION_GRANTABLE_ROLES = frozenset(
    {
        "resident",
        "building_head",
        "grid_worker",
        "volunteer",
        "property_staff",
        "auxiliary_police",
        "community_police",
    }
)
GRANTABLE_ROLES: dict[str, frozenset[str]] = {
    "station_chief": STATION_GRANTABLE_ROLES,
    "admin": frozenset(
        STATION_GRANTABLE_ROLES
        | {
            "mediator",
            "lawyer",
            "judicial_officer",
            "court_officer",
            "procurator",
            "station_chief",
            "analyst",
        }
    ),
}


def grantable_roles(actor_roles: frozenset[str], *, superuser: bool, all_roles) -> frozenset[str]:
    """The roles someone holding ``actor_roles`` may grant or take back."""
    if superuser:
        return frozenset(all_roles)
    granted: set[str] = set()
    for role in actor_roles:
        granted |= GRANTABLE_ROLES.get(role, frozenset())
    return frozenset(granted)
