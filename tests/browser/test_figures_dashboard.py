"""The figures dashboard on a phone (issue 16's "done when"): the analyst and the station chief
each open 统计分析 from the menu and see the charts drawn (ECharts' SVG inside every chart box),
the heat map's grids filled with colour, and the laggard police room; a card's figure opens
the cases behind it. No console errors (the CSP allows no inline script), and no page is
wider than the phone."""

from __future__ import annotations

import pytest

from fengqiao.analytics.indicators import DEFINITIONS
from tests.analytics.figures_data import make_figures_data
from tests.browser.conftest import PHONE, screenshot_dir

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


@pytest.fixture
def data(world):
    return make_figures_data(world)


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"{page.url} is {width} px wide"


def _open_figures(page) -> None:
    page.locator("nav.mainnav").get_by_role("link", name="统计分析").click()
    page.wait_for_url("**/figures/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("统计分析")


def _charts_are_drawn(page) -> None:
    """Every chart box holds the SVG ECharts drew; every card its sparkline."""
    for box in ("#trend-chart", "#regions-chart"):
        expect(page.locator(f"{box} svg").first).to_be_attached()
    expect(page.locator(".spark svg")).to_have_count(len(DEFINITIONS))
    drawn = page.locator("#trend-chart svg path").count()
    assert drawn > 0, "the trend chart's SVG is empty"


def _heat_map_is_filled(page) -> None:
    shapes = page.locator("figure.heatmap svg path.heat")
    expect(shapes.first).to_be_visible()
    fills = {
        shapes.nth(i).evaluate("shape => getComputedStyle(shape).fill")
        for i in range(shapes.count())
    }
    assert fills and not fills & {"rgb(0, 0, 0)", "none"}, fills
    expect(page.locator("figure.heatmap .legend li").first).to_be_visible()


def _laggards_listed(page, room) -> None:
    section = page.locator("section", has=page.get_by_role("heading", name="后进警务室"))
    expect(section.get_by_role("link", name=room.name)).to_be_visible()


def test_the_analyst_sees_the_countys_charts_heat_map_and_laggards(
    world, data, logged_in_page, page_errors, tmp_path
):
    page = logged_in_page(data.analyst)
    _open_figures(page)
    expect(page.locator(".breadcrumbs")).to_contain_text(world.county.name)
    _charts_are_drawn(page)
    # The county's two townships, compared as bars and in the table.
    regions = page.locator('.figures-table[aria-labelledby="table-regions"]')
    expect(regions.get_by_role("link", name=world.township_a.name)).to_be_visible()
    _heat_map_is_filled(page)
    _laggards_listed(page, data.room_a)
    page.screenshot(path=screenshot_dir(tmp_path) / "figures-analyst.png", full_page=True)
    _fits_the_phone(page)

    # A bar of the comparison opens the cases behind it: township A's resolved case.
    bar = page.locator('#regions-chart svg path[fill="#8b2b1d"]').first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**/figures/cases/?code=resolution_rate**region={world.township_a.code}**")
    expect(page.locator(".figures-table")).to_contain_text(data.resolved.reference)
    page.go_back()

    # Another measure on the map: the page comes back at the map, still filled.
    page.get_by_role("link", name="红色案件数").click()
    page.wait_for_url("**measure=red**")
    _heat_map_is_filled(page)
    _fits_the_phone(page)
    assert page_errors == []


def test_the_chief_opens_the_cases_behind_a_card(
    world, data, logged_in_page, page_errors, tmp_path
):
    page = logged_in_page(world.chief)
    _open_figures(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.township_a.name)
    _charts_are_drawn(page)
    _heat_map_is_filled(page)
    _laggards_listed(page, data.room_a)
    card = page.locator('li.figure-card[data-code="resolution_rate"]')
    expect(card.locator(".figure-fraction")).to_contain_text("1 / 3")
    page.screenshot(path=screenshot_dir(tmp_path) / "figures-chief.png", full_page=True)
    _fits_the_phone(page)

    card.locator(".figure-value a").click()
    page.wait_for_url("**/figures/cases/**")
    expect(page.get_by_role("heading", level=1)).to_contain_text("化解率")
    expect(page.locator("#drill-count")).to_contain_text("共 1 件")
    table = page.locator(".figures-table")
    expect(table.get_by_role("link", name=data.resolved.reference)).to_be_visible()
    expect(table).to_contain_text("甲村楼道堆物已调解")
    expect(table).not_to_contain_text(data.red.reference)
    _fits_the_phone(page)

    table.get_by_role("link", name=data.resolved.reference).click()
    page.wait_for_url(f"**/cases/{data.resolved.reference}/")
    assert page_errors == []
