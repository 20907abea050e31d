"""Each role's home is its to-do list: counts read through the modules' scoped selectors,
each opening the list that shows those items. A case of township B is never counted for
township A, whoever handles it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fengqiao.community import services as community
from fengqiao.dispatch import services as dispatch
from fengqiao.disputes.models import Case, ReturnVisit
from fengqiao.home import selectors
from fengqiao.intake.services import submit_report
from fengqiao.org.models import Team
from fengqiao.taxonomy import codes
from tests.factories import AccessGrantFactory, PersonFactory, UserFactory
from tests.home.cases import YELLOW_RESOLVE, case_due, midnight


@pytest.fixture
def deadlines(world):
    """officer_a's cases: one overdue, one due before midnight, one due the day after
    tomorrow, one with weeks to go; and an overdue case of township B that officer_a is
    (wrongly) named on."""
    now = timezone.now()
    officer = world.officer_a
    return {
        "overdue": case_due(deadline=now - dt.timedelta(days=1), handler=officer),
        "today": case_due(deadline=now + (midnight(now) - now) / 2, handler=officer),
        "soon": case_due(deadline=midnight(now) + dt.timedelta(days=1, hours=12), handler=officer),
        "later": case_due(deadline=now + dt.timedelta(days=10), handler=officer),
        "elsewhere": case_due(deadline=now - dt.timedelta(days=2), handler=officer, lon=120.105),
    }


def _tiles(user, now=None) -> dict[str, selectors.Tile]:
    return {
        tile.key: tile for section in selectors.staff_home(user, now=now) for tile in section.tiles
    }


def test_my_cases_are_counted_by_deadline_and_never_another_townships(world, deadlines):
    tiles = _tiles(world.officer_a)
    assert tiles["cases_overdue"].count == 1  # township B's overdue case is not counted
    assert tiles["cases_today"].count == 1
    assert tiles["cases_soon"].count == 1
    assert tiles["cases_overdue"].state == "alarm" and tiles["cases_soon"].state == "some"
    assert _tiles(world.officer_b)["cases_overdue"].count == 0


@pytest.mark.parametrize("key", ["overdue", "today", "soon"])
def test_each_case_tile_opens_the_worklist_showing_exactly_its_cases(client, world, deadlines, key):
    client.force_login(world.officer_a)
    url = _tiles(world.officer_a)[f"cases_{key}"].url
    page = client.get(url).content.decode()
    shown = {name for name, case in deadlines.items() if case.reference in page}
    assert shown == {key}


def test_the_worklist_cards_show_each_deadline_nearest_first(client, world, deadlines):
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:cases"), {"whose": "mine", "order": "due"})
    text = page.content.decode()
    order = [deadlines[key].reference for key in ("overdue", "today", "soon", "later")]
    assert sorted(order, key=text.index) == order
    assert '已超时 <span class="num">1</span> 天' in text
    assert "今天到期" in text
    later = timezone.localdate(timezone.now() + dt.timedelta(days=10))
    assert f'<time class="num" datetime="{later.isoformat()}">' in text


def test_the_deadline_is_the_overdue_flags_own_rule(world, deadlines):
    """``due_at`` is before now exactly for the cases ``overdue_q`` flags, a county's own
    limits included."""
    from fengqiao.disputes import policy
    from fengqiao.disputes import selectors as disputes

    policy.set_county_policy(
        actor=world.county_admin,
        county=world.county,
        escalate_on_deadline=True,
        time_limits={"yellow": {"resolve_days": 5}},
    )
    now = timezone.now()
    for when in (now, now + dt.timedelta(days=4), now + dt.timedelta(days=20)):
        rows = disputes.cases_for(world.chief, state=None, now=when)
        assert rows.exists()
        for case in rows:
            assert case.is_overdue == (case.due_at is not None and case.due_at < when), case


def test_return_visits_due_are_counted_and_listed(client, world, deadlines):
    case = deadlines["later"]
    today = timezone.localdate()
    ReturnVisit.objects.create(case=case, due_on=today - dt.timedelta(days=1))
    ReturnVisit.objects.create(case=deadlines["soon"], due_on=today + dt.timedelta(days=5))
    ReturnVisit.objects.create(case=deadlines["elsewhere"], due_on=today)
    tile = _tiles(world.officer_a)["return_visits"]
    assert tile.count == 1
    client.force_login(world.officer_a)
    page = client.get(tile.url).content.decode()
    assert case.reference in page and deadlines["soon"].reference not in page


def test_a_zero_is_calm_and_the_page_shows_the_counts(client, world, deadlines):
    client.force_login(world.officer_a)
    page = client.get(reverse("home")).content.decode()
    assert 'class="home-tile alarm" href="/cases/?whose=mine&amp;overdue=1&amp;order=due"' in page
    assert 'class="home-tile zero"' in page  # no mentions waiting, for one
    assert '<span class="home-count num">' in page  # a count never breaks
    assert reverse("org:area") in page
    assert "没有工作人员角色" not in page


def test_mentions_waiting_for_my_answer(world, groups):
    community.post_message(
        actor=world.resident, group=groups.village_a, text="@社区民警 楼道堆放杂物"
    )
    assert _tiles(world.officer_a)["mentions"].count == 1
    later = timezone.now() + dt.timedelta(days=3)
    assert _tiles(world.officer_a, now=later)["mentions_late"].count == 1
    assert _tiles(world.officer_b)["mentions"].count == 0


def test_open_incidents_of_my_area_only(world):
    dispatch.receive_110(
        actor=world.officer_a,
        number="1103306990001",
        received_at=timezone.now(),
        text="报警人称邻居家有人吵闹",
        caller_name="李先生",
        caller_phone="13812345678",
        grid_code=world.grid_a2.code,
        risk="yellow",
    )
    assert _tiles(world.officer_a)["incidents"].count == 1
    assert _tiles(world.officer_b)["incidents"].count == 0


def test_the_chiefs_home_counts_the_station_and_names_the_laggards(world, deadlines):
    case_due(deadline=timezone.now() - dt.timedelta(hours=1), handler=world.officer_a, risk="red")
    sections = {s.key: s for s in selectors.staff_home(world.chief)}
    station = {tile.key: tile for tile in sections["station"].tiles}
    assert station["station_overdue"].count == 2  # township A's two, not B's
    assert station["station_red"].count == 1
    assert station["closed_today"].count == 0
    assert list(sections)[0] == "station"  # the urgent section leads
    names = [row.name for row in sections["station"].laggards]
    # Routing named the grid's worker on every case too: both have the two overdue ones.
    assert set(names[:2]) == {"officer_a", "grid_worker_a1"} and "officer_b" not in names
    assert "甲村一网格" in names and "乙社区一网格" not in names


def _rows(client, url) -> int:
    return client.get(url).content.decode().count('<li class="case-card risk-')


def test_each_station_tile_and_laggard_opens_exactly_its_cases(client, world, deadlines):
    case_due(deadline=timezone.now() - dt.timedelta(hours=1), handler=world.officer_a, risk="red")
    case_due(deadline=timezone.now() + YELLOW_RESOLVE, handler=world.officer_a)  # new today
    Case.objects.filter(pk=deadlines["soon"].pk).update(state="closed", closed_at=timezone.now())
    client.force_login(world.chief)
    section = next(s for s in selectors.staff_home(world.chief) if s.key == "station")
    assert section.laggards
    for item in [*section.tiles, *section.laggards]:
        if "/cases/?" in item.url:
            assert _rows(client, item.url) == item.count, item
    station = {tile.key: tile for tile in section.tiles}
    assert station["closed_today"].count == 1 and station["new_today"].count == 1


def test_handler_and_grid_filters_never_reach_outside_my_scope(client, world, deadlines):
    """officer_a is (wrongly) named on township B's case: officer_b's list of officer_a's
    cases shows that one alone; officer_a's list of B's grid shows nothing."""
    cases, elsewhere = reverse("disputes:cases"), deadlines["elsewhere"]
    client.force_login(world.officer_b)
    page = client.get(cases, {"whose": "all", "state": "", "handler": world.officer_a.person.pk})
    text = page.content.decode()
    assert elsewhere.reference in text and text.count('<li class="case-card risk-') == 1
    assert deadlines["overdue"].reference not in text
    client.force_login(world.officer_a)
    assert _rows(client, f"{cases}?whose=all&state=&grid={elsewhere.grid.code}") == 0
    for bad in ({"handler": "x"}, {"handler": "-1"}, {"grid": "无此网格"}, {"since": "no"}):
        response = client.get(cases, {"whose": "all", "state": "", **bad})
        assert response.status_code == 200
    assert _rows(client, f"{cases}?whose=all&state=&grid=nope") == 0


def test_a_resident_sees_their_own_reports_groups_and_building(world, groups):
    mine = submit_report(
        actor=world.resident,
        channel="web",
        kind="dispute",
        text="楼上漏水到我家",
        lon=120.005,
        lat=30.005,
    ).report
    submit_report(
        actor=groups.neighbour,
        channel="web",
        kind="dispute",
        text="邻居家狗叫扰民",
        lon=120.005,
        lat=30.005,
    )
    home = selectors.resident_home(world.resident)
    assert [row.tracking_code for row in home.reports] == [mine.tracking_code]
    assert home.group_count == 2  # the village group and the building group
    assert home.building == world.building_a1


def test_a_resident_home_has_the_big_buttons(client, world):
    client.force_login(world.resident)
    page = client.get(reverse("home")).content.decode()
    for name in ("intake:report", "dispatch:alarm", "services:catalogue", "community:groups"):
        assert f'href="{reverse(name)}"' in page
    assert reverse("home:find_building") in page  # no building known: the finder
    assert "没有工作人员角色" not in page


def test_the_building_finder_opens_the_buildings_page(client, world):
    response = client.get(reverse("home:find_building"), {"code": " B-A1 "})
    assert response.status_code == 302 and response["Location"] == "/b/B-A1/"
    assert client.get(reverse("home:find_building"))["Location"] == reverse("home")


@pytest.mark.parametrize("role", sorted(codes("role")))
def test_every_role_gets_a_home_never_an_error(client, world, role):
    user = UserFactory(username=f"role_{role}")
    PersonFactory(user=user, unit=world.station_a, role_codes=[role])
    AccessGrantFactory(user=user, unit=world.station_a)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "没有工作人员角色" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("name", ["officer_a", "chief", "resident"])
def test_the_home_is_a_fixed_handful_of_queries(
    client, world, deadlines, name, django_assert_max_num_queries
):
    client.force_login(getattr(world, name))
    with django_assert_max_num_queries(40):
        assert client.get(reverse("home")).status_code == 200


def test_a_mediator_sees_the_team_cases_and_the_main_lists(world, deadlines):
    mediator = UserFactory(username="mediator_a")
    person = PersonFactory(user=mediator, unit=world.station_a, role_codes=["mediator"])
    AccessGrantFactory(user=mediator, unit=world.station_a)
    team = Team.objects.create(name="甲镇调解队", kind="mediation", region=world.township_a)
    team.members.add(person)
    Case.objects.filter(pk=deadlines["later"].pk).update(team=team)
    sections = {section.key: section for section in selectors.staff_home(mediator)}
    team_tile = next(t for t in sections["cases"].tiles if t.key == "cases_team")
    assert team_tile.count == 1 and team_tile.url == "/cases/?whose=team"
    assert ("案件", reverse("disputes:cases")) in sections["lists"].links
