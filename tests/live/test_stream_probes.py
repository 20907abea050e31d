"""``/live/stream`` probed as a hostile client would, against a real server (uvicorn on SQLite,
gunicorn with two UvicornWorker processes on PostgreSQL): malformed and excessive topics,
foreign origins and hosts, dead or foreign cookies, and an account closed or logged out
while its stream is open."""

from __future__ import annotations

import contextlib
import http.client

from django.conf import settings

from tests.community.conftest import join, make_group
from tests.factories import UserFactory
from tests.live.conftest import session_for


def _village(world):
    group = make_group("甲村居民群", "community", world.community_a)
    join(group, world.officer_a, name="officer_a", role="community_police")
    join(group, world.resident, name="李大姐")
    neighbour = UserFactory(username="neighbour")
    join(group, neighbour, name="王阿姨")
    return group, neighbour


def _raw_status(served, path: str, headers: dict, method: str = "GET") -> int | None:
    """The status of one request as sent (None when the server drops the connection)."""
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        if response.status != 200:  # an admitted stream never ends: its status is enough
            response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def _post(served, session, group, text):
    status, body = served.request("POST", f"/community/g/{group.pk}/post/", session, {"text": text})
    assert status == 200, body[:500]


def test_malformed_excessive_and_foreign_stream_requests_are_refused(world, serve):
    group, _neighbour = _village(world)
    resident = session_for(world.resident)
    closed = UserFactory(username="closed_account")
    join(group, closed, name="已注销")
    closed_session = session_for(closed)
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    served = serve()
    topic = f"group:{group.pk}"
    assert served.stream(resident, topic).status == 200  # the probes below are not all refused

    for bad in (
        "group:abc",
        "group:-1",
        f"group:0{group.pk}",
        "group:0",
        f"group:{group.pk}\x00",
        f"group:{group.pk} ",
        "group:",
    ):
        assert served.stream(resident, bad).status in (400, 403), bad
    assert served.stream(resident, *[f"{topic}"] * 2).status == 400  # a topic twice
    many = [f"group:{n}" for n in range(group.pk, group.pk + 9)]
    assert served.stream(resident, *many).status == 400  # more than 8
    assert served.stream(resident).status == 400  # none

    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={resident}"}
    path = f"/live/stream?topic={topic}"
    assert _raw_status(served, "/live/stream?topic=group:" + "1" * 60_000, cookie) != 200
    assert _raw_status(served, path, cookie, method="POST") == 405
    for foreign in (
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1.evil.example"},
        {"Host": "evil.example"},
    ):
        assert served.stream(resident, topic, headers=foreign).status == 403, foreign

    assert served.stream(closed_session, topic).status == 403  # a deactivated account
    assert served.stream("not-a-session-key", topic).status == 403
    assert served.stream(resident + "x", topic).status == 403
    # The server is still there for the honest page.
    assert served.stream(resident, topic).status == 200


def test_an_account_closed_or_logged_out_mid_stream_stops_receiving(world, serve):
    group, neighbour = _village(world)
    resident, officer, poster = (
        session_for(u) for u in (world.resident, world.officer_a, neighbour)
    )
    served = serve()
    closing = served.stream(resident, f"group:{group.pk}")
    logging_out = served.stream(officer, f"group:{group.pk}")
    _post(served, poster, group, "第一条")
    assert "第一条" in closing.next("message").data["data"]["html"]
    assert "第一条" in logging_out.next("message").data["data"]["html"]

    served.sql("UPDATE auth_user SET is_active = %s WHERE id = %s", [False, world.resident.pk])
    served.sql("DELETE FROM django_session WHERE session_key = %s", [officer])

    for stream in (closing, logging_out):
        stream.next("denied", timeout=10)  # the periodic re-check (1 s here)
        assert stream.closed.wait(5)
    _post(served, poster, group, "第二条")
    for stream in (closing, logging_out):
        assert all("第二条" not in str(e.data) for e in stream.drain(2))
    assert served.stream(resident, f"group:{group.pk}").status == 403
    assert served.stream(officer, f"group:{group.pk}").status == 403
