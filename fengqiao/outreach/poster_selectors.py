"""The scoped reads behind the building posters (/outreach/posters/): the places a member of
staff may print for, and the buildings of one of them. Out of scope and missing answer 404
alike (``get_for``)."""

from __future__ import annotations

from django.db.models import QuerySet

from fengqiao.org.scope import get_for, scope_to
from fengqiao.places.models import Building, Region, subtree_q

# The places a batch is chosen by: a township, a village (community) or one grid.
POSTER_LEVELS = ("township", "community", "grid")
MAX_CHOICES = 500


def poster_places_for(user) -> QuerySet[Region]:
    """The townships, villages and grids in the user's jurisdiction, in tree order."""
    return scope_to(
        user,
        Region.objects.filter(level__in=POSTER_LEVELS).only("code", "name", "level", "depth"),
    ).order_by("path")[:MAX_CHOICES]


def poster_region_for(user, code: str) -> Region:
    """The township, village or grid with this code in the user's jurisdiction, else 404."""
    return get_for(
        user, Region.objects.filter(level__in=POSTER_LEVELS).defer("boundary"), code=code
    )


def poster_building_for(user, code: str) -> Building:
    """The building with this code in the user's jurisdiction, else 404."""
    return get_for(user, Building.objects.select_related("grid").defer("grid__boundary"), code=code)


def buildings_under(user, region: Region) -> QuerySet[Building]:
    """The buildings under ``region`` inside the user's jurisdiction, by grid and code."""
    return scope_to(
        user,
        Building.objects.filter(subtree_q(region.path, "grid__path"))
        .select_related("grid")
        .defer("grid__boundary"),
    ).order_by("grid__path", "code")
