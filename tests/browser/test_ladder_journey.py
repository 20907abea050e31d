"""The three-level ladder on phones, as the people on it work it (issue 15's "done when").

A resident reports a neighbours' dispute on the public form; the grid worker accepts it,
adds the other party and fails to settle it at level 1; the community police escalate it to
the township, hand the broken stairwell lamp to the street's city-management squad (the
case's clocks wait) and see its answer come back; the township's mediator settles it, both
parties and the mediator sign and the committee's seal makes the agreement effective; the
station chief supervises it with a yellow card, the mediator answers and the chief closes
the order; the mediator closes the case, which waits for someone other than its handlers to
verify it (the township's judicial officer, a member of the committee, may not); the chief
verifies it; the mediator records a return visit; the resident rates the outcome with the
tracking code and the case page shows the rating.

Every step goes through the pages and forms, each person logging in with the login form.
The hand-off comes right after the escalation, while the case is still open: only an open
case's clocks pause for a hand-off, so that is where "the clock resumes" can be seen.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from fengqiao.intake.models import Report
from fengqiao.org.models import Team
from tests.browser.conftest import (
    PHONE,
    _console_error,
    _failed_response,
    htmx_settled,
    log_in,
    screenshot_dir,
)
from tests.factories import AccessGrantFactory, PersonFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

# A blue matter between neighbours who still talk: it starts at level 1 (triage's GUIDE: a
# yellow one would start with the community police at level 2).
STORY = "楼上邻居每天半夜拖椅子、放音乐，楼道灯也坏了，想请网格员帮忙协调一下。"


def _township_person(username: str, name: str, role: str, region):
    """Someone posted in (and granted) ``region`` with one role, as the org admin sets up."""
    user = UserFactory(username=username, first_name=name)
    person = PersonFactory(user=user, name=name, region=region, role_codes=[role])
    AccessGrantFactory(user=user, region=region)
    return user, person


@pytest.fixture
def township_bodies(world):
    """What the world lacks for level 2 and the hand-off: township A's people's mediation
    committee (a mediator and the judicial officer) and the town's city-management squad
    with an agency account."""
    mediator, mediator_person = _township_person(
        "mediator_a", "钱调解", "mediator", world.township_a
    )
    judicial, judicial_person = _township_person(
        "judicial_a", "孙司法", "judicial_officer", world.township_a
    )
    committee = Team.objects.create(
        name="甲镇人民调解委员会", kind=Team.Kind.COMMITTEE, region=world.township_a
    )
    committee.members.add(mediator_person, judicial_person)
    squad = Team.objects.create(name="甲镇城管中队", kind=Team.Kind.AGENCY, region=world.township_a)
    agency, agency_person = _township_person("lamps_a", "周城管", "agency_staff", world.township_a)
    squad.members.add(agency_person)
    return {"mediator": mediator, "judicial": judicial, "agency": agency, "squad": squad}


def _switch(page, user, reference: str = "") -> None:
    """The next person picks up the phone: log out (cookies gone), log in with the form,
    and open the case if one is named."""
    page.context.clear_cookies()
    log_in(page, user.get_username())
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if reference:
        _open_case(page, reference)


def _fits_the_phone(page) -> None:
    """Nothing sticks out sideways: the page is no wider than the phone's screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"{page.url} is {width} px wide"


def _snap(page, path) -> None:
    """A full-page screenshot of a step, and the check that it fits the phone."""
    page.screenshot(path=str(path), full_page=True)
    _fits_the_phone(page)


def _notice(page):
    """The case page's notice of the step just done (steps swap the case's body in)."""
    return page.locator("#case-body").get_by_role("status")


def _open_case(page, reference: str) -> None:
    page.goto(f"/cases/{reference}/")
    expect(page.locator(".case-ref")).to_have_text(reference)


def _act(page, label: str, fields: dict[str, str] | None = None, *, done: str | None = None):
    """Open one of the case's actions, fill its form and confirm it; wait for the notice."""
    actions = page.locator("#case-actions")
    actions.locator("summary", has_text=re.compile(f"^{re.escape(label)}$")).click()
    form = actions.locator("details[open] form")
    for field, value in (fields or {}).items():
        control = form.get_by_label(re.compile(f"^{re.escape(field)}"))
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(label=value)
        else:
            control.fill(value)
    form.get_by_role("button", name=f"确认{label}").click()
    expect(_notice(page)).to_contain_text(f"已完成：{done or label}")
    htmx_settled(page)


def _record_session(page, *, mediator: str, outcome: str, record: str, reason: str = ""):
    sessions = page.locator("#case-sessions")
    sessions.get_by_text("记录调解", exact=True).click()
    form = sessions.locator("form")
    form.get_by_label("调解地点").fill("甲村调解室")
    form.get_by_label(mediator, exact=True).check()
    form.get_by_label("参加人员").fill("李明、赵强")
    form.get_by_label(re.compile("^调解记录")).fill(record)
    form.get_by_label("调解结果").select_option(label=outcome)
    if reason:
        form.get_by_label("调解不成的原因").fill(reason)
    form.get_by_role("button", name="保存调解记录").click()
    expect(_notice(page)).to_contain_text("已完成：记录调解")
    htmx_settled(page)


def test_a_dispute_climbs_the_ladder_and_comes_back_rated(
    world, township_bodies, browser, live_server, page, page_errors, tmp_path
):
    shots = screenshot_dir(tmp_path)
    mediator, judicial = township_bodies["mediator"], township_bodies["judicial"]
    agency = township_bodies["agency"]

    # 1. 李明 reports on the public form without logging in, and keeps the tracking code.
    page.goto("/report/")
    page.get_by_label("发生了什么").fill(STORY)
    page.get_by_role("radio", name="矛盾纠纷").check()
    suggestions = page.locator("#kind-suggestions")
    expect(suggestions).to_contain_text("是不是下面这种？")
    htmx_settled(page)
    suggestions.get_by_role("radio", name=re.compile("^邻里")).check()
    # Placed by the grid list, away from any edge: no grid question.
    page.get_by_text("没有地图？按名称选择").click()
    page.get_by_label("乡镇（街道）").select_option(label=world.township_a.name)
    community = page.get_by_label("村（社区）")
    expect(community).to_be_enabled()
    htmx_settled(page)
    community.select_option(label=world.community_a.name)
    grid = page.get_by_label("网格", exact=True)
    expect(grid).to_be_enabled()
    grid.select_option(label=world.grid_a1.name)
    page.get_by_label("姓名", exact=True).fill("李明")
    _fits_the_phone(page)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="已收到您的反映，谢谢！")).to_be_visible()
    code = page.locator(".tracking-code").inner_text().strip()
    reference = Report.objects.get(tracking_code=code).case.reference

    # 2. Level 1: the grid worker accepts it from his worklist, adds the other party and
    # records a session that fails.
    _switch(page, world.grid_worker_a1)
    page.locator("nav.mainnav").get_by_role("link", name="案件", exact=True).click()
    page.get_by_role("link", name=reference).click()
    expect(page.locator("#case-parties")).to_contain_text("李明")
    _act(page, "受理")
    parties = page.locator("#case-parties")
    parties.locator(":scope > summary").click()  # the parties fold below the actions
    parties.get_by_text("登记当事人", exact=True).click()
    add = parties.locator("#party-add form")
    add.get_by_role("combobox", name=re.compile("^身份")).select_option(label="被申请人")
    add.get_by_label("姓名或单位名称").fill("赵强")
    add.get_by_label("住址或住所").fill("甲村1号3楼")
    add.get_by_role("button", name="保存当事人").click()
    expect(page.get_by_role("status")).to_contain_text("已登记当事人：赵强")
    expect(page.locator("#case-parties li.party", has_text="赵强")).to_contain_text("被申请人")
    _record_session(
        page,
        mediator="grid_worker_a1",
        outcome="调解不成",
        record="赵强认为声音不大，不同意调整作息",
        reason="双方分歧较大，需镇调委会介入",
    )
    expect(page.locator(".case-badges")).to_contain_text("调解未成")
    expect(page.locator("#case-sessions")).to_contain_text("双方分歧较大，需镇调委会介入")

    # 3a. The community police escalate it to the township: its committee joins.
    _switch(page, world.officer_a, reference)
    _act(page, "上报上一级", {"理由": "村级调解未成，请镇人民调解委员会调解"})
    expect(page.locator(".case-head")).to_contain_text("甲镇人民调解委员会")
    expect(page.locator(".case-head")).to_contain_text("钱调解")

    # 4. ... and hand the dark stairwell to the squad: the case's clocks wait for it.
    handoffs = page.locator("#case-handoffs")
    handoffs.locator(":scope > summary").click()  # folded while nothing is handed off
    handoffs.get_by_text("转办给责任单位", exact=True).click()
    form = handoffs.locator("details[open] form")
    form.get_by_label("承办单位类别").select_option(label="乡镇（街道）职能部门")
    form.get_by_label(re.compile("^协办单位")).select_option(label="甲镇城管中队")
    form.get_by_label("转办事项").fill("甲村1号楼道灯损坏，夜间漆黑，请维修")
    # A week to answer is suggested, in the date picker itself.
    week = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    expect(form.get_by_label(re.compile("^答复期限"))).to_have_value(week)
    expect(form.get_by_label("等待答复期间暂停计时")).to_be_checked()
    form.get_by_role("button", name="确认转办").click()
    row = page.locator("#case-handoffs li.handoff", has_text="甲镇城管中队")
    expect(row).to_contain_text("等待答复")
    expect(row).to_contain_text("计时暂停")
    expect(page.locator("ul.clocks")).to_contain_text("已暂停")

    # The squad's account answers on its own page, reached from its menu.
    _switch(page, agency)
    page.locator("nav.mainnav").get_by_role("link", name="转办事项").click()
    page.get_by_role("link", name=reference).click()
    expect(page.locator("main")).to_contain_text("甲村1号楼道灯损坏")
    _fits_the_phone(page)
    page.get_by_label("办理结果").select_option(label="已办理")
    page.get_by_label("答复内容").fill("已更换楼道灯，恢复照明")
    page.get_by_role("button", name="提交答复").click()
    expect(page.locator("main")).to_contain_text("已更换楼道灯，恢复照明")

    # The officer sees the answer on the case page; the clocks run again.
    _switch(page, world.officer_a, reference)
    row = page.locator("#case-handoffs li.handoff", has_text="甲镇城管中队")
    expect(row.locator(".handoff-answer")).to_contain_text("已更换楼道灯，恢复照明")
    expect(row).to_contain_text("已办理")
    expect(row).not_to_contain_text("计时暂停")
    expect(page.locator("ul.clocks")).not_to_contain_text("已暂停")
    expect(page.locator("ol.timeline")).to_contain_text("转办答复已回，恢复计时")
    _snap(page, shots / "ladder-handoff-answered.png")

    # 3b. Level 2: the township's mediator has work to do here, settles it in a session,
    # drafts the agreement binding both parties, has them sign, signs and seals it.
    _switch(page, mediator, reference)
    actions = page.locator("#case-actions")
    expect(actions).not_to_contain_text("您没有可以办理的事项")
    expect(actions.locator("details.action").first).to_be_visible()
    _record_session(
        page,
        mediator="钱调解",
        outcome="达成一致",
        record="双方同意晚十点后不再拖椅子、放音乐，赵强赔偿李明五百元",
    )
    agreement = page.locator("#case-agreement")
    agreement.get_by_text("制作调解协议", exact=True).click()
    draft = agreement.locator("details[open] form")
    draft.get_by_label("人民调解委员会").fill("甲镇人民调解委员会")
    draft.get_by_label("纠纷主要事实").fill("赵强夜间拖椅子、放音乐，影响李明休息")
    draft.get_by_label("争议事项").fill("夜间噪音及赔偿")
    for name in ("李明", "赵强"):
        expect(draft.get_by_label(re.compile(name))).to_be_checked()
    term = draft.locator("fieldset.term-row").first
    term.get_by_label("协议内容").fill("晚十点后保持安静，赔偿李明损失")
    term.get_by_label("履行义务人").select_option(label="赵强")
    term.get_by_label("金额（元）").fill("500")
    draft.get_by_role("button", name="保存协议草稿").click()
    expect(_notice(page)).to_contain_text("已完成：制作调解协议")
    htmx_settled(page)
    expect(page.locator(".agreement-parties")).to_contain_text("李明（申请人）")
    expect(page.locator(".agreement-parties")).to_contain_text("赵强（被申请人）")
    # The level-1 session's mediator is offered too; one mediator's signature is enough.
    for name in ("李明", "赵强", "钱调解"):
        signer = page.locator("li.signer", has_text=name)
        signer.get_by_role("button", name="签名").click()
        expect(page.locator("li.signer", has_text=name).locator(".badge.ok")).to_be_visible()
        htmx_settled(page)
    expect(page.locator("#agreement-missing")).to_contain_text("人民调解委员会印章")
    page.get_by_role("button", name="加盖调委会印章").click()
    expect(page.locator("#case-agreement")).to_contain_text("生效")
    expect(page.locator(".case-badges")).to_contain_text("回访")
    _snap(page, shots / "ladder-agreement-effective.png")

    # 5. The station chief supervises it with a yellow card held against the mediator.
    _switch(page, world.chief, reference)
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    _act(
        page,
        "督办",
        {
            "督办事由": "镇级调解案件，请落实协议履行",
            "办结期限": due,
            "亮牌": "黄牌",
            "被督办人": "钱调解",
        },
    )
    orders = page.locator("#case-ladder ul.supervisions")
    expect(orders).to_contain_text("黄牌")
    expect(orders).to_contain_text("待反馈")
    expect(orders).to_contain_text("钱调解")
    expect(page.locator("#case-ladder")).to_contain_text("扣 1 分")

    # The mediator answers the order and closes the case: it waits for verification.
    _switch(page, mediator, reference)
    _act(page, "反馈督办", {"办理情况": "已督促赵强履行，双方关系缓和"})
    expect(orders).to_contain_text("已反馈，待办结")
    _act(page, "结案（提请验证）", {"说明": "协议已生效，双方满意"}, done="结案")
    expect(page.locator(".case-badges")).to_contain_text("待验证")
    expect(page.locator("#case-ladder")).to_contain_text("须由承办人以外的人验证")
    expect(page.locator("#case-actions")).not_to_contain_text("验证通过")

    # The judicial officer could verify a committee's case, but is one of its handlers.
    _switch(page, judicial, reference)
    expect(page.locator(".case-head")).to_contain_text("孙司法")
    expect(page.locator("#case-actions")).not_to_contain_text("验证通过")

    # 6. The chief closes the order and verifies the case: closed.
    _switch(page, world.chief, reference)
    _act(page, "办结督办", {"说明": "已落实"})
    expect(page.locator("#case-ladder ul.supervisions")).to_contain_text("督办已办结")
    _act(page, "验证通过，结案", {"说明": "电话核实双方，纠纷已化解"})
    expect(page.locator(".case-badges")).to_contain_text("已结案")
    expect(page.locator("#case-ladder")).to_contain_text("已验证")
    _snap(page, shots / "ladder-verified.png")

    # 7. The mediator makes the first return visit ...
    _switch(page, mediator, reference)
    visit = page.locator("#case-visits li.visit").first
    visit.get_by_text("登记回访", exact=True).click()
    form = visit.locator("form")
    form.get_by_label("回访方式").select_option(label="上门回访")
    form.get_by_label("协议履行情况").fill("已赔偿五百元，夜间不再吵闹")
    form.get_by_label("回访结果").select_option(label="已化解")
    form.get_by_role("button", name="保存回访记录").click()
    expect(_notice(page)).to_contain_text("已完成：登记回访")
    expect(page.locator("#case-visits li.visit").first).to_contain_text("已化解")

    # ... and 李明, on his own phone with his tracking code, rates the outcome.
    phone = browser.new_context(base_url=live_server.url, **PHONE)
    resident = phone.new_page()
    resident.on("pageerror", lambda error: page_errors.append(f"page error: {error}"))
    resident.on("console", lambda message: _console_error(message, page_errors))
    resident.on("response", lambda response: _failed_response(response, page_errors))
    resident.goto("/report/status/")
    resident.get_by_label(re.compile("查询码")).fill(code)
    resident.get_by_role("button", name=re.compile("查询")).click()
    expect(resident.get_by_role("heading", name="办理进度")).to_be_visible()
    expect(resident.locator("#handoffs")).to_contain_text("已更换楼道灯，恢复照明")
    resident.get_by_role("radio", name="已解决").check()
    resident.locator(".score-row").get_by_role("radio", name="5").check()
    resident.get_by_role("button", name="提交评价").click()
    expect(resident.locator("main")).to_contain_text("您的评价：已解决，满意度 5 分")
    expect(resident.locator(".timeline")).to_contain_text("已调解，正在核实办理结果")
    expect(resident.locator(".timeline")).not_to_contain_text("verifying")
    _snap(resident, shots / "ladder-rated.png")
    phone.close()

    # The case page shows the rating.
    page.reload()
    expect(page.locator("#case-ladder .rating")).to_have_text("★★★★★")
    expect(page.locator("#case-ladder")).to_contain_text("查看原始反映")
    assert page_errors == []
