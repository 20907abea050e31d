"""The figures dashboard and its drill-down through the Django client: the same numbers as
``indicators.compute`` for the chief's township and the analyst's county, the places
compared, the heat map, the laggards, every table as Excel, the cases behind a figure, and
the walls: no permission 403, another township 404, bad input 400 naming the field."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fengqiao.analytics import dashboard, heatmap, indicators
from fengqiao.analytics.indicators import DEFINITIONS, Period, Target
from fengqiao.audit.models import AuditEvent
from tests.analytics.figures_data import make_figures_data

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def data(world):
    return make_figures_data(world)


def _get(client, user, url=None, **query):
    client.force_login(user)
    return client.get(url or reverse("analytics:dashboard"), query)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def _card(body: str, code: str) -> str:
    """The words of one indicator's card."""
    found = re.search(rf'<li class="figure-card" data-code="{code}">(.*?)</li>', body, re.S)
    assert found, code
    return _text(found.group(1))


def _book(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


@pytest.mark.parametrize(
    ("who", "target"), [("chief", "township_a"), ("analyst", "county")], ids=["chief", "analyst"]
)
def test_the_chief_and_the_analyst_see_every_indicator_as_compute_gives_it(
    client, world, data, who, target
):
    user = data.analyst if who == "analyst" else world.chief
    response = _get(client, user)
    assert response.status_code == 200
    board = response.context["board"]
    assert board.target.region == getattr(world, target)  # their own area by default
    today = timezone.localdate()
    assert board.period == Period(today.replace(month=1, day=1), today)
    body = response.content.decode()
    expected = indicators.compute(user, Target(region=getattr(world, target)), board.period)
    assert [card.code for card in board.cards] == list(DEFINITIONS)
    for result in expected:
        d, current = result.definition, result.current
        words = _card(body, d.code)
        assert d.zh in words
        assert dashboard.format_value(d.unit, current.value) in words
        if d.denominator is not None:
            fraction = f"{current.numerator:.0f} / {current.denominator:.0f}"
            assert fraction in words, (d.code, words)
    received = 3 if who == "chief" else 4
    assert f"1 / {received}" in _card(body, "resolution_rate")
    assert f"{100 / received:.1f}" in _card(body, "resolution_rate")
    # The charts' data rides along as JSON, not an inline script.
    assert '<script id="figures-data" type="application/json">' in body
    assert "vendor/echarts.common.min.js" in body and "fengqiao/figures.js" in body


def test_a_change_is_coloured_by_the_indicators_good_direction():
    up = dashboard.Change("环比", 12.5, "50.0", "up")
    down = dashboard.Change("环比", 12.5, "50.0", "down")
    neither = dashboard.Change("环比", 12.5, "50.0", "none")
    assert (up.arrow, up.tone) == ("▲", "good")
    assert (down.arrow, down.tone) == ("▲", "bad")
    assert neither.tone == "neutral"
    assert dashboard.Change("同比", -3.0, "", "down").tone == "good"
    assert dashboard.Change("同比", None, "", "up").text == "—"


def test_the_places_one_level_down_are_compared(client, world, data):
    board = _get(client, data.analyst).context["board"]
    rows = {str(row[0]): row for row in board.regions_table.rows}
    assert set(rows) == {world.township_a.name, world.township_b.name}
    received = board.regions_table.headers.index("登记纠纷数（件）")
    assert rows[world.township_a.name][received].text == 3
    assert rows[world.township_b.name][received].text == 1
    assert rows[world.township_a.name][0].href.startswith(reverse("analytics:dashboard"))
    chart = board.chart_data()
    assert chart["places"] == [world.township_a.name, world.township_b.name]
    assert len(chart["months"]) == 12 and all(len(t["values"]) == 12 for t in chart["trend"])


def test_the_heat_map_colours_each_grid_by_the_chosen_measure(client, world, data):
    body = _get(client, world.chief, measure="red").content.decode()
    drawn = re.findall(r'<path class="heat (heat-[a-z0-9]+)" d="[^"]*" data-code="(\w+)"', body)
    shapes = {code: css for css, code in drawn}
    assert shapes == {world.grid_a1.code: "heat-5", world.grid_a2.code: "heat-0"}
    assert world.grid_b1.code not in body
    board = _get(client, world.chief, measure="reports_per_10k").context["board"]
    per_10k = {area.region.code: area.reports_per_10k for area in board.heat.areas}
    assert per_10k == {world.grid_a1.code: 5.0, world.grid_a2.code: 5.0}  # 2/4000, 1/2000
    legend = [step.label for step in board.heat.legend]
    assert legend[0] == "0" and legend[-1] == "4.0–5.0"


def test_a_big_place_is_mapped_by_the_places_one_level_down(client, world, data, monkeypatch):
    monkeypatch.setattr(heatmap, "MAP_GRID_LIMIT", 1)
    board = _get(client, data.analyst).context["board"]
    assert board.heat.shows == "areas"
    sums = {area.region: (area.cases, area.red, area.population) for area in board.heat.areas}
    assert sums == {world.township_a: (3, 1, 6000), world.township_b: (1, 0, 0)}


def test_a_bad_measure_or_period_is_an_error_naming_its_field(client, world, data):
    response = _get(client, world.chief, measure="everything")
    assert response.status_code == 400
    assert "地图指标（measure）" in response.content.decode()
    response = _get(client, world.chief, **{"from": "2026-13-01"})
    assert response.status_code == 400
    assert "起始日期（from）" in response.content.decode()
    response = _get(client, world.chief, format="xlsx", table="secrets")
    assert response.status_code == 400
    assert "没有这张表" in response.content.decode()


def test_the_laggard_police_rooms_are_listed(client, world, data):
    board = _get(client, world.chief).context["board"]
    assert [score.unit for score in board.laggards] == [data.room_a]
    row = board.laggards_table.rows[0]
    assert str(row[1]) == "甲村警务室"
    assert "unit=U3306990101" in row[1].href
    # The room's own figures: its village, compared by grid.
    room = client.get(row[1].href)
    assert room.status_code == 200
    assert room.context["board"].target.unit == data.room_a
    assert [str(r[0]) for r in room.context["board"].regions_table.rows] == [
        world.grid_a1.name,
        world.grid_a2.name,
    ]


def test_no_figures_permission_is_refused(client, world, data):
    assert _get(client, world.grid_worker_a1).status_code == 403
    assert _get(client, world.resident).status_code == 403
    query = {"code": "resolution_rate"}
    assert (
        _get(client, world.grid_worker_a1, reverse("analytics:cases"), **query).status_code == 403
    )
    client.logout()
    assert client.get(reverse("analytics:dashboard")).status_code == 302


@pytest.mark.parametrize(
    "query",
    [{"region": "330699002"}, {"unit": "U33069902"}, {"region": "330699002001G01"}],
    ids=["township", "station", "grid"],
)
def test_another_townships_figures_answer_404(client, world, data, query):
    before = AuditEvent.objects.count()
    assert _get(client, world.chief, **query).status_code == 404
    assert _get(client, world.chief, format="xlsx", table="indicators", **query).status_code == 404
    drill = {"code": "cases_received", **query}
    assert _get(client, world.chief, reverse("analytics:cases"), **drill).status_code == 404
    assert AuditEvent.objects.count() == before  # a refused download leaves no trace


def test_every_table_downloads_as_excel(client, world, data):
    for name in dashboard.TABLES:
        book = _book(_get(client, world.chief, format="xlsx", table=name))
        sheet = book.active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0].startswith("导出人：chief")
        assert world.township_a.name in rows[1][0]
        assert all(header for header in rows[2])
    book = _book(_get(client, world.chief, format="xlsx", table="indicators"))
    rows = {row[0]: row for row in book.active.iter_rows(min_row=4, values_only=True)}
    period = Period.parse(None, None)
    for result in indicators.compute(world.chief, Target(region=world.township_a), period):
        row = rows[result.definition.zh]
        assert (row[1], row[3], row[4]) == (
            result.current.value,
            result.current.numerator,
            result.current.denominator,
        )
    exported = AuditEvent.objects.filter(action="analytics.exported")
    assert exported.count() == len(dashboard.TABLES) + 1


def test_the_drill_down_lists_exactly_the_numerator_cases(client, world, data):
    url = reverse("analytics:cases")
    response = _get(client, world.chief, url, code="resolution_rate", part="numerator")
    assert response.status_code == 200
    listed = [str(row[0]) for row in response.context["table"].rows]
    assert listed == [data.resolved.reference]
    body = response.content.decode()
    assert reverse("disputes:case", args=[data.resolved.reference]) in body
    assert "甲村楼道堆物已调解" in body
    for other in (data.red, data.open, data.case_b):
        assert other.reference not in body

    denominator = _get(client, world.chief, url, code="resolution_rate", part="denominator")
    listed = {str(row[0]) for row in denominator.context["table"].rows}
    assert listed == {case.reference for case in data.township_a_cases}

    book = _book(_get(client, world.chief, url, code="resolution_rate", format="xlsx"))
    rows = list(book.active.iter_rows(min_row=4, values_only=True))
    assert [row[0] for row in rows] == [data.resolved.reference]
    assert rows[0][1] == "甲村楼道堆物已调解"


def test_every_card_link_opens_the_cases_behind_it(client, world, data):
    board = _get(client, world.chief).context["board"]
    for card in board.cards:
        for part, url in (("numerator", card.numerator_url), ("denominator", card.denominator_url)):
            if url is None:
                continue
            response = client.get(url)
            assert response.status_code == 200, (card.code, part)
            expected = indicators.drill_down(
                world.chief, board.target, board.period, card.code, part=part
            )
            assert response.context["page"].paginator.count == len(expected)
    reports = next(card for card in board.cards if card.code == "reports_per_10k")
    assert reports.numerator_url is None  # reports are not cases


def test_the_drill_down_names_a_bad_field(client, world, data):
    url = reverse("analytics:cases")
    response = _get(client, world.chief, url, code="resolution_rate", part="half")
    assert response.status_code == 400
    assert "分子或分母（part）" in response.content.decode()
    response = _get(client, world.chief, url)
    assert response.status_code == 400
    assert "指标（code）" in response.content.decode()
    response = _get(client, world.chief, url, code="cases_received", part="denominator")
    assert response.status_code == 400
    assert "这一项没有可列出的案件" in response.content.decode()


def test_the_drill_down_shows_a_page_at_a_time(client, world, data, monkeypatch):
    from fengqiao.analytics import dashboard_views

    monkeypatch.setattr(dashboard_views, "PAGE_SIZE", 2)
    url = reverse("analytics:cases")
    first = _get(client, world.chief, url, code="cases_received")
    second = _get(client, world.chief, url, code="cases_received", page=2)
    assert first.context["page"].paginator.count == 3
    shown = [str(r[0]) for r in first.context["table"].rows + second.context["table"].rows]
    assert sorted(shown) == sorted(c.reference for c in data.township_a_cases)
    assert "page=2" in first.content.decode()


def test_the_dashboard_reads_a_bounded_number_of_queries(
    client, world, data, django_assert_max_num_queries
):
    client.force_login(data.analyst)
    with django_assert_max_num_queries(40):
        assert client.get(reverse("analytics:dashboard")).status_code == 200
