"""Evaluation on a phone: the station chief opens the police rooms' ranking and a room's
parts; the bureau's analyst confirms a flag on it with a note on the flags page, and the
room's score drops by the flag's points, below the line: a laggard. No console errors, and
no page wider than the phone (the tables scroll inside their box)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fengqiao.analytics import facts
from fengqiao.analytics.models import Flag
from tests.analytics import gaming_cases as g
from tests.browser.conftest import PHONE, screenshot_dir

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


@pytest.fixture
def rooms(world):
    room_a, room_b = g.police_rooms(world)
    g.rate(g.settled_case(world), 3)
    g.rate(g.settled_case(world, building=world.building_b1), 5)
    facts.rebuild()
    flag = Flag.objects.create(
        kind=Flag.Kind.QUICK_CLOSE,
        key="journey:1",
        unit=room_a,
        scope_path=world.grid_a1.path,
        period_day=timezone.localdate(),
        evidence={"minutes": 2.0, "threshold_minutes": 10},
        case_refs=[],
    )
    return room_a, room_b, flag


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"{page.url} is {width} px wide"


def test_the_chief_reads_the_ranking_and_the_analyst_confirms_a_flag(
    world, rooms, logged_in_page, page_errors, tmp_path
):
    room_a, room_b, flag = rooms
    shots = screenshot_dir(tmp_path)
    page = logged_in_page(world.chief)
    page.goto("/figures/evaluation/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("警务室星级评定")
    expect(page.locator(f"#unit-{room_a.code}")).to_contain_text("64.7")
    page.get_by_text(f"{room_a.name}的得分明细").click()
    expect(page.get_by_role("cell", name="满意率")).to_be_visible()
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "evaluation-chief.png"), full_page=True)

    page.context.clear_cookies()
    page = logged_in_page(g.analyst(world))
    page.goto("/figures/flags/")
    card = page.locator(f"#flag-{flag.pk}")
    expect(card).to_contain_text("立案后数分钟即结案")
    card.get_by_label("核实说明（必填）").fill("抽查回访，当事人称未经调解")
    card.get_by_role("button", name="确认属实").click()
    expect(page.locator(".messages")).to_contain_text("已确认")
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "flags-analyst.png"), full_page=True)

    page.goto("/figures/evaluation/")
    row = page.locator(f"#unit-{room_a.code}")
    expect(row).to_contain_text("−5")
    expect(row).to_contain_text("59.7")
    expect(page.locator("tr.laggard")).to_have_count(1)
    expect(row).to_contain_text("后进")
    assert not page_errors, page_errors
