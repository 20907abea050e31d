"""大走访 on a phone (390×844): an officer creates a visit campaign over two grids of 甲村,
the grid worker of 一网格 visits two households (one met, with a problem found; one with
nobody home), and the campaign page shows the coverage per grid. No console errors (the
CSP forbids inline scripts)."""

from __future__ import annotations

import datetime as dt

import pytest

from fengqiao.intake.models import Report
from fengqiao.outreach.models import Campaign, VisitRecord
from tests.browser.conftest import log_in, screenshot_dir
from tests.outreach.test_campaign_services import homes, today

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


def test_a_campaign_over_two_grids_visited_on_a_phone_shows_coverage_per_grid(
    world, logged_in_page, page_errors, tmp_path
):
    shots = screenshot_dir(tmp_path)
    homes(world, world.grid_a1, 2, building=world.building_a1)
    homes(world, world.grid_a2, 1)
    page = logged_in_page(world.officer_a)
    page.get_by_role("link", name="走访", exact=True).first.click()
    page.get_by_role("link", name="走访活动").first.click()
    page.get_by_role("link", name="新建活动").click()
    page.get_by_label("活动名称").fill("冬季大走访")
    page.get_by_label("甲村全部网格").check()  # visits.js ticks the village's grids
    expect(page.get_by_label("甲村一网格")).to_be_checked()
    expect(page.get_by_label("甲村二网格")).to_be_checked()
    page.get_by_label("开始日期").fill(today().isoformat())
    page.get_by_label("结束日期").fill((today() + dt.timedelta(days=20)).isoformat())
    page.get_by_role("button", name="保存活动").click()
    expect(page.locator(".messages")).to_contain_text("共 3 户走访任务")
    campaign = Campaign.objects.unscoped_for_jobs().get(name="冬季大走访")

    page.get_by_role("button", name="退出").click()
    log_in(page, "grid_worker_a1")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/outreach/")
    page.get_by_role("link", name="我的走访任务").first.click()
    expect(page.locator("main")).to_contain_text("甲村1号")
    page.locator("a.visit-task").first.click()
    page.get_by_text("见到住户", exact=True).click()
    page.get_by_label("在家人数").fill("2")
    page.get_by_label("发现的问题（可不填）").fill("楼道电动车充电，私拉电线")
    page.get_by_text("安全隐患", exact=True).click()
    page.get_by_text("已发放警民联系卡").click()
    page.screenshot(path=shots / "visit_form.png", full_page=True)
    page.get_by_role("button", name="保存，下一户").click()
    expect(page.locator(".messages")).to_contain_text("发现的问题已上报")
    page.get_by_text("无人在家", exact=True).click()
    page.get_by_role("button", name="保存，下一户").click()
    expect(page.locator(".messages")).to_contain_text("您的走访任务都已完成")
    met = VisitRecord.objects.unscoped_for_jobs().get(outcome="met")
    assert Report.objects.get(tracking_code=met.report_code).channel == "visit"
    assert VisitRecord.objects.unscoped_for_jobs().filter(outcome="nobody_home").count() == 1

    page.get_by_role("button", name="退出").click()
    log_in(page, "officer_a")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"/outreach/campaigns/{campaign.pk}/")
    rows = page.locator("table[data-coverage=grid] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("甲村一网格")
    expect(rows.nth(0)).to_contain_text("50.0%")
    expect(rows.nth(1)).to_contain_text("甲村二网格")
    expect(rows.nth(1)).to_contain_text("0.0%")
    page.screenshot(path=shots / "visit_campaign.png", full_page=True)
    # The table scrolls inside its own box: the page itself is no wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page_errors == []
