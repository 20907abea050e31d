"""Each role's home on a phone: the officer's counts open the lists that show those cases,
the resident's big buttons open the report form and the alarm, the chief sees the station's
overdue and red cases first. No console errors (the CSP forbids inline scripts)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fengqiao.intake.services import submit_report
from tests.browser.conftest import screenshot_dir
from tests.home.cases import case_due

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


@pytest.fixture
def officer_cases(world):
    now = timezone.now()
    return {
        "overdue": case_due(deadline=now - dt.timedelta(days=1), handler=world.officer_a),
        "red": case_due(deadline=now - dt.timedelta(hours=2), handler=world.officer_a, risk="red"),
        "later": case_due(deadline=now + dt.timedelta(days=10), handler=world.officer_a),
        "elsewhere": case_due(
            deadline=now - dt.timedelta(days=1), handler=world.officer_b, lon=120.105
        ),
    }


def test_the_officers_home_counts_and_a_tap_opens_the_list(
    world, officer_cases, logged_in_page, page_errors, tmp_path
):
    page = logged_in_page(world.officer_a)
    page.goto("/")
    overdue = page.locator('[data-tile="cases_overdue"]')
    expect(overdue).to_have_class("home-tile alarm")
    expect(overdue.locator(".home-count")).to_have_text("2")
    expect(page.locator('[data-tile="cases_today"]')).to_have_class("home-tile zero")
    expect(page.get_by_role("link", name="我的辖区")).to_be_visible()
    page.screenshot(path=screenshot_dir(tmp_path) / "home-officer.png")

    overdue.click()
    page.wait_for_url("**/cases/?*overdue=1*")
    rows = page.locator("#case-rows")
    expect(rows).to_contain_text(officer_cases["overdue"].reference)
    expect(rows).to_contain_text(officer_cases["red"].reference)
    expect(rows).not_to_contain_text(officer_cases["later"].reference)
    expect(rows).not_to_contain_text(officer_cases["elsewhere"].reference)
    assert page_errors == []


def test_the_residents_home_has_big_buttons_that_work(world, logged_in_page, page_errors, tmp_path):
    submit_report(
        actor=world.resident,
        channel="web",
        kind="dispute",
        text="楼上漏水到我家，物业一直不来",
        lon=120.005,
        lat=30.005,
    )
    page = logged_in_page(world.resident)
    page.goto("/")
    expect(page.get_by_role("heading", name="我反映的问题")).to_be_visible()
    expect(page.locator("#home-reports")).to_contain_text("楼上漏水到我家")
    expect(page.get_by_role("heading", name="我的楼栋谁负责")).to_be_visible()
    page.screenshot(path=screenshot_dir(tmp_path) / "home-resident.png")

    page.get_by_role("link", name="反映问题").click()
    page.wait_for_url("**/report/")
    expect(page.get_by_role("button", name="提交")).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="一键报警").click()
    page.wait_for_url("**/alarm/")
    page.go_back()
    page.get_by_label("楼栋编码").fill(world.building_a1.code)
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(f"**/b/{world.building_a1.code}/")
    expect(page.get_by_text(world.building_a1.name).first).to_be_visible()
    assert page_errors == []


def test_the_chiefs_home_leads_with_the_station(
    world, officer_cases, logged_in_page, page_errors, tmp_path
):
    page = logged_in_page(world.chief)
    page.goto("/")
    station = page.locator("#home-station")
    expect(page.locator(".home-section").first).to_have_id("home-station")
    expect(station.locator('[data-tile="station_overdue"] .home-count')).to_have_text("2")
    expect(station.locator('[data-tile="station_red"] .home-count')).to_have_text("1")
    expect(station.locator(".home-laggards")).to_contain_text("officer_a")
    expect(station.locator(".home-laggards")).not_to_contain_text("officer_b")
    page.screenshot(path=screenshot_dir(tmp_path) / "home-chief.png")

    station.locator('[data-tile="station_red"]').click()
    page.wait_for_url("**/cases/?*risk=red*")
    rows = page.locator("#case-rows")
    expect(rows).to_contain_text(officer_cases["red"].reference)
    expect(rows).not_to_contain_text(officer_cases["overdue"].reference)
    assert page_errors == []
