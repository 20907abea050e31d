"""The reports shown on a resident's and an address's registry page (see registry.panels)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.intake.selectors import reports_for

SHOWN = 20


def _items(reports) -> list[tuple[str, str]]:
    return [
        (
            f"{report.tracking_code} {report.get_kind_display()}（{report.get_status_display()}）",
            reverse("intake:detail", args=[report.tracking_code]),
        )
        for report in reports.order_by("-created_at")[:SHOWN]
    ]


def reports_by_resident(user, resident) -> list[tuple[str, str]]:
    """Reports in the viewer's jurisdiction made from the resident's phone."""
    if not user.has_perm("intake.view_report"):
        return []
    return _items(reports_for(user).filter(reporter_resident=resident))


def reports_at_address(user, address) -> list[tuple[str, str]]:
    if not user.has_perm("intake.view_report"):
        return []
    return _items(reports_for(user).filter(std_address=address))


def register() -> None:
    from fengqiao.registry import panels

    panels.register("resident", _("群众反映"), reports_by_resident)
    panels.register("address", _("群众反映"), reports_at_address)
