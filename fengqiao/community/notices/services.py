"""Every write of broadcasts and alerts, in one place to look. Each service lives with its
subject (``broadcasts``, ``alerts``); callers outside this package import them from here."""

from fengqiao.community.notices.alerts import (
    acknowledge_alert,
    close_alert,
    confirm_sighting,
    may_confirm_sightings,
    may_report_sighting,
    raise_alert,
    report_sighting,
)
from fengqiao.community.notices.broadcasts import (
    mark_broadcast_read,
    mark_receipts_read,
    send_broadcast,
)

__all__ = [
    "acknowledge_alert",
    "close_alert",
    "confirm_sighting",
    "mark_broadcast_read",
    "mark_receipts_read",
    "may_confirm_sightings",
    "may_report_sighting",
    "raise_alert",
    "report_sighting",
    "send_broadcast",
]
