"""An officer takes down a call: triage suggests a grading as the text is typed, the report
is registered as suggested, and the case shows what triage read."""

from __future__ import annotations

import re

import pytest

from fengqiao.intake.models import Report

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

CALL = "报警：邻居喝醉了现在拿着菜刀在楼道里，喊着要砍死我们全家，快来人！"


def test_an_officer_registers_a_call_as_triage_suggests(world, page, logged_in_page, page_errors):
    logged_in_page(world.officer_a)
    page.goto("/report/new/")
    page.get_by_label("发生了什么").fill(CALL)
    suggestion = page.locator("#triage-suggestion")
    expect(suggestion).to_contain_text("系统研判建议")
    expect(suggestion).to_contain_text("建议立即出警")
    expect(suggestion).to_contain_text("菜刀")

    page.get_by_text("没有地图？按名称选择").click()
    page.get_by_label("网格", exact=True).select_option(value=world.grid_a1.code)
    page.get_by_role("button", name="登记").click()
    expect(page).to_have_url(re.compile(r"/cases/"))  # a dispute opens its case page

    report = Report.objects.get()
    assert report.risk == "red" and report.dispatch and report.case.level >= 2
    panel = page.locator("section.triage")
    expect(panel).to_contain_text("智能研判")
    expect(panel).to_contain_text("持有或使用凶器")
    assert page_errors == []
