"""Reads for broadcasts and alerts, scoped: staff see those of their jurisdiction, anyone an
alert went to sees that alert, an author sees their own broadcasts."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from fengqiao.community.models import Alert, AlertRecipient, Broadcast, Group, Receipt, Sighting
from fengqiao.org.scope import scope_to
from fengqiao.places.map_svg import MapPoint, MapShape, SvgMap, draw
from fengqiao.places.models import Region, ancestor_paths, subtree_q

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


# --- the target picker ---------------------------------------------------------------------


@dataclass
class PickGroup:
    pk: int
    name: str
    level: str
    members: int
    checked: bool = False


@dataclass
class PickCommunity:
    pk: int | None  # None: the groups whose community is not on record
    name: str
    groups: list[PickGroup] = field(default_factory=list)

    @property
    def all_checked(self) -> bool:
        return bool(self.groups) and all(group.checked for group in self.groups)


@dataclass
class PickTownship:
    pk: int | None
    name: str
    communities: list[PickCommunity] = field(default_factory=list)

    @property
    def groups(self) -> list[PickGroup]:
        return [group for community in self.communities for group in community.groups]

    @property
    def chosen_count(self) -> int:
        return sum(group.checked for group in self.groups)


@dataclass
class TargetTree:
    townships: list[PickTownship]

    @property
    def groups(self) -> list[PickGroup]:
        return [group for township in self.townships for group in township.groups]

    @property
    def chosen_groups(self) -> int:
        return sum(group.checked for group in self.groups)

    @property
    def chosen_members(self) -> int:
        return sum(group.members for group in self.groups if group.checked)


def target_tree(user, *, chosen=(), chosen_regions=()) -> TargetTree:
    """The active groups the user may send to, by township → community, each with its
    active member count; the ``chosen`` group ids and every group of the ``chosen_regions``
    communities are checked. Two queries."""
    chosen_ids = {str(pk) for pk in chosen}
    whole = {str(pk) for pk in chosen_regions}
    active = Q(members__removed_at__isnull=True)
    rows = list(
        scope_to(user, Group.objects.filter(active=True))
        .annotate(member_count=Count("members", filter=active))
        .order_by("scope_path", "level", "name")
        .values_list("pk", "name", "level", "scope_path", "member_count")
    )
    paths = {ancestor for row in rows for ancestor in ancestor_paths(row[3])}
    places = {
        region.path: region
        for region in Region.objects.filter(path__in=paths, level__in=("township", "community"))
        .only("pk", "name", "path", "level")
        .order_by("path")
    }
    townships: dict[object, PickTownship] = {}
    communities: dict[object, PickCommunity] = {}
    levels = dict(Group.Level.choices)
    for pk, name, level, path, members in rows:
        township = community = None
        for ancestor in ancestor_paths(path):
            region = places.get(ancestor)
            if region is not None and region.level == "township":
                township = region
            elif region is not None and region.level == "community":
                community = region
        town_key = township.pk if township else None
        if town_key not in townships:
            townships[town_key] = PickTownship(
                town_key, township.name if township else str(_("其他"))
            )
        community_key = (town_key, community.pk if community else None)
        if community_key not in communities:
            communities[community_key] = PickCommunity(
                community.pk if community else None,
                community.name if community else str(_("未分社区的群")),
            )
            townships[town_key].communities.append(communities[community_key])
        communities[community_key].groups.append(
            PickGroup(
                pk,
                _("%(name)s（%(level)s）") % {"name": name, "level": levels.get(level, level)},
                level,
                members,
                str(pk) in chosen_ids or (community is not None and str(community.pk) in whole),
            )
        )
    return TargetTree(list(townships.values()))


def township_group_ids(user, township_pk) -> list[int]:
    """The active in-scope groups under one township: what "全选本镇" picks."""
    try:
        pk = int(township_pk)
    except (TypeError, ValueError):
        return []
    township = Region.objects.filter(pk=pk, level="township").only("path").first()
    if township is None:
        return []
    return list(
        scope_to(user, Group.objects.filter(active=True))
        .filter(subtree_q(township.path, "scope_path"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def target_map(tree: TargetTree) -> SvgMap | None:
    """The picker's communities as offline SVG (from their boundaries on record), each
    shape keyed by the community's id so a tap toggles it; None when none has a boundary."""
    ids = [c.pk for t in tree.townships for c in t.communities if c.pk is not None]
    if not ids:
        return None
    shapes = [
        MapShape(key=str(region.pk), label=region.name, geometry=region.boundary, css_class="pick")
        for region in Region.objects.filter(pk__in=ids, boundary__isnull=False)
        .only("pk", "name", "boundary")
        .order_by("path")
    ]
    return draw(shapes, shows="areas") if shapes else None


# --- alerts inside a group's messages ------------------------------------------------------


def alert_ids_open_to(user, alert_ids) -> set[int]:
    """Those of ``alert_ids`` the user may open (its page, its photo): one query. A group's
    alert card shows no more than the alert's page would."""
    ids = {pk for pk in alert_ids if pk}
    if not ids:
        return set()
    return set(alerts_for(user).filter(pk__in=ids).values_list("pk", flat=True))
