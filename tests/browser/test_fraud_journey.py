"""An officer on a phone (390×844) records an anti-fraud talk that reached 80 people with 12
app installs, then a warning with a stopped payment of ¥35,000.00, and sees both on 反诈工作.
No console errors (the CSP forbids inline scripts)."""

from __future__ import annotations

import pytest

from fengqiao.outreach.models import FraudWarning, OutreachEvent

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


def test_an_officer_records_a_talk_and_a_stopped_payment(world, logged_in_page, page_errors):
    page = logged_in_page(world.officer_a)
    page.goto("/outreach/fraud/")
    page.get_by_role("link", name="登记宣传活动").click()
    page.get_by_label("宣讲").check()
    page.get_by_label("主题").fill("老年大学防范养老诈骗宣讲")
    page.get_by_label("地点（网格）").select_option(label="甲村 · 甲村一网格")
    page.get_by_label("覆盖人数").fill("80")
    page.get_by_label("现场安装国家反诈中心App人数").fill("12")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("宣传活动已登记")
    expect(page.locator('[data-figure="people_reached"]')).to_have_text("80")
    expect(page.locator('[data-figure="app_installs"]')).to_have_text("12")

    page.get_by_role("link", name="登记预警劝阻").click()
    page.get_by_label("被劝阻人所在网格").select_option(label="甲村 · 甲村一网格")
    page.get_by_label("高风险").check()
    page.get_by_label("电话", exact=True).check()
    page.get_by_label("被劝阻人姓名").fill("王阿姨")
    page.get_by_label("被劝阻人电话").fill("138 0057 1234")
    page.get_by_label("劝阻成功").check()
    page.get_by_label("已紧急止付").check()
    page.get_by_label("止付金额（元）").fill("35000.00")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("预警劝阻已登记")
    expect(page.locator('[data-figure="amount_stopped"]')).to_have_text("¥35,000.00")
    expect(page.locator('[data-figure="payments_stopped"]')).to_have_text("1")
    expect(page.locator("main")).to_contain_text("王阿姨")
    expect(page.locator("main")).to_contain_text("老年大学防范养老诈骗宣讲")

    event = OutreachEvent.objects.unscoped_for_jobs().get()
    assert (event.people_reached, event.app_installs) == (80, 12)
    warning = FraudWarning.objects.unscoped_for_jobs().get()
    assert str(warning.amount_stopped) == "35000.00" and warning.payment_stopped
    # Nothing on the page runs wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page_errors == []
