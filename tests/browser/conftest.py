"""Browser journeys: Playwright's sync API driving Debian's Chromium on a phone-sized screen.

No ``playwright install``: the browser is the system's ``/usr/bin/chromium`` (or the one named
by FENGQIAO_CHROMIUM), and every test here is skipped, with the reason, when it is missing.
Chinese text needs a CJK font (Debian's ``fonts-noto-cjk``); ``.ci/run`` installs both and sets
FENGQIAO_REQUIRE_BROWSER=1, which turns a missing browser or font into a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django would then refuse the ORM
# calls that live_server and the fixtures make from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
CJK_FONT_FAMILY = "Noto Sans CJK SC"


def chromium_path() -> str | None:
    for candidate in (os.environ.get("FENGQIAO_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium")


def cjk_font_installed() -> bool:
    """Whether fontconfig knows a CJK font; without one Chromium draws Chinese as boxes."""
    if not shutil.which("fc-list"):
        return any(Path("/usr/share/fonts/opentype/noto").glob("NotoSansCJK*"))
    listed = subprocess.run(
        ["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, check=False
    ).stdout
    return bool(listed.strip())


def _missing(reason: str) -> None:
    """Skip, with the reason; where the browser is required (CI), fail instead."""
    if os.environ.get("FENGQIAO_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (FENGQIAO_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    # Playwright is a declared test dependency: without it the install is broken, so fail.
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        _missing("Chromium not found at /usr/bin/chromium: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page_errors():
    """Uncaught script errors, console errors (CSP refusals land there), failed answers."""
    return []


def _console_error(message, errors: list[str]) -> None:
    # A failed load is reported by _failed_response with its URL; the console says only 404.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(f"console error: {message.text}")


def _failed_response(response, errors: list[str]) -> None:
    if response.status >= 400:
        errors.append(f"HTTP {response.status} from {response.url}")


@pytest.fixture
def page(browser, live_server, page_errors):
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(f"page error: {error}"))
    page.on("console", lambda message: _console_error(message, page_errors))
    page.on("response", lambda response: _failed_response(response, page_errors))
    yield page
    context.close()


def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: FENGQIAO_SCREENSHOTS if set (to look at them), else tmp_path."""
    chosen = os.environ.get("FENGQIAO_SCREENSHOTS")
    if not chosen:
        return tmp_path
    path = Path(chosen)
    path.mkdir(parents=True, exist_ok=True)
    return path


def htmx_settled(page) -> None:
    """Wait until htmx has finished swapping: new content gets its htmx behaviour only when
    the settle step runs, so a control can be enabled yet not listening for a moment."""
    from playwright.sync_api import expect

    expect(page.locator(".htmx-request, .htmx-settling")).to_have_count(0)


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Fill in and send the real login form, the way a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def logged_in_page(page):
    """``logged_in_page(user)`` logs ``user`` in through the login form and returns the page."""

    def login(user, password: str = PASSWORD):
        log_in(page, user.get_username(), password)
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return login


@pytest.fixture
def cjk_font():
    if not cjk_font_installed():
        _missing("no CJK font installed: apt-get install fonts-noto-cjk")
    return CJK_FONT_FAMILY
