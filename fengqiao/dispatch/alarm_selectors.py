"""The reads behind the residents' alarm doors (the alarm page, its status page, the kiosk).

Unscoped on purpose (``published()``), like intake's public place picker: a resident
raising an alarm has no jurisdiction. Building names and codes are public (they are on the
buildings), and an alarm's status is shown only to whoever holds its report's tracking
code.
"""

from __future__ import annotations

from django.db.models import QuerySet

from fengqiao.dispatch.models import Incident
from fengqiao.places.models import Building

MAX_CODE_CHARS = 40
# The channels raise_alarm takes: the doors a resident's alarm comes through.
ALARM_DOORS = ("one_click_alarm", "kiosk")


def public_building(code: str) -> Building | None:
    """The building with this code (a kiosk's place, a resident's building), or None."""
    code = (code or "").strip()
    if not code or len(code) > MAX_CODE_CHARS:
        return None
    return Building.objects.published().select_related("grid").filter(code=code).first()


def public_buildings(grid_code: str) -> QuerySet[Building]:
    """The buildings of a grid, by name, for the "我所在的楼栋" picker."""
    grid_code = (grid_code or "").strip()
    if not grid_code:
        return Building.objects.none()
    return (
        Building.objects.published()
        .filter(grid__code=grid_code, grid__level="grid")
        .only("code", "name")
        .order_by("name", "code")
    )


def alarm_by_tracking_code(code: str) -> Incident | None:
    """The one-click or kiosk alarm whose report has this tracking code, or None (a report
    that is no alarm, or a 110 transfer, has no alarm status page)."""
    code = (code or "").strip().upper()
    if not code:
        return None
    return (
        Incident.objects.published()
        .select_related("report", "building", "grid")
        .filter(report__tracking_code=code, from_110=False, channel__in=ALARM_DOORS)
        .first()
    )
