"""Community groups on phones: a resident asks the community police about clutter in the
stairwell; the officer finds it in their inbox, turns it into a case in one tap, and the
resident's thread shows the answer without a reload. No page errors anywhere."""

from __future__ import annotations

import pytest

from fengqiao.community.models import Mention
from fengqiao.intake.models import Report
from tests.browser.conftest import PHONE, htmx_settled, log_in, screenshot_dir
from tests.community import conftest as community_data

pytestmark = pytest.mark.browser

# The groups fixture lives beside the community tests; named here to be found.
groups = community_data.groups

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


def test_a_mention_becomes_a_case_and_the_thread_shows_the_answer(
    world, groups, browser, live_server, page_errors, logged_in_page, tmp_path
):
    world.resident.set_password("pass-for-tests-1")
    world.resident.save()
    page = logged_in_page(world.resident)
    page.locator("nav.mainnav").get_by_role("link", name="社区群").click()
    page.get_by_role("link", name="甲村1号楼栋群").click()
    page.get_by_label("发消息").fill("@社区民警 楼道堆放杂物")
    page.get_by_role("button", name="发送").click()
    chat = page.locator("#chat-list")
    expect(chat).to_contain_text("楼道堆放杂物")  # came back by the poll, no reload
    expect(page.get_by_label("发消息")).to_have_value("")
    htmx_settled(page)
    assert Mention.objects.get().recipient == world.officer_a
    page.locator("#chat-list").get_by_role("link", name="回复").first.click()
    expect(page.get_by_role("heading", name="话题")).to_be_visible()

    officer = browser.new_context(base_url=live_server.url, **PHONE).new_page()
    officer.on("pageerror", lambda error: page_errors.append(f"officer page error: {error}"))
    log_in(officer, "officer_a")
    officer.goto("/community/inbox/")
    expect(officer.locator("#inbox-rows")).to_contain_text("前回复")
    officer.locator("#inbox-rows").get_by_role("link", name="李大姐").click()
    officer.get_by_role("button", name="转为案件").click()
    expect(officer.get_by_role("status")).to_contain_text("已转为案件")
    expect(officer.locator("#chat-list")).to_contain_text("已登记为案件")
    officer.screenshot(path=screenshot_dir(tmp_path) / "community-officer.png", full_page=True)
    report = Report.objects.get()
    assert report.channel == "community_group"
    assert Mention.objects.get().answered_at is not None

    # The resident's open thread page polls: the answer arrives without a reload.
    expect(page.locator("#chat-list")).to_contain_text(report.tracking_code)
    page.screenshot(path=screenshot_dir(tmp_path) / "community-thread.png", full_page=True)
    officer.context.close()
    assert page_errors == []
