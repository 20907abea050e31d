"""How many queries one report costs: a ceiling per door, so a re-read or an N+1 that
creeps into the intake path is a failing test (issue 20; bench/intake.py prints the same
count against a real county).

Counted inside the test's transaction, so the report's own transaction shows as a
SAVEPOINT and its RELEASE (BEGIN and COMMIT in production). The facts refresh that
analytics runs after the commit (``analytics.facts``) is not in these counts.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.audit.models import AuditEvent
from fengqiao.disputes.models import Case, CaseEvent
from fengqiao.intake import services
from fengqiao.intake.models import Report
from fengqiao.org.models import Team
from fengqiao.places.selectors import locate
from tests.factories import PersonFactory

POSTGRESQL = connection.vendor == "postgresql"
# Its reads: the grid with the index check, the reporter among residents, the routing, the
# parties' earlier cases (early warning). Its writes on PostgreSQL: SAVEPOINT, reference
# number, one statement for the case, its party, handlers and timeline entry, the report
# and its assignees with the audit chain's lock and head (``fengqiao.inserts``), the two
# audit rows in one insert, RELEASE. SQLite has no data-modifying WITH: there each of the
# six tables is an insert of its own and the chain's head a read of its own (six more).
SERVICE_DISPUTE_CEILING = 9 if POSTGRESQL else 15
# Level 2 also reads the nearest mediation committee with its members (one query), and a
# red case tells the beat's police (its notices written with the case; on SQLite one more
# insert).
SERVICE_LEVEL_2_DISPUTE_CEILING = 10 if POSTGRESQL else 17
# The same key again: an attempt that fails at the report's insert (the unique key) and
# rolls back, then the first report read. On PostgreSQL the report is in the case's
# statement, so the attempt stops there, before the early warning the repeated reporter
# would raise.
REPLAY_CEILING = 9 if POSTGRESQL else 13
# Through the API, as a member of staff: the token with its user and their staff profile;
# their roles with their permissions (the user's own and their groups') and their
# jurisdiction (access grants) for the scope checks, in one statement: two. The staff's
# grade differs from triage's here, which leaves a correction for the corpus (one row), and
# the walk-in dispute starts at level 2 (the committee lookup, none in this county): two
# more.
API_DISPUTE_CEILING = SERVICE_DISPUTE_CEILING + 2 + 2


def _dispute(n: int, **extra):
    values = {
        "actor": None,
        "sender": "session:budget",
        "channel": "web",
        "kind": "dispute",
        "category": "neighbourhood",
        "risk": "blue",
        "level": 1,
        "text": "楼上每天半夜拖椅子，沟通多次没用",
        "lon": 120.005,
        "lat": 30.005,
        "reporter_name": "李大姐",
        "reporter_phone": f"1381234{n:04d}",
        "client_key": f"budget-key-{n:04d}",
    }
    return services.submit_report(**{**values, **extra})


@pytest.fixture
def warm(world):
    """The grid index built and the county's code read once, as in a running server."""
    locate(120.005, 30.005)
    _dispute(0)
    return world


def test_a_dispute_through_the_service_stays_under_its_query_ceiling(
    warm, django_assert_max_num_queries
):
    with django_assert_max_num_queries(SERVICE_DISPUTE_CEILING):
        submission = _dispute(1)
    # Nothing was dropped to save a query: the case, its timeline, both audit rows.
    report = submission.report
    assert submission.created and report.case is not None
    assert CaseEvent.objects.filter(case=report.case, kind="received").count() == 1
    assert report.case.parties.count() == 1 and report.case.handlers.exists()
    assert set(report.assignees.values_list("name", flat=True)) >= {"grid_worker_a1"}
    audited = AuditEvent.objects.filter(object_id__in=[str(report.pk), str(report.case.pk)])
    assert set(audited.values_list("action", flat=True)) == {
        "intake.report_submitted",
        "disputes.case_opened",
    }


def test_a_level_2_dispute_stays_under_its_query_ceiling(warm, django_assert_max_num_queries):
    with django_assert_max_num_queries(SERVICE_LEVEL_2_DISPUTE_CEILING):
        submission = _dispute(2, risk="red", level=2)
    assert submission.report.case.level == 2
    # The red notices went out with the case.
    assert set(submission.report.case.notifications.values_list("key", flat=True)) == {
        "red:received"
    }


def test_a_level_2_dispute_reads_its_committee_with_the_members_in_one_query(
    warm, django_assert_max_num_queries
):
    mediator = PersonFactory(name="调解员", region=warm.township_a, role_codes=["mediator"])
    retired = PersonFactory(name="退休调解员", region=warm.township_a, active=False)
    committee = Team.objects.create(name="甲镇调委会", kind="committee", region=warm.township_a)
    committee.members.add(mediator, retired)
    # Farther up the tree and without members: the township's committee is the nearer one.
    Team.objects.create(name="区调委会", kind="committee", region=warm.county)
    with django_assert_max_num_queries(SERVICE_LEVEL_2_DISPUTE_CEILING):
        case = _dispute(4, risk="yellow", level=2).report.case
    assert case.team == committee
    assert mediator in case.handlers.all() and retired not in case.handlers.all()


def test_a_replayed_key_returns_the_first_report_and_keeps_nothing_of_its_own(
    warm, django_assert_max_num_queries
):
    first = _dispute(3)
    # A fresh key is not looked up first: the unique index finds a repeat at the insert, so
    # a replay pays for an attempt that rolls back (here with the early warning the same
    # reporter raises) and one lookup. Replays are rare; every fresh report saves a query.
    with django_assert_max_num_queries(REPLAY_CEILING):
        again = _dispute(3, text="同一个重复提交标识，内容不同也不再建")
    assert again.report.pk == first.report.pk and not again.created
    assert Report.objects.filter(client_key=first.report.client_key).count() == 1
    assert Case.objects.count() == 2  # the warm-up's and the first one's
    assert not CaseEvent.objects.filter(kind="auto_regrade").exists()


def test_a_dispute_through_the_api_stays_under_its_query_ceiling(
    warm, django_assert_max_num_queries
):
    token, _ = Token.objects.get_or_create(user=warm.officer_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_IDEMPOTENCY_KEY="api-key-0001")
    body = {
        "channel": "walk_in",
        "kind": "dispute",
        "category": "neighbourhood",
        "risk": "blue",
        "level": 1,
        "text": "楼上每天半夜拖椅子，沟通多次没用",
        "lon": 120.005,
        "lat": 30.005,
        "reporter_name": "李大姐",
        "reporter_phone": "13812340099",
    }
    with django_assert_max_num_queries(API_DISPUTE_CEILING):
        response = client.post(reverse("api:report-list"), body, format="json")
    assert response.status_code == 201, response.content
    # The answer shows what was written without reading it back.
    assert response.json()["case"] and response.json()["assignees"]
