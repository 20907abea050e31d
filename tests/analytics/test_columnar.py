"""The columnar copy of the daily facts and the tables read from it by DuckDB: the copy holds
every fact and replaces the old one whole; both engines give the same table, equal to
``indicators.values_for`` place by place; a township-B user never sees township A's numbers
through DuckDB; a stale copy is not read; the page says how old its figures are."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db.models import Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from fengqiao.analytics import columnar, facts, tasks
from fengqiao.analytics.indicators import DEFINITIONS, Period, Target, values_for
from fengqiao.analytics.models import MEASURES, DailyFact
from tests.analytics.figures_data import make_case, make_figures_data
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db

RATIOS = [d for d in DEFINITIONS.values() if not d.statistic]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.COLUMNAR_MAX_AGE = 24 * 60 * 60
    return tmp_path


@pytest.fixture
def data(world):
    return make_figures_data(world)


@pytest.fixture
def year() -> Period:
    return Period.parse(None, None)


def _numbers(table: columnar.PlaceTable) -> list[tuple[str, dict[str, int]]]:
    return [(place.region.code, place.sums) for place in table.places]


def _without_copy(settings, call):
    """``call()`` with the copy too old to read: the facts answer."""
    settings.COLUMNAR_MAX_AGE = -1
    try:
        return call()
    finally:
        settings.COLUMNAR_MAX_AGE = 24 * 60 * 60


# --- the copy ---------------------------------------------------------------------------


def test_the_copy_holds_every_fact_and_says_when_it_was_made(data, data_dir):
    before = timezone.now()
    copy = columnar.export(chunk_size=2)  # several chunks, as at province scale
    assert copy.path == data_dir / "columnar" / "daily_facts.parquet"
    assert before <= copy.made_at <= timezone.now()
    assert copy.rows == DailyFact.objects.unscoped_for_jobs().count() > 2
    assert copy.last_fact_id == max(
        DailyFact.objects.unscoped_for_jobs().values_list("pk", flat=True)
    )
    assert set(copy.measures) == set(MEASURES)
    # What a reader sees is what was written.
    assert columnar.current_copy() == copy
    # Every measure sums to the database's sum, per place and day.
    with duckdb.connect() as duck:
        rows = duck.execute(
            "SELECT scope_path, day, level, category, "
            + ", ".join(MEASURES)
            + " FROM read_parquet(?) ORDER BY scope_path, day, level, category",
            [str(copy.path)],
        ).fetchall()
    expected = (
        DailyFact.objects.unscoped_for_jobs()
        .order_by("scope_path", "day", "level", "category")
        .values_list("scope_path", "day", "level", "category", *MEASURES)
    )
    assert rows == list(expected)
    # Nothing half-written is left beside it.
    assert [p.name for p in (data_dir / "columnar").iterdir()] == ["daily_facts.parquet"]


def test_a_failed_export_leaves_the_old_copy_whole(data, data_dir, monkeypatch, world):
    old = columnar.export()
    make_case(world, world.grid_b1, title="乙社区又一起纠纷")
    facts.rebuild()

    def broken(duck, columns, work, size):
        duck.execute("INSERT INTO facts (id) VALUES (1)")  # a first chunk, then:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(columnar, "_load_facts", broken)
    with pytest.raises(RuntimeError):
        columnar.export()
    assert columnar.current_copy() == old
    assert [p.name for p in (data_dir / "columnar").iterdir()] == ["daily_facts.parquet"]
    monkeypatch.undo()
    new = columnar.export()
    assert new.rows >= old.rows and new.last_fact_id > old.last_fact_id
    assert columnar.current_copy() == new


def test_the_command_and_the_task_export_the_copy(data, data_dir, capsys):
    call_command("export_columnar")
    out = capsys.readouterr().out
    rows = DailyFact.objects.unscoped_for_jobs().count()
    assert f"已导出 {rows} 行" in out and f"exported {rows} rows" in out
    result = tasks.export_columnar.call()
    assert result["rows"] == rows
    assert result["path"] == str(data_dir / "columnar" / "daily_facts.parquet")
    assert columnar.current_copy().made_at.isoformat() == result["made_at"]


# --- one table, two engines ----------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_both_engines_give_the_same_table_as_the_indicators(data, world, year, settings, depth):
    columnar.export()
    user = data.analyst
    duck = columnar.table_by(user, world.county, year, depth=depth)
    assert duck.engine == "columnar" and duck.copy is not None and not duck.behind
    live = _without_copy(settings, lambda: columnar.table_by(user, world.county, year, depth=depth))
    assert live.engine == "facts" and live.copy is None
    assert _numbers(duck) == _numbers(live)
    expected_places = {
        1: ["330699001", "330699002"],
        2: ["330699001001", "330699002001"],
        3: ["330699001001G01", "330699001001G02", "330699002001G01"],
    }[depth]
    assert [place.region.code for place in duck.places] == expected_places
    # Every ratio and count, place by place, as the indicators give it.
    for place in duck.places:
        assert place.values(RATIOS) == values_for(
            user, Target(region=place.region), year, [d.code for d in RATIOS]
        ), place.region.code
    township_a = duck.places[0] if depth == 1 else None
    if township_a is not None:
        assert township_a.sums["received"] == 3 and township_a.sums["resolved"] == 1
        assert township_a.sums["population"] == 6000  # its grids' 常住人口


def test_places_whose_codes_differ_in_length_are_summed_alike(data, world, year, settings):
    """Codes of one level need not have one length: the table then groups by each fact's
    whole path and adds it to its place."""
    township_c = RegionFactory(code="3306993", name="丙乡", level="township", parent=world.county)
    village_c = RegionFactory(code="3306993V1", name="丙村", level="community", parent=township_c)
    grid_c = RegionFactory(
        code="3306993V1G1", name="丙村网格", level="grid", parent=village_c, population=800
    )
    make_case(world, grid_c, close=True, title="丙村灌溉用水纠纷")
    make_case(world, grid_c, title="丙村宅基地边界争执")
    facts.rebuild()
    columnar.export()
    duck = columnar.table_by(data.analyst, world.county, year, depth=1)
    live = _without_copy(
        settings, lambda: columnar.table_by(data.analyst, world.county, year, depth=1)
    )
    assert duck.engine == "columnar"
    assert _numbers(duck) == _numbers(live)
    by_code = {place.region.code: place for place in duck.places}
    assert by_code["3306993"].sums["received"] == 2
    assert by_code["3306993"].sums["resolved"] == 1
    assert by_code["3306993"].sums["population"] == 800
    assert by_code["330699001"].sums["received"] == 3
    for place in duck.places:
        assert place.values(RATIOS) == values_for(
            data.analyst, Target(region=place.region), year, [d.code for d in RATIOS]
        )


def test_the_indicators_rule_is_kept_for_zero_denominators_and_counts(data, world, year):
    columnar.export()
    table = columnar.table_by(data.analyst, world.county, year, depth=1)
    township_b = table.places[1].values(RATIOS)
    assert township_b["mediation_success_rate"].value is None  # nothing mediated: no value
    assert township_b["cases_received"].value == 1
    with pytest.raises(ValueError):
        table.places[0].values([DEFINITIONS["first_response_median"]])


# --- scope -------------------------------------------------------------------------------------


def test_a_township_b_user_never_sees_township_a_through_duckdb(data, world, year):
    columnar.export()
    officer_b = world.officer_b
    for region in (world.county, world.township_a, world.community_a, world.grid_a1):
        with pytest.raises(Http404):
            columnar.table_by(officer_b, region, year, depth=1)
        with pytest.raises(Http404):
            columnar.table_by(officer_b, region.code, year, depth=1)
    for depth in (1, 2):
        table = columnar.table_by(officer_b, world.township_b, year, depth=depth)
        assert table.engine == "columnar"
        assert all(place.region.path.startswith(world.township_b.path) for place in table.places)
        assert sum(place.sums["received"] for place in table.places) == 1  # B's one case
    # Township A's user, for contrast, sees A's three.
    table = columnar.table_by(world.chief, world.township_a, year, depth=1)
    assert sum(place.sums["received"] for place in table.places) == 3


def test_the_duckdb_query_itself_applies_the_jurisdiction(data, world, year, monkeypatch):
    """Even with the region check taken away, DuckDB returns no row outside the user's
    jurisdiction: the query carries its subtree ranges."""
    columnar.export()
    seen: list[str] = []
    roll_up = columnar._roll_up

    def spy(rows, measures, by_path, codes):
        rows = list(rows)
        if measures != ["population"]:  # the facts' rows, not the places' 常住人口
            seen.extend(row[0] for row in rows)
        return roll_up(rows, measures, by_path, codes)

    monkeypatch.setattr(columnar, "_roll_up", spy)
    monkeypatch.setattr(columnar, "_region_for", lambda user, region: region)
    # Every place of the county listed, A's included: only the query stands in the way.
    everything = columnar.Region.objects.all
    monkeypatch.setattr(columnar.Region.objects, "for_user", lambda user: everything())
    table = columnar.table_by(world.officer_b, world.county, year, depth=3)
    assert table.engine == "columnar"
    assert seen and all(key.startswith(world.township_b.path) for key in seen)
    assert {place.region.code: place.sums["received"] for place in table.places} == {
        "330699001001G01": 0,
        "330699001001G02": 0,
        "330699002001G01": 1,
    }


def test_figures_need_the_permission_and_a_sound_depth(data, world, year):
    columnar.export()
    with pytest.raises(PermissionDenied):
        columnar.table_by(world.resident, world.county, year, depth=1)
    for depth in (0, 7, "2", None):
        with pytest.raises(ValidationError) as error:
            columnar.table_by(data.analyst, world.county, year, depth=depth)
        assert "depth" in error.value.message_dict
    with pytest.raises(Http404):
        columnar.table_by(data.analyst, "no-such-place", year, depth=1)


# --- how old the figures are -----------------------------------------------------------------


def test_a_copy_older_than_the_limit_is_not_read(data, world, year, settings):
    columnar.export()
    settings.COLUMNAR_MAX_AGE = 60
    fresh = columnar.table_by(data.analyst, world.county, year, depth=1)
    assert fresh.engine == "columnar"
    later = timezone.now() + dt.timedelta(minutes=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(columnar.timezone, "now", lambda: later)
        stale = columnar.table_by(data.analyst, world.county, year, depth=1)
    assert stale.engine == "facts" and stale.note == ""
    assert _numbers(stale) == _numbers(fresh)


def test_a_copy_of_another_database_or_missing_a_measure_is_not_read(data, monkeypatch):
    copy = columnar.export()
    assert copy.usable()
    monkeypatch.setattr(columnar, "_database", lambda: "postgresql:somewhere_else")
    assert not copy.usable()
    monkeypatch.undo()
    monkeypatch.setattr(columnar.figures, "MEASURES", (*MEASURES, "measured_later"))
    assert not copy.usable()


def test_no_copy_means_the_facts_answer(data, world, year, data_dir):
    assert columnar.current_copy() is None
    table = columnar.table_by(data.analyst, world.county, year, depth=1)
    assert table.engine == "facts" and table.note == ""
    (data_dir / "columnar").mkdir()
    (data_dir / "columnar" / "daily_facts.parquet").write_bytes(b"not parquet")
    assert columnar.current_copy() is None
    assert columnar.table_by(data.analyst, world.county, year, depth=1).engine == "facts"


def test_the_table_says_when_facts_changed_after_the_copy(data, world, year, settings):
    columnar.export()
    case = make_case(world, world.grid_a2, title="甲村二网格又一起噪音纠纷")
    # What the commit's signal does: only the new case's facts are written again.
    facts.refresh([(timezone.localtime(case.received_at).date(), case.grid_id, case.category)])
    table = columnar.table_by(world.chief, world.township_a, year, depth=1)
    assert table.engine == "columnar" and table.behind
    made = timezone.localtime(table.copy.made_at).strftime("%Y-%m-%d %H:%M")
    assert table.note == f"列式副本，生成于 {made}；此后的变动尚未计入"
    # The copy's numbers, honestly labelled; the facts already count the new case.
    assert sum(p.sums["received"] for p in table.places) == 3
    live = _without_copy(
        settings, lambda: columnar.table_by(world.chief, world.township_a, year, depth=1)
    )
    assert sum(p.sums["received"] for p in live.places) == 4
    # Township B's table is untouched by A's change.
    assert not columnar.table_by(world.officer_b, world.township_b, year, depth=1).behind


# --- the dashboard --------------------------------------------------------------------------


def test_a_big_place_compares_its_places_from_the_copy_and_says_how_old(
    client, data, world, monkeypatch
):
    client.force_login(data.analyst)
    small = client.get(reverse("analytics:dashboard"))
    assert small.context["board"].places_table is None  # three grids: the facts, per place
    monkeypatch.setattr(columnar, "MIN_GRIDS", 2)
    columnar.export()
    response = client.get(reverse("analytics:dashboard"))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.places_table.engine == "columnar"
    assert board.comparison == small.context["board"].comparison
    assert board.regions_table.rows == small.context["board"].regions_table.rows
    body = response.content.decode()
    made = timezone.localtime(board.places_table.copy.made_at).strftime("%Y-%m-%d %H:%M")
    assert f'data-source="columnar">列式副本，生成于 {made}</p>' in body
    assert "data-source" not in small.content.decode()


def test_a_big_place_without_a_copy_is_compared_from_the_facts_at_once(
    client, data, world, monkeypatch
):
    client.force_login(data.analyst)
    small = client.get(reverse("analytics:dashboard")).context["board"]
    monkeypatch.setattr(columnar, "MIN_GRIDS", 2)
    response = client.get(reverse("analytics:dashboard"))
    board = response.context["board"]
    assert board.places_table.engine == "facts"
    assert board.comparison == small.comparison
    assert "data-source" not in response.content.decode()


def test_sums_cover_every_measure_of_the_facts(data, world, year):
    columnar.export()
    table = columnar.table_by(data.analyst, world.county, year, depth=1)
    totals = DailyFact.objects.unscoped_for_jobs().aggregate(**{m: Sum(m) for m in MEASURES})
    for measure in MEASURES:
        assert sum(place.sums[measure] for place in table.places) == (totals[measure] or 0)
