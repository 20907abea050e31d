"""Offline first on a phone (390×844): a grid worker opens her visit tasks and the report form
with a signal (the service worker keeps them), loses the signal, records a visit and a report
(both wait on the phone: 等待发送), and a visit the server will refuse; the signal returns, the
queue is sent, each record is in the database once, and sending the same items again (a
duplicate send) still makes one each. The refused visit stays, with the server's reason, and a
list page opens without a signal from what was kept, under the offline banner."""

from __future__ import annotations

import pytest

from fengqiao.dispatch.models import CheckIn
from fengqiao.intake.models import Report
from fengqiao.outreach.models import VisitRecord, VisitTask
from tests.browser.conftest import log_in, screenshot_dir
from tests.dispatch.test_patrols import OFFICE, make_patrol
from tests.disputes.test_mediation import _in_follow_up
from tests.outreach.test_campaign_services import homes, visit_campaign

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

# How long to wait for the queue to be sent once the signal is back: a first try that finds
# the network not up yet is retried after 2 s, then 4 s.
SENT = 15_000
REPORT_TEXT = "村口路灯杆的电线垂到地上，晚上很危险"


def worker_ready(page) -> None:
    """The service worker is installed and looks after this page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")


def test_visits_and_a_report_made_without_a_signal_are_sent_once_when_it_returns(
    world, logged_in_page, tmp_path
):
    shots = screenshot_dir(tmp_path)
    homes(world, world.grid_a1, 2, building=world.building_a1)
    campaign = visit_campaign(world, [world.grid_a1])
    first, second = VisitTask.objects.unscoped_for_jobs().filter(campaign=campaign).order_by("pk")

    page = logged_in_page(world.grid_worker_a1)
    worker_ready(page)
    # With a signal: the pages she will need are opened once, and so kept.
    for url in ("/outreach/visits/", f"/outreach/visits/{first.pk}/", "/report/"):
        page.goto(url)
    page.goto(f"/outreach/visits/{second.pk}/")
    expect(page.locator("form[data-offline-queue]")).to_be_visible()

    page.context.set_offline(True)
    # The first household: nobody home. Kept on the phone, not sent.
    page.goto(f"/outreach/visits/{first.pk}/")
    expect(page.locator("[data-offline-banner]")).to_contain_text("离线：显示的是")
    page.get_by_text("无人在家", exact=True).click()
    page.get_by_role("button", name="保存，下一户").click()
    queue = page.locator("#offline-queue")
    expect(queue).to_contain_text("等待发送（1）")
    expect(queue).to_contain_text("没有信号：已保存在本机")

    # A report on the public form.
    page.goto("/report/")
    page.locator('input[name="kind"][value="hazard"]').check()
    page.locator('[name="text"]').fill(REPORT_TEXT)
    page.locator('[name="address"]').fill("甲村一网格村口")
    page.locator("form[data-offline-queue] [type=submit]").click()
    expect(queue).to_contain_text("等待发送（2）")

    # The second household, sent without a result: the server will refuse it.
    page.goto(f"/outreach/visits/{second.pk}/")
    page.get_by_role("button", name="保存，下一户").click()
    expect(queue).to_contain_text("等待发送（3）")
    page.screenshot(path=shots / "offline_queue.png", full_page=True)
    assert VisitRecord.objects.unscoped_for_jobs().count() == 0
    assert not Report.objects.filter(text=REPORT_TEXT).exists()
    # A copy of the queue, to send it a second time later.
    assert page.evaluate("fengqiaoOffline.items().then(all => (window.saved = all).length)") == 3

    page.context.set_offline(False)  # the `online` event sends the queue
    expect(queue.locator("[data-state=waiting]")).to_have_count(0, timeout=SENT)
    refused = queue.locator("[data-state=refused]")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("未能提交")
    expect(refused).to_contain_text("请选择走访结果")
    expect(refused.get_by_role("link", name="重新打开表单")).to_be_visible()
    page.screenshot(path=shots / "offline_refused.png", full_page=True)
    assert VisitRecord.objects.unscoped_for_jobs().filter(task=first).count() == 1
    assert VisitRecord.objects.unscoped_for_jobs().filter(task=second).count() == 0
    assert Report.objects.filter(text=REPORT_TEXT).count() == 1

    # A duplicate send: the same items, with the same client keys, once more.
    page.evaluate(
        """async () => {
            for (const item of window.saved) {
                item.state = "waiting";
                await fengqiaoOffline.put(item);
            }
            await fengqiaoOffline.send();
        }"""
    )
    expect(queue.locator("[data-state=waiting]")).to_have_count(0)
    assert VisitRecord.objects.unscoped_for_jobs().filter(task=first).count() == 1
    assert Report.objects.filter(text=REPORT_TEXT).count() == 1

    # The refused visit, opened again: back in its form, out of the queue.
    refused.get_by_role("link", name="重新打开表单").click()
    expect(page.locator("#offline-queue")).to_contain_text("已把未能提交的内容填回表单")
    expect(page.locator("[data-state=refused]")).to_have_count(0)
    page.get_by_text("见到住户", exact=True).click()
    page.get_by_label("在家人数").fill("1")
    page.get_by_role("button", name="保存，下一户").click()
    expect(page.locator(".messages")).to_contain_text("见到住户")
    assert VisitRecord.objects.unscoped_for_jobs().filter(task=second).count() == 1

    # Without a signal, the task list opens as it was last seen, under the banner.
    page.context.set_offline(True)
    page.goto("/outreach/visits/")
    expect(page.locator("[data-offline-banner]")).to_contain_text("离线：显示的是")
    expect(page.locator("main")).to_contain_text("甲村1号")
    # A page never opened before: the offline page.
    page.goto("/registry/")
    expect(page.locator("main")).to_contain_text("现在没有网络")
    page.screenshot(path=shots / "offline_page.png", full_page=True)
    page.context.set_offline(False)


def test_a_patrol_check_in_without_a_signal_waits_and_is_made_once(world, page):
    patrol = make_patrol(world)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": OFFICE["lon"], "latitude": OFFICE["lat"]})
    log_in(page, "volunteer_a")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    worker_ready(page)
    page.get_by_role("link", name="巡逻打卡").first.click()
    expect(page.locator("main")).to_contain_text("甲村夜巡")

    page.context.set_offline(True)
    page.get_by_role("button", name="打卡", exact=True).click()
    expect(page.locator("#offline-queue")).to_contain_text("等待发送（1）")
    assert not CheckIn.objects.unscoped_for_jobs().exists()

    page.context.set_offline(False)
    expect(page.locator("#offline-queue [data-state]")).to_have_count(0, timeout=SENT)
    checkin = CheckIn.objects.unscoped_for_jobs().get()
    assert checkin.point == patrol.office
    assert "离线打卡，手机时间" in checkin.note


KEPT_PAGES = """async () => {
    const names = (await caches.keys()).filter(name => name.startsWith("fengqiao-pages-"));
    let count = 0;
    for (const name of names) count += (await (await caches.open(name)).keys()).length;
    return count;
}"""


def _an_unsent_item(world, page):
    """The grid worker's visit form kept, then sent without a result: refused, it stays."""
    homes(world, world.grid_a1, 1, building=world.building_a1)
    campaign = visit_campaign(world, [world.grid_a1])
    task = VisitTask.objects.unscoped_for_jobs().filter(campaign=campaign).first()
    worker_ready(page)
    page.goto(f"/outreach/visits/{task.pk}/")
    page.context.set_offline(True)
    page.get_by_role("button", name="保存，下一户").click()
    expect(page.locator("#offline-queue")).to_contain_text("等待发送（1）")
    page.context.set_offline(False)
    expect(page.locator("[data-state=refused]")).to_have_count(1, timeout=SENT)
    assert page.evaluate(KEPT_PAGES) >= 1
    return f"/outreach/visits/{task.pk}/"


def test_logging_out_drops_the_kept_pages_and_the_queue(world, logged_in_page):
    page = logged_in_page(world.grid_worker_a1)
    _an_unsent_item(world, page)
    page.once("dialog", lambda dialog: dialog.accept())  # "还有 1 条没有发送…仍要退出吗？"
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)
    unsent = "fengqiaoOffline.ready.then(fengqiaoOffline.items).then(all => all.length)"
    assert page.evaluate(unsent) == 0
    assert page.evaluate(KEPT_PAGES) == 0


def test_another_person_signing_in_finds_nothing_of_the_one_before(world, logged_in_page):
    page = logged_in_page(world.grid_worker_a1)
    kept = _an_unsent_item(world, page)
    assert page.evaluate("url => caches.match(url).then(hit => !!hit)", kept)
    page.context.clear_cookies()  # the session ended without a logout
    log_in(page, "officer_a")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expect(page.locator("#offline-queue")).to_have_count(0)
    unsent = "fengqiaoOffline.ready.then(fengqiaoOffline.items).then(all => all.length)"
    assert page.evaluate(unsent) == 0
    assert page.evaluate("url => caches.match(url).then(hit => !hit)", kept)


def test_a_return_visit_on_the_case_page_without_a_signal_is_recorded_once(world, logged_in_page):
    case = _in_follow_up(world)
    page = logged_in_page(world.grid_worker_a1)
    worker_ready(page)
    page.goto(f"/cases/{case.reference}/")
    page.context.set_offline(True)
    page.reload()  # from what was kept, under the banner
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    visit = page.locator("#case-visits li.visit").first
    visit.get_by_text("登记回访", exact=True).click()
    form = visit.locator("form")
    form.get_by_label("回访方式").select_option(label="电话回访")
    form.get_by_label("协议履行情况").fill("已赔偿，夜间不再施工")
    form.get_by_label("回访结果").select_option(label="部分履行")
    form.get_by_role("button", name="保存回访记录").click()  # an htmx form
    expect(page.locator("#offline-queue")).to_contain_text("等待发送（1）")
    assert not case.return_visits.filter(done_at__isnull=False).exists()

    page.context.set_offline(False)
    expect(page.locator("#offline-queue [data-state]")).to_have_count(0, timeout=SENT)
    assert case.return_visits.filter(done_at__isnull=False).count() == 1
    assert case.events.filter(kind="return_visit").count() == 1
