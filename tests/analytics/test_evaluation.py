"""Evaluation: a score from the scheme's criteria on hand-built cases, its stars, the
ranking and its laggards, deductions for cards and for confirmed flags only, the scope."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fengqiao.analytics import evaluation, facts, flags, indicators, sheets
from fengqiao.analytics.evaluation import SCHEMES, Criterion
from fengqiao.analytics.indicators import Period, Target
from fengqiao.analytics.models import Flag
from fengqiao.audit.models import AuditEvent
from fengqiao.disputes import supervision
from tests.analytics import gaming_cases as g
from tests.factories import RegionFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _period() -> Period:
    today = timezone.localdate()
    return Period(today - dt.timedelta(days=7), today)


# --- the arithmetic, without a database ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "points"),
    [(97.0, 20.0), (100.0, 20.0), (80.0, 0.0), (50.0, 0.0), (88.5, 10.0), (None, None)],
)
def test_a_rising_criterion_scores_linearly_from_floor_to_target(value, points):
    criterion = Criterion(indicator="resolution_rate", points=20, floor=80, target=97)
    assert criterion.earned(value) == points


def test_a_falling_criterion_scores_the_other_way_and_no_value_follows_the_scheme():
    response = Criterion(indicator="first_response_median", points=10, floor=120, target=15)
    assert (response.earned(15), response.earned(67.5), response.earned(300)) == (10, 5, 0)
    criminal = Criterion(
        indicator="civil_to_criminal", points=10, floor=3, target=0, when_no_value="full"
    )
    assert criminal.earned(None) == 10 and criminal.earned(0) == 10 and criminal.earned(3) == 0
    zero = Criterion(indicator="satisfaction_rate", points=20, floor=80, target=98)
    assert dataclasses.replace(zero, when_no_value="zero").earned(None) == 0


def test_stars_come_from_the_bands():
    scheme = SCHEMES["police_room"]
    assert [scheme.stars_for(s) for s in (100, 90, 89.9, 80, 70, 60, 59.9, 0, None)] == [
        5,
        5,
        4,
        4,
        3,
        2,
        1,
        1,
        0,
    ]


def test_a_scheme_whose_target_runs_against_the_indicator_is_refused_at_load():
    bad = {
        "zh": "错",
        "en": "wrong",
        "criteria": [{"indicator": "relapse_rate", "points": 10, "floor": 2, "target": 20}],
        "deductions": {"per_card_point": 1, "per_confirmed_flag": 5, "max": 40},
        "stars": [{"stars": 1, "from": 0}],
        "laggards": {"below": 60, "bottom": 1},
    }
    with pytest.raises(ValueError, match="relapse_rate"):
        evaluation._scheme("police_room", bad)


# --- hand-built cases ------------------------------------------------------------------------


@pytest.fixture
def rooms(world):
    """Room A: two cases settled three hours after they were reported, rated 3 and 5.
    Room B: one, rated 5. A third room over township A's second community has no case."""
    room_a, room_b = g.police_rooms(world)
    empty_community = RegionFactory(
        code="330699001002", name="甲镇二村", level="community", parent=world.township_a
    )
    room_c = UnitFactory(
        code="U3306990102",
        name="甲镇二村警务室",
        kind="police_room",
        parent=world.station_a,
        jurisdiction=empty_community,
    )
    first, second = (g.settled_case(world) for _ in range(2))
    g.rate(first, 3)
    g.rate(second, 5)
    g.rate(g.settled_case(world, building=world.building_b1), 5)
    facts.rebuild()
    return room_a, room_b, room_c


def _points(score) -> dict[str, float | None]:
    return {p.criterion.indicator: p.points for p in score.parts}


def test_a_rooms_score_is_its_parts_scaled_over_the_criteria_with_a_value(world, rooms):
    room_a, room_b, room_c = rooms
    scores = {s.unit: s for s in evaluation.ranking(world.county_admin, _period())}

    a = scores[room_a]
    assert _points(a) == {
        "resolution_rate": 20,  # 2 of 2 resolved
        "acceptance_on_time": 15,  # accepted three hours in, inside the 24 h limit
        "first_action_on_time": 10,
        "return_visit_completion": None,  # none due: left out
        "satisfaction_rate": 0,  # 1 of 2 satisfied: 50 %, below the floor of 80
        "relapse_rate": 10,  # none reopened
        "first_response_median": 0,  # about 180 minutes, beyond the floor of 120
    }
    satisfaction = next(p for p in a.parts if p.criterion.indicator == "satisfaction_rate")
    assert (satisfaction.numerator, satisfaction.denominator, satisfaction.value) == (1, 2, 50)
    # 55 of the 85 points that could be judged, scaled to 100.
    assert a.base == a.score == round(55 / 85 * 100, 1) == 64.7 and a.stars == 2
    b = scores[room_b]
    assert b.score == round(75 / 85 * 100, 1) == 88.2 and b.stars == 4
    assert scores[room_c].score is None and scores[room_c].stars == 0


def test_the_ranking_puts_the_best_first_marks_laggards_and_leaves_empty_rooms_unranked(
    world, rooms
):
    room_a, room_b, room_c = rooms
    ranked = evaluation.ranking(world.county_admin, _period())
    assert [(s.unit, s.rank, s.laggard) for s in ranked] == [
        (room_b, 1, False),
        (room_a, 2, True),  # the bottom one
        (room_c, None, False),
    ]


def test_a_laggard_by_threshold_alone(world, rooms, monkeypatch):
    room_a, room_b, _room_c = rooms
    scheme = dataclasses.replace(SCHEMES["police_room"], laggard_bottom=0, laggard_below=70)
    monkeypatch.setitem(SCHEMES, "police_room", scheme)
    laggards = evaluation.laggards(world.county_admin, _period())
    assert [s.unit for s in laggards] == [room_a]


def test_each_part_links_to_its_cases(world, rooms):
    room_a = rooms[0]
    [score] = [s for s in evaluation.ranking(world.county_admin, _period()) if s.unit == room_a]
    part = next(p for p in score.parts if p.criterion.indicator == "resolution_rate")
    period = _period()
    assert part.numerator_url.startswith("/figures/cases/?")
    for piece in (
        "code=resolution_rate",
        f"unit={room_a.code}",
        f"from={period.start.isoformat()}",
        f"to={period.end.isoformat()}",
        "part=numerator",
    ):
        assert piece in part.numerator_url
    assert "part=denominator" in part.denominator_url


def test_a_flag_lowers_the_score_only_once_confirmed(world, rooms):
    room_a = rooms[0]
    made = Flag.objects.create(
        kind=Flag.Kind.QUICK_CLOSE,
        key="test:1",
        unit=room_a,
        scope_path=world.grid_a1.path,
        period_day=timezone.localdate(),
        case_refs=["X"],
    )

    def score_of(unit, kind="police_room"):
        ranked = evaluation.ranking(world.county_admin, _period(), kind=kind)
        return next(s for s in ranked if s.unit == unit)

    station_before = score_of(world.station_a, "station").score
    assert score_of(room_a).score == 64.7  # open: no deduction
    flags.confirm_flag(actor=g.analyst(world), flag=made, note="抽查属实")
    confirmed = score_of(room_a)
    assert confirmed.score == 59.7 and confirmed.stars == 1 and confirmed.deducted == 5
    [deduction] = confirmed.deductions
    assert deduction.kind == "flag" and deduction.case_refs == ["X"]
    # The station answers for its rooms.
    assert score_of(world.station_a, "station").score == round(station_before - 5, 1)


def test_a_dismissed_flag_costs_nothing(world, rooms):
    room_a = rooms[0]
    made = Flag.objects.create(
        kind=Flag.Kind.SAME_TEXT,
        key="test:2",
        unit=room_a,
        scope_path=world.grid_a1.path,
        period_day=timezone.localdate(),
    )
    flags.dismiss_flag(actor=g.analyst(world), flag=made, note="格式化文书，正常")
    [score] = [s for s in evaluation.ranking(world.county_admin, _period()) if s.unit == room_a]
    assert score.score == 64.7 and score.deductions == []


def test_a_supervision_card_in_the_period_costs_its_points(world, rooms):
    _room_a, room_b, _room_c = rooms
    case = g.accept(world, g.report(world, building=world.building_b1).case)
    supervision.issue_supervision(
        case=case,
        actor=world.county_admin,
        reason="超期未化解",
        due_on=timezone.localdate() + dt.timedelta(days=3),
        card="red",
        unit=room_b,
    )
    facts.rebuild()
    [score] = [s for s in evaluation.ranking(world.county_admin, _period()) if s.unit == room_b]
    [card] = score.deductions
    assert card.kind == "card" and card.points == 3 and card.case_refs == [case.reference]
    assert score.deducted == 3 and score.score == round(score.base - 3, 1)


def test_stations_are_ranked_on_their_townships(world, rooms):
    ranked = evaluation.ranking(world.county_admin, _period(), kind="station")
    assert {s.unit for s in ranked} == {world.station_a, world.station_b}
    assert all(s.scheme.kind == "station" for s in ranked)


def test_the_chief_ranks_only_the_rooms_of_his_station(world, rooms):
    room_a, _room_b, room_c = rooms
    assert {s.unit for s in evaluation.ranking(world.chief, _period())} == {room_a, room_c}


def test_who_may_not_see_figures_gets_no_ranking_and_a_bad_kind_is_named(world, rooms):
    for user in (world.grid_worker_a1, world.resident):
        with pytest.raises(PermissionDenied):
            evaluation.ranking(user, _period())
    with pytest.raises(ValidationError) as error:
        evaluation.ranking(world.county_admin, _period(), kind="bureau")
    assert "kind" in error.value.message_dict


# --- the page ----------------------------------------------------------------------------------


def _page(client, user, **query):
    client.force_login(user)
    period = _period()
    params = {"from": period.start.isoformat(), "to": period.end.isoformat(), **query}
    return client.get(reverse("analytics:evaluation"), params)


def test_the_page_ranks_the_rooms_with_stars_laggards_and_parts(client, world, rooms):
    room_a, room_b, _room_c = rooms
    response = _page(client, g.analyst(world))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index(room_b.name) < body.index(room_a.name)
    assert "后进" in body and "64.7" in body and "88.2" in body
    assert "code=resolution_rate" in body and f"unit={room_a.code}" in body
    assert "无数据，不参评" in body  # no return visit was due


def test_the_chief_sees_his_rooms_and_stations_on_request(client, world, rooms):
    room_a, room_b, _room_c = rooms
    body = _page(client, world.chief).content.decode()
    assert room_a.name in body and room_b.name not in body
    body = _page(client, world.chief, kind="station").content.decode()
    assert world.station_a.name in body and world.station_b.name not in body


def test_the_page_is_refused_to_whoever_may_not_see_evaluations(client, world, rooms):
    for user in (world.grid_worker_a1, world.officer_a):
        assert _page(client, user).status_code == 403


def test_bad_input_names_the_field(client, world, rooms):
    response = _page(client, world.chief, kind="bureau")
    assert response.status_code == 400 and "评价对象（kind）" in response.content.decode()
    response = _page(client, world.chief, to="2026-02-30")
    assert response.status_code == 400 and "截止日期（to）" in response.content.decode()


def test_the_ranking_downloads_as_excel_and_the_export_is_audited(client, world, rooms):
    response = _page(client, world.county_admin, format="xlsx")
    assert response["Content-Type"] == sheets.XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (1, "乙社区警务室", 88.2),
        (2, "甲村警务室", 64.7),
        (None, "甲镇二村警务室", None),
    ]
    assert rows[1][6] == "是"
    assert AuditEvent.objects.filter(action="analytics.exported").count() == 1


def test_the_page_reads_as_many_queries_for_three_rooms_as_for_five(client, world, rooms):
    """Figures, cards and flags are read for all units at once."""
    client.force_login(world.county_admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as read:
            assert client.get(reverse("analytics:evaluation")).status_code == 200
        return len(read.captured_queries)

    three = queries()
    for n in (3, 4):
        community = RegionFactory(
            code=f"33069900100{n}", name=f"甲镇{n}村", level="community", parent=world.township_a
        )
        UnitFactory(
            code=f"U330699010{n}",
            name=f"甲镇{n}村警务室",
            kind="police_room",
            parent=world.station_a,
            jurisdiction=community,
        )
    assert queries() == three <= 14


def test_every_part_is_the_indicator_the_dashboard_shows_for_that_unit(world, rooms):
    """The ranking reads all units at once; each figure must still be values_for's."""
    period = _period()
    for kind in ("police_room", "station"):
        for score in evaluation.ranking(world.county_admin, period, kind=kind):
            values = indicators.values_for(
                world.county_admin,
                Target(unit=score.unit),
                period,
                [p.criterion.indicator for p in score.parts],
            )
            for part in score.parts:
                value = values[part.criterion.indicator]
                assert (part.numerator, part.denominator, part.value) == (
                    value.numerator,
                    value.denominator,
                    value.value,
                ), (score.unit, part.criterion.indicator)
