"""A resident on a phone taps the one-click alarm with the location allowed and sees that it
arrived; a lost connection is retried with the same key and makes one alarm; a silent
alarm ends on a page that shows nothing of an alarm; a kiosk page left alone goes back to
the start with nothing typed left on the screen."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from fengqiao.dispatch.models import Incident
from tests.browser.conftest import screenshot_dir

pytestmark = pytest.mark.django_db(transaction=True)

HERE = {"longitude": 120.005, "latitude": 30.005}


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def _located_phone(page):
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(HERE)
    page.goto("/alarm/")
    expect(page.locator("[data-alarm-status]")).to_contain_text("已获取您现在的位置")


def test_a_tap_with_the_location_allowed_raises_the_alarm(
    world, page, page_errors, cjk_font, tmp_path
):
    _located_phone(page)
    button = page.get_by_role("button", name="一键报警")
    box = button.bounding_box()
    assert box["width"] >= 250 and box["height"] >= 250  # most of a 390 px screen
    page.screenshot(path=str(screenshot_dir(tmp_path) / "alarm.png"), full_page=True)
    button.click()
    expect(page.locator("h1")).to_have_text("报警已收到")
    incident = Incident.objects.get()
    expect(page.locator(".alarm-number")).to_have_text(incident.number)
    expect(page.get_by_role("link", name="拨打 110")).to_have_attribute("href", "tel:110")
    assert incident.location_source == "device" and incident.grid == world.grid_a1
    assert abs(incident.lon - HERE["longitude"]) < 1e-5
    page.screenshot(path=str(screenshot_dir(tmp_path) / "alarm-sent.png"), full_page=True)
    assert page_errors == []


def test_a_lost_connection_is_retried_with_the_same_key(world, page, page_errors, cjk_font):
    posts = []

    def first_post_lost(route):
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.post_data_buffer)
        if len(posts) == 1:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    _located_phone(page)
    page.route(re.compile(r".*/alarm/$"), first_post_lost)
    page.get_by_role("button", name="一键报警").click()
    expect(page.locator("h1")).to_have_text("报警已收到")
    assert len(posts) == 2 and Incident.objects.count() == 1
    keys = [re.search(rb'name="client_key"\r\n\r\n([^\r]+)', body)[1] for body in posts]
    assert keys[0] == keys[1]
    assert page_errors == []


def test_a_silent_alarm_ends_on_a_plain_page(world, page, page_errors, cjk_font):
    _located_phone(page)
    page.get_by_label("静默报警").check()
    button = page.locator("[data-alarm-button]")
    expect(button).to_have_accessible_name("静默报警")
    button.click()
    expect(page.locator("h1")).to_have_text("已提交")
    assert Incident.objects.get().silent
    main = page.locator("main").inner_text()
    assert "报警" not in main and "110" not in main
    assert page_errors == []


def test_a_kiosk_page_left_alone_returns_to_the_start(
    world, page, page_errors, cjk_font, settings, tmp_path
):
    settings.FENGQIAO_KIOSK_IDLE_SECONDS = 2
    page.goto("/kiosk/?place=B-A1")
    expect(page.locator("[role=status]")).to_contain_text("甲村1号")
    page.wait_for_url(re.compile(r"/kiosk/$"))  # the setting is not left in the address
    page.goto("/kiosk/")
    expect(page.locator("[data-kiosk-place-line]")).to_contain_text("甲村1号")
    page.screenshot(path=str(screenshot_dir(tmp_path) / "kiosk.png"), full_page=True)
    page.get_by_role("link", name="一键报警").click()
    expect(page.locator("[data-alarm-status]")).to_contain_text("本终端所在的甲村1号")
    page.get_by_label("您的手机号（建议填写）").fill("13812345678")
    page.wait_for_url(re.compile(r"/kiosk/$"), timeout=8_000)
    expect(page.get_by_role("link", name="我要反映")).to_be_visible()
    assert "13812345678" not in page.content()
    assert Incident.objects.count() == 0
    assert page_errors == []
