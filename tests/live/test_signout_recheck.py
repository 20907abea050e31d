"""Signing out re-checks the person's open streams only once their session is gone.

Django sends ``user_logged_out`` before it deletes the session, and outside a transaction the
re-check note goes out at once: a stream re-checked in that gap (a loaded server, or another
process on PostgreSQL) found the session still signed in and stayed open until its periodic
re-check, minutes later. Here the stream's re-check runs the very moment the note is sent,
the worst timing a server can give it, in the same process and without a server.
"""

from __future__ import annotations

from django.conf import settings

from fengqiao.live import publishing
from fengqiao.live.stream import _admit
from tests.community.conftest import join, make_group
from tests.live.conftest import session_for


def test_the_recheck_sent_on_signing_out_already_finds_the_session_ended(
    world, transactional_db, client, monkeypatch
):
    group = make_group("甲村居民群", "community", world.community_a)
    join(group, world.resident, name="李大姐")
    session = session_for(world.resident)
    wanted = [f"group:{group.pk}"]
    assert _admit(session, {}, wanted) is not None  # the stream was admitted

    rechecked = []
    send = publishing._send

    def recheck_as_the_note_leaves(notes, using):
        if any(publishing.RECHECK_TOPIC in note for note in notes):
            rechecked.append(_admit(session, {}, wanted))
        send(notes, using)

    monkeypatch.setattr(publishing, "_send", recheck_as_the_note_leaves)
    client.cookies[settings.SESSION_COOKIE_NAME] = session
    response = client.post("/accounts/logout/")

    assert response.status_code in (200, 302)
    assert rechecked == [None]  # denied: the stream ends at once
