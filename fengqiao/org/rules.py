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
