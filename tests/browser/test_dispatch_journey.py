"""An alarm's whole way on phones: the board picks a new red alarm up by itself and sounds,
the chief sends the first suggested unit with one tap, the unit member's phone reports its
position and records 签收, 出警, 到场 and a 反馈 that opens a case, and the case page carries
the incident's number. No console errors anywhere (the CSP forbids inline scripts)."""

from __future__ import annotations

import re

import pytest

from fengqiao.dispatch import services
from fengqiao.dispatch.models import DutyUnit, Incident
from tests.browser.conftest import PHONE, log_in, screenshot_dir
from tests.dispatch import conftest as dispatch_data

pytestmark = pytest.mark.browser

# Dispatch's units fixture lives beside its tests; named here to be found.
units = dispatch_data.units

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

POLL_WAIT_MS = 15_000  # the board polls every 3 s, the officer's list every 5 s


def _phone(browser, live_server, page_errors, name: str, **extra):
    context = browser.new_context(base_url=live_server.url, **PHONE, **extra)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(f"{name} page error: {error}"))
    page.on(
        "console",
        lambda message: (
            page_errors.append(f"{name} console error: {message.text}")
            if message.type == "error" and not message.text.startswith("Failed to load")
            else None
        ),
    )
    return page


def test_an_alarm_from_the_board_to_a_case(
    world, units, browser, live_server, page, page_errors, tmp_path
):
    # The chief watches the board on their phone, with the sound switched on.
    log_in(page, "chief")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.get_by_role("link", name="接处警").first.click()
    expect(page.get_by_role("heading", name="接处警", exact=True)).to_be_visible()
    page.get_by_role("button", name="开启提示音").click()
    expect(page.get_by_role("button", name="提示音已开启")).to_be_visible()

    # The beat officer's phone is open on their duty page, sharing its position.
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
    beat_unit = DutyUnit.objects.get(pk=units.beat_unit.pk)
    assert (beat_unit.lon, beat_unit.lat) == (120.015, 30.0052)

    # A resident presses the one-click alarm; the board shows it without a reload.
    incident = services.raise_alarm(
        actor=None, sender="session:journey", client_key="journey-0001", lon=120.005, lat=30.005
    )
    assert incident.risk == "red"
    row = page.locator(f"#board-rows [data-incident='{incident.number}']")
    expect(row).to_be_visible(timeout=POLL_WAIT_MS)
    expect(row).to_contain_text("一键报警")
    expect(page.locator("[data-new-red]")).to_be_visible()
    expect(page.locator("#board-rows")).to_have_attribute("data-beeps", "1")
    clock = row.locator("time.clock")
    expect(clock).to_have_text(re.compile(r"^\d{2}:\d{2}$"))
    first = clock.inner_text()
    expect(clock).not_to_have_text(first, timeout=3_000)
    page.screenshot(path=screenshot_dir(tmp_path) / "dispatch-board.png", full_page=True)

    # One tap on the first suggestion (the beat officer's unit) sends it.
    row.get_by_role("link", name=incident.number).click()
    first_suggestion = page.locator(".suggestion").first
    expect(first_suggestion).to_contain_text("甲村民警")
    expect(first_suggestion).to_contain_text("责任区民警")
    first_suggestion.get_by_role("button", name="派警").click()
    expect(page.locator(".messages")).to_contain_text("已派 甲村民警 出警")
    page.screenshot(path=screenshot_dir(tmp_path) / "dispatch-incident.png", full_page=True)

    # The officer's list picks it up; the phone walks the steps and reports.
    officer_row = officer.locator(f"#duty-incidents [data-incident='{incident.number}']")
    expect(officer_row).to_be_visible(timeout=POLL_WAIT_MS)
    officer_row.get_by_role("link", name=re.compile("^签收")).click()
    for step, done in (("签收", "已签收"), ("出警", "已出警"), ("到场", "已到场")):
        officer.get_by_role("button", name=step, exact=True).click()
        expect(officer.locator(".messages")).to_contain_text(done)
    officer.get_by_label("转为矛盾纠纷案件").check()
    officer.get_by_label("纠纷类别（转为案件时必选）").select_option("neighbourhood")
    officer.get_by_label("处置情况").fill("两户因漏水争吵，现场劝开，需调解赔偿")
    officer.get_by_role("button", name="提交反馈").click()
    expect(officer.locator(".messages")).to_contain_text("已转为矛盾纠纷案件")
    officer.screenshot(path=screenshot_dir(tmp_path) / "dispatch-duty.png", full_page=True)

    incident = Incident.objects.select_related("case").get(pk=incident.pk)
    assert incident.status == "closed" and incident.case is not None
    assert incident.accepted_at <= incident.departed_at <= incident.arrived_at

    # The case page carries the incident's number.
    officer.locator(".incident-result").get_by_role("link", name=incident.case.reference).click()
    expect(officer.locator("main")).to_contain_text(incident.number)
    officer.context.close()
    assert page_errors == []
