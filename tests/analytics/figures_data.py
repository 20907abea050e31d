"""A small set of cases for the figures pages, shared by the page tests and the browser
journey: township A has three cases this year (one resolved, one red and open, one open)
in two grids and a police room over its village; township B has one case."""

from __future__ import annotations

from dataclasses import dataclass

from fengqiao.analytics import facts
from fengqiao.disputes import services as disputes
from fengqiao.intake import services as intake
from fengqiao.places.models import Region
from tests.conftest import _staff
from tests.factories import UnitFactory


@dataclass
class FiguresData:
    analyst: object
    room_a: object
    resolved: object
    red: object
    open: object
    case_b: object

    @property
    def township_a_cases(self) -> list:
        return [self.resolved, self.red, self.open]


def make_case(world, grid, *, risk="yellow", close=False, title="两户为楼道堆物争吵"):
    case = intake.submit_report(
        actor=world.county_admin,
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk=risk,
        text=title,
        grid_code=grid.code,
        reporter_name="报事人",
    ).report.case
    if close:
        disputes.accept_case(case=case, actor=world.county_admin)
        disputes.transition(case=case, actor=world.county_admin, action="close", note="和解")
        if case.state == "verifying":
            disputes.transition(case=case, actor=world.county_admin, action="verify")
    return case


def make_figures_data(world) -> FiguresData:
    analyst, _person = _staff("analyst", ["analyst"], unit=world.bureau, grant_unit=world.bureau)
    room_a = UnitFactory(
        code="U3306990101",
        name="甲村警务室",
        kind="police_room",
        parent=world.station_a,
        jurisdiction=world.community_a,
    )
    # Residents, so reports per 10,000 have a denominator.
    Region.objects.filter(pk=world.grid_a1.pk).update(population=4000)
    Region.objects.filter(pk=world.grid_a2.pk).update(population=2000)
    data = FiguresData(
        analyst=analyst,
        room_a=room_a,
        resolved=make_case(world, world.grid_a1, close=True, title="甲村楼道堆物已调解"),
        red=make_case(world, world.grid_a1, risk="red", title="甲村宅基地纠纷持刀威胁"),
        open=make_case(world, world.grid_a2, title="甲村二网格噪音扰民"),
        case_b=make_case(world, world.grid_b1, title="乙社区停车位争执"),
    )
    facts.rebuild()
    return data
