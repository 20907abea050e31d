"""Reads for broadcasts and alerts, scoped: staff see those of their jurisdiction, anyone an
alert went to sees that alert, an author sees their own broadcasts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from fengqiao.community.models import Alert, AlertRecipient, Broadcast, Group, Receipt, Sighting
from fengqiao.org.scope import scope_to
from fengqiao.places.map_svg import MapPoint, MapShape, SvgMap, draw
from fengqiao.places.models import Region

# Region levels a broadcast may address as a whole ("every group in this township").
BROADCAST_REGION_LEVELS = ("county", "township", "community", "grid")
# Margin around the points of an alert's map, in degrees (about 100 m).
MAP_MARGIN = 0.001


# --- broadcasts ----------------------------------------------------------------------------


def _count_of(queryset: QuerySet, field: str) -> Subquery:
    counted = queryset.order_by().values(field).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def broadcasts_for(user) -> QuerySet[Broadcast]:
    """Broadcasts in the user's jurisdiction (with ``community.view_broadcast``) and the
    user's own, newest first, each with ``read_count`` (its read receipts)."""
    condition = Q(author_id=user.pk)
    if user.has_perm("community.view_broadcast"):
        condition |= Q(pk__in=scope_to(user, Broadcast.objects.all()).values("pk"))
    read = Receipt.objects.filter(broadcast=OuterRef("pk"), read_at__isnull=False)
    return Broadcast.objects.filter(condition).annotate(read_count=_count_of(read, "broadcast"))


def get_broadcast_for(user, pk: int) -> Broadcast:
    broadcast = broadcasts_for(user).filter(pk=pk).first()
    if broadcast is None:
        raise Http404
    return broadcast


def reach_of(broadcast: Broadcast) -> dict:
    """Groups, members reached (receipts delivered), read and the read percentage: one query."""
    counts = Receipt.objects.filter(broadcast=broadcast).aggregate(
        delivered=Count("pk"), read=Count("read_at")
    )
    delivered, read = counts["delivered"], counts["read"]
    return {
        "groups": broadcast.group_count,
        "members": delivered,
        "delivered": delivered,
        "read": read,
        "read_pct": round(100 * read / delivered, 1) if delivered else 0.0,
    }


def reach_from_row(broadcast: Broadcast) -> dict:
    """The same summary from a row of ``broadcasts_for`` (no further query)."""
    delivered, read = broadcast.member_count, getattr(broadcast, "read_count", 0)
    return {
        "groups": broadcast.group_count,
        "members": delivered,
        "delivered": delivered,
        "read": read,
        "read_pct": round(100 * read / delivered, 1) if delivered else 0.0,
    }


def broadcast_groups_of(broadcast: Broadcast, *, limit: int = 100) -> list[Group]:
    return list(broadcast.groups.order_by("scope_path", "name").only("name", "level")[:limit])


def groups_to_broadcast(user) -> QuerySet[Group]:
    """The active groups the user may broadcast to."""
    return scope_to(user, Group.objects.filter(active=True)).only(
        "name", "level", "scope_path", "region_id"
    )


def regions_to_broadcast(user) -> QuerySet[Region]:
    return (
        scope_to(user, Region.objects.filter(level__in=BROADCAST_REGION_LEVELS))
        .defer("boundary")
        .order_by("path")
    )


# --- alerts --------------------------------------------------------------------------------


def alerts_for(user) -> QuerySet[Alert]:
    """Alerts the user may open: those of their jurisdiction (staff who may view alerts)
    and those sent to them; open ones first, each with acknowledgement and sighting counts."""
    condition = Q(pk__in=AlertRecipient.objects.filter(user_id=user.pk).values("alert_id"))
    if user.has_perm("community.view_alert"):
        condition |= Q(pk__in=scope_to(user, Alert.objects.all()).values("pk"))
    acknowledged = AlertRecipient.objects.filter(
        alert=OuterRef("pk"), acknowledged_at__isnull=False
    )
    sightings = Sighting.objects.filter(alert=OuterRef("pk"))
    return (
        Alert.objects.filter(condition)
        .annotate(
            acknowledged_count=_count_of(acknowledged, "alert"),
            sighting_count=_count_of(sightings, "alert"),
        )
        .order_by("-status", "-created_at", "-id")  # "open" sorts after "found"/"closed"
    )


def get_alert_for(user, pk: int) -> Alert:
    alert = alerts_for(user).filter(pk=pk).first()
    if alert is None:
        raise Http404
    return alert


def grids_for_alert(user) -> QuerySet[Region]:
    return (
        scope_to(user, Region.objects.filter(level="grid"))
        .select_related("parent")
        .defer("boundary", "parent__boundary")
        .order_by("path")
    )


def recipient_of(user, alert: Alert) -> AlertRecipient | None:
    return AlertRecipient.objects.filter(alert=alert, user_id=user.pk).first()


@dataclass
class AlertActivity:
    recipients: int
    acknowledged: list[AlertRecipient]
    sightings: list[Sighting]

    @property
    def acknowledged_count(self) -> int:
        return len(self.acknowledged)


def activity_of(alert: Alert, *, sightings_by=None) -> AlertActivity:
    """Who acknowledged (earliest first) and the sightings (latest first); three queries.
    ``sightings_by`` narrows the sightings to one reporter (what a resident sees)."""
    recipients = AlertRecipient.objects.filter(alert=alert)
    acknowledged = []
    if sightings_by is None:
        acknowledged = list(
            recipients.filter(acknowledged_at__isnull=False)
            .select_related("user__person")
            .order_by("acknowledged_at", "pk")
        )
    sightings = Sighting.objects.filter(alert=alert)
    if sightings_by is not None:
        sightings = sightings.filter(reporter=sightings_by)
    return AlertActivity(
        recipients=recipients.count(),
        acknowledged=acknowledged,
        sightings=list(sightings),
    )


@dataclass(frozen=True)
class AlertMapPoint:
    kind: str  # "last-seen" or "sighting"
    label: str
    x: float
    y: float


def alert_map(alert: Alert, sightings: list[Sighting]) -> tuple[SvgMap | None, list]:
    """The alert's grids with the last-seen point and the located sightings, as offline SVG.

    An invisible frame around the points keeps a point outside the grids on the map.
    """
    points: list[tuple[str, MapPoint]] = []
    if alert.lon is not None and alert.lat is not None:
        points.append(("last-seen", MapPoint(alert.last_seen_place or "", alert.lon, alert.lat)))
    for sighting in sightings:
        if sighting.lon is not None and sighting.lat is not None:
            label = sighting.place or sighting.text[:20]
            points.append(("sighting", MapPoint(label, sighting.lon, sighting.lat)))
    shapes = [
        MapShape(key=grid.code, label=grid.name, geometry=grid.boundary)
        for grid in alert.grids.only("code", "name", "boundary")
    ]
    if points:
        lons = [point.lon for _kind, point in points]
        lats = [point.lat for _kind, point in points]
        west, east = min(lons) - MAP_MARGIN, max(lons) + MAP_MARGIN
        south, north = min(lats) - MAP_MARGIN, max(lats) + MAP_MARGIN
        frame = {
            "type": "Polygon",
            "coordinates": [
                [[west, south], [east, south], [east, north], [west, north], [west, south]]
            ],
        }
        shapes.append(MapShape(key="frame", label="", geometry=frame, css_class="frame"))
    drawn = draw(shapes, [point for _kind, point in points])
    if drawn is None:
        return None, []
    marks = [
        AlertMapPoint(kind, point.label, at.x, at.y)
        for (kind, point), at in zip(points, drawn.points, strict=True)
    ]
    return drawn, marks
