"""The demo's recognition: a few commendations per township, each of someone who works in
that community, recorded once; and the demo logins see points counted from the demo's own
records."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from fengqiao.demo.recognition import demo_recognition
from fengqiao.outreach import recognition
from fengqiao.outreach import recognition_rules as rules
from fengqiao.outreach.models import Commendation
from tests.demo.conftest import demo_county  # noqa: F401  (the module's demo county)

pytestmark = pytest.mark.usefixtures("demo_county")


@pytest.fixture
def db_access(db):
    return db


def test_commendations_name_people_who_work_in_their_community(db_access):
    commendations = list(
        Commendation.objects.unscoped_for_jobs().select_related("person", "community")
    )
    assert commendations
    for commendation in commendations:
        assert recognition.works_in(
            commendation.person, commendation.community, commendation.awarded_on
        )
        assert commendation.awarded_on < timezone.localdate().replace(day=1)
        assert commendation.scope_path == commendation.community.path


def test_a_second_run_writes_nothing(db_access):
    before = Commendation.objects.unscoped_for_jobs().count()
    assert demo_recognition() == {"commendations": 0}
    assert Commendation.objects.unscoped_for_jobs().count() == before


def test_the_chief_sees_points_from_the_demo_records(db_access):
    chief = get_user_model().objects.get(username="chief")
    community = recognition.default_community(chief)
    # The demo's patrols run over the last 30 days: this month, or the last on its 1st.
    this_month = timezone.localdate().replace(day=1)
    rows = [
        row
        for month in (this_month, rules.previous_month(this_month))
        for row in recognition.monthly_points(chief, community=community, month=month)
    ]
    assert rows and rows[0].points.total > 0
    assert all(row.points.of("sighting_confirmed").points == 0 for row in rows)
