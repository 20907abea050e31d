"""A case's life on phones: a resident reports without logging in; the grid worker accepts
the case; the officer mediates it to an effective agreement; the station chief sees red cases
on the board. No console errors anywhere (the CSP forbids inline scripts)."""

from __future__ import annotations

import re

import pytest

from fengqiao.disputes import services
from fengqiao.intake.services import submit_report
from tests.browser.conftest import htmx_settled, screenshot_dir

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


def _report(*, risk="yellow", text="楼上每天半夜拖椅子，沟通多次没用"):
    return submit_report(
        channel="web",
        kind="dispute",
        category="neighbourhood",
        risk=risk,
        text=text,
        lon=120.005,
        lat=30.005,
        reporter_name="李某",
    ).report.case


def test_a_resident_reports_a_dispute_on_a_phone_and_opens_its_status(world, page, page_errors):
    page.goto("/report/")
    page.get_by_label("发生了什么").fill("楼上每天半夜拖椅子，沟通多次没用，希望社区帮忙协调。")
    page.get_by_role("radio", name="矛盾纠纷").check()
    suggestions = page.locator("#kind-suggestions")
    expect(suggestions).to_contain_text("是不是下面这种？")
    htmx_settled(page)
    suggestions.get_by_role("radio", name=re.compile("^邻里")).check()

    # Placed by name, the way a phone without the map does.
    page.get_by_text("没有地图？按名称选择").click()
    page.get_by_label("乡镇（街道）").select_option(label=world.township_a.name)
    community = page.get_by_label("村（社区）")
    expect(community).to_be_enabled()
    htmx_settled(page)
    community.select_option(label=world.community_a.name)
    grid = page.get_by_label("网格", exact=True)
    expect(grid).to_be_enabled()
    grid.select_option(label=world.grid_a1.name)
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("heading", name="已收到您的反映，谢谢！")).to_be_visible()
    code = page.locator(".tracking-code").inner_text().strip()
    assert code
    page.get_by_role("link", name="查看办理进度").click()
    expect(page.get_by_role("heading", name="办理进度")).to_be_visible()
    expect(page.locator(".tracking-code")).to_have_text(code)
    assert page_errors == []


def test_grid_worker_accepts_and_the_officer_mediates_to_an_effective_agreement(
    world, page, logged_in_page, page_errors, tmp_path
):
    case = _report()
    services.add_party(case=case, actor=None, role="respondent", name="赵某")

    # The grid worker finds it in his worklist and accepts it.
    logged_in_page(world.grid_worker_a1)
    page.locator("nav.mainnav").get_by_role("link", name="案件", exact=True).click()
    page.get_by_role("link", name=case.reference).click()
    page.get_by_text("受理", exact=True).click()
    page.get_by_role("button", name="确认受理").click()
    expect(page.get_by_role("status")).to_contain_text("已完成：受理")

    # The officer records a session.
    page.context.clear_cookies()
    logged_in_page(world.officer_a)
    page.goto(f"/cases/{case.reference}/")
    sessions = page.locator("#case-sessions")
    sessions.get_by_text("记录调解", exact=True).click()
    form = sessions.locator("form")
    form.get_by_label("调解地点").fill("甲村调解室")
    form.get_by_label("grid_worker_a1").check()
    form.get_by_label(re.compile("^调解记录")).fill("双方同意夜间十点后不再拖椅子，赵某赔偿五百元")
    form.get_by_role("button", name="保存调解记录").click()
    expect(page.get_by_role("status")).to_contain_text("已完成：记录调解")
    expect(page.locator("#case-sessions")).to_contain_text("甲村调解室")

    # ... drafts the agreement with one term ...
    agreement = page.locator("#case-agreement")
    agreement.get_by_text("制作调解协议", exact=True).click()
    draft = agreement.locator("form")
    draft.get_by_label("人民调解委员会").fill("甲村人民调解委员会")
    draft.get_by_label("纠纷主要事实").fill("赵某夜间拖椅子影响李某休息")
    draft.get_by_label("争议事项").fill("夜间噪音及赔偿")
    term = draft.locator("fieldset.term-row").first
    term.get_by_label("协议内容").fill("赔偿李某损失")
    term.get_by_label("履行义务人").select_option(label="赵某")
    term.get_by_label("金额（元）").fill("500")
    draft.get_by_role("button", name="保存协议草稿").click()
    expect(page.get_by_role("status")).to_contain_text("已完成：制作调解协议")

    # ... has each party and the mediator sign, applies the seal ...
    for name in ("李某", "赵某", "grid_worker_a1"):
        signer = page.locator("li.signer", has_text=name)
        signer.get_by_role("button", name="签名").click()
        expect(page.locator("li.signer", has_text=name).locator(".badge.ok")).to_be_visible()
    expect(page.locator("#agreement-missing")).to_contain_text("人民调解委员会印章")
    page.get_by_role("button", name="加盖调委会印章").click()

    # ... and sees it effective, with the return visits scheduled.
    expect(page.locator("#case-agreement")).to_contain_text("生效")
    expect(page.locator("#judicial-window")).to_contain_text("还剩 30 天")
    visits = page.locator("#case-visits")
    expect(visits).to_be_visible()
    expect(visits.locator("li.visit").first).to_contain_text("待回访")
    page.screenshot(path=screenshot_dir(tmp_path) / "case-agreement-effective.png", full_page=True)
    assert page_errors == []


def test_the_station_chief_sees_a_red_case_on_the_board(world, logged_in_page, page_errors):
    case = _report(risk="red", text="两户因宅基地边界争执，扬言动手")
    page = logged_in_page(world.chief)
    page.goto("/cases/board/")
    red = page.locator("section.board-red")
    expect(red).to_be_visible()
    expect(red.get_by_role("link", name=case.reference)).to_be_visible()
    assert page_errors == []
