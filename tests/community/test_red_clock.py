"""A group message that triage grades red gets the red clock in the officer's @-inbox: the
red grade's first-action limit of the group's county (1 hour by default), day or night, not
the daytime clock that let a "救命" at night wait for the morning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fengqiao.community import services
from fengqiao.disputes import policy

NIGHT = dt.datetime(2025, 3, 3, 14, 0, tzinfo=dt.UTC)  # 22:00 in Shanghai


@pytest.fixture
def at_night(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NIGHT)
    return NIGHT


def _post(world, groups, text):
    message = services.post_message(actor=world.resident, group=groups.village_a, text=text)
    return message.mentions.get()


def test_a_cry_for_help_at_night_is_due_within_the_hour(world, groups, at_night):
    mention = _post(world, groups, "@社区民警 救命啊，他拿着刀要砍人，快来")
    assert mention.due_at == at_night + dt.timedelta(hours=1)


def test_an_ordinary_question_at_night_waits_for_the_morning(world, groups, at_night):
    mention = _post(world, groups, "@社区民警 明天几点开会？")
    assert mention.due_at == dt.datetime(2025, 3, 4, 2, 0, tzinfo=dt.UTC)  # 10:00 local


def test_naming_the_police_is_not_itself_an_alarm(world, groups):
    text = "@社区民警 楼道里的自行车能挪一下吗"
    mentioned = [(groups.village_a.members.get(user=world.officer_a), "community_police")]
    now = timezone.now()
    due = services.mention_due(now, text, groups.village_a, mentioned)
    assert due == services.rules.response_due(now, services.settings)


def test_the_red_clock_follows_the_countys_own_limit(world, groups, at_night):
    policy.set_county_policy(
        actor=world.county_admin,
        county=world.county,
        escalate_on_deadline=True,
        time_limits={"red": {"first_action_hours": 0.5}},
    )
    mention = _post(world, groups, "@社区民警 救命！有人打人了")
    assert mention.due_at == at_night + dt.timedelta(minutes=30)


def test_a_red_message_by_day_is_due_no_later_than_the_daytime_clock(world, groups, monkeypatch):
    noon = dt.datetime(2025, 3, 3, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
    monkeypatch.setattr(timezone, "now", lambda: noon)
    policy.set_county_policy(
        actor=world.county_admin,
        county=world.county,
        escalate_on_deadline=True,
        time_limits={"red": {"first_action_hours": 5}},
    )
    mention = _post(world, groups, "@社区民警 救命啊，快来")
    assert mention.due_at == noon + dt.timedelta(hours=2)  # the daytime clock is sooner
