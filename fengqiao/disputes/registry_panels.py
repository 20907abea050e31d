"""The cases shown on a resident's and an address's registry page (see registry.panels)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.disputes.selectors import cases_for

SHOWN = 20


def _items(cases) -> list[tuple[str, str]]:
    return [
        (
            f"{case.reference} {case.title}（{case.get_state_display()}）",
            reverse("disputes:case", args=[case.reference]),
        )
        for case in cases.order_by("-received_at")[:SHOWN]
    ]


def cases_of_resident(user, resident) -> list[tuple[str, str]]:
    """Cases in the viewer's jurisdiction where the resident is a party."""
    if not user.has_perm("disputes.view_case"):
        return []
    return _items(cases_for(user).filter(parties__resident=resident).distinct())


def cases_at_address(user, address) -> list[tuple[str, str]]:
    if not user.has_perm("disputes.view_case"):
        return []
    return _items(cases_for(user).filter(std_address=address))


def register() -> None:
    from fengqiao.registry import panels

    panels.register("resident", _("矛盾纠纷"), cases_of_resident)
    panels.register("address", _("矛盾纠纷"), cases_at_address)
