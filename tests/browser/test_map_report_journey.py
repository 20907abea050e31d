"""A resident on a phone reports from the map: they tell what happened first, the form
suggests what kind of matter it is, they tap the building on their village's map (drawn
from our own grid and building data), and the report lands in that building's grid, once.
Near a grid's edge the map's point raises the same "which grid?" question as a phone's
location does."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fengqiao.intake.models import Report
from tests.browser.conftest import htmx_settled, screenshot_dir
from tests.factories import BuildingFactory

pytestmark = pytest.mark.django_db(transaction=True)

STORY = "楼上邻居天天半夜拖椅子、放音乐，吵得我们睡不着，沟通过也没用。"


def _open_village(page, world):
    page.get_by_label("地图：先选村或社区").select_option(label=world.community_a.name)
    htmx_settled(page)
    expect(page.locator("[data-pick-map] svg")).to_be_visible()


def test_a_resident_describes_first_then_taps_a_building_on_the_map(
    world, page, page_errors, cjk_font, tmp_path
):
    page.goto("/report/")
    story = page.get_by_label("发生了什么")
    # The story is the first thing to fill in.
    first_field = page.locator("form[data-report-form] textarea, form[data-report-form] select")
    expect(first_field.first).to_have_attribute("name", "text")
    # With scripts the long list waits behind "其他类型…"; the no-map selects are tucked away.
    categories = page.locator("[data-category-list]")
    expect(categories).to_be_hidden()
    expect(page.locator("[data-place-fallback]")).not_to_have_attribute("open", "")

    story.fill(STORY)
    suggestions = page.locator("#kind-suggestions")
    expect(suggestions).to_contain_text("是不是下面这种？")
    expect(suggestions.get_by_role("radio")).to_have_count(5)  # three, 不确定, 其他类型…
    htmx_settled(page)
    suggestions.get_by_role("radio", name="邻里").check()

    _open_village(page, world)
    page.get_by_role("button", name="甲村1号").click()
    expect(page.get_by_label("地址", exact=True)).to_have_value(
        world.building_a1.address or world.building_a1.name
    )
    expect(page.locator("[data-map-picked]")).to_contain_text("甲村一网格")
    htmx_settled(page)
    expect(page.locator("#chosen-grid")).to_have_count(0)  # the middle of a grid: no question
    page.screenshot(path=str(screenshot_dir(tmp_path) / "report-from-map.png"), full_page=True)

    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="已收到您的反映，谢谢！")).to_be_visible()
    report = Report.objects.get()
    assert report.grid == world.grid_a1 and report.building == world.building_a1
    assert report.category == "neighbourhood" and report.text == STORY
    assert page_errors == []


def test_not_sure_of_the_kind_and_a_tap_inside_a_grid(world, page, page_errors):
    page.goto("/report/")
    page.get_by_label("发生了什么").fill("村口那段路的路灯坏了好几天，晚上很黑")
    suggestions = page.locator("#kind-suggestions")
    expect(suggestions).to_contain_text("是不是下面这种？")
    htmx_settled(page)
    suggestions.get_by_role("radio", name="不确定").check()

    _open_village(page, world)
    page.locator(f'path[data-grid="{world.grid_a2.code}"]').click()
    expect(page.locator("[data-map-picked]")).to_contain_text("甲村二网格")
    expect(page.locator("[data-map-mark]")).to_be_visible()
    htmx_settled(page)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="已收到您的反映，谢谢！")).to_be_visible()
    report = Report.objects.get()
    assert report.grid == world.grid_a2 and report.building is None
    assert report.category  # left to triage, which chose one
    assert page_errors == []


def test_other_kinds_open_the_full_list(world, page, page_errors):
    page.goto("/report/")
    page.get_by_label("发生了什么").fill("物业一直不修电梯，还要涨物业费")
    suggestions = page.locator("#kind-suggestions")
    expect(suggestions).to_contain_text("是不是下面这种？")
    htmx_settled(page)
    suggestions.get_by_role("radio", name="其他类型…").check()
    full = page.locator("[data-category-list]")
    expect(full).to_be_visible()
    full.get_by_role("radio", name="消费").check()
    expect(suggestions.get_by_role("radio", name="其他类型…")).not_to_be_checked()
    assert page_errors == []


def test_a_building_by_a_grid_edge_asks_which_grid(world, page, page_errors):
    BuildingFactory(
        code="B-EDGE",
        name="甲村东头小卖部",
        address="甲村东头小卖部",
        grid=world.grid_a1,
        lon=120.0099,
        lat=30.005,
    )
    page.goto("/report/")
    page.get_by_role("radio", name="安全隐患", exact=True).check()
    page.get_by_label("发生了什么").fill("小卖部门口的电线垂下来了，很危险")
    _open_village(page, world)
    page.get_by_role("button", name="甲村东头小卖部").click()
    question = page.locator("#chosen-grid")
    expect(question).to_contain_text("您的位置靠近网格边界")
    htmx_settled(page)
    question.get_by_label("甲村二网格").check()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="已收到您的反映，谢谢！")).to_be_visible()
    report = Report.objects.get()
    assert report.grid == world.grid_a2 and report.grid_confirmed
    assert report.building.code == "B-EDGE"
    assert page_errors == []


def test_staff_pick_a_building_of_their_own_township_on_the_map(
    world, page, logged_in_page, page_errors
):
    logged_in_page(world.officer_a)
    # At the station, in grid a2: the tap on the map, not the phone's position, places it.
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": 120.015, "latitude": 30.005})
    page.goto("/report/new/")
    page.get_by_role("button", name="使用我现在的位置").click()
    expect(page.locator("[data-pick-map] [data-map-mark]")).to_be_visible()
    htmx_settled(page)
    page.get_by_label("发生了什么").fill("两户因为楼道堆放杂物吵起来，来所里反映")
    area = page.get_by_label("地图：先选村或社区")
    expect(area).to_have_value(world.community_a.code)  # the located village shows chosen
    expect(area.locator("optgroup")).to_have_count(1)
    expect(area.locator("option", has_text=world.community_b.name)).to_have_count(0)
    page.get_by_role("button", name="甲村1号").click()
    expect(page.locator("#id_grid_code")).to_have_value(world.grid_a1.code)
    page.get_by_role("button", name="登记").click()
    expect(page).to_have_url(re.compile(r"/cases/"))  # a dispute opens its case page
    report = Report.objects.get()
    assert report.grid == world.grid_a1 and report.building == world.building_a1
    assert page_errors == []
