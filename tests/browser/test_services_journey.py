"""Two journeys on a 390x844 phone.

A resident books a residence permit (居住证) at the window; the community police officer
accepts it and asks, all at once, for a missing 租房合同; the resident sees it on the
status page; the officer marks it supplied and completes it; the resident rates it 5 stars.

An elderly resident asks for a door-to-door ID renewal from her building; the request
reaches the community police officer of the building's area under 我的上门服务, who
records the visit and completes it. No console errors (the CSP forbids inline scripts).
"""

from __future__ import annotations

import pytest

from fengqiao.services.models import Application
from tests.browser.conftest import PHONE, htmx_settled, log_in
from tests.services.conftest import make_service, next_slot

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


def _officer_page(browser, live_server, page_errors, user):
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    officer = context.new_page()
    officer.on("pageerror", lambda error: page_errors.append(f"officer page error: {error}"))
    log_in(officer, user.get_username())
    officer.wait_for_url(lambda url: "/accounts/login/" not in url)
    return officer


def test_a_resident_books_a_residence_permit_supplies_a_contract_and_rates_it(
    world, page, page_errors, browser, live_server
):
    make_service(world, "a")
    slot = next_slot()
    page.goto("/services/")
    page.get_by_role("link", name="居住证申领").click()
    expect(page.locator("main")).to_contain_text("租房合同")
    page.get_by_role("link", name="预约到窗口办理").click()
    # services.js hides the no-script button once it listens for the day's change.
    expect(page.get_by_role("button", name="查看可预约时段")).to_be_hidden()
    page.get_by_label("第一步：选择日期").select_option(slot.date().isoformat())
    page.wait_for_url(lambda url: "day=" in url)
    page.locator("input[name=booked_for]").first.check()
    page.get_by_label("申请人姓名").fill("王小明")
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_role("button", name="确认预约").click()
    expect(page.locator("h1")).to_have_text("预约成功")
    code = page.locator("[data-tracking-code]").inner_text().strip()
    application = Application.objects.unscoped_for_jobs().get(tracking_code=code)
    assert application.booked_for == slot and application.channel == "window"

    officer = _officer_page(browser, live_server, page_errors, world.officer_a)
    officer.locator("nav.mainnav").get_by_role("link", name="办事服务").click()
    officer.get_by_role("link", name="居住证申领").first.click()
    officer.get_by_role("button", name="受理").click()
    expect(officer.locator("[data-state]")).to_have_text("已受理")
    officer.get_by_text("一次性告知补正").click()
    officer.get_by_label("租房合同").check()
    officer.get_by_role("button", name="告知申请人").click()
    expect(officer.locator("[data-state]")).to_have_text("待补正材料")

    page.get_by_role("link", name="查看办理进度").click()
    expect(page.locator("[data-missing]")).to_contain_text("租房合同")

    officer.get_by_role("button", name="材料已补齐").click()
    expect(officer.locator("[data-state]")).to_have_text("已受理")
    officer.get_by_role("button", name="办结").click()
    expect(officer.locator("[data-state]")).to_have_text("已办结")

    page.reload()
    expect(page.locator("[data-state]")).to_have_text("已办结")
    page.get_by_label("★★★★★", exact=True).check()
    page.get_by_label("意见建议（可不填）").fill("一次告知，很方便")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("main")).to_contain_text("您的评价")
    application.refresh_from_db()
    assert application.state == "completed" and application.satisfaction == 5
    assert application.missing_requests == 1 and application.paused_seconds >= 0
    assert page_errors == []


def test_an_elderly_residents_door_request_reaches_her_community_officer(
    world, page, page_errors, browser, live_server
):
    make_service(world, "a", kind="id_renewal", name="居民身份证换领", channels=["window", "door"])
    page.goto("/services/")
    page.get_by_role("link", name="居民身份证换领").click()
    page.get_by_role("link", name="申请上门服务").click()
    # htmx wires the place selects on DOMContentLoaded; a choice made before is not heard.
    page.wait_for_load_state()
    page.get_by_label("乡镇（街道）").select_option(world.township_a.code)
    community = page.get_by_label("村（社区）")
    expect(community).to_be_enabled()
    htmx_settled(page)
    community.select_option(world.community_a.code)
    grid = page.get_by_label("网格")
    expect(grid).to_be_enabled()
    htmx_settled(page)
    grid.select_option(world.grid_a1.code)
    page.get_by_label("楼栋", exact=True).select_option(world.building_a1.code)
    page.get_by_label("单元、门牌、房号").fill("2单元301室")
    page.get_by_label("需要上门的原因").select_option("elderly")
    page.get_by_label("申请人姓名").fill("李奶奶")
    page.get_by_label("联系电话").fill("13900001111")
    page.get_by_role("button", name="提交上门服务申请").click()
    expect(page.locator("main")).to_contain_text("已转给您所在社区的民警")
    application = Application.objects.unscoped_for_jobs().get()
    assert application.building == world.building_a1
    assert application.assignee.user == world.officer_a

    officer = _officer_page(browser, live_server, page_errors, world.officer_a)
    officer.goto("/services/door/")
    expect(officer.locator("main")).to_contain_text("李奶奶")
    officer.get_by_role("link", name="居民身份证换领").click()
    officer.get_by_role("button", name="受理").click()
    officer.get_by_label("同去人员（可不填）").fill("辅警张三")
    officer.get_by_label("上门办理情况").fill("上门采集照片和指纹，老人行动不便")
    officer.get_by_role("button", name="保存上门记录").click()
    expect(officer.locator("main")).to_contain_text("上门采集照片和指纹")
    officer.get_by_role("button", name="办结").click()
    expect(officer.locator("[data-state]")).to_have_text("已办结")
    application.refresh_from_db()
    assert application.state == "completed" and application.visited_at is not None
    assert page_errors == []
