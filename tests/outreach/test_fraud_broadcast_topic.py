"""A broadcast's topic: chosen on the community's broadcast form, checked by its service, and
only anti-fraud broadcasts counted in the anti-fraud figures with the members they reached."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fengqiao.community.models import Broadcast
from fengqiao.community.notices import services as notices
from fengqiao.outreach import fraud_selectors as selectors
from tests.community.conftest import join, make_group
from tests.factories import UserFactory
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def village(world):
    group = make_group("甲村居民群", "community", world.community_a)
    for n in range(5):
        join(group, UserFactory(username=f"villager{n}"), name=f"村民{n}")
    return group


def test_an_officer_sends_an_anti_fraud_broadcast_from_the_form(client, world, village):
    client.force_login(world.officer_a)
    form = client.get(reverse("community:broadcast-new")).content.decode()
    assert "反诈宣传" in form and "通知类别" in form
    answer = client.post(
        reverse("community:broadcast-new"),
        {
            "topic": "anti_fraud",
            "title": "谨防冒充客服退款",
            "text": "自称客服要求提供验证码的都是诈骗",
            "groups": [str(village.pk)],
            "client_key": "topic-form-0001",
        },
    )
    assert answer.status_code == 302
    broadcast = Broadcast.objects.get()
    assert broadcast.topic == "anti_fraud" and broadcast.member_count == 5
    today = timezone.localdate()
    figures = selectors.figures_for(world.officer_a, start=today.replace(day=1), end=today)
    assert (figures.broadcasts, figures.broadcast_reach) == (1, 5)
    theirs = selectors.figures_for(world.officer_b, start=today.replace(day=1), end=today)
    assert theirs.broadcasts == 0


def test_a_broadcast_without_a_topic_is_general_and_not_counted(client, world, village):
    client.force_login(world.officer_a)
    client.post(
        reverse("community:broadcast-new"),
        {"title": "停水通知", "text": "明天停水", "groups": [str(village.pk)]},
    )
    assert Broadcast.objects.get().topic == "general"
    today = timezone.localdate()
    figures = selectors.figures_for(world.officer_a, start=today.replace(day=1), end=today)
    assert figures.broadcasts == 0


def test_an_unknown_topic_is_refused_and_sends_nothing(world, village):
    before = db_snapshot()
    with pytest.raises(ValidationError) as caught:
        notices.send_broadcast(
            actor=world.officer_a, title="标题", text="内容", groups=[village], topic="gossip"
        )
    assert caught.value.message_dict["topic"] == [
        "请选择通知类别（一般通知、反诈宣传、寻人协查或安全防范）"
    ]
    assert db_snapshot() == before
