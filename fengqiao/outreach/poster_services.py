"""Printing the building posters: the one write is the audit row saying who printed which
buildings' posters (the posters carry staff names and published phones)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.audit import services as audit
from fengqiao.org.scope import in_scope
from fengqiao.outreach import building_selectors, poster_pdf, poster_selectors
from fengqiao.places.models import Building, Region

PRINT_POSTERS = "places.view_building"
MAX_BUILDINGS = 500


def max_buildings() -> int:
    """The most buildings one batch prints (``FENGQIAO_POSTER_MAX_BUILDINGS``, default 500)."""
    return int(getattr(settings, "FENGQIAO_POSTER_MAX_BUILDINGS", MAX_BUILDINGS))


def print_posters(
    *,
    actor,
    url_for: Callable[[str], str],
    region: Region | None = None,
    building: Building | None = None,
) -> tuple[bytes, int]:
    """The posters of ``building``, or of every building under ``region`` (a township,
    village or grid) in the actor's jurisdiction, as one PDF; returns (pdf, pages).

    The actor needs ``places.view_building`` and the place in scope. A batch over
    ``max_buildings()`` is refused (choose a village or a grid), and so is a place with no
    buildings. Audited with the place and how many buildings were printed.
    """
    if actor is None or not actor.has_perm(PRINT_POSTERS):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    place = building if building is not None else region
    if place is None:
        raise ValidationError({"region": _("请选择村（社区）、网格或一个楼栋")})
    if not in_scope(actor, place):
        raise PermissionDenied(_("您没有执行此操作的权限"))
    if building is not None:
        buildings = [building]
    else:
        limit = max_buildings()
        buildings = list(poster_selectors.buildings_under(actor, region)[: limit + 1])
        if len(buildings) > limit:
            raise ValidationError(
                {
                    "region": _(
                        "%(name)s 的楼栋超过 %(limit)s 栋，一次打印不了："
                        "请选择其下的村（社区）或网格分批打印"
                    )
                    % {"name": region.name, "limit": limit}
                }
            )
        if not buildings:
            raise ValidationError({"region": _("%(name)s 还没有登记楼栋") % {"name": region.name}})
    pdf = poster_pdf.posters_pdf(building_selectors.guardians_for(buildings), url_for)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="outreach.posters_printed",
            obj=place,
            changes={
                "place": getattr(place, "code", ""),
                "buildings": len(buildings),
            },
        )
    return pdf, len(buildings)
