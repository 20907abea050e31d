"""Issue 17's done-when, on phones, from each door: a resident's one-click alarm, a 110
transfer typed in by the duty officer, and the alarm button of a kiosk. Each time the duty
officer sees it on the board within seconds and sends the suggested unit, the officer's
phone records 签收, 出警, 到场 and a 反馈 that opens a case carrying the incident's number,
and the station's response-time figure counts it."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from fengqiao.dispatch.models import Incident
from tests.browser.conftest import log_in
from tests.browser.test_dispatch_journey import POLL_WAIT_MS, _phone
from tests.dispatch import conftest as dispatch_data

pytestmark = pytest.mark.browser

units = dispatch_data.units

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

HERE = {"latitude": 30.005, "longitude": 120.005, "accuracy": 20}
NUMBER_110 = "330699202612060042"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def _resident_taps_the_alarm(browser, live_server, page_errors, world, board):
    phone = _phone(
        browser, live_server, page_errors, "resident", permissions=["geolocation"], geolocation=HERE
    )
    phone.goto("/alarm/")
    expect(phone.locator("[data-alarm-status]")).to_contain_text("已获取您现在的位置")
    phone.get_by_role("button", name="一键报警").click()
    expect(phone.locator("h1")).to_have_text("报警已收到")
    number = phone.locator(".alarm-number").inner_text()
    phone.context.close()
    return number


def _duty_officer_types_a_110_transfer(browser, live_server, page_errors, world, board):
    board.goto("/dispatch/110/new/")
    board.get_by_label("110 警情编号").fill(NUMBER_110)
    board.get_by_label("110 接警时间").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    board.get_by_label("报警人姓名").fill("王女士")
    board.get_by_label("报警人电话").fill("13912345678")
    board.get_by_label("网格").select_option(world.grid_a1.code)
    board.get_by_label("警情内容").fill("报警人称邻居两家在楼道争吵，有推搡")
    board.get_by_role("button", name=re.compile("登记")).click()
    expect(board.locator("main")).to_contain_text(NUMBER_110)
    board.goto("/dispatch/")
    return NUMBER_110


def _kiosk_alarm(browser, live_server, page_errors, world, board):
    kiosk = _phone(browser, live_server, page_errors, "kiosk")
    kiosk.goto(f"/kiosk/?place={world.building_a1.code}")
    kiosk.get_by_role("link", name="一键报警").click()
    kiosk.get_by_role("button", name="一键报警").click()
    expect(kiosk.locator("h1")).to_have_text("报警已收到")
    number = kiosk.locator(".alarm-number").inner_text()
    kiosk.context.close()
    return number


DOORS = {
    "one_click_alarm": _resident_taps_the_alarm,
    "alarm_110": _duty_officer_types_a_110_transfer,
    "kiosk": _kiosk_alarm,
}


@pytest.mark.parametrize("door", list(DOORS))
def test_from_each_door_to_a_case_and_the_figure(
    door, world, units, browser, live_server, page, page_errors
):
    # The duty officer (the station chief) watches the board on a phone.
    log_in(page, "chief")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/dispatch/")
    page.get_by_role("button", name="开启提示音").click()

    # The beat officer's phone is open on the duty page, sharing its position.
    officer = _phone(
        browser,
        live_server,
        page_errors,
        "officer",
        permissions=["geolocation"],
        geolocation={"latitude": 30.0052, "longitude": 120.0150, "accuracy": 15},
    )
    log_in(officer, "officer_a")
    officer.wait_for_url(lambda url: "/accounts/login/" not in url)
    officer.goto("/dispatch/duty/")
    expect(officer.locator("[data-position-status]")).to_contain_text("位置已上报")

    number = DOORS[door](browser, live_server, page_errors, world, page)
    incident = Incident.objects.get(number=number)
    assert incident.channel == door

    # On the board within seconds, without a reload; one tap sends the suggested unit.
    row = page.locator(f"#board-rows [data-incident='{number}']")
    expect(row).to_be_visible(timeout=POLL_WAIT_MS)
    row.get_by_role("link", name=number).click()
    first = page.locator(".suggestion").first
    expect(first).to_contain_text("甲村民警")
    first.get_by_role("button", name="派警").click()
    expect(page.locator(".messages")).to_contain_text("已派 甲村民警 出警")

    # The officer's phone: 签收, 出警, 到场, then 反馈 that opens a case.
    officer_row = officer.locator(f"#duty-incidents [data-incident='{number}']")
    expect(officer_row).to_be_visible(timeout=POLL_WAIT_MS)
    officer_row.get_by_role("link", name=re.compile("^签收")).click()
    for step, done in (("签收", "已签收"), ("出警", "已出警"), ("到场", "已到场")):
        officer.get_by_role("button", name=step, exact=True).click()
        expect(officer.locator(".messages")).to_contain_text(done)
    officer.get_by_label("转为矛盾纠纷案件").check()
    officer.get_by_label("纠纷类别（转为案件时必选）").select_option("neighbourhood")
    officer.get_by_label("处置情况").fill("双方情绪已稳定，需调解赔偿")
    officer.get_by_role("button", name="提交反馈").click()
    expect(officer.locator(".messages")).to_contain_text("已转为矛盾纠纷案件")
    incident.refresh_from_db()
    assert incident.case is not None and incident.case.incident_number == number
    officer.locator(".incident-result").get_by_role("link", name=incident.case.reference).click()
    expect(officer.locator("main")).to_contain_text(number)
    officer.context.close()

    # The station's response-time figure counts it.
    page.goto("/figures/response/")
    expect(page.locator("#h-arrival")).to_contain_text("接警 1 起")
    expect(page.locator("main")).to_contain_text(world.station_a.name)
    assert page_errors == []
