"""A case opened straight at a level in township A's first grid, for the ladder's tests."""

from __future__ import annotations

from fengqiao.disputes import services
from fengqiao.disputes.models import Case
from fengqiao.places.models import Region
from tests.conftest import staff_user


def case_at(level: int, *, risk: str = "yellow", title: str = "邻里纠纷") -> Case:
    return services.open_case(
        actor=staff_user(),
        title=title,
        narrative="双方争执，需要调解",
        category="neighbourhood",
        risk=risk,
        channel="walk_in",
        grid=Region.objects.get(code="330699001001G01"),
        level=level,
    )
