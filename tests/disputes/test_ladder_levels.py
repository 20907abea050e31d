"""Each level's own bodies act at their level, and only there (``rules.LADDER``).

Every role, posted at each tier, against a case at each level: the actions the case page
offers and what the services allow agree with one table written out here by hand.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from fengqiao import taxonomy
from fengqiao.disputes import rules, services, views
from fengqiao.disputes.models import Case
from fengqiao.org.models import Team
from tests.conftest import _staff
from tests.disputes.ladder_cases import case_at

# Who is posted where: a login per role and tier, all with township A's case in their scope.
# (login, roles, posting: "grid" | "community" | "township" | "station" | "county" | "bureau")
PEOPLE = [
    ("building_head", "building_head", "grid"),
    ("grid_worker", "grid_worker", "grid"),
    ("volunteer", "volunteer", "community"),
    ("property_staff", "property_staff", "community"),
    ("village_mediator", "mediator", "community"),
    ("auxiliary", "auxiliary_police", "station"),
    ("officer", "community_police", "station"),
    ("township_mediator", "mediator", "township"),
    ("township_judicial", "judicial_officer", "township"),
    ("township_lawyer", "lawyer", "township"),
    ("township_court", "court_officer", "township"),
    ("county_mediator", "mediator", "county"),
    ("county_judicial", "judicial_officer", "county"),
    ("county_lawyer", "lawyer", "county"),
    ("county_court", "court_officer", "county"),
    ("procurator", "procurator", "county"),
    ("chief", "station_chief", "station"),
    ("county_chief", "station_chief", "bureau"),
    ("admin", "admin", "bureau"),
    ("analyst", "analyst", "bureau"),
    ("agency", "agency_staff", "township"),
]

# The representative actions: work (accept), steering within the ladder (escalate,
# de_escalate) and out of it (transfer).
REPRESENTATIVE = ("accept", "escalate", "de_escalate", "transfer")
ALL = set(REPRESENTATIVE)
# login -> level -> what they may do there (of REPRESENTATIVE), by hand from the issue.
EXPECTED: dict[str, dict[int, set[str]]] = {
    "building_head": {1: {"accept"}},
    "grid_worker": {1: {"accept"}, 2: {"accept"}},
    "volunteer": {1: {"accept"}},
    "property_staff": {1: {"accept"}},
    "village_mediator": {1: {"accept"}},
    "auxiliary": {1: {"accept"}, 2: {"accept"}},
    "officer": {1: ALL, 2: ALL, 3: {"transfer"}},
    "township_mediator": {2: {"accept", "escalate"}},
    "township_judicial": {2: {"accept", "escalate"}},
    "township_lawyer": {},
    "township_court": {},
    "county_mediator": {3: {"accept", "de_escalate", "transfer"}},
    "county_judicial": {3: {"accept", "de_escalate", "transfer"}},
    "county_lawyer": {3: {"accept"}},
    "county_court": {3: {"accept", "transfer"}},
    "procurator": {},
    "chief": {1: ALL, 2: ALL, 3: ALL},
    "county_chief": {1: ALL, 2: ALL, 3: ALL},
    "admin": {1: ALL, 2: ALL, 3: ALL},
    "analyst": {},
    "agency": {},
}


def _possible(level: int) -> set[str]:
    impossible = {1: {"de_escalate"}, 3: {"escalate"}}.get(level, set())
    return ALL - impossible


def _post(world, login: str, role: str, posting: str):
    places = {
        "grid": {"region": world.grid_a1, "grant_region": world.grid_a1},
        "community": {"region": world.community_a, "grant_region": world.community_a},
        "township": {"region": world.township_a, "grant_region": world.township_a},
        "station": {"unit": world.station_a, "grant_unit": world.station_a},
        "county": {"region": world.county, "grant_region": world.county},
        "bureau": {"unit": world.bureau, "grant_unit": world.bureau},
    }
    user, _person = _staff(f"l_{login}", [role], **places[posting])
    return user


def _case(level: int) -> Case:
    return case_at(level)


class _Undo(Exception):
    pass


def _allowed_by_service(case: Case, actor, action: str) -> bool:
    """Take ``action`` through its service and roll it back: True if it was allowed."""
    calls = {
        "accept": lambda c: services.accept_case(case=c, actor=actor),
        "escalate": lambda c: services.escalate_case(case=c, actor=actor, reason="需上级化解"),
        "de_escalate": lambda c: services.de_escalate_case(case=c, actor=actor, reason="可下放"),
        "transfer": lambda c: services.transfer_case(
            case=c, actor=actor, body="县人民法院", reason="当事人起诉"
        ),
    }
    try:
        with transaction.atomic():
            calls[action](Case.objects.get(pk=case.pk))
            raise _Undo
    except _Undo:
        return True
    except PermissionDenied:
        return False


@pytest.mark.parametrize("level", [1, 2, 3])
@pytest.mark.parametrize(("login", "role", "posting"), PEOPLE, ids=[p[0] for p in PEOPLE])
def test_each_role_acts_at_its_own_level(world, login, role, posting, level):
    actor = _post(world, login, role, posting)
    case = _case(level)
    expected = EXPECTED[login].get(level, set()) & _possible(level)
    offered = set(views.actions_for(actor, Case.objects.get(pk=case.pk))) & ALL
    assert offered == expected
    allowed = {a for a in sorted(_possible(level)) if _allowed_by_service(case, actor, a)}
    assert allowed == expected


def test_every_role_has_a_row_in_the_table():
    assert set(rules.LADDER) == set(taxonomy.codes("role"))
    known = set(rules.TRANSITIONS) | rules.SUPERVISE | {"answer_supervision"}
    for levels in rules.LADDER.values():
        for grant in levels.values():
            assert grant.actions <= known
            assert grant.tiers <= set(rules.TIERS)


def test_outsiders_and_residents_do_nothing(world):
    case = _case(2)
    for user in (world.officer_b, world.resident):
        assert views.actions_for(user, case) == []
        with pytest.raises(PermissionDenied):
            services.accept_case(case=case, actor=user)


@pytest.mark.parametrize(
    ("unit_kind", "region_level", "tier"),
    [
        ("police_room", None, "township"),
        ("station", "community", "township"),
        ("bureau", None, "county"),
        (None, "grid", "community"),
        (None, "community", "community"),
        (None, "township", "township"),
        (None, "county", "county"),
        (None, None, None),
    ],
)
def test_the_tier_comes_from_the_posting(unit_kind, region_level, tier):
    assert rules.posting_tier(unit_kind=unit_kind, region_level=region_level) == tier


def _team(world, kind: str, region, members) -> Team:
    team = Team.objects.create(name=f"{kind}队", kind=kind, region=region)
    team.members.add(*members)
    return team


def test_level_two_goes_to_the_beat_police_and_the_townships_committee(world):
    mediator = _post(world, "m2", "mediator", "township").person
    judicial = _post(world, "j2", "judicial_officer", "township").person
    committee = _team(world, "committee", world.township_a, [mediator, judicial])
    case = services.accept_case(case=_case(1), actor=world.grid_worker_a1)
    case = services.escalate_case(case=case, actor=world.officer_a, reason="双方情绪激烈")
    assert case.level == 2 and case.team == committee
    names = {p.name for p in case.handlers.all()}
    assert names == {"officer_a", "grid_worker_a1", "l_m2", "l_j2"}
    # The township's mediator now records the work the police had to type up before.
    case = services.transition(case=case, actor=mediator.user, action="start_mediation")
    assert case.state == "mediating"


def test_level_three_goes_to_the_countys_dispute_centre(world):
    county_mediator = _post(world, "m3", "mediator", "county").person
    court = _post(world, "c3", "court_officer", "county").person
    centre = _team(world, "dispute_centre", world.county, [county_mediator, court])
    # A township's old mediation team is only the fallback where a county has no centre.
    _team(world, "mediation", world.township_a, [world.officer_a.person])
    case = services.escalate_case(case=_case(2), actor=world.officer_a, reason="需县级调处")
    assert case.level == 3 and case.team == centre
    assert {p.name for p in case.handlers.all()} == {"l_m3", "l_c3"}
    case = services.accept_case(case=case, actor=court.user)
    assert case.state == "accepted"


def test_a_township_mediator_sees_actions_on_the_page_at_level_two(world, client):
    actor = _post(world, "page_mediator", "mediator", "township")
    case = _case(2)
    client.force_login(actor)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "在案件当前状态下，您没有可以办理的事项" not in page
    assert f"/cases/{case.reference}/act/accept/" in page
