"""Group chats by server push, against a real server: uvicorn on SQLite, gunicorn with two
UvicornWorker processes on PostgreSQL (a note crosses processes by NOTIFY)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.utils import timezone

from fengqiao import triage
from fengqiao.community.masking import mask_numbers
from tests.community.conftest import join, make_group
from tests.factories import UserFactory
from tests.live.conftest import session_for

PHONE_TEXT = "我家水管漏水，请联系 13812345678"


def _village(world):
    group = make_group("甲村居民群", "community", world.community_a)
    join(group, world.officer_a, name="officer_a", role="community_police")
    join(group, world.resident, name="李大姐")
    neighbour = UserFactory(username="neighbour")
    join(group, neighbour, name="王阿姨")
    return group, neighbour


def _post(served, session, group, text, **extra):
    status, body = served.request(
        "POST", f"/community/g/{group.pk}/post/", session, {"text": text, **extra}
    )
    assert status == 200, body[:500]


def _message_ids(events) -> set[int]:
    return {e.data["data"]["id"] for e in events if e.name == "message"}


def test_resident_gets_masked_text_and_staff_the_full_text(world, serve):
    group, neighbour = _village(world)
    resident, staff, poster = (session_for(u) for u in (world.resident, world.officer_a, neighbour))
    served = serve()
    resident_stream = served.stream(resident, f"group:{group.pk}")
    staff_stream = served.stream(staff, f"group:{group.pk}")
    poster_stream = served.stream(poster, f"group:{group.pk}")

    _post(served, poster, group, PHONE_TEXT)

    seen_by_resident = resident_stream.next("message").data["data"]["html"]
    seen_by_staff = staff_stream.next("message").data["data"]["html"]
    seen_by_poster = poster_stream.next("message").data["data"]["html"]
    assert mask_numbers(PHONE_TEXT) in seen_by_resident
    assert "13812345678" not in seen_by_resident
    assert "13812345678" in seen_by_staff
    # The author's own copy is rendered apart ("own"), and others' is not.
    assert "chat-message own" in seen_by_poster
    assert "chat-message own" not in seen_by_resident
    # One rendering serves many sessions: no session's CSRF token is in it.
    assert "csrfmiddlewaretoken" not in seen_by_staff


def test_a_stream_for_a_group_one_may_not_open_is_refused(world, serve):
    group, _neighbour = _village(world)
    outsider = UserFactory(username="outsider")
    other_township = make_group("乙社区居民群", "community", world.community_b)
    sessions = {
        "outsider": session_for(outsider),
        "officer_b": session_for(world.officer_b),
        "resident": session_for(world.resident),
    }
    served = serve()
    assert served.stream(sessions["outsider"], f"group:{group.pk}").status == 403
    assert served.stream(sessions["officer_b"], f"group:{group.pk}").status == 403
    assert served.stream(None, f"group:{group.pk}").status == 403
    # One refused topic refuses the whole stream; unknown kinds and ids say no more.
    assert (
        served.stream(sessions["resident"], f"group:{group.pk}", f"group:{other_township.pk}")
    ).status == 403
    assert served.stream(sessions["resident"], "nonsense:1").status == 403
    assert served.stream(sessions["resident"], "group:999999").status == 403
    # Another site's page may not open it.
    foreign = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert served.stream(sessions["resident"], f"group:{group.pk}", headers=foreign).status == 403


def test_a_private_note_reaches_only_its_author_recipient_and_staff(world, serve):
    group, neighbour = _village(world)
    resident, staff, other = (session_for(u) for u in (world.resident, world.officer_a, neighbour))
    triage.classify("楼下吵闹")  # trains (or loads) the model into the cache the server reads
    served = serve()
    _post(served, resident, group, "楼下邻居天天半夜吵闹，能不能管一管")
    status, _body = served.request("GET", f"/community/g/{group.pk}/", resident)
    assert status == 200
    message_id = _latest_message_id(served, group, resident)
    streams = {
        name: served.stream(session, f"group:{group.pk}")
        for name, session in (("resident", resident), ("staff", staff), ("other", other))
    }

    status, body = served.request(
        "POST",
        f"/community/m/{message_id}/case/",
        staff,
        {"kind": "dispute", "grid_code": world.grid_a1.code},
    )
    assert status in (200, 302), body[:500]

    assert {stream.status for stream in streams.values()} == {200}
    got = {name: stream.drain(3) for name, stream in streams.items()}
    private = [
        e for e in got["resident"] if e.name == "message" and "private" in e.data["data"]["html"]
    ]
    assert len(private) == 1
    private_id = private[0].data["data"]["id"]
    assert private_id in _message_ids(got["staff"])
    assert private_id not in _message_ids(got["other"])
    assert _message_ids(got["other"]), "the public system reply reaches every member"


def test_a_removed_member_stops_receiving(world, serve):
    group, neighbour = _village(world)
    resident, poster = session_for(world.resident), session_for(neighbour)
    served = serve()
    stream = served.stream(resident, f"group:{group.pk}")
    _post(served, poster, group, "第一条")
    assert "第一条" in stream.next("message").data["data"]["html"]

    served.sql(
        "UPDATE community_member SET removed_at = CURRENT_TIMESTAMP "
        "WHERE group_id = %s AND user_id = %s",
        [group.pk, world.resident.pk],
    )
    stream.next("denied", timeout=10)  # the periodic re-check (1 s here) closes the stream
    assert stream.closed.wait(5)
    _post(served, poster, group, "第二条")
    assert all("第二条" not in str(e.data) for e in stream.drain(2))
    assert served.stream(resident, f"group:{group.pk}").status == 403


def test_signing_out_ends_the_open_streams_at_once_not_at_the_periodic_recheck(world, serve):
    group, neighbour = _village(world)
    resident = session_for(world.resident)
    served = serve(recheck_seconds=600)
    stream = served.stream(resident, f"group:{group.pk}")
    status, _ = served.request("POST", "/accounts/logout/", resident, form={})
    assert status in (200, 302)
    stream.next("denied", timeout=15)
    assert stream.closed.wait(5)
    assert served.stream(resident, f"group:{group.pk}").status == 403


def test_a_member_removed_through_the_orm_is_rechecked_at_once_on_postgresql(world, serve):
    """On PostgreSQL a change made by any process (the admin, a command) reaches every
    server process's streams through NOTIFY; on SQLite only the server's own process can."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serves from one process: another process's change is not heard")
    group, neighbour = _village(world)
    resident = session_for(world.resident)
    served = serve(recheck_seconds=600)
    stream = served.stream(resident, f"group:{group.pk}")
    member = group.members.get(user=world.resident)
    member.removed_at = timezone.now()
    member.save(update_fields=["removed_at"])
    stream.next("denied", timeout=15)
    assert stream.closed.wait(5)


def test_hiding_a_message_replaces_it_on_open_pages(world, serve):
    group, neighbour = _village(world)
    resident, staff, poster = (session_for(u) for u in (world.resident, world.officer_a, neighbour))
    served = serve()
    stream = served.stream(resident, f"group:{group.pk}")
    _post(served, poster, group, "一条要被隐藏的广告")
    posted = stream.next("message").data["data"]

    status, _body = served.request(
        "POST", f"/community/m/{posted['id']}/hide/", staff, {"reason": "广告"}
    )
    assert status == 302
    changed = stream.next("changed").data["data"]
    assert changed["id"] == posted["id"]
    assert "一条要被隐藏的广告" not in changed["html"]
    assert "该消息已被工作人员隐藏" in changed["html"]


def test_every_worker_process_delivers(world, serve):
    """On PostgreSQL the post lands on one worker; streams on both get it (NOTIFY). Event ids
    start with the delivering process's token, so two tokens prove two processes."""
    group, neighbour = _village(world)
    sessions = [session_for(world.resident), session_for(world.officer_a)]
    poster = session_for(neighbour)
    served = serve(workers=2)
    streams = [served.stream(sessions[i % 2], f"group:{group.pk}") for i in range(16)]
    _post(served, poster, group, "大家好")
    events = [stream.next("message") for stream in streams]
    tokens = {event.id.split("-")[0] for event in events}
    if connection.vendor == "postgresql":
        assert len(tokens) == 2
    else:
        assert len(tokens) == 1  # one process on SQLite


def _latest_message_id(served, group, session) -> int:
    status, body = served.request("GET", f"/community/g/{group.pk}/", session)
    assert status == 200
    return max(int(i) for i in re.findall(r'data-message-id="(\d+)"', body))
