"""Pages beyond the chat on a phone (390×844), served by the ASGI server: while the stream
is open the dispatch board's one-second poll is held back, and a dispatch made elsewhere
reaches the board by push (a nudge, then one request for the rows); a message in one's
group adds one to the nav's unread badge with no request at all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import htmx_settled
from tests.browser.test_live_chat_journey import _count_requests, _phone, _wait_until
from tests.community.conftest import join, make_group
from tests.conftest import _staff
from tests.factories import UserFactory
from tests.live.conftest import serve, session_for  # noqa: F401  (serve is a fixture)
from tests.live.test_topic_push import _alarm, _car

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason
    expect = None


def test_a_dispatch_reaches_the_board_by_push(world, browser, serve, page_errors):  # noqa: F811
    _patrol, patrol_person = _staff(
        "patrol_a", ["auxiliary_police"], unit=world.station_a, grant_unit=world.station_a
    )
    car = _car(world.station_a, [patrol_person])
    incident = _alarm("journey-0001")
    chief = session_for(world.chief)
    served = serve()
    board = _phone(browser, f"http://127.0.0.1:{served.port}", page_errors, "board", chief)
    rows_asked = _count_requests(board, reverse("dispatch:board_rows"))
    board.goto(reverse("dispatch:board"))
    rows = board.locator("#board-rows")
    expect(rows).to_have_attribute("data-push-state", "open")
    expect(rows.locator(f'[data-incident="{incident.number}"]')).to_contain_text("尚未派警")
    _wait_until(lambda: len(rows_asked) >= 1)  # the one catch-up request when it opened
    htmx_settled(board)
    board.wait_for_timeout(3_500)  # three poll periods: the poll stays held back
    asked_before = len(rows_asked)
    assert asked_before <= 3, rows_asked  # the catch-ups (page, badge stream), no 1 s poll

    status, body = served.request(
        "POST", reverse("dispatch:incident", args=[incident.number]), chief, {"unit": car.pk}
    )
    assert status in (200, 302), body[:300]

    expect(rows.locator(f'[data-incident="{incident.number}"]')).to_contain_text(
        "甲镇巡1", timeout=5_000
    )
    assert len(rows_asked) > asked_before
    assert not page_errors, page_errors
    board.context.close()


def test_a_message_adds_one_to_the_nav_badge_without_a_request(world, browser, serve, page_errors):  # noqa: F811
    group = make_group("甲村居民群", "community", world.community_a)
    join(group, world.resident, name="李大姐")
    neighbour = UserFactory(username="neighbour")
    join(group, neighbour, name="王阿姨")
    reader_session, writer = session_for(world.resident), session_for(neighbour)
    served = serve()
    reader = _phone(
        browser, f"http://127.0.0.1:{served.port}", page_errors, "reader", reader_session
    )
    badge_asked = _count_requests(reader, reverse("community:unread"))
    reader.goto(reverse("community:inbox"))
    follower = reader.locator(".nav-unread [data-push-count]")
    expect(follower).to_have_attribute("data-push-state", "open")
    htmx_settled(reader)
    asked_before = len(badge_asked)

    post = reverse("community:post", args=[group.pk])
    for text in ("大家好", "今晚停水"):
        assert served.request("POST", post, writer, {"text": text})[0] == 200

    expect(follower.locator("[data-push-total]")).to_have_text("2", timeout=5_000)
    expect(follower.locator("[data-push-total]")).to_be_visible()
    assert len(badge_asked) == asked_before  # counted on the page: no request per message
    assert not page_errors, page_errors
    reader.context.close()
