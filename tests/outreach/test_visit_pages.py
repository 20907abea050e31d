"""The campaign and visit pages, their coverage figures and the campaigns API: what each user
sees, what they may do, and 404 for another township's campaign or household."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fengqiao.audit.models import AuditEvent
from fengqiao.intake.models import Report
from fengqiao.outreach import visit_selectors as selectors
from fengqiao.outreach.models import Campaign, VisitRecord, VisitTask
from fengqiao.outreach.visit_services import reassign_task, record_visit
from tests.outreach.test_campaign_services import homes, today, visit_campaign
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def township(world):
    """Campaign A over both grids of 甲村 (3 + 2 households; a1's in building 甲村1号) and
    campaign B over 乙社区's grid (1 household)."""
    homes(world, world.grid_a1, 3, building=world.building_a1)
    homes(world, world.grid_a2, 2)
    homes(world, world.grid_b1, 1)
    a = visit_campaign(world, [world.grid_a1, world.grid_a2])
    b = visit_campaign(
        world, [world.grid_b1], actor=world.officer_b, station=world.station_b, name="乙镇走访"
    )
    return a, b


def tasks_of(campaign, grid=None):
    tasks = VisitTask.objects.unscoped_for_jobs().filter(campaign=campaign).order_by("pk")
    return list(tasks.filter(grid=grid) if grid else tasks)


def form_data(**values) -> dict:
    data = {
        "name": "冬季大走访",
        "kind": "visit",
        "starts_on": today().isoformat(),
        "ends_on": (today() + dt.timedelta(days=14)).isoformat(),
    }
    return data | values


# --- coverage -----------------------------------------------------------------------------


def test_coverage_per_grid_and_person_counts_reached_attempted_and_never_reached(world, township):
    campaign, _b = township
    a1 = tasks_of(campaign, world.grid_a1)
    a2 = tasks_of(campaign, world.grid_a2)
    worker = world.grid_worker_a1
    record_visit(actor=worker, task=a1[0], outcome="met", people_home=2)
    record_visit(actor=worker, task=a1[1], outcome="nobody_home")
    record_visit(actor=worker, task=a1[1], outcome="refused")  # still attempted, two calls
    record_visit(actor=world.officer_a, task=a2[0], outcome="vacant")
    by_grid = {row.name: row for row in selectors.coverage_by_grid(world.officer_a, campaign)}
    one, two = by_grid["甲村一网格"], by_grid["甲村二网格"]
    assert (one.households, one.reached, one.attempted, one.never_reached) == (3, 1, 1, 2)
    assert (one.pending, one.percent) == (1, 33.3)
    assert (two.households, two.reached, two.attempted, two.percent) == (2, 1, 0, 50.0)
    total = selectors.coverage_total(world.officer_a, campaign)
    assert (total.households, total.reached, total.percent) == (5, 2, 40.0)
    people = {row.key: row for row in selectors.coverage_by_person(world.officer_a, campaign)}
    mine = people[worker.person.pk]
    assert (mine.households, mine.reached, mine.attempted, mine.visits) == (3, 1, 1, 3)
    assert (people[None].households, people[None].reached) == (2, 1)  # a2 has nobody
    officer = people[world.officer_a.person.pk]
    assert (officer.households, officer.visits) == (0, 1)
    unreached = selectors.never_reached(world.officer_a, campaign)
    assert {t.pk for t in unreached} == {a1[1].pk, a1[2].pk, a2[1].pk}


def test_a_grid_worker_sees_the_campaign_over_their_grid_and_only_its_coverage(world, township):
    campaign, b = township
    worker = world.grid_worker_a1
    assert list(selectors.campaigns_for(worker)) == [campaign]
    assert [row.name for row in selectors.coverage_by_grid(worker, campaign)] == ["甲村一网格"]
    assert selectors.coverage_total(worker, campaign).households == 3
    assert b not in selectors.campaigns_for(world.officer_a)


def test_the_campaign_page_shows_coverage_in_a_few_queries(
    client, world, township, django_assert_max_num_queries
):
    campaign, _b = township
    record_visit(
        actor=world.grid_worker_a1,
        task=tasks_of(campaign, world.grid_a1)[0],
        outcome="met",
        people_home=1,
    )
    client.force_login(world.officer_a)
    url = reverse("outreach:campaign", args=[campaign.pk])
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "甲村一网格" in page and "甲村二网格" in page and "33.3%" in page
    assert "grid_worker_a1" in page  # the per-person table
    assert reverse("outreach:unreached", args=[campaign.pk]) in page


# --- campaign pages -----------------------------------------------------------------------


def test_an_officer_creates_a_campaign_ticking_a_whole_village(client, world, township):
    client.force_login(world.officer_a)
    page = client.get(reverse("outreach:campaign_new"))
    assert page.status_code == 200 and "甲村全部网格" in page.content.decode()
    assert "乙社区一网格" not in page.content.decode()
    data = form_data(station=world.station_a.pk, communities=[world.community_a.pk])
    response = client.post(reverse("outreach:campaign_new"), data)
    campaign = Campaign.objects.unscoped_for_jobs().get(name="冬季大走访")
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach:campaign", args=[campaign.pk])
    assert set(campaign.grids.all()) == {world.grid_a1, world.grid_a2}
    assert len(tasks_of(campaign)) == 5


def test_the_campaign_form_shows_what_to_fix_and_writes_nothing(client, world, township):
    client.force_login(world.officer_a)
    before = db_snapshot()
    late = form_data(
        station=world.station_a.pk,
        grids=[world.grid_a1.pk],
        ends_on=(today() - dt.timedelta(days=1)).isoformat(),
    )
    response = client.post(reverse("outreach:campaign_new"), late)
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()
    none = client.post(reverse("outreach:campaign_new"), form_data(station=world.station_a.pk))
    assert none.status_code == 400 and "请至少选择一个网格" in none.content.decode()
    other = client.post(
        reverse("outreach:campaign_new"),
        form_data(station=world.station_a.pk, grids=[world.grid_b1.pk]),
    )
    assert other.status_code == 400
    assert db_snapshot() == before


def test_grid_workers_may_not_plan_campaigns(client, world, township):
    client.force_login(world.grid_worker_a1)
    assert client.get(reverse("outreach:campaign_new")).status_code == 403
    campaign, _b = township
    assert client.get(reverse("outreach:campaign_edit", args=[campaign.pk])).status_code == 403


def test_another_townships_campaign_answers_404(client, world, township):
    _a, b = township
    client.force_login(world.officer_a)
    for name in ("outreach:campaign", "outreach:campaign_edit", "outreach:unreached"):
        assert client.get(reverse(name, args=[b.pk])).status_code == 404, name
    listing = client.get(reverse("outreach:campaigns")).content.decode()
    assert "乙镇走访" not in listing and "秋季大走访" in listing


def test_the_never_reached_list_filters_by_grid_and_reassigns(client, world, township):
    campaign, _b = township
    client.force_login(world.officer_a)
    url = reverse("outreach:unreached", args=[campaign.pk])
    page = client.get(url, {"grid": world.grid_a2.pk}).content.decode()
    assert "甲村二网格乙街1号1室" in page and "甲村一网格甲街1号1室" not in page
    task = tasks_of(campaign, world.grid_a2)[0]
    assign = reverse("outreach:visit_assign", args=[task.pk])
    response = client.post(assign, {"assignee": world.grid_worker_a1.person.pk})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == world.grid_worker_a1.person


# --- the phone ----------------------------------------------------------------------------


def test_the_phone_lists_households_by_building_and_a_visit_leads_to_the_next(
    client, world, township
):
    campaign, _b = township
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("outreach:visits")).content.decode()
    assert "甲村1号" in page and "3 户待走访" in page
    assert "甲村二网格" not in page  # not theirs: neither handed to them nor their grid
    first, second, _third = tasks_of(campaign, world.grid_a1)
    form = client.get(reverse("outreach:visit", args=[first.pk]))
    assert form.status_code == 200
    response = client.post(
        reverse("outreach:visit", args=[first.pk]),
        {
            "client_key": "phone-key-0001",
            "outcome": "met",
            "people_home": "2",
            "situation": "老两口",
            "problem": "楼道电线私拉乱接",
            "problem_kind": "hazard",
            "contact_card_given": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach:visit", args=[second.pk])
    record = VisitRecord.objects.unscoped_for_jobs().get()
    assert record.contact_card_given and not record.app_installed
    assert Report.objects.get(tracking_code=record.report_code).channel == "visit"
    # The same form sent again (a double tap) is the same visit.
    client.post(
        reverse("outreach:visit", args=[first.pk]),
        {"client_key": "phone-key-0001", "outcome": "met", "people_home": "2"},
    )
    assert VisitRecord.objects.unscoped_for_jobs().count() == 1


def test_the_visit_form_shows_what_to_fix(client, world, township):
    campaign, _b = township
    task = tasks_of(campaign, world.grid_a1)[0]
    client.force_login(world.grid_worker_a1)
    before = db_snapshot()
    response = client.post(reverse("outreach:visit", args=[task.pk]), {"outcome": "met"})
    assert response.status_code == 400
    assert "见到住户时请填写在家人数" in response.content.decode()
    assert db_snapshot() == before


def test_another_townships_household_answers_404_and_nothing_changes(client, world, township):
    _a, b = township
    task = tasks_of(b)[0]
    client.force_login(world.officer_a)
    before = db_snapshot()
    url = reverse("outreach:visit", args=[task.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"outcome": "nobody_home"}).status_code == 404
    assign = reverse("outreach:visit_assign", args=[task.pk])
    assert client.post(assign, {"assignee": ""}).status_code == 404
    assert db_snapshot() == before
    assert not AuditEvent.objects.filter(action__startswith="outreach.visit").exists()


def test_a_household_handed_over_shows_on_the_phone(client, world, township):
    campaign, _b = township
    task = tasks_of(campaign, world.grid_a2)[0]
    reassign_task(actor=world.officer_a, task=task, assignee=world.grid_worker_a1.person)
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("outreach:visits")).content.decode()
    assert "甲村二网格乙街1号1室" in page
    assert client.get(reverse("outreach:visit", args=[task.pk])).status_code == 200


def test_residents_get_no_outreach_pages(client, world, township):
    client.force_login(world.resident)
    for name in ("outreach:index", "outreach:campaigns", "outreach:visits"):
        assert client.get(reverse(name)).status_code == 403, name


def test_the_hub_links_the_visit_pages(client, world):
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("outreach:index")).content.decode()
    assert reverse("outreach:visits") in page and reverse("outreach:campaigns") in page


# --- API ----------------------------------------------------------------------------------


def test_the_api_lists_campaigns_in_scope_with_their_coverage(client, world, township):
    campaign, b = township
    record_visit(
        actor=world.grid_worker_a1,
        task=tasks_of(campaign, world.grid_a1)[0],
        outcome="met",
        people_home=1,
    )
    client.force_login(world.officer_a)
    listed = client.get("/api/v1/campaigns/").json()
    names = [row["name"] for row in listed.get("results", listed)]
    assert names == ["秋季大走访"]
    coverage = client.get(f"/api/v1/campaigns/{campaign.pk}/coverage/").json()
    assert coverage["total"]["households"] == 5 and coverage["total"]["reached"] == 1
    grids = {row["name"]: row for row in coverage["grids"]}
    assert grids["甲村一网格"]["percent"] == 33.3 and grids["甲村二网格"]["never_reached"] == 2
    assert client.get(f"/api/v1/campaigns/{b.pk}/").status_code == 404
    assert client.get(f"/api/v1/campaigns/{b.pk}/coverage/").status_code == 404
    client.force_login(world.resident)
    assert client.get("/api/v1/campaigns/").status_code == 403


def test_the_phone_list_takes_a_few_queries_however_many_households(
    client, world, township, django_assert_max_num_queries
):
    homes(world, world.grid_a1, 30, building=world.building_a1, start=10)
    campaign, _b = township
    visit_campaign(world, [world.grid_a1, world.grid_a2], campaign=campaign, name=campaign.name)
    client.force_login(world.grid_worker_a1)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("outreach:visits"))
    assert response.content.decode().count('class="visit-task state-') == 33


def test_an_anti_fraud_campaign_page_lists_its_grids_without_coverage(client, world):
    campaign = visit_campaign(world, [world.grid_a1], kind="anti_fraud", name="反诈进万家")
    client.force_login(world.officer_a)
    page = client.get(reverse("outreach:campaign", args=[campaign.pk])).content.decode()
    assert "甲村一网格" in page and "各网格走访情况" not in page
    coverage = client.get(f"/api/v1/campaigns/{campaign.pk}/coverage/").json()
    assert coverage["grids"] == [] and coverage["total"]["households"] == 0
