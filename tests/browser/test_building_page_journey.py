"""A resident scans the QR code on building A1's entrance with a phone: the page names the
people who look after that building (its building head, the grid worker, the community
police, the people's mediator), a published phone is one tap, and 一键报警 opens the alarm
with that building chosen, so an alarm sent without a location fix is raised there."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from fengqiao.dispatch.models import Incident
from tests.browser.conftest import screenshot_dir
from tests.outreach.building_world import PUBLISHED_HEAD, furnish

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def _card(page, role: str):
    return page.locator(f'.bp-person[data-role="{role}"]')


def test_a_resident_scans_the_qr_code_and_raises_an_alarm_for_that_building(
    world, page, page_errors, cjk_font, tmp_path
):
    furnish(world)
    page.goto("/b/B-A1/")
    expect(page.locator("h1")).to_have_text("甲村1号")
    expect(_card(page, "building_head")).to_have_count(1)
    expect(_card(page, "building_head").locator(".bp-name")).to_have_text("张楼长")
    expect(_card(page, "grid_worker").locator(".bp-name")).to_have_text("grid_worker_a1")
    expect(_card(page, "community_police").locator(".bp-name")).to_have_text("officer_a")
    expect(_card(page, "mediator").first.locator(".bp-name")).to_have_text("王调解")
    expect(page.get_by_text("邻楼长")).to_have_count(0)
    call = _card(page, "building_head").get_by_role("link", name="拨打 139 2222 0001")
    expect(call).to_have_attribute("href", f"tel:{PUBLISHED_HEAD}")
    # Phone-sized: nothing wider than the screen, the alarm a thumb's reach.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    alarm = page.get_by_role("link", name="一键报警")
    assert alarm.bounding_box()["height"] >= 56
    page.screenshot(path=str(screenshot_dir(tmp_path) / "building-page.png"), full_page=True)

    alarm.click()
    page.wait_for_url("**/alarm/?place=B-A1")
    expect(page.locator("select[name=building]")).to_have_value("B-A1")
    expect(page.locator("select[name=grid_code]")).to_have_value("330699001001G01")
    # No location allowed: the alarm goes with the building chosen.
    expect(page.locator("[data-alarm-status]")).to_contain_text("将发送您选择的楼栋")
    page.get_by_role("button", name="一键报警").click()
    # The first alarm of a process classifies its text with a model loaded then: be patient.
    expect(page.locator("h1")).to_have_text("报警已收到", timeout=30_000)
    incident = Incident.objects.get()
    assert incident.building_id == world.building_a1.pk
    assert incident.location_source == "building"
    assert page_errors == []


def test_an_unknown_code_says_so_in_chinese(world, page, cjk_font):
    response = page.goto("/b/NOPE/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("没有找到这栋楼")
    expect(page.get_by_role("link", name="报警 110")).to_have_attribute("href", "tel:110")
