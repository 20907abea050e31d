"""Pages beyond the chat by server push, against a real server (uvicorn on SQLite, gunicorn
with two UvicornWorker processes on PostgreSQL): the dispatch board of a station, an
officer's duty page, the @-mention inbox and an alert's activity panel. Each event is a
nudge with no content: the page asks its own scoped fragment."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from fengqiao.community.models import Alert
from fengqiao.community.notices import services as notices
from fengqiao.dispatch import services as dispatch
from fengqiao.dispatch.models import DutyUnit
from tests.community.conftest import join, make_group
from tests.conftest import _staff
from tests.factories import UserFactory
from tests.live.conftest import session_for


def _changed(stream, topic: str, timeout: float = 10.0):
    return stream.next("changed", timeout, where=lambda e: e.data["topic"] == topic)


def _changed_topics(events) -> set[str]:
    return {e.data["topic"] for e in events if e.name == "changed"}


def _car(station, members, call_sign="甲镇巡1") -> DutyUnit:
    unit = DutyUnit.objects.create(
        call_sign=call_sign,
        kind="patrol_car",
        station=station,
        status=DutyUnit.Status.AVAILABLE,
        lon=120.006,
        lat=30.006,
        fix_at=timezone.now(),
    )
    unit.members.set(members)
    return unit


def _alarm(key: str):
    return dispatch.raise_alarm(
        actor=None, sender=f"session:{key}", client_key=key, lon=120.005, lat=30.005
    )


def test_a_dispatch_reaches_the_stations_boards_and_the_units_phones_only(world, serve):
    patrol_a, patrol_person = _staff(
        "patrol_a", ["auxiliary_police"], unit=world.station_a, grant_unit=world.station_a
    )
    car = _car(world.station_a, [patrol_person])
    car_b = _car(world.station_b, [world.officer_b.person], call_sign="乙镇巡1")
    incident = _alarm("topic-alarm-0001")
    assert incident.station_id == world.station_a.pk
    board_a, board_b = f"board:{world.station_a.pk}", f"board:{world.station_b.pk}"
    sessions = {
        u.username: session_for(u)
        for u in (world.chief, world.officer_a, world.officer_b, patrol_a, world.resident)
    }
    served = serve()
    chief = served.stream(sessions["chief"], board_a)
    officer_a = served.stream(sessions["officer_a"], board_a)
    phone = served.stream(sessions["patrol_a"], f"duty:{car.pk}")
    other_station = served.stream(sessions["officer_b"], board_b, f"duty:{car_b.pk}")

    status, body = served.request(
        "POST",
        reverse("dispatch:incident", args=[incident.number]),
        sessions["chief"],
        {"unit": car.pk},
    )
    assert status in (200, 302), body[:500]

    for stream in (chief, officer_a):
        assert _changed(stream, board_a).data["data"] == {}  # a nudge: nothing to read in it
    assert _changed(phone, f"duty:{car.pk}").data["data"] == {}
    assert not _changed_topics(other_station.drain(1.5))

    # The phone's step reaches its own duty page and the station's boards again.
    served.request(
        "POST",
        reverse("dispatch:duty_incident", args=[incident.number]),
        sessions["patrol_a"],
        {"step": "accepted"},
    )
    _changed(phone, f"duty:{car.pk}")
    _changed(chief, board_a)


def test_a_board_or_phone_out_of_ones_scope_is_refused(world, serve):
    _patrol_a, patrol_person = _staff(
        "patrol_a", ["auxiliary_police"], unit=world.station_a, grant_unit=world.station_a
    )
    car = _car(world.station_a, [patrol_person])
    sessions = {u.username: session_for(u) for u in (world.officer_b, world.resident)}
    served = serve()
    board_a = f"board:{world.station_a.pk}"
    assert served.stream(sessions["officer_b"], board_a).status == 403
    assert served.stream(sessions["resident"], board_a).status == 403
    assert served.stream(None, board_a).status == 403
    # Another unit's phone, even of a station one may see, is not one's own page.
    assert served.stream(sessions["officer_b"], f"duty:{car.pk}").status == 403
    assert served.stream(sessions["resident"], f"duty:{car.pk}").status == 403
    # A township is no station: no board topic for it.
    assert served.stream(sessions["officer_b"], f"board:{world.community_b.pk}").status == 403


def _village(world):
    group = make_group("甲村居民群", "community", world.community_a)
    join(group, world.officer_a, name="officer_a", role="community_police")
    join(group, world.resident, name="李大姐")
    return group


def test_an_at_mention_and_its_answer_reach_the_mentioned_officers_inbox_only(world, serve):
    group = _village(world)
    sessions = {u.username: session_for(u) for u in (world.officer_a, world.resident)}
    served = serve()
    inbox = served.stream(sessions["officer_a"], f"inbox:{world.officer_a.pk}")
    own_inbox = served.stream(sessions["resident"], f"inbox:{world.resident.pk}")

    status, _ = served.request(
        "POST",
        reverse("community:post", args=[group.pk]),
        sessions["resident"],
        {"text": "@社区民警 楼道堆放杂物"},
    )
    assert status == 200
    assert _changed(inbox, f"inbox:{world.officer_a.pk}").data["data"] == {}
    assert not _changed_topics(own_inbox.drain(1.0))

    # What the nudge makes the page ask: the inbox's own fragment, with the mention.
    status, rows = served.request("GET", reverse("community:inbox"), sessions["officer_a"])
    assert status == 200 and "楼道堆放杂物" in rows


def test_someone_elses_inbox_is_refused(world, serve):
    sessions = {u.username: session_for(u) for u in (world.officer_b, world.resident)}
    served = serve()
    assert served.stream(sessions["resident"], f"inbox:{world.officer_a.pk}").status == 403
    assert served.stream(sessions["officer_b"], f"inbox:{world.officer_a.pk}").status == 403
    assert served.stream(None, f"inbox:{world.officer_a.pk}").status == 403


def test_acknowledgements_and_sightings_reach_those_who_may_open_the_alert(world, serve):
    group = _village(world)
    alert = notices.raise_alert(
        actor=world.officer_a,
        kind=Alert.Kind.MISSING_PERSON,
        title="寻找走失老人张大爷",
        description="78 岁，穿灰色外套",
        groups=[group],
        last_seen_place="甲村菜市场",
        last_seen_at=timezone.now() - dt.timedelta(hours=2),
    )
    outsider = UserFactory(username="outsider")
    sessions = {
        u.username: session_for(u)
        for u in (world.officer_a, world.resident, world.officer_b, outsider)
    }
    topic = f"alert:{alert.pk}"
    served = serve()
    assert served.stream(sessions["officer_b"], topic).status == 403
    assert served.stream(sessions["outsider"], topic).status == 403
    staff = served.stream(sessions["officer_a"], topic)
    resident = served.stream(sessions["resident"], topic)

    status, _ = served.request(
        "POST", reverse("community:alert-acknowledge", args=[alert.pk]), sessions["resident"]
    )
    assert status == 302
    for stream in (staff, resident):
        assert _changed(stream, topic).data["data"] == {}

    status, _ = served.request(
        "POST",
        reverse("community:alert-sighting", args=[alert.pk]),
        sessions["resident"],
        {"text": "在菜市场东门看到一位穿灰色外套的老人", "place": "菜市场东门"},
    )
    assert status in (200, 302)
    _changed(staff, topic)
    # The nudge carried nothing: the staff's panel shows the clue, asked as the page does.
    status, panel = served.request(
        "GET", reverse("community:alert", args=[alert.pk]), sessions["officer_a"]
    )
    assert status == 200 and "菜市场东门" in panel


def test_a_message_adds_one_to_the_badges_of_the_groups_other_members(world, serve):
    group = _village(world)
    neighbour = UserFactory(username="neighbour")
    join(group, neighbour, name="王阿姨")
    other_group = make_group("乙社区居民群", "community", world.community_b)
    join(other_group, world.officer_b, name="officer_b", role="community_police")
    sessions = {
        u.username: session_for(u)
        for u in (world.resident, neighbour, world.officer_a, world.officer_b)
    }
    topic = f"unread:{group.pk}"
    served = serve()
    assert served.stream(sessions["officer_b"], topic).status == 403
    assert served.stream(None, topic).status == 403
    # The badge's fragment names the topics of the groups it counts.
    status, badge = served.request("GET", reverse("community:unread"), sessions["resident"])
    assert status == 200 and f'data-push-topic="{topic}"' in badge
    resident = served.stream(sessions["resident"], topic)
    officer = served.stream(sessions["officer_a"], topic)
    author = served.stream(sessions["neighbour"], topic)
    elsewhere = served.stream(sessions["officer_b"], f"unread:{other_group.pk}")

    post = reverse("community:post", args=[group.pk])
    served.request("POST", post, sessions["neighbour"], {"text": "大家好"})
    for stream in (resident, officer):
        event = stream.next("message", where=lambda e: e.data["topic"] == topic)
        assert event.data["data"] == {}  # a "+1": no text, no author
    assert not [e for e in author.drain(1.0) if e.name == "message"]  # one's own is not unread
    assert not [e for e in elsewhere.drain(0.5) if e.name == "message"]
