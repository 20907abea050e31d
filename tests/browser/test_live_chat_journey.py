"""Two phones in one group chat: on the ASGI server a message reaches the other phone by
push while its poller stays quiet; under WSGI (``fengqiao demo``'s kind of server) there is
no stream and the same page gets the message by polling."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from tests.browser.conftest import PHONE, _console_error, _failed_response, htmx_settled, log_in
from tests.community.conftest import join, make_group
from tests.factories import UserFactory
from tests.live.conftest import serve, session_for  # noqa: F401  (serve is a fixture)

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


def _village(world):
    group = make_group("甲村居民群", "community", world.community_a)
    join(group, world.resident, name="李大姐")
    neighbour = UserFactory(username="neighbour")
    join(group, neighbour, name="王阿姨")
    return group, neighbour


def _phone(browser, base_url: str, page_errors: list, name: str, session: str | None = None):
    context = browser.new_context(base_url=base_url, **PHONE)
    context.set_default_timeout(15_000)
    if session:
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}]
        )
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(f"{name} page error: {error}"))
    page.on("console", lambda message: _console_error(message, page_errors))
    page.on("response", lambda response: _failed_response(response, page_errors))
    return page


def _count_requests(page, fragment: str) -> list:
    seen = []
    page.on("request", lambda request: fragment in request.url and seen.append(request.url))
    return seen


def _wait_until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_message_reaches_the_other_phone_by_push(world, browser, serve, page_errors):  # noqa: F811
    group, neighbour = _village(world)
    resident, poster = session_for(world.resident), session_for(neighbour)
    served = serve()
    base = f"http://127.0.0.1:{served.port}"
    reader = _phone(browser, base, page_errors, "reader", resident)
    writer = _phone(browser, base, page_errors, "writer", poster)
    polls = _count_requests(reader, f"/community/g/{group.pk}/messages/")
    for phone in (reader, writer):
        phone.goto(f"/community/g/{group.pk}/")
        expect(phone.locator("#chat-list")).to_have_attribute("data-live-state", "open")
    _wait_until(lambda: len(polls) >= 1)  # the one catch-up poll when the stream opened
    htmx_settled(reader)
    polled_before = len(polls)

    writer.get_by_label("发消息").fill("今晚八点停水，大家提前储水")
    writer.get_by_role("button", name="发送").click()

    expect(reader.locator("#chat-list")).to_contain_text("今晚八点停水", timeout=5_000)
    reader.wait_for_timeout(3_500)  # more than two poll periods: the poller stays held back
    assert len(polls) == polled_before
    expect(reader.locator("#chat-list article")).to_have_count(1)
    expect(writer.locator("#chat-list article.own")).to_have_count(1)  # own copy, once
    assert not page_errors, page_errors
    reader.context.close()
    writer.context.close()


def test_under_wsgi_the_page_polls_and_opens_no_stream(world, browser, live_server, page_errors):
    group, neighbour = _village(world)
    reader = _phone(browser, live_server.url, page_errors, "reader")
    writer = _phone(browser, live_server.url, page_errors, "writer")
    streams = _count_requests(reader, "/live/stream")
    polls = _count_requests(reader, f"/community/g/{group.pk}/messages/")
    log_in(reader, "resident")
    log_in(writer, "neighbour")
    for phone in (reader, writer):
        phone.wait_for_url(lambda url: "/accounts/login/" not in url)
        phone.goto(f"/community/g/{group.pk}/")
    assert reader.locator("#chat-list").get_attribute("data-live-stream") is None

    writer.get_by_label("发消息").fill("楼道灯坏了")
    writer.get_by_role("button", name="发送").click()

    expect(reader.locator("#chat-list")).to_contain_text("楼道灯坏了", timeout=5_000)
    assert polls, "the message came by the poll"
    assert not streams
    assert not page_errors, page_errors
    reader.context.close()
    writer.context.close()


def _set_visibility(page, state: str) -> None:
    page.evaluate(
        """state => {
            Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def test_a_hidden_tab_gives_its_stream_back_and_catches_up_when_shown(
    world,
    browser,
    serve,  # noqa: F811
    page_errors,
):
    """Browsers allow six HTTP/1.1 connections per host: a tab in the background must not
    hold a stream. Hidden, it closes it (and polls); shown again, it reopens and catches up."""
    group, neighbour = _village(world)
    resident, poster = session_for(world.resident), session_for(neighbour)
    served = serve()
    base = f"http://127.0.0.1:{served.port}"
    reader = _phone(browser, base, page_errors, "reader", resident)
    streams = _count_requests(reader, "/live/stream")
    reader.goto(f"/community/g/{group.pk}/")
    chat = reader.locator("#chat-list")
    expect(chat).to_have_attribute("data-live-state", "open")
    opened = len(streams)

    _set_visibility(reader, "hidden")
    expect(chat).to_have_attribute("data-live-state", "paused")
    status, _ = served.request(
        "POST",
        f"/community/g/{group.pk}/post/",
        poster,
        form={"text": "后台时发的消息", "client_id": "hidden-tab-1"},
    )
    assert status in (200, 302)

    _set_visibility(reader, "visible")
    expect(chat).to_have_attribute("data-live-state", "open")
    assert len(streams) > opened, "showing the tab opens a stream again"
    expect(chat).to_contain_text("后台时发的消息", timeout=10_000)
