"""The target and period picker of the figures pages (服务群众, 出警时间): the user's whole
area, then each station in it, and this month, quarter or year, each a link to the same page
(``url(target, period)``) that keeps the other choice. Shown by ``analytics/_picker.html``."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from fengqiao.analytics import dashboard
from fengqiao.analytics.dashboard import target_query
from fengqiao.analytics.indicators import Period, Target, home_region
from fengqiao.org.models import Unit

PageUrl = Callable[[Target, Period], str]


def target_choices(
    user, target: Target, period: Period, url: PageUrl
) -> list[tuple[str, str, bool]]:
    """(label, link, chosen) for the user's whole area, then each station in it, keeping the
    period."""
    home = Target(region=home_region(user))
    stations = Unit.objects.for_user(user).filter(kind=Unit.Kind.STATION)
    targets = [home] + [
        Target(unit=unit) for unit in stations.select_related("jurisdiction").order_by("path")
    ]
    current = target_query(target)
    return [
        (_("全辖区") if t is home else t.label, url(t, period), target_query(t) == current)
        for t in targets
    ]


def quick_periods(target: Target, period: Period, url: PageUrl) -> list[tuple[str, str, str, bool]]:
    """(key, label, link, chosen) for this month, quarter and year, keeping the target."""
    return [
        (key, label, url(target, quick), quick == period)
        for key, label, quick in dashboard.quick_periods()
    ]
