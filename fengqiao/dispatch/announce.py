"""Publish points of the dispatch pages: the services call this inside their transaction,
and ``fengqiao.live`` pushes it once it commits (push.py says who may follow which topic)."""

from __future__ import annotations

from fengqiao import live
from fengqiao.dispatch.models import Incident


def incident_changed(incident: Incident, *, previous_unit_id: int | None = None) -> None:
    """Publish that ``incident`` was opened or changed: to its station's boards and to the
    phones of the unit sent (and of the unit it was taken from)."""
    topics = [f"board:{incident.station_id}"] if incident.station_id else []
    units = {incident.unit_id, previous_unit_id} - {None}
    topics += [f"duty:{pk}" for pk in sorted(units)]
    live.publish_many([(topic, "changed", {"id": incident.pk}) for topic in topics])
