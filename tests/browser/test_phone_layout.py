"""A day on the phone (390×844): every menu tab can be reached, the worklist shows several
cases on its first screen, a closed case's page is short with its record folded into sections
that open on a tap, and numbers (case references, dates) never break in the middle."""

from __future__ import annotations

import pytest

from fengqiao.disputes import services
from tests.browser.conftest import PHONE
from tests.disputes.ladder_cases import case_at

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None

SCREEN_WIDTH = PHONE["viewport"]["width"]
SCREEN_HEIGHT = PHONE["viewport"]["height"]

LONG_TITLE = "楼上住户每天半夜拖椅子、跺脚，楼下老人多次上门沟通无果，双方在楼道里争吵，邻居报警"

# An inline element reports its boxes line by line (an ellipsis may split one line's box, so
# count the distinct tops); a block's height against its line height.
LINES_OF = """element => {
  const style = getComputedStyle(element);
  if (style.display.startsWith("inline") && style.display !== "inline-block") {
    return new Set([...element.getClientRects()].map(box => Math.round(box.top))).size;
  }
  const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
  return Math.round(element.getBoundingClientRect().height / line);
}"""


IN_VIEW = """e => {
  const r = e.getBoundingClientRect();
  return r.left >= 0 && r.right <= innerWidth + 0.5;
}"""
# The strip has moved right and come to rest (the same position on two frames running).
SCROLLED_AND_SETTLED = """before => {
  const now = document.querySelector("nav.mainnav").scrollLeft;
  const settled = window.lastNavScroll === now;
  window.lastNavScroll = now;
  return now > before && settled;
}"""


def _in_view(page, locator) -> bool:
    return locator.evaluate(IN_VIEW)


def _comes_into_view(page, locator) -> bool:
    """Whether the tab is (or, once a smooth scroll settles, comes) fully on screen."""
    try:
        page.wait_for_function(IN_VIEW, arg=locator.element_handle(), timeout=3_000)
    except Exception:  # Playwright's TimeoutError: it stayed (partly) off screen
        return False
    return True


def _nav_tabs_reachable(page) -> None:
    """Every tab is on screen or, when the strip overflows, the 更多› hint shows and scrolling
    brings the tab fully on screen; at the strip's end the hint goes away."""
    nav = page.locator("nav.mainnav")
    hint = page.locator(".mainnav-more")
    tabs = nav.get_by_role("link")
    names = [name.strip() for name in tabs.all_inner_texts()]
    assert len(names) >= 5, names
    overflows = nav.evaluate("n => n.scrollWidth > n.clientWidth + 1")
    if overflows:
        expect(hint).to_be_visible()
        before = nav.evaluate("n => n.scrollLeft")
        hint.tap()  # the hint scrolls the strip on a tap
        page.wait_for_function(SCROLLED_AND_SETTLED, arg=before)
        nav.evaluate("n => n.scrollTo({ left: 0, behavior: 'instant' })")
    for i, name in enumerate(names):
        tab = tabs.nth(i)
        if not _in_view(page, tab):
            assert overflows, f"{name} is off screen and the strip does not scroll"
            tab.scroll_into_view_if_needed()
        assert _comes_into_view(page, tab), f"{name} cannot be brought on screen"
    if overflows:
        nav.evaluate("n => { n.scrollLeft = n.scrollWidth; }")
        expect(hint).to_be_hidden()


@pytest.mark.parametrize("who", ["officer_a", "chief"])
def test_every_menu_tab_can_be_reached_and_the_current_one_is_on_screen(
    world, page, logged_in_page, page_errors, who
):
    logged_in_page(getattr(world, who))
    page.goto("/")
    _nav_tabs_reachable(page)

    # The last tab opens its page, where it is the current tab and is scrolled into view.
    last = page.locator("nav.mainnav").get_by_role("link").last
    name = last.inner_text().strip()
    last.scroll_into_view_if_needed()
    last.click()
    current = page.locator("nav.mainnav a[aria-current=page]")
    expect(current).to_have_text(name)
    assert _comes_into_view(page, current), f"the current tab {name} is off screen"
    assert page_errors == []


def test_the_worklist_shows_five_cases_on_the_first_screen(
    world, page, logged_in_page, page_errors
):
    for n in range(8):
        case_at(1, title=f"{LONG_TITLE}（{n}）")
    logged_in_page(world.officer_a)
    page.goto("/cases/")
    cards = page.locator("li.case-card")
    expect(cards).to_have_count(8)
    on_first_screen = page.evaluate(
        "h => [...document.querySelectorAll('li.case-card')]"
        ".filter(card => card.getBoundingClientRect().bottom <= h).length",
        SCREEN_HEIGHT,
    )
    assert on_first_screen >= 5, f"only {on_first_screen} cases on the first screen"

    # The filters are folded into 筛选: one tap shows the search box.
    search = page.get_by_label("编号、事由、当事人或手机号后四位")
    expect(search).to_be_hidden()
    page.locator("details.case-filter-more > summary").tap()
    expect(search).to_be_visible()

    # References and dates in the cards stay whole, even with the text doubled (a 390 px
    # phone at 200% zoom lays out about 200 px), where a reference no longer fits its line.
    page.set_viewport_size({"width": 200, "height": SCREEN_HEIGHT})
    for element in page.locator("li.case-card .num").all():
        assert element.evaluate(LINES_OF) == 1, element.inner_text()
    assert page_errors == []


def _closed_case(world):
    case = case_at(1, title=LONG_TITLE)
    for role, name in (("applicant", "李明"), ("respondent", "赵强")):
        services.add_party(case=case, actor=None, role=role, name=name)
    case = services.accept_case(case=case, actor=world.grid_worker_a1)
    return services.close_or_verify(case=case, actor=world.grid_worker_a1, note="双方已和解")


def test_a_closed_case_page_is_short_and_its_sections_open_on_a_tap(
    world, page, logged_in_page, page_errors
):
    case = _closed_case(world)
    assert case.state == "closed"
    logged_in_page(world.officer_a)
    page.goto(f"/cases/{case.reference}/")

    # The state and clocks stay at the top; the record below is folded.
    expect(page.locator(".case-head .case-badges")).to_contain_text("已结案")
    expect(page.locator("ul.clocks")).to_be_visible()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2000, f"a closed case's page is {height} px tall"

    timeline = page.locator("#case-timeline")
    expect(timeline.locator("ol.timeline")).to_be_hidden()
    timeline.locator(":scope > summary").tap()
    expect(timeline.locator("ol.timeline")).to_be_visible()
    expect(timeline.locator("ol.timeline")).to_contain_text("双方已和解")

    parties = page.locator("#case-parties")
    expect(parties.locator(":scope > summary")).to_contain_text("李明")
    parties.locator(":scope > summary").tap()
    expect(parties.locator("li.party").first).to_be_visible()

    # The reference and the timeline's times stay whole, even with the text doubled.
    page.set_viewport_size({"width": 200, "height": SCREEN_HEIGHT})
    for element in page.locator(".case-body .num:visible").all():
        assert element.evaluate(LINES_OF) == 1, element.inner_text()
    assert page_errors == []
