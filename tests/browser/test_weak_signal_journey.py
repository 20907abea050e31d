"""A weak signal on a phone (390×844): the phone believes it is online, but the request never
gets through. A plain form marked data-offline-queue is kept on the phone (with its photo)
and shown waiting, instead of the browser's error page losing it; once the network carries
again it is sent, and stored once. With a good signal the same forms still land on the
server's success page (its message included), and a form with a mistake still shows the
server's error next to the field.

Routing (Playwright) makes the POST fail at the network level; the service worker is left
out (``service_workers="block"``) so every request goes through the routes."""

from __future__ import annotations

import re

import pytest

from fengqiao.dispatch.models import CheckIn
from fengqiao.intake.models import Report
from fengqiao.outreach.models import VisitRecord, VisitTask
from tests.browser.conftest import PHONE, log_in
from tests.conftest import PASSWORD
from tests.dispatch.test_patrols import OFFICE, make_patrol
from tests.outreach.test_campaign_services import homes, visit_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

# The first retry comes 2 s after the failure, the next 4 s later: room for both.
SENT = 15_000
TEXT = "村口路灯杆的电线垂到地上，晚上很危险"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def phone(browser, live_server, page_errors):
    context = browser.new_context(base_url=live_server.url, service_workers="block", **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(f"page error: {error}"))
    yield page
    context.close()


def drop_posts(route):
    """The weak signal: a POST never reaches the server (a network error)."""
    if route.request.method == "POST":
        route.abort("internetdisconnected")
    else:
        route.fallback()


def fill_report(page, text: str = TEXT) -> None:
    page.goto("/report/")
    page.locator('input[name="kind"][value="hazard"]').check()
    page.locator('[name="text"]').fill(text)
    page.locator('[name="address"]').fill("甲村一网格村口")
    page.locator("#id_photos").set_input_files(
        files=[{"name": "wire.png", "mimeType": "image/png", "buffer": PNG}]
    )


def test_a_report_that_cannot_get_through_is_kept_and_sent_once(world, phone, page_errors):
    page = phone
    log_in(page, world.resident.get_username(), PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    fill_report(page)
    page.route("**/report/**", drop_posts)
    assert page.evaluate("navigator.onLine")
    page.get_by_role("button", name="提交", exact=True).click()

    queue = page.locator("#offline-queue")
    expect(queue).to_contain_text("等待发送（1）")
    expect(queue).to_contain_text("信号不好")
    expect(page).to_have_url(re.compile(r"/report/$"))  # no error page
    # The form is ready for the next report; its button is idle again.
    expect(page.locator('[name="text"]')).to_have_value("")
    expect(page.get_by_role("button", name="提交", exact=True)).to_be_enabled()
    assert not Report.objects.filter(text=TEXT).exists()

    page.unroute("**/report/**", drop_posts)  # the signal carries again: the retry sends it
    expect(queue.locator("[data-state]")).to_have_count(0, timeout=SENT)
    expect(queue).to_contain_text("已发送 1 条")
    report = Report.objects.get(text=TEXT)
    assert report.photos.count() == 1
    assert page_errors == []


def test_with_a_good_signal_a_report_lands_on_the_thanks_page(world, phone):
    page = phone
    fill_report(page)
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator("h1")).to_contain_text("已收到您的反映")
    assert "/report/thanks/" in page.url
    report = Report.objects.get(text=TEXT)
    assert report.photos.count() == 1


def test_a_report_with_a_mistake_shows_the_servers_error_by_the_field(world, phone):
    page = phone
    fill_report(page, text="")
    page.get_by_role("button", name="提交", exact=True).click()
    story = page.locator(".field.story")
    expect(story).to_have_class(re.compile(r"\bhas-error\b"))
    expect(story.locator(".field-error")).not_to_be_empty()
    expect(page.locator('input[name="kind"][value="hazard"]')).to_be_checked()
    assert not Report.objects.exists()


def test_a_visit_lands_on_the_next_household_with_the_servers_message(world, phone):
    homes(world, world.grid_a1, 2, building=world.building_a1)
    campaign = visit_campaign(world, [world.grid_a1])
    first, second = VisitTask.objects.unscoped_for_jobs().filter(campaign=campaign).order_by("pk")
    page = phone
    log_in(page, world.grid_worker_a1.get_username(), PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"/outreach/visits/{first.pk}/")
    page.get_by_text("无人在家", exact=True).click()
    page.get_by_role("button", name="保存，下一户").click()
    page.wait_for_url(lambda url: url.endswith(f"/outreach/visits/{second.pk}/"))
    expect(page.locator("main > .messages")).to_contain_text("已登记")
    assert VisitRecord.objects.unscoped_for_jobs().filter(task=first).count() == 1


def test_a_visit_that_cannot_get_through_waits_and_is_recorded_once(world, phone):
    homes(world, world.grid_a1, 1, building=world.building_a1)
    campaign = visit_campaign(world, [world.grid_a1])
    task = VisitTask.objects.unscoped_for_jobs().get(campaign=campaign)
    page = phone
    log_in(page, world.grid_worker_a1.get_username(), PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"/outreach/visits/{task.pk}/")
    page.route("**/outreach/visits/**", drop_posts)
    page.get_by_text("无人在家", exact=True).click()
    page.get_by_role("button", name="保存，下一户").click()
    queue = page.locator("#offline-queue")
    expect(queue).to_contain_text("等待发送（1）")
    assert not VisitRecord.objects.unscoped_for_jobs().exists()

    page.unroute("**/outreach/visits/**", drop_posts)
    expect(queue.locator("[data-state]")).to_have_count(0, timeout=SENT)
    assert VisitRecord.objects.unscoped_for_jobs().filter(task=task).count() == 1


def test_while_a_visit_is_sending_a_second_tap_sends_nothing(world, phone):
    homes(world, world.grid_a1, 2, building=world.building_a1)
    campaign = visit_campaign(world, [world.grid_a1])
    first, second = VisitTask.objects.unscoped_for_jobs().filter(campaign=campaign).order_by("pk")
    page = phone
    log_in(page, world.grid_worker_a1.get_username(), PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"/outreach/visits/{first.pk}/")
    held = []  # a slow signal: the POST waits here until let through

    def hold_posts(route):
        if route.request.method == "POST":
            held.append(route)
        else:
            route.fallback()

    page.route("**/outreach/visits/**", hold_posts)
    page.get_by_text("无人在家", exact=True).click()
    page.get_by_role("button", name="保存，下一户").click()
    button = page.locator("form[data-offline-queue] [type=submit]")
    expect(button).to_be_disabled()
    expect(button).to_have_text("正在发送…")
    page.evaluate("document.querySelector('form[data-offline-queue]').requestSubmit()")
    held[0].fallback()
    page.wait_for_url(lambda url: url.endswith(f"/outreach/visits/{second.pk}/"))
    assert len(held) == 1
    assert VisitRecord.objects.unscoped_for_jobs().filter(task=first).count() == 1


def test_a_patrol_check_in_that_cannot_get_through_waits_and_is_made_once(world, phone):
    """patrol.js sends the form itself once it has the position: through offline.js, so a
    weak signal keeps the check-in instead of showing the browser's error page."""
    make_patrol(world)
    page = phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": OFFICE["lon"], "latitude": OFFICE["lat"]})
    log_in(page, "volunteer_a", PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    # The weak signal starts before the patrol page opens, and the tap waits for patrol.js
    # (it fills the client key): a CI run once sent the check-in past a route that was
    # registered while the link's navigation was still under way.
    page.route("**/*", drop_posts)
    page.get_by_role("link", name="巡逻打卡").first.click()
    page.wait_for_url(lambda url: url.endswith("/dispatch/patrols/"))
    expect(page.locator("[data-patrol-checkin] [data-client-key]")).not_to_have_value("")
    page.get_by_role("button", name="打卡", exact=True).click()
    queue = page.locator("#offline-queue")
    expect(queue).to_contain_text("等待发送（1）")
    expect(page.get_by_role("button", name="打卡", exact=True)).to_be_enabled()
    assert not CheckIn.objects.unscoped_for_jobs().exists()

    page.unroute("**/*", drop_posts)
    expect(queue.locator("[data-state]")).to_have_count(0, timeout=SENT)
    assert CheckIn.objects.unscoped_for_jobs().count() == 1
