"""A missing-person alert on phones: the officer raises it, the grid worker acknowledges it
and reports a sighting, the officer sees the sighting arrive and closes the alert as found.
No console errors anywhere (the CSP forbids inline scripts)."""

from __future__ import annotations

import pytest

from fengqiao.community.models import Alert, AlertRecipient, Sighting
from tests.browser.conftest import PHONE, log_in, screenshot_dir
from tests.community import conftest as community_data

pytestmark = pytest.mark.browser

# The community's groups fixture lives beside its tests; named here to be found.
groups = community_data.groups

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


def test_a_missing_person_alert_from_raising_to_found(
    world,
    groups,
    browser,
    live_server,
    page,
    page_errors,
    tmp_path,
    settings,  # noqa: F811
):
    settings.MEDIA_ROOT = tmp_path / "media"
    log_in(page, "officer_a")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/community/notices/alerts/new/")
    page.get_by_label("寻人").check()
    page.get_by_label("标题").fill("寻找走失老人张大爷")
    page.get_by_label("特征描述").fill("78 岁，灰色外套，说本地话")
    page.get_by_label("最后出现地点").fill("甲村菜市场")
    page.get_by_label("甲村1号楼栋群").check()
    expect(page.locator("[data-pick-groups]")).to_have_text("1")
    page.get_by_role("button", name="发出预警").click()
    expect(page.get_by_role("heading", name="寻找走失老人张大爷")).to_be_visible()
    alert = Alert.objects.get()
    alert_url = page.url

    # The grid worker, on another phone, finds it in the alert list.
    worker = browser.new_context(base_url=live_server.url, **PHONE).new_page()
    worker.on("pageerror", lambda error: page_errors.append(f"worker page error: {error}"))
    log_in(worker, "grid_worker_a1")
    worker.wait_for_url(lambda url: "/accounts/login/" not in url)
    worker.goto("/community/notices/alerts/")
    worker.get_by_role("link", name="寻找走失老人张大爷").click()
    worker.get_by_role("button", name="收到，我会留意").click()
    expect(worker.locator(".alert-acknowledged")).to_contain_text("确认收到")
    assert AlertRecipient.objects.get(alert=alert, user=world.grid_worker_a1).acknowledged_at
    worker.get_by_label("看到的情况").fill("超市门口有位穿灰外套的老人在徘徊")
    worker.get_by_label("在哪里看到").fill("甲村超市")
    worker.get_by_role("button", name="发送线索").click()
    expect(worker.locator(".messages")).to_contain_text("线索已送达")
    worker.screenshot(path=screenshot_dir(tmp_path) / "alert-worker.png", full_page=True)
    assert Sighting.objects.filter(alert=alert).count() == 1

    # The officer's page picks the sighting up by itself (htmx polling).
    assert page.url == alert_url
    activity = page.locator("#alert-activity")
    expect(activity).to_contain_text("超市门口有位穿灰外套的老人在徘徊", timeout=15_000)
    expect(activity.locator("[data-ack-count]")).to_have_text("1")
    page.get_by_label("已找到").check()
    page.get_by_label("说明（可不填）").fill("已在超市找到，平安")
    page.get_by_role("button", name="确认结束").click()
    expect(page.locator(".messages")).to_contain_text("预警已结束")
    expect(page.locator("h1 .badge")).to_have_text("已找到")
    page.screenshot(path=screenshot_dir(tmp_path) / "alert-found.png", full_page=True)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.FOUND
    worker.context.close()
    assert page_errors == []
