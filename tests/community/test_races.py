"""The same abuse report sent twice at once (a double tap): one report, and the second
is told it was already made, never a 500 from the unique constraint."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fengqiao.community import moderation, services
from fengqiao.community.models import AbuseReport
from tests.races import lands_after

pytestmark = pytest.mark.django_db


def test_an_abuse_report_sent_twice_at_once_is_made_once(world, groups):
    message = services.post_message(
        actor=groups.neighbour, group=groups.village_a, text="某某是骗子，大家别信他"
    )

    def report():
        return moderation.report_abuse(actor=world.resident, message=message, reason="造谣")

    with (
        lands_after('FROM "community_abusereport"', '"reporter_id"', write=report) as raced,
        pytest.raises(ValidationError) as refused,
    ):
        report()
    assert raced
    assert refused.value.messages == ["您已经举报过这条消息，工作人员会处理"]
    assert AbuseReport.objects.filter(message=message).count() == 1
