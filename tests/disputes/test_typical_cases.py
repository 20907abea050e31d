"""The library of typical cases (典型案例): a closed case chosen by a mediator or a chief,
told without names or numbers, read county-wide, shown beside similar cases; the case
itself stays in its jurisdiction."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from fengqiao.disputes import services, typical
from fengqiao.disputes.models import Case, TypicalCase
from fengqiao.intake.services import submit_report
from tests.conftest import staff_user
from tests.factories import RegionFactory
from tests.snapshots import case_snapshot, db_snapshot


def _case(world, *, text="王小明家装修噪音扰民，与楼下李四争吵", lon=120.005, close=True) -> Case:
    case = submit_report(
        actor=staff_user(),
        channel="walk_in",
        kind="dispute",
        category="neighbourhood",
        risk="blue",
        text=text,
        lon=lon,
        lat=30.005,
        reporter_name="王小明",
        reporter_phone="13900001111",
        parties=[
            {"role": "applicant", "name": "王小明", "phone": "13900001111"},
            {"role": "respondent", "name": "李四"},
        ],
    ).report.case
    officer = world.officer_a if lon < 120.1 else world.officer_b
    services.accept_case(case=case, actor=officer)
    if close:
        services.transition(
            case=case, actor=officer, action="close", note="王小明同意晚八点后停工，双方和解"
        )
        if case.state == "verifying":  # resolved above level 1: someone else checks it
            services.transition(case=case, actor=world.county_admin, action="verify")
    return case


def _choose(case, actor, **kw) -> TypicalCase:
    draft = {**typical.draft_for(case), **kw}
    return typical.choose_typical(case=case, actor=actor, **draft)


def test_the_draft_hides_names_numbers_and_house_numbers():
    text = "王小明（电话13900001111）住幸福小区3幢2单元302室，与李四和某某公司争执"
    told = typical.anonymise(text, ["王小明", "李四", "某某建设有限公司"])
    assert "王小明" not in told and "王某" in told and "李某" in told
    assert "13900001111" not in told and "302" not in told and "某室" in told


def test_a_chief_chooses_a_closed_case_and_the_county_reads_it(world):
    case = _case(world)
    entry = _choose(case, world.chief)
    assert entry.county.code == "330699" and "王小明" not in entry.summary
    assert case.events.filter(kind="typical_chosen").exists()
    # Township B's officer reads it (same county) but not the case behind it.
    assert list(typical.library_for(world.officer_b)) == [entry]
    client = Client()
    client.force_login(world.officer_b)
    page = client.get(reverse("disputes:typical", args=[entry.pk])).content.decode()
    assert entry.title in page and case.reference not in page
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:typical", args=[entry.pk])).content.decode()
    assert reverse("disputes:case", args=[case.reference]) in page


def test_the_library_is_searched_by_category_and_keywords(world):
    entry = _choose(_case(world), world.chief, keywords="装修 噪音")
    assert list(typical.library_for(world.officer_a, q="噪音")) == [entry]
    assert list(typical.library_for(world.officer_a, q="宅基地")) == []
    assert list(typical.library_for(world.officer_a, category="labour")) == []
    client = Client()
    client.force_login(world.grid_worker_a1)
    page = client.get(reverse("disputes:typical_library"), {"q": "装修"}).content.decode()
    assert entry.title in page


def test_another_county_does_not_read_the_library(world):
    from tests.factories import PersonFactory, UserFactory

    entry = _choose(_case(world), world.chief)
    other = RegionFactory(code="330700", name="邻县", level="county")
    user = UserFactory(username="mediator_other")
    PersonFactory(user=user, region=other, role_codes=["mediator"])
    assert list(typical.library_for(user)) == []
    client = Client()
    client.force_login(user)
    assert client.get(reverse("disputes:typical", args=[entry.pk])).status_code == 404


def test_similar_typical_cases_show_beside_a_new_case(world):
    entry = _choose(_case(world), world.chief, keywords="装修 噪音")
    new = _case(world, text="楼上装修噪音太大，晚上还在施工", close=False)
    assert typical.similar_to(world.officer_a, new) == [entry]
    client = Client()
    client.force_login(world.officer_a)
    page = client.get(reverse("disputes:case", args=[new.reference])).content.decode()
    assert reverse("disputes:typical", args=[entry.pk]) in page


def test_choosing_is_refused_for_the_wrong_people_and_cases(world):
    open_case = _case(world, close=False)
    closed = _case(world)
    b_case = _case(world, lon=120.105)
    before = case_snapshot(open_case)
    with pytest.raises(ValidationError):
        _choose(open_case, world.chief)
    for stranger in (world.officer_a, world.resident):  # police and residents do not choose
        with pytest.raises(PermissionDenied):
            _choose(closed, stranger)
    with pytest.raises(PermissionDenied):
        _choose(b_case, world.chief)  # township B's case is outside the chief's station
    assert case_snapshot(open_case) == before
    assert not TypicalCase.objects.exists()


def test_a_summary_that_still_names_a_party_is_refused(world):
    case = _case(world)
    before = db_snapshot()
    with pytest.raises(ValidationError) as error:
        _choose(case, world.chief, summary="王小明与李四为噪音争吵")
    assert "王小明" in error.value.message_dict["summary"][0]
    with pytest.raises(ValidationError) as error:
        _choose(case, world.chief, method="电话13900001111回访")
    assert "method" in error.value.message_dict
    assert db_snapshot() == before


def test_a_case_is_chosen_once(world):
    case = _case(world)
    _choose(case, world.chief)
    with pytest.raises(ValidationError):
        _choose(case, world.county_admin)
    assert TypicalCase.objects.count() == 1


def test_the_choose_page_drafts_and_saves(world):
    case = _case(world)
    client = Client()
    client.force_login(world.chief)
    url = reverse("disputes:typical_choose", args=[case.reference])
    page = client.get(url).content.decode()
    assert "王某" in page and "13900001111" not in page
    draft = typical.draft_for(case)
    response = client.post(url, draft)
    assert response.status_code == 302 and TypicalCase.objects.filter(case=case).exists()
    client.force_login(world.officer_a)
    assert client.get(url).status_code == 403
    client.force_login(world.officer_b)
    assert client.get(url).status_code == 404
