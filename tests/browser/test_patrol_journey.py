"""A volunteer on today's shift opens 我的巡逻 on a phone and taps 打卡 with the location
allowed: the check-in is made once, at the point, with the phone's position. No console
errors (the CSP forbids inline scripts)."""

from __future__ import annotations

import pytest

from fengqiao.dispatch.models import CheckIn
from tests.browser.conftest import log_in
from tests.dispatch.test_patrols import OFFICE, make_patrol

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


def test_a_volunteer_checks_in_at_the_first_point(world, page, page_errors):
    patrol = make_patrol(world)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": OFFICE["lon"], "latitude": OFFICE["lat"]})
    log_in(page, "volunteer_a")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.get_by_role("link", name="巡逻打卡").first.click()
    expect(page.locator("main")).to_contain_text("甲村夜巡")
    page.get_by_role("button", name="打卡", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("打卡")
    checkin = CheckIn.objects.unscoped_for_jobs().get()
    assert checkin.point == patrol.office and checkin.distance_m < 5
    assert not checkin.off_point
    assert page_errors == []
