"""A community police officer on his phone: log in, look around his township, switch to
English, log out; and a mistyped password that keeps the username."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, screenshot_dir

pytestmark = pytest.mark.browser

NAV_ZH = [
    "首页",
    "接处警",
    "案件",
    "典型案例",
    "办事服务",
    "统计分析",
    "登记",
    "社区群",
    "人口房屋",
    "走访",
    "区域",
    "单位",
    "人员",
]
NAV_EN = [
    "Home",
    "Dispatch",
    "Cases",
    "Typical cases",
    "Services",
    "Figures",
    "New report",
    "Groups",
    "Registry",
    "Visits",
    "Regions",
    "Units",
    "People",
]

# Draws two different characters; identical pixels mean both came out as the same empty box.
GLYPHS_DIFFER = """(fontFamily) => {
  const draw = (ch) => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext("2d");
    ctx.font = `48px ${fontFamily}`;
    ctx.fillText(ch, 4, 52);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(",");
  };
  return draw("枫") !== draw("桥") && draw("枫") !== draw(" ");
}"""


def nav_labels(page) -> list[str]:
    return [text.strip() for text in page.locator("nav.mainnav a").all_inner_texts()]


def test_officer_logs_in_on_a_phone_sees_his_township_switches_language_and_logs_out(
    world, logged_in_page, page_errors, tmp_path
):
    page = logged_in_page(world.officer_a)
    assert page_errors == []  # the stylesheet and htmx loaded, nothing refused by the CSP

    # Home: his name in the bar and the greeting, the Chinese navigation.
    assert page.url.rstrip("/").endswith(page.url.split("/", 3)[2])  # the site root
    assert page.locator(".topbar .user-name").inner_text() == "officer_a"
    assert "officer_a，您好" in page.locator("h1").inner_text()
    assert nav_labels(page) == NAV_ZH
    assert page.locator("nav.mainnav a[aria-current=page]").inner_text() == "首页"

    # 区域 -> his township -> its grids drawn on the SVG map.
    page.get_by_role("link", name="区域", exact=True).click()
    page.wait_for_url("**/places/regions/**")
    assert page.locator("h1").inner_text() == "区域与网格"
    page.get_by_role("link", name=world.township_a.name).first.click()
    page.wait_for_url(f"**/places/regions/{world.township_a.code}/")
    svg = page.locator("figure.map svg")
    svg.wait_for()
    grids = svg.locator("path.grid")
    assert grids.count() == 2  # grid_a1 and grid_a2; township B's grid is out of scope
    assert {grids.nth(i).get_attribute("data-code") for i in range(2)} == {
        world.grid_a1.code,
        world.grid_a2.code,
    }
    box = svg.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 50
    assert box["width"] <= 390  # fits the phone's width: no sideways scrolling for the map

    # Switch to English: the same page, English labels.
    page.screenshot(path=screenshot_dir(tmp_path) / "township-map-zh.png", full_page=True)
    page.get_by_role("button", name="English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert nav_labels(page) == NAV_EN
    assert page.get_by_role("button", name="中文").is_visible()
    page.get_by_role("link", name="Home", exact=True).click()
    assert "Hello" in page.locator("h1").inner_text()

    # Log out: back at the login page, in English still.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    assert page.locator("h1").inner_text() == "Log in"
    assert page.locator(".topbar .user-name").count() == 0

    shot = screenshot_dir(tmp_path) / "logged-out-en.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 0
    assert page_errors == []


def test_wrong_password_shows_the_chinese_error_and_keeps_the_username(
    world, page, page_errors, tmp_path
):
    log_in(page, "officer_a", "not-the-password")
    page.screenshot(path=screenshot_dir(tmp_path) / "login-error-zh.png", full_page=True)

    assert "/accounts/login/" in page.url
    error = page.get_by_role("alert")
    assert "用户名或密码不正确" in error.inner_text()
    assert page.get_by_label("用户名").input_value() == "officer_a"
    assert page.get_by_label("密码").input_value() == ""
    # The password field gets the focus, so the officer can simply type it again.
    assert page.evaluate("document.activeElement.id") == "id_password"
    assert page_errors == []


def test_chinese_text_renders_with_a_real_cjk_font(world, logged_in_page, cjk_font, tmp_path):
    page = logged_in_page(world.officer_a)

    heading = page.locator("h1")
    box = heading.bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0
    assert page.evaluate(GLYPHS_DIFFER, f'"{cjk_font}"'), f"{cjk_font} draws Chinese as boxes"
    # The page's own font stack names that font and, as a whole, draws Chinese.
    stack = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert cjk_font in stack
    assert page.evaluate(GLYPHS_DIFFER, stack), f"the font stack draws Chinese as boxes: {stack}"

    shot = screenshot_dir(tmp_path) / "home-zh.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 0
